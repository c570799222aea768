#!/bin/sh
# keys-create: gatewarden-keys create-cert makes RFC 5750 S/MIME and TLS
# certificates that OpenSSL reads as such (a TLS host name always in the
# subjectAltName), and keys only the owner reads.
. "$top_srcdir/t/keys-lib.sh"

status 0 "create-cert --help" K create-cert --help
contains "--smime" "$out" "help names --smime"

status 0 "create an RSA S/MIME certificate" K create-cert org --smime \
    --cn "Example Org" --org "Example Ltd" --ou IT --locality Berlin \
    --state Berlin --country DE --email postmaster@example.org \
    --email info@example.org --dns example.org --days 100
openssl x509 -in private/org.crt -noout -text >"$WORK/text" 2>&1
contains "Key Usage: critical" "$WORK/text" "key usage is critical"
contains "Digital Signature, Non Repudiation, Key Encipherment" "$WORK/text" \
    "RSA: digitalSignature, nonRepudiation, keyEncipherment"
contains "E-mail Protection" "$WORK/text" "EKU emailProtection"
contains "email:postmaster@example.org, email:info@example.org, DNS:example.org" \
    "$WORK/text" "SAN e-mail addresses and DNS name"
contains "Subject: C = DE, ST = Berlin, L = Berlin, O = Example Ltd, OU = IT, CN = Example Org" \
    "$WORK/text" "subject fields"
contains "CA:FALSE" "$WORK/text" "not a CA"
same "$(stat -c %a private/org.key)" 600 "private key mode 0600"
status 0 "OpenSSL accepts it for S/MIME encryption" \
    openssl verify -purpose smimeencrypt -CAfile private/org.crt private/org.crt
status 0 "and for S/MIME signing" \
    openssl verify -purpose smimesign -CAfile private/org.crt private/org.crt
openssl x509 -in private/org.crt -noout -pubkey >"$WORK/p1"
openssl pkey -in private/org.key -pubout >"$WORK/p2"
status 0 "key matches certificate" cmp "$WORK/p1" "$WORK/p2"

status 0 "create an EC P-256 S/MIME certificate" K create-cert ec --smime \
    --email ec@example.org --key-type p256
openssl x509 -in private/ec.crt -noout -text >"$WORK/text" 2>&1
contains "Digital Signature, Non Repudiation, Key Agreement" "$WORK/text" \
    "EC: keyAgreement instead of keyEncipherment"
contains "prime256v1" "$WORK/text" "P-256 key"
contains "ecdsa-with-SHA256" "$WORK/text" "signed with ECDSA SHA-256"

status 0 "create a P-384 certificate" K create-cert ec384 --smime \
    --email ec384@example.org --key-type p384
openssl x509 -in private/ec384.crt -noout -text >"$WORK/text" 2>&1
contains "ecdsa-with-SHA384" "$WORK/text" "P-384 signed with SHA-384"

status 0 "create an Ed25519 certificate" K create-cert ed --smime \
    --email ed@example.org --key-type ed25519
openssl x509 -in private/ed.crt -noout -text >"$WORK/text" 2>&1
contains "ED25519" "$WORK/text" "Ed25519 key"
lacks "Key Encipherment" "$WORK/text" "Ed25519: no keyEncipherment"

status 0 "create a TLS certificate (RSA 3072)" K create-cert mx --cn mx.example.org \
    --dns mx.example.org --dns "*.mx.example.org" --key-type rsa3072
openssl x509 -in private/mx.crt -noout -text >"$WORK/text" 2>&1
contains "TLS Web Server Authentication, TLS Web Client Authentication" \
    "$WORK/text" "TLS: EKU serverAuth, clientAuth"
contains "DNS:mx.example.org, DNS:\*.mx.example.org" "$WORK/text" "wildcard SAN"
contains "Public-Key: (3072 bit)" "$WORK/text" "3072-bit key"

# TLS clients match the subjectAltName only (RFC 9525): a host name
# given as --cn alone must be there too.
status 0 "a TLS certificate with --cn only" K create-cert mx3 --cn mx3.example.org
openssl x509 -in private/mx3.crt -noout -ext subjectAltName >"$WORK/text" 2>&1
contains "DNS:mx3.example.org" "$WORK/text" "the common name is the SAN DNS name"
status 0 "csr of it" K csr mx3 --out "$WORK/mx3.csr"
openssl req -in "$WORK/mx3.csr" -noout -text >"$WORK/text" 2>&1
contains "DNS:mx3.example.org" "$WORK/text" "the request asks for it"
status 0 "--cn and another --dns" K create-cert mx4 --cn mx4.example.org \
    --dns smtp.example.org
openssl x509 -in private/mx4.crt -noout -ext subjectAltName >"$WORK/text" 2>&1
contains "DNS:mx4.example.org, DNS:smtp.example.org" "$WORK/text" \
    "the common name first, then --dns"
status 0 "--cn named by --dns already" K create-cert mx5 --cn MX5.example.org \
    --dns smtp.example.org --dns mx5.example.org
openssl x509 -in private/mx5.crt -noout -ext subjectAltName >"$WORK/text" 2>&1
contains "DNS:smtp.example.org, DNS:mx5.example.org$" "$WORK/text" \
    "not twice"
status 0 "a TLS certificate whose --cn is no host name" K create-cert corp \
    --cn "Example Ltd"
contains "warning: .*no --dns" "$err" "warns that TLS clients cannot match it"
status 0 "an S/MIME certificate keeps its SAN as given" K create-cert sm \
    --smime --cn smtp.example.org --email sm@example.org
openssl x509 -in private/sm.crt -noout -ext subjectAltName >"$WORK/text" 2>&1
lacks "DNS:" "$WORK/text" "no DNS name added to an S/MIME certificate"

status 0 "--json output" K --json create-cert js --smime --email js@example.org \
    --key-type p256
contains '"fingerprint": "[0-9a-f]\{64\}"' "$out" "JSON carries the fingerprint"

status 1 "an existing name is refused" K create-cert org --smime --email a@example.org
contains "exists" "$err" "and says it exists"
status 0 "--force replaces it" K create-cert org --force --smime --email a@example.org
status 1 "S/MIME without an address refused" K create-cert x --smime --cn x
status 1 "a bad country refused" K create-cert x --cn x --country Germany
status 1 "a bad address refused" K create-cert x --smime --email "a,b@example.org"
status 1 "a bad DNS name refused" K create-cert x --cn x --dns "-bad.example.org"
status 1 "an unknown key type refused" K create-cert x --cn x --key-type dsa
status 1 "days out of range refused" K create-cert x --cn x --days 0
status 1 "a bad name refused" K create-cert ../x --cn x
status 1 "an unknown option refused" K create-cert x --cn x --bogus
status 1 "an unknown command refused" K frobnicate
status 1 "a private directory without parent is refused" \
    "$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/no/such" \
    create-cert y --cn y
contains "$WORK/no/such" "$err" "and the directory is named"
finish
