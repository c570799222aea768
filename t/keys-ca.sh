#!/bin/sh
# keys-ca: the trusted CA lists: the system list switched off and on, a
# custom list imported (CA certificates only, optionally FQDN-checked)
# and exported.
. "$top_srcdir/t/keys-lib.sh"

status 0 "ca --help" K ca --help
status 0 "ca list" K ca list
contains "system CAs: on (default)" "$out" "system list on by default"
status 0 "ca system off" K ca system off
status 0 "ca list" K ca list
contains "system CAs: off (key store)" "$out" "now off, decided in the key store"
status 0 "ca list --json" K --json ca list
contains '"enabled": false, "source": "key store"' "$out" "JSON: off"
status 0 "ca system on" K ca system on
K --json ca list >"$WORK/l" 2>&1
contains '"enabled": true, "source": "key store"' "$WORK/l" "JSON: on again"
status 1 "ca system maybe" K ca system maybe

make_ca "Test Root CA" r1
make_ca "ca2.example.org" r2
make_partner leaf leaf@example.org
cat "$WORK/r1.crt" "$WORK/r2.crt" >"$WORK/cas.pem"
status 0 "ca import of two CAs" K ca import "$WORK/cas.pem"
status 0 "ca list" K ca list
contains "CN=Test Root CA" "$out" "first custom CA listed"
contains "CN=ca2.example.org" "$out" "second custom CA listed"
status 0 "ca export" K ca export "$WORK/out.pem"
same "$(grep -c 'BEGIN CERTIFICATE' "$WORK/out.pem")" 2 "two exported"
openssl x509 -in "$WORK/out.pem" -noout -subject >"$WORK/s"
contains "Test Root CA" "$WORK/s" "in the order imported"
status 0 "exported list equals the imported one" cmp "$WORK/out.pem" "$WORK/cas.pem"

status 1 "a certificate that is not a CA is refused" K ca import "$WORK/leaf.crt"
contains "not a CA certificate" "$err" "and says why"
status 0 "the custom list is unchanged" K ca export -
same "$(grep -c 'BEGIN CERTIFICATE' "$out")" 2 "still two"
status 1 "--check-fqdn refuses a CA named 'Test Root CA'" \
    K ca import --check-fqdn "$WORK/cas.pem"
contains "fully qualified" "$err" "and says why"
status 0 "--check-fqdn accepts ca2.example.org" \
    K ca import --check-fqdn "$WORK/r2.crt"
status 0 "ca list --json" K --json ca list
contains '"subject": "CN=ca2.example.org"' "$out" "import replaced the list"
lacks "Test Root CA" "$out" "the old list is gone"

if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	status 0 "ca export --system" K ca export --system "$WORK/sys.pem"
	same "$(grep -c 'BEGIN CERTIFICATE' "$WORK/sys.pem")" \
	    "$(grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt)" \
	    "every system CA exported"
fi
status 1 "ca with no subcommand" K ca
finish
