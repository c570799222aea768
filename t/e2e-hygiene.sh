#!/bin/sh
# e2e-hygiene: headers a sender could forge to pass for gatewarden's own
# (X-Gatewarden-*, any case; Authentication-Results with our authserv-id,
# with or without a version) are gone when the message reaches the sink;
# an Authentication-Results of another authserv-id and every other header
# stay, in order, and the body is untouched.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 9

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$top_srcdir/t/e2e/foundation.yaml" ||
    bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

# Each line: K (kept) or D (deleted), a tab, the header as sent.
cat >"$BENCH_WORK/headers.tab" <<'EOT'
K	From: alice@sender.test
K	To: bob@rcpt.test
D	X-Gatewarden-Anything: forged verdict
K	Subject: hygiene
D	X-GATEWARDEN-anything: a second copy, in another case
D	Authentication-Results: mx.gatewarden.test; smime=pass
K	Authentication-Results: other.example; dkim=pass header.d=sender.test
D	x-gatewarden-tls: group=forged; policy=required
D	X-Gatewarden-TLS: a second forged copy
D	Authentication-Results: MX.Gatewarden.Test 1; smime=pass
K	Authentication-Results: mx.gatewarden.test.evil.example; smime=pass
K	X-Gatewarden: not our prefix, no dash
K	Date: Wed, 25 Nov 2026 10:00:00 +0000
K	Message-ID: <hygiene.1@sender.test>
EOT
{
	cut -f2- "$BENCH_WORK/headers.tab" | sed 's/$/\r/'
	printf '\r\nX-Gatewarden-In-Body: stays, this is body text\r\nbye'
} >"$BENCH_WORK/sent.eml"
{
	grep '^K' "$BENCH_WORK/headers.tab" | cut -f2-
	printf '\nX-Gatewarden-In-Body: stays, this is body text\nbye\n'
} >"$BENCH_WORK/want.eml"

bench_swaks --from alice@sender.test --to bob@rcpt.test \
    --data "@$BENCH_WORK/sent.eml"
is "$(bench_swaks_reply DOT)" 250 "end of data: 250" ||
    diag_file "$BENCH_SWAKS_LOG" 20
bench_wait_delivered 1
ok $? "the message reached the sink"

f=$(bench_sink_files | head -n 1)
bench_sink_message "$f" | bench_drop_received >"$BENCH_WORK/got.eml"
head=$(sed '/^$/q' "$BENCH_WORK/got.eml")
is "$(printf '%s\n' "$head" | grep -ic '^x-gatewarden-')" 0 \
    "no X-Gatewarden-* header arrives"
is "$(printf '%s\n' "$head" | grep -ic '^Authentication-Results: *mx\.gatewarden\.test[ ;]')" 0 \
    "no Authentication-Results with our authserv-id arrives"
is "$(printf '%s\n' "$head" | grep -ic '^Authentication-Results: *mx\.gatewarden\.test *1;')" 0 \
    "nor with our authserv-id and a version"
is "$(printf '%s\n' "$head" | grep -c '^Authentication-Results: other\.example; dkim=pass header\.d=sender\.test$')" 1 \
    "another authserv-id's Authentication-Results stays"
is "$(printf '%s\n' "$head" | grep -c '^Authentication-Results: mx\.gatewarden\.test\.evil\.example;')" 1 \
    "a longer authserv-id that starts with ours stays"
cmp -s "$BENCH_WORK/got.eml" "$BENCH_WORK/want.eml"
ok $? "exactly the forged headers are gone; the rest is as sent" ||
    diag "$(diff -u "$BENCH_WORK/want.eml" "$BENCH_WORK/got.eml")"

bench_postfix_stop
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM"
done_testing
exit $?
