#!/bin/sh
# keys-json: every command's --json output is one valid JSON value.
. "$top_srcdir/t/keys-lib.sh"

printf 'pw\n' >"$WORK/pw"
make_ca "json.example.org" ca
json() {
	_what="$*"
	K --json "$@" >"$WORK/j.out" 2>"$WORK/j.err"
	_rc=$?
	if [ "$_rc" = 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	    "$WORK/j.out" 2>"$WORK/j.py"; then
		tap_ok 0 "--json $_what"
	else
		tap_ok 1 "--json $_what"
		echo "# exit $_rc"
		sed 's/^/#   /' "$WORK/j.out" "$WORK/j.err" "$WORK/j.py" | head -20
	fi
}
json create-cert org --smime --email a@example.org --key-type p256
json list
json show org
json csr org --out "$WORK/o.csr"
json export org --out "$WORK/o.p12" --passphrase-file "$WORK/pw"
json export org --format pem --out "$WORK/o.pem"
json import "$WORK/o.p12" --name back --passphrase-file "$WORK/pw"
json remove back
json pubkey add me "$WORK/o.pem"
json show me
json pubkey export "$WORK/all.pem"
json pubkey import "$WORK/all.pem"
json pubkey promote me
json ca system off
json ca import "$WORK/ca.crt"
json ca export "$WORK/cas.pem"
json ca list
json check
finish
