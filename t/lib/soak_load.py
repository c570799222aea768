#!/usr/bin/env python3
"""soak_load - the soak test's client: many SMTP sessions at once, each
message with a unique id, every outcome recorded.

  soak_load.py --sessions N --first ID --count N --out FILE
               --class NAME:WEIGHT:PORT:RCPT[:tls][:file=PATH][:expect=CODE] ...

Each message goes in a session of its own (smtp-source's default), with
the envelope sender s<ID>-<class>@soak.test: the id survives signing and
encryption, which change the content, and smtp-sink records it
(X-Mail-Args). The class is drawn at random by weight (seeded by the
first id, so a run can be repeated). A class sends its file (a whole
message, CRLF; default: a generated plain text message), with STARTTLS
when it says tls, to RCPT on PORT.

A message the server accepts (250 after the data) is done. One refused
with a 4xx reply, or whose session broke before that 250 (gatewarden
killed, the MTA tempfailing), is sent again later, as an MTA would,
with the same id, until it is accepted or --max-tries is spent. A class
with expect=CODE is one whose messages must be refused with that
permanent reply (plain text where TLS is required): the refusal is its
success, and an acceptance is recorded as a failure.

Writes one line per id to FILE: "ID CLASS OUTCOME TRIES LAST-REPLY",
OUTCOME accepted, refused (the expected refusal), failed (a permanent
reply that was not expected, or tries spent). Prints a summary.
Exit 0 when every message reached the outcome its class wants.
"""
import argparse
import random
import smtplib
import socket
import ssl
import sys
import threading
import time
import queue

BODY_LINE = b'soak test line 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n'


def parse_class(spec):
    parts = spec.split(':')
    if len(parts) < 4:
        raise SystemExit('soak_load: bad --class ' + spec)
    c = {'name': parts[0], 'weight': int(parts[1]), 'port': int(parts[2]),
         'rcpt': parts[3], 'tls': False, 'data': None, 'expect': None}
    for p in parts[4:]:
        if p == 'tls':
            c['tls'] = True
        elif p.startswith('file='):
            with open(p[5:], 'rb') as f:
                c['data'] = f.read()
        elif p.startswith('expect='):
            c['expect'] = int(p[7:])
        else:
            raise SystemExit('soak_load: bad class option ' + p)
    return c


def message(c, ident, sender):
    head = b'X-Soak-Id: %d\r\n' % ident
    if c['data'] is not None:
        return head + c['data']
    return (head + b'From: <' + sender.encode() + b'>\r\nTo: <' +
            c['rcpt'].encode() + b'>\r\nSubject: soak %d %s\r\n'
            b'Message-ID: <soak.%d@soak.test>\r\n\r\n' % (
                ident, c['name'].encode(), ident) + BODY_LINE * (ident % 40 + 5))


def send_one(c, ident, timeout):
    """Returns (final, code, text): final is True when the reply is the
    message's last word (250, or a 5xx)."""
    sender = 's%d-%s@soak.test' % (ident, c['name'])
    try:
        s = smtplib.SMTP('127.0.0.1', c['port'], timeout=timeout)
    except (OSError, smtplib.SMTPException) as e:
        return False, 0, 'connect: %s' % e
    try:
        code, text = s.ehlo('client.soak.test')
        if code != 250:
            return code >= 500, code, text
        if c['tls']:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            code, text = s.starttls(context=ctx)
            if code != 220:
                return code >= 500, code, text
            s.ehlo('client.soak.test')
        code, text = s.mail(sender)
        if code == 250:
            code, text = s.rcpt(c['rcpt'])
        if code in (250, 251):
            code, text = s.data(message(c, ident, sender))
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
        return code == 250 or code >= 500, code, text
    except (OSError, smtplib.SMTPException, ssl.SSLError) as e:
        code = getattr(e, 'smtp_code', 0)
        text = getattr(e, 'smtp_error', str(e))
        return isinstance(code, int) and code >= 500, code if isinstance(code, int) else 0, text
    finally:
        try:
            s.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sessions', type=int, default=50)
    ap.add_argument('--first', type=int, default=1)
    ap.add_argument('--count', type=int, required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--class', dest='classes', action='append', required=True)
    ap.add_argument('--max-tries', type=int, default=60)
    ap.add_argument('--retry-delay', type=float, default=1.0)
    ap.add_argument('--timeout', type=float, default=120)
    a = ap.parse_args()
    classes = [parse_class(x) for x in a.classes]
    rnd = random.Random(a.first)
    weights = [c['weight'] for c in classes]
    work = queue.Queue()
    for i in range(a.first, a.first + a.count):
        work.put((i, rnd.choices(classes, weights)[0], 0, 0.0))
    results = {}
    lock = threading.Lock()
    pending = [a.count]

    def worker():
        while True:
            with lock:
                if pending[0] == 0:
                    return
            try:
                ident, c, tries, not_before = work.get(timeout=0.2)
            except queue.Empty:
                continue
            wait = not_before - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 0.5))
                if not_before > time.monotonic():
                    work.put((ident, c, tries, not_before))
                    continue
            tries += 1
            final, code, text = send_one(c, ident, a.timeout)
            if isinstance(text, bytes):
                text = text.decode(errors='replace')
            reply = ('%s %s' % (code, text)).replace('\n', ' ')[:200]
            if not final and tries < a.max_tries:
                work.put((ident, c, tries,
                          time.monotonic() + a.retry_delay * min(tries, 5)))
                continue
            if c['expect'] is not None:
                outcome = 'refused' if code == c['expect'] else 'failed'
            else:
                outcome = 'accepted' if code == 250 else 'failed'
            with lock:
                results[ident] = (c['name'], outcome, tries, reply)
                pending[0] -= 1

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(a.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = 0
    retried = 0
    per = {}
    with open(a.out, 'w') as f:
        for ident in sorted(results):
            name, outcome, tries, reply = results[ident]
            f.write('%d %s %s %d %s\n' % (ident, name, outcome, tries, reply))
            per.setdefault(name, {}).setdefault(outcome, 0)
            per[name][outcome] += 1
            bad += outcome == 'failed'
            retried += tries > 1
    for name in sorted(per):
        print('soak_load: class=%s %s' % (name, ' '.join(
            '%s=%d' % kv for kv in sorted(per[name].items()))))
    print('soak_load: messages=%d failed=%d retried=%d' % (a.count, bad, retried))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
