#!/bin/sh
# e2e-tempfail: with gatewarden stopped (its socket gone) and Postfix's
# milter_default_action = tempfail, a client gets a 4xx and nothing is
# queued or delivered; once gatewarden is back the same message is
# delivered, which shows the 4xx came from the missing milter.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 11

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$top_srcdir/t/e2e/foundation.yaml" ||
    bail_out "gatewarden did not start"
bench_postfix_conf "milter_default_action = tempfail" ||
    bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"

bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM"
[ ! -e "$BENCH_GW_SOCK" ]
ok $? "its socket is gone"

printf 'From: alice@sender.test\r\nTo: bob@rcpt.test\r\nSubject: tempfail\r\n\r\nretry me' \
    >"$BENCH_WORK/sent.eml"
bench_swaks --from alice@sender.test --to bob@rcpt.test \
    --data "@$BENCH_WORK/sent.eml"
isnt "$?" 0 "swaks reports a failure"
# Postfix answers for the unreachable milter at the first command it
# filters; whichever that is, the answer must be temporary.
first=$(for p in MAIL RCPT DATA DOT; do bench_swaks_reply "$p"; done |
    grep -v '^[23]' | head -n 1)
like "$first" '^4[0-9][0-9]$' "the first refusal is a 4xx" ||
    diag_file "$BENCH_SWAKS_LOG" 30
is "$(bench_swaks_reply DOT)" "" "the message was never accepted"
sleep 2
is "$(bench_sink_count)" 0 "nothing reached the sink"
is "$(bench_queue_count)" 0 "nothing is queued"
like "$(cat "$BENCH_MAILLOG")" "milter unix:$BENCH_WORK/gatewarden.sock: can't connect|gatewarden.sock.*(No such file|connect)" \
    "Postfix logged the unreachable milter"

bench_gatewarden_start "$top_srcdir/t/e2e/foundation.yaml" ||
    bail_out "gatewarden did not restart"
bench_swaks --from alice@sender.test --to bob@rcpt.test \
    --data "@$BENCH_WORK/sent.eml"
is "$(bench_swaks_reply DOT)" 250 "with gatewarden back: 250"
bench_wait_delivered 1
ok $? "and the message is delivered"
is "$(bench_sink_count)" 1 "exactly once: the refused attempt left no copy"
done_testing
exit $?
