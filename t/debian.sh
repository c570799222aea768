#!/bin/sh
# debian.sh - the quick checks of debian/ (the full ones are
# tools/package-check's): the conffile passes gatewarden -n, the
# maintainer scripts and the package's tests parse, the unit keeps its
# confinement (systemd-analyze security --offline scores it OK, 3.0 or
# less) and says what the tests rely on, and debian/rules finds the unit
# tests it runs at build time.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
gw=${top_builddir:-.}/milter/gatewarden
d=${top_srcdir:-.}/debian
[ -f "$d/control" ] || skip_all "no debian/ in this tree (a dist tarball)"
work=$(mktemp -d /tmp/gw-debian-XXXXXX)
trap 'rm -rf "$work"' EXIT

plan 10

"$gw" -n -c "$d/conffile/gatewarden.yaml" >"$work/out" 2>&1
is "$?" 0 "the conffile passes gatewarden -n" || diag_file "$work/out"
bad=""
for f in "$d"/gatewarden.postinst "$d"/gatewarden.postrm "$d"/tests/*; do
	[ "$(basename "$f")" = control ] && continue
	sh -n "$f" 2>>"$work/sh" || bad="$bad $(basename "$f")"
done
is "$bad" "" "the maintainer scripts and tests parse" || diag_file "$work/sh"
tests=$(sed -n 's/^Tests: *//p' "$d/tests/control" | tr '\n' ' ')
is "$tests" "installed mail unit upgrade purge " "debian/tests/control lists the tests"
missing=""
for t in $tests; do
	[ -f "$d/tests/$t" ] || missing="$missing $t"
done
is "$missing" "" "each test has its script"

unit=$d/gatewarden.service
is "$(sed -n 's/^Type=//p' "$unit")" exec "Type=exec: the daemon runs in the foreground (-f)"
is "$(sed -n 's/^ExecStart=//p' "$unit")" "/usr/sbin/gatewarden -f" "ExecStart= says -f"
is "$(sed -n 's/^ExecReload=//p' "$unit" | tr '\n' ' ')" \
    "/usr/sbin/gatewarden -n +/bin/kill -USR1 \$MAINPID " \
    "ExecReload= checks the file, then sends SIGUSR1"
like "$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")" '(^| )AF_NETLINK( |$)' \
    "AF_NETLINK allowed: Postfix's sendmail (alerts) calls getifaddrs()"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze security --offline=true "$unit" >"$work/sec" 2>&1
	score=$(sed -n 's/.*Overall exposure level for gatewarden.service: \([0-9.]*\).*/\1/p' "$work/sec")
	ok "$(awk -v s="$score" 'BEGIN { print (s != "" && s <= 3.0) ? 0 : 1 }')" \
	    "systemd-analyze security: exposure $score, 3.0 or less" ||
	    diag_file "$work/sec"
elif [ "${GW_REQUIRE_ALL:-0}" = 1 ]; then
	ok 1 "systemd-analyze security (missing: tools/install-deps installs systemd)"
else
	ok 0 "# SKIP no systemd-analyze"
fi

units=$(sed -n 's,^TESTS += \(t/test_[a-z0-9_]*\)$,\1,p' \
    "${top_srcdir:-.}/t/Makefile.inc" | wc -l)
ok "$([ "$units" -ge 10 ] && echo 0 || echo 1)" \
    "debian/rules finds the unit tests it runs at build time ($units)"
