#!/bin/sh
# keys-check: check finds a key readable by others, a key that does not
# match its certificate, an expired or expiring certificate, a damaged key
# store; and gatewarden-keys survives a damaged store with a clear error,
# and says which path is of the wrong kind (a key store that is a
# directory, a private directory that is a file).
. "$top_srcdir/t/keys-lib.sh"

status 0 "create a certificate" K create-cert org --smime --email a@example.org \
    --key-type p256
status 0 "check: all well" K check
contains "0 error(s)" "$out" "no errors"

chmod 644 private/org.key
status 1 "check: a key readable by others is an error" K check
contains "org.key: private key readable" "$out" "names the key file"
chmod 600 private/org.key

K create-cert other --smime --email b@example.org --key-type p256 >/dev/null
cp private/org.key "$WORK/org.key.save"
cp private/other.key private/org.key
status 1 "check: a key that does not match its certificate" K check
contains "org.key: the private key does not match" "$out" "names the key"
cp "$WORK/org.key.save" private/org.key

rm private/other.key
status 1 "check: a missing key" K --json check
contains "other.key: No such file" "$out" "names the missing file"
contains '"errors": 1' "$out" "JSON counts one error"
rm private/other.crt

K create-cert brief --smime --email c@example.org --key-type p256 --days 5 \
    >/dev/null
status 0 "check: a certificate that expires soon is a warning" K check
contains "warning: .*brief.crt: the certificate expires in" "$out" "warned"

# A damaged key store: clear errors, never a crash.
head -c 8192 /dev/urandom >"$WORK/junk.db"
for cmd in list "pubkey export -" "ca list"; do
	# shellcheck disable=SC2086
	status 1 "$cmd on a junk store: user error" "$KEYS" --keystore \
	    "$WORK/junk.db" --private-dir "$WORK/private" $cmd
	contains "not a key store" "$err" "$cmd: says it is not a key store"
done
status 1 "a key store in a missing directory: user error" "$KEYS" \
    --keystore "$WORK/nodir/ks.db" --private-dir "$WORK/private" list
contains "directory $WORK/nodir does not exist" "$err" "names the directory"
# Paths of the wrong kind are the user's to fix: exit 1, the path named.
mkdir "$WORK/adir" && : >"$WORK/afile"
for cmd in list "ca list" "pubkey export -" check; do
	# shellcheck disable=SC2086
	status 1 "$cmd with a key store that is a directory: user error" \
	    "$KEYS" --keystore "$WORK/adir" --private-dir "$WORK/private" $cmd
	cat "$out" "$err" >"$WORK/both"	# check reports on stdout
	contains "key store $WORK/adir: is a directory" "$WORK/both" \
	    "$cmd: says so"
done
status 1 "a key store under a file: user error" "$KEYS" \
    --keystore "$WORK/afile/ks.db" --private-dir "$WORK/private" list
contains "$WORK/afile is not a directory" "$err" "names the file in the way"
for cmd in list "create-cert z --cn z.example.org" check "show org"; do
	# shellcheck disable=SC2086
	status 1 "$cmd with a private directory that is a file: user error" \
	    "$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/afile" $cmd
	contains "private directory $WORK/afile: not a directory" "$err" \
	    "$cmd: says so"
done
status 1 "a private directory under a file: user error" "$KEYS" \
    --keystore "$WORK/ks.db" --private-dir "$WORK/afile/p" \
    create-cert z --cn z.example.org
contains "private directory $WORK/afile/p: Not a directory" "$err" \
    "names the directory"

status 1 "check on a junk store" "$KEYS" --keystore "$WORK/junk.db" \
    --private-dir "$WORK/private" check
contains "junk.db" "$out" "check names the store"

# a real store, truncated
make_partner p1 p1@example.org
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	make_partner "m$i" "m$i@example.org"
	cat "$WORK/m$i.crt"
done >"$WORK/many.pem"
K pubkey import "$WORK/many.pem" >/dev/null
size=$(stat -c %s "$WORK/ks.db")
truncate -s $((size / 2)) "$WORK/ks.db"
"$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/private" check \
    >"$out" 2>"$err"
rc=$?
same "$rc" 1 "check on a truncated store: exit 1, not a crash"
contains "damaged" "$out" "check says the store is damaged"
"$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/private" list \
    >"$out" 2>"$err"
rc=$?
[ "$rc" -lt 128 ]; tap_ok $? "list on a truncated store does not crash (exit $rc)"
finish
