#!/usr/bin/env python3
"""dane_sink.py - a STARTTLS SMTP sink for the DANE tests.

Listens on 127.0.0.1 (or --address) on a free port, or --port (inside a
private network namespace), written to --port-file; offers
STARTTLS and presents, by the SNI name the client sends, the certificate
given with --map NAME=FILE (FILE.pem holds the chain, FILE.key the key),
else --default FILE. --no-starttls: STARTTLS is not offered; --max-tls
1.2: no TLS version above 1.2 is spoken. Accepts every message and, with --maildir, stores
each as a file named after the first RCPT TO. Every socket times out
after 30 seconds; the process exits after --lifetime seconds.
"""
import argparse
import os
import socket
import socketserver
import ssl
import threading


def context(base):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(base + ".pem", base + ".key")
    return ctx


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        srv = self.server
        conn = self.request
        self.reply("220 sink.lab.test ESMTP dane_sink")
        tls = False
        rcpts = []
        while True:
            line = self.rfile.readline(1001)
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                if tls or srv.tls is None:
                    self.reply("250-sink.lab.test\r\n250 8BITMIME")
                else:
                    self.reply("250-sink.lab.test\r\n250-STARTTLS\r\n250 8BITMIME")
            elif cmd.upper() == "STARTTLS" and not tls and srv.tls:
                self.reply("220 2.0.0 go ahead")
                try:
                    conn = srv.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                self.request = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                tls = True
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                rcpts.append(cmd[8:].strip().strip("<>"))
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                body = []
                while True:
                    l = self.rfile.readline(10000)
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    body.append(l)
                if srv.maildir and rcpts:
                    name = os.path.join(srv.maildir, rcpts[0].replace("/", "_"))
                    with open(name, "ab") as f:
                        f.write(b"".join(body))
                self.reply("250 2.0.0 queued")
            elif verb == "RSET" or verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 not here")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--default", required=True)
    p.add_argument("--map", action="append", default=[])
    p.add_argument("--maildir")
    p.add_argument("--lifetime", type=int, default=600)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--no-starttls", action="store_true")
    p.add_argument("--max-tls", choices=["1.2", "1.3"], default="1.3")
    a = p.parse_args()
    ctxs = {}
    for m in a.map:
        name, base = m.split("=", 1)
        ctxs[name.lower()] = context(base)
    default = context(a.default)

    def pick(sock, name, _ctx):
        if name and name.lower() in ctxs:
            sock.context = ctxs[name.lower()]

    default.sni_callback = pick
    if a.max_tls == "1.2":
        for ctx in [default] + list(ctxs.values()):
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    srv = Server((a.address, a.port), Handler)
    srv.tls = None if a.no_starttls else default
    srv.maildir = a.maildir
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    threading.Timer(a.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
