#!/bin/sh
# e2e-revocation: outbound encryption through a private Postfix
# (t/lib/bench.sh) to recipients whose certificates the revocation lab's
# CA issued (t/lib/revlab.sh, its OCSP responder on 127.0.0.1): a good
# certificate is encrypted to; a revoked one is treated as missing (the
# profile bounces, the log says revoked); one the responder does not know
# tempfails the message (on_unknown: tempfail, the default), and so does a
# good one while the responder is down, before any answer was cached;
# the answers cached before it went down still serve.
# The keys are added without their intermediate, which the milter gets
# from their AIA caIssuers URL.
# Incoming S/MIME (smime_inbound) checks the signers' chains the same
# way: a good signer passes, a revoked one fails ("certificate revoked"
# in Authentication-Results), one the responder does not know tempfails
# the message (never a pass), and passes with a warning logged under
# on_unknown: accept.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/revlab.sh"
. "$top_srcdir/t/lib/revgw.sh"

bench_init
trap '_s=$?; revlab_stop; (exit $_s); bench_cleanup' EXIT
plan 27

revlab_init "$BENCH_WORK/lab" || bail_out "the revocation lab did not start"
KEYS=$top_builddir/smime/gatewarden-keys
STORE=$BENCH_WORK/keystore.db
mkdir -p "$BENCH_WORK/private" && chmod 0700 "$BENCH_WORK/private"
_rl_issue int frank frank v3_leaf || bail_out "no certificate for frank"
for n in alice bob dave frank; do
	"$KEYS" --private-dir "$BENCH_WORK/private" --keystore "$STORE" \
	    pubkey add $n "$RL/$n.crt" >/dev/null ||
	    bail_out "gatewarden-keys pubkey add $n failed"
done

revgw_config ocsp tempfail >"$BENCH_WORK/gw-tempfail.yaml.in"
revgw_config ocsp accept >"$BENCH_WORK/gw-accept.yaml.in"

# signed NAME: $BENCH_WORK/signed-NAME.eml, from NAME@rev.test, signed
# (detached, openssl cms) with NAME's certificate, its intermediate in it
for n in alice signer dave; do
	printf 'Content-Type: text/plain\r\n\r\nSigned by %s.\r\n' $n |
	    openssl cms -sign -signer "$RL/$n.crt" -inkey "$RL/$n.key" \
	    -certfile "$RL/int.crt" -from $n@rev.test -to rcpt@example.test \
	    -subject "signed by $n" -out "$BENCH_WORK/signed-$n.eml" ||
	    bail_out "openssl cms -sign as $n failed"
done

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw-tempfail.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

fpr() {		# fpr NAME: the SHA-256 fingerprint as the log writes it
	openssl x509 -in "$RL/$1.crt" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# 1. good: encrypted, the intermediate fetched from caIssuers
revgw_send alice@rev.test "for alice"
is "$(bench_swaks_reply DOT)" 250 "good: accepted"
bench_wait_delivered 1 30
f=$(bench_sink_files | head -n 1)
like "$(bench_sink_message "$f" | grep -i '^Content-Type:')" \
    'application/pkcs7-mime; .*smime-type=enveloped-data' "good: encrypted"
unlike "$(bench_sink_message "$f")" 'Secret text' "good: no clear text"
like "$(cat "$RL/http.log")" '"GET /int\.der ' \
    "good: the intermediate came from the caIssuers URL"

# 2. revoked: as missing, so the strict profile bounces
revgw_send bob@rev.test "for bob"
is "$(bench_swaks_reply DOT)" 554 "revoked: refused as missing"
like "$(cat "$BENCH_SWAKS_LOG")" '554 5\.7\.1 .*bob@rev\.test' \
    "revoked: the reply names bob"
like "$(cat "$BENCH_GW_LOG")" "smime=no_usable_key rcpt=bob@rev.test reason=revoked fingerprint=$(fpr bob) " \
    "revoked: logged with the fingerprint"

# 3. unknown to the responder: tempfail, never encrypted nor clear
revgw_send dave@rev.test "for dave"
is "$(bench_swaks_reply DOT)" 451 "unknown: tempfailed"
like "$(cat "$BENCH_GW_LOG")" 'smime=error action=tempfail reason=.*dave@rev\.test.*does not know the certificate' \
    "unknown: logged with the recipient and why"

# 4. incoming, signed: good passes, revoked fails, unknown waits
revgw_receive alice
is "$(bench_swaks_reply DOT)" 250 "incoming, good signer: accepted"
revgw_receive signer
is "$(bench_swaks_reply DOT)" 250 "incoming, revoked signer: accepted (on_failure tag)"
bench_wait_delivered 3 30
like "$(revgw_delivered "signed by alice" | grep '^Authentication-Results:')" \
    'smime=pass' "incoming, good signer: smime=pass"
like "$(revgw_delivered "signed by signer" | sed -n '/^Authentication-Results:/,/^[^ \t]/p')" \
    'smime=fail .*certificate revoked' \
    "incoming, revoked signer: smime=fail, certificate revoked"
like "$(cat "$BENCH_GW_LOG")" 'smime_in=pass .*signer=alice@rev\.test.* revocation=good revocation_source=ocsp' \
    "incoming, good signer: the revocation answer logged"
like "$(cat "$BENCH_GW_LOG")" 'smime_in=fail .*reason="certificate revoked: .*keyCompromise.* revocation=revoked revocation_source=ocsp' \
    "incoming, revoked signer: logged with the reason"
revgw_receive dave
is "$(bench_swaks_reply DOT)" 451 "incoming, signer unknown to the responder: tempfailed"
like "$(cat "$BENCH_GW_LOG")" 'smime_in=error action=tempfail reason="revocation status unknown \(on_unknown: tempfail\): .*does not know the certificate' \
    "incoming, unknown: logged why"

# 5. the responder down: frank's status, never asked before, cannot be
# found; alice's answer is cached, so she is still encrypted to
revlab_ocsp_stop
revgw_send frank@rev.test "for frank"
is "$(bench_swaks_reply DOT)" 451 "responder down: tempfailed"
revgw_send alice@rev.test "alice again"
is "$(bench_swaks_reply DOT)" 250 "responder down, answer cached: accepted"
bench_wait_delivered 4 30
is "$(bench_sink_count)" 4 "only alice's two messages and two incoming were delivered"

# 6. on_unknown: accept: dave's status cannot be found (responder down),
# his message passes, with a warning each time
bench_gatewarden_stop
ok $? "gatewarden (on_unknown: tempfail) stops cleanly"
unlike "$(cat "$BENCH_GW_LOG")" 'runtime error|AddressSanitizer|LeakSanitizer' \
    "no sanitizer report in its log"
bench_gatewarden_start "$BENCH_WORK/gw-accept.yaml.in" ||
    bail_out "gatewarden (on_unknown: accept) did not start"
revgw_receive dave
is "$(bench_swaks_reply DOT)" 250 "on_unknown accept, unknown signer: accepted"
bench_wait_delivered 5 30
like "$(revgw_delivered "signed by dave" | grep '^Authentication-Results:')" \
    'smime=pass' "on_unknown accept, unknown signer: smime=pass"
like "$(cat "$BENCH_GW_LOG")" 'smime_in=revocation_unknown action=accept reason=' \
    "on_unknown accept: a warning logged"

bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
unlike "$(cat "$BENCH_GW_LOG")" 'runtime error|AddressSanitizer|LeakSanitizer' \
    "no sanitizer report in the log"
done_testing
exit $?
