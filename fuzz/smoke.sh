#!/bin/sh
# smoke - make fuzz-smoke: runs each libFuzzer target of fuzz/ for
# FUZZ_SECONDS seconds (default 60), FUZZ_JOBS at a time (default 2),
# from its seed corpus, and fails when any of them finds a crash, a leak,
# a time-out or a broken invariant.
#
#   smoke.sh SRCDIR TARGET...      (run from the build directory)
#
# Each target's run leaves in fuzz/smoke/: TARGET.log (libFuzzer's
# output), TARGET.corpus/ (the inputs it found, a start for longer runs)
# and, on failure, TARGET-crash-* (the input: add it to
# SRCDIR/fuzz/regress/TARGET/ once the code is fixed, for make check).
# Ends with "fuzz-smoke: N passed, N failed".
set -u

if [ "${1:-}" = --one ]; then
	src=$2
	t=$3
	out=fuzz/smoke
	rm -rf "$out/$t.corpus" "$out/$t-"*
	mkdir -p "$out/$t.corpus"
	dict=
	# the inputs that once failed come first, with the seeds
	regress=
	[ -d "$src/fuzz/regress/$t" ] && regress=$src/fuzz/regress/$t
	[ -f "$src/fuzz/dict/$t.dict" ] && dict=-dict=$src/fuzz/dict/$t.dict
	# -timeout: one input taking longer is a hang (generous: CI is
	# loaded); -rss_limit_mb: memory must stay bounded.
	if ./fuzz/fuzz-"$t" -max_total_time="$FUZZ_SECONDS" -timeout=60 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/$t-" $dict \
	    "$out/$t.corpus" "$src/fuzz/corpus/$t" $regress >"$out/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
		echo "fuzz-smoke: $t: ok (${runs:-?} runs in $FUZZ_SECONDS s)"
		echo pass >"$out/$t.status"
	else
		echo "fuzz-smoke: $t: FAILED (fuzz/smoke/$t.log)"
		grep -E 'ERROR|invariant failed|SUMMARY|Test unit written' \
		    "$out/$t.log" | head -20
		echo fail >"$out/$t.status"
	fi
	exit 0
fi

src=$1
shift
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-2}
export FUZZ_SECONDS
mkdir -p fuzz/smoke
rm -f fuzz/smoke/*.status
echo "fuzz-smoke: $# targets, $FUZZ_SECONDS s each, $FUZZ_JOBS at a time"
printf '%s\n' "$@" | xargs -n 1 -P "$FUZZ_JOBS" "${SHELL:-/bin/sh}" "$0" --one "$src"
pass=0
fail=0
for t in "$@"; do
	if [ "$(cat "fuzz/smoke/$t.status" 2>/dev/null)" = pass ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "fuzz-smoke: $pass passed, $fail failed"
[ "$fail" = 0 ]
