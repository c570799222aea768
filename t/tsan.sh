#!/bin/sh
# tsan - gatewarden under ThreadSanitizer through the concurrent
# end-to-end load: builds the daemon and gatewarden-keys with
# ./configure --enable-tsan in its own build folder (default
# $top/_build/tsan, TSAN_BUILD), then runs t/soak.sh against it: 50
# sessions at once, reloads and broken reloads under load, key-store
# writes from harvesting and look-ups, gatewarden killed and started
# again. Every report ThreadSanitizer writes (log_path) fails the run.
# TSAN_MESSAGES (default 1200) sets the load. Run by tools/test after
# make check; `sh t/tsan.sh` from the source tree also works.
# Exit 0 when the build worked, the soak passed and TSan said nothing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TSAN_BUILD:-$top/_build/tsan}
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$build" || exit 2
cd "$build" || exit 2
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
	"$top/configure" -q --enable-werror --enable-tsan || exit 2
fi
make -s -j"$jobs" milter/gatewarden smime/gatewarden-keys >make.out 2>&1 ||
    { cat make.out; exit 2; }
logs=$build/tsan-reports
rm -rf "$logs"
mkdir -p "$logs"
# halt_on_error=0: every race of the run is reported, not only the first.
# t/tsan.supp: libmilter's own races at stop, each named and explained.
TSAN_OPTIONS="log_path=$logs/tsan second_deadlock_stack=1 halt_on_error=0 suppressions=$top/t/tsan.supp"
export TSAN_OPTIONS
unset ASAN_OPTIONS
top_srcdir=$top top_builddir=$build GW_SOAK_EXPECT_TSAN=$logs \
    SOAK_MESSAGES=${TSAN_MESSAGES:-1200} sh "$top/t/soak.sh" >tsan-soak.log 2>&1
st=$?
# t/soak.sh judges the reports and removes them; any left are a failure
# here too.
n=$(cat "$logs"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer')
grep -E '^(not ok|Bail out)' tsan-soak.log
for f in "$logs"/tsan.*; do
	[ -e "$f" ] && head -n 60 "$f"
done
echo "tsan: soak status $st, $n ThreadSanitizer reports (log $build/tsan-soak.log)"
[ "$st" = 0 ] && [ "$n" = 0 ]
