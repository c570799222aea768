#!/bin/sh
# revocation-bench.sh - starts the revocation lab of the tests
# (t/lib/revlab.sh: openssl ocsp responders and a python3 http.server
# for CRLs on 127.0.0.1) in a temporary folder and runs
# bench/revocation-bench on the lab's good recipient (alice.chain, the
# lab's root as the only trust anchor): cert_verify() without
# revocation, with a warm and with a cold answer cache, for OCSP and CRL
# mode. Arguments go to revocation-bench (-r ROUNDS, -n CHECKS, -m
# MODES); -q alone: a quick pass (-r 3 -n 8). Stops the lab at the end,
# on failure too.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir
bin="$top_builddir/bench/revocation-bench"
[ "${1:-}" = -q ] && set -- -r 3 -n 8
W=$(mktemp -d) || exit 1
. "$top_srcdir/t/lib/revlab.sh"
. "$top_srcdir/bench/lib.sh"
trap 'revlab_stop; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
if ldd "$bin" 2>/dev/null | grep -q libasan; then
	BL_BUILD=sanitizers
else
	BL_BUILD=release
fi
echo "revocation: cert_verify of a recipient certificate, per check"
bl_machine
if ! revlab_init "$W/lab" >"$W/lab.log" 2>&1; then
	echo "revocation-bench.sh: the revocation lab did not start" >&2
	sed 's/^/  /' "$W/lab.log" >&2
	exit 1
fi
timeout 300 "$bin" "$@" "$RL/root.crt" "$RL/alice.chain"
