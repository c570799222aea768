#!/bin/sh
# e2e-passthrough: a message sent through Postfix with gatewarden as its
# milter arrives at the sink byte for byte as sent, apart from the
# Received header Postfix adds: every original header (folded, repeated,
# odd spacing, an older Received) and the body (dots, "From ", 8-bit,
# long and blank lines) are compared exactly.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 9

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$top_srcdir/t/e2e/foundation.yaml" ||
    bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

long=$(printf '%0900d' 0 | tr 0 x)
# CRLF lines; the last has no CRLF because swaks ends the data with one.
{
	printf 'Received: from relay.sender.test (relay.sender.test [192.0.2.7])\r\n'
	printf '\tby mx.sender.test with ESMTP id 1A2B3C; Tue, 24 Nov 2026 10:00:00 +0000\r\n'
	printf 'From: "Alice Example" <alice@sender.test>\r\n'
	printf 'To: bob@rcpt.test,\r\n  carol@rcpt.test\r\n'
	printf 'Subject: passthrough =?UTF-8?Q?caf=C3=A9?=\r\n'
	printf 'Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n'
	printf 'Message-ID: <passthrough.1@sender.test>\r\n'
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n'
	printf 'Content-Transfer-Encoding: 8bit\r\n'
	printf 'X-Spacing:   three spaces, a\ttab and trailing spaces   \r\n'
	printf 'X-Repeated: one\r\nX-Repeated: two\r\n'
	printf '\r\n'
	printf 'First line.\r\n'
	printf '.a line that starts with a dot\r\n'
	printf '.\r\n'
	printf '..\r\n'
	printf 'From the start of a line\r\n'
	printf '\r\n\r\n'
	printf 'caf\303\251 \342\202\254 8-bit text\r\n'
	printf '%s\r\n' "$long"
	printf '   leading and trailing blanks   \r\n'
	printf 'last line'
} >"$BENCH_WORK/sent.eml"
# What should arrive: the same lines, LF-terminated (smtp-sink drops CR).
{ tr -d '\r' <"$BENCH_WORK/sent.eml"; echo; } >"$BENCH_WORK/want.eml"

bench_swaks --from alice@sender.test --to bob@rcpt.test \
    --data "@$BENCH_WORK/sent.eml"
is "$(bench_swaks_reply DOT)" 250 "end of data: 250" ||
    diag_file "$BENCH_SWAKS_LOG" 20
qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$BENCH_SWAKS_LOG" | tail -n 1)

bench_wait_delivered 1
ok $? "the message reached the sink"
f=$(bench_sink_files | head -n 1)
bench_sink_message "$f" >"$BENCH_WORK/got-full.eml"
like "$(head -n 1 "$BENCH_WORK/got-full.eml")" \
    "^Received: from client\.bench\.gatewarden\.test " \
    "the first header is Postfix's Received"
bench_drop_received <"$BENCH_WORK/got-full.eml" >"$BENCH_WORK/got.eml"

# Header and body separately, so a failure says which one changed.
sed '/^$/q' "$BENCH_WORK/got.eml" >"$BENCH_WORK/got.head"
sed '/^$/q' "$BENCH_WORK/want.eml" >"$BENCH_WORK/want.head"
sed '1,/^$/d' "$BENCH_WORK/got.eml" >"$BENCH_WORK/got.body"
sed '1,/^$/d' "$BENCH_WORK/want.eml" >"$BENCH_WORK/want.body"
cmp -s "$BENCH_WORK/got.head" "$BENCH_WORK/want.head"
ok $? "the original headers arrive unchanged, in order" ||
    diag "$(diff -u "$BENCH_WORK/want.head" "$BENCH_WORK/got.head")"
cmp -s "$BENCH_WORK/got.body" "$BENCH_WORK/want.body"
ok $? "the body arrives byte for byte" ||
    diag "$(diff -u "$BENCH_WORK/want.body" "$BENCH_WORK/got.body" | head -n 40)"
cmp -s "$BENCH_WORK/got.eml" "$BENCH_WORK/want.eml"
ok $? "the whole message equals the sent one after Postfix's Received"

# The milter really was in the path: it logged a decision for this queue id.
like "$(grep "$qid" "$BENCH_GW_LOG")" "$qid: .*action=accept" \
    "gatewarden logged its decision for queue id $qid" ||
    diag_file "$BENCH_GW_LOG" 20
unlike "$(grep -i 'milter' "$BENCH_MAILLOG")" "warning|error|fatal" \
    "Postfix logged no milter warning"

bench_postfix_stop
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM"
done_testing
exit $?
