#!/bin/sh
# smime-bench.sh - makes test certificates (t/smime-certs.sh) in a
# temporary folder and runs bench/smime-bench (outgoing: sign and
# encrypt) and bench/smime-in-bench (incoming: decrypt and verify) with
# them.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
bin="$top_builddir/bench/smime-bench"
inbin="$top_builddir/bench/smime-in-bench"
cd "$W" || exit 1
. "$top_srcdir/t/smime-certs.sh"
make_test_certs || exit 1
echo "outgoing: sign and encrypt"
"$bin" signer.pem signer.key alice.pem "${SMIME_BENCH_SECONDS:-2}" || exit 1
echo
echo "incoming: decrypt and verify (policy: decrypt, verify, remove)"
"$inbin" ca.pem signer.pem signer.key alice.pem alice.key "${SMIME_BENCH_SECONDS:-2}"
