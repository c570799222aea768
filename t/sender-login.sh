#!/bin/sh
# sender-login: a forged sender gets no signature, end to end through the
# milter protocol. gatewarden runs with a real signing certificate (made
# by gatewarden-keys) and a sender login map; miltertest plays Postfix
# (t/miltertest/sender-login.lua): another user's and an internal
# server's messages that claim Legal's address are refused with 550
# 5.7.1, and nothing is signed; a reload reads the map again. This script
# then checks the decision lines of the log. (The owner's message, signed, is t/e2e-sender-login.sh.)
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
srcdir=${top_srcdir:-.}/t/miltertest
gw=${top_builddir:-.}/milter/gatewarden
KEYS=${top_builddir:-.}/smime/gatewarden-keys
work=$(mktemp -d /tmp/gw-login-XXXXXX)
gwpid=

cleanup() {
	if [ -n "$gwpid" ]; then
		kill "$gwpid" 2>/dev/null
		wait "$gwpid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

command -v miltertest >/dev/null 2>&1 ||
    skip_all "miltertest not installed (tools/install-deps)"
plan 8

P=$work/private
mkdir -p "$P" "$work/spool" && chmod 0700 "$P"
"$KEYS" --private-dir "$P" --keystore "$work/ks.db" create-cert legal \
    --smime --email legal@example.com --days 30 >/dev/null ||
    bail_out "gatewarden-keys could not make Legal's certificate"
printf '# who may send as whom\nlegal@example.com  alice\n' >"$work/logins"
cat >"$work/gw.yaml" <<EOC
milter:
  socket: unix:$work/gw.sock
  socket_mode: "0600"
  spool_dir: $work/spool
  timeout: 20s
log:
  level: debug
sender_groups:
  - name: internal
    match: { client_ip: [10.0.0.0/8], authenticated: true }
    direction: outbound
  - name: internet
    match: any
smime:
  keystore: $work/ks.db
  private_dir: $P
  sender_login_map: $work/logins
  certificates:
    - { name: legal, certificate: $P/legal.crt, key: $P/legal.key }
  sending_profiles:
    - { name: sign-only, mode: sign, signing_certificate: legal }
  sending_rules:
    - name: legal-signs
      match: { sender: [legal@example.com] }
      profile: sign-only
EOC
"$gw" -n -c "$work/gw.yaml" >"$work/check.out" 2>&1
ok $? "gatewarden -n accepts the configuration and its sender login map"

"$gw" -f -c "$work/gw.yaml" 2>"$work/gw.log" &
gwpid=$!
i=0
while [ ! -S "$work/gw.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -S "$work/gw.sock" ] || { diag_file "$work/gw.log" 20; bail_out "gatewarden did not start"; }

timeout 60 miltertest -D sock="unix:$work/gw.sock" \
    -D common="$srcdir/common.lua" -s "$srcdir/sender-login.lua" \
    >"$work/mt.out" 2>&1
rc=$?
[ $rc = 0 ] || diag_file "$work/mt.out" 20
ok $rc "miltertest: both forgeries refused at end of message, bodies untouched"

# The map is read again at each reload: a broken one is refused, with
# its own FILE:LINE:COLUMN, and the one in force stays; a good one is
# taken (alice is no owner any more).
wait_log() {	# wait_log N PATTERN: until PATTERN is in the log N times
	i=0
	while [ "$(grep -c "$2" "$work/gw.log")" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(grep -c "$2" "$work/gw.log")" -ge "$1" ]
}
printf 'legal@example.com\n' >"$work/logins"
kill -USR1 "$gwpid"
wait_log 1 'reload: action=refused' &&
    grep -q "$work/logins:1:1: sender \"legal@example.com\" has no login" "$work/gw.log"
ok $? "reload with a broken map: refused, the map's line and column logged"
printf 'legal@example.com mallory\n' >"$work/logins"
kill -USR1 "$gwpid"
wait_log 1 'reload: action=loaded'
timeout 60 miltertest -D sock="unix:$work/gw.sock" -D after_reload=1 \
    -D common="$srcdir/common.lua" -s "$srcdir/sender-login.lua" \
    >"$work/mt2.out" 2>&1
rc=$?
[ $rc = 0 ] || diag_file "$work/mt2.out" 20
ok $rc "reload with a new map: alice no longer owns legal@, refused"

kill "$gwpid" 2>/dev/null
i=0
while kill -0 "$gwpid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
wait "$gwpid" 2>/dev/null
gwpid=

log=$(cat "$work/gw.log")
like "$log" ': 4LOGINBAD: smime=refused rule=legal-signs sender=<legal@example\.com> login=mallory sender_login=not-owner action=reject code=550 dsn=5\.7\.1$' \
    "mallory's forgery: one decision line, refused"
like "$log" ': 4LOGINFWD: smime=refused rule=legal-signs sender=<legal@example\.com> login=- sender_login=not-authenticated action=reject code=550 dsn=5\.7\.1$' \
    "the forwarded message without SMTP AUTH: refused"
unlike "$log" 'profile=sign-only' "nothing was signed"
if grep -qE 'Sanitizer|runtime error:' "$work/gw.log"; then
	diag_file "$work/gw.log" 40
	ok 1 "no sanitizer report"
else
	ok 0 "no sanitizer report"
fi
done_testing
exit $?
