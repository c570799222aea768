#!/bin/sh
# alert-burst.sh - a client that varies its address cannot turn the
# "required TLS missing" alert into a mail flood: 25 refusals from 25
# addresses give 20 alert mails, the rest are logged as rate limited.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
srcdir=${top_srcdir:-.}/t/miltertest
gw=${top_builddir:-.}/milter/gatewarden
work=$(mktemp -d /tmp/gw-burst-XXXXXX)
gwpid=
trap '[ -n "$gwpid" ] && kill $gwpid 2>/dev/null; rm -rf "$work"' EXIT
plan 4

mkdir "$work/mail"
cat >"$work/sendmail" <<EOS
#!/bin/sh
cat >"\$(mktemp "$work/mail/msg-XXXXXX")"
EOS
chmod 0755 "$work/sendmail"
cat >"$work/gw.yaml" <<EOC
milter:
  socket: unix:$work/gw.sock
  spool_dir: $work/spool
alerts:
  recipients: [postmaster@example.test]
  sendmail_command: $work/sendmail
  rate_limit: 1h
sender_groups:
  - name: partners
    match: { client_ip: [198.18.0.0/15] }
    tls: required
  - name: rest
    match: any
EOC
"$gw" -f -c "$work/gw.yaml" 2>"$work/gw.log" &
gwpid=$!
i=0
while [ ! -S "$work/gw.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
timeout 120 miltertest -D sock="unix:$work/gw.sock" -D common="$srcdir/common.lua" \
    -s "$srcdir/alert-burst.lua" >"$work/mt.out" 2>&1
ok $? "25 plain sessions of a required group are refused"
i=0
while [ "$(ls "$work/mail" | wc -l)" -lt 20 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
is "$(ls "$work/mail" | wc -l | tr -d ' ')" 20 "20 alert mails, not 25"
is "$(grep -c 'alert=tls-required action=rate-limited .*more than 20 alerts of this kind' "$work/gw.log")" 5 \
    "the other 5 are logged as rate limited"
kill "$gwpid"
wait "$gwpid"
gwpid=
unlike "$(cat "$work/gw.log")" 'Sanitizer|runtime error:' "no sanitizer report"
done_testing
exit $?
