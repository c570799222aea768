#!/usr/bin/env python3
"""sasl_auth.py - a stand-in Dovecot authentication server for the bench.

Postfix's smtpd does SMTP AUTH through Dovecot's authentication protocol
(smtpd_sasl_type = dovecot, smtpd_sasl_path = inet:127.0.0.1:PORT). This
server speaks the server side of that protocol (version 1.2) for the
PLAIN mechanism and accepts every password: the tests need a real SMTP
AUTH with a chosen login ({auth_authen} reaching the milter), not a
password check. --fail-user NAME refuses that user, to test a failure.

    server -> VERSION 1 2, MECH PLAIN plaintext, SPID, CUID, COOKIE, DONE
    client -> VERSION 1 2, CPID n
    client -> AUTH id PLAIN service=smtp ... [resp=BASE64]
    server -> CONT id (no initial response) / OK id user=LOGIN / FAIL id

Lines are bounded (8 KiB), every connection times out after 30 s and the
process exits after --lifetime seconds.
"""
import argparse
import base64
import os
import socketserver
import sys
import threading
import time

MAX_LINE = 8192


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write((line + "\n").encode())
        self.wfile.flush()

    def login(self, b64):
        try:
            parts = base64.b64decode(b64, validate=True).split(b"\0")
        except ValueError:
            return None
        if len(parts) != 3 or not parts[1]:
            return None
        return parts[1].decode("utf-8", "replace")

    def answer(self, rid, b64):
        user = self.login(b64)
        if user is None or user == self.server.fail_user:
            self.send("FAIL\t%s" % rid)
        else:
            self.send("OK\t%s\tuser=%s" % (rid, user))

    def handle(self):
        self.send("VERSION\t1\t2")
        self.send("MECH\tPLAIN\tplaintext")
        self.send("SPID\t%d" % os.getpid())
        self.send("CUID\t%d" % threading.get_ident())
        self.send("COOKIE\t" + "0" * 32)
        self.send("DONE")
        waiting = set()
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if not raw or len(raw) > MAX_LINE:
                return
            f = raw.decode("utf-8", "replace").rstrip("\r\n").split("\t")
            if f[0] == "AUTH" and len(f) >= 3:
                resp = [a[5:] for a in f[3:] if a.startswith("resp=")]
                if f[2].upper() != "PLAIN":
                    self.send("FAIL\t%s" % f[1])
                elif resp:
                    self.answer(f[1], resp[0])
                else:
                    waiting.add(f[1])
                    self.send("CONT\t%s\t" % f[1])
            elif f[0] == "CONT" and len(f) >= 3 and f[1] in waiting:
                waiting.discard(f[1])
                self.answer(f[1], f[2])


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--fail-user", default=None)
    ap.add_argument("--lifetime", type=int, default=900)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.fail_user = a.fail_user
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    time.sleep(a.lifetime)
    srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
