#!/bin/sh
# report-bounded: gatewarden-report's memory does not grow with the log.
# bench/report-synth writes logs of 4 MB and 40 MB whose client and
# destination domains never repeat (far more than the report keeps); the
# report of each runs under /usr/bin/time: its peak memory is the same
# for ten times the input, the tables stop at their caps with the rest
# counted as (other), and the 40 MB log gzip-compressed gives the same
# report. (bench/report-bench.sh, `make bench`, times a 1 GB log.)
. "$top_srcdir/t/lib/tap.sh"

REPORT=$top_builddir/report/gatewarden-report
SYNTH=$top_builddir/bench/report-synth
[ -x "$REPORT" ] && [ -x "$SYNTH" ] || bail_out "report or report-synth not built"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time not installed (tools/install-deps)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-report-bounded.XXXXXX") || bail_out "mktemp"
trap 'rm -rf "$WORK"' EXIT
TZ=UTC
export TZ

RJ="python3 $top_srcdir/t/lib/report_json.py"

"$SYNTH" 4000000 >"$WORK/small.log" && "$SYNTH" 40000000 >"$WORK/big.log"
ok $? "report-synth writes 4 MB and 40 MB"
for s in small big; do
	/usr/bin/time -f '%M %e' -o "$WORK/$s.time" \
	    "$REPORT" --year 2026 --json "$WORK/$s.log" >"$WORK/$s.json"
	is "$?" 0 "the report of the $s log is made"
done
read -r small_kb small_s <"$WORK/small.time"
read -r big_kb big_s <"$WORK/big.time"
diag "4 MB: peak ${small_kb} KiB in ${small_s} s; 40 MB: peak ${big_kb} KiB in ${big_s} s"
ok "$([ "$big_kb" -le $((small_kb + 4096)) ]; echo $?)" \
    "ten times the log, the same memory: ${big_kb} KiB against ${small_kb} KiB"
$RJ eval "$WORK/big.json" 'r["input"]["lines"] > 10 * 24000' \
    'len(r["inbound"]["client_domains"])' \
    '[d["sessions"] for d in r["inbound"]["client_domains"] if d["domain"] == "(other)"][0] > 0' \
    'sum(d["sessions"] for d in r["inbound"]["client_domains"])' \
    'len(r["outbound"]["destinations"])' \
    'r["timeline"]["buckets"] <= 96' >"$WORK/big.txt"
{
	read -r many; read -r ndomains; read -r other; read -r sessions
	read -r ndests; read -r buckets
} <"$WORK/big.txt"
is "$many" True "the big log has its lines"
is "$ndomains" 2001 "client domains stop at 2000, and (other)"
is "$other" True "the rest are counted in (other)"
is "$sessions" "$(grep -c ': connect from ' "$WORK/big.log")" \
    "and none is lost: the sessions add up to the connect lines"
is "$ndests" 2001 "destinations stop at 2000, and (other)"
is "$buckets" True "thirty days on at most 96 buckets"
gzip -1 -c "$WORK/big.log" >"$WORK/big.log.gz"
"$REPORT" --year 2026 --json "$WORK/big.log.gz" >"$WORK/gz.json"
$RJ same "$WORK/gz.json" "$WORK/big.json"
ok $? "the same log gzip-compressed gives the same report"
done_testing
exit $?
