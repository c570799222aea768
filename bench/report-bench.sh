#!/bin/sh
# report-bench.sh - gatewarden-report on a synthetic mail log of 1 GB
# (REPORT_BENCH_BYTES to change it), written by bench/report-synth into a
# temporary folder under /tmp and deleted at the end: prints the time, the
# throughput and the peak memory (/usr/bin/time), for --json and --html.
set -u
: "${top_builddir:=$(pwd)}"
bytes=${REPORT_BENCH_BYTES:-1000000000}
W=$(mktemp -d /tmp/gw-report-bench.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
"$top_builddir/bench/report-synth" "$bytes" >"$W/mail.log" || exit 1
size=$(wc -c <"$W/mail.log")
lines=$(wc -l <"$W/mail.log")
for form in json html; do
	TZ=UTC /usr/bin/time -f '%e %M' -o "$W/time" \
	    "$top_builddir/report/gatewarden-report" --year 2026 "--$form" \
	    "$W/mail.log" >/dev/null || exit 1
	read -r secs kib <"$W/time"
	awk -v f="$form" -v b="$size" -v l="$lines" -v s="$secs" -v k="$kib" \
	    'BEGIN { printf "gatewarden-report --%s: %.2f GB, %d lines in %.1f s " \
	    "(%.0f MB/s, %.0f lines/s), peak memory %.1f MiB\n", f, b / 1e9, l, \
	    s, b / 1e6 / (s > 0 ? s : 0.01), l / (s > 0 ? s : 0.01), k / 1024 }'
done
