#!/bin/sh
# keys-workflow: the WORKFLOW section of gatewarden-keys(8), command by
# command, as an administrator would type it (the "done when").
. "$top_srcdir/t/keys-lib.sh"

# The organisation's S/MIME certificate, signed by a (test) CA.
status 0 "create-cert org --smime" K create-cert org --smime \
    --cn "Example Ltd" --email postmaster@example.org --country DE
status 0 "csr org --out org.csr" K csr org --out org.csr
make_ca "Workflow Test CA" ca
status 0 "the CA signs it" openssl x509 -req -in org.csr -CA ca.crt \
    -CAkey ca.key -CAcreateserial -days 60 -copy_extensions copy \
    -out signed.pem
cat ca.crt >>signed.pem
status 0 "install-signed org signed.pem" K install-signed org signed.pem
status 0 "check" K check
status 0 "the installed certificate verifies for S/MIME" openssl verify \
    -purpose smimesign -CAfile ca.crt private/org.crt

# A partner's public key and a PKCS#12 bundle.
make_partner partner-cert partner@partner.example
mv partner-cert.crt partner-cert.pem
status 0 "pubkey add partner partner-cert.pem" K pubkey add partner partner-cert.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout sales.key -out sales.crt \
    -subj "/CN=sales@example.org" -days 20 \
    -addext "subjectAltName=email:sales@example.org" 2>/dev/null
printf '%s\n' 'the bundle passphrase' >p12.pass
openssl pkcs12 -export -in sales.crt -inkey sales.key -passout file:p12.pass \
    -out bundle.p12
status 0 "import bundle.p12 --name sales" K import bundle.p12 --name sales \
    --passphrase-file p12.pass

# What expires soon, and the trusted CA lists.
status 0 "list --expiring-within 30" K list --expiring-within 30
contains "^sales .*expires soon" "$out" "the 20-day bundle is listed as expiring soon"
lacks "^org " "$out" "the 60-day certificate is not"
status 0 "ca system off" K ca system off
status 0 "ca import company-cas.pem" K ca import ca.crt
status 0 "ca list" K ca list
contains "system CAs: off" "$out" "system list off"
contains "CN=Workflow Test CA" "$out" "company CA in force"
finish
