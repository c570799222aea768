#!/bin/sh
# keys-pubkey: correspondents' public keys: add, import, export (a
# round trip that gives the same bytes), promote, show, remove; add and
# import agree on a key the store holds already (skipped, status 0).
. "$top_srcdir/t/keys-lib.sh"

make_partner alice alice@partner.example
make_partner bob bob@partner.example
make_partner carol carol@other.example
cat "$WORK/bob.crt" "$WORK/carol.crt" >"$WORK/two.pem"
fa=$(fingerprint "$WORK/alice.crt")
fb=$(fingerprint "$WORK/bob.crt")

status 0 "pubkey --help" K pubkey --help
status 0 "pubkey add a partner's certificate" K pubkey add alice "$WORK/alice.crt"
contains "$fa" "$out" "prints the fingerprint"
# A known certificate is skipped by add as by import: status 0, said.
status 0 "adding it again under another name: skipped" \
    K pubkey add alice2 "$WORK/alice.crt"
contains "already, as alice; nothing changed" "$out" "says it is there as alice"
status 0 "adding it again under its name: skipped" \
    K --json pubkey add alice "$WORK/alice.crt"
contains '"added": null, "known": true, "label": "alice"' "$out" \
    "JSON: known, with its label"
status 1 "no second key of that name" K show alice2
status 1 "a name in use is refused" K pubkey add alice "$WORK/bob.crt"
status 1 "a file without a certificate" K pubkey add x /etc/hostname
status 0 "pubkey import of a bundle" K --json pubkey import "$WORK/two.pem"
contains '"imported": 2' "$out" "two imported"
status 0 "importing again skips known keys" K --json pubkey import "$WORK/two.pem"
contains '"imported": 0, "known": 2' "$out" "both known"
status 0 "adding an imported key by name: skipped as well" \
    K pubkey add bob "$WORK/bob.crt"
contains "already" "$out" "says it is there"

status 0 "list --json" K --json list
contains "\"name\": \"alice\", \"fingerprint\": \"$fa\"" "$out" "alice listed by name"
contains '"emails": \["alice@partner.example"\]' "$out" "with her address"
contains '"origin": "added"' "$out" "origin added"
contains '"origin": "imported"' "$out" "origin imported"

status 0 "show by name" K show alice
contains "address: *alice@partner.example" "$out" "show names the address"
contains "verification: *yes" "$out" "an added key verifies"
status 0 "show by fingerprint prefix" K show "$(echo "$fb" | cut -c1-12)"
contains "bob@partner.example" "$out" "prefix finds bob"
contains "verification: *no" "$out" "an imported key does not verify yet"
status 1 "show of an unknown key" K show deadbeefdeadbeef

status 0 "promote bob's key" K pubkey promote "$fb"
K show "$fb" >"$WORK/show" 2>&1
contains "verification: *yes" "$WORK/show" "promoted: usable for verification"
status 1 "promote of an unknown key" K pubkey promote 0123456789abcdef

# Export, import into an empty store, export again: the same bytes.
status 0 "pubkey export - of an empty store" "$KEYS" --keystore \
    "$WORK/empty.db" --private-dir "$WORK/private" pubkey export -
same "$(wc -c <"$out")" 0 "writes nothing"
status 0 "pubkey export" K pubkey export "$WORK/all.pem"
same "$(grep -c 'BEGIN CERTIFICATE' "$WORK/all.pem")" 3 "three certificates"
status 0 "import into an empty store" "$KEYS" --keystore "$WORK/fresh.db" \
    --private-dir "$WORK/private" pubkey import "$WORK/all.pem"
status 0 "export from it" "$KEYS" --keystore "$WORK/fresh.db" \
    --private-dir "$WORK/private" pubkey export "$WORK/again.pem"
status 0 "round trip is exact" cmp "$WORK/all.pem" "$WORK/again.pem"
status 0 "export to standard output" K pubkey export -
cp "$out" "$WORK/stdout.pem"
status 0 "the same bytes" cmp "$WORK/stdout.pem" "$WORK/all.pem"
status 1 "export does not replace a file" K pubkey export "$WORK/all.pem"

status 0 "remove by name" K remove alice
status 1 "gone" K show alice
status 1 "remove of an unknown key" K remove alice
status 1 "pubkey with no subcommand" K pubkey
finish
