#!/bin/sh
# test_policy_miltertest.sh - the inbound TLS policy over the milter
# protocol: miltertest feeds the macros exactly as Sendmail (and, in some
# cases, Postfix) spells them to gatewarden, per-listener groups
# included. Each case asserts the milter's replies in Lua; this script
# then asserts the decision log line of every queue id (code, status,
# requirement), that the "required TLS missing" alert was mailed once per
# group and client (rate limited, through a recording stand-in for the
# sendmail command), and that no reply was refused by libmilter and no
# sanitizer spoke.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
srcdir=${top_srcdir:-.}/t/miltertest
gw=${top_builddir:-.}/milter/gatewarden

work=$(mktemp -d /tmp/gw-pmt-XXXXXX)
hpid=

cleanup() {
	if [ -n "$hpid" ]; then
		kill "$hpid" 2>/dev/null
		wait "$hpid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM


cases="tls-plain-refused tls-verified-accepted tls-verify-fail tls-verify-no
tls-weak-cipher tls-old-version tls-subject-mismatch tls-tempfail tls-dn-rule
tls-default-plain tls-postfix listener-postfix listener-sendmail no-client-addr"

# queue id, then the rest of its log line (an extended regex, anchored).
expect_lines() {
	P='group=partners policy=required client=192\.0\.2'
	cat <<EOL
4PLAIN1 $P\.20 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0
4PLAIN2 $P\.20 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0
4TLSOK $P\.21 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=verified cert_subject="/C=DE/O=Partner GmbH/CN=mta\.partner\.test" cert_issuer="/C=DE/O=Partner GmbH/CN=Partner CA" action=accept requirement=none reason=ok
4VFAIL $P\.22 .* client_cert=unverified .* action=reject requirement=client_cert reason=client_cert_unverified code=550 dsn=5\.7\.1
4VNO $P\.23 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=none action=reject requirement=client_cert reason=client_cert_missing code=550 dsn=5\.7\.1
4WEAK $P\.24 tls=TLSv1\.2 cipher=DES-CBC3-SHA bits=112 client_cert=verified .* action=reject requirement=min_cipher_bits reason=cipher_bits_low code=550 dsn=5\.7\.1
4OLDV $P\.25 tls=TLSv1\.1 .* action=reject requirement=min_tls_version reason=tls_version_low code=550 dsn=5\.7\.1
4SUBJ $P\.26 .* client_cert=verified .* action=reject requirement=cert_subject reason=cert_subject_mismatch code=550 dsn=5\.7\.1
4SOFT group=partners-soft policy=required client=198\.51\.100\.5 tls=none client_cert=none action=tempfail requirement=tls reason=no_tls code=451 dsn=4\.7\.0
4DNOK group=dn-rule policy=required client=203\.0\.113\.5 .* action=accept requirement=none reason=ok
4DNBAD group=dn-rule policy=required client=203\.0\.113\.6 .* action=reject requirement=cert_subject reason=cert_subject_mismatch code=550 dsn=5\.7\.1
4CLEAR group=default policy=preferred client=2001:db8:ffff::9 tls=none client_cert=none action=accept requirement=none reason=ok
4PFOK $P\.27 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=verified cert_subject=mta\.partner\.test cert_issuer="Partner CA" action=accept requirement=none reason=ok
4PFNOCERT $P\.28 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=none action=reject requirement=client_cert reason=client_cert_missing code=550 dsn=5\.7\.1
4LSMTPS group=submission policy=required client=100\.64\.0\.1 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=none action=accept requirement=none reason=ok
4L587 group=submission policy=required client=100\.64\.0\.2 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0
4LMX group=default policy=preferred client=100\.64\.0\.3 tls=none client_cert=none action=accept requirement=none reason=ok
4LNOMACRO group=default policy=preferred client=100\.64\.0\.8 tls=none client_cert=none action=accept requirement=none reason=ok
4LMSA group=submission policy=required client=100\.64\.0\.4 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0
4LMSATLS group=submission policy=required client=100\.64\.0\.5 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=none action=accept requirement=none reason=ok
4LADDR group=submission policy=required client=100\.64\.0\.6 tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=none action=accept requirement=none reason=ok
4LMTA group=default policy=preferred client=100\.64\.0\.7 tls=none client_cert=none action=accept requirement=none reason=ok
EOL
}

ncases=$(echo $cases | wc -w)
nlines=$(expect_lines | wc -l)
plan $((1 + ncases + nlines + 5))

# The sendmail command the alerts go through: records each call.
mkdir "$work/mail"
cat >"$work/sendmail" <<EOS
#!/bin/sh
f=\$(mktemp "$work/mail/msg-XXXXXX")
echo "argv: \$*" >"\$f"
cat >>"\$f"
EOS
chmod 0755 "$work/sendmail"
{
	cat <<EOC
milter:
  socket: unix:$work/h.sock
  socket_mode: "0600"
  spool_dir: $work/spool
  timeout: 10s
alerts:
  recipients: [postmaster@gw.example.test]
  from: gatewarden@gw.example.test
  sendmail_command: $work/sendmail
  rate_limit: 1h
EOC
	grep -v -e '^alerts:' -e '^  rate_limit:' "$srcdir/tls.yaml"
} >"$work/gw.yaml"
"$gw" -f -c "$work/gw.yaml" 2>"$work/h.log" &
hpid=$!
i=0
while [ ! -S "$work/h.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -S "$work/h.sock" ]
ok $? "gatewarden listens"

for c in $cases; do
	timeout 60 miltertest -D sock="unix:$work/h.sock" \
	    -D common="$srcdir/common.lua" -D tls_common="$srcdir/tls-common.lua" \
	    -s "$srcdir/$c.lua" >"$work/$c.out" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$work/$c.out"
	ok $rc "$c: miltertest case passes"
done

kill "$hpid" 2>/dev/null
i=0
while kill -0 "$hpid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
wait "$hpid" 2>/dev/null
hpid=

grep -Eq '^gatewarden\[[0-9]+\]: warning: 4NOADDR: action=tempfail reason=no-client-address conn=[0-9]+ ' "$work/h.log"
ok $? "no-client-addr: the tempfail is logged with its reason"

expect_lines >"$work/expect"
while read -r qid rest; do
	grep -Eq "^gatewarden\[[0-9]+\]: $qid: $rest\$" "$work/h.log"
	rc=$?
	if [ $rc != 0 ]; then
		echo "# want: $qid: $rest"
		grep ": $qid: " "$work/h.log" | sed 's/^/# got:  /'
	fi
	ok $rc "log line of $qid"
done <"$work/expect"

# Alert mails are sent in the background: they were all written by the
# time gatewarden stopped (it waits for nothing else), give them a moment.
i=0
while [ "$(ls "$work/mail" | wc -l)" -lt 4 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
nmail=$(ls "$work/mail" | wc -l)
partner=$(grep -l '^Subject: gatewarden alert: required TLS missing, sender group partners, client 192.0.2.20$' "$work"/mail/msg-* 2>/dev/null | wc -l)
soft=$(grep -l 'sender group partners-soft, client 198.51.100.5$' "$work"/mail/msg-* 2>/dev/null | wc -l)
listener=$(grep -l 'sender group submission, client 100.64.0.[24]$' "$work"/mail/msg-* 2>/dev/null | wc -l)
limited=$(grep -c 'alert=tls-required action=rate-limited key="tls-required group=partners client=192.0.2.20"' "$work/h.log")
[ "$nmail" = 4 ] && [ "$partner" = 1 ] && [ "$soft" = 1 ] && [ "$listener" = 2 ] && [ "$limited" = 1 ] &&
    grep -q '^argv: -oi -f gatewarden@gw.example.test -- postmaster@gw.example.test$' "$work"/mail/msg-*
rc=$?
if [ $rc != 0 ]; then
	echo "# mails=$nmail partner=$partner soft=$soft listener=$listener rate_limited=$limited"
	grep 'alert=' "$work/h.log" | sed 's/^/# /'
fi
ok $rc "two plaintext refusals from one partner client: one alert mail (rate limited); the tempfail group's refusal alerts too, and each submission listener's"

# Only the connection without listener macros is warned of (the Sendmail
# cases all send {daemon_name}), once.
[ "$(grep -c 'warning: conn#[0-9]*: reason=no-listener-macros the MTA sent none of {daemon_name}, {daemon_addr}, {daemon_port}: the listener conditions of sender_groups match nothing' "$work/h.log")" = 1 ]
ok $? "no listener macros while groups have listener conditions: one warning"

! grep -q 'smfi_setreply refused' "$work/h.log"
ok $? "libmilter took every reply text"

if grep -qE 'Sanitizer|runtime error:' "$work/h.log"; then
	sed 's/^/# /' "$work/h.log" | head -40
	ok 1 "no sanitizer report"
else
	ok 0 "no sanitizer report"
fi

done_testing
exit $?
