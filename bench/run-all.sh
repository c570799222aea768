#!/bin/sh
# run-all.sh - every benchmark in turn (make bench; make bench-quick
# passes -q): the milter overhead behind a private Postfix
# (milter-bench.sh), S/MIME through the milter with its memory cases
# (smime-milter-bench.sh), S/MIME in one process next to OpenSSL's CMS
# API (smime-bench.sh) and the cost of a revocation check
# (revocation-bench.sh), the key store with many keys on SQLite and
# PostgreSQL (keystore-bench.sh). Their figure lines go to standard output; the
# exit status is that of the first bench that failed. Needs root.
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
export top_srcdir top_builddir
quick=
[ "${1:-}" = -q ] && quick=-q
st=0
sh "$top_srcdir/bench/milter-bench.sh" $quick || st=1
if [ -n "$quick" ]; then
	sh "$top_srcdir/bench/smime-milter-bench.sh" -q || [ "$st" != 0 ] || st=1
else
	sh "$top_srcdir/bench/smime-milter-bench.sh" -M || [ "$st" != 0 ] || st=1
fi
SMIME_BENCH_SECONDS=${quick:+1} sh "$top_srcdir/bench/smime-bench.sh" ||
    [ "$st" != 0 ] || st=1
sh "$top_srcdir/bench/revocation-bench.sh" $quick || [ "$st" != 0 ] || st=1
sh "$top_srcdir/bench/keystore-bench.sh" $quick || [ "$st" != 0 ] || st=1
exit "$st"
