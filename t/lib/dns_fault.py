#!/usr/bin/python3
# dns_fault.py - a DNS server that fails on purpose, for the fault tests:
#
#   dns_fault.py --port PORT --mode silent|servfail [--pid-file FILE]
#
# Listens on 127.0.0.1:PORT, UDP and TCP. silent: reads every query and
# never answers (TCP connections are accepted and held), so the resolver
# times out; servfail: answers every query with RCODE 2 (SERVFAIL), the
# question echoed. The mode can be switched at run time: SIGUSR1 makes it
# silent, SIGUSR2 servfail. Prints "ready" once it listens.
import argparse
import select
import signal
import socket
import struct
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--mode", choices=("silent", "servfail"), required=True)
a = ap.parse_args()
mode = [a.mode]
signal.signal(signal.SIGUSR1, lambda *_: mode.__setitem__(0, "silent"))
signal.signal(signal.SIGUSR2, lambda *_: mode.__setitem__(0, "servfail"))

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", a.port))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", a.port))
t.listen(16)
held = []
print("ready", flush=True)


def servfail(q):
    """The SERVFAIL answer to query q, its question echoed; None when q
    is not one question."""
    if len(q) < 12 or struct.unpack("!H", q[4:6])[0] != 1:
        return None
    i = 12
    while i < len(q) and q[i] != 0:
        i += 1 + q[i]
    end = i + 5
    if end > len(q):
        return None
    qid, flags = struct.unpack("!HH", q[:4])
    # QR=1, the opcode and RD kept, RA=1, RCODE=2.
    flags = 0x8000 | (flags & 0x7900) | 0x0080 | 2
    return struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0) + q[12:end]


while True:
    try:
        r, _, _ = select.select([u, t] + held, [], [], 1)
    except InterruptedError:
        continue
    for s in r:
        if s is u:
            q, peer = u.recvfrom(4096)
            ans = servfail(q) if mode[0] == "servfail" else None
            if ans is not None:
                u.sendto(ans, peer)
        elif s is t:
            c, _ = t.accept()
            held.append(c)
        else:
            data = s.recv(4096)
            if not data:
                held.remove(s)
                s.close()
                continue
            if mode[0] == "servfail" and len(data) > 2:
                ans = servfail(data[2:2 + struct.unpack("!H", data[:2])[0]])
                if ans is not None:
                    s.sendall(struct.pack("!H", len(ans)) + ans)
