#!/usr/bin/env python3
"""sts_https.py - the MTA-STS policy web server of the DNSSEC lab.

Listens with TLS on --address:--port (443 inside the lab's private network
namespace), writes its port to --port-file once it listens, and presents,
by the SNI name the client sends, the certificate given with --map
NAME=FILE (FILE.pem holds the chain, FILE.key the key), else --default
FILE. For GET /.well-known/mta-sts.txt with Host H it answers from --root,
read again at every request so that a test can change a policy while the
server runs:
  H.redirect  exists: 301 to the URL it holds
  H.txt       the policy, 200, with the media type of H.type (default
              text/plain)
  neither     404
Every other path is 404. A POST (a TLS-RPT report) is kept in --root as
post-N.body, its Content-Type in post-N.type, and answered 200. Each request is logged on stdout as "HOST PATH
STATUS". Sockets time out after 30 seconds; the process exits after
--lifetime seconds.
"""
import argparse
import http.server
import os
import socket
import ssl
import sys
import threading


def context(base):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(base + ".pem", base + ".key")
    return ctx


class Handler(http.server.BaseHTTPRequestHandler):
    timeout = 30
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", ctype="text/plain", location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        host = (self.headers.get("Host") or "").split(":")[0]
        print("%s %s %d" % (host, self.path, status), flush=True)

    def do_GET(self):
        root = self.server.root
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if self.path != "/.well-known/mta-sts.txt" or "/" in host or \
                host.startswith("."):
            return self.send(404, b"not found\n")
        base = os.path.join(root, host)
        if os.path.exists(base + ".redirect"):
            with open(base + ".redirect") as f:
                return self.send(301, b"moved\n", location=f.read().strip())
        if not os.path.exists(base + ".txt"):
            return self.send(404, b"not found\n")
        with open(base + ".txt", "rb") as f:
            body = f.read()
        ctype = "text/plain"
        if os.path.exists(base + ".type"):
            with open(base + ".type") as f:
                ctype = f.read().strip()
        return self.send(200, body, ctype)


    # TLS-RPT reports (RFC 8460 5.4): kept as post-N.body with the
    # request's Content-Type in post-N.type.
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            return self.send(413, b"too large\n")
        body = self.rfile.read(n)
        with self.server.lock:
            self.server.posts += 1
            k = self.server.posts
        base = os.path.join(self.server.root, "post-%d" % k)
        with open(base + ".type", "w") as f:
            f.write((self.headers.get("Content-Type") or "") + "\n")
        with open(base + ".body", "wb") as f:
            f.write(body)
        return self.send(200, b"thanks\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    # The TLS handshake in the request's own thread, bounded in time.
    def finish_request(self, request, client_address):
        request.settimeout(30)
        request = self.tls.wrap_socket(request, server_side=True)
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        print("- - error %s" % sys.exc_info()[1], flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--default", required=True)
    p.add_argument("--map", action="append", default=[])
    p.add_argument("--lifetime", type=int, default=600)
    a = p.parse_args()

    default = context(a.default)
    by_name = {}
    for m in a.map:
        name, base = m.split("=", 1)
        by_name[name.lower()] = context(base)

    def sni(sock, name, ctx):
        if name and name.lower() in by_name:
            sock.context = by_name[name.lower()]

    default.sni_callback = sni
    srv = Server((a.address, a.port), Handler)
    srv.root = a.root
    srv.tls = default
    srv.lock = threading.Lock()
    srv.posts = 0
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
