#!/bin/sh
# dane-maps-bench.sh - gatewarden-maps writing the maps for 1,000
# destination domains (dane: opportunistic) against the DNSSEC lab of the
# tests (t/lib/dnslab.sh: nsd and a validating unbound on loopback).
# Each domain is a name of its own in the lab's signed child zone
# live.test, rewritten for the bench (N x rounds x cases MX records to one
# host with a usable TLSA record, TTL 1h): every look-up is an MX query
# of its own, validated (names under a wildcard would not do: libunbound
# answers them from a cached wildcard proof, RFC 8198, without asking).
# Cases, alternating within each round: jobs=1 and jobs=8 look-ups at
# once (--jobs), each cold (names the lab's unbound has not seen) and
# warm (the same names again at once: its cache answers); and both cold
# again through bench/dns_delay.py, which holds each query
# DANE_BENCH_RTT_MS (default 20) as a resolver that far away would: on
# loopback a look-up costs well under a millisecond, so only there does
# doing several at once show what it gains.
# Prints per round and case "dane-maps round=R case=C domains=N
# seconds=S domains_per_s=D", then per case the median and spread, and
# the ratios jobs8/jobs1 and warm/cold of the medians.
# DANE_BENCH_DOMAINS (default 1000), DANE_BENCH_ROUNDS (default 3).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
PATH=$PATH:/usr/sbin
. "$top_srcdir/t/lib/dnslab.sh"
for tool in nsd unbound ldns-signzone python3 postmap; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "dane-maps-bench: $tool not installed: skipped"
		exit 0
	}
done
MAPS=$top_builddir/dane/gatewarden-maps
[ -x "$MAPS" ] || { echo "dane-maps-bench: $MAPS not built"; exit 1; }
W=$(mktemp -d) || exit 1
RELAY_PID=
cleanup() {
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
	dnslab_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
n=${DANE_BENCH_DOMAINS:-1000}
rounds=${DANE_BENCH_ROUNDS:-3}

mkdir "$W/pf" && : >"$W/pf/main.cf"	# postmap's configuration
dnslab_start "$W/lab" >/dev/null ||
    { echo "dane-maps-bench: the DNSSEC lab does not start"; exit 1; }

# live.test with every name the runs ask for (r-ROUND-CASE-I), signed
# with its keys (the DS in test. stays right), then served by nsd.
cases="a b c d"
(
	cd "$LAB/zones" || exit 1
	{
		cat <<ZONE
\$ORIGIN live.test.
\$TTL 3600
@ SOA ns.test. hostmaster.test. 1000 3600 600 86400 3600
@ NS ns.test.
mx A 127.0.0.1
_25._tcp.mx TLSA 3 1 1 $(printf '%064d' 0 | tr 0 a)
ZONE
		awk -v n="$n" -v rounds="$rounds" -v cases="$cases" 'BEGIN {
		    k = split(cases, c, " ")
		    for (r = 1; r <= rounds; r++) for (j = 1; j <= k; j++)
			for (i = 1; i <= n; i++) printf "r%d-%s-%d MX 10 mx\n", r, c[j], i
		}'
	} >live.test.zone
	DNSLAB_KEEP_KEYS=1 dnslab_sign live.test. live.test.zone >/dev/null
) || { echo "dane-maps-bench: live.test not signed"; exit 1; }
kill -HUP "$(cat "$LAB/nsd.pid")"
i=0
until timeout 5 drill -p "$LAB_NSD_PORT" @127.0.0.1 live.test SOA 2>/dev/null |
    grep -q 'SOA.* 1000 3600' || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

rtt=${DANE_BENCH_RTT_MS:-20}
relay_port=$(dnslab_free_port)
python3 "$top_srcdir/bench/dns_delay.py" "$relay_port" "$LAB_UNBOUND_PORT" \
    "$rtt" >"$W/relay.out" 2>&1 &
RELAY_PID=$!
i=0
until grep -q ready "$W/relay.out" 2>/dev/null || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q ready "$W/relay.out" || { echo "dane-maps-bench: the relay does not start"; exit 1; }

# config NAME TAG [PORT]: $W/NAME.yaml with n domains TAG-I.live.test,
# the resolver on PORT (default the lab's unbound)
config() {
	{
		cat <<YAML
dns:
  mode: forward
  forwarders: ["127.0.0.1@${3:-$LAB_UNBOUND_PORT}"]
  trust_anchor_file: $LAB_TA
  timeout: 10s
sender_groups:
  - name: everyone
    match: any
destinations:
  default: { tls: preferred, dane: none }
  domains:
YAML
		i=1
		while [ $i -le "$n" ]; do
			echo "    $2-$i.live.test: { tls: preferred, dane: opportunistic }"
			i=$((i + 1))
		done
	} >"$W/$1.yaml"
}

now() { date +%s.%N; }

# run CASE JOBS CONFIG: one gatewarden-maps run, its line
run() {
	mkdir -p "$W/out-$1"
	t0=$(now)
	if ! timeout 600 "$MAPS" -c "$3" -o "$W/out-$1" --no-alert --json \
	    --postfix-config "$W/pf" --jobs "$2" >"$W/out-$1.json" \
	    2>"$W/out-$1.err"; then
		echo "# dane-maps-bench: $1 failed:"
		sed 's/^/#   /' "$W/out-$1.err" | tail -5
		return 1
	fi
	t1=$(now)
	got=$(grep -c '[[:space:]]dane-only$' "$W/out-$1/tls_policy")
	if [ "$got" != "$n" ]; then
		echo "# dane-maps-bench: $1: $got of $n domains dane-only:"
		sed 's/^/#   /' "$W/out-$1/tls_policy" | head -5
		return 1
	fi
	awk -v r="$round" -v c="$1" -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {
	    s = b - a
	    printf "dane-maps round=%d case=%s domains=%d seconds=%.3f domains_per_s=%.1f\n", r, c, n, s, n / s
	}' | tee -a "$W/rounds"
}

echo "machine cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -1 | tr ' ' '_') cores=$(nproc) load=$(cut -d' ' -f1 /proc/loadavg) build=$(ldd "$MAPS" | grep -q libasan && echo sanitizers || echo release)"
status=0
round=1
while [ $round -le "$rounds" ]; do
	# fresh names for each cold run, then the same names warm
	config j1 "r$round-a"
	config j8 "r$round-b"
	run jobs1-cold 1 "$W/j1.yaml" || status=1
	run jobs8-cold 8 "$W/j8.yaml" || status=1
	run jobs1-warm 1 "$W/j1.yaml" || status=1
	run jobs8-warm 8 "$W/j8.yaml" || status=1
	config r1 "r$round-c" "$relay_port"
	config r8 "r$round-d" "$relay_port"
	run "jobs1-rtt${rtt}ms" 1 "$W/r1.yaml" || status=1
	run "jobs8-rtt${rtt}ms" 8 "$W/r8.yaml" || status=1
	round=$((round + 1))
done
[ "$status" = 0 ] || exit 1

awk '
{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  c = f["case"]; v[c, ++k[c]] = f["domains_per_s"]; if (!(c in seen)) { seen[c] = 1; order[++nc] = c } }
function med(c,    i, j, t, m, a) {
	m = k[c]
	for (i = 1; i <= m; i++) a[i] = v[c, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	lo[c] = a[1]; hi[c] = a[m]
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	for (i = 1; i <= nc; i++) {
		c = order[i]; md[c] = med(c)
		printf "dane-maps-summary case=%s domains_per_s=%.1f spread_pct=%.0f rounds=%d\n", c, md[c], 100 * (hi[c] - lo[c]) / md[c], k[c]
	}
	printf "dane-maps-ratio cold_jobs8_over_jobs1=%.2f warm_jobs8_over_jobs1=%.2f jobs1_warm_over_cold=%.2f jobs8_warm_over_cold=%.2f rtt_jobs8_over_jobs1=%.2f\n",
	    md["jobs8-cold"] / md["jobs1-cold"], md["jobs8-warm"] / md["jobs1-warm"],
	    md["jobs1-warm"] / md["jobs1-cold"], md["jobs8-warm"] / md["jobs8-cold"],
	    md[rc8] / md[rc1]
}' rc1="jobs1-rtt${rtt}ms" rc8="jobs8-rtt${rtt}ms" "$W/rounds"
