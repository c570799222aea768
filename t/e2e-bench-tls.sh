#!/bin/sh
# e2e-bench-tls: the bench's STARTTLS sink (bench_sink_start --tls, for the
# TLS features): Postfix with smtp_tls_security_level = encrypt delivers
# to it over TLS, the dump records the TLS protocol and cipher and the
# message as sent; a client that skips STARTTLS gets 530 (--require-tls).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 8

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sink.gatewarden.test \
    -keyout "$BENCH_WORK/sink.key" -out "$BENCH_WORK/sink.pem" \
    >"$BENCH_WORK/openssl.log" 2>&1 || bail_out "openssl req failed"
bench_sink_start --tls "$BENCH_WORK/sink" --require-tls ||
    bail_out "the TLS sink did not start"
bench_postfix_conf "smtpd_milters =" "non_smtpd_milters =" \
    "smtp_tls_security_level = encrypt" "smtp_tls_loglevel = 1" ||
    bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"

printf 'From: alice@sender.test\r\nTo: bob@rcpt.test\r\nSubject: tls\r\n\r\n.dot\r\nover TLS' \
    >"$BENCH_WORK/sent.eml"
bench_swaks --from alice@sender.test --to bob@rcpt.test \
    --data "@$BENCH_WORK/sent.eml"
is "$(bench_swaks_reply DOT)" 250 "Postfix accepts the message"
bench_wait_delivered 1
ok $? "the TLS sink received it"
f=$(bench_sink_files | head -n 1)
like "$(grep '^X-TLS-Protocol: ' "$f")" "^X-TLS-Protocol: TLSv1\.[23]$" \
    "the dump records the TLS protocol"
like "$(grep '^X-TLS-Cipher: ' "$f")" "^X-TLS-Cipher: [A-Z0-9_-]+$" \
    "and the cipher"
is "$(bench_sink_envelope "$f" | tr '\n' '|')" \
    "MAIL <alice@sender.test>|RCPT <bob@rcpt.test>|" \
    "the envelope as Postfix sent it"
is "$(bench_sink_message "$f" | bench_drop_received | tr '\n' '|')" \
    "From: alice@sender.test|To: bob@rcpt.test|Subject: tls||.dot|over TLS|" \
    "the message as sent"
like "$(cat "$BENCH_MAILLOG")" "TLS connection established to 127\.0\.0\.1" \
    "Postfix logged the TLS connection"

# Straight to the sink, without STARTTLS.
BENCH_PF_PORT=$BENCH_SINK_PORT bench_swaks --from a@sender.test --to b@rcpt.test \
    --data "@$BENCH_WORK/sent.eml"
is "$(bench_swaks_reply MAIL)" 530 "--require-tls: MAIL without STARTTLS gets 530"
done_testing
exit $?
