#!/bin/sh
# smime-bench.sh - makes test certificates (t/smime-certs.sh) in a
# temporary folder and runs bench/smime-bench with them (outgoing), for
# an RSA-2048 and an ECDSA P-256 signing key (encryption to the RSA-2048
# recipient alice), then bench/smime-in-bench (incoming: decrypt and
# verify). Arguments go to smime-bench (-o OPS, -z SIZES, -r ROUNDS);
# SMIME_BENCH_SECONDS is the time per round (default 1).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$(pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
bin="$top_builddir/bench/smime-bench"
inbin="$top_builddir/bench/smime-in-bench"
cd "$W" || exit 1
. "$top_srcdir/t/smime-certs.sh"
make_test_certs >/dev/null 2>&1 || { echo "smime-bench.sh: cannot make certificates" >&2; exit 1; }
echo "outgoing: sign and encrypt"
"$bin" -k rsa2048 "$@" signer.pem signer.key alice.pem "${SMIME_BENCH_SECONDS:-1}" &&
"$bin" -k p256 -o "sign sign-encrypt" "$@" ecsigner.pem ecsigner.key alice.pem \
    "${SMIME_BENCH_SECONDS:-1}"
[ $? = 0 ] || exit 1
echo
echo "incoming: decrypt and verify (policy: decrypt, verify, remove)"
"$inbin" ca.pem signer.pem signer.key alice.pem alice.key "${SMIME_BENCH_SECONDS:-1}"
