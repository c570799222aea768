#!/bin/sh
# keys-list: list shows what expires within 30 days, in its warning
# column and as "expiring_soon" in JSON; --expiring-within filters; an
# expired or not yet valid key is not usable for encryption, and says why.
. "$top_srcdir/t/keys-lib.sh"
. "$top_srcdir/t/lib/dated-cert.sh"

status 0 "list of nothing" K list
contains "no certificates" "$out" "says there is nothing"
status 0 "list --json of nothing" K --json list
same "$(tr -d ' \n' <"$out")" "[]" "an empty JSON array"

status 0 "a certificate valid for 10 days" K create-cert soon --smime \
    --email soon@example.org --days 10 --key-type p256
status 0 "a certificate valid for 100 days" K create-cert later --smime \
    --email later@example.org --days 100 --key-type p256
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/p.key" -out "$WORK/p.crt" -subj "/CN=p" -days 5 \
    -addext "subjectAltName=email:p@partner.example" 2>/dev/null
status 0 "a partner key valid for 5 days" K pubkey add partner "$WORK/p.crt"

status 0 "list" K list
contains "^NAME .*WARNING" "$out" "a header with a WARNING column"
contains "^soon .*expires soon" "$out" "10-day certificate flagged"
contains "^partner .*public .*expires soon" "$out" "5-day public key flagged"
lacks "^later .*expires soon" "$out" "100-day certificate not flagged"

status 0 "list --json" K --json list
{ tr -d '\n' <"$out" | sed 's/},/}\n/g'; echo; } >"$WORK/rows"
contains '"name": "soon".*"expiring_soon": true' "$WORK/rows" \
    "JSON: 10-day certificate expiring_soon"
contains '"name": "later".*"expiring_soon": false' "$WORK/rows" \
    "JSON: 100-day certificate not expiring_soon"
contains '"name": "soon".*"expires_in_days": \(9\|10\),' "$WORK/rows" \
    "JSON: days left"
contains '"name": "partner".*"expiring_soon": true' "$WORK/rows" \
    "JSON: 5-day public key expiring_soon"
cp "$out" "$WORK/list.json"
status 0 "the JSON parses" python3 -c \
    'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/list.json"
same "$(cat "$out")" 3 "three entries in the JSON array"

status 0 "list --expiring-within 30" K list --expiring-within 30
contains "^soon " "$out" "the 10-day certificate"
lacks "^later " "$out" "not the 100-day one"
status 1 "a bad --expiring-within" K list --expiring-within soon

# Expired and not yet valid keys: never encrypted to, and list says why.
dated_cert "$WORK" old old@partner.example "$(dated_smime old@partner.example)" \
    "40 days ago" "10 days ago"
cp "$WORK/old.key" "$WORK/new.key"
dated_cert "$WORK" new new@partner.example "$(dated_smime new@partner.example)" \
    "10 days" "40 days"
status 0 "an expired partner key" K pubkey add old "$WORK/old.crt"
status 0 "a partner key not valid yet" K pubkey add new "$WORK/new.crt"
status 0 "list --json" K --json list
{ tr -d '\n' <"$out" | sed 's/},/}\n/g'; echo; } >"$WORK/rows"
contains '"name": "old".*"expired": true.*"usable_for_encryption": false, "encryption_problem": "expired"' \
    "$WORK/rows" "JSON: the expired key is not usable for encryption: expired"
contains '"name": "new".*"usable_for_encryption": false, "encryption_problem": "not-yet-valid"' \
    "$WORK/rows" "JSON: the future key is not usable for encryption: not yet valid"
contains '"name": "partner".*"usable_for_encryption": true, "encryption_problem": null' \
    "$WORK/rows" "JSON: a valid key is usable, no problem"
status 0 "show the expired key" K show old
contains "encryption: *no (expired)" "$out" "show: no (expired)"
status 0 "list --help" K list --help
finish
