#!/bin/sh
# keystore-bench.sh - the key store with many keys on both back ends:
# bench/keystore-bench on an SQLite file and on a private PostgreSQL
# (t/lib/pglab.sh, in a temporary folder, stopped at the end): harvest
# rate and look-up latency (p50/p99) with 50 concurrent sessions, on a
# store bulk-loaded with PRELOAD keys first.
#   keystore-bench.sh [-q] [KEYS [SESSIONS [LOOKUPS [PRELOAD]]]]
# Defaults (`make bench`, a few minutes): 20000 keys loaded, 2000
# harvested by 50 sessions, 20000 look-ups; -q: 5000 loaded, 500
# harvested, 5000 look-ups. The store of a million keys (BENCHMARKS.md,
# about half an hour on two cores, some 3 GB in the work folder, which
# is $TMPDIR or /tmp):
#   nice sh bench/keystore-bench.sh 5000 50 100000 1000000
# The figures of BENCHMARKS.md say which sizes they had.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir
bin="$top_builddir/bench/keystore-bench"
keys=2000 sessions=50 lookups=20000 preload=20000
if [ "${1:-}" = -q ]; then
	keys=500 lookups=5000 preload=5000
	shift
fi
keys=${1:-$keys} sessions=${2:-$sessions} lookups=${3:-$lookups}
preload=${4:-$preload}
W=$(mktemp -d) || exit 1
. "$top_srcdir/t/lib/pglab.sh"
trap 'pglab_stop; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
echo "keystore: $preload keys loaded, $keys harvested by $sessions sessions on one handle, $lookups look-ups"
st=0
"$bin" "$W/ks.db" "$keys" "$sessions" "$lookups" "$preload" || st=1
if ! grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/config.h"; then
	echo "keystore postgresql: skipped (built without libpq)"
elif pglab_init "$W/pg" && pglab_createdb bench; then
	"$bin" "$(pglab_uri bench)" "$keys" "$sessions" "$lookups" "$preload" \
	    || st=1
else
	echo "keystore postgresql: the server did not start"
	st=1
fi
exit "$st"
