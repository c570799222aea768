#!/usr/bin/python3
# raw_smtp.py - sends one message byte for byte, which swaks and smtplib
# cannot do: smtplib turns bare LF into CRLF, swaks rewrites line ends;
# the hostile-input tests need bare LF, NUL bytes and 8-bit bytes on the
# wire exactly as written, and thousands of recipients in one
# transaction.
#
#   raw_smtp.py --port PORT [--source ADDR] --mail SENDER
#       (--rcpt ADDR ... | --rcpts N --rcpt-pattern 'r%05d@rcpt.test')
#       --data FILE
#
# The file is dot-stuffed (a line that begins with "." gets another) and
# sent as it is; CRLF "." CRLF ends it (a CRLF is added first when the
# file does not end in one). Recipients are pipelined in batches of 100.
# With --hold FILE, the first half of the data is sent, then the client
# waits (up to 120 s) until FILE exists before it sends the rest: a
# message caught in the middle, for the fault tests.
# Prints, one per line: "MAIL CODE", "RCPT accepted=N refused=M
# first_refusal=CODE", "DATA CODE", "DOT CODE TEXT" (the reply to the end
# of data, or to the command that ended the transaction). Exit 0 when the
# dialogue ran to its end (whatever the replies), 2 when it broke off.
import argparse
import os
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--source", default="127.0.0.1")
ap.add_argument("--helo", default="client.bench.gatewarden.test")
ap.add_argument("--mail", required=True)
ap.add_argument("--rcpt", action="append", default=[])
ap.add_argument("--rcpts", type=int, default=0)
ap.add_argument("--rcpt-pattern", default="r%05d@rcpt.test")
ap.add_argument("--data", required=True)
ap.add_argument("--timeout", type=float, default=300)
ap.add_argument("--hold", default=None)
a = ap.parse_args()

rcpts = list(a.rcpt) + [a.rcpt_pattern % i for i in range(a.rcpts)]
s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout,
                             source_address=(a.source, 0))
f = s.makefile("rb")


def reply():
    """One SMTP reply: (code, text of its last line)."""
    while True:
        line = f.readline()
        if not line:
            print("DOT 000 connection closed")
            sys.exit(2)
        line = line.rstrip(b"\r\n").decode("latin-1")
        if len(line) < 4 or line[3] != "-":
            return int(line[:3]), line[4:]


def cmd(text):
    s.sendall(text.encode() + b"\r\n")
    return reply()


def stuffed(data):
    lines = data.split(b"\n")
    out = [(b"." + ln) if ln.startswith(b".") else ln for ln in lines]
    body = b"\n".join(out)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


reply()
code, _ = cmd("EHLO " + a.helo)
code, text = cmd("MAIL FROM:<%s>" % a.mail)
print("MAIL", code)
if code != 250:
    print("DOT", code, text)
    cmd("QUIT")
    sys.exit(0)
ok = bad = 0
first = ""
for i in range(0, len(rcpts), 100):
    batch = rcpts[i:i + 100]
    s.sendall(b"".join(b"RCPT TO:<%s>\r\n" % r.encode() for r in batch))
    for _ in batch:
        code, text = reply()
        if code in (250, 251):
            ok += 1
        else:
            bad += 1
            first = first or "%d %s" % (code, text)
print("RCPT accepted=%d refused=%d first_refusal=%s" %
      (ok, bad, first.split(" ")[0] if first else "-"))
if ok == 0:
    print("DOT", first)
    cmd("QUIT")
    sys.exit(0)
code, text = cmd("DATA")
print("DATA", code)
if code != 354:
    print("DOT", code, text)
    cmd("QUIT")
    sys.exit(0)
with open(a.data, "rb") as fh:
    data = stuffed(fh.read())
if a.hold:
    half = len(data) // 2
    s.sendall(data[:half])
    data = data[half:]
    print("HELD", flush=True)
    end = time.time() + 120
    while not os.path.exists(a.hold) and time.time() < end:
        time.sleep(0.05)
s.sendall(data)
code, text = reply()
print("DOT", code, text)
sys.stdout.flush()
cmd("QUIT")
