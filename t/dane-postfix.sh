#!/bin/sh
# dane-postfix.sh - the end-to-end DANE case: a private Postfix, using the
# maps gatewarden-maps wrote (and put in place with --apply), delivers for
# real to STARTTLS sinks through the DNSSEC lab, inside a private network
# and mount namespace (unshare): there the lab's validating unbound can
# listen on 127.0.0.1:53 for the C library's resolver (/etc/resolv.conf is
# bind-mounted in the namespace only), and the sink on port 25, without
# touching the host's ports or files. Asserted: delivered or deferred,
# with which reason, per destination. Three sinks: the DANE one on
# 127.0.0.1:25, one without STARTTLS on 127.0.0.3 and one speaking TLS 1.2
# at most on 127.0.0.5; nothing listens on 127.0.0.4 (a primary MX host
# that is down).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PATH=$PATH:/usr/sbin:/sbin

if [ -z "${GW_DANE_NETNS:-}" ]; then
	for tool in unshare nsd unbound ldns-signzone drill python3 postfix \
	    postmap swaks ip mount; do
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
cleanup() {
	postfix -c "$PF" stop >/dev/null 2>&1
	# BENCH_RECORD=FILE keeps the mail log (t/report/'s fixtures).
	[ -n "${BENCH_RECORD:-}" ] && cp "$WORK/maillog" "$BENCH_RECORD"
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

LAB_UNBOUND_PORT=53
dnslab_start "$WORK/lab" || bail "the DNSSEC lab starts"
mkdir -p "$WORK/mail"
dnslab_sink --port 25 --maildir "$WORK/mail" || bail "the sink starts on :25"
# The MX host of plainx.test offers no STARTTLS; that of tls13.test speaks
# TLS 1.2 at most.
dnslab_sink_start plain --address 127.0.0.3 --port 25 --no-starttls \
    --maildir "$WORK/mail" || bail "the sink without STARTTLS starts"
dnslab_sink_start tls12 --address 127.0.0.5 --port 25 --max-tls 1.2 \
    --maildir "$WORK/mail" || bail "the TLS 1.2 sink starts"
# The C library's resolver, for Postfix: the lab's unbound, with the AD
# bit trusted (glibc strips it otherwise).
printf 'nameserver 127.0.0.1\noptions trust-ad\n' > "$WORK/resolv.conf"
mount --bind "$WORK/resolv.conf" /etc/resolv.conf || bail "resolv.conf"

# ---- gatewarden-maps --------------------------------------------------
{
	echo "dns:"
	echo "  mode: forward"
	echo "  forwarders: [127.0.0.1]"
	echo "  trust_anchor_file: $LAB_TA"
	echo "  timeout: 5s"
	echo "trust:"
	echo "  system_ca_file: $LAB_CERTS/ca.pem"
	echo "sender_groups:"
	echo "  - name: everyone"
	echo "    match: any"
	echo "destinations:"
	echo "  default: { tls: preferred, dane: opportunistic }"
	echo "  domains:"
	for d in d311 d3exp d201 mismatch d2exp d2name nodata plainx backup \
	    backupbad; do
		echo "    $d.test: { dane: opportunistic }"
	done
	for d in nxtlsa bogusmx mixed rollover; do
		echo "    $d.test: { dane: mandatory }"
	done
	echo "    insmx.unsigned.test: { dane: opportunistic }"
	echo "    tls13.test: { tls: required, dane: mandatory, min_tls_version: TLSv1.3 }"
} > "$WORK/gw.yaml"

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

timeout 120 "$MAPS" -c "$WORK/gw.yaml" -o "$WORK/maps" --no-alert --apply \
    --postfix-config "$PF" > "$WORK/maps.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/maps.out" | grep -v '^#   ' | head -40
check "gatewarden-maps --apply: exit 1 (bogusmx.test cannot be served)" "$rc" 1
check "the gatewarden-dane service is in master.cf" \
    "$(postconf -c "$PF" -P gatewarden-dane/unix/smtp_dns_support_level)" \
    "gatewarden-dane/unix/smtp_dns_support_level = dnssec"

postfix -c "$PF" start > "$WORK/start.out" 2>&1 ||
    { sed 's/^/# /' "$WORK/start.out"; bail "the private Postfix starts"; }

DOMAINS="d311 d3exp d201 mismatch d2exp d2name nodata nxtlsa bogusmx mixed
    rollover insmx.unsigned plainx backup backupbad tls13"
for d in $DOMAINS; do
	timeout 30 swaks --server 127.0.0.2:2525 --from "<>" \
	    --to "user@$d.test" --h-Subject "to $d" --body "for $d" \
	    >/dev/null 2>&1 || echo "# swaks to $d.test failed"
done

# status RCPT: the first delivery status Postfix logged for RCPT.
status() {
	grep " to=<$1>," "$WORK/maillog" | grep -o 'status=[a-z]*' | head -1 |
	    cut -d= -f2
}
i=0
while [ $i -lt 60 ]; do
	pending=0
	for d in $DOMAINS; do
		[ -n "$(status "user@$d.test")" ] || pending=1
	done
	[ $pending = 0 ] && break
	sleep 1
	i=$((i + 1))
done

delivered() {	# delivered DOMAIN DESCRIPTION
	check "$2: delivered" "$(status "user@$1") $(test -s "$WORK/mail/user@$1" && echo stored)" \
	    "sent stored"
}
deferred() {	# deferred DOMAIN DESCRIPTION REASON-PATTERN
	s=$(status "user@$1")
	why=$(grep " to=<user@$1>," "$WORK/maillog" | head -1 | grep -c "$3")
	check "$2: deferred ($3)" "$s $why $(test -e "$WORK/mail/user@$1" && echo stored)" \
	    "deferred 1 "
}
delivered d311.test "3 1 1"
delivered d3exp.test "3 1 1 with an expired leaf"
delivered d201.test "2 0 1 with the MX host name"
delivered rollover.test "rollover, one of two TLSA records matches"
delivered mixed.test "mandatory, mixed MX set, through the DANE host"
delivered nodata.test "opportunistic without TLSA: plain TLS"
delivered insmx.unsigned.test "opportunistic, insecure MX to a DANE host: the entry's level"
deferred mismatch.test "usable TLSA, no match" "not verified"
deferred d2exp.test "2 0 1 with an expired leaf" "not verified"
deferred d2name.test "2 0 1 naming another host" "not verified"
deferred nxtlsa.test "mandatory without TLSA" "TLSA"
deferred bogusmx.test "bogus MX host" "dnssec\|DNSSEC\|TLSA\|not found\|lookup"
deferred plainx.test "opportunistic, only unusable TLSA, no STARTTLS: TLS mandatory" \
    "TLS is required"
delivered backup.test "opportunistic, primary down without TLSA, DANE backup"
check "backup.test: through the backup MX host" \
    "$(grep ' to=<user@backup.test>,' "$WORK/maillog" | grep -c 'relay=mx.d311.test.*status=sent')" 1
deferred backupbad.test "opportunistic, primary down without TLSA, backup TLSA not matching" \
    "not verified"
deferred tls13.test "dane-only with min_tls_version TLSv1.3 to a TLS 1.2 server" \
    "handshake"
check "Postfix logged the DANE verification of mx.d311.test" \
    "$(grep -q 'Verified TLS connection established to mx.d311.test' "$WORK/maillog" && echo yes)" yes

if [ "$failed" -ne 0 ]; then
	grep -E 'status=|TLS|warning' "$WORK/maillog" | sed 's/^/# /' | head -60
fi
echo "1..$n"
[ "$failed" -eq 0 ]
