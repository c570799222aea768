#!/usr/bin/env python3
"""smtp_batch - sends many test messages over one SMTP session, faster than
one swaks run each (the incoming S/MIME end-to-end tests send dozens).

  smtp_batch.py HOST:PORT SOURCE-IP FROM TO LABEL FILE...

Each FILE (a whole message, CRLF) goes with a first header line
"X-Test-Case: LABEL/NAME" (NAME: the file name without its folder), so
that the delivered copy can be found. Prints one line per file: "NAME CODE TEXT",
the reply to the end of its data (or to RCPT/MAIL when refused there).
Exit 0 when the session itself worked.
"""
import os
import smtplib
import sys


def main():
    hostport, src, frm, to, label = sys.argv[1:6]
    host, port = hostport.rsplit(':', 1)
    s = smtplib.SMTP(host, int(port), source_address=(src, 0), timeout=120)
    s.ehlo('client.test')
    for path in sys.argv[6:]:
        name = label + '/' + os.path.basename(path)
        with open(path, 'rb') as f:
            data = b'X-Test-Case: ' + name.encode() + b'\r\n' + f.read()
        code, text = s.mail(frm)
        if code == 250:
            code, text = s.rcpt(to)
        if code in (250, 251):
            code, text = s.data(data)
        else:
            s.rset()
        print(name, code, text.decode(errors='replace').replace('\n', ' '))
        sys.stdout.flush()
    s.quit()


if __name__ == '__main__':
    main()
