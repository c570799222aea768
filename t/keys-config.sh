#!/bin/sh
# keys-config: gatewarden-keys -c takes the key store, the private
# directory, the trust: section and smime.certificates from the
# configuration; options override it; a bad configuration stops it with
# FILE:LINE:COLUMN.
. "$top_srcdir/t/keys-lib.sh"

mkdir -m 700 "$WORK/etc"
cat >"$WORK/gw.yaml" <<YAML
milter:
  socket: inet:10025@127.0.0.1
trust:
  system_cas: false
  custom_ca_file: $WORK/etc/custom-cas.pem
smime:
  keystore: $WORK/etc/keystore.db
  keystore_max_size: 1MiB
  private_dir: $WORK/etc/private
  certificates:
    - name: org
      certificate: $WORK/etc/private/org.crt
      key: $WORK/etc/private/org.key
    - name: legal
      pkcs12: $WORK/etc/legal.p12
      passphrase_file: $WORK/etc/legal.pass
YAML
C() {
	timeout 120 "$KEYS" -c "$WORK/gw.yaml" "$@"
}

status 0 "create-cert with -c" C create-cert org --smime --email a@example.org \
    --key-type p256
[ -f "$WORK/etc/private/org.crt" ] && [ -f "$WORK/etc/private/org.key" ]
tap_ok $? "the files are in smime.private_dir"
status 0 "list with -c" C list
contains "^org " "$out" "list finds them there"
make_partner p p@partner.example
status 0 "pubkey add with -c" C pubkey add partner "$WORK/p.crt"
[ -f "$WORK/etc/keystore.db" ]; tap_ok $? "the key store is smime.keystore"
status 0 "--keystore overrides smime.keystore" C --keystore "$WORK/other.db" list
lacks "partner" "$out" "another store, without the partner key"

status 0 "ca list with -c" C ca list
contains "system CAs: off (configuration)" "$out" "trust.system_cas: false in force"
status 0 "ca system on" C ca system on
C ca list >"$WORK/l" 2>&1
contains "system CAs: on (key store)" "$WORK/l" "the key store's switch wins"
make_ca "ca.example.org" r
status 0 "ca import writes trust.custom_ca_file" C ca import "$WORK/r.crt"
status 0 "the file holds the CA" cmp "$WORK/etc/custom-cas.pem" "$WORK/r.crt"
C ca list >"$WORK/l" 2>&1
contains "custom CAs (file $WORK/etc/custom-cas.pem)" "$WORK/l" "list names the file"
contains "CN=ca.example.org" "$WORK/l" "and shows the CA"
status 0 "ca export reads it" C ca export -
cp "$out" "$WORK/exported.pem"
status 0 "the same certificate" cmp "$WORK/exported.pem" "$WORK/r.crt"

printf 'legal secret\n' >"$WORK/etc/legal.pass"
chmod 600 "$WORK/etc/legal.pass"
status 0 "export the configured PKCS#12 file" C export org \
    --out "$WORK/etc/legal.p12" --passphrase-file "$WORK/etc/legal.pass"
status 0 "check with -c" C check
contains "ok: $WORK/etc/private/org.crt" "$out" "checks the configured certificate"
contains "ok: $WORK/etc/legal.p12" "$out" "checks the configured PKCS#12 file"
printf 'not it\n' >"$WORK/etc/legal.pass"
status 1 "check: a passphrase that does not open the PKCS#12 file" C check
contains "legal.p12: wrong passphrase in .*legal.pass" "$out" \
    "names both files"
printf 'legal secret\n' >"$WORK/etc/legal.pass"
cp "$WORK/etc/legal.p12" "$WORK/legal.p12.good"
flip "$WORK/etc/legal.p12" $(($(mac_at "$WORK/legal.p12.good") + 3))
status 1 "check: a PKCS#12 file whose MAC is damaged" C check
contains "legal.p12: the file is damaged: the passphrase opens" "$out" \
    "says damaged, not a wrong passphrase"
cp "$WORK/legal.p12.good" "$WORK/etc/legal.p12"
chmod 644 "$WORK/etc/legal.pass"
status 1 "check: a passphrase file readable by others" C check
contains "legal.pass: passphrase readable" "$out" "names the passphrase file"
chmod 600 "$WORK/etc/legal.pass"
chmod 604 "$WORK/etc/private/org.key"
status 1 "check finds a key readable by others" C check
contains "org.key: private key readable" "$out" "names the key"
chmod 600 "$WORK/etc/private/org.key"

printf 'smime:\n  keystore_max_size: lots\n' >"$WORK/bad.yaml"
status 1 "a bad configuration stops it" "$KEYS" -c "$WORK/bad.yaml" list
contains "bad.yaml:2:[0-9]*:" "$err" "with FILE:LINE:COLUMN"
status 1 "a missing configuration" "$KEYS" -c "$WORK/none.yaml" list
finish
