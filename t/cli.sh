#!/bin/sh
# cli.sh - gatewarden's command line: -n on the shipped example and on a
# file with three different mistakes (every one reported as
# FILE:LINE:COLUMN, exit 1), -V, -h, a bad option, and a start refused on a
# bad file.
set -u
gw=${top_builddir:-.}/milter/gatewarden
conf=${top_srcdir:-.}/conf
corpus=${top_srcdir:-.}/t/conf
work=$(mktemp -d /tmp/gw-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0
failed=0

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

is() {	# is GOT WANT NAME
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}

echo "1..12"

"$gw" -n -c "$conf/gatewarden.yaml.example" >"$work/out" 2>"$work/err"
is "$?" 0 "-n on the shipped example exits 0"
is "$(cat "$work/out")" "$conf/gatewarden.yaml.example: configuration OK (0 warnings)" \
    "-n on the example says OK"
is "$(wc -c <"$work/err")" 0 "-n on the example prints no problem"

bad=$corpus/bad-three-mistakes.yaml
"$gw" -n -c "$bad" >"$work/out" 2>"$work/err"
is "$?" 1 "-n on a file with three mistakes exits 1"
is "$(grep -c "^$bad:[0-9]*:[0-9]*: " "$work/err")" 3 \
    "three FILE:LINE:COLUMN lines"
is "$(sed -n 1,3p "$work/err" | sed "s|^$bad:||")" "$(cat "$corpus/bad-three-mistakes.expect")" \
    "the three lines name each mistake where it is"
is "$(sed -n 4p "$work/err")" "$bad: 3 errors, 0 warnings" "a closing count"

"$gw" -n -c "$work/missing.yaml" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -q "^$work/missing.yaml: " "$work/err"
ok $? "-n on a missing file: exit 1 and the file named"

"$gw" -V >"$work/out" 2>&1
[ $? = 0 ] && grep -Eq '^gatewarden [0-9.]+ \(libmilter [0-9.]+, OpenSSL 3' "$work/out"
ok $? "-V prints the versions"

"$gw" -h >"$work/out" 2>&1
[ $? = 0 ] && grep -q 'usage: gatewarden' "$work/out" && grep -q SIGUSR1 "$work/out"
ok $? "-h prints the usage and the signals"

"$gw" -x >/dev/null 2>&1
is "$?" 2 "an unknown option exits 2"

# The daemon refuses to start on a bad file, and says why.
timeout 10 "$gw" -f -c "$bad" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ "$(grep -c "$bad:[0-9]*:[0-9]*: " "$work/err")" = 3 ] &&
    grep -q 'not starting' "$work/err"
ok $? "the daemon does not start on a bad file and logs each mistake"

[ $failed = 0 ]
