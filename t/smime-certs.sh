# smime-certs.sh - sourced by the S/MIME tests: makes a test CA and
# end-entity certificates with RFC 5750 key usage in the current folder.
#   ca.pem/ca.key            CA (keyCertSign, cRLSign)
#   signer.{pem,key}         RSA, sender@example.org (digitalSignature,
#                            nonRepudiation, keyEncipherment)
#   signer-chain.pem         signer.pem followed by ca.pem
#   signer.p12, p12pass      the same as PKCS#12 (3DES, which gpgsm reads)
#   ecsigner.{pem,key}       EC P-256, ecsender@example.org (digitalSignature)
#   alice.{pem,key,p12}      RSA recipient alice@partner.test
#   bob.{pem,key}            EC P-256 recipient bob@partner.test (keyAgreement)
mkcert() { # name rsa|ec address usage
	if [ "$2" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$1.key" 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$1.key"
	fi
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
	    "keyUsage=critical,$4" 'extendedKeyUsage=emailProtection' \
	    "subjectAltName=email:$3" 'subjectKeyIdentifier=hash' \
	    'authorityKeyIdentifier=keyid' > "$1.ext"
	openssl req -new -key "$1.key" -subj "/CN=$3/emailAddress=$3" \
	    -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

make_test_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -subj "/CN=Gatewarden Test CA" -days 30 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
	mkcert signer rsa sender@example.org \
	    digitalSignature,nonRepudiation,keyEncipherment || return 1
	mkcert ecsigner ec ecsender@example.org \
	    digitalSignature,nonRepudiation || return 1
	mkcert alice rsa alice@partner.test \
	    digitalSignature,nonRepudiation,keyEncipherment || return 1
	mkcert bob ec bob@partner.test \
	    digitalSignature,nonRepudiation,keyAgreement || return 1
	cat signer.pem ca.pem > signer-chain.pem
	echo 'test pass phrase' > p12pass
	for n in signer alice; do
		openssl pkcs12 -export -in $n.pem -inkey $n.key \
		    -passout file:p12pass -out $n.p12 -certpbe PBE-SHA1-3DES \
		    -keypbe PBE-SHA1-3DES -macalg sha1 || return 1
	done
}

# A multipart/mixed message: 8-bit UTF-8 text (LF line ends, trailing
# white space, a "-- " signature line), 8-bit HTML with a line over 998
# octets, and a binary attachment with NUL, bare CR and "--" lines.
make_test_message() { # file [extra-binary-bytes]
	python3 - "$1" "${2:-0}" <<'PYEOF'
import sys
txt = ("Grüße aus Köln: 8-bit text.\nTrailing space \nFrom the start\n"
       "-- \nsig\n").encode()
html = ("<html><body><p>Café crème</p>\n<p>=equals= and a long line " +
        "x" * 1100 + "</p></body></html>\n").encode()
binv = bytes(range(256)) * 8 + b"\r\n--notaboundary\n\0\0\r\r"
extra = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.write(b"From: Sender <sender@example.org>\nTo: alice@partner.test\n"
            b"Subject: interop test\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n"
            b"Message-ID: <t1@example.org>\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed;\n\tboundary=\"==outer==\"\n\n"
            b"This is a multi-part message.\n--==outer==\n"
            b"Content-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: 8bit\n\n" + txt +
            b"\n--==outer==\nContent-Type: text/html; charset=utf-8\n"
            b"Content-Transfer-Encoding: 8bit\n\n" + html +
            b"\n--==outer==\nContent-Type: application/octet-stream; "
            b"name=\"blob.bin\"\nContent-Disposition: attachment; "
            b"filename=\"blob.bin\"\nContent-Transfer-Encoding: binary\n\n" +
            binv)
    block = bytes((i * 7 + 3) % 256 for i in range(65536))
    while extra > 0:
        f.write(block[:min(extra, len(block))])
        extra -= len(block)
    f.write(b"\n--==outer==--\n")
PYEOF
}
