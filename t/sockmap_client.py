#!/usr/bin/env python3
"""sockmap_client.py - a socketmap client for the tests of gatewarden-maps
serve (the protocol of Postfix socketmap_table(5)).

SOCKET is unix:/path or inet:HOST:PORT. Every socket operation times out
after --timeout seconds (default 30).

  query SOCKET REQUEST...   one connection, the requests in turn; prints
                            each reply's payload on a line
  raw SOCKET BYTES          sends BYTES (Python escapes such as \\x00 are
                            read), then prints every reply until the
                            server closes, then "closed"
  cut SOCKET BYTES          sends BYTES and hangs up at once
  storm SOCKET N REQUEST... N connections open at once, each sends every
                            request in turn; prints "replies=R errors=E"
                            and a count per reply status
  rate SOCKET SECONDS CONNS REQUEST...  CONNS connections send the
                            requests in a loop for SECONDS; prints
                            "answers=A per_second=P" (for make bench);
                            a %d in a request is replaced by a counter
                            (a new name every time: uncached look-ups)
"""
import argparse
import socket
import sys
import threading
import time


def connect(spec, timeout):
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Blocking: a full backlog makes a non-blocking unix connect
        # fail with EAGAIN instead of waiting.
        s.connect(spec[5:])
        s.settimeout(timeout)
    elif spec.startswith("inet:"):
        host, port = spec[5:].rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), timeout)
    else:
        raise SystemExit("socket: write unix:/path or inet:HOST:PORT")
    return s


def netstring(payload):
    data = payload.encode("latin-1")
    return b"%d:%s," % (len(data), data)


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def reply(self):
        """The next reply's payload, or None when the server closed."""
        while True:
            if b":" in self.buf:
                head, rest = self.buf.split(b":", 1)
                if not head.isdigit():
                    raise ValueError("not a netstring: %r" % self.buf[:40])
                n = int(head)
                if len(rest) >= n + 1:
                    if rest[n:n + 1] != b",":
                        raise ValueError("netstring without ','")
                    self.buf = rest[n + 1:]
                    return rest[:n].decode("latin-1")
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data


def cmd_query(a):
    s = connect(a.socket, a.timeout)
    r = Reader(s)
    for req in a.args:
        s.sendall(netstring(req))
        rep = r.reply()
        print(rep if rep is not None else "closed")
        sys.stdout.flush()
        if rep is None:
            return 1
    s.close()
    return 0


def cmd_raw(a, cut):
    s = connect(a.socket, a.timeout)
    s.sendall(a.args[0].encode("latin-1").decode("unicode_escape")
              .encode("latin-1"))
    if cut:
        s.close()
        print("sent")
        return 0
    r = Reader(s)
    try:
        while True:
            rep = r.reply()
            if rep is None:
                print("closed")
                return 0
            print(rep)
    except socket.timeout:
        print("open")
        return 0


def cmd_storm(a):
    n = int(a.args[0])
    reqs = a.args[1:]
    socks = []
    errors = [0]
    counts = {}
    lock = threading.Lock()
    for _ in range(n):
        socks.append(connect(a.socket, a.timeout))
    start = threading.Barrier(n)

    def client(s):
        r = Reader(s)
        try:
            start.wait()
            for req in reqs:
                s.sendall(netstring(req))
                rep = r.reply()
                with lock:
                    if rep is None:
                        errors[0] += 1
                        return
                    st = rep.split(" ", 1)[0]
                    counts[st] = counts.get(st, 0) + 1
        except (OSError, ValueError, threading.BrokenBarrierError):
            with lock:
                errors[0] += 1
        finally:
            s.close()

    threads = [threading.Thread(target=client, args=(s,)) for s in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("replies=%d errors=%d %s" % (sum(counts.values()), errors[0],
          " ".join("%s=%d" % kv for kv in sorted(counts.items()))))
    return 0


def cmd_rate(a):
    seconds = float(a.args[0])
    conns = int(a.args[1])
    reqs = a.args[2:]
    counter = [0]
    total = [0]
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k):
        s = connect(a.socket, a.timeout)
        r = Reader(s)
        i = k
        n = 0
        try:
            while time.monotonic() < stop:
                req = reqs[i % len(reqs)]
                if "%d" in req:
                    with lock:
                        counter[0] += 1
                        req = req.replace("%d", str(counter[0]))
                s.sendall(netstring(req))
                i += conns
                if r.reply() is None:
                    break
                n += 1
        except OSError:
            with lock:
                errors[0] += 1
        s.close()
        with lock:
            total[0] += n

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,))
               for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    print("answers=%d per_second=%d errors=%d" % (total[0], total[0] / took,
                                                 errors[0]), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("mode", choices=["query", "raw", "cut", "storm", "rate"])
    p.add_argument("socket")
    p.add_argument("args", nargs="*")
    a = p.parse_args()
    if a.mode == "query":
        return cmd_query(a)
    if a.mode in ("raw", "cut"):
        return cmd_raw(a, a.mode == "cut")
    if a.mode == "storm":
        return cmd_storm(a)
    return cmd_rate(a)


if __name__ == "__main__":
    sys.exit(main())
