#!/bin/sh
# e2e-sendmail-smime: gateway S/MIME behind a real Sendmail 8.17
# (t/lib/sendmail.sh), whose quarantine, header indexes and smfi_delrcpt
# differ from Postfix's. Incoming: openssl's signed, encrypted, signed
# then encrypted, triple-wrapped and binary messages, a tampered one with
# forged results of ours, one for someone else, an EFAIL shape and a
# plain one, sent from a sender group that retains signatures and one
# that removes them; what the sink gets must carry the verdict and the
# content the reader must get, compared with the original (t/smime_in.py
# check). Then reject (554 5.7.5) and quarantine (Sendmail's: the queue
# file becomes hf*, released with sendmail -qQ -Q and delivered tagged).
# Outgoing: sign-encrypt and sign only (checked with openssl cms), split
# (smfi_delrcpt, then the clear copy re-injected through a Sendmail port
# without milters) and bounce.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/sendmail.sh"

for t in openssl python3 nsenter; do
	command -v $t >/dev/null 2>&1 || skip_all "$t (tools/install-deps)"
done
bench_init
sendmail_init
plan 26

PY="python3 $top_srcdir/t/smime_in.py"
BATCH="python3 $top_srcdir/t/smtp_batch.py"
KEYS=$top_builddir/smime/gatewarden-keys
M=$BENCH_WORK/m
fail() { bail_out "$*"; }
mkdir -p "$M" && cd "$M" || bail_out "mkdir"
. "$top_srcdir/t/smime-certs.sh"
. "$top_srcdir/t/smime-inbound-msgs.sh"
make_inbound_messages openssl
{ printf 'Authentication-Results: mx.partner.test; smime=pass\r\n'
  printf 'X-Gatewarden-SMIME: policy=keep; decrypted=no; result=pass\r\n'
  cat bad-tampered.eml; } >bad-forged.eml
cd "$BENCH_WORK" || bail_out "cd"

# The organisation's certificate for outgoing mail and a partner's key.
P=$BENCH_WORK/private
mkdir -p "$P" partner && chmod 0700 "$P" partner
"$KEYS" --private-dir "$P" --keystore "$BENCH_WORK/keystore.db" create-cert org \
    --smime --cn "Example Org" --email gateway@example.test --days 30 >/dev/null &&
    "$KEYS" --private-dir partner --keystore "$BENCH_WORK/unused.db" create-cert bob \
    --smime --email bob@far.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$P" --keystore "$BENCH_WORK/keystore.db" pubkey add bob \
    partner/bob.crt >/dev/null || bail_out "gatewarden-keys"

bench_sink_start || bail_out "smtp-sink did not start"
RPORT=$(bench_free_port)
cat >gw.yaml.in <<EOC
milter:
  authserv_id: mx.partner.test
trust:
  system_cas: false
  custom_ca_file: $M/ca.pem
sender_groups:
  - name: keep
    match: { client_ip: [127.0.0.2] }
    smime_inbound: keep
  - name: strip
    match: { client_ip: [127.0.0.4] }
    smime_inbound: strip
  - name: refuse
    match: { client_ip: [127.0.0.5] }
    smime_inbound: refuse
  - name: hold
    match: { client_ip: [127.0.0.6] }
    smime_inbound: hold
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
  - name: internet
    match: any
destinations:
  default: { dane: none }
smime:
  keystore: $BENCH_WORK/keystore.db
  private_dir: $P
  certificates:
    - { name: org, certificate: $P/org.crt, key: $P/org.key }
    - { name: alice, certificate: $M/alice.pem, key: $M/alice.key }
    - { name: bob, certificate: $M/bob.pem, key: $M/bob.key }
  sending_profiles:
    - { name: se, mode: sign-encrypt, signing_certificate: org, missing_key: split }
    - { name: strict, mode: encrypt, missing_key: bounce }
    - { name: sign, mode: sign, signing_certificate: org, sign_mode: detached }
  sending_rules:
    - name: strict
      match: { sender_group: [internal], recipient_domain: [far.test], header: { name: Subject, contains: strict } }
      profile: strict
    - { name: to-far, match: { sender_group: [internal], recipient_domain: [far.test] }, profile: se }
    - { name: signed, match: { sender_group: [internal], recipient_domain: [sign.test] }, profile: sign }
  reinjection:
    smtp: "127.0.0.1:$RPORT"
  inbound_policies:
    - { name: keep, signature: retain, on_failure: tag }
    - { name: strip, signature: remove, on_failure: tag }
    - { name: refuse, on_failure: reject }
    - { name: hold, on_failure: quarantine }
EOC
bench_gatewarden_start gw.yaml.in || bail_out "gatewarden did not start"
# The re-injection port of split: a daemon without input mail filters.
sendmail_mc "DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$RPORT, Name=REINJECT, InputMailFilters=')dnl"
sendmail_start || bail_out "Sendmail did not start"
SM=127.0.0.1:$SM_PORT

# ---- incoming, retained and removed -----------------------------------
cat >cases <<'EOT'
os-sign-det pass - entity.want
os-sign-opq pass - entity.want
os-sign-binary pass - entitybin.b64
os-enc-cbc none entity.want entity.want
os-enc-ec none entity.want entity.want
os-sign-enc pass sign-det.want entity.want
os-triple pass sign-det.want entity.want
bad-tampered fail - -
bad-forged fail - -
bad-other-rcpt permerror - -
efail-mixed neutral - -
plain untouched - -
EOT
n=$(wc -l <cases | tr -d ' ')
files=$(awk -v m="$M" '{ printf "%s/%s.eml ", m, $1 }' cases)
# shellcheck disable=SC2086
$BATCH "$SM" 127.0.0.2 sender@example.org alice@partner.test keep $files >keep.replies 2>&1
# shellcheck disable=SC2086
$BATCH "$SM" 127.0.0.4 sender@example.org alice@partner.test strip $files >strip.replies 2>&1
is "$(awk '$2 != 250' keep.replies strip.replies | head -5)" "" \
    "Sendmail accepts all $((2 * n)) incoming messages (on_failure tag)"
sendmail_wait_delivered $((2 * n)) 120
ok $? "all of them delivered"
awk -v m="$M/" '{ print "keep/" $1 ".eml", $2, m $1 ".eml", ($3 == "-" ? "-" : m $3) }' cases >table
awk -v m="$M/" '{ print "strip/" $1 ".eml", $2, m $1 ".eml", ($4 == "-" ? "-" : m $4) }' cases >>table
$PY check "$BENCH_SINK_DIR" table mx.partner.test >check.out 2>&1
is "$(grep -c '^PASS keep/' check.out)" "$n" \
    "retain: every verdict and delivered content as expected"
grep -v '^PASS' check.out | sed 's/^/# /'
is "$(grep -c '^PASS strip/' check.out)" "$n" \
    "remove: every verdict and delivered content as expected"
f=$(grep -l '^X-Test-Case: strip/os-sign-enc.eml$' "$BENCH_SINK_DIR"/* | head -1)
bench_sink_message "$f" | sed '/^$/q' >head.out
is "$(grep -ci '^content-type:' head.out)" 1 \
    "remove: one Content-Type left (Sendmail's header indexes held)"
is "$(grep -c '^Authentication-Results: mx\.partner\.test;' head.out)" 1 \
    "one Authentication-Results of ours"
sed -n '1,/^$/p' "$(grep -l '^X-Test-Case: keep/bad-forged.eml$' "$BENCH_SINK_DIR"/* | head -1)" >forged.out
is "$(grep -ci '^x-gatewarden-smime:' forged.out)/$(grep -c 'smime=pass' forged.out)" "1/0" \
    "the forged results are gone, ours alone says what happened"

# ---- reject and quarantine ------------------------------------------
delivered=$((2 * n))
$BATCH "$SM" 127.0.0.5 sender@example.org alice@partner.test refuse \
    "$M/bad-tampered.eml" "$M/os-sign-det.eml" >refuse.replies 2>&1
like "$(grep bad-tampered refuse.replies)" ' 554 5\.7\.5 S/MIME fail: signature does not verify' \
    "on_failure reject: 554 5.7.5 with the reason"
like "$(grep os-sign-det refuse.replies)" ' 250 ' "on_failure reject: a good signature passes"
delivered=$((delivered + 1))
$BATCH "$SM" 127.0.0.6 sender@example.org alice@partner.test hold \
    "$M/bad-tampered.eml" >hold.replies 2>&1
like "$(cat hold.replies)" ' 250 ' "on_failure quarantine: accepted"
bench_wait_for 30 sh -c "[ \$(find '$SM_QUEUE' -name 'hf*' | wc -l) = 1 ]"
is "$(sendmail_quarantine_count)" 1 "on_failure quarantine: Sendmail holds it (hf file)"
like "$(grep -h '^q' "$SM_QUEUE"/hf* 2>/dev/null)" 'gatewarden: S/MIME fail: signature does not verify' \
    "... with gatewarden's reason in the queue file"
sendmail_wait_delivered $delivered 30
sleep 1
is "$(bench_sink_count)" "$delivered" "... and does not deliver it"
sendmail_cmd -qQ -Q >release.log 2>&1 && sendmail_cmd -q >run.log 2>&1
ok $? "sendmail -qQ -Q releases it, -q runs the queue" || diag_file release.log
delivered=$((delivered + 1))
sendmail_wait_delivered $delivered 30
printf 'hold/bad-tampered.eml fail %s -\n' "$M/bad-tampered.eml" >hold.table
is "$($PY check "$BENCH_SINK_DIR" hold.table mx.partner.test)" \
    "PASS hold/bad-tampered.eml" "the released message is delivered with smime=fail"

# ---- outgoing -----------------------------------------------------------
out() {	# out TO SUBJECT LABEL [MORE-RCPT]: a plain message from internal
	printf 'From: alice@partner.test\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nOutgoing through Sendmail.\r\n' "$1" "$2" >"$3.eml"
	python3 - "$SM" "$BENCH_WORK/$3.eml" "$@" <<'PY'
import smtplib, sys
hp, path, to, subj, label = sys.argv[1:6]
more = sys.argv[6:]
s = smtplib.SMTP(hp.split(':')[0], int(hp.split(':')[1]),
                 source_address=('127.0.0.3', 0), timeout=120)
data = b'X-Test-Case: out/' + label.encode() + b'\r\n' + open(path, 'rb').read()
try:
    s.sendmail('alice@partner.test', [to] + more, data)
    print('250')
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
PY
}
is "$(out bob@far.test "for bob" bob)" 250 "sign-encrypt to a partner with a key: accepted"
delivered=$((delivered + 1))
sendmail_wait_delivered $delivered 30
f=$(grep -l '^X-Test-Case: out/bob$' "$BENCH_SINK_DIR"/* | head -1)
bench_sink_message "$f" >bob.out
openssl cms -decrypt -in bob.out -recip partner/bob.crt -inkey partner/bob.key \
    -out bob.signed 2>/dev/null &&
    openssl cms -verify -in bob.signed -CAfile "$P/org.crt" -out bob.content 2>/dev/null &&
    grep -q 'Outgoing through Sendmail' bob.content
ok $? "... openssl cms decrypts it with bob's key and verifies the organisation's signature"
is "$(out bob@far.test "split" split nokey@far.test)" 250 \
    "split: a recipient with a key and one without: accepted"
delivered=$((delivered + 2))
sendmail_wait_delivered $delivered 30
ok $? "split: two copies delivered"
enc=0 clear=0
for f in $(grep -l '^X-Test-Case: out/split$' "$BENCH_SINK_DIR"/*); do
	rcpts=$(bench_sink_envelope "$f" | sed -n 's/^RCPT //p' | tr '\n' ' ')
	if bench_sink_message "$f" | grep -q 'smime-type=enveloped-data'; then
		[ "$rcpts" = "<bob@far.test> " ] && enc=$((enc + 1))
	elif bench_sink_message "$f" | grep -q 'Outgoing through Sendmail'; then
		[ "$rcpts" = "<nokey@far.test> " ] && clear=$((clear + 1))
	fi
done
is "$enc/$clear" "1/1" \
    "split: bob alone gets it encrypted (smfi_delrcpt), nokey alone in clear (re-injected)"
like "$(grep 'REINJECT' "$SM_LOG" | head -1)" 'daemon=REINJECT' \
    "... the clear copy came in through the port without milters"
like "$(out nokey@far.test "strict" strict)" '^554 5\.7\.1 No S/MIME key for recipient' \
    "bounce: a recipient without a key is refused with 554 5.7.1"
is "$(out carol@sign.test "signed" signed)" 250 "sign only: accepted"
delivered=$((delivered + 1))
sendmail_wait_delivered $delivered 30
f=$(grep -l '^X-Test-Case: out/signed$' "$BENCH_SINK_DIR"/* | head -1)
bench_sink_message "$f" >signed.out
openssl cms -verify -in signed.out -CAfile "$P/org.crt" -out signed.content 2>/dev/null &&
    grep -q 'Outgoing through Sendmail' signed.content
ok $? "... a detached signature openssl cms verifies"
sendmail_wait_queue_empty 20
ok $? "Sendmail's queue is empty"

bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?
