#!/bin/sh
# dane-sts.sh - MTA-STS (RFC 8461) against the DNSSEC lab and its HTTPS
# policy server (t/sts_https.py on 127.0.0.6:443 with lab CA
# certificates), inside a private network namespace (unshare) so that
# port 443 is the test's own. Asserted on `gatewarden-maps report --json`
# (the one decision, as gatewarden-maps serve answers it) and on the
# static map: enforce, testing, none; MX patterns that do and do not
# match; a failed fetch, a certificate of an untrusted CA, a wrong media
# type, an oversized policy, a redirect; DANE and MTA-STS both present
# (DANE wins); a static level that stands; a policy id change; a cached
# policy that outlives a restart and the policy host, until its max_age.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PATH=$PATH:/usr/sbin:/sbin

if [ -z "${GW_DANE_NETNS:-}" ]; then
	for tool in unshare nsd unbound ldns-signzone drill python3 postmap ip; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! $tool not installed" && exit 1; echo "1..0 # SKIP $tool not installed"; }
			exit 0
		fi
	done
	if [ "$(id -u)" != 0 ] || ! unshare --net true 2>/dev/null; then
		{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! needs root and network namespaces (unshare)" && exit 1; echo "1..0 # SKIP needs root and network namespaces (unshare)"; }
		exit 0
	fi
	GW_DANE_NETNS=1 exec timeout 300 unshare --net sh "$0" "$@"
fi

# ---- from here on: inside the private network namespace ---------------
. "$top_srcdir/t/lib/dnslab.sh"
MAPS=$top_builddir/dane/gatewarden-maps
ip link set lo up || exit 1

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
bail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	echo "1..$n"
	exit 1
}

dnslab_start "$WORK/lab" || bail "the DNSSEC lab starts"
dnslab_https || bail "the MTA-STS policy server starts"

# config FILE ENTRIES: the lab's resolver, the lab CA for policy hosts.
config() {
	cat > "$1" <<YAML
dns:
  mode: forward
  forwarders: ["127.0.0.1@$LAB_UNBOUND_PORT"]
  trust_anchor_file: $LAB_TA
  timeout: 5s
mta_sts:
  cache_file: $WORK/sts.db
  lab_ca_file: $LAB_CERTS/ca.pem
  timeout: 5s
sender_groups:
  - name: everyone
    match: any
destinations:
  default: { tls: preferred, dane: opportunistic, mta_sts: true }
  domains:
$2
YAML
}
config "$WORK/gw.yaml" "    d311.test: { dane: opportunistic }"

# report DOMAIN...: "planned|policy_type|status mode|fetch failure" per
# domain, one a line, from the JSON report.
report() {
	timeout 60 "$MAPS" report -c "${CFG:-$WORK/gw.yaml}" --json "$@" \
	    2>> "$WORK/report.err" > "$WORK/report.json"
	python3 - "$WORK/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for d in r["domains"]:
    s = d["mta_sts"] or {}
    print("%s|%s|%s %s|%s" % (d["planned"], d["policy_type"],
          s.get("status"), s.get("mode"), s.get("fetch_failure")))
PY
}
why() {	# why DOMAIN: the MTA-STS look-up's reason
	timeout 60 "$MAPS" report -c "$WORK/gw.yaml" --json "$1" 2>/dev/null |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["domains"][0]["mta_sts"]["why"])'
}

check "enforce: secure, the policy's MX host as match=, SNI the host name" \
    "$(report sts-enforce.test)" \
    "secure match=mx.sts-enforce.test servername=hostname|sts|policy enforce|None"
check "testing: reported (policy type sts), not enforced" \
    "$(report sts-testing.test)" "may|sts|policy testing|None"
check "none: ignored" "$(report sts-none.test)" "may|no-policy-found|policy none|None"
check "MX pattern *.sts-pattern.test matching the MX host" \
    "$(report sts-pattern.test)" \
    "secure match=.sts-pattern.test servername=hostname|sts|policy enforce|None"
check "MX pattern that does not name the MX host: secure all the same (delivery fails)" \
    "$(report sts-nomatch.test)" \
    "secure match=.sts-nomatch.test servername=hostname|sts|policy enforce|None"
check "... and the report says the MX host is not named by the policy" \
    "$(timeout 60 "$MAPS" report -c "$WORK/gw.yaml" sts-nomatch.test 2>/dev/null |
    grep -c 'not named by the MTA-STS policy')" 1
check "no policy host listening: fetch error, as though no policy" \
    "$(report sts-nohttps.test)" "may|no-policy-found|none None|sts-policy-fetch-error"
check "a policy host certificate from an untrusted CA: sts-webpki-invalid" \
    "$(report sts-badcert.test)" "may|no-policy-found|none None|sts-webpki-invalid"
check "text/html instead of text/plain: sts-policy-invalid" \
    "$(report sts-ctype.test)" "may|no-policy-found|none None|sts-policy-invalid"
check "a policy over 64 KiB: sts-policy-invalid" \
    "$(report sts-big.test)" "may|no-policy-found|none None|sts-policy-invalid"
check "... because of its size" "$(why sts-big.test | grep -c '64 KiB')" 1
check "a redirect is not followed" \
    "$(report sts-redirect.test)" "may|no-policy-found|none None|sts-policy-fetch-error"
check "... and the reason says so" "$(why sts-redirect.test | grep -c 'HTTP 301: a redirect')" 1
check "DANE and MTA-STS both present: DANE wins" \
    "$(report sts-dane.test)" "dane-only|tlsa|policy enforce|None"
check "no _mta-sts record at all: DANE's answer alone" \
    "$(report d302.test)" "dane-only|tlsa|none None|None"
check "a domain entry does not inherit the default's mta_sts" \
    "$(report d311.test)" "dane-only|tlsa|None None|None"
check "the policy host saw no request for the redirect's target" \
    "$(grep -c '^mta-sts.sts-enforce.test ' "$LAB/https.out")" 1

# A static level stands over a discovered policy, and a policy never
# weakens a configured level.
config "$WORK/static.yaml" "    sts-enforce.test: { tls: required-verify, dane: none, mta_sts: true }
    sts-testing.test: { tls: required, dane: none, mta_sts: true }
    sts-none.test: { tls: preferred, dane: none }"
CFG=$WORK/static.yaml
check "enforce under a static required-verify: the verify level stands" \
    "$(report sts-enforce.test)" "verify match=hostname:nexthop:dot-nexthop|sts|policy enforce|None"
check "testing under a static required: encrypt, never weaker" \
    "$(report sts-testing.test)" "encrypt|sts|policy testing|None"
check "an entry without mta_sts does not look the policy up" \
    "$(report sts-none.test)" "may|no-policy-found|None None|None"
CFG=

# The static map writer makes the same decision.
mkdir -p "$WORK/pf" && : > "$WORK/pf/main.cf"
config "$WORK/maps.yaml" "    sts-enforce.test: { tls: preferred, dane: opportunistic, mta_sts: true }
    sts-dane.test: { tls: preferred, dane: opportunistic, mta_sts: true }"
timeout 60 "$MAPS" -c "$WORK/maps.yaml" -o "$WORK/maps" --no-alert \
    --postfix-config "$WORK/pf" > "$WORK/maps.out" 2>&1
check "the static map: enforce made secure" \
    "$(postmap -c "$WORK/pf" -q sts-enforce.test "hash:$WORK/maps/tls_policy")" \
    "secure match=mx.sts-enforce.test servername=hostname"
check "the static map: DANE wins" \
    "$(postmap -c "$WORK/pf" -q sts-dane.test "hash:$WORK/maps/tls_policy")" \
    "dane-only"

# A policy id change: the policy is fetched again only under a new id.
check "sts-id.live.test: id 1, testing" "$(report sts-id.live.test)" \
    "may|sts|policy testing|None"
sed -i 's/^mode: testing/mode: enforce/' "$LAB/sts/mta-sts.sts-id.live.test.txt"
check "the policy file changed under the same id: the cached policy stands" \
    "$(report sts-id.live.test)" "may|sts|policy testing|None"
dnslab_live_update "$(dnslab_spki_sha256 "$LAB_CERTS/other.pem")" 2 ||
    bail "live.test is updated"
sleep 3
check "a new id: fetched again, enforce" "$(report sts-id.live.test)" \
    "secure match=mx.sts-id.live.test servername=hostname|sts|policy enforce|None"
check "the new id is the cached policy's" \
    "$(timeout 60 "$MAPS" report -c "$WORK/gw.yaml" --json sts-id.live.test 2>/dev/null |
    python3 -c 'import json, sys; s = json.load(sys.stdin)["domains"][0]["mta_sts"]; print(s["id"], s["cached"])')" \
    "2 True"

# max_age: a cached policy outlives a restart (a new process) and its
# policy host, until max_age (8 s) has passed.
check "sts-maxage.test: enforce, fetched" "$(report sts-maxage.test)" \
    "secure match=mx.sts-maxage.test servername=hostname|sts|policy enforce|None"
rm "$LAB/sts/mta-sts.sts-maxage.test.txt"
check "the policy host answers 404 now: the cached policy still applies" \
    "$(report sts-maxage.test | cut -d'|' -f1-3)" \
    "secure match=mx.sts-maxage.test servername=hostname|sts|policy enforce"
sleep 9
check "past max_age, no policy to fetch: as though the domain had none" \
    "$(report sts-maxage.test)" "may|no-policy-found|none None|sts-policy-fetch-error"

# A root command that makes the cache file leaves it to the server's user.
sed "s|cache_file: $WORK/sts.db|cache_file: $WORK/owned.db|" "$WORK/gw.yaml" > "$WORK/owned.yaml"
printf 'socketmap:\n  user: nobody\n' >> "$WORK/owned.yaml"
CFG=$WORK/owned.yaml
report sts-enforce.test > /dev/null
CFG=
check "the MTA-STS cache made by root belongs to socketmap.user" \
    "$(stat -c %U "$WORK/owned.db")" nobody

if [ "$failed" -ne 0 ]; then
	sed 's/^/# /' "$WORK/report.err" "$LAB/https.out" | tail -30
fi
echo "1..$n"
[ "$failed" -eq 0 ]
