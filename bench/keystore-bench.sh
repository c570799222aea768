#!/bin/sh
# keystore-bench.sh - the key store with many keys on both back ends:
# bench/keystore-bench on an SQLite file and on a private PostgreSQL
# (t/lib/pglab.sh, in a temporary folder, stopped at the end): harvest
# rate and look-up latency (p50/p99) with 50 concurrent sessions.
#   keystore-bench.sh [-q] [KEYS [SESSIONS [LOOKUPS]]]
# Defaults 100000 keys, 50 sessions, 100000 look-ups; -q: 5000 keys and
# 5000 look-ups. The figures of BENCHMARKS.md say which sizes they had.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir
bin="$top_builddir/bench/keystore-bench"
keys=100000 sessions=50 lookups=100000
if [ "${1:-}" = -q ]; then
	keys=5000 lookups=5000
	shift
fi
keys=${1:-$keys} sessions=${2:-$sessions} lookups=${3:-$lookups}
W=$(mktemp -d) || exit 1
. "$top_srcdir/t/lib/pglab.sh"
trap 'pglab_stop; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
echo "keystore: $keys keys, $sessions sessions on one handle, $lookups look-ups"
st=0
"$bin" "$W/ks.db" "$keys" "$sessions" "$lookups" || st=1
if ! grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/config.h"; then
	echo "keystore postgresql: skipped (built without libpq)"
elif pglab_init "$W/pg" && pglab_createdb bench; then
	"$bin" "$(pglab_uri bench)" "$keys" "$sessions" "$lookups" || st=1
else
	echo "keystore postgresql: the server did not start"
	st=1
fi
exit "$st"
