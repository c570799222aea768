#!/usr/bin/env python3
"""smime_mime - MIME helper for t/smime-interop.sh (independent of the C
code under test: Python's own email package and base64).

  kind FILE              prints detached|opaque|enveloped|authenveloped|plain
  detached FILE DATA SIG first part of multipart/signed, exact bytes, to DATA;
                         the signature part decoded to SIG (DER)
  p7m FILE OUT           the base64 body of an application/pkcs7-mime entity,
                         decoded to OUT (DER)
  same ORIG ENTITY       every leaf part of ENTITY (decoded) equals the
                         matching part of the original message ORIG (text
                         compared with line ends made LF); exit 1 if not
"""
import base64
import email
import email.policy
import re
import sys


def load(path):
    with open(path, 'rb') as f:
        return f.read()


def msg(data):
    return email.message_from_bytes(data, policy=email.policy.compat32)


def kind(path):
    m = msg(load(path))
    ct = m.get_content_type()
    st = (m.get_param('smime-type') or '').lower()
    if ct == 'multipart/signed':
        return 'detached'
    if ct in ('application/pkcs7-mime', 'application/x-pkcs7-mime'):
        return {'signed-data': 'opaque', 'enveloped-data': 'enveloped',
                'authenveloped-data': 'authenveloped'}.get(st, 'unknown')
    return 'plain'


def split_head(data):
    i = data.find(b'\r\n\r\n')
    j = data.find(b'\n\n')
    if i < 0 or (0 <= j < i):
        return data[:j], data[j + 2:]
    return data[:i], data[i + 4:]


def detached(path, out_data, out_sig):
    data = load(path)
    m = msg(data)
    b = m.get_param('boundary').encode()
    _, body = split_head(data)
    delim = b'--' + b
    first = body.index(delim + b'\r\n') + len(delim) + 2
    end = body.index(b'\r\n' + delim, first)
    with open(out_data, 'wb') as f:
        f.write(body[first:end])
    sig = m.get_payload()[1]
    with open(out_sig, 'wb') as f:
        f.write(sig.get_payload(decode=True))


def p7m(path, out):
    _, body = split_head(load(path))
    with open(out, 'wb') as f:
        f.write(base64.b64decode(re.sub(rb'\s+', b'', body), validate=True))


def leaves(m):
    if m.is_multipart():
        for p in m.get_payload():
            yield from leaves(p)
    else:
        yield m


def same(orig, entity):
    a = list(leaves(msg(load(orig))))
    b = list(leaves(msg(load(entity))))
    if len(a) != len(b):
        print('# parts: got %d, want %d' % (len(b), len(a)))
        return 1
    bad = 0
    for i, (pa, pb) in enumerate(zip(a, b)):
        da = pa.get_payload(decode=True)
        db = pb.get_payload(decode=True)
        if pa.get_content_maintype() == 'text':
            da = da.replace(b'\r\n', b'\n')
            db = db.replace(b'\r\n', b'\n')
        if pa.get_content_type() != pb.get_content_type():
            print('# part %d: type %s, want %s' % (i + 1,
                  pb.get_content_type(), pa.get_content_type()))
            bad += 1
        elif da != db:
            print('# part %d (%s): content differs (%d bytes, want %d)' %
                  (i + 1, pa.get_content_type(), len(db), len(da)))
            bad += 1
        if re.search(rb'[\x80-\xff]', pb.as_bytes()) and \
                pb.get_content_maintype() != 'multipart':
            print('# part %d: 8-bit data left in the entity' % (i + 1))
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'kind':
        print(kind(*args))
    elif cmd == 'detached':
        detached(*args)
    elif cmd == 'p7m':
        p7m(*args)
    elif cmd == 'same':
        sys.exit(same(*args))
    else:
        sys.exit('unknown command')
