#!/bin/sh
# dane-serve.sh - gatewarden-maps serve against the DNSSEC lab, spoken to
# with t/sockmap_client.py: the answers (the same decisions as the static
# maps, the configured default, a static entry over published TLSA,
# Sendmail's keys), the cache and its proactive refresh, the privilege
# drop, malformed and oversized requests, clients that hang up
# mid-request, 200 clients at once, max_clients, a SIGUSR1 reload (good
# and bad files) with its change log line, TIMEOUT past query_timeout,
# TEMP when the resolver is down (a cached answer still served), and a
# clean stop.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/t/lib/dnslab.sh"

MAPS=$top_builddir/dane/gatewarden-maps
for tool in nsd unbound ldns-keygen ldns-signzone drill python3; do
	if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
		{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! $tool not installed" && exit 1; echo "1..0 # SKIP $tool not installed"; }
		exit 0
	fi
done
if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! needs root (privilege drop to nobody)" && exit 1; echo "1..0 # SKIP needs root (privilege drop to nobody)"; }
	exit 0
fi
PATH=$PATH:/usr/sbin

WORK=$(mktemp -d) || exit 1
chmod 755 "$WORK"
SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "$SERVE_PID" ] && wait "$SERVE_PID" 2>/dev/null
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
	[ -f "$WORK/serve.err" ] && sed 's/^/# /' "$WORK/serve.err" | tail -20
	echo "1..$n"
	exit 1
}

dnslab_start "$WORK/lab" || bail "the DNSSEC lab starts"
chmod -R a+rX "$WORK/lab/zones"
RUN=$WORK/run
mkdir -p "$RUN" && chown nobody "$RUN"
SOCK=unix:$RUN/tls-policy.sock
CLIENT="timeout 60 python3 $top_srcdir/t/sockmap_client.py"

# config FORWARDER DNS-TIMEOUT QUERY-TIMEOUT MAX-CLIENTS NODATA-ENTRY
config() {
	cat <<YAML
log: { level: debug }
dns:
  mode: forward
  forwarders: ["$1"]
  trust_anchor_file: $LAB_TA
  timeout: $2
sender_groups:
  - name: everyone
    match: any
destinations:
  default: { tls: required, dane: opportunistic }
  domains:
    nxtlsa.test: { dane: mandatory }
    unusable.test: { tls: no, dane: none }
    d201.test: { tls: required-verify, dane: none }
$5
socketmap:
  socket: $SOCK
  socket_mode: "0660"
  user: nobody
  pid_file: $RUN/serve.pid
  query_timeout: $3
  max_clients: $4
  refresh_recent: 1m
YAML
}
UB=127.0.0.1@$LAB_UNBOUND_PORT
config "$UB" 3s 5s 256 "" > "$WORK/gw.yaml"

timeout 300 "$MAPS" serve -f -c "$WORK/gw.yaml" 2> "$WORK/serve.err" &
SERVE_PID=$!
i=0
while [ ! -S "$RUN/tls-policy.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$RUN/tls-policy.sock" ] || bail "gatewarden-maps serve starts"
PID=$(cat "$RUN/serve.pid")

check "the socket belongs to nobody, mode 660" \
    "$(stat -c '%U %a' "$RUN/tls-policy.sock")" "nobody 660"
check "the server runs as nobody" \
    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$PID/status")" \
    "$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
check "the pid file names the server, and belongs to root" \
    "$(stat -c %U "$RUN/serve.pid") $(test "$PID" -gt 1 && echo pid)" "root pid"

q() {	# q REQUEST...: the replies, one a line
	$CLIENT query "$SOCK" "$@"
}
check "d311.test: usable TLSA, dane-only" "$(q 'tls_policy d311.test')" \
    "OK dane-only"
check "nodata.test: neither DANE nor MTA-STS, the configured default (encrypt)" \
    "$(q 'tls_policy nodata.test')" "OK encrypt"
check "unusable.test: the static entry beats the published TLSA" \
    "$(q 'tls_policy unusable.test')" "OK none"
check "d201.test: the static required-verify stands" \
    "$(q 'tls_policy d201.test')" "OK verify match=hostname:nexthop:dot-nexthop"
check "nxtlsa.test: mandatory, dane-only" "$(q 'tls_policy nxtlsa.test')" \
    "OK dane-only"
check "sf.test: the TLSA look-up fails, TEMP (never a weaker policy)" \
    "$(q 'tls_policy sf.test' | cut -c1-5)" "TEMP "
check "several requests on one connection, in order" \
    "$(q 'tls_policy d311.test' 'tls_policy .d311.test' 'tls_policy [192.0.2.1]:25' \
    'tls_access TLS_Rcpt:d311.test' 'tls_access Connect:192.0.2.1' \
    'tls_access TLS_Rcpt:nodata.test' | tr '\n' '|')" \
    "OK dane-only|NOTFOUND |NOTFOUND |OK ENCR:128|NOTFOUND |OK ENCR:128|"
check "an unknown map name is PERM" "$(q 'postfix d311.test' | cut -c1-5)" "PERM "
check "d311.test was looked up once, then answered from the cache" \
    "$(grep -c 'domain=d311.test action=lookup' "$WORK/serve.err")" 1
check "one log line for the new answer of d311.test" \
    "$(grep 'domain=d311.test action=new' "$WORK/serve.err" | grep -c 'policy=dane-only ttl=[0-9]* policy_type=tlsa')" 1

# Two requests in one write, a malformed netstring, an oversized request,
# clients that hang up mid-request.
check "two requests in one write, two replies" \
    "$($CLIENT raw "$SOCK" '20:tls_policy d311.test,20:tls_policy d302.test,' --timeout 3 | tr '\n' '|')" \
    "OK dane-only|OK dane-only|open|"
check "a malformed netstring: PERM, then the server hangs up" \
    "$($CLIENT raw "$SOCK" '5:hello;' | tr '\n' '|')" "PERM malformed netstring|closed|"
check "bytes that are no netstring: PERM and hang-up" \
    "$($CLIENT raw "$SOCK" 'GET / HTTP/1.0\r\n\r\n' | tr '\n' '|')" \
    "PERM malformed netstring|closed|"
check "a request over 2048 bytes is refused before its payload" \
    "$($CLIENT raw "$SOCK" '99999:tls_policy ' | tr '\n' '|')" \
    "PERM request longer than 2048 bytes|closed|"
check "a NUL in the key: NOTFOUND" \
    "$($CLIENT raw "$SOCK" '19:tls_policy a\x00b.test,' --timeout 3 | tr '\n' '|')" \
    "NOTFOUND |open|"
$CLIENT cut "$SOCK" '30:tls_policy d3' >/dev/null
$CLIENT cut "$SOCK" '21:tls_policy mixed.test,' >/dev/null
$CLIENT cut "$SOCK" '21:tls_policy d302.test,21:tls_policy d310.test,' >/dev/null
sleep 1
check "the server survives clients that hang up mid-request" \
    "$(q 'tls_policy mixed.test')" "OK dane-only"

# 200 clients at once, each with five requests (three not cached yet).
check "200 clients at once: 1000 answers, no error" \
    "$($CLIENT storm "$SOCK" 200 'tls_policy d311.test' 'tls_policy s1.wild.test' \
    'tls_policy s2.wild.test' 'tls_policy nodata.test' 'tls_policy s3.wild.test')" \
    "replies=1000 errors=0 OK=1000"
check "one look-up per domain for the 200 clients" \
    "$(grep -c 'domain=s1.wild.test action=lookup' "$WORK/serve.err")" 1

# Proactive refresh: fast.test's MX TTL is 3 s; asked every second for
# 7 s, it is refreshed while its answer is still valid (the log line gives
# the seconds left), and again when the resolvers' caches in front run
# out, the answer that has just expired being sent meanwhile: a client
# waits for the first look-up only (twice at most, if a loaded machine
# holds up a refresh past the grace). Without the refresh and the grace,
# every third question waited.
for i in 1 2 3 4 5 6 7; do
	q 'tls_policy fast.test' >> "$WORK/fast.out"
	sleep 1
done
lookups=$(grep -c 'domain=fast.test action=lookup' "$WORK/serve.err")
refreshes=$(grep -c 'domain=fast.test action=refresh' "$WORK/serve.err")
ahead=$(grep -c 'domain=fast.test action=refresh expires_in=[1-9]' "$WORK/serve.err")
echo "# fast.test: $lookups look-ups a client waited for, $refreshes refreshes, $ahead of them before expiry"
check "fast.test answered every time" "$(sort -u "$WORK/fast.out")" "OK dane-only"
check "fast.test: refreshed at least twice before its answer expired" \
    "$([ "$ahead" -ge 2 ] && echo yes)" yes
check "fast.test: a client waited for at most two look-ups" \
    "$([ "$lookups" -le 2 ] && echo yes)" yes

# reload: a good file changes nodata.test's answer (one change line); a
# bad one is refused and the one in force stays.
config "$UB" 3s 5s 3 "    nodata.test: { tls: no, dane: none }" > "$WORK/gw.yaml"
kill -USR1 "$PID"
i=0
until grep -q 'reload: action=done' "$WORK/serve.err" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "SIGUSR1: the new configuration is in force" \
    "$(q 'tls_policy nodata.test')" "OK none"
check "the changed answer is logged, with the previous one" \
    "$(grep -c 'domain=nodata.test action=changed policy=none previous=encrypt' "$WORK/serve.err")" 1
sleep 0.5
check "max_clients 3: a fourth client at once is refused" \
    "$($CLIENT storm "$SOCK" 4 'tls_policy d311.test')" "replies=3 errors=1 OK=3"
echo "destinations: [" > "$WORK/gw.yaml"
kill -USR1 "$PID"
i=0
until grep -q 'reload: action=refused' "$WORK/serve.err" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "a configuration with errors is refused at reload" \
    "$(grep -c 'reload: action=refused' "$WORK/serve.err")" 1
check "... and the one in force stays" "$(q 'tls_policy nodata.test')" "OK none"

# The resolver down: TEMP for a domain not cached; a cached answer is
# still served until it expires.
kill "$(cat "$WORK/lab/unbound.pid")"
check "the resolver down: TEMP" "$(q 'tls_policy d2exp.test' | cut -c1-5)" "TEMP "
check "the resolver down: logged once" \
    "$(grep 'domain=d2exp.test action=new policy=TEMP' "$WORK/serve.err" | grep -c 'DNS look-up failed')" 1
check "the resolver down: a cached answer is still served" \
    "$(q 'tls_policy d311.test')" "OK dane-only"
# fast.test (TTL 3 s) is still refreshed, and now each refresh fails: its
# answer is served until it expires, never past the few seconds' grace.
i=0
while [ "$(q 'tls_policy fast.test' | cut -c1-5)" != "TEMP " ] && [ $i -lt 30 ]; do
	sleep 0.5
	i=$((i + 1))
done
echo "# fast.test: TEMP after ${i} half-seconds with the resolver down"
check "the resolver down: fast.test is TEMP within its TTL and the grace" \
    "$([ $i -le 20 ] && q 'tls_policy fast.test' | cut -c1-5)" "TEMP "
for i in 1 2 3; do
	sleep 0.5
	q 'tls_policy fast.test' | cut -c1-5
done > "$WORK/fast-down.out"
check "... and stays TEMP: no expired answer is sent after a failed refresh" \
    "$(sort -u "$WORK/fast-down.out")" "TEMP "

# A resolver that never answers: TIMEOUT past query_timeout, while the
# look-up goes on.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(120)' > "$WORK/hole.port" &
LAB_PIDS="$LAB_PIDS $!"
i=0
while [ ! -s "$WORK/hole.port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
config "127.0.0.1@$(cat "$WORK/hole.port")" 3s 1s 256 "" > "$WORK/gw.yaml"
kill -USR1 "$PID"
i=0
until [ "$(grep -c 'reload: action=done' "$WORK/serve.err")" = 2 ] || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "a look-up past query_timeout gets TIMEOUT" \
    "$(q 'tls_policy d2name.test' | cut -c1-8)" "TIMEOUT "
sleep 3

kill "$PID"
wait "$SERVE_PID"
rc=$?
SERVE_PID=
check "SIGTERM: the server stops with status 0 (no leak, no error)" "$rc" 0
check "the socket and pid file are removed" \
    "$(ls "$RUN" | grep -c 'sock\|pid')" 0
check "the stop line counts the answers" \
    "$(grep -c 'stop: answers=[0-9]* from_cache=[1-9]' "$WORK/serve.err")" 1
if [ "$failed" -ne 0 ]; then
	sed 's/^/# /' "$WORK/serve.err" | grep -v 'action=lookup' | tail -40
fi
echo "1..$n"
[ "$failed" -eq 0 ]
