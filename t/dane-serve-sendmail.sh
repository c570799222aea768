#!/bin/sh
# dane-serve-sendmail.sh - Debian's Sendmail (unpacked by t/lib/sendmail.sh)
# asking gatewarden-maps serve through a socket map, hooked up as the
# README's "Sendmail: the socket map" says: the access map is a sequence
# of the site's own access file and the tls_access socket map. Sendmail
# has no DANE: what it can enforce is a TLS_Rcpt: requirement (ENCR:128
# where DANE or RFC 7672 asks for TLS, VERIFY:128 for verify levels and
# MTA-STS enforce). Asserted with Sendmail's own address test mode (-bt)
# over its real rulesets: the map look-ups (through the sequence, the
# site's own entry first), and Sendmail's tls_rcpt verdict with and
# without TLS, with an unverified and a verified certificate, for no
# policy, and a temporary failure when the server answers TEMP.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/sendmail.sh"
. "$top_srcdir/t/lib/dnslab.sh"

MAPS=$top_builddir/dane/gatewarden-maps
for tool in nsd unbound ldns-keygen ldns-signzone drill; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
	    skip_all "$tool not installed"
done
bench_init
sendmail_init
W=$BENCH_WORK
SERVE_PID=
cleanup() {
	_st=$?
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "$SERVE_PID" ] && wait "$SERVE_PID" 2>/dev/null
	dnslab_stop
	(exit "$_st")
	sendmail_cleanup
}
trap cleanup EXIT

dnslab_start "$W/lab" || bail_out "the DNSSEC lab does not start"
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
  domains:
    partner.test: { tls: required-verify, dane: none }
    plain.test: { tls: no, dane: none }
socketmap:
  socket: unix:$W/tls-policy.sock
YAML
timeout 280 "$MAPS" serve -f -c "$W/gw.yaml" 2> "$W/serve.err" &
SERVE_PID=$!
i=0
while [ ! -S "$W/tls-policy.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$W/tls-policy.sock" ] || bail_out "gatewarden-maps serve does not start"

sendmail_mc "LOCAL_CONFIG" \
    "Kaccess_file hash -T<TMPF> -o $W/access" \
    "Ktls_access socket -T<TMPF> unix:$W/tls-policy.sock" \
    "FEATURE(\`access_db', \`sequence access_file tls_access')dnl"
# The bench's sendmail.cf (no daemon: -bt only, the milter never asked).
BENCH_SINK_PORT=25
sendmail_cf "$W/no-milter.sock" || bail_out "sendmail.cf"
# The site's own access file (a hash map made by Sendmail's makemap)
# with one TLS_Rcpt entry of its own, then the socket map behind it.
printf 'TLS_Rcpt:own.test\tENCR:256\n' > "$W/access"
LD_LIBRARY_PATH=$SM_LIBDIR "$SM_ROOT/usr/libexec/sendmail/makemap" -C "$SM_CF" hash "$W/access" \
    < "$W/access" 2> "$W/makemap.err" || {
	diag_file "$W/makemap.err"
	bail_out "makemap hash access"
}

# bt INPUT: Sendmail's address test mode on INPUT, in its namespaces.
bt() {
	printf '%s\n' "$1" > "$W/bt.in"
	(cd "$SM_DIR" && timeout 60 unshare --uts --mount sh -c "
	    hostname $SM_HOSTNAME
	    mount --bind '$SM_DIR/hosts' /etc/hosts
	    mount --bind '$SM_DIR/nsswitch.conf' /etc/nsswitch.conf
	    LD_LIBRARY_PATH='$SM_LIBDIR' exec '$SM_ROOT/usr/libexec/sendmail/sendmail' \
	        -bt -C '$SM_CF' < '$W/bt.in'") 2>&1
}
# map KEY: what Sendmail's access map (the sequence) returns for KEY.
map() {
	bt "/map access $1" | sed -n 's/.*map_lookup: access ([^)]*) //p'
}
# verdict ADDRESS [MACROS]: what Sendmail's tls_rcpt ruleset returns for
# ADDRESS with the TLS macros given (".D{verify}OK" ...).
verdict() {
	bt "$(printf '%s\n' "${2:-}" | tr ' ' '\n')
tls_rcpt $1" | sed -n 's/^tls_rcpt *returns: //p' | tr -d ' '
}

is "$(map TLS_Rcpt:d311.test)" "returns ENCR:128 (0)" \
    "d311.test (usable TLSA): Sendmail gets ENCR:128 from the socket map"
is "$(map TLS_Rcpt:partner.test)" "returns VERIFY:128 (0)" \
    "partner.test (required-verify): VERIFY:128"
is "$(map TLS_Rcpt:plainx.test)" "returns ENCR:128 (0)" \
    "plainx.test (only unusable TLSA): TLS mandatory, ENCR:128"
is "$(map TLS_Rcpt:nodata.test)" "no match (68)" \
    "nodata.test (no DANE): no entry, Sendmail's own default"
is "$(map Try_TLS:plain.test)" "returns NO (0)" \
    "plain.test (tls: no): Try_TLS NO"
is "$(map TLS_Rcpt:own.test)" "returns ENCR:256 (0)" \
    "the site's own access entry comes first in the sequence"
is "$(map Connect:192.0.2.1)" "no match (68)" \
    "other access keys: not the socket map's"
is "$(map TLS_Rcpt:sf.test)" "no match (75)" \
    "sf.test (DNS failure): the server's TEMP is Sendmail's temporary failure (75)"

is "$(verdict user@d311.test)" \
    '$#error$@4.7.0$:454"encryptiontooweak"0"lessthan"128' \
    "tls_rcpt: no TLS to a DANE domain is refused (4.7.0)"
is "$(verdict user@d311.test '.D{cipher_bits}256 .D{verify}NO')" OK \
    "tls_rcpt: encrypted, certificate not verified: accepted (Sendmail cannot check TLSA)"
is "$(verdict user@partner.test '.D{cipher_bits}256 .D{verify}NO')" \
    '$#error$@4.7.0$:454"notauthenticated"' \
    "tls_rcpt: VERIFY:128 refuses an unverified certificate"
is "$(verdict user@partner.test '.D{cipher_bits}256 .D{verify}OK')" OK \
    "tls_rcpt: VERIFY:128 accepts a verified one"
is "$(verdict user@nodata.test)" OK "tls_rcpt: no policy, no requirement"
like "$(bt 'tls_rcpt user@sf.test' | grep -c 'Ruleset tls_rcpt .* status 75')" '^1$' \
    "tls_rcpt: a TEMP answer makes the ruleset fail temporarily"
is "$(grep -c 'domain=test action' "$W/serve.err")" 0 \
    "Sendmail's look-up of the top-level domain is not looked up in DNS"

done_testing
exit $?
