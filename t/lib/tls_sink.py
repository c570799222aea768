#!/usr/bin/env python3
"""tls_sink.py - an SMTP sink with STARTTLS for the end-to-end bench.

smtp-sink (Postfix) has no TLS, so t/lib/bench.sh runs this instead when a
test asks for `bench_sink_start --tls PEMBASE`. It listens on 127.0.0.1
--port, offers STARTTLS with PEMBASE.pem (certificate and chain) and
PEMBASE.key, accepts every message and writes each to its own file in
--dump-dir in smtp-sink's dump format, so that the bench reads both alike:

    X-Client-Addr, X-Client-Proto, X-Helo-Args, X-Mail-Args, X-Rcpt-Args...
    X-TLS-Protocol, X-TLS-Cipher  (only when the session used STARTTLS)
    X-TLS-Client-Subject          (only with --client-ca and a client cert)
    a three-line Received header, the message (LF line ends, dots
    unstuffed), one empty line.

--client-ca FILE asks for (and verifies against FILE) a client
certificate. --require-tls refuses MAIL before STARTTLS with 530.
Lines are bounded (1000 octets as in RFC 5321, else 500 and the session
ends), every socket times out after 30 s and the process exits after
--lifetime seconds, so a test that dies cannot leave it behind for long.
"""
import argparse
import os
import socket
import socketserver
import ssl
import sys
import threading
import time

MAX_LINE = 1000 + 2


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_LINE:
            self.reply("500 5.5.2 Line too long")
            return None
        return line

    def handle(self):
        srv = self.server
        self.tls = None
        self.helo = None
        self.reset()
        self.reply("220 sink.gatewarden.test ESMTP tls_sink")
        while True:
            raw = self.readline()
            if raw is None:
                return
            line = raw.rstrip(b"\r\n").decode("latin-1")
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                self.helo = arg
                self.proto = "ESMTP" if verb == "EHLO" else "SMTP"
                self.reset()
                if verb == "HELO":
                    self.reply("250 sink.gatewarden.test")
                elif self.tls is None:
                    self.reply("250-sink.gatewarden.test\r\n250-8BITMIME\r\n"
                               "250-PIPELINING\r\n250 STARTTLS")
                else:
                    self.reply("250-sink.gatewarden.test\r\n250-8BITMIME\r\n"
                               "250 PIPELINING")
            elif verb == "STARTTLS" and self.tls is None:
                self.reply("220 2.0.0 Ready to start TLS")
                try:
                    conn = srv.ctx.wrap_socket(self.request, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    print("tls_sink: handshake failed: %s" % e, file=sys.stderr)
                    return
                conn.settimeout(self.timeout)
                self.request = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                self.tls = conn
                self.helo = None
                self.reset()
            elif verb == "MAIL":
                if srv.require_tls and self.tls is None:
                    self.reply("530 5.7.0 Must issue a STARTTLS command first")
                    continue
                self.reset()
                self.mail = arg.split(":", 1)[1].strip() if ":" in arg else arg
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                if self.mail is None:
                    self.reply("503 5.5.1 Error: need MAIL command")
                    continue
                self.rcpts.append(arg.split(":", 1)[1].strip() if ":" in arg else arg)
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not self.rcpts:
                    self.reply("503 5.5.1 Error: need RCPT command")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                if not self.data():
                    return
                self.reset()
            elif verb == "RSET":
                self.reset()
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")

    def reset(self):
        self.mail = None
        self.rcpts = []

    def records(self, qid):
        out = ["X-Client-Addr: %s" % self.client_address[0],
               "X-Client-Proto: %s" % getattr(self, "proto", "SMTP")]
        if self.helo is not None:
            out.append("X-Helo-Args: %s" % self.helo)
        out.append("X-Mail-Args: %s" % self.mail)
        out += ["X-Rcpt-Args: %s" % r for r in self.rcpts]
        if self.tls is not None:
            out.append("X-TLS-Protocol: %s" % self.tls.version())
            out.append("X-TLS-Cipher: %s" % self.tls.cipher()[0])
            cert = self.tls.getpeercert()
            if cert:
                subject = ",".join("%s=%s" % kv for rdn in cert["subject"]
                                   for kv in rdn)
                out.append("X-TLS-Client-Subject: %s" % subject)
        out.append("Received: from %s ([%s])" % (self.helo or self.client_address[0],
                                                 self.client_address[0]))
        out.append("\tby sink.gatewarden.test (tls_sink) with %s id %s;"
                   % (getattr(self, "proto", "SMTP"), qid))
        out.append("\t%s" % time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                          time.gmtime()))
        return "".join(line + "\n" for line in out).encode("latin-1")

    def data(self):
        srv = self.server
        qid = "%08x" % int.from_bytes(os.urandom(4), "big")
        base = time.strftime("%Y%m%d%H%M%S.", time.gmtime()) + qid
        name = os.path.join(srv.dump_dir, base)
        tmp = os.path.join(srv.dump_dir, "." + base)
        with open(tmp, "wb") as out:
            out.write(self.records(qid))
            while True:
                raw = self.readline()
                if raw is None:
                    out.close()
                    os.unlink(tmp)
                    return False
                line = raw.rstrip(b"\r\n")
                if line == b".":
                    break
                if line.startswith(b"."):
                    line = line[1:]
                out.write(line + b"\n")
            out.write(b"\n")
        # The file appears complete or not at all (the bench ignores
        # names that start with a dot).
        os.rename(tmp, name)
        self.reply("250 2.0.0 Ok: queued as %s" % qid)
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dump-dir", required=True)
    ap.add_argument("--tls", required=True, metavar="PEMBASE")
    ap.add_argument("--client-ca")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--lifetime", type=int, default=900)
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls + ".pem", args.tls + ".key")
    if args.client_ca:
        ctx.load_verify_locations(args.client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    srv = Server(("127.0.0.1", args.port), Session)
    srv.ctx = ctx
    srv.dump_dir = args.dump_dir
    srv.require_tls = args.require_tls
    timer = threading.Timer(args.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
