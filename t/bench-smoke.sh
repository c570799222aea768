#!/bin/sh
# bench-smoke: the benchmark programs build and one tiny round of each
# runs to its end with well-formed figure lines (no timing is asserted:
# make check is no benchmark). milter-bench.sh behind a private Postfix
# (no milter, the lean accept-all milter, gatewarden policy-only; unix
# and inet sockets), smime-milter-bench.sh (gatewarden signing, driven
# without an MTA) and smime-bench.sh (in process).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

[ "$(id -u)" = 0 ] || skip_all "the benchmarks need root"
plan 10
export top_srcdir top_builddir
out=$(mktemp -d "${TMPDIR:-/tmp}/gw-bench-smoke.XXXXXXXX") || bail_out "mktemp"
trap 'rm -rf "$out"' EXIT

timeout 300 sh "$top_srcdir/bench/milter-bench.sh" -r 1 -m 6 -s 2 -z 2048 \
    -k "unix inet" -c "none lean gw-policy" >"$out/milter" 2>&1
ok $? "milter-bench.sh runs one round" || diag_file "$out/milter" 30
is "$(grep -c '^milter-round .* failed=0 ' "$out/milter")" 5 \
    "a round line per case and socket, no message failed"
is "$(grep -c '^milter sessions=2 size=2048 .* msgs_per_s=[0-9.]* .* p99_ms=[0-9.]* milter_cpu_ms=[0-9.]* ratio_none=[0-9.]* ratio_lean=[-0-9.]* ratio_unix=[0-9.]*$' "$out/milter")" 5 \
    "a summary line per case and socket with every field"
like "$(grep '^milter .*socket=inet case=gw-policy' "$out/milter")" \
    'ratio_lean=[0-9.]+ ratio_unix=[0-9.]+' "gw-policy on inet has both ratios"

timeout 300 sh "$top_srcdir/bench/smime-milter-bench.sh" -r 1 -z 4096 \
    -o "sign encrypt" -k rsa2048 -c 1 >"$out/smime" 2>&1
ok $? "smime-milter-bench.sh runs one round" || diag_file "$out/smime" 30
is "$(grep -c '^smime-milter-round size=4096 .* failed=0 .*peak_rss_kb=[0-9]' "$out/smime")" 2 \
    "a round line per operation, no message failed"
like "$(grep '^smime-milter-case size=4096 op=sign ' "$out/smime")" \
    'msgs_per_s=[0-9.]+ min=[0-9.]+ max=[0-9.]+ spread_pct=[0-9.]+ mib_per_s=[0-9.]+ p50_ms=[0-9.]+ peak_rss_kb=[0-9]+ openssl_msgs_per_s=[0-9.]+ ratio_openssl=[0-9.]+$' \
    "the sign case has every field"
like "$(grep '^smime-milter-round .*op=sign ' "$out/smime")" \
    'body_out_ratio=1\.[0-9]+' "signing sent a longer body back"

SMIME_BENCH_SECONDS=0.05 timeout 300 sh "$top_srcdir/bench/smime-bench.sh" \
    -r 1 -z 4096 >"$out/inproc" 2>&1
ok $? "smime-bench.sh runs" || diag_file "$out/inproc" 30
is "$(grep -Ec '^smime-inproc size=4096 op=[a-z-]+ key=(rsa2048|p256) rounds=1 engine_msgs_per_s=[0-9.]+ openssl_msgs_per_s=[0-9.]+ ratio=[0-9.]+ min=[0-9.]+ max=[0-9.]+ spread_pct=[0-9.]+$' "$out/inproc")" 5 \
    "smime-bench prints a line per operation and key"
