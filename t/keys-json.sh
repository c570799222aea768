#!/bin/sh
# keys-json: every command's --json output is one valid JSON value, PEM
# on standard output included (as the member "pem").
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
json pubkey export -
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
json csr org
json export org --format pem --out -
cp "$WORK/j.out" "$WORK/export.json"
json pubkey export -
json ca export -
json show org --pem
json show me --pem
json pubkey add again "$WORK/o.pem"

# The PEM inside the JSON is the very PEM written to a file.
pem_of() {	# pem_of JSON-FILE OUT: the member "pem" into OUT
	python3 -c 'import json,sys; open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["pem"])' \
	    "$1" "$2"
}
pem_of "$WORK/export.json" "$WORK/from-json.pem"
status 0 "export --format pem --out -: the PEM is the exported file's" \
    cmp "$WORK/from-json.pem" "$WORK/o.pem"
K --json csr org >"$WORK/csr.json" 2>"$err"
pem_of "$WORK/csr.json" "$WORK/csr.pem"
status 0 "csr: the request in the JSON verifies" openssl req -in "$WORK/csr.pem" \
    -verify -noout
K --json ca export - >"$WORK/ca.json" 2>"$err"
pem_of "$WORK/ca.json" "$WORK/ca.pem"
status 0 "ca export -: the custom list in the JSON" cmp "$WORK/ca.pem" \
    "$WORK/cas.pem"
K --json pubkey export - >"$WORK/pk.json" 2>"$err"
pem_of "$WORK/pk.json" "$WORK/pk.pem"
status 0 "pubkey export -: the keys in the JSON" cmp "$WORK/pk.pem" \
    "$WORK/all.pem"
finish
