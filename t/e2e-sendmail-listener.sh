#!/bin/sh
# e2e-sendmail-listener: per-listener policy behind a real Sendmail
# (t/lib/sendmail.sh) with three daemons, as the README's per-listener
# section has them: the bench's MTA daemon, an MSA (STARTTLS) and one
# named SMTPS with TLS from the first byte (DaemonPortOptions M=s). One
# group with tls: required matches Name=MSA and Name=SMTPS: implicit TLS
# is accepted and recorded, plain text on the MSA is refused, and the MTA
# daemon is the catch-all's.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/sendmail.sh"

bench_init
sendmail_init
plan 10

swaks --support 2>&1 | grep -q 'TLS supported' ||
    bail_out "swaks has no TLS (Debian: libnet-ssleay-perl, libio-socket-ssl-perl)"

C=$BENCH_WORK/certs
mkdir -p "$C/trust"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
    -subj "/CN=mx.sendmail.gatewarden.test" -keyout "$C/server.key" \
    -out "$C/server.pem" 2>/dev/null && cp "$C/server.pem" "$C/trust/" ||
    bail_out "openssl could not make the server certificate"

cat >"$BENCH_WORK/gw.yaml.in" <<'EOC'
log:
  level: debug
sender_groups:
  - name: submission
    match: { listener: [MSA, SMTPS] }
    tls: required
  - name: internet
    match: any
    tls: preferred
EOC

P587=$(bench_free_port) && P465=$(bench_free_port) ||
    bail_out "no free ports"
[ "$P587" != "$P465" ] || P465=$(bench_free_port)
bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
sendmail_mc \
    "define(\`confSERVER_CERT', \`$C/server.pem')dnl" \
    "define(\`confSERVER_KEY', \`$C/server.key')dnl" \
    "define(\`confCACERT', \`$C/trust/server.pem')dnl" \
    "define(\`confCACERT_PATH', \`$C/trust')dnl" \
    "DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$P587, Name=MSA')dnl" \
    "DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$P465, Name=SMTPS, M=s')dnl"
sendmail_start || bail_out "Sendmail did not start"
bench_wait_listen "$P587" 15 && bench_wait_listen "$P465" 15 ||
    bail_out "Sendmail's MSA and SMTPS daemons did not come up"

MSG=$BENCH_WORK/msg.eml
n=0
send() {	# send PORT [swaks options...]; sets SUBJ
	n=$((n + 1))
	SUBJ="sendmail listener $n"
	printf 'From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: %s\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <listener.%s@sender.test>\r\n\r\nbody %s' \
	    "$SUBJ" "$n" "$n" >"$MSG"
	port=$1
	shift
	bench_swaks --server "127.0.0.1:$port" --from a@sender.test \
	    --to b@rcpt.test --data "@$MSG" "$@" >/dev/null
}
delivered_tls() {
	for f in $(bench_sink_files); do
		if bench_sink_message "$f" | grep -q "^Subject: $SUBJ\$"; then
			bench_sink_message "$f" | sed -n 's/^X-Gatewarden-TLS: //p'
			return
		fi
	done
}

# 1. SMTPS: TLS from the first byte
send "$P465" --tlsc
is "$(bench_swaks_reply DOT)" 250 "SMTPS (M=s), implicit TLS: accepted" ||
    diag_file "$BENCH_SWAKS_LOG" 20
sendmail_wait_delivered 1 20
like "$(delivered_tls)" \
    '^group=submission; policy=required; version=TLSv1\.[23]; cipher=[A-Z0-9_-]+; bits=[0-9]+; client-cert=none$' \
    "SMTPS: X-Gatewarden-TLS records the group and the session"

# 2. the MSA in plain text: refused; with STARTTLS: accepted
send "$P587"
is "$(bench_swaks_reply MAIL)" 530 "MSA, plain text: MAIL refused 530"
like "$(cat "$BENCH_SWAKS_LOG")" '530 5\.7\.0 .*Must issue a STARTTLS command first' \
    "MSA, plain text: RFC 3207 reply"
send "$P587" --tls
is "$(bench_swaks_reply DOT)" 250 "MSA, STARTTLS: accepted"
sendmail_wait_delivered 2 20

# 3. the MTA daemon: the catch-all
send "$SM_PORT"
is "$(bench_swaks_reply DOT)" 250 "MTA daemon, plain text: accepted"
sendmail_wait_delivered 3 20
is "$(delivered_tls)" "group=internet; policy=preferred; version=none" \
    "MTA daemon: the catch-all group"

like "$(cat "$BENCH_GW_LOG")" "stage=connect mta=sendmail .*listener=SMTPS port=$P465\$" \
    "Sendmail sent {daemon_name} and {daemon_port} of the SMTPS daemon"
is "$(bench_sink_count)" 3 "exactly the three accepted messages reached the sink"
bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?
