#!/bin/sh
# e2e-smime-roundtrip: two gatewardens, each with an organisation
# certificate of its own (gatewarden-keys create-cert: gateway domain
# certificates for a.test and b.test), around one private Postfix. Mail
# from 127.0.0.3 enters on the bench's port, where gatewarden A signs and
# encrypts it for b.test (B's certificate is in A's key store) and relays
# it to a second smtpd of the same Postfix, where gatewarden B decrypts it
# with its own key and verifies A's signature (A's certificate is in B's
# trust list) before the sink gets it. Checked: sign-encrypt and triple
# wrap with `signature: remove` deliver the original entity byte for byte
# (smtp-sink stores LF line ends: those aside); `retain` delivers a
# signature that openssl cms still verifies, over the original; each hop
# logs what it did; both daemons stop cleanly.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 14

KEYS=$top_builddir/smime/gatewarden-keys
PY="python3 $top_srcdir/t/smime_in.py"
BATCH="python3 $top_srcdir/t/smtp_batch.py"
W=$BENCH_WORK
mkdir -p "$W/a" "$W/b" && chmod 0700 "$W/a" "$W/b"
"$KEYS" --private-dir "$W/a" --keystore "$W/a.db" create-cert a-gw --smime \
    --cn "Gateway A" --email gateway@a.test --dns a.test --dns keep.a.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$W/b" --keystore "$W/b.db" create-cert b-gw --smime \
    --cn "Gateway B" --email gateway@b.test --dns b.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$W/a" --keystore "$W/a.db" pubkey add b-gw \
    "$W/b/b-gw.crt" >/dev/null ||
    bail_out "gatewarden-keys could not make the certificates"

# ---- gatewarden B: a daemon of its own, stopped by our trap too ----------
B_PID=
stop_b() {	# stop_b: 0 when B stopped cleanly (no sanitizer report)
	[ -n "$B_PID" ] || return 0
	kill -TERM "$B_PID" 2>/dev/null
	bench_wait_for 20 sh -c "! kill -0 $B_PID 2>/dev/null" ||
	    kill -KILL "$B_PID" 2>/dev/null
	wait "$B_PID"
	_b=$?
	B_PID=
	return $_b
}
trap '_rt=$?; stop_b; (exit $_rt); bench_cleanup' EXIT

bench_sink_start || bail_out "smtp-sink did not start"
P2=$(bench_free_port)
cat >"$W/b.yaml" <<EOC
milter:
  socket: "unix:$W/b.sock"
  socket_mode: "0666"
  spool_dir: $W/b-spool
  pid_file: $W/b.pid
  authserv_id: mx.b.test
trust:
  system_cas: false
  custom_ca_file: $W/a/a-gw.crt
sender_groups:
  - name: keep
    match: { sender_domain: [keep.a.test] }
    smime_inbound: keep
  - name: from-a
    match: any
    smime_inbound: strip
destinations:
  default: { dane: none }
smime:
  keystore: $W/b.db
  private_dir: $W/b
  certificates:
    - { name: b-gw, certificate: $W/b/b-gw.crt, key: $W/b/b-gw.key }
  inbound_policies:
    - { name: strip, signature: remove, on_failure: reject }
    - { name: keep, signature: retain, on_failure: reject }
EOC
timeout 900 "$top_builddir/milter/gatewarden" -f -c "$W/b.yaml" >"$W/b.log" 2>&1 &
B_PID=$!
bench_wait_for 30 test -S "$W/b.sock" || { diag_file "$W/b.log" 20; bail_out "gatewarden B did not start"; }

# ---- gatewarden A: the bench's own --------------------------------------
cat >"$W/a.yaml.in" <<'EOC'
milter:
  authserv_id: mx.a.test
sender_groups:
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
  - name: internet
    match: any
destinations:
  default: { dane: none }
smime:
  keystore: @WORK@/a.db
  private_dir: @WORK@/a
  certificates:
    - { name: a-gw, certificate: @WORK@/a/a-gw.crt, key: @WORK@/a/a-gw.key }
  sending_profiles:
    - { name: se, mode: sign-encrypt, signing_certificate: a-gw, sign_mode: detached, missing_key: bounce }
    - { name: tr, mode: triple, signing_certificate: a-gw, missing_key: bounce }
  sending_rules:
    - name: triple
      match: { sender_group: [internal], recipient_domain: [b.test], header: { name: Subject, contains: triple } }
      profile: tr
    - name: to-b
      match: { sender_group: [internal], recipient_domain: [b.test] }
      profile: se
EOC
bench_gatewarden_start "$W/a.yaml.in" || bail_out "gatewarden A did not start"
# A relays to the second smtpd, where B runs; what B passes goes to the sink.
bench_postfix_conf "relayhost = [127.0.0.1]:$P2" || bail_out "postconf"
bench_postfix_master "127.0.0.1:$P2/inet=127.0.0.1:$P2 inet n - n - - smtpd -o smtpd_milters=unix:$W/b.sock -o non_smtpd_milters= -o content_filter=smtp:[127.0.0.1]:$BENCH_SINK_PORT" ||
    bail_out "postconf -M"
bench_postfix_start || bail_out "Postfix did not start"

# ---- the messages: 7-bit, so that signing changes nothing in them --------
mkmsg() {	# mkmsg FROM SUBJECT FILE
	{
	printf 'From: %s\r\nTo: bob@b.test\r\nSubject: %s\r\nMIME-Version: 1.0\r\n' "$1" "$2"
	printf 'Content-Type: multipart/mixed; boundary="rt"\r\n\r\n'
	printf -- '--rt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nFrom A to B, and back to the reader.\r\n'
	printf -- '--rt\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	head -c 20000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
	printf -- '--rt--\r\n'
	} >"$3"
	$PY entity "$3" "${3%.eml}.want"
}
mkmsg alice@a.test "signed and encrypted" "$W/se.eml"
mkmsg alice@a.test "triple wrapped" "$W/tr.eml"
mkmsg carol@keep.a.test "kept signed" "$W/keep.eml"
$BATCH "127.0.0.1:$BENCH_PF_PORT" 127.0.0.3 alice@a.test bob@b.test rt \
    "$W/se.eml" "$W/tr.eml" >"$W/replies" 2>&1
$BATCH "127.0.0.1:$BENCH_PF_PORT" 127.0.0.3 carol@keep.a.test bob@b.test rt \
    "$W/keep.eml" >>"$W/replies" 2>&1
is "$(awk '$2 != 250' "$W/replies")" "" "A accepts the three messages"
bench_wait_delivered 3 90
ok $? "all three reach the sink through B"

has() {	# has FILE ERE DESCRIPTION
	grep -Eq -- "$2" "$1"
	ok $? "$3"
}
has "$BENCH_GW_LOG" 'profile=se .*mode=sign-encrypt' "A signed and encrypted one"
has "$BENCH_GW_LOG" 'profile=tr .*mode=triple' "A triple-wrapped one"
has "$W/b.log" 'smime_in=pass policy=strip layers=enveloped,signed-detached decrypted=yes key=[0-9a-f]{64} certificate=b-gw signer=alice@a.test signature=removed' \
    "B decrypted with its own key, verified A and removed the signature"
has "$W/b.log" 'smime_in=pass policy=strip layers=signed-(opaque|detached),enveloped,signed-detached decrypted=yes' \
    "B took the triple wrap apart"

printf '%s\n' "rt/se.eml pass $W/se.eml $W/se.want" "rt/tr.eml pass $W/tr.eml $W/tr.want" >"$W/table"
$PY check "$BENCH_SINK_DIR" "$W/table" mx.b.test >"$W/check.out" 2>&1
is "$(sed -n 1p "$W/check.out")" "PASS rt/se.eml" \
    "sign-encrypt, remove: the reader gets the original entity byte for byte"
is "$(sed -n 2p "$W/check.out")" "PASS rt/tr.eml" \
    "triple wrap, remove: the reader gets the original entity byte for byte"

f=$(grep -l '^X-Test-Case: rt/keep.eml$' "$BENCH_SINK_DIR"/* | head -1)
bench_sink_message "$f" | sed 's/$/\r/' >"$W/keep.out"
like "$(grep -i '^Content-Type:' "$W/keep.out")" 'multipart/signed' \
    "retain: the reader gets A's signature"
like "$(grep '^Authentication-Results: mx\.b\.test' "$W/keep.out")" 'smime=pass ' \
    "... with B's verdict"
openssl cms -verify -in "$W/keep.out" -CAfile "$W/a/a-gw.crt" -purpose any \
    -out "$W/keep.content" 2>"$W/verify.err"
ok $? "... which openssl cms verifies again"
$PY crlf "$W/keep.content" "$W/keep.content"
cmp -s "$W/keep.content" "$W/keep.want"
ok $? "... over the original entity"

bench_gatewarden_stop
ok $? "gatewarden A stops cleanly (no sanitizer report)"
stop_b
ok $? "gatewarden B stops cleanly (no sanitizer report)"
done_testing
exit $?
