#!/bin/sh
# smime-big - a 30 MB message signed and encrypted (triple wrap, opaque
# inner signature, then sign-encrypt) through the engine with bounded
# memory. Peak RSS (VmHWM, read by /usr/bin/time -v) of the 30 MB run is
# compared with a 100 KB run of the same program: the engine streams, so
# the 30 MB run may use at most 16 MB more (a copy of the body would be
# 30 MB, two copies 60 MB), and at most 2 x the message size in total.
# The output must still verify and decrypt to the canonical entity.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
TOOL="$top_builddir/t/smime_tool"
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
cd "$W" || exit 1
. "$top_srcdir/t/smime-certs.sh"
# AddressSanitizer keeps freed memory in a quarantine (256 MB by default):
# that is the sanitizer's memory, not the engine's; keep it small here.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
export ASAN_OPTIONS

tap_n=0
failed=0
check() {
	d=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >check.log 2>&1; then echo "ok $tap_n - $d"; else
		failed=$((failed + 1)); echo "not ok $tap_n - $d"
		sed 's/^/# /' check.log | head -20; fi
}

make_test_certs || { echo "1..0 # SKIP cannot make certificates"; exit 99; }
make_test_message small.eml 100000
make_test_message big.eml 31457280
size=$(wc -c < big.eml)
echo "# message: $size bytes"

peak() { # mode sign_mode in out: prints max RSS in KiB
	/usr/bin/time -v "$TOOL" -m "$1" -s "$2" -C signer.pem -K signer.key \
	    -r alice@partner.test=alice.pem "$3" "$4" 2>"$4.time" >/dev/null ||
	    { cat "$4.time" >&2; echo 0; return; }
	sed -n 's/^.*Maximum resident set size (kbytes): *//p' "$4.time"
}

for mode in triple sign-encrypt; do
	for sm in opaque detached; do
		small=$(peak $mode $sm small.eml small.out)
		big=$(peak $mode $sm big.eml big.out)
		echo "# $mode $sm: peak RSS ${small} KiB for 100 KB, ${big} KiB for 30 MB"
		check "$mode $sm: 30 MB message processed" test "$big" -gt 0
		check "$mode $sm: peak RSS grows by less than 16 MiB (${small} -> ${big} KiB)" \
		    test $((big - small)) -lt 16384
		check "$mode $sm: peak RSS below 2 x message size" \
		    test $((big * 1024)) -lt $((size * 2))
	done
done
# The last output (sign-encrypt detached) still reads.
"$TOOL" -e big.eml want.eml 2>/dev/null
check "30 MB sign-encrypt output decrypts and verifies to the entity" sh -c \
    "openssl cms -decrypt -binary -recip alice.pem -inkey alice.key -in big.out -out dec.eml &&
     openssl cms -verify -CAfile ca.pem -in dec.eml -out ent.eml && cmp ent.eml want.eml"
echo "1..$tap_n"
[ $failed = 0 ]
