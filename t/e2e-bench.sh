#!/bin/sh
# e2e-bench: the bench itself, Postfix and the sink without a milter: a
# message is relayed to the sink with its envelope, the reply parser sees
# every phase, deferred mail is retried after reload and flush, and
# stopping leaves no process behind.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 16

bench_sink_start || bail_out "smtp-sink did not start"
bench_postfix_conf "smtpd_milters =" "non_smtpd_milters =" ||
    bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"

printf 'From: alice@sender.test\r\nTo: bob@rcpt.test\r\nSubject: bench\r\n\r\nhello bench' \
    >"$BENCH_WORK/msg.eml"
bench_swaks --from alice@sender.test --to bob@rcpt.test,carol@rcpt.test \
    --data "@$BENCH_WORK/msg.eml"
ok $? "swaks exits 0"
is "$(bench_swaks_reply CONNECT)" 220 "greeting 220"
is "$(bench_swaks_reply MAIL)" 250 "MAIL 250"
is "$(bench_swaks_reply RCPT)" 250 "RCPT 250"
is "$(bench_swaks_reply DATA)" 354 "DATA 354"
is "$(bench_swaks_reply DOT)" 250 "end of data 250"

bench_wait_delivered 1 20
ok $? "the message reached the sink"
f=$(bench_sink_files | head -n 1)
is "$(bench_sink_envelope "$f" | tr '\n' '|')" \
    "MAIL <alice@sender.test>|RCPT <bob@rcpt.test> ORCPT=rfc822;bob@rcpt.test|RCPT <carol@rcpt.test> ORCPT=rfc822;carol@rcpt.test|" \
    "envelope as sent"
is "$(bench_sink_message "$f" | bench_drop_received | tr '\n' '|')" \
    "From: alice@sender.test|To: bob@rcpt.test|Subject: bench||hello bench|" \
    "message after Postfix's Received header as sent"
bench_wait_queue_empty 10
ok $? "the queue is empty"

# Deferred mail: the next hop down, then back, reload and flush.
bench_postfix_conf "relayhost = [127.0.0.1]:$(bench_free_port)" &&
    bench_postfix_reload
bench_swaks --from alice@sender.test --to dave@rcpt.test \
    --data "@$BENCH_WORK/msg.eml"
deferred() { grep -q 'to=<dave@rcpt.test>.*status=deferred' "$BENCH_MAILLOG"; }
bench_wait_for 20 deferred
ok $? "with the next hop down the message is deferred"
is "$(bench_queue_count)" 1 "and stays queued"
bench_postfix_conf "relayhost = [127.0.0.1]:$BENCH_SINK_PORT" &&
    bench_postfix_reload && bench_postfix_flush
ok $? "reload and flush"
bench_wait_delivered 2 20
ok $? "the deferred message reaches the sink after the flush"

mp=$(tr -d ' ' <"$BENCH_PF_QUEUE/pid/master.pid")
bench_postfix_stop
pgrep -g "$mp" >/dev/null
ok $((! $?)) "no Postfix process left in master's group $mp"
sp=$BENCH_SINK_PID
bench_sink_stop
kill -0 "$sp" 2>/dev/null
ok $((! $?)) "the sink stopped"
done_testing
exit $?
