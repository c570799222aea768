#!/bin/sh
# e2e-sendmail: gatewarden behind a real Sendmail (Debian's sendmail-bin,
# unpacked into the work folder and run in private namespaces by
# t/lib/sendmail.sh) configured as the README's "Hooking up Sendmail"
# says: INPUT_MAIL_FILTER with F=T and the confMILTER_MACROS_* lists, with
# STARTTLS (a certificate from a test CA, the CA as CACertFile so that
# client certificates are asked for and verified). Sendmail relays to the
# bench's smtp-sink; swaks is the client from several loopback addresses.
# Each case asserts the SMTP reply and what reached the sink; the log
# shows that Sendmail's macros (not Postfix's) were what gatewarden read.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/sendmail.sh"

bench_init
sendmail_init
plan 42

# ---- certificates made by the test ----------------------------------
C=$BENCH_WORK/certs
mkdir -p "$C"
mkcert() {	# mkcert NAME CN ISSUER(NAME or "self")
	openssl req -new -newkey rsa:2048 -nodes -subj "/O=Gatewarden Test/CN=$2" \
	    -keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null || return 1
	if [ "$3" = self ]; then
		openssl x509 -req -in "$C/$1.csr" -signkey "$C/$1.key" -days 30 \
		    -extfile /dev/stdin -extensions v3 -out "$C/$1.pem" \
		    2>/dev/null <<EXT || return 1
[v3]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EXT
	else
		openssl x509 -req -in "$C/$1.csr" -CA "$C/$3.pem" -CAkey "$C/$3.key" \
		    -CAcreateserial -days 30 -extfile /dev/stdin -extensions v3 \
		    -out "$C/$1.pem" 2>/dev/null <<EXT || return 1
[v3]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:$2
authorityKeyIdentifier = keyid
EXT
	fi
}
mkcert ca "Partner CA" self &&
    mkcert rogue "Partner CA" self &&
    mkcert server mx.sendmail.gatewarden.test ca &&
    mkcert client client.partner.test ca &&
    mkcert other other.example.test ca &&
    mkcert forged client.partner.test rogue ||
    bail_out "openssl could not make the test certificates"
# Only the test CA is trusted (the rogue one sits beside it in $C).
mkdir "$C/trust" && cp "$C/ca.pem" "$C/trust/" || bail_out "cp failed"

# partners: a DN rule (Sendmail sends the whole DN, xtext-encoded);
# cn-rule: the same certificate through a common-name rule.
cat >"$BENCH_WORK/gw.yaml.in" <<'EOC'
milter:
  authserv_id: mx.gateway.test
log:
  level: debug
sender_groups:
  - name: partners
    match: { client_ip: [127.0.0.2] }
    tls: required
    client_cert: required
    cert_subject: "/O=Gatewarden Test/CN=client.partner.test"
    cert_issuer: "Partner CA"
  - name: cn-rule
    match: { client_ip: [127.0.0.3] }
    tls: required
    client_cert: required
    cert_subject: "client.partner.test"
  - name: internet
    match: any
    tls: preferred
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
sendmail_mc \
    "define(\`confSERVER_CERT', \`$C/server.pem')dnl" \
    "define(\`confSERVER_KEY', \`$C/server.key')dnl" \
    "define(\`confCACERT', \`$C/trust/ca.pem')dnl" \
    "define(\`confCACERT_PATH', \`$C/trust')dnl"
sendmail_start || bail_out "Sendmail did not start"

MSG=$BENCH_WORK/msg.eml
n=0
# send FROM-ADDR [swaks options...]: one message with a Date and a
# Message-ID, so that Sendmail adds no header but its Received; sets SUBJ.
# The body has no final CRLF: swaks sends one before the ".".
send() {
	n=$((n + 1))
	SUBJ="sendmail case $n"
	printf 'From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: %s\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <case.%s@sender.test>\r\n\r\nbody %s' \
	    "$SUBJ" "$n" "$n" >"$MSG"
	src=$1
	shift
	bench_swaks --local-interface "$src" --from a@sender.test \
	    --to b@rcpt.test --data "@$MSG" "$@" >/dev/null
}

# The delivered dump whose Subject is $SUBJ; empty when none arrived.
delivered_file() {
	for f in $(bench_sink_files); do
		if bench_sink_message "$f" | grep -q "^Subject: $SUBJ\$"; then
			echo "$f"
			return
		fi
	done
}

delivered_tls() {
	_f=$(delivered_file)
	[ -n "$_f" ] && bench_sink_message "$_f" | sed -n 's/^X-Gatewarden-TLS: //p'
}

arrived() {	# arrived COUNT: until COUNT messages were delivered
	sendmail_wait_delivered "$1" 20
}

# ---- 1. plain text, the catch-all group -------------------------------
send 127.0.0.1
is "$(bench_swaks_reply DOT)" 250 "plain: accepted" || diag_file "$BENCH_SWAKS_LOG" 20
arrived 1
ok $? "plain: delivered to the sink"
is "$(delivered_tls)" "group=internet; policy=preferred; version=none" \
    "plain: X-Gatewarden-TLS records no TLS"
f=$(delivered_file)
like "$(bench_sink_message "$f" | sed -n '1,3p' | tr '\n' ' ')" \
    '^Received: from client\.bench\.gatewarden\.test .*by mx\.sendmail\.gatewarden\.test \(8\.[0-9.]+/8\.[0-9.]+\) with ESMTP id ' \
    "plain: Sendmail's own Received comes first"
{ tr -d '\r' <"$MSG" | sed '/^$/i\
X-Gatewarden-TLS: group=internet; policy=preferred; version=none'; echo; } \
    >"$BENCH_WORK/want1.eml"
bench_sink_message "$f" | bench_drop_received >"$BENCH_WORK/got1.eml"
cmp -s "$BENCH_WORK/want1.eml" "$BENCH_WORK/got1.eml"
ok $? "plain: the rest is as sent, plus gatewarden's header at the end" ||
    diag "$(diff -u "$BENCH_WORK/want1.eml" "$BENCH_WORK/got1.eml")"

# ---- 2. forged headers -------------------------------------------------
# Each line: K (kept) or D (deleted), a tab, the header as sent; A marks
# where gatewarden's X-Gatewarden-TLS arrives. Sendmail does not append
# it: smfi_addheader reuses the slot of a deleted header of the same name
# (here the forged lower-case copy), where Postfix appends.
cat >"$BENCH_WORK/headers.tab" <<'EOT'
K	From: alice@sender.test
K	To: bob@rcpt.test
D	X-Gatewarden-Anything: forged verdict
K	Subject: sendmail hygiene
D	X-GATEWARDEN-anything: a second copy, in another case
D	Authentication-Results: mx.gateway.test; smime=pass
K	Authentication-Results: other.example; dkim=pass header.d=sender.test
D	x-gatewarden-tls: group=partners; policy=required; version=TLSv1.3
A	X-Gatewarden-TLS: group=internet; policy=preferred; version=none
D	Authentication-Results: MX.Gateway.Test 1; smime=pass
K	Authentication-Results: mx.gateway.test.evil.example; smime=pass
K	X-Gatewarden: not our prefix, no dash
K	Date: Wed, 25 Nov 2026 10:00:00 +0000
K	Message-ID: <hygiene.1@sender.test>
EOT
{
	grep -v '^A' "$BENCH_WORK/headers.tab" | cut -f2- | sed 's/$/\r/'
	printf '\r\nX-Gatewarden-In-Body: stays, this is body text\r\nbye'
} >"$BENCH_WORK/sent2.eml"
{
	grep '^[KA]' "$BENCH_WORK/headers.tab" | cut -f2-
	printf '\nX-Gatewarden-In-Body: stays, this is body text\nbye\n'
} >"$BENCH_WORK/want2.eml"
bench_swaks --local-interface 127.0.0.1 --from alice@sender.test \
    --to bob@rcpt.test --data "@$BENCH_WORK/sent2.eml" >/dev/null
is "$(bench_swaks_reply DOT)" 250 "forged headers: accepted"
arrived 2
SUBJ="sendmail hygiene"
f=$(delivered_file)
bench_sink_message "$f" | bench_drop_received >"$BENCH_WORK/got2.eml"
head=$(sed '/^$/q' "$BENCH_WORK/got2.eml")
is "$(printf '%s\n' "$head" | grep -ic '^x-gatewarden-')" 1 \
    "forged headers: only gatewarden's own X-Gatewarden-* arrives"
is "$(printf '%s\n' "$head" | grep -ic '^Authentication-Results: *mx\.gateway\.test *[0-9]* *;')" 0 \
    "forged headers: no Authentication-Results with our authserv-id"
cmp -s "$BENCH_WORK/want2.eml" "$BENCH_WORK/got2.eml"
ok $? "forged headers: exactly those are gone; the rest is as sent" ||
    diag "$(diff -u "$BENCH_WORK/want2.eml" "$BENCH_WORK/got2.eml")"
like "$(cat "$BENCH_GW_LOG")" ': action=accept group=internet .*headers_removed=5 ' \
    "forged headers: gatewarden logs five removals"

# ---- 3. STARTTLS without a client certificate ------------------------
send 127.0.0.1 --tls
is "$(bench_swaks_reply STARTTLS)" 220 "STARTTLS offered and taken"
is "$(bench_swaks_reply DOT)" 250 "STARTTLS: accepted"
arrived 3
like "$(delivered_tls)" \
    '^group=internet; policy=preferred; version=TLSv1\.3; cipher=[A-Z0-9_-]+; bits=(128|256); client-cert=none$' \
    "STARTTLS: the header records version, cipher, bits, no certificate"

# ---- 4. tls: required without STARTTLS ---------------------------------
send 127.0.0.2
is "$(bench_swaks_reply MAIL)" 530 "partners, no STARTTLS: MAIL refused 530"
like "$(cat "$BENCH_SWAKS_LOG")" '530 5\.7\.0 Must issue a STARTTLS command first' \
    "partners, no STARTTLS: 5.7.0 and the RFC 3207 text"

# ---- 5. client certificates: {verify} and the DN rule -------------------
send 127.0.0.2 --tls --tls-cert "$C/client.pem" --tls-key "$C/client.key"
is "$(bench_swaks_reply DOT)" 250 "partners, verified certificate, DN rule: accepted" ||
    diag_file "$BENCH_SWAKS_LOG" 30
arrived 4
like "$(delivered_tls)" \
    '^group=partners; policy=required; version=TLSv1\.3; cipher=[A-Z0-9_-]+; bits=[0-9]+; client-cert=verified$' \
    "partners, verified certificate: the header says verified"
like "$(cat "$BENCH_GW_LOG")" \
    'group=partners policy=required client=127\.0\.0\.2 tls=TLSv1\.3 .*client_cert=verified cert_subject="/O=Gatewarden Test/CN=client\.partner\.test" .*action=accept' \
    "partners: Sendmail's whole DN reached gatewarden, decoded"

send 127.0.0.2 --tls
is "$(bench_swaks_reply MAIL)" 550 "partners, no client certificate: 550"
# Sendmail puts the sender address before the text of a 5xx at MAIL.
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 <a@sender\.test>\.\.\. TLS client certificate missing or not verified; required for sender group partners' \
    "partners, no client certificate: the reply names the requirement"

send 127.0.0.2 --tls --tls-cert "$C/forged.pem" --tls-key "$C/forged.key"
is "$(bench_swaks_reply MAIL)" 550 "partners, same DN from an untrusted CA: 550"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 <a@sender\.test>\.\.\. TLS client certificate did not verify; sender group partners requires a verified one' \
    "partners, untrusted CA: Sendmail's {verify} counts as not verified"

send 127.0.0.2 --tls --tls-cert "$C/other.pem" --tls-key "$C/other.key"
is "$(bench_swaks_reply MAIL)" 550 "partners, trusted CA, other DN: 550"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 <a@sender\.test>\.\.\. TLS client certificate subject does not match the one required for sender group partners' \
    "partners, other DN: the reply names the subject"

send 127.0.0.3 --tls --tls-cert "$C/client.pem" --tls-key "$C/client.key"
is "$(bench_swaks_reply DOT)" 250 "cn-rule, verified certificate: accepted"
arrived 5
like "$(delivered_tls)" '^group=cn-rule; policy=required; .*client-cert=verified$' \
    "cn-rule: the header says verified"
send 127.0.0.3 --tls --tls-cert "$C/other.pem" --tls-key "$C/other.key"
is "$(bench_swaks_reply MAIL)" 550 "cn-rule, other common name: 550"

# ---- 6. one session: refused in plain text, STARTTLS, two messages ------
# swaks sends one message per session; this client (python3's smtplib)
# writes "STEP CODE" lines. The verdict is made at each MAIL from the
# macros Sendmail sends after STARTTLS, and holds for every message.
timeout 60 python3 - "$SM_PORT" "$C/client.pem" "$C/client.key" \
    >"$BENCH_WORK/session.log" 2>&1 <<'PY'
import smtplib, ssl, sys
s = smtplib.SMTP(local_hostname="client.partner.test", timeout=30,
                 source_address=("127.0.0.2", 0))
s._host = "mx.sendmail.gatewarden.test"	# the name STARTTLS sends (SNI)
s.connect("127.0.0.1", int(sys.argv[1]))
s.ehlo()
print("MAIL0", s.docmd("MAIL FROM:<a@sender.test>")[0])
print("RSET", s.docmd("RSET")[0])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
print("STARTTLS", s.starttls(context=ctx)[0])
s.ehlo()
for i in (1, 2):
    print("MAIL%d" % i, s.docmd("MAIL FROM:<a@sender.test>")[0])
    print("RCPT%d" % i, s.docmd("RCPT TO:<b@rcpt.test>")[0])
    print("DATA%d" % i, s.docmd("DATA")[0])
    s.send(b"From: a@sender.test\r\nSubject: session message %d\r\n"
           b"\r\nbody\r\n.\r\n" % i)
    print("DOT%d" % i, s.getreply()[0])
s.quit()
PY
is "$(tr '\n' ' ' <"$BENCH_WORK/session.log")" \
    "MAIL0 530 RSET 250 STARTTLS 220 MAIL1 250 RCPT1 250 DATA1 354 DOT1 250 MAIL2 250 RCPT2 250 DATA2 354 DOT2 250 " \
    "one session: 530 in plain text, then STARTTLS and two messages accepted" ||
    diag_file "$BENCH_WORK/session.log"
arrived 7
for SUBJ in "session message 1" "session message 2"; do
	like "$(delivered_tls)" '^group=partners; policy=required; version=TLSv1\.3; .*client-cert=verified$' \
	    "one session: '$SUBJ' records the TLS of its session"
done

# ---- what gatewarden saw -------------------------------------------------
like "$(cat "$BENCH_GW_LOG")" 'stage=connect mta=sendmail client=127\.0\.0\.1 ' \
    "gatewarden recognised Sendmail from its macros"
unlike "$(cat "$BENCH_GW_LOG")" 'mta=postfix' "and never took it for Postfix"
like "$(cat "$BENCH_GW_LOG")" \
    'group=partners policy=required client=127\.0\.0\.2 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0' \
    "the refusal without STARTTLS is logged with group and facts"
like "$(cat "$SM_LOG")" 'Milter: from=<a@sender\.test>, reject=530 5\.7\.0 Must issue a STARTTLS command first' \
    "Sendmail logs the milter's 530"
sendmail_wait_queue_empty 10
ok $? "Sendmail's queue is empty"
is "$(bench_sink_count)" 7 "exactly the seven accepted messages reached the sink"

# ---- F=T: gatewarden stopped ------------------------------------------
bench_gatewarden_stop
is "$?" 0 "gatewarden stops cleanly (no sanitizer report)"
unlike "$(cat "$BENCH_GW_LOG")" 'smfi_setreply refused' "every reply text was taken"
send 127.0.0.1
first=$(for p in MAIL RCPT DATA DOT; do bench_swaks_reply "$p"; done |
    grep -v '^[23]' | head -n 1)
like "$first" '^4[0-9][0-9]$' "gatewarden stopped: Sendmail tempfails (F=T)" ||
    diag_file "$BENCH_SWAKS_LOG" 30
is "$(bench_swaks_reply DOT)" "" "gatewarden stopped: the message was not accepted"
like "$(cat "$SM_LOG")" 'Milter: initialization failed, temp failing commands' \
    "Sendmail logs the unreachable milter and tempfails"
sleep 1
is "$(bench_sink_count)$(sendmail_queue_count)" 70 \
    "gatewarden stopped: nothing delivered, nothing queued"
done_testing
exit $?
