#!/bin/sh
# e2e-revocation-faults: what a revocation answer that cannot be trusted
# does to mail through a private Postfix, outbound (encrypting to alice,
# whose certificate is good) and inbound (a message alice signed), with
# the revocation lab of t/lib/revlab.sh:
#   - a responder the CA never authorised (signed by a rogue key),
#   - an answer altered on the way (its signature no longer covers it),
#   - an answer replayed (the nonce is not the one sent),
#   - a stale CRL (nextUpdate passed) under mode crl,
# each makes the status unknown: the message waits (451, on_unknown:
# tempfail), both ways, never encrypted to nor passed on trust; and
#   - a revoked intermediate (the responder of the root says so): the
#     recipient's certificate counts as missing (the profile bounces),
#     and a signature through it fails.
# gatewarden starts afresh for each case (cache: memory), so that no
# answer of an earlier case is used.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/revlab.sh"
. "$top_srcdir/t/lib/revgw.sh"

bench_init
trap '_s=$?; revlab_stop; (exit $_s); bench_cleanup' EXIT
plan 26

revlab_init "$BENCH_WORK/lab" || bail_out "the revocation lab did not start"
KEYS=$top_builddir/smime/gatewarden-keys
STORE=$BENCH_WORK/keystore.db	# as revgw_config names it
mkdir -p "$BENCH_WORK/private" && chmod 0700 "$BENCH_WORK/private"

# gina: issued by the revoked intermediate; her caIssuers URL gives it,
# and she names no responder nor CRL of her own, so the intermediate's
# revocation (root's responder) is all there is to find.
# (bad-int's own copy of the v3_noaia section, which gets an RSA key, is
# changed to that)
awk '/^\[ /	{ sect = $2 }
sect == "v3_noaia" && /^crlDistributionPoints/ { next }
sect == "v3_noaia" { sub(/\/int\.der$/, "/bad-int.der") }
{ print }' "$RL/bad-int/ca.cnf" >"$RL/bad-int/ca.cnf.new" &&
    mv "$RL/bad-int/ca.cnf.new" "$RL/bad-int/ca.cnf"
_rl_issue bad-int gina gina v3_noaia || bail_out "no certificate for gina"
openssl x509 -in "$RL/bad-int.crt" -outform DER -out "$RL/www/bad-int.der" ||
    bail_out "bad-int.der"
for n in alice erin gina; do
	"$KEYS" --private-dir "$BENCH_WORK/private" --keystore "$STORE" \
	    pubkey add $n "$RL/$n.crt" >/dev/null ||
	    bail_out "gatewarden-keys pubkey add $n failed"
done

# config NAME MODE [RESPONDER]: $BENCH_WORK/NAME.yaml.in
config() {
	revgw_config "$2" tempfail "${3:-}" >"$BENCH_WORK/$1.yaml.in"
}

# signed NAME CHAIN: $BENCH_WORK/signed-NAME.eml, signed by NAME with the
# intermediate CHAIN in the message
signed() {
	printf 'Content-Type: text/plain\r\n\r\nSigned by %s.\r\n' "$1" |
	    openssl cms -sign -signer "$RL/$1.crt" -inkey "$RL/$1.key" \
	    -certfile "$RL/$2.crt" -from "$1@rev.test" -to rcpt@example.test \
	    -subject "signed by $1" -out "$BENCH_WORK/signed-$1.eml"
}
signed alice int && signed erin int && signed gina bad-int ||
    bail_out "openssl cms -sign failed"

bench_sink_start || bail_out "smtp-sink did not start"
config plain ocsp
bench_gatewarden_start "$BENCH_WORK/plain.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

restart() {	# restart NAME MODE [RESPONDER]: gatewarden on a new config
	bench_gatewarden_stop
	config "$@"
	bench_gatewarden_start "$BENCH_WORK/$1.yaml.in" ||
	    bail_out "gatewarden ($1) did not start"
}
# both CASE LOG-PATTERN: alice's outgoing and incoming messages wait
both() {
	revgw_send alice@rev.test "for alice, $1"
	is "$(bench_swaks_reply DOT)" 451 "$1: outgoing to alice tempfailed"
	revgw_receive alice
	is "$(bench_swaks_reply DOT)" 451 "$1: incoming signed by alice tempfailed"
	like "$(cat "$BENCH_GW_LOG")" "$2" "$1: the log says why"
}

# 0. the lab as it is: the same messages go through
revgw_send alice@rev.test "for alice, lab as is"
is "$(bench_swaks_reply DOT)" 250 "lab as is: outgoing to alice accepted"
revgw_receive alice
is "$(bench_swaks_reply DOT)" 250 "lab as is: incoming signed by alice accepted"
bench_wait_delivered 2 30
is "$(bench_sink_count)" 2 "lab as is: both delivered"

# 1. a responder the CA never authorised
revlab_ocsp_restart -rsigner "$RL/rogue.crt" -rkey "$RL/rogue.key"
restart rogue ocsp
both "unauthorised responder" \
    'not signed by the issuer or a responder it authorised'
revlab_ocsp_restart

# 2. the answer altered on the way
revlab_proxy_start tamper TAMPER
restart tamper ocsp "http://127.0.0.1:$TAMPER/"
both "altered answer" 'not signed by the issuer'

# 3. an answer replayed: the proxy answers every request with the first
# answer it got, whose nonce is another request's
revlab_proxy_start replay REPLAY
restart replay ocsp "http://127.0.0.1:$REPLAY/"
revgw_send alice@rev.test "for alice, priming the replay"
restart replay ocsp "http://127.0.0.1:$REPLAY/"
both "replayed answer" 'nonce is not the one sent'

# 4. a stale CRL under mode crl (erin names only a CRL)
revlab_stale_crl
restart stale crl
revgw_send erin@rev.test "for erin, stale CRL"
is "$(bench_swaks_reply DOT)" 451 "stale CRL: outgoing to erin tempfailed"
revgw_receive erin
is "$(bench_swaks_reply DOT)" 451 "stale CRL: incoming signed by erin tempfailed"
like "$(cat "$BENCH_GW_LOG")" 'CRL is stale' "stale CRL: the log says why"
revlab_fresh_crl
restart fresh crl
revgw_send erin@rev.test "for erin, fresh CRL"
is "$(bench_swaks_reply DOT)" 250 "fresh CRL again: outgoing to erin accepted"
revgw_receive erin
is "$(bench_swaks_reply DOT)" 250 "fresh CRL again: incoming signed by erin accepted"

# 5. a revoked intermediate: gina's certificate counts as missing, her
# signature fails
restart badint ocsp
revgw_send gina@rev.test "for gina"
is "$(bench_swaks_reply DOT)" 554 "revoked intermediate: outgoing to gina refused as missing"
like "$(cat "$BENCH_GW_LOG")" 'smime=no_usable_key rcpt=gina@rev.test reason=revoked' \
    "revoked intermediate: outgoing logged as revoked"
revgw_receive gina
is "$(bench_swaks_reply DOT)" 250 "revoked intermediate: incoming accepted (on_failure tag)"
bench_wait_delivered 5 30
for _f in $(bench_sink_files); do
	grep -q '^Subject: signed by gina' "$_f" && gina_msg=$_f
done
like "$(sed -n '/^Authentication-Results:/,/^[^ \t]/p' "${gina_msg:-/dev/null}")" \
    'smime=fail .*certificate revoked' \
    "revoked intermediate: incoming smime=fail, certificate revoked"
like "$(cat "$BENCH_GW_LOG")" 'smime_in=fail .*cACompromise' \
    "revoked intermediate: incoming logged with the intermediate's reason"

# Nothing that waited or was refused reached the sink: alice's two of
# the lab as is, erin's two after the fresh CRL, gina's signed one.
is "$(bench_sink_count)" 5 "only the five accepted messages were delivered"
unlike "$(cat $(bench_sink_files) 2>/dev/null)" 'Secret text' \
    "no outgoing message left in clear"
bench_gatewarden_stop
ok $? "gatewarden stops cleanly"
unlike "$(cat "$BENCH_GW_LOG")" 'runtime error|AddressSanitizer|LeakSanitizer' \
    "no sanitizer report in its log"
done_testing
exit $?
