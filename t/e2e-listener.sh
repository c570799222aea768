#!/bin/sh
# e2e-listener: per-listener policy and implicit TLS through a real
# Postfix with three smtpd listeners, as RFC 8314 has them: the bench's
# own port as the MX (25, Postfix's default {daemon_name}), a submission
# port with STARTTLS (587), and a submissions port with TLS from the
# first byte (465: smtpd_tls_wrappermode = yes, named smtps with
# -o milter_macro_daemon_name). One sender group with tls: required
# matches the smtps listener by name and the submission port by its
# {daemon_port}: a client that speaks TLS at once on 465 is accepted and
# the TLS header records the session; the same group on 587 still
# refuses plain text, and takes STARTTLS; the MX takes plain text.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 15

swaks --support 2>&1 | grep -q 'TLS supported' ||
    bail_out "swaks has no TLS (Debian: libnet-ssleay-perl, libio-socket-ssl-perl)"

C=$BENCH_WORK/certs
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mx.gateway.test" \
    -keyout "$C/server.key" -out "$C/server.pem" 2>/dev/null ||
    bail_out "openssl could not make the server certificate"

P587=$(bench_free_port) && P465=$(bench_free_port) ||
    bail_out "no free ports"
[ "$P587" != "$P465" ] || P465=$(bench_free_port)

# Alerts (tls: required refused) go to a recording sendmail.
mkdir "$BENCH_WORK/alerts"
cat >"$BENCH_WORK/sendmail" <<EOS
#!/bin/sh
cat >"\$(mktemp "$BENCH_WORK/alerts/mail-XXXXXX")"
EOS
chmod 0755 "$BENCH_WORK/sendmail"

cat >"$BENCH_WORK/gw.yaml.in" <<EOC
milter:
  authserv_id: mx.gateway.test
log:
  level: debug
alerts:
  recipients: [postmaster@gateway.test]
  sendmail_command: $BENCH_WORK/sendmail
sender_groups:
  - name: submission
    match: { listener: [smtps, $P587] }
    tls: required
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
    "smtpd_tls_loglevel = 1" || bail_out "postconf failed"
bench_postfix_master \
    "127.0.0.1:$P587/inet=127.0.0.1:$P587 inet n - n - - smtpd" \
    "127.0.0.1:$P465/inet=127.0.0.1:$P465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o milter_macro_daemon_name=smtps" ||
    bail_out "postconf -M failed"
bench_postfix_start || bail_out "Postfix did not start"
bench_wait_listen "$P587" && bench_wait_listen "$P465" ||
    bail_out "the submission listeners did not come up"

MSG=$BENCH_WORK/msg.eml
n=0
send() {	# send PORT [swaks options...]: one message; sets SUBJ
	n=$((n + 1))
	SUBJ="listener case $n"
	printf 'From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: %s\r\n\r\nbody %s\r\n' \
	    "$SUBJ" "$n" >"$MSG"
	port=$1
	shift
	bench_swaks --server "127.0.0.1:$port" --from a@sender.test \
	    --to b@rcpt.test --data "@$MSG" "$@" >/dev/null
}
delivered_tls() {	# X-Gatewarden-TLS of the message with Subject $SUBJ
	for f in $(bench_sink_files); do
		if bench_sink_message "$f" | grep -q "^Subject: $SUBJ\$"; then
			bench_sink_message "$f" | sed -n 's/^X-Gatewarden-TLS: //p'
			return
		fi
	done
}

# 1. 465, TLS from the first byte (swaks --tlsc): accepted and recorded
send "$P465" --tlsc
is "$(bench_swaks_reply DOT)" 250 "465 implicit TLS, tls: required: accepted"
like "$(cat "$BENCH_SWAKS_LOG")" 'TLS started with cipher' \
    "465: swaks spoke TLS before the greeting"
bench_wait_delivered 1 20
like "$(delivered_tls)" \
    '^group=submission; policy=required; version=TLSv1\.[23]; cipher=[A-Z0-9_-]+; bits=[0-9]+; client-cert=none$' \
    "465: X-Gatewarden-TLS records the group and the TLS session"

# 2. 465 in plain text: no SMTP greeting at all, the server waits for a
# TLS handshake (a short wait is enough to see that)
send "$P465" --timeout 3
isnt "$(bench_swaks_reply DOT)" 250 "465 without TLS: no message gets through"

# 3. 587 without STARTTLS: the same group refuses plain text
send "$P587"
is "$(bench_swaks_reply MAIL)" 530 "587 plain text, same group: MAIL refused 530"
like "$(cat "$BENCH_SWAKS_LOG")" '530 5\.7\.0 Must issue a STARTTLS command first' \
    "587 plain text: RFC 3207 reply"

# 4. 587 with STARTTLS: accepted
send "$P587" --tls
is "$(bench_swaks_reply DOT)" 250 "587 STARTTLS: accepted"
bench_wait_delivered 2 20
like "$(delivered_tls)" '^group=submission; policy=required; version=TLSv1\.[23]; ' \
    "587 STARTTLS: recorded under the submission group"

# 5. the MX port (Postfix's default {daemon_name}): another group
send "$BENCH_PF_PORT"
is "$(bench_swaks_reply DOT)" 250 "MX port, plain text: accepted"
bench_wait_delivered 3 20
is "$(delivered_tls)" "group=internet; policy=preferred; version=none" \
    "MX port: the catch-all group, no TLS"

# ---- what gatewarden saw -------------------------------------------
bench_wait_queue_empty 10
is "$(bench_sink_count)" 3 "exactly the three accepted messages reached the sink"
like "$(cat "$BENCH_GW_LOG")" "stage=connect mta=postfix client=127\\.0\\.0\\.1 .*listener=smtps port=$P465\$" \
    "Postfix sent {daemon_name} and {daemon_port} of the smtps listener"
like "$(cat "$BENCH_GW_LOG")" "stage=connect mta=postfix .*listener=mx\\.bench\\.gatewarden\\.test port=$P587\$" \
    "and the port of the submission listener (default name \$myhostname)"
like "$(cat "$BENCH_GW_LOG")" \
    'group=submission policy=required client=127\.0\.0\.1 tls=none client_cert=none action=reject requirement=tls reason=no_tls code=530 dsn=5\.7\.0' \
    "the refusal on 587 is logged with group and requirement"
bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?
