#!/bin/sh
# milter-dane.sh - the milter's RCPT-time DANE check against the DNSSEC lab
# (t/lib/dnslab.sh: nsd + validating unbound, zones signed by the test):
# gatewarden, pointed at the lab by its dns: section, accepts recipients of
# mandatory-DANE domains whose MX host has a usable secure TLSA RRset,
# refuses (5xx) those without, tempfails (4xx) bogus and SERVFAIL answers,
# caches answers, leaves inbound mail alone, and mails one alert for a
# destination with alert_on_failure.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
. "${top_srcdir:-.}/t/lib/dnslab.sh"
PATH=$PATH:/usr/sbin
srcdir=${top_srcdir:-.}/t/miltertest
gw=${top_builddir:-.}/milter/gatewarden

WORK=$(mktemp -d /tmp/gw-mdane-XXXXXX) || exit 1
gwpid=
cleanup() {
	if [ -n "$gwpid" ]; then
		kill "$gwpid" 2>/dev/null
		wait "$gwpid" 2>/dev/null
	fi
	dnslab_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP


plan 12
dnslab_start "$WORK/lab"
ok $? "the DNSSEC lab starts"

mkdir "$WORK/mail"
cat >"$WORK/sendmail" <<EOS
#!/bin/sh
f=\$(mktemp "$WORK/mail/msg-XXXXXX")
cat >"\$f"
EOS
chmod 0755 "$WORK/sendmail"
{
	cat <<EOC
milter:
  socket: unix:$WORK/gw.sock
  socket_mode: "0600"
  spool_dir: $WORK/spool
  timeout: 10s
alerts:
  recipients: [postmaster@example.test]
  sendmail_command: $WORK/sendmail
dns:
  mode: recursive
  trust_anchor_file: $LAB_TA
  timeout: 5s
  stub_zones:
EOC
	echo "$LAB_STUBS" | while read -r zone addr; do
		echo "    - name: $zone"
		echo "      addresses: [\"$addr\"]"
	done
	cat <<EOC
sender_groups:
  - name: internal
    match: { client_ip: [192.0.2.0/24] }
    direction: outbound
  - name: internet
    match: any
destinations:
  default: { dane: none }
  domains:
    d311.test: { dane: mandatory }
    nodata.test: { dane: mandatory }
    bogusmx.test: { dane: mandatory, alert_on_failure: true }
    sf.test: { dane: mandatory }
EOC
} >"$WORK/gw.yaml"

"$gw" -f -c "$WORK/gw.yaml" 2>"$WORK/gw.log" &
gwpid=$!
i=0
while [ ! -S "$WORK/gw.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$WORK/gw.sock" ]
ok $? "gatewarden starts with the lab as its resolver"

timeout 120 miltertest -D sock="unix:$WORK/gw.sock" \
    -D common="$srcdir/common.lua" -s "$srcdir/dane-rcpt.lua" \
    >"$WORK/mt.out" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$WORK/mt.out"
ok $rc "miltertest: every RCPT reply as expected"

logline() {	# logline NAME REGEX: one log line matches
	if grep -Eq "$2" "$WORK/gw.log"; then
		ok 0 "$1"
	else
		ok 1 "$1"
		echo "# want a line matching: $2"
		grep 'rcpt_domain=' "$WORK/gw.log" | sed 's/^/# got: /'
	fi
}
logline "3 1 1 usable: accepted, looked up once" \
    '4DANEOUT: rcpt_domain=d311\.test dane=mandatory action=accept cached=no$'
logline "second recipient of the domain: from the cache" \
    '4DANEOUT: rcpt_domain=d311\.test dane=mandatory action=accept cached=yes$'
logline "no TLSA (secure NODATA): 550 5.7.10" \
    '4DANEOUT: rcpt_domain=nodata\.test dane=mandatory action=reject code=550 dsn=5\.7\.10 '
logline "bogus MX host: 450, never downgraded" \
    '4DANEOUT: rcpt_domain=bogusmx\.test dane=mandatory action=tempfail code=450 dsn=4\.7\.5 '
logline "TLSA SERVFAIL: 450, not \"no TLSA\"" \
    '4DANEOUT: rcpt_domain=sf\.test dane=mandatory action=tempfail code=450 dsn=4\.7\.10 '

logline "a domain only the MTA can read: 553, not let through unchecked" \
    '4DANEOUT: rcpt_domain=unknown dane=mandatory action=reject code=553 dsn=5\.1\.3 reason=ambiguous-recipient'

! grep -q '4DANEIN: rcpt_domain=' "$WORK/gw.log"
ok $? "inbound mail is not checked"

i=0
while [ "$(ls "$WORK/mail" | wc -l)" -lt 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(ls "$WORK/mail" | wc -l)" = 1 ] &&
    grep -q '^Subject: gatewarden alert: DANE cannot be satisfied for bogusmx.test$' "$WORK"/mail/msg-*
ok $? "one alert, for the destination with alert_on_failure"

kill "$gwpid"
wait "$gwpid"
gwpid=
unlike "$(cat "$WORK/gw.log")" 'Sanitizer|runtime error:' "no sanitizer report"
done_testing
exit $?
