#!/bin/sh
# cli.sh - gatewarden's command line: -n on the shipped example and on a
# file with three different mistakes (every one reported as
# FILE:LINE:COLUMN, exit 1), -V, -h, a bad option, and a start refused on a
# bad file.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
gw=${top_builddir:-.}/milter/gatewarden
conf=${top_srcdir:-.}/conf
corpus=${top_srcdir:-.}/t/conf
work=$(mktemp -d /tmp/gw-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT



plan 15

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

# The organisation's certificates are checked at start-up, as the user the
# daemon runs as: a key others can read, or a missing key, stops it.
keys=${top_builddir:-.}/smime/gatewarden-keys
mkdir -m 0700 "$work/private"
"$keys" --private-dir "$work/private" --keystore "$work/ks.db" create-cert \
    org --smime --email gw@example.test --days 30 >/dev/null 2>&1
start_with_cert() {	# start_with_cert KEYFILE: exit status of a start
	cat >"$work/certs.yaml" <<EOC
milter:
  socket: unix:$work/gw.sock
  spool_dir: $work/spool
smime:
  certificates:
    - { name: org, certificate: $work/private/org.crt, key: $1 }
EOC
	timeout 10 "$gw" -f -c "$work/certs.yaml" >/dev/null 2>"$work/err" &
	p=$!
	i=0
	while ! grep -q 'start: version=' "$work/err" && kill -0 $p 2>/dev/null &&
	    [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill $p 2>/dev/null
	wait $p
}
chmod 0644 "$work/private/org.key"
start_with_cert "$work/private/org.key"
[ $? = 1 ] && grep -q "org.key" "$work/err" && grep -q 'not starting' "$work/err" &&
    [ ! -e "$work/gw.sock" ]
ok $? "a private key readable by others stops the start, naming the file, leaving no socket"
chmod 0600 "$work/private/org.key"
start_with_cert "$work/private/missing.key"
[ $? = 1 ] && grep -q "missing.key" "$work/err"
ok $? "a missing key stops the start, naming the file"
start_with_cert "$work/private/org.key"
rc=$?
[ $rc = 0 ] && grep -q 'start: version=' "$work/err"
ok $? "with a good certificate and key the daemon starts"

done_testing
exit $?
