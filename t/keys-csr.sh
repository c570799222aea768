#!/bin/sh
# keys-csr: a CSR for an existing key verifies with openssl req; a test CA
# signs it; install-signed puts the signed certificate and its chain in
# place, in chain order whatever the order of the CA's answer, without the
# root unless asked, and refuses a certificate for another key.
. "$top_srcdir/t/keys-lib.sh"

status 0 "create the organisation's S/MIME certificate" K create-cert org \
    --smime --cn "Example Org" --org "Example Ltd" --country DE \
    --email postmaster@example.org --dns example.org
status 0 "csr --help" K csr --help
status 0 "csr to a file" K csr org --out "$WORK/org.csr"
status 0 "openssl req -verify accepts the request" \
    openssl req -in "$WORK/org.csr" -verify -noout
openssl req -in "$WORK/org.csr" -noout -text >"$WORK/text" 2>&1
contains "Subject: C = DE, O = Example Ltd, CN = Example Org" "$WORK/text" \
    "request carries the subject"
contains "email:postmaster@example.org, DNS:example.org" "$WORK/text" \
    "request asks for the alternative names"
contains "Digital Signature, Non Repudiation, Key Encipherment" "$WORK/text" \
    "request asks for the S/MIME key usage"
openssl req -in "$WORK/org.csr" -noout -pubkey >"$WORK/p1"
openssl pkey -in private/org.key -pubout >"$WORK/p2"
status 0 "request is for the organisation's key" cmp "$WORK/p1" "$WORK/p2"
status 0 "csr to standard output" K csr org
contains "BEGIN CERTIFICATE REQUEST" "$out" "PEM on standard output"
status 1 "csr for an unknown name" K csr nosuch
status 1 "csr refuses to overwrite a file" K csr org --out "$WORK/org.csr"

# The test CA: a root and an intermediate, the intermediate signs.
make_ca "Test Root CA" root
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/inter.key" \
    -out "$WORK/inter.csr" -subj "/CN=Test Intermediate CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' \
    >"$WORK/ca.ext"
openssl x509 -req -in "$WORK/inter.csr" -CA "$WORK/root.crt" \
    -CAkey "$WORK/root.key" -CAcreateserial -days 30 \
    -extfile "$WORK/ca.ext" -out "$WORK/inter.crt" 2>/dev/null
status 0 "the test CA signs the request" openssl x509 -req \
    -in "$WORK/org.csr" -CA "$WORK/inter.crt" -CAkey "$WORK/inter.key" \
    -CAcreateserial -days 20 -copy_extensions copy -out "$WORK/signed.crt"
cat "$WORK/inter.crt" "$WORK/signed.crt" >"$WORK/answer.pem"
old=$(fingerprint private/org.crt)

status 0 "install-signed --help" K install-signed --help
status 0 "install-signed takes the CA's answer (intermediate first)" \
    K install-signed org "$WORK/answer.pem"
same "$(fingerprint private/org.crt)" "$(fingerprint "$WORK/signed.crt")" \
    "the signed certificate is now org.crt"
same "$(grep -c 'BEGIN CERTIFICATE' private/org.crt)" 2 \
    "org.crt holds the certificate and the intermediate"
same "$(fingerprint private/org.crt.old)" "$old" \
    "the self-signed certificate is kept as org.crt.old"
status 0 "the installed chain verifies to the root" openssl verify \
    -purpose smimeencrypt -CAfile "$WORK/root.crt" \
    -untrusted private/org.crt private/org.crt
openssl x509 -in private/org.crt -noout -issuer >"$WORK/text"
contains "Test Intermediate CA" "$WORK/text" "issuer is the test CA"
status 0 "list shows the CA as issuer" K list
contains "org .*CN=Test Intermediate CA" "$out" "list row names the issuer"

# The CA's answer in any order: written leaf, then each issuer upwards,
# the root left out unless --with-root, unrelated certificates left out.
subjects() {	# the subjects of a PEM file, in file order, one line
	openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs \
	    -noout | sed -n 's/^subject=.*CN = //p' | tr '\n' '|'
}
cat "$WORK/root.crt" "$WORK/signed.crt" "$WORK/inter.crt" >"$WORK/answer2.pem"
status 0 "install-signed of root, leaf, intermediate" \
    K install-signed org "$WORK/answer2.pem"
same "$(subjects private/org.crt)" "Example Org|Test Intermediate CA|" \
    "org.crt: the certificate, then the intermediate, no root"
contains "1 intermediate certificate(s)$" "$out" "counts one intermediate"
contains "root certificate is left out" "$err" "says the root was left out"
status 0 "install-signed --with-root" \
    K --json install-signed org "$WORK/answer2.pem" --with-root
same "$(subjects private/org.crt)" \
    "Example Org|Test Intermediate CA|Test Root CA|" "--with-root: the root last"
contains '"chain": 2, "intermediates": 1, "root": true, "left_out": 0' "$out" \
    "JSON counts intermediates and the root"

# Two intermediates, shuffled, and a certificate that belongs elsewhere.
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/inter2.key" \
    -out "$WORK/inter2.csr" -subj "/CN=Test Issuing CA" 2>/dev/null
openssl x509 -req -in "$WORK/inter2.csr" -CA "$WORK/inter.crt" \
    -CAkey "$WORK/inter.key" -CAcreateserial -days 30 \
    -extfile "$WORK/ca.ext" -out "$WORK/inter2.crt" 2>/dev/null
openssl x509 -req -in "$WORK/org.csr" -CA "$WORK/inter2.crt" \
    -CAkey "$WORK/inter2.key" -CAcreateserial -days 20 -copy_extensions copy \
    -out "$WORK/signed2.crt" 2>/dev/null
make_ca "Unrelated CA" unrelated
cat "$WORK/inter.crt" "$WORK/unrelated.crt" "$WORK/root.crt" \
    "$WORK/signed2.crt" "$WORK/inter2.crt" >"$WORK/answer3.pem"
status 0 "install-signed of a shuffled answer with two intermediates" \
    K install-signed org "$WORK/answer3.pem"
same "$(subjects private/org.crt)" \
    "Example Org|Test Issuing CA|Test Intermediate CA|" \
    "org.crt: leaf, issuing CA, intermediate CA"
contains "2 intermediate certificate(s)$" "$out" "counts two intermediates"
contains "1 certificate(s) left out: not issuers" "$err" \
    "says the unrelated certificate was left out"
status 0 "the installed chain verifies to the root" openssl verify \
    -purpose smimesign -CAfile "$WORK/root.crt" \
    -untrusted private/org.crt private/org.crt

# A certificate for another key is refused and changes nothing.
status 0 "a second certificate" K create-cert other --smime \
    --email other@example.org
K csr other --out "$WORK/other.csr" >/dev/null
openssl x509 -req -in "$WORK/other.csr" -CA "$WORK/inter.crt" \
    -CAkey "$WORK/inter.key" -CAcreateserial -days 20 \
    -out "$WORK/other-signed.crt" 2>/dev/null
before=$(fingerprint private/org.crt)
status 1 "install-signed refuses a certificate for another key" \
    K install-signed org "$WORK/other-signed.crt"
contains "does not match\|no certificate in it matches" "$err" \
    "and says the key does not match"
same "$(fingerprint private/org.crt)" "$before" "org.crt unchanged"
status 1 "install-signed refuses a file without certificates" \
    K install-signed org "$WORK/org.csr"
status 1 "install-signed of a missing file" K install-signed org "$WORK/none"
finish
