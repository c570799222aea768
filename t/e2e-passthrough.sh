#!/bin/sh
# e2e-passthrough: a message sent through Postfix with gatewarden as its
# milter arrives at the sink byte for byte as sent, apart from the
# Received header Postfix adds: every original header (folded, repeated,
# odd spacing, an older Received) and the body (dots, "From ", 8-bit,
# long and blank lines) are compared exactly. Two rounds: gatewarden with
# no sending rule (it asks Postfix for no body), then with a sending rule
# this message does not match (it reads the whole body, and must give it
# back untouched).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 17

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
sed '/^$/q' "$BENCH_WORK/want.eml" >"$BENCH_WORK/want.head"
sed '1,/^$/d' "$BENCH_WORK/want.eml" >"$BENCH_WORK/want.body"

# round N NAME LOG-REGEX: send, then check the sink's N-th message and
# that gatewarden logged a decision matching LOG-REGEX for it.
round()
{
	bench_swaks --from alice@sender.test --to bob@rcpt.test \
	    --data "@$BENCH_WORK/sent.eml"
	is "$(bench_swaks_reply DOT)" 250 "$2: end of data: 250" ||
	    diag_file "$BENCH_SWAKS_LOG" 20
	qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$BENCH_SWAKS_LOG" |
	    tail -n 1)
	bench_wait_delivered "$1"
	ok $? "$2: the message reached the sink"
	f=$(bench_sink_files | sed -n "${1}p")
	bench_sink_message "$f" >"$BENCH_WORK/got-full.eml"
	like "$(head -n 1 "$BENCH_WORK/got-full.eml")" \
	    "^Received: from client\.bench\.gatewarden\.test .*" \
	    "$2: the first header is Postfix's Received"
	bench_drop_received <"$BENCH_WORK/got-full.eml" >"$BENCH_WORK/got.eml"
	# Header and body apart, so that a failure says which one changed.
	sed '/^$/q' "$BENCH_WORK/got.eml" >"$BENCH_WORK/got.head"
	sed '1,/^$/d' "$BENCH_WORK/got.eml" >"$BENCH_WORK/got.body"
	cmp -s "$BENCH_WORK/got.head" "$BENCH_WORK/want.head"
	ok $? "$2: the original headers arrive unchanged, in order" ||
	    diag "$(diff -u "$BENCH_WORK/want.head" "$BENCH_WORK/got.head")"
	cmp -s "$BENCH_WORK/got.body" "$BENCH_WORK/want.body"
	ok $? "$2: the body arrives byte for byte" ||
	    diag "$(diff -u "$BENCH_WORK/want.body" "$BENCH_WORK/got.body" |
	    head -n 40)"
	cmp -s "$BENCH_WORK/got.eml" "$BENCH_WORK/want.eml"
	ok $? "$2: the whole message equals the sent one after Postfix's Received"
	# The milter really was in the path: it logged its decision.
	like "$(grep "$qid" "$BENCH_GW_LOG")" "$qid: .*$3" \
	    "$2: gatewarden logged /$3/ for queue id $qid" ||
	    diag_file "$BENCH_GW_LOG" 20
}

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$top_srcdir/t/e2e/foundation.yaml" ||
    bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"
# No body was asked for: no size is logged that was not measured.
round 1 "headers only" "action=accept .*body=not-read rcpts="
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM"

bench_gatewarden_start "$top_srcdir/t/e2e/body.yaml" ||
    bail_out "gatewarden did not start with a sending rule"
round 2 "body read" "action=accept .*body_bytes=[1-9][0-9]* spool=memory"
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM"
unlike "$(grep -i 'milter' "$BENCH_MAILLOG")" "warning|error|fatal" \
    "Postfix logged no milter warning"
done_testing
exit $?
