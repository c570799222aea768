#!/bin/sh
# dane-probe.sh - gatewarden-maps --probe against STARTTLS sinks with
# certificates made by the test, checked with OpenSSL's DANE support.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/t/lib/dnslab.sh"

MAPS=$top_builddir/dane/gatewarden-maps
for tool in nsd unbound ldns-keygen ldns-signzone drill python3 openssl; do
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

if ! dnslab_start "$WORK/lab" || ! dnslab_sink; then
	echo "1..1"
	echo "not ok 1 - the DNSSEC lab and the STARTTLS sink start"
	exit 1
fi

{
	echo "dns:"
	echo "  mode: recursive"
	echo "  stub_zones:"
	echo "$LAB_STUBS" | while read -r zone addr; do
		echo "    - name: $zone"
		echo "      addresses: [\"$addr\"]"
	done
	echo "  trust_anchor_file: $LAB_TA"
	echo "  timeout: 5s"
	echo "trust:"
	echo "  system_cas: true"
	echo "  system_ca_file: $LAB_CERTS/ca.pem"
	echo "sender_groups:"
	echo "  - name: everyone"
	echo "    match: any"
} > "$WORK/gw.yaml"

# probe DOMAIN: sets rc and the verdict word of the first host in v.
probe() {
	timeout 60 "$MAPS" -c "$WORK/gw.yaml" --probe "$1" \
	    --port "$LAB_SINK_PORT" > "$WORK/probe.out" 2>&1
	rc=$?
	sed 's/^/# /' "$WORK/probe.out"
	v=$(sed -n 2p "$WORK/probe.out" |
	    sed 's/^[^ ]*: //; s/ TLS connection.*//; s/ (.*//')
}

probe d311.test
check "3 1 1 matches: Verified, exit 0" "$v rc=$rc" "Verified rc=0"
probe d302.test
check "3 0 2 matches: Verified" "$v rc=$rc" "Verified rc=0"
probe d310.test
check "3 1 0 matches: Verified" "$v rc=$rc" "Verified rc=0"
probe d201.test
check "2 0 1 with the MX host name in the certificate: Verified" \
    "$v rc=$rc" "Verified rc=0"
probe mismatch.test
check "usable but non-matching TLSA: DANE failed (deferred), exit 1" \
    "$v rc=$rc" "DANE failed rc=1"
probe rollover.test
check "key rollover, one of two records matches: Verified" \
    "$v rc=$rc" "Verified rc=0"
probe d3exp.test
check "expired leaf passes 3 1 1" "$v rc=$rc" "Verified rc=0"
probe d2exp.test
check "expired leaf fails 2 0 1" "$v rc=$rc" "DANE failed rc=1"
probe cname.test
check "CNAME'd MX host, TLSA at the chain's end: Verified" "$v rc=$rc" \
    "Verified rc=0"
probe nxtlsa.test
check "no TLSA: no DANE (Untrusted: the ee certificate is self-signed), exit 1" \
    "$v rc=$rc" "Untrusted rc=1"
probe catrust.test
check "no TLSA, a chain to the CA file for another name: Trusted, exit 1" \
    "$v rc=$rc" "Trusted rc=1"
check "Trusted says it is the chain only" \
    "$(grep -c 'Trusted TLS connection (no usable TLSA; chain only, name not checked)' "$WORK/probe.out")" 1
probe bogusmx.test
check "bogus host: deferred, no connection" "$v rc=$rc" "deferred rc=1"
probe sf.test
check "TLSA SERVFAIL: deferred" "$v rc=$rc" "deferred rc=1"

probe d2name.test
check "2 0 1 whose certificate names neither the MX host nor the domain fails" \
    "$v rc=$rc" "DANE failed rc=1"
grep -q 'hostname mismatch' "$WORK/probe.out"
check "and says why" "$?" 0

# --json: one object per domain, a verdict per host.
timeout 60 "$MAPS" -c "$WORK/gw.yaml" --probe mixed.test --json \
    --port "$LAB_SINK_PORT" > "$WORK/probe.json" 2>&1
rc=$?
check "--json: mixed MX set, the DANE host Verified (exit 0), the other without DANE" \
    "$rc $(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([(h["host"], h["state"], h["verdict"]) for h in r["hosts"]], r["verified"])' "$WORK/probe.json")" \
    "0 [('mx.d311.test', 'usable', 'Verified'), ('mx.nxtlsa.test', 'no-tlsa', 'Untrusted')] 1"

# A local error (here the resolver cannot start): exit 2.
sed "s|trust_anchor_file: .*|trust_anchor_file: $WORK/missing.key|" \
    "$WORK/gw.yaml" > "$WORK/bad.yaml"
timeout 60 "$MAPS" -c "$WORK/bad.yaml" --probe d311.test \
    --port "$LAB_SINK_PORT" > "$WORK/probe.out" 2>&1
check "a local error (no trust anchor file): exit 2" "$?" 2

echo "1..$n"
[ "$failed" -eq 0 ]
