#!/usr/bin/python3
"""badinput_msgs - writes the hostile messages of t/e2e-badinput.sh.

  badinput_msgs.py DIR

One file per case, DIR/NAME.eml, CRLF line ends unless the case is about
line ends. None starts with a Message-ID: the test puts a unique one in
front of each copy it sends (except "empty", which must stay 0 bytes).
The 100 MB message is not here (the test writes it where it is sent).
"""
import base64
import os
import sys

D = sys.argv[1]
HDR = (b"From: mallory@hostile.test\r\nTo: victim@rcpt.test\r\n"
       b"Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n")


def put(name, data):
    with open(os.path.join(D, name + ".eml"), "wb") as f:
        f.write(data)


def b64(der):
    return base64.encodebytes(der).replace(b"\n", b"\r\n")


# A header of 1 MiB: one field folded into 1,000-byte lines.
chunk = b"x" * 998
big = b"X-Big: " + b"\r\n ".join([chunk] * 1051) + b"\r\n"
put("big-header", HDR + b"Subject: one 1 MiB header\r\n" + big +
    b"\r\nbody\r\n")

# 100,000 header fields (about 1.9 MB).
many = b"".join(b"X-H%06d: v\r\n" % i for i in range(100000))
put("many-headers", HDR + b"Subject: 100000 headers\r\n" + many +
    b"\r\nbody\r\n")

# Bare LF line ends everywhere, a bare CR inside a line, no final newline.
put("bare-lf", HDR.replace(b"\r\n", b"\n") +
    b"Subject: bare LF\n\nline one\nline\rtwo\n.dot line\nlast, no newline")

# NUL bytes in a header value and in the body.
put("nul-bytes", HDR + b"Subject: nul \x00 inside\r\nX-Nul: a\x00b\r\n"
    b"\r\nbody \x00 with\x00\x00 NULs\r\n\x00\r\nend\r\n")

# 8-bit UTF-8, invalid UTF-8 and raw Latin-1 in headers (and a body).
put("8bit-headers", HDR.replace(b"mallory", b"m\xc3\xa4llory") +
    b"Subject: Gr\xc3\xbc\xc3\x9fe \xff\xfe\xc3\x28 \xe9t\xe9\r\n"
    b"X-Invalid: \xed\xa0\x80 \xf8\x88\x80\x80\x80 \xc0\xaf\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\nK\xc3\xa4se \xff\r\n")

# MIME nested 100 deep.
depth = 100
open_ = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n"
                 % (i, i + 1) for i in range(depth))
close = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth + 1)))
put("nested-100", HDR + b"Subject: nested 100 deep\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + open_ +
    b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeepest\r\n" % depth + close)

# A boundary that never closes (no close delimiter, no second part).
put("open-boundary", HDR + b"Subject: boundary never closes\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=never\r\n\r\n"
    b"preamble\r\n--never\r\nContent-Type: text/plain\r\n\r\n" +
    b"text that runs on\r\n" * 2000)

# base64 with garbage: characters outside the alphabet, bad padding,
# a line of 5,000 characters, padding in the middle.
put("bad-base64", HDR + b"Subject: base64 with garbage\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=g\r\n\r\n"
    b"--g\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    b"SGVsbG8=!!!@@@***\r\nQUJD===\r\n" + b"A" * 5000 + b"\r\n=QUJD\r\n"
    b"\x80\x81\xff\r\n--g--\r\n")

# A 0-byte message.
put("empty", b"")


# CMS whose DER lengths lie: 2 GiB for the outer SEQUENCE, 2^63 in a
# long form, nesting 5,000 deep with indefinite lengths, an OID of 1 MB.
def cms_msg(der, subject):
    return (HDR + b"Subject: " + subject + b"\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data;"
            b" name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            b64(der))


enveloped_oid = bytes.fromhex("06092a864886f70d010703")
put("cms-2gib", cms_msg(b"\x30\x84\x7f\xff\xff\xf0" + enveloped_oid +
                        b"\xa0\x84\x7f\xff\xff\x00" + b"\x00" * 64,
                        b"CMS, outer length 2 GiB"))
put("cms-len64", cms_msg(b"\x30\x88\x7f\xff\xff\xff\xff\xff\xff\xff" +
                         enveloped_oid + b"\x00" * 32,
                         b"CMS, a 64-bit length"))
put("cms-deep", cms_msg(b"\x30\x80" * 5000 + b"\x00\x00" * 5000,
                        b"CMS, nested 5000 deep"))
put("cms-oid", cms_msg(b"\x30\x84\x00\x10\x00\x06" + b"\x06\x84\x00\x10\x00\x00"
                       + b"\x81" * 0x100000, b"CMS, an OID of 1 MiB"))
# A signed message whose signature part lies about its lengths.
sig = b"\x30\x84\x7f\xff\xff\xf0" + bytes.fromhex("06092a864886f70d010702") + \
    b"\xa0\x80" * 200
put("cms-sig", HDR + b"Subject: signature of absurd lengths\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
    b" micalg=sha-256; boundary=s\r\n\r\n"
    b"--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n"
    b"--s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(sig) + b"\r\n--s--\r\n")

# An ordinary message, for the 10,000 recipients.
put("plain", HDR + b"Subject: to 10000 recipients\r\n\r\nhello\r\n")
