#!/bin/sh
# dane-maps.sh - gatewarden-maps without DNS (--no-dns): the files it
# writes, --apply into a private Postfix configuration, the atomic
# replacement (a failing postmap keeps the previous files), refused
# configurations and --print-table.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MAPS=$top_builddir/dane/gatewarden-maps
PATH=$PATH:/usr/sbin
if ! command -v postmap >/dev/null 2>&1 || ! command -v postconf >/dev/null 2>&1; then
	{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! Postfix (postmap, postconf) not installed" && exit 1; echo "1..0 # SKIP Postfix (postmap, postconf) not installed"; }
	exit 0
fi

WORK=$(mktemp -d) || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP

n=0
failed=0
check() {	# check DESCRIPTION GOT WANT
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   got: $2"
		echo "#  want: $3"
		failed=$((failed + 1))
	fi
}

mkdir "$WORK/pf"
: > "$WORK/pf/main.cf"
cp /etc/postfix/master.cf "$WORK/pf/master.cf" 2>/dev/null ||
    printf 'smtp inet n - n - - smtpd\n' > "$WORK/pf/master.cf"

cat > "$WORK/gw.yaml" <<'YAML'
sender_groups:
  - name: partners
    match: { client_ip: [10.1.0.0/16] }
    tls: required
  - name: legacy
    match: { client_ip: [10.0.0.0/8, "2001:db8::/32"] }
    tls: no
  - name: staff
    direction: outbound
    tls: required
    match: { sender_domain: [corp.test, .corp.test] }
    # sender_transport is keyed by the sender's domain; the milter would
    # sign for anyone who claims it, hence the loud option.
    allow_forgeable_match: true
  - name: everyone
    match: any
destinations:
  default: { tls: preferred, dane: opportunistic }
  domains:
    bank.test: { tls: required, dane: mandatory, min_tls_version: TLSv1.2 }
    partner.test: { tls: required-verify, dane: none }
    hosted.test: { tls: required-verify-hosted, dane: none, ciphers: high }
    plain.test: { tls: no, dane: none }
    .sub.test: { tls: required, dane: none }
    .weak.test: { tls: preferred, dane: opportunistic }
YAML
OUT=$WORK/maps
run() {
	cfg=$1
	shift
	timeout 60 "$MAPS" -c "$cfg" -o "$OUT" --no-dns --no-alert \
	    --postfix-config "$WORK/pf" "$@" > "$WORK/out" 2> "$WORK/err"
	rc=$?
}
q() {	# q MAP KEY
	postmap -c "$WORK/pf" -q "$2" "hash:$OUT/$1"
}

run "$WORK/gw.yaml"
check "--no-dns run exits 0" "$rc" 0
check "bank.test: dane-only (mandatory, no look-up needed), protocols kept" \
    "$(q tls_policy bank.test)" "dane-only protocols=>=TLSv1.2"
check "bank.test: gatewarden-dane transport" "$(q transport bank.test)" \
    "gatewarden-dane:"
check "partner.test: verify" "$(q tls_policy partner.test)" \
    "verify match=hostname:nexthop:dot-nexthop"
check "hosted.test: secure with ciphers" "$(q tls_policy hosted.test)" \
    "secure match=nexthop:dot-nexthop ciphers=high"
check "plain.test: none" "$(q tls_policy plain.test)" "none"
check ".sub.test: encrypt" "$(q tls_policy .sub.test)" "encrypt"
check ".weak.test (preferred, opportunistic, not looked up): Postfix's dane" \
    "$(q tls_policy .weak.test) $(q transport .weak.test)" "dane gatewarden-dane:"
check "sender_transport: outbound required group" \
    "$(q sender_transport @corp.test)" "gatewarden-tls-required:"
check "starttls_discard: tls: no blocks, earlier group kept out" \
    "$(grep -v '^#' "$OUT/starttls_discard" | tr '\t\n' ' ;')" \
    "10.1.0.0/16 silent-discard;10.0.0.0/8 starttls;2001:db8::/32 starttls;"
check "starttls_discard: a cidr table Postfix reads" \
    "$(postmap -c "$WORK/pf" -q 10.2.3.4 "cidr:$OUT/starttls_discard")" \
    "starttls"
check "access.tls: Sendmail entries" \
    "$(grep -v '^#' "$OUT/access.tls" | tr '\t\n' ' ;')" \
    "TLS_Rcpt:bank.test ENCR:128;TLS_Rcpt:partner.test VERIFY:128;TLS_Rcpt:hosted.test VERIFY:128+CN:hosted.test;Try_TLS:plain.test NO;TLS_Rcpt:.sub.test ENCR:128;"
check "main.cf.snippet: default preferred + opportunistic is Postfix dane" \
    "$(grep -c '^smtp_tls_security_level = dane$' "$OUT/main.cf.snippet")" 1

# --apply into the private Postfix configuration.
run "$WORK/gw.yaml" --apply
check "--apply exits 0" "$rc" 0
check "--apply set smtp_tls_policy_maps" \
    "$(postconf -c "$WORK/pf" -h smtp_tls_policy_maps)" "hash:$OUT/tls_policy"
check "--apply set smtp_dns_support_level" \
    "$(postconf -c "$WORK/pf" -h smtp_dns_support_level)" "dnssec"
check "--apply added the gatewarden-dane service" \
    "$(postconf -c "$WORK/pf" -P gatewarden-dane/unix/smtp_dns_support_level)" \
    "gatewarden-dane/unix/smtp_dns_support_level = dnssec"

# A failing postmap: nothing replaced, no temporary file left.
before=$(cat "$OUT/tls_policy" "$OUT/tls_policy.db" | cksum)
sed 's/partner.test: { tls: required-verify,/partner.test: { tls: required,/' \
    "$WORK/gw.yaml" > "$WORK/gw2.yaml"
run "$WORK/gw2.yaml" --postmap /bin/false
check "failing postmap: exit 2" "$rc" 2
check "failing postmap: previous files in place" \
    "$(cat "$OUT/tls_policy" "$OUT/tls_policy.db" | cksum)" "$before"
check "failing postmap: no temporary file left" \
    "$(ls -A "$OUT" | grep -c '^\.')" 0
check "failing postmap: the report says so" \
    "$(grep -c 'NOT written' "$WORK/out")" 1
check "failing postmap: no entry's policy reported as written" \
    "$(grep -c '^  policy: ' "$WORK/out") $(grep -c '^  policy (not written): ' "$WORK/out")" \
    "0 6"
run "$WORK/gw2.yaml"
check "the same change with a working postmap is written" \
    "$rc $(q tls_policy partner.test)" "0 encrypt"

# A relative -o: main.cf names the maps by absolute paths (Postfix
# daemons run in the queue directory).
mkdir "$WORK/cwd"
absmaps=$(cd "$(dirname "$MAPS")" && pwd)/gatewarden-maps
(cd "$WORK/cwd" && timeout 60 "$absmaps" -c "$WORK/gw.yaml" -o relout --no-dns \
    --no-alert --postfix-config "$WORK/pf" --apply > "$WORK/out" 2> "$WORK/err")
rc=$?
abs=$(cd "$WORK/cwd/relout" && pwd -P)
check "relative -o: exit 0" "$rc" 0
check "relative -o: main.cf.snippet names the maps by absolute paths" \
    "$(grep -c "^smtp_tls_policy_maps = hash:$abs/tls_policy\$" "$WORK/cwd/relout/main.cf.snippet") $(grep -c 'relout' "$WORK/cwd/relout/main.cf.snippet") $(grep -c ':relout' "$WORK/cwd/relout/main.cf.snippet")" \
    "1 4 0"
check "relative -o --apply: Postfix got the absolute path" \
    "$(postconf -c "$WORK/pf" -h smtp_tls_policy_maps transport_maps)" \
    "hash:$abs/tls_policy
hash:$abs/transport"

# The example configuration's bank.test, as the README shows it.
timeout 60 "$MAPS" -c "$top_srcdir/conf/gatewarden.yaml.example" \
    -o "$WORK/example" --no-dns --no-alert --postfix-config "$WORK/pf" \
    > "$WORK/out" 2> "$WORK/err"
rc=$?
check "example configuration: bank.test keeps min_tls_version and ciphers" \
    "$rc $(postmap -c "$WORK/pf" -q bank.test "hash:$WORK/example/tls_policy")" \
    "0 dane-only protocols=>=TLSv1.2 ciphers=high"
check "README shows the same line" \
    "$(grep -c '^    bank.test  *dane-only protocols=>=TLSv1.2 ciphers=high$' "$top_srcdir/README")" 1

# A cipher list cannot go into smtp_tls_policy_maps.
sed 's/ciphers: high/ciphers: "ECDHE-RSA-AES256-GCM-SHA384"/' \
    "$WORK/gw.yaml" > "$WORK/gw3.yaml"
run "$WORK/gw3.yaml" --json
check "cipher list: exit 2, nothing written" \
    "$rc $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["written"])' "$WORK/out")" \
    "2 False"
check "cipher list: --json lists no policy as written, the plan apart" \
    "$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(sorted(set(e["policy"] for e in r["domains"]), key=str), [e["planned"] for e in r["domains"] if e["key"] == "bank.test"])' "$WORK/out")" \
    "[None] ['dane-only protocols=>=TLSv1.2']"

# A bad configuration: file:line:column, exit 2.
printf 'destinations:\n  default: { tls: sometimes }\n' > "$WORK/bad.yaml"
run "$WORK/bad.yaml"
check "bad configuration: exit 2" "$rc" 2
check "bad configuration: file:line:column" \
    "$(grep -c "^$WORK/bad.yaml:2:" "$WORK/err")" 1

timeout 10 "$MAPS" --print-table > "$WORK/table"
check "--print-table shows every level" \
    "$(grep -cE '^(no|preferred|required|preferred-verify|required-verify|required-verify-hosted) ' "$WORK/table")" 6
timeout 10 "$MAPS" --bogus-option >/dev/null 2>&1
check "unknown option: exit 2" "$?" 2

echo "1..$n"
[ "$failed" -eq 0 ]
