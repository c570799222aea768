#!/bin/sh
# dane-serve-postfix.sh - a real private Postfix whose smtp_tls_policy_maps
# is socketmap:unix:...:tls_policy against gatewarden-maps serve, delivering
# through the DNSSEC lab and the MTA-STS policy server inside private
# network and mount namespaces (as t/dane-postfix.sh: unbound on
# 127.0.0.1:53 for Postfix's own resolver, the sinks on port 25, the
# policy server on 127.0.0.6:443). Asserted: delivered to the secure
# destinations (DANE, MTA-STS enforce), deferred where policy says the
# mail must not go in the clear or unverified (no STARTTLS under RFC
# 7672's encrypt, mandatory DANE without TLSA, a TLSA mismatch, an MX host
# the MTA-STS policy does not name), and a TLSA change picked up once its
# TTL has passed, without restarting Postfix or the server.
#
# GW_TLSRPT_RECORD=FILE keeps Postfix's mail log in FILE: that is how
# t/tlsrpt/maillog (the TLS-RPT test's fixture) was recorded.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PATH=$PATH:/usr/sbin:/sbin

if [ -z "${GW_DANE_NETNS:-}" ]; then
	for tool in unshare nsd unbound ldns-signzone drill python3 postfix \
	    postmap postqueue swaks ip mount; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! $tool not installed" && exit 1; echo "1..0 # SKIP $tool not installed"; }
			exit 0
		fi
	done
	if [ "$(id -u)" != 0 ] || ! unshare --net --mount true 2>/dev/null; then
		{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! needs root and network namespaces (unshare)" && exit 1; echo "1..0 # SKIP needs root and network namespaces (unshare)"; }
		exit 0
	fi
	GW_DANE_NETNS=1 exec timeout 300 unshare --net --mount sh "$0" "$@"
fi

# ---- from here on: inside the private namespaces ----------------------
. "$top_srcdir/t/lib/dnslab.sh"
MAPS=$top_builddir/dane/gatewarden-maps
ip link set lo up && ip addr add 127.0.0.2/8 dev lo || exit 1

WORK=$(mktemp -d) || exit 1
chmod 755 "$WORK"
PF=$WORK/pf
RUN=$WORK/run
SERVE_PID=
cleanup() {
	postfix -c "$PF" stop >/dev/null 2>&1
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

LAB_UNBOUND_PORT=53
dnslab_start "$WORK/lab" || bail "the DNSSEC lab starts"
chmod -R a+rX "$WORK/lab/zones" "$WORK/lab/certs"
mkdir -p "$WORK/mail"
dnslab_sink --port 25 --maildir "$WORK/mail" || bail "the sink starts on :25"
dnslab_sink_start plain --address 127.0.0.3 --port 25 --no-starttls \
    --maildir "$WORK/mail" || bail "the sink without STARTTLS starts"
dnslab_https || bail "the MTA-STS policy server starts"
printf 'nameserver 127.0.0.1\noptions trust-ad\n' > "$WORK/resolv.conf"
mount --bind "$WORK/resolv.conf" /etc/resolv.conf || bail "resolv.conf"

# ---- gatewarden-maps serve, as nobody, its socket for group postfix ----
mkdir -p "$RUN" && chown nobody:postfix "$RUN" && chmod 750 "$RUN"
cat > "$WORK/gw.yaml" <<YAML
dns:
  mode: forward
  forwarders: [127.0.0.1]
  trust_anchor_file: $LAB_TA
  timeout: 5s
mta_sts:
  cache_file: $RUN/sts.db
  lab_ca_file: $LAB_CERTS/ca.pem
sender_groups:
  - name: everyone
    match: any
destinations:
  default: { tls: preferred, dane: opportunistic, mta_sts: true }
  domains:
    nxtlsa.test: { dane: mandatory }
socketmap:
  socket: unix:$RUN/tls-policy.sock
  user: nobody
  group: postfix
YAML
timeout 280 "$MAPS" serve -f -c "$WORK/gw.yaml" 2> "$WORK/serve.err" &
SERVE_PID=$!
i=0
while [ ! -S "$RUN/tls-policy.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$RUN/tls-policy.sock" ] || bail "gatewarden-maps serve starts"

# ---- the private Postfix ----------------------------------------------
mkdir -p "$PF" "$WORK/spool" "$WORK/data"
chown postfix "$WORK/spool" "$WORK/data"
cat > "$PF/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $WORK/spool
data_directory = $WORK/data
mail_owner = postfix
myhostname = gw.lab.test
mydomain = lab.test
mydestination =
inet_interfaces = 127.0.0.2
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
smtp_connect_timeout = 5s
smtp_address_preference = ipv4
smtp_dns_support_level = dnssec
smtp_tls_security_level = may
smtp_tls_loglevel = 1
smtp_tls_CAfile = $LAB_CERTS/ca.pem
smtp_tls_policy_maps = socketmap:unix:$RUN/tls-policy.sock:tls_policy
CF
cat > "$PF/master.cf" <<'CF'
127.0.0.2:2525 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
check "postmap asks the server through socketmap:" \
    "$(su -s /bin/sh postfix -c "postmap -c '$PF' -q d311.test socketmap:unix:$RUN/tls-policy.sock:tls_policy")" \
    "dane-only"
postfix -c "$PF" start > "$WORK/start.out" 2>&1 ||
    { sed 's/^/# /' "$WORK/start.out"; bail "the private Postfix starts"; }

send() {	# send DOMAIN...
	for d in "$@"; do
		timeout 30 swaks --server 127.0.0.2:2525 --from "<>" \
		    --to "user@$d" --h-Subject "to $d" --body "for $d" \
		    >/dev/null 2>&1 || echo "# swaks to $d failed"
	done
}
# status RCPT [N]: the Nth (default first) delivery status logged for RCPT.
status() {
	grep " to=<$1>," "$WORK/maillog" | grep -o 'status=[a-z]*' |
	    sed -n "${2:-1}p" | cut -d= -f2
}
wait_status() {	# wait_status N DOMAIN...: until each has N statuses
	want=$1
	shift
	i=0
	while [ $i -lt 60 ]; do
		pending=0
		for d in "$@"; do
			[ -n "$(status "user@$d" "$want")" ] || pending=1
		done
		[ $pending = 0 ] && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
delivered() {	# delivered DOMAIN DESCRIPTION [N]
	check "$2: delivered" "$(status "user@$1" "${3:-1}") $(test -s "$WORK/mail/user@$1" && echo stored)" \
	    "sent stored"
}
deferred() {	# deferred DOMAIN DESCRIPTION REASON-PATTERN
	s=$(status "user@$1")
	why=$(grep " to=<user@$1>," "$WORK/maillog" | head -1 | grep -c "$3")
	check "$2: deferred ($3)" "$s $why $(test -e "$WORK/mail/user@$1" && echo stored)" \
	    "deferred 1 "
}

DOMAINS="d311.test mismatch.test d2exp.test nxtlsa.test plainx.test nodata.test
    sts-enforce.test sts-testing.test sts-nomatch.test sts-badcert.test
    sts-dane.test live.test"
# shellcheck disable=SC2086
send $DOMAINS
# shellcheck disable=SC2086
wait_status 1 $DOMAINS || echo "# not every delivery was tried in 60 s"

delivered d311.test "DANE (usable TLSA)"
deferred mismatch.test "DANE, the TLSA record does not match" "not verified"
deferred d2exp.test "DANE-TA with an expired leaf" "not verified"
deferred nxtlsa.test "mandatory DANE without TLSA" "TLSA"
deferred plainx.test "only unusable TLSA, no STARTTLS: TLS mandatory" \
    "TLS is required"
delivered nodata.test "no DANE, no MTA-STS: the default level"
delivered sts-enforce.test "MTA-STS enforce: verified by the WebPKI (lab CA)"
check "sts-enforce.test: Postfix verified the MX host's certificate" \
    "$(grep -c 'Verified TLS connection established to mx.sts-enforce.test' "$WORK/maillog" | awk '{ print ($1 >= 1) }')" 1
delivered sts-testing.test "MTA-STS testing: not enforced"
deferred sts-nomatch.test "MTA-STS enforce, an MX host the policy does not name" \
    "not verified\|verification failed"
delivered sts-badcert.test "MTA-STS policy host with an untrusted certificate: no policy"
delivered sts-dane.test "DANE and MTA-STS: DANE wins"
check "sts-dane.test: verified by DANE (TLSA), not by the WebPKI" \
    "$(grep -c 'Verified TLS connection established to mx.d311.test' "$WORK/maillog" | awk '{ print ($1 >= 2) }')" 1
deferred live.test "live.test: its TLSA record does not match yet" "not verified"

# The TLSA record of live.test's MX host now matches: after its TTL (2 s)
# and the server's cached answer (2 s at most), the deferred mail goes.
dnslab_live_update "$(dnslab_spki_sha256 "$LAB_CERTS/ee.pem")" 1 ||
    bail "live.test is updated"
sleep 5
postqueue -c "$PF" -f
wait_status 2 live.test || echo "# live.test was not tried again"
delivered live.test "live.test after the TLSA change, no restart" 2
check "the server logged live.test's answer once (dane-only both times)" \
    "$(grep -c 'domain=live.test action=new' "$WORK/serve.err")" 1
check "the server is still the one started first" \
    "$(kill -0 "$SERVE_PID" && grep -c 'start: version' "$WORK/serve.err")" 1

if [ -n "${GW_TLSRPT_RECORD:-}" ]; then
	cp "$WORK/maillog" "$GW_TLSRPT_RECORD"
fi
if [ "$failed" -ne 0 ]; then
	grep -E 'status=|TLS|warning' "$WORK/maillog" | sed 's/^/# /' | head -60
	sed 's/^/# serve: /' "$WORK/serve.err" | tail -30
fi
echo "1..$n"
[ "$failed" -eq 0 ]
