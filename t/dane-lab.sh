#!/bin/sh
# dane-lab.sh - gatewarden-maps against the DNSSEC lab (t/lib/dnslab.sh):
# the RFC 7672 cases asserted on its --json report, its exit code and the
# map files it writes (or keeps).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/t/lib/dnslab.sh"

MAPS=$top_builddir/dane/gatewarden-maps
QUERY=$top_builddir/t/dane_query
for tool in nsd unbound ldns-keygen ldns-signzone drill postmap python3; do
	if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
		{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! $tool not installed" && exit 1; echo "1..0 # SKIP $tool not installed"; }
		exit 0
	fi
done
PATH=$PATH:/usr/sbin

WORK=$(mktemp -d) || exit 1
cleanup() {
	dnslab_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
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

echo "# starting the DNSSEC lab in $WORK"
if ! dnslab_start "$WORK/lab"; then
	echo "1..1"
	echo "not ok 1 - the DNSSEC lab starts"
	exit 1
fi

# A Postfix configuration directory for postmap (it reads main.cf).
mkdir -p "$WORK/pf" && : > "$WORK/pf/main.cf"

# config FILE MODE DESTINATIONS-YAML: a gatewarden.yaml for the lab.
config() {
	{
	echo "dns:"
	if [ "$2" = forward ]; then
		echo "  mode: forward"
		echo "  forwarders: [\"127.0.0.1@$LAB_UNBOUND_PORT\"]"
	else
		echo "  mode: recursive"
		echo "  stub_zones:"
		echo "$LAB_STUBS" | while read -r zone addr; do
			echo "    - name: $zone"
			echo "      addresses: [\"$addr\"]"
		done
	fi
	echo "  trust_anchor_file: $LAB_TA"
	echo "  timeout: 5s"
	echo "sender_groups:"
	echo "  - name: everyone"
	echo "    match: any"
	echo "destinations:"
	echo "  default:"
	echo "    tls: preferred"
	echo "    dane: opportunistic"
	echo "  domains:"
	cat
	} > "$1"
}

# maps CONFIG OUTDIR: runs gatewarden-maps --json; sets rc, leaves JSON.
maps() {
	timeout 120 "$MAPS" -c "$1" -o "$2" --json --no-alert \
	    --postfix-config "$WORK/pf" > "$WORK/out.json" 2> "$WORK/err"
	rc=$?
	sed 's/^/# stderr: /' "$WORK/err"
}

# j EXPR: evaluates a Python expression over the JSON report, where
# d(KEY) is the entry of a destination key and h(KEY, I) its I-th host.
j() {
	python3 - "$WORK/out.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def d(k):
    return [e for e in r["domains"] if e["key"] == k][0]
def h(k, i):
    return d(k)["hosts"][i]
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("error: %r" % e)
PY
}

# ---- run 1: every case that resolves, recursive with stub zones -------
config "$WORK/one.yaml" recursive <<'YAML'
    d311.test: { dane: opportunistic, tls: required }
    d302.test: { dane: opportunistic }
    d310.test: { dane: opportunistic }
    d201.test: { dane: opportunistic }
    unusable.test: { dane: opportunistic }
    unknown.test: { dane: opportunistic, ciphers: high }
    unusablemix.test: { dane: opportunistic }
    backup.test: { dane: opportunistic, min_tls_version: TLSv1.3 }
    unsmx.test: { dane: opportunistic }
    nodata.test: { dane: opportunistic }
    nxtlsa.test: { dane: opportunistic }
    cname.test: { dane: opportunistic }
    implicit.test: { dane: opportunistic }
    mixed.test: { dane: opportunistic, tls: required }
    insmx.unsigned.test: { dane: opportunistic }
    d.expired.test: { dane: opportunistic }
    bogusmx.test: { dane: mandatory, alert_on_failure: true }
    rollover.test: { dane: mandatory }
    bank.test: { tls: required, dane: mandatory, min_tls_version: TLSv1.2, ciphers: high }
    partner.test: { tls: required-verify, dane: none }
YAML
OUT=$WORK/maps
maps "$WORK/one.yaml" "$OUT"
check "run 1 exits 1 (a DANE destination cannot be served)" "$rc" 1
check "run 1 wrote the maps" "$(j 'r["written"]')" True
for k in d311.test d302.test d310.test d201.test cname.test implicit.test \
    rollover.test; do
	check "$k: dane-only" "$(j "d('$k')['policy']")" dane-only
	check "$k: via the gatewarden-dane transport" \
	    "$(j "d('$k')['transport']")" True
done
check "3 1 1 usable" "$(j "h('d311.test',0)['tlsa'][0]['usable']")" True
check "3 0 2 usable" "$(j "(h('d302.test',0)['tlsa'][0]['mtype'], h('d302.test',0)['state'])")" "(2, 'usable')"
check "3 1 0 usable" "$(j "(h('d310.test',0)['tlsa'][0]['mtype'], h('d310.test',0)['state'])")" "(0, 'usable')"
check "2 0 1 usable" "$(j "(h('d201.test',0)['tlsa'][0]['usage'], h('d201.test',0)['state'])")" "(2, 'usable')"
check "usages 0 and 1, tls: preferred: unusable, TLS mandatory (encrypt)" \
    "$(j "(h('unusable.test',0)['state'], [t['usable'] for t in h('unusable.test',0)['tlsa']], d('unusable.test')['policy'], d('unusable.test')['transport'])")" \
    "('unusable', [False, False], 'encrypt', False)"
check "unknown usage, matching type, selector: encrypt, ciphers kept" \
    "$(j "(h('unknown.test',0)['state'], sorted((t['usage'], t['selector'], t['mtype'], t['usable']) for t in h('unknown.test',0)['tlsa']), d('unknown.test')['policy'])")" \
    "('unusable', [(3, 1, 3, False), (3, 2, 1, False), (4, 1, 1, False)], 'encrypt ciphers=high')"
check "unusable TLSA beside no TLSA: Postfix's dane decides per host" \
    "$(j "([x['state'] for x in d('unusablemix.test')['hosts']], d('unusablemix.test')['policy'], d('unusablemix.test')['transport'])")" \
    "(['unusable', 'no-tlsa'], 'dane', True)"
check "primary without TLSA, backup usable, tls: preferred: dane, protocols kept" \
    "$(j "([x['state'] for x in d('backup.test')['hosts']], d('backup.test')['policy'], d('backup.test')['transport'])")" \
    "(['no-tlsa', 'usable'], 'dane protocols=>=TLSv1.3', True)"
check "mandatory with min_tls_version and ciphers: both kept" \
    "$(j "d('bank.test')['policy']")" "dane-only protocols=>=TLSv1.2 ciphers=high"
check "TLSA in an unsigned zone ignored" \
    "$(j "(h('unsmx.test',0)['address_status'], h('unsmx.test',0)['state'], d('unsmx.test')['policy'])")" \
    "('insecure', 'insecure', 'may')"
check "secure NODATA is no TLSA" \
    "$(j "(h('nodata.test',0)['tlsa_status'], h('nodata.test',0)['state'], d('nodata.test')['policy'])")" \
    "('secure', 'no-tlsa', 'may')"
check "secure NXDOMAIN is no TLSA" \
    "$(j "(h('nxtlsa.test',0)['state'], d('nxtlsa.test')['policy'])")" \
    "('no-tlsa', 'may')"
check "CNAME'd MX host: TLSA at the end of the chain" \
    "$(j "(h('cname.test',0)['name'], h('cname.test',0)['tlsa_base'])")" \
    "('alias.cname.test', 'mx.real.cname.test')"
check "implicit MX" \
    "$(j "(d('implicit.test')['implicit_mx'], h('implicit.test',0)['name'], h('implicit.test',0)['state'])")" \
    "(True, 'implicit.test', 'usable')"
check "mixed MX set, tls: required: dane-only (dane would send in clear)" \
    "$(j "([x['state'] for x in d('mixed.test')['hosts']], d('mixed.test')['policy'], d('mixed.test')['transport'])")" \
    "(['usable', 'no-tlsa'], 'dane-only', True)"
check "insecure MX name pointing at a signed host: host usable, entry's level" \
    "$(j "(d('insmx.unsigned.test')['mx_status'], h('insmx.unsigned.test',0)['state'], d('insmx.unsigned.test')['policy'])")" \
    "('insecure', 'usable', 'may')"
check "expired signatures: bogus, dane-only, never downgraded" \
    "$(j "(d('d.expired.test')['mx_status'], d('d.expired.test')['policy'], d('d.expired.test')['unservable'])")" \
    "('bogus', 'dane-only', True)"
check "wrong DS: MX host bogus, mandatory cannot be served" \
    "$(j "(h('bogusmx.test',0)['state'], d('bogusmx.test')['policy'], d('bogusmx.test')['unservable'])")" \
    "('bogus', 'dane-only', True)"
check "key rollover: two records, both usable" \
    "$(j "[t['usable'] for t in h('rollover.test',0)['tlsa']]")" "[True, True]"
check "no DANE: the TLS level" "$(j "d('partner.test')['policy']")" \
    "verify match=hostname:nexthop:dot-nexthop"
check "tls_policy indexed by postmap" \
    "$(postmap -c "$WORK/pf" -q d311.test "hash:$OUT/tls_policy")" dane-only
check "transport indexed by postmap" \
    "$(postmap -c "$WORK/pf" -q bogusmx.test "hash:$OUT/transport")" \
    gatewarden-dane:
check "partner.test (no DANE) not in transport" \
    "$(postmap -c "$WORK/pf" -q partner.test "hash:$OUT/transport"; echo "rc=$?")" \
    "rc=1"
# What Postfix and Sendmail read, for the unusable, mixed and attribute
# cases: never may, nothing dropped.
for k in unusable.test:encrypt unknown.test:"encrypt ciphers=high" \
    unusablemix.test:dane backup.test:"dane protocols=>=TLSv1.3" \
    mixed.test:dane-only \
    bank.test:"dane-only protocols=>=TLSv1.2 ciphers=high"; do
	check "tls_policy ${k%%:*}: ${k#*:}" \
	    "$(postmap -c "$WORK/pf" -q "${k%%:*}" "hash:$OUT/tls_policy")" \
	    "${k#*:}"
done
check "transport: the per-host dane entries use the DNSSEC transport" \
    "$(postmap -c "$WORK/pf" -q backup.test "hash:$OUT/transport") $(postmap -c "$WORK/pf" -q unusablemix.test "hash:$OUT/transport")" \
    "gatewarden-dane: gatewarden-dane:"
check "transport: encrypt needs no DNSSEC transport" \
    "$(postmap -c "$WORK/pf" -q unusable.test "hash:$OUT/transport"; echo "rc=$?")" \
    "rc=1"
for k in d311.test unusable.test unknown.test unusablemix.test backup.test \
    mixed.test bank.test; do
	check "access.tls for Sendmail: $k requires encryption" \
	    "$(grep -c "^TLS_Rcpt:$k	ENCR:128\$" "$OUT/access.tls")" 1
done
check "access.tls: no entry (may) for a domain without TLSA" \
    "$(grep -c 'nodata.test' "$OUT/access.tls")" 0
check "no temporary file left" "$(ls -A "$OUT" | grep -c '^\.')" 0

# ---- run 2: a TLSA SERVFAIL keeps the previous files ------------------
sum_before=$(cat "$OUT/tls_policy" "$OUT/transport" | cksum)
config "$WORK/two.yaml" recursive <<'YAML'
    d311.test: { dane: opportunistic }
    sf.test: { dane: opportunistic }
YAML
maps "$WORK/two.yaml" "$OUT"
check "run 2 (SERVFAIL) exits 2" "$rc" 2
check "SERVFAIL is not \"no TLSA\"" \
    "$(j "(h('sf.test',0)['tlsa_status'], h('sf.test',0)['state'], d('sf.test')['temporary'])")" \
    "('failed', 'failed', True)"
check "run 2 wrote nothing" "$(j 'r["written"]')" False
check "run 2: --json lists no policy for what was not written, only the plan" \
    "$(j "(d('d311.test')['policy'], d('d311.test')['planned'], d('sf.test')['policy'])")" \
    "(None, 'dane-only', None)"
check "the previous files are in place" \
    "$(cat "$OUT/tls_policy" "$OUT/transport" | cksum)" "$sum_before"

# ---- run 3: mandatory without TLSA, and with a SERVFAIL ----------------
cat > "$WORK/sendmail" <<SH
#!/bin/sh
{ echo "args: \$*"; cat; echo "--"; } >> "$WORK/alerts"
SH
chmod +x "$WORK/sendmail"
config "$WORK/three.yaml" recursive <<YAML
    nxtlsa.test: { dane: mandatory, alert_on_failure: true }
    sf.test: { dane: mandatory }
    mixed.test: { dane: mandatory }
alerts:
  recipients: [admin@lab.test]
  from: gatewarden@lab.test
  sendmail_command: $WORK/sendmail
  rate_limit: 1h
YAML
maps3() {
	timeout 120 "$MAPS" -c "$WORK/three.yaml" -o "$WORK/maps3" --json \
	    --postfix-config "$WORK/pf" > "$WORK/out.json" 2> "$WORK/err"
	rc=$?
}
maps3
check "run 3 exits 1" "$rc" 1
check "an alert went to the administrators about nxtlsa.test" \
    "$(grep -c 'Subject: gatewarden alert: dane nxtlsa.test' "$WORK/alerts")" 1
check "through sendmail -oi -f FROM -- RCPT" \
    "$(grep -c '^args: -oi -f gatewarden@lab.test -- admin@lab.test$' "$WORK/alerts")" 1
check "no alert for entries without alert_on_failure" \
    "$(grep -c 'sf.test' "$WORK/alerts")" 0
maps3
check "the same alert again within rate_limit is not sent" \
    "$(grep -c 'Subject: gatewarden alert' "$WORK/alerts")" 1
# A sendmail that never finishes: killed after alerts.sendmail_timeout,
# the failure logged, and the run ends as it would have (no cron run held).
cat > "$WORK/sendmail-hang" <<'SH'
#!/bin/sh
exec sleep 600
SH
chmod +x "$WORK/sendmail-hang"
sed -e "s|sendmail_command: .*|sendmail_command: $WORK/sendmail-hang|" \
    -e 's|rate_limit: 1h|rate_limit: 1h\n  sendmail_timeout: 2s|' \
    "$WORK/three.yaml" > "$WORK/three-hang.yaml"
start=$(date +%s)
timeout 120 "$MAPS" -c "$WORK/three-hang.yaml" -o "$WORK/maps3h" \
    --postfix-config "$WORK/pf" > /dev/null 2> "$WORK/err-hang"
rc=$?
elapsed=$(( $(date +%s) - start ))
check "a hanging alert sendmail: the run still exits 1, within 60 s" \
    "$rc $([ "$elapsed" -lt 60 ] && echo bounded || echo "took $elapsed s")" \
    "1 bounded"
check "the hanging sendmail is logged as not finished within 2 s" \
    "$(grep -c 'alert=dane subject=nxtlsa.test action=failed reason=".*did not finish within 2 s' "$WORK/err-hang")" 1
check "mandatory, no TLSA: dane-only, cannot be served" \
    "$(j "(d('nxtlsa.test')['policy'], d('nxtlsa.test')['unservable'])")" \
    "('dane-only', True)"
check "mandatory, SERVFAIL: still dane-only (Postfix defers)" \
    "$(j "(d('sf.test')['policy'], d('sf.test')['temporary'], r['written'])")" \
    "('dane-only', False, True)"
check "mandatory, mixed MX set: servable" \
    "$(j "(d('mixed.test')['policy'], d('mixed.test')['unservable'])")" \
    "('dane-only', False)"

# ---- run 4: forward mode through the lab's validating unbound ---------
config "$WORK/four.yaml" forward <<'YAML'
    d311.test: { dane: opportunistic }
    d.bogus.test: { dane: opportunistic }
    nodata.test: { dane: opportunistic }
YAML
maps "$WORK/four.yaml" "$WORK/maps4"
check "forward: exits 1 (bogus)" "$rc" 1
check "forward: 3 1 1 dane-only" "$(j "d('d311.test')['policy']")" dane-only
check "forward: wrong DS is bogus, not failed" \
    "$(j "(d('d.bogus.test')['mx_status'], d('d.bogus.test')['policy'])")" \
    "('bogus', 'dane-only')"
check "forward: NODATA" "$(j "h('nodata.test',0)['state']")" no-tlsa

# ---- run 5: the resolver on its own ----------------------------------
stubs=""
for s in $(echo "$LAB_STUBS" | tr ' ' '='); do
	stubs="$stubs -s $s"
done
# shellcheck disable=SC2086
check "resolver: bogus answers carry no data" \
    "$(timeout 30 "$QUERY" -a "$LAB_TA" $stubs bogusmx.test MX | cut -d' ' -f1-2) / $(timeout 30 "$QUERY" -a "$LAB_TA" $stubs mx.bogus.test A | cut -c1-5)" \
    "secure data / bogus"
# shellcheck disable=SC2086
check "resolver: without the test. zone removed there is no lab" \
    "$(timeout 30 "$QUERY" -a "$LAB_TA" $stubs test. MX | cut -d' ' -f1)" "secure"

# shellcheck disable=SC2086
check "resolver: 8 threads x 20 TLSA questions at once, same answers" \
    "$(timeout 60 "$QUERY" -a "$LAB_TA" $stubs -T 8 _25._tcp.mx.rollover.test TLSA)" \
    "threads ok"
# A server that never answers: the look-up fails after dns.timeout, and is
# "failed" (temporary), never "no data".
python3 -c 'import socket, time, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(60)' > "$WORK/hole.port" &
hole=$!
LAB_PIDS="$LAB_PIDS $hole"
i=0
while [ ! -s "$WORK/hole.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
start=$(date +%s)
# shellcheck disable=SC2086
got=$(timeout 30 "$QUERY" -a "$LAB_TA" $stubs -t 2 \
    -s "hole.test.=127.0.0.1@$(cat "$WORK/hole.port")" x.hole.test TLSA)
elapsed=$(( $(date +%s) - start ))
check "resolver: a silent server is a time-out failure" \
    "$(echo "$got" | cut -d' ' -f1-2)" 'failed why="time-out'
check "resolver: the time-out is bounded by dns.timeout (2 s)" \
    "$([ "$elapsed" -le 5 ] && echo bounded || echo "took $elapsed s")" bounded

# ---- the milter's RCPT verdict against the lab ------------------------
rcpt() {	# rcpt DOMAIN: the first verdict line, and whether the second was cached
	# shellcheck disable=SC2086
	timeout 60 "$QUERY" -a "$LAB_TA" $stubs -r "$1" > "$WORK/rcpt" 2>&1
	echo "$(head -1 "$WORK/rcpt" | cut -d' ' -f1-2) $(grep -c '^cached$' "$WORK/rcpt")"
}
check "RCPT d311.test (3 1 1): ok, then from the cache" "$(rcpt d311.test)" "ok 1"
check "RCPT mixed.test: ok (one MX host has DANE)" "$(rcpt mixed.test)" "ok 1"
check "RCPT implicit.test: ok" "$(rcpt implicit.test)" "ok 1"
check "RCPT nxtlsa.test: 550 5.7.10" "$(rcpt nxtlsa.test)" "550 5.7.10 1"
check "RCPT insmx.unsigned.test (insecure MX, signed host): 550 5.7.10" \
    "$(rcpt insmx.unsigned.test)" "550 5.7.10 1"
check "RCPT unusable.test: 550 5.7.10" "$(rcpt unusable.test)" "550 5.7.10 1"
check "RCPT unknown.test (unknown usage, type, selector): 550 5.7.10" \
    "$(rcpt unknown.test)" "550 5.7.10 1"
check "RCPT backup.test (the backup MX has DANE): ok" "$(rcpt backup.test)" "ok 1"
check "RCPT unsmx.test (TLSA in an unsigned zone): 550 5.7.10" \
    "$(rcpt unsmx.test)" "550 5.7.10 1"
check "RCPT d.expired.test (bogus): 450 4.7.5" "$(rcpt d.expired.test)" \
    "450 4.7.5 1"
check "RCPT bogusmx.test (bogus host): 450 4.7.5" "$(rcpt bogusmx.test)" \
    "450 4.7.5 1"
check "RCPT sf.test (TLSA SERVFAIL): 450 4.7.10" "$(rcpt sf.test)" \
    "450 4.7.10 1"
check "RCPT refusal names the domain" \
    "$(rcpt nxtlsa.test >/dev/null; grep -c 'nxtlsa.test' "$WORK/rcpt")" 2

echo "1..$n"
[ "$failed" -eq 0 ]
