#!/bin/sh
# e2e-spool: a 20 MB message, well above memory_limit_per_message (1MiB),
# goes through gatewarden's spool and reaches the sink intact (same
# SHA-256 of the body); afterwards the spool folder is empty. gatewarden
# reads bodies only when a sending rule may need them: t/e2e/spool.yaml
# has one that this message does not match.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

BENCH_TIMEOUT=90
bench_init
plan 8

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$top_srcdir/t/e2e/spool.yaml" ||
    bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

# 15,000,000 random bytes in base64, 76 columns: 20,263,158 bytes of body.
head -c 15000000 /dev/urandom | base64 -w 76 >"$BENCH_WORK/body.b64"
want_sum=$(sha256sum <"$BENCH_WORK/body.b64" | cut -d' ' -f1)
{
	printf 'From: alice@sender.test\r\nTo: bob@rcpt.test\r\n'
	printf 'Subject: spool\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: application/octet-stream\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	# swaks adds the CRLF after the last line.
	sed 's/$/\r/' "$BENCH_WORK/body.b64" | head -c -2
} >"$BENCH_WORK/sent.eml"
size=$(wc -c <"$BENCH_WORK/sent.eml")
[ "$size" -gt 20000000 ]
ok $? "the message is over 20 MB ($size bytes)"

BENCH_SWAKS_TIMEOUT=120 bench_swaks --suppress-data \
    --from alice@sender.test --to bob@rcpt.test --data "@$BENCH_WORK/sent.eml"
is "$(bench_swaks_reply DOT)" 250 "end of data: 250" ||
    diag_file "$BENCH_SWAKS_LOG" 20
qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$BENCH_SWAKS_LOG" | tail -n 1)

bench_wait_delivered 1 90
ok $? "the message reached the sink"
f=$(bench_sink_files | head -n 1)
got_sum=$(bench_sink_message "$f" | sed '1,/^$/d' | sha256sum | cut -d' ' -f1)
is "$got_sum" "$want_sum" "the body arrives intact (SHA-256)"
like "$(grep "$qid" "$BENCH_GW_LOG")" "$qid: .*action=accept.*spool=file" \
    "gatewarden spooled the body to a file" ||
    diag_file "$BENCH_GW_LOG" 10

bench_postfix_stop
is "$(find "$BENCH_GW_SPOOL" -mindepth 1 | wc -l | tr -d ' ')" 0 \
    "the spool folder is empty after delivery" ||
    diag "$(ls -la "$BENCH_GW_SPOOL")"
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM"
is "$(find "$BENCH_GW_SPOOL" -mindepth 1 | wc -l | tr -d ' ')" 0 \
    "and still empty after gatewarden stopped"
done_testing
exit $?
