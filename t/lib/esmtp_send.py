#!/usr/bin/python3
# esmtp_send.py - sends one message with ESMTP parameters on MAIL and on
# each RCPT, which swaks cannot do: the tests of what a copy keeps of its
# envelope.
#
#   esmtp_send.py --port PORT [--source ADDR] --mail "SENDER [PARAM...]"
#       --rcpt "RCPT [PARAM...]" [--rcpt ...] --data FILE
#
# The file is sent as it is (CRLF line ends expected). Prints each reply
# and, last, "DOT CODE" for the end of data; exits 1 when the server
# refused a command.
import argparse
import smtplib
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--source", default="127.0.0.1")
ap.add_argument("--helo", default="client.bench.gatewarden.test")
ap.add_argument("--mail", required=True)
ap.add_argument("--rcpt", action="append", required=True)
ap.add_argument("--data", required=True)
a = ap.parse_args()

with open(a.data, "rb") as f:
    msg = f.read()
s = smtplib.SMTP("127.0.0.1", a.port, source_address=(a.source, 0), timeout=60)
s.ehlo(a.helo)
sender, *params = a.mail.split()
print("MAIL", s.mail(sender, params))
for r in a.rcpt:
    addr, *params = r.split()
    code, text = s.rcpt(addr, params)
    print("RCPT", code, text)
    if code >= 400:
        sys.exit(1)
code, text = s.data(msg)
print("DOT", code)
s.quit()
