#!/usr/bin/env python3
"""syslog_sink.py - a syslog(3) receiver for tests: binds a unix datagram
socket (e.g. /dev/log inside a private mount namespace) and appends every
message, without its <PRI> prefix, as one line to a log file.

Usage: syslog_sink.py SOCKET LOGFILE
Runs until SIGTERM (or SIGINT/SIGHUP); removes SOCKET on the way out.
Messages are bounded (8 KiB) and control characters are escaped, so a
hostile sender cannot forge lines in the log.
"""
import os
import re
import signal
import socket
import sys


def clean(data):
    text = data.decode("utf-8", "replace").rstrip("\n\0")
    text = re.sub(r"^<[0-9]{1,3}>", "", text)
    return re.sub(r"[\x00-\x1f\x7f]",
                  lambda m: "\\x%02x" % ord(m.group(0)), text)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: syslog_sink.py SOCKET LOGFILE\n")
        return 2
    path, logfile = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock.bind(path)
    os.chmod(path, 0o666)

    def stop(_signum, _frame):
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        with open(logfile, "a", buffering=1) as log:
            while True:
                log.write(clean(sock.recv(8192)) + "\n")
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
