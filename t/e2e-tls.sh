#!/bin/sh
# e2e-tls: the inbound TLS policy per sender group through a real Postfix
# (smtpd with a certificate from a test CA, smtpd_tls_security_level=may,
# smtpd_tls_ask_ccert=yes, the test CA in smtpd_tls_CAfile), with swaks as
# the client from several loopback addresses, one per sender group. Each
# case asserts the SMTP reply and what reached the sink (X-Gatewarden-TLS).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 33

# ---- certificates made by the test ----------------------------------
C=$BENCH_WORK/certs
mkdir -p "$C"
mkcert() {	# mkcert NAME CN ISSUER(NAME or "self") [v3 extensions]
	openssl req -new -newkey rsa:2048 -nodes -subj "/O=Gatewarden Test/CN=$2" \
	    -keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null || return 1
	if [ "$3" = self ]; then
		openssl x509 -req -in "$C/$1.csr" -signkey "$C/$1.key" -days 30 \
		    -extfile /dev/stdin -extensions v3 -out "$C/$1.pem" \
		    2>/dev/null <<EXT || return 1
[v3]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
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
EXT
	fi
}
mkcert ca "Partner CA" self &&
    mkcert rogue "Rogue CA" self &&
    mkcert server mx.gateway.test ca &&
    mkcert client client.partner.test ca &&
    mkcert other other.example.test ca &&
    mkcert forged client.partner.test rogue ||
    bail_out "openssl could not make the test certificates"

# ---- alerts go to a recording sendmail ------------------------------
mkdir "$BENCH_WORK/alerts"
cat >"$BENCH_WORK/sendmail" <<EOS
#!/bin/sh
cat >"\$(mktemp "$BENCH_WORK/alerts/mail-XXXXXX")"
EOS
chmod 0755 "$BENCH_WORK/sendmail"

cat >"$BENCH_WORK/gw.yaml.in" <<'EOC'
milter:
  authserv_id: mx.gateway.test
log:
  level: debug
alerts:
  recipients: [postmaster@gateway.test]
  sendmail_command: @WORK@/sendmail
sender_groups:
  - name: partners
    match: { client_ip: [127.0.0.2] }
    tls: required
    client_cert: required
    cert_subject: "client.partner.test"
    cert_issuer: "Partner CA"
  - name: modern
    match: { client_ip: [127.0.0.3] }
    tls: required
    min_tls_version: TLSv1.3
  - name: strong
    match: { client_ip: [127.0.0.4] }
    tls: preferred
    min_cipher_bits: 256
  - name: soft
    match: { client_ip: [127.0.0.5] }
    tls: required
    on_failure: tempfail
  - name: internet
    match: any
    tls: preferred
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_conf \
    "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = $C/server.pem" \
    "smtpd_tls_key_file = $C/server.key" \
    "smtpd_tls_CAfile = $C/ca.pem" \
    "smtpd_tls_ask_ccert = yes" \
    "smtpd_tls_loglevel = 1" || bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"

MSG=$BENCH_WORK/msg.eml
n=0
# send FROM-ADDR [swaks options...]: one message; sets SUBJ.
send() {
	n=$((n + 1))
	SUBJ="tls case $n"
	printf 'From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: %s\r\n\r\nbody %s\r\n' \
	    "$SUBJ" "$n" >"$MSG"
	src=$1
	shift
	bench_swaks --local-interface "$src" --from a@sender.test \
	    --to b@rcpt.test --data "@$MSG" "$@" >/dev/null
}

# The X-Gatewarden-TLS value of the delivered message whose Subject is
# $SUBJ; empty when none arrived.
delivered_tls() {
	for f in $(bench_sink_files); do
		if bench_sink_message "$f" | grep -q "^Subject: $SUBJ\$"; then
			bench_sink_message "$f" |
			    sed -n 's/^X-Gatewarden-TLS: //p'
			return
		fi
	done
}

arrived() {	# arrived COUNT: wait until COUNT messages reached the sink
	bench_wait_delivered "$1" 20
}

# 1. the catch-all group, plain text: accepted, recorded
send 127.0.0.1
is "$(bench_swaks_reply DOT)" 250 "internet, no STARTTLS: accepted"
arrived 1
is "$(delivered_tls)" "group=internet; policy=preferred; version=none" \
    "internet, no STARTTLS: header records no TLS"

# 2. the catch-all group with STARTTLS
send 127.0.0.1 --tls
is "$(bench_swaks_reply DOT)" 250 "internet, STARTTLS: accepted"
arrived 2
like "$(delivered_tls)" \
    '^group=internet; policy=preferred; version=TLSv1\.3; cipher=[A-Z0-9_-]+; bits=(128|256); client-cert=none$' \
    "internet, STARTTLS: header records version, cipher, bits"

# 3. partners without STARTTLS: 530 at MAIL, nothing delivered, one alert
send 127.0.0.2
is "$(bench_swaks_reply MAIL)" 530 "partners, no STARTTLS: MAIL refused 530"
like "$(cat "$BENCH_SWAKS_LOG")" '530 5\.7\.0 Must issue a STARTTLS command first' \
    "partners, no STARTTLS: RFC 3207 text"
send 127.0.0.2
is "$(bench_swaks_reply MAIL)" 530 "partners, no STARTTLS again: refused again"

# 4. partners, STARTTLS without a client certificate
send 127.0.0.2 --tls
is "$(bench_swaks_reply MAIL)" 550 "partners, no client certificate: 550"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 TLS client certificate missing or not verified; required for sender group partners' \
    "partners, no client certificate: the reply names the requirement"

# 5. partners with a certificate from the trusted CA: accepted
send 127.0.0.2 --tls --tls-cert "$C/client.pem" --tls-key "$C/client.key"
is "$(bench_swaks_reply DOT)" 250 "partners, verified certificate: accepted"
arrived 3
like "$(delivered_tls)" \
    '^group=partners; policy=required; version=TLSv1\.3; cipher=[A-Z0-9_-]+; bits=[0-9]+; client-cert=verified$' \
    "partners, verified certificate: header says verified"

# 6. partners with a certificate from an untrusted CA (same subject)
send 127.0.0.2 --tls --tls-cert "$C/forged.pem" --tls-key "$C/forged.key"
is "$(bench_swaks_reply MAIL)" 550 "partners, untrusted CA: 550"
like "$(cat "$BENCH_SWAKS_LOG")" 'client certificate missing or not verified' \
    "partners, untrusted CA: counted as not verified"

# 7. partners with a trusted certificate whose subject does not match
send 127.0.0.2 --tls --tls-cert "$C/other.pem" --tls-key "$C/other.key"
is "$(bench_swaks_reply MAIL)" 550 "partners, wrong subject: 550"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 TLS client certificate subject does not match the one required for sender group partners' \
    "partners, wrong subject: the reply names the requirement"

# 8. min_tls_version TLSv1.3 against a TLSv1.2 client, then TLSv1.3
send 127.0.0.3 --tls --tls-protocol tlsv1_2
is "$(bench_swaks_reply MAIL)" 550 "modern, TLSv1.2: 550"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 TLS version TLSv1\.2 below the TLSv1\.3 required for sender group modern' \
    "modern, TLSv1.2: the reply names version and minimum"
send 127.0.0.3 --tls
is "$(bench_swaks_reply DOT)" 250 "modern, TLSv1.3: accepted"
arrived 4

# 9. min_cipher_bits 256 against a 128-bit cipher; plain text still fine
send 127.0.0.4 --tls --tls-protocol tlsv1_2 --tls-cipher AES128-GCM-SHA256
is "$(bench_swaks_reply MAIL)" 550 "strong, AES-128: 550"
like "$(cat "$BENCH_SWAKS_LOG")" \
    '550 5\.7\.1 TLS cipher strength 128 bits below the 256 required for sender group strong' \
    "strong, AES-128: the reply names bits and minimum"
send 127.0.0.4 --tls --tls-protocol tlsv1_2 --tls-cipher AES256-GCM-SHA384
is "$(bench_swaks_reply DOT)" 250 "strong, AES-256: accepted"
send 127.0.0.4
is "$(bench_swaks_reply DOT)" 250 "strong (preferred), plain text: accepted"
arrived 6

# 10. on_failure: tempfail
send 127.0.0.5
is "$(bench_swaks_reply MAIL)" 451 "soft, no STARTTLS: 451 (tempfail)"
like "$(cat "$BENCH_SWAKS_LOG")" '451 4\.7\.0 Must issue a STARTTLS command first' \
    "soft, no STARTTLS: 4.7.0"

# ---- nothing else arrived; the log and the alerts ---------------------
bench_wait_queue_empty 10
is "$(bench_sink_count)" 6 "exactly the six accepted messages reached the sink"
like "$(cat "$BENCH_GW_LOG")" \
    'group=partners policy=required client=127\.0\.0\.2 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0' \
    "gatewarden logs the refusal with group, requirement and TLS facts"
like "$(cat "$BENCH_GW_LOG")" \
    'group=partners policy=required client=127\.0\.0\.2 tls=TLSv1\.3 .*client_cert=verified cert_subject=client\.partner\.test cert_issuer="Partner CA" action=accept' \
    "Postfix's TLS macros reach gatewarden at MAIL FROM (the CN only)"
# The sender group and TLS verdict at MAIL FROM come before Postfix has a
# queue id (conn#N): the message's own line repeats them, so that a grep
# on the queue id tells the whole story.
qid=$(sed -n 's/^.*: \([0-9A-Za-z]*\): action=accept group=partners .*/\1/p' \
    "$BENCH_GW_LOG" | head -n 1)
like "$(grep "${qid:-no-queue-id}: " "$BENCH_GW_LOG")" \
    ": action=accept group=partners policy=required client=127\.0\.0\.2 tls=TLSv1\.3 cipher=[A-Z0-9_-]+ bits=[0-9]+ client_cert=verified cert_subject=client\.partner\.test cert_issuer=\"Partner CA\" body=not-read rcpts=not-read headers_removed=0 conn=[0-9]+\$" \
    "grep on the partner message's queue id shows its group and TLS facts"
i=0
while [ "$(ls "$BENCH_WORK/alerts" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
is "$(grep -l 'required TLS missing, sender group partners, client 127.0.0.2' "$BENCH_WORK"/alerts/* | wc -l | tr -d ' ')" 1 \
    "two plain partner sessions: one alert (rate limited)"
is "$(grep -l 'sender group soft, client 127.0.0.5' "$BENCH_WORK"/alerts/* | wc -l | tr -d ' ')" 1 \
    "the tempfail group alerts too"
like "$(cat "$BENCH_GW_LOG")" 'alert=tls-required action=rate-limited key="tls-required group=partners client=127\.0\.0\.2"' \
    "the second alert is logged as rate limited"
bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
unlike "$(cat "$BENCH_GW_LOG")" 'smfi_setreply refused' "every reply text was taken"
done_testing
exit $?
