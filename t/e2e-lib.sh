#!/bin/sh
# e2e-lib: the bench's parsers and TAP helpers on canned input, no server:
# bench_swaks_reply on swaks transcripts (plain, refusals with "<**",
# STARTTLS with "~>", suppressed data, a body that looks like commands),
# bench_sink_message/bench_sink_envelope/bench_drop_received on an
# smtp-sink dump, and tap.sh's own pass/fail accounting.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

d=$top_srcdir/t/e2e/swaks

# transcript phase want
while read -r log phase want; do
	is "$(bench_swaks_reply "$phase" "$d/$log")" "${want#-}" "$log: $phase"
done <<'EOT'
plain.txt CONNECT 220
plain.txt EHLO 250
plain.txt MAIL 250
plain.txt RCPT 250
plain.txt DATA 354
plain.txt DOT 250
plain.txt QUIT 221
mail-tempfail.txt MAIL 451
mail-tempfail.txt RCPT -
mail-tempfail.txt DOT -
mail-tempfail.txt QUIT 221
rcpt-mixed.txt RCPT 450
rcpt-mixed.txt DATA 554
rcpt-mixed.txt DOT -
rcpt-mixed.txt QUIT 221
dot-reject-suppressed.txt DATA 354
dot-reject-suppressed.txt DOT 550
dot-reject-suppressed.txt QUIT 221
starttls.txt STARTTLS 220
starttls.txt EHLO 250
starttls.txt MAIL 250
starttls.txt RCPT 530
starttls.txt QUIT 221
no-connect.txt CONNECT -
EOT

dump=$d/sink-dump.txt
is "$(bench_sink_envelope "$dump" | tr '\n' '|')" \
    "MAIL <alice@sender.test> SIZE=300 BODY=8BITMIME|RCPT <bob@rcpt.test> ORCPT=rfc822;bob@rcpt.test|RCPT <carol@rcpt.test>|" \
    "bench_sink_envelope: MAIL and both RCPT"
msg=$(mktemp) || bail_out "mktemp failed"
trap 'rm -f "$msg"' EXIT
bench_sink_message "$dump" >"$msg"
like "$(head -n 1 "$msg")" "^Received: from client\.bench\.gatewarden\.test " \
    "bench_sink_message: smtp-sink's records and Received are gone"
is "$(tail -n 3 "$msg" | tr '\n' '|')" "|body||" \
    "bench_sink_message: only smtp-sink's final empty line is dropped"
is "$(bench_drop_received <"$msg" | tr '\n' '|')" \
    "Received: from older.hop.test by mx.sender.test; Tue, 24 Nov 2026 10:00:00 +0000|X-Client-Addr: this one is the sender's, not smtp-sink's|Subject: dump||body||" \
    "bench_drop_received: only the first Received goes"
is "$(bench_drop_received 2 <"$msg" | head -n 1)" \
    "X-Client-Addr: this one is the sender's, not smtp-sink's" \
    "bench_drop_received 2: both"

# tap.sh counts a failure, reports got/want, keeps going, and fails at the end.
out=$(sh -c '. "$1/t/lib/tap.sh"; is a b "x"; ok 0 "y"; like abc "^b" "z"; done_testing' \
    sh "$top_srcdir" 2>&1)
st=$?
is "$st" 1 "tap.sh: a script with failures exits 1"
like "$out" "not ok 1 - x" "tap.sh: is() reports the failure"
like "$out" "# got 'a', want 'b'" "tap.sh: with got/want"
like "$out" "ok 2 - y" "tap.sh: the next assertion still runs"
like "$out" "# got 'abc', want a match of /\^b/" "tap.sh: like() says what it wanted"
like "$out" "1\.\.3" "tap.sh: done_testing prints the plan"
out=$(sh -c '. "$1/t/lib/tap.sh"; plan 2; ok 0 "only one"; done_testing' \
    sh "$top_srcdir" 2>&1)
is "$?" 1 "tap.sh: a plan not met fails"
done_testing
exit $?
