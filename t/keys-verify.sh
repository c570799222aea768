#!/bin/sh
# keys-verify: `gatewarden-keys verify` says whether a certificate is
# trusted for signing or encryption against the CA lists in force, and
# names the problem: a good chain, a missing intermediate, an expired or
# not yet valid certificate (itself or its issuer), an untrusted root, a
# self-signed certificate, a key usage or extended key usage that forbids
# the use; for a file, an organisation certificate and a key store entry.
. "$top_srcdir/t/keys-lib.sh"
. "$top_srcdir/t/lib/dated-cert.sh"

D=$WORK/pki
mkdir -p "$D"
mk() {	# mk STEM CN EXTENSIONS FROM UNTIL [CA]
	dated_cert "$D" "$@" || { echo "# dated_cert $1:"; sed 's/^/#   /' "$D/dated.err"; }
}
# the end entities share one key: key generation is what takes time
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$D/good.key" 2>/dev/null
for c in expired future signonly enconly tls underold selfsigned; do
	cp "$D/good.key" "$D/$c.key"
done
mk root "Verify Root CA" "$DATED_CA" "2 days ago" "60 days"
mk other "Other Root CA" "$DATED_CA" "2 days ago" "60 days"
mk inter "Verify Intermediate CA" "$DATED_CA
authorityKeyIdentifier=keyid" "2 days ago" "50 days" root
mk oldinter "Expired Intermediate CA" "$DATED_CA
authorityKeyIdentifier=keyid" "40 days ago" "1 day ago" root
mk good good@example.org "$(dated_smime good@example.org)" "1 day ago" "30 days" inter
mk expired expired@example.org "$(dated_smime expired@example.org)" \
    "40 days ago" "10 days ago" inter
mk future future@example.org "$(dated_smime future@example.org)" \
    "10 days" "40 days" inter
mk signonly signonly@example.org "$(dated_smime signonly@example.org \
    digitalSignature,nonRepudiation)" "1 day ago" "30 days" inter
mk enconly enconly@example.org "$(dated_smime enconly@example.org \
    keyEncipherment)" "1 day ago" "30 days" inter
mk tls tls@example.org "$(dated_smime tls@example.org \
    digitalSignature,keyEncipherment serverAuth)" "1 day ago" "30 days" inter
mk underold underold@example.org "$(dated_smime underold@example.org)" \
    "1 day ago" "30 days" oldinter
mk selfsigned self@example.org "$(dated_smime self@example.org)" \
    "1 day ago" "30 days"
for c in good expired future signonly enconly tls; do
	cat "$D/$c.crt" "$D/inter.crt" >"$D/$c-chain.pem"
done
cat "$D/good.crt" "$D/inter.crt" "$D/root.crt" >"$D/good-root.pem"

status 0 "verify --help" K verify --help
K ca system off >/dev/null && K ca import "$D/root.crt" >/dev/null
tap_ok $? "trust: only the test root"

# verdict WANT-EXIT WANT-PROBLEM WHAT ARGS...: runs verify --json, checks
# the exit status and the problem named (null when trusted).
verdict() {
	_want=$1 _problem=$2 _what=$3
	shift 3
	status "$_want" "$_what: exit $_want" K --json verify "$@"
	_got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["problem"])' \
	    "$out" 2>&1)
	same "$_got" "$_problem" "$_what: problem $_problem"
}
verdict 0 None "good chain, for signing" "$D/good-chain.pem"
verdict 0 None "good chain, for encryption" "$D/good-chain.pem" --for encrypt
verdict 1 missing-issuer "missing intermediate" "$D/good.crt"
verdict 0 None "the intermediate given with --chain" "$D/good.crt" \
    --chain "$D/inter.crt"
verdict 1 expired "expired certificate" "$D/expired-chain.pem"
verdict 1 not-yet-valid "certificate not yet valid" "$D/future-chain.pem"
verdict 1 expired "expired intermediate" "$D/underold.crt" --chain "$D/oldinter.crt"
verdict 1 key-usage "signing-only key, for encryption" \
    "$D/signonly-chain.pem" --for encrypt
verdict 0 None "signing-only key, for signing" "$D/signonly-chain.pem"
verdict 1 key-usage "encryption-only key, for signing" "$D/enconly-chain.pem"
verdict 0 None "encryption-only key, for encryption" "$D/enconly-chain.pem" \
    --for encrypt
verdict 1 purpose "TLS extended key usage, for signing" "$D/tls-chain.pem"
verdict 1 purpose "TLS extended key usage, for encryption" "$D/tls-chain.pem" \
    --for encrypt
verdict 1 untrusted-root "self-signed certificate" "$D/selfsigned.crt"

# The JSON names the certificate at fault and the chain.
K --json verify "$D/underold.crt" --chain "$D/oldinter.crt" >"$out" 2>"$err"
contains '"depth": 1, "at": "CN=Expired Intermediate CA"' "$out" \
    "the expired issuer is named, at depth 1"
K --json verify "$D/good-chain.pem" >"$out" 2>"$err"
contains '"chain": \["CN=good@example.org", "CN=Verify Intermediate CA", "CN=Verify Root CA"\]' \
    "$out" "the chain as built, leaf to root"

# People's output says why.
status 1 "verify an expired certificate" K verify "$D/expired-chain.pem"
contains "NOT trusted for signing: expired" "$out" "says: not trusted, expired"
contains "CN=expired@example.org expired on 20" "$out" "names it and the date"
status 0 "verify a good chain" K verify "$D/good-chain.pem"
contains "^trusted for signing" "$out" "says: trusted"

# Another root in force: the same chain (with its root) is untrusted.
K ca import "$D/other.crt" >/dev/null
verdict 1 untrusted-root "root not among the trusted CAs" "$D/good-root.pem"
verdict 1 missing-issuer "without the root in the file" "$D/good-chain.pem"
K ca import "$D/root.crt" >/dev/null

# By name: an organisation certificate with its chain, a key store entry.
mkdir -p "$WORK/private" && chmod 700 "$WORK/private"
cp "$D/good.key" "$WORK/private/org.key" && chmod 600 "$WORK/private/org.key"
cp "$D/good-chain.pem" "$WORK/private/org.crt"
verdict 0 None "an organisation certificate by NAME" org
status 0 "a partner's key into the store" K pubkey add partner "$D/expired.crt"
verdict 1 expired "a key store entry by label, expired" partner \
    --chain "$D/inter.crt"
status 0 "the good certificate into the store" K pubkey add pgood "$D/good.crt"
verdict 1 missing-issuer "a key store entry by fingerprint, no --chain" \
    "$(fingerprint "$D/good.crt" | cut -c1-16)"
verdict 0 None "a key store entry with --chain" pgood --chain "$D/inter.crt"

status 1 "verify of something unknown" K verify nosuch
contains "neither a file" "$err" "says what it looked for"
status 1 "verify --for nothing" K verify "$D/good.crt" --for nothing
status 1 "a file that is no certificate" K verify /etc/hostname
finish
