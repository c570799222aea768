#!/bin/sh
# e2e-smime-in: gateway S/MIME for incoming mail through a private Postfix.
# The messages of t/smime-inbound.sh (openssl, gpgsm, NSS cmsutil, Bouncy
# Castle; failures; EFAIL shapes) are sent once from a sender group whose
# policy retains signatures and once from one that removes them; what the
# sink receives must carry the verdict in Authentication-Results and the
# content the reader must get, compared with the original. Then: reject
# (554 5.7.5), quarantine (Postfix's hold queue, released with
# postsuper -H, and the copy in quarantine_dir), the README's
# milter_header_checks rule that holds what failed, harvesting (a partner's
# signed message, then mail to him encrypted with the harvested key; a
# signing-only key never used; the key preferred by SMIMEEncryptionKey-
# Preference used), the key-churn alert (quiet on the first update, mailed
# on the second) and a message of a group without a policy whose body is
# never read; the README's Sieve script and milter_header_checks rule
# over what was delivered.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

for t in openssl gpgsm certutil cmsutil pk12util javac java python3 sieve-test runuser; do
	command -v $t >/dev/null 2>&1 || skip_all "$t (tools/install-deps)"
done
bench_init
plan 37

has() {	# has FILE ERE DESCRIPTION: a line of FILE matches
	grep -Eq -- "$2" "$1"
	ok $? "$3"
}

PY="python3 $top_srcdir/t/smime_in.py"
BATCH="python3 $top_srcdir/t/smtp_batch.py"
BCJ="/usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar:/usr/share/java/bcmail.jar"
M=$BENCH_WORK/m
GNUPGHOME=$M/gnupg
export GNUPGHOME
fail() { bail_out "$*"; }
mkdir -p "$M" && cd "$M" || bail_out "mkdir"
. "$top_srcdir/t/smime-certs.sh"
. "$top_srcdir/t/smime-inbound-msgs.sh"
make_inbound_messages
gpgconf --kill all >/dev/null 2>&1
# forged results of ours above a tampered signature: removed, never believed
{ printf 'Authentication-Results: mx.partner.test; smime=pass\r\n'
  printf 'X-Gatewarden-SMIME: policy=keep; decrypted=no; result=pass\r\n'
  cat bad-tampered.eml; } >bad-forged.eml
for k in 1 2 3; do
	issue churn$k ca x@churn.test digitalSignature,keyEncipherment || fail churn$k
	sign entity.want c$k.det -signer churn$k.pem -inkey churn$k.key &&
	    $PY wrap c$k.det churn$k.eml x@churn.test
done
cd "$BENCH_WORK" || bail_out "cd"

mkdir -p alerts quarantine
cat >"$BENCH_WORK/fake-sendmail" <<EOS
#!/bin/sh
cat >"\$(mktemp "$BENCH_WORK/alerts/alert-XXXXXX")"
EOS
chmod 0755 "$BENCH_WORK/fake-sendmail"
cat >"$BENCH_WORK/gw.yaml.in" <<'EOC'
milter:
  authserv_id: mx.partner.test
alerts:
  recipients: [postmaster@partner.test]
  sendmail_command: @WORK@/fake-sendmail
trust:
  system_cas: false
  custom_ca_file: @WORK@/m/ca.pem
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
  keystore: @WORK@/keystore.db
  certificates:
    - { name: alice, certificate: @WORK@/m/alice.pem, key: @WORK@/m/alice.key }
    - { name: bob, certificate: @WORK@/m/bob.pem, key: @WORK@/m/bob.key }
  sending_profiles:
    - { name: enc, mode: encrypt, missing_key: bounce }
  sending_rules:
    - { name: to-example, match: { sender_group: [internal], recipient_domain: [example.org] }, profile: enc }
  inbound_policies:
    - { name: keep, signature: retain, on_failure: tag }
    - { name: strip, signature: remove, on_failure: tag }
    - { name: refuse, on_failure: reject }
    - { name: hold, on_failure: quarantine, quarantine_dir: @WORK@/quarantine }
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"
PF=127.0.0.1:$BENCH_PF_PORT

# ---- every message, retained and removed ------------------------------
# case  verdict  retain-want  remove-want   ("-": as sent)
cat >cases <<'EOT'
os-sign-det pass - entity.want
os-sign-opq pass - entity.want
os-sign-sha1 pass - entity.want
os-sign-sha384 pass - entity.want
os-sign-sha512 pass - entity.want
os-sign-pss pass - entity.want
os-sign-ec pass - entity.want
os-legacy-sign pass - entity.want
os-sign-8bit pass - entity8.want
os-sign-binary pass - entitybin.b64
os-sign-inter pass - entity.want
os-enc-cbc none entity.want entity.want
os-enc-gcm none entity.want entity.want
os-enc-oaep none entity.want entity.want
os-enc-ec none entity.want entity.want
os-legacy-enc none entity.want entity.want
os-sign-enc pass sign-det.want entity.want
os-triple pass sign-det.want entity.want
bad-tampered fail - -
bad-wrong-ca fail - -
bad-expired fail - -
bad-no-inter fail - -
bad-forged fail - -
bad-not-from fail - -
bad-other-rcpt permerror - -
bad-truncated permerror - -
bad-garbage permerror - -
bad-empty permerror - -
bad-sig-garbage permerror - -
bad-nested permerror - -
efail-mixed neutral - -
efail-alt neutral - -
efail-signed pass - ef.mixed
efail-in-enc neutral ef.mixed ef.mixed
list-signed neutral - -
plain untouched - -
gpgsm-sign-det pass - entity.want
gpgsm-sign-opq pass - entity.want
gpgsm-enc none entity.want entity.want
nss-sign-det pass - entity.want
nss-sign-opq pass - entity.want
nss-enc none entity.want entity.want
nss-keypref pass - entity.want
bc-sign-det pass - entity.want
bc-sign-pss pass - entity.want
bc-sign-ec pass - entity.want
bc-enc-gcm none entity.want entity.want
bc-enc-ec none entity.want entity.want
bc-sign-ed25519 neutral - -
bc-enc-chacha neutral - -
bc-keypref pass - entity.want
EOT
n=$(wc -l <cases | tr -d ' ')
files=$(awk -v m="$M" '{ printf "%s/%s.eml ", m, $1 }' cases)
# shellcheck disable=SC2086
$BATCH "$PF" 127.0.0.2 sender@example.org alice@partner.test keep $files >keep.replies 2>&1
# shellcheck disable=SC2086
$BATCH "$PF" 127.0.0.4 sender@example.org alice@partner.test strip $files >strip.replies 2>&1
is "$(awk '$2 != 250' keep.replies strip.replies | head -5)" "" \
    "all $((2 * n)) messages accepted with 250 (on_failure tag)"
bench_wait_delivered $((2 * n)) 120
awk -v m="$M/" '{ print "keep/" $1 ".eml", $2, m $1 ".eml", ($3 == "-" ? "-" : m $3) }' cases >table
awk -v m="$M/" '{ print "strip/" $1 ".eml", $2, m $1 ".eml", ($4 == "-" ? "-" : m $4) }' cases >>table
$PY check "$BENCH_SINK_DIR" table mx.partner.test >check.out 2>&1
is "$(grep -c '^PASS keep/' check.out)" "$n" \
    "signature: retain: every verdict and delivered content as expected"
grep -v '^PASS' check.out | sed 's/^/# /'
is "$(grep -c '^PASS strip/' check.out)" "$n" \
    "signature: remove: every verdict and delivered content as expected"
has "$BENCH_GW_LOG" 'smime_in=pass policy=keep layers=enveloped,signed-detached decrypted=yes .*signature=retained' \
    "one log line names policy, layers, key and what was kept"

# ---- reject and quarantine ------------------------------------------
sent=$((2 * n))
$BATCH "$PF" 127.0.0.5 sender@example.org alice@partner.test refuse \
    "$M/bad-tampered.eml" "$M/os-sign-det.eml" >refuse.replies 2>&1
like "$(grep bad-tampered refuse.replies)" ' 554 5\.7\.5 S/MIME fail: signature does not verify' \
    "on_failure reject: 554 5.7.5 with the reason"
like "$(grep os-sign-det refuse.replies)" ' 250 ' "on_failure reject: a good signature passes"
sent=$((sent + 1))
$BATCH "$PF" 127.0.0.6 sender@example.org alice@partner.test hold \
    "$M/bad-tampered.eml" >hold.replies 2>&1
like "$(cat hold.replies)" ' 250 ' "on_failure quarantine: accepted"
bench_wait_delivered $sent 60
bench_wait_for 30 sh -c "[ \$(find '$BENCH_PF_QUEUE/hold' -type f | wc -l) = 1 ]"
is "$(find "$BENCH_PF_QUEUE/hold" -type f | wc -l | tr -d ' ')" 1 \
    "on_failure quarantine: the message is in Postfix's hold queue"
has "$BENCH_GW_LOG" 'smime_in=fail policy=hold .*action=quarantine reason="signature does not verify' \
    "our log line says quarantine and why (Postfix logs only 'milter triggers HOLD')"
is "$(ls quarantine | wc -l | tr -d ' ')" 1 "quarantine_dir has a copy"
like "$(cat quarantine/*)" 'Hello partnex' "the copy is the message as received"
postsuper -c "$BENCH_PF_CONF" -H ALL >/dev/null 2>&1
sent=$((sent + 1))
bench_wait_delivered $sent 60
ok $? "postsuper -H releases it and it is delivered"
printf 'hold/bad-tampered.eml fail %s -\n' "$M/bad-tampered.eml" >hold.table
is "$($PY check "$BENCH_SINK_DIR" hold.table mx.partner.test)" \
    "PASS hold/bad-tampered.eml" "the released message carries smime=fail"

# ---- harvested keys: used to encrypt when their key usage allows -------
bench_wait_for 20 grep -q 'harvest=.*addresses=dual@example.org' "$BENCH_GW_LOG"
plain_to() {	# plain_to TO LABEL
	printf 'From: alice@partner.test\r\nTo: %s\r\nSubject: reply\r\n\r\nThanks!\r\n' "$1" >"$2.eml"
	$BATCH "$PF" 127.0.0.3 alice@partner.test "$1" out "$BENCH_WORK/$2.eml"
}
has "$BENCH_GW_LOG" 'smime_in harvest=stored fingerprint=[0-9a-f]* addresses=sender@example.org' \
    "the partner's verified signer certificate was harvested"
has "$BENCH_GW_LOG" 'harvest=refused fingerprint=[0-9a-f]* addresses=rogue@example.org reason="signature not verified"' \
    "an untrusted signer is not harvested"
like "$(plain_to sender@example.org to-sender)" ' 250 ' "mail to the partner: accepted"
sent=$((sent + 1))
bench_wait_delivered $sent 60
f=$(grep -l '^X-Test-Case: out/to-sender.eml' "$BENCH_SINK_DIR"/* | head -1)
bench_sink_message "$f" >to-sender.out
openssl cms -decrypt -in to-sender.out -recip "$M/signer.pem" -inkey "$M/signer.key" \
    2>/dev/null | grep -q 'Thanks!'
ok $? "... encrypted with the harvested key (the partner's key decrypts it)"
like "$(plain_to ecsender@example.org to-ec)" ' 554 5\.7\.1 No S/MIME key for recipient' \
    "a harvested signing-only certificate (no keyAgreement) is never encrypted to"
like "$(plain_to dual@example.org to-dual)" ' 250 ' "mail to a signer with a preferred encryption key: accepted"
sent=$((sent + 1))
bench_wait_delivered $sent 60
f=$(grep -l '^X-Test-Case: out/to-dual.eml' "$BENCH_SINK_DIR"/* | head -1)
bench_sink_message "$f" >to-dual.out
openssl cms -decrypt -in to-dual.out -recip "$M/dual-enc.pem" -inkey "$M/dual-enc.key" \
    2>/dev/null | grep -q 'Thanks!'
ok $? "... encrypted to the certificate named by SMIMEEncryptionKeyPreference"

# ---- the key-churn alert ------------------------------------------------
churn() {
	$BATCH "$PF" 127.0.0.2 x@churn.test alice@partner.test churn "$M/churn$1.eml" >/dev/null
	sent=$((sent + 1))
	bench_wait_delivered $sent 60
	# the harvest runs on a thread of its own, after the message
	bench_wait_for 20 sh -c "[ \$(grep -c 'harvest=.*addresses=x@churn.test' '$BENCH_GW_LOG') -ge $1 ]"
}
churn 1
churn 2
sleep 1
is "$(ls alerts | wc -l | tr -d ' ')" 0 "first key and first update for churn.test: no alert"
has "$BENCH_GW_LOG" 'harvest=updated fingerprint=[0-9a-f]* addresses=x@churn.test' \
    "the second key of x@churn.test is logged as an update"
churn 3
bench_wait_for 20 sh -c "[ \$(ls '$BENCH_WORK/alerts' | wc -l) -ge 1 ]"
is "$(ls alerts | wc -l | tr -d ' ')" 1 "the second update within 48h: one alert mail"
fp2=$(openssl x509 -in "$M/churn2.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
fp3=$(openssl x509 -in "$M/churn3.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
grep -q 'keys of churn\.test changed' alerts/* && grep -qx "x@churn.test $fp2" alerts/* &&
    grep -qx "x@churn.test $fp3" alerts/*
ok $? "the alert names the domain, the addresses and the fingerprints"

# ---- a key the administrator added is a trust anchor of its own --------
"$top_builddir/smime/gatewarden-keys" --keystore "$BENCH_WORK/keystore.db" \
    pubkey add rogue "$M/rogue.pem" >/dev/null
ok $? "gatewarden-keys pubkey add: the signer the CA list does not know"
bench_gatewarden_reload
bench_wait_for 20 grep -q 'reload: action=loaded' "$BENCH_GW_LOG"
$BATCH "$PF" 127.0.0.2 sender@example.org alice@partner.test anchor \
    "$M/bad-wrong-ca.eml" >/dev/null
sent=$((sent + 1))
bench_wait_delivered $sent 60
printf 'anchor/bad-wrong-ca.eml pass %s -\n' "$M/bad-wrong-ca.eml" >anchor.table
is "$($PY check "$BENCH_SINK_DIR" anchor.table mx.partner.test)" \
    "PASS anchor/bad-wrong-ca.eml" \
    "after a reload its signature passes (the trust store is built again)"

# ---- a group without a policy: its body is never read -------------------
$BATCH "$PF" 127.0.0.7 sender@example.org alice@partner.test internet "$M/os-sign-det.eml" >/dev/null
sent=$((sent + 1))
bench_wait_delivered $sent 60
printf 'internet/os-sign-det.eml untouched %s -\n' "$M/os-sign-det.eml" >internet.table
is "$($PY check "$BENCH_SINK_DIR" internet.table mx.partner.test)" \
    "PASS internet/os-sign-det.eml" "no policy: S/MIME left untouched"
like "$(grep 'action=accept group=internet' "$BENCH_GW_LOG" | tail -1)" 'body_bytes=0 ' \
    "... and its body was skipped, not read"

# ---- the README's Sieve script, over what was delivered -----------------
# (taken from the README itself, with this bench's authserv-id)
readme_block() {	# the README's indented lines from /$1/ to /$2/
	sed -n "/$1/,/$2/p" "$top_srcdir/README" | sed 's/^    //; s/mx\.example\.com/mx.partner.test/g'
}
readme_block '^    require \["fileinto"\];' '^    }$' >filter.sieve
mkdir -p sieve && cp filter.sieve sieve/ && chmod -R a+rwX sieve
sieve_folder() {	# sieve_folder CASE: where the script files that message
	f=$(grep -l "^X-Test-Case: $1\$" "$BENCH_SINK_DIR"/* | head -1)
	[ -n "$f" ] || { echo "no message"; return; }
	bench_sink_message "$f" >sieve/msg && chmod a+r sieve/msg
	HOME=$BENCH_WORK/sieve runuser -u nobody -- env HOME="$BENCH_WORK/sieve" \
	    sieve-test -o "mail_location=maildir:$BENCH_WORK/sieve/Maildir" \
	    "$BENCH_WORK/sieve/filter.sieve" "$BENCH_WORK/sieve/msg" 2>&1 |
	    sed -n 's/^ \* store message in folder: //p' | tr '\n' ' '
}
is "$(sieve_folder keep/os-sign-det.eml)" "Verified " \
    "Sieve: a verified signature is smime-gateway-verified"
is "$(sieve_folder keep/os-enc-cbc.eml)" "Gateway-S/MIME " \
    "Sieve: decrypted, unsigned mail is smime-gateway-message, not verified"
is "$(sieve_folder keep/bad-forged.eml)" "Gateway-S/MIME " \
    "Sieve: a forged smime=pass above a tampered signature is not believed"
is "$(sieve_folder internet/os-sign-det.eml)" "INBOX " \
    "Sieve: mail the gateway did not handle stays in the inbox"

# ---- the README's milter_header_checks rule ------------------------------
grep '^    /^Authentication-Results: .* HOLD ' "$top_srcdir/README" |
    sed 's/^    //; s/mx\\\.example\\\.com/mx\\.partner\\.test/' >hc
is "$(wc -l <hc | tr -d ' ')" 1 "the README has the HOLD rule"
bench_postfix_conf "milter_header_checks = regexp:$BENCH_WORK/hc" && bench_postfix_reload
sleep 1
$BATCH "$PF" 127.0.0.2 sender@example.org alice@partner.test hc \
    "$M/bad-not-from.eml" "$M/os-sign-opq.eml" >/dev/null
sent=$((sent + 1))
bench_wait_delivered $sent 60
bench_wait_for 30 sh -c "[ \$(find '$BENCH_PF_QUEUE/hold' -type f | wc -l) = 1 ]"
is "$(find "$BENCH_PF_QUEUE/hold" -type f | wc -l | tr -d ' ')" 1 \
    "milter_header_checks holds the message whose signer is not the From address"
has "$BENCH_MAILLOG" 'milter-header-hold: header Authentication-Results: mx\.partner\.test; smime=fail' \
    "... logged by Postfix with the header that matched"
is "$(grep -l '^X-Test-Case: hc/os-sign-opq.eml' "$BENCH_SINK_DIR"/* | wc -l | tr -d ' ')" 1 \
    "... and lets the good one through"

bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?
