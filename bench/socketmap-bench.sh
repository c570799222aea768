#!/bin/sh
# socketmap-bench.sh - answers per second of gatewarden-maps serve against
# the DNSSEC lab (t/lib/dnslab.sh), spoken to by t/sockmap_client.py over
# its unix socket: cached (four domains asked again and again) and
# "uncached" (a new name under *.wild.test every time: not in the
# server's cache, but libunbound answers such names from the wildcard
# proof it cached, RFC 8198, so no query leaves it; dane-maps-bench.sh
# measures real look-ups). The client is Python: the cached figure is
# bounded by it, and is a floor.
# SOCKETMAP_BENCH_SECONDS (default 5) per run, SOCKETMAP_BENCH_CLIENTS
# (default 4) connections.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
PATH=$PATH:/usr/sbin
. "$top_srcdir/t/lib/dnslab.sh"
for tool in nsd unbound ldns-signzone drill python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "socketmap-bench: $tool not installed: skipped"
		exit 0
	}
done
W=$(mktemp -d) || exit 1
SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "$SERVE_PID" ] && wait "$SERVE_PID" 2>/dev/null
	dnslab_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
secs=${SOCKETMAP_BENCH_SECONDS:-5}
conns=${SOCKETMAP_BENCH_CLIENTS:-4}

dnslab_start "$W/lab" >/dev/null || { echo "socketmap-bench: the lab does not start"; exit 1; }
cat > "$W/gw.yaml" <<YAML
dns:
  mode: forward
  forwarders: ["127.0.0.1@$LAB_UNBOUND_PORT"]
  trust_anchor_file: $LAB_TA
  timeout: 5s
sender_groups:
  - name: everyone
    match: any
destinations:
  default: { tls: preferred, dane: opportunistic }
socketmap:
  socket: unix:$W/sm.sock
  cache_size: 100000
YAML
"$top_builddir/dane/gatewarden-maps" serve -f -c "$W/gw.yaml" 2> "$W/serve.err" &
SERVE_PID=$!
i=0
while [ ! -S "$W/sm.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$W/sm.sock" ] || { echo "socketmap-bench: the server does not start"; cat "$W/serve.err"; exit 1; }
C="python3 $top_srcdir/t/sockmap_client.py"
$C query "unix:$W/sm.sock" 'tls_policy d311.test' 'tls_policy d302.test' \
    'tls_policy nodata.test' 'tls_policy mixed.test' > /dev/null
printf 'socketmap cached   (%s clients, %ss): ' "$conns" "$secs"
$C rate "unix:$W/sm.sock" "$secs" "$conns" 'tls_policy d311.test' \
    'tls_policy d302.test' 'tls_policy nodata.test' 'tls_policy mixed.test'
printf 'socketmap uncached (%s clients, %ss): ' "$conns" "$secs"
$C rate "unix:$W/sm.sock" "$secs" "$conns" 'tls_policy u%d.wild.test'
