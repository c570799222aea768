#!/bin/sh
# e2e-sender-login: who may have mail signed as legal@example.com, through
# a real Postfix with SMTP AUTH (smtpd_sasl_type = dovecot, answered by
# t/lib/sasl_auth.py, which takes any password and reports the login).
# The sender login map says alice owns legal@example.com. alice's message
# leaves signed with Legal's certificate (openssl cms verifies it);
# mallory, logged in, claiming the same sender is refused with 550 5.7.1
# and nothing is delivered; an internal relay without SMTP AUTH claiming
# it is refused too; mallory's mail as herself is not signed.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 13

APID=
stop_auth() {
	_st=$?
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	APID=
	return $_st
}
trap 'stop_auth; bench_cleanup' EXIT

KEYS=$top_builddir/smime/gatewarden-keys
P=$BENCH_WORK/private
mkdir -p "$P" && chmod 0700 "$P"
"$KEYS" --private-dir "$P" --keystore "$BENCH_WORK/ks.db" create-cert legal \
    --smime --email legal@example.com --days 30 >/dev/null ||
    bail_out "gatewarden-keys could not make Legal's certificate"
printf 'legal@example.com\talice\n' >"$BENCH_WORK/logins"

APORT=$(bench_free_port) || bail_out "no free port"
timeout 300 python3 "$top_srcdir/t/lib/sasl_auth.py" --port "$APORT" \
    --lifetime 280 >"$BENCH_WORK/auth.log" 2>&1 &
APID=$!
bench_wait_listen "$APORT" 10 || bail_out "the SASL stand-in did not start"

cat >"$BENCH_WORK/gw.yaml.in" <<EOC
sender_groups:
  - name: internal
    match: { client_ip: [127.0.0.3], authenticated: true }
    direction: outbound
  - name: internet
    match: any
smime:
  keystore: $BENCH_WORK/ks.db
  private_dir: $P
  sender_login_map: $BENCH_WORK/logins
  certificates:
    - { name: legal, certificate: $P/legal.crt, key: $P/legal.key }
  sending_profiles:
    - { name: sign-only, mode: sign, signing_certificate: legal }
  sending_rules:
    - name: legal-signs
      match: { sender: [legal@example.com] }
      profile: sign-only
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_conf \
    "smtpd_sasl_auth_enable = yes" \
    "smtpd_sasl_type = dovecot" \
    "smtpd_sasl_path = inet:127.0.0.1:$APORT" \
    "smtpd_relay_restrictions = permit_sasl_authenticated, permit_mynetworks, reject" ||
    bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"

MSG=$BENCH_WORK/msg.eml
send() {	# send FROM SUBJECT [swaks options...]
	printf 'From: %s\r\nTo: bob@partner.test\r\nSubject: %s\r\nContent-Type: text/plain\r\n\r\nWe agree to everything.\r\n' \
	    "$1" "$2" >"$MSG"
	_from=$1
	shift 2
	bench_swaks --from "$_from" --to bob@partner.test --data "@$MSG" "$@" \
	    >/dev/null
}
delivered() {	# the delivered message with this subject
	for f in $(bench_sink_files); do
		if bench_sink_message "$f" | grep -q "^Subject: $1\$"; then
			bench_sink_message "$f"
			return
		fi
	done
}

# 1. alice owns legal@: signed
send legal@example.com "from alice" --auth PLAIN --auth-user alice \
    --auth-password any
is "$(bench_swaks_reply AUTH)" 235 "alice authenticates"
is "$(bench_swaks_reply DOT)" 250 "alice as legal@: accepted"
bench_wait_delivered 1 30
delivered "from alice" >"$BENCH_WORK/signed.eml"
like "$(grep -i '^Content-Type:' "$BENCH_WORK/signed.eml" | head -1)" \
    'multipart/signed' "alice's message left signed"
openssl cms -verify -in "$BENCH_WORK/signed.eml" -CAfile "$P/legal.crt" \
    -out /dev/null 2>"$BENCH_WORK/verify.err"
ok $? "openssl cms verifies Legal's signature"

# 2. mallory logs in and claims legal@: refused after the data
send legal@example.com "from mallory" --auth PLAIN --auth-user mallory \
    --auth-password any
is "$(bench_swaks_reply AUTH)" 235 "mallory authenticates"
is "$(bench_swaks_reply DOT)" 550 "mallory as legal@: refused"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 sender address not owned by authenticated user' \
    "the reply says why"

# 3. an internal relay without SMTP AUTH forwards mail "from" legal@
send legal@example.com "forwarded" --local-interface 127.0.0.3
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 sender address needs SMTP AUTH by its owner' \
    "an internal relay without AUTH claiming legal@: refused"

# 4. mallory as herself: no rule, delivered unsigned
send mallory@example.com "mallory herself" --auth PLAIN --auth-user mallory \
    --auth-password any
is "$(bench_swaks_reply DOT)" 250 "mallory as herself: accepted"
bench_wait_delivered 2 30
unlike "$(delivered "mallory herself" | grep -i '^Content-Type:')" 'signed' \
    "and not signed"

bench_wait_queue_empty 10
is "$(bench_sink_count)" 2 "only alice's and mallory's own messages arrived"
like "$(cat "$BENCH_GW_LOG")" \
    'smime=refused rule=legal-signs sender=<legal@example\.com> login=mallory sender_login=not-owner action=reject code=550 dsn=5\.7\.1' \
    "the refusal is one log line naming rule, sender and login"
bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?
