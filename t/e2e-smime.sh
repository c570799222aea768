#!/bin/sh
# e2e-smime: gateway S/MIME for outgoing mail through a private Postfix.
# The organisation's certificate and a partner's are made with
# gatewarden-keys, the partner's public key goes into the key store, and
# messages from an outbound sender group are signed and encrypted by the
# milter; what reaches the sink is decrypted and verified by `openssl
# cms`. Also: split (a recipient without a key gets the message in clear
# through the re-injection port, the other one encrypted; the clear copy
# keeps the envelope's ESMTP parameters and gets a Received: field),
# bounce, a message no rule matches, inbound mail that must never be
# signed, and a recipient whose only certificate has expired: treated as
# having none.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/dated-cert.sh"

bench_init
plan 41

KEYS=$top_builddir/smime/gatewarden-keys
P=$BENCH_WORK/private
PARTNER=$BENCH_WORK/partner
STORE=$BENCH_WORK/keystore.db
mkdir -p "$P" "$PARTNER" && chmod 0700 "$P" "$PARTNER"
"$KEYS" --private-dir "$P" --keystore "$STORE" create-cert org --smime \
    --cn "Example Org" --email gateway@example.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$PARTNER" --keystore "$BENCH_WORK/unused.db" \
    create-cert bob --smime --email bob@partner.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$P" --keystore "$STORE" pubkey add bob \
    "$PARTNER/bob.crt" >/dev/null &&
    dated_cert "$PARTNER" dora dora@partner.test \
    "$(dated_smime dora@partner.test)" "40 days ago" "10 days ago" &&
    "$KEYS" --private-dir "$P" --keystore "$STORE" pubkey add dora \
    "$PARTNER/dora.crt" >/dev/null ||
    bail_out "gatewarden-keys could not make the certificates"

RPORT=$(bench_free_port)
cat >"$BENCH_WORK/gw.yaml.in" <<EOC
milter:
  memory_limit_per_message: 64KiB
sender_groups:
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
    tls: no
  - name: internet
    match: any
destinations:
  default: { dane: none }
smime:
  keystore: $STORE
  private_dir: $P
  certificates:
    - { name: org, certificate: $P/org.crt, key: $P/org.key }
  sending_profiles:
    - name: partner-secure
      mode: sign-encrypt
      signing_certificate: org
      sign_mode: detached
      missing_key: split
    - name: partner-strict
      mode: encrypt
      missing_key: bounce
  sending_rules:
    - name: strict
      match:
        recipient_domain: [partner.test]
        header: { name: Subject, contains: strict }
      profile: partner-strict
    - name: to-partner
      match:
        sender_group: [internal]
        recipient_domain: [partner.test]
      profile: partner-secure
  reinjection:
    smtp: "127.0.0.1:$RPORT"
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
# The re-injection port: an smtpd that does not run the milter.
bench_postfix_master "127.0.0.1:$RPORT/inet=127.0.0.1:$RPORT inet n - n - - smtpd -o smtpd_milters= -o non_smtpd_milters=" ||
    bail_out "postconf -M failed"
bench_postfix_start || bail_out "Postfix did not start"

# A multipart message: an 8-bit text part, an HTML part, a binary attachment.
mkmsg() {	# mkmsg TO SUBJECT > file
	printf 'From: alice@example.test\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' "$1" "$2"
	printf -- '--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\303\274\303\237e aus dem Gateway.\r\n'
	printf -- '--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hello</p>\r\n'
	printf -- '--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="x.bin"\r\n\r\n'
	head -c 90000 /dev/urandom | base64 | sed 's/$/\r/'
	printf -- '--b1--\r\n'
}
send() {	# send SOURCE TO SUBJECT
	mkmsg "$2" "$3" >"$BENCH_WORK/in.eml"
	bench_swaks --local-interface "$1" --from alice@example.test \
	    --to "$2" --data "@$BENCH_WORK/in.eml" >/dev/null
}
find_msg() {	# find_msg SUBJECT RCPT: the sink file with that subject and recipient
	for f in $(bench_sink_files); do
		bench_sink_message "$f" | grep -q "^Subject: $1\$" &&
		    bench_sink_envelope "$f" | grep -q "^RCPT <$2>" && echo "$f" && return
	done
}

# 1. sign-encrypt for a partner with a key in the store
send 127.0.0.3 bob@partner.test "for bob"
is "$(bench_swaks_reply DOT)" 250 "internal to partner: accepted"
bench_wait_delivered 1 30
f=$(find_msg "for bob" bob@partner.test)
ok $([ -n "$f" ]; echo $?) "delivered to bob"
bench_sink_message "$f" >"$BENCH_WORK/out.eml"
like "$(grep -i '^Content-Type:' "$BENCH_WORK/out.eml")" \
    'application/pkcs7-mime; .*smime-type=enveloped-data' "the message is S/MIME enveloped data"
unlike "$(cat "$BENCH_WORK/out.eml")" 'Gateway|hello</p>' "no clear text left"
like "$(grep '^Subject:' "$BENCH_WORK/out.eml")" '^Subject: for bob$' "outer headers stay"
openssl cms -decrypt -in "$BENCH_WORK/out.eml" -recip "$PARTNER/bob.crt" \
    -inkey "$PARTNER/bob.key" -out "$BENCH_WORK/signed.eml" 2>"$BENCH_WORK/err"
ok $? "openssl cms decrypts it with bob's key"
like "$(grep -i '^Content-Type:' "$BENCH_WORK/signed.eml" | head -1)" \
    'multipart/signed; .*protocol="application/pkcs7-signature"' "inside: a detached signature"
openssl cms -verify -in "$BENCH_WORK/signed.eml" -CAfile "$P/org.crt" \
    -out "$BENCH_WORK/content.eml" 2>"$BENCH_WORK/err"
ok $? "openssl cms verifies the signature against the organisation's certificate"
grep -q 'Content-Type: multipart/mixed; boundary="b1"' "$BENCH_WORK/content.eml" &&
    grep -q '<p>hello</p>' "$BENCH_WORK/content.eml"
ok $? "the signed content is the original entity"
grep -q 'Content-Transfer-Encoding: quoted-printable' "$BENCH_WORK/content.eml" &&
    grep -q 'Gr=C3=BC=C3=9Fe aus dem Gateway' "$BENCH_WORK/content.eml"
ok $? "the 8-bit part became quoted-printable"
like "$(cat "$BENCH_GW_LOG")" 'profile=partner-secure .*mode=sign-encrypt' \
    "one log line names the profile and mode"
like "$(cat "$BENCH_GW_LOG")" 'spool=file' "the 64KiB memory limit sent the body to the spool"

# 2. split: bob has a key, carol has none
send 127.0.0.3 "bob@partner.test,carol@partner.test" "for two"
is "$(bench_swaks_reply DOT)" 250 "split: accepted"
bench_wait_delivered 3 30
fb=$(find_msg "for two" bob@partner.test)
fc=$(find_msg "for two" carol@partner.test)
ok $([ -n "$fb" ] && [ -n "$fc" ] && [ "$fb" != "$fc" ]; echo $?) \
    "split: two deliveries, one per recipient"
like "$(bench_sink_message "$fb" | grep -i '^Content-Type:')" 'application/pkcs7-mime' \
    "split: bob's copy is encrypted"
like "$(bench_sink_message "$fc")" 'Gr.*aus dem Gateway' "split: carol's copy is in clear"
is "$(bench_sink_envelope "$fb" | grep -c '^RCPT')" 1 "split: bob's copy is for bob only"

# 3. bounce: the strict rule refuses when a key is missing
send 127.0.0.3 "bob@partner.test,carol@partner.test" "strict for two"
is "$(bench_swaks_reply DOT)" 554 "bounce: refused"
like "$(cat "$BENCH_SWAKS_LOG")" '554 5\.7\.1 .*carol@partner\.test' \
    "bounce: the reply names the recipient without a key"

# 3b. dora's only certificate has expired: she has no key, so the strict
# rule bounces; the log says which certificate was passed over and why.
send 127.0.0.3 "bob@partner.test,dora@partner.test" "strict for dora"
is "$(bench_swaks_reply DOT)" 554 "expired key: refused as missing"
like "$(cat "$BENCH_SWAKS_LOG")" '554 5\.7\.1 .*dora@partner\.test' \
    "expired key: the reply names dora"
like "$(cat "$BENCH_GW_LOG")" "smime=no_usable_key rcpt=dora@partner.test reason=expired fingerprint=$(openssl x509 -in "$PARTNER/dora.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f') not_after=20" \
    "expired key: logged with its fingerprint and expiry"

# 4. no rule matches: untouched
send 127.0.0.3 dave@elsewhere.test "for dave"
is "$(bench_swaks_reply DOT)" 250 "no rule: accepted"
# 4b. a recipient whose domain only the MTA can read (the '@' inside
# quotes; Postfix's internal form drops them): refused, never sent in clear
send 127.0.0.3 '"bob@partner.test"' "for quoted bob"
is "$(bench_swaks_reply DOT)" 553 "ambiguous recipient: refused with 553"
like "$(cat "$BENCH_GW_LOG")" 'smime=refused reason=ambiguous-recipient rcpt=.*bob@partner.test.* action=reject code=553 dsn=5.1.3' \
    "ambiguous recipient: logged"
# 4c. no local part: gatewarden reads no domain in "@partner.test", the
# MTA may read partner.test: refused the same way
send 127.0.0.3 '@partner.test' "for nobody at partner"
is "$(bench_swaks_reply DOT)" 553 "no local part: refused with 553"
like "$(cat "$BENCH_GW_LOG")" 'smime=refused reason=ambiguous-recipient rcpt=<@partner.test>' \
    "no local part: logged"
# 4d. a local part the MTA may route on ('%': Postfix's percent hack
# when the domain is its own): refused as well
send 127.0.0.3 'bob%partner.test@sender.test' "for bob via percent"
is "$(bench_swaks_reply DOT)" 553 "percent hack: refused with 553"
# 5. inbound mail to a partner address is never signed
send 127.0.0.1 bob@partner.test "inbound for bob"
is "$(bench_swaks_reply DOT)" 250 "inbound: accepted"
bench_wait_delivered 5 30
like "$(bench_sink_message "$(find_msg "for dave" dave@elsewhere.test)" | grep -i '^Content-Type:')" \
    'multipart/mixed' "no rule: the message is unchanged"
like "$(bench_sink_message "$(find_msg "inbound for bob" bob@partner.test)" | grep -i '^Content-Type:')" \
    'multipart/mixed' "inbound: not signed, not encrypted"

# 6. split keeps the envelope: the client's DSN parameters and SMTPUTF8,
# BODY=8BITMIME for 8-bit text it did not declare (no BODY=, no
# Content-Transfer-Encoding), and a Received: field for the hop it came in
# by, which Postfix never shows a milter.
printf 'From: alice@example.test\r\nTo: bob@partner.test, carol@partner.test\r\nSubject: dsn split\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGr\303\274\303\237e, undeclared 8-bit text.\r\n' \
    >"$BENCH_WORK/dsn.eml"
python3 "$top_srcdir/t/lib/esmtp_send.py" --port "$BENCH_PF_PORT" \
    --source 127.0.0.3 --mail "alice@example.test RET=HDRS ENVID=gw-split-1 SMTPUTF8" \
    --rcpt "bob@partner.test NOTIFY=NEVER" \
    --rcpt "carol@partner.test NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;carol.orig@partner.test" \
    --data "$BENCH_WORK/dsn.eml" >"$BENCH_WORK/dsn.log" 2>&1
like "$(cat "$BENCH_WORK/dsn.log")" '^DOT 250' "split with DSN parameters: accepted" ||
    diag_file "$BENCH_WORK/dsn.log"
bench_wait_delivered 7 30
fc=$(find_msg "dsn split" carol@partner.test)
like "$(bench_sink_envelope "$fc" | grep '^MAIL')" ' RET=HDRS' "split: the clear copy keeps RET=" ||
    diag "$(bench_sink_envelope "$fc")"
like "$(bench_sink_envelope "$fc" | grep '^MAIL')" ' ENVID=gw-split-1' "split: the clear copy keeps ENVID="
# The sink needs no SMTPUTF8 for this copy; the re-injection port's
# Received: field says whether it was asked for.
like "$(bench_sink_message "$fc" | sed -n '1,3p' | tr '\n' ' ')" \
    '^Received: from gatewarden\.reinject .* with UTF8SMTP id ' \
    "split: the clear copy keeps SMTPUTF8"
like "$(bench_sink_envelope "$fc" | grep '^MAIL')" ' BODY=8BITMIME' \
    "split: the clear copy declares its 8-bit text (BODY=8BITMIME)"
rcpt=$(bench_sink_envelope "$fc" | grep '^RCPT')
like "$rcpt" ' NOTIFY=SUCCESS,FAILURE( |$)' "split: the clear copy keeps the recipient's NOTIFY="
like "$rcpt" ' ORCPT=rfc822;carol\.orig@partner\.test( |$)' \
    "split: the clear copy keeps the recipient's ORCPT="
bench_sink_message "$fc" | bench_drop_received >"$BENCH_WORK/clear.eml"
like "$(sed -n '1,4p' "$BENCH_WORK/clear.eml" | tr '\n' ' ')" \
    '^Received: from client\.bench\.gatewarden\.test \(unknown \[127\.0\.0\.3\]\)[[:space:]]+by mx\.bench\.gatewarden\.test \(gatewarden split copy\) with ESMTP id [0-9A-F]+[[:space:]]+for <carol@partner\.test>; ' \
    "split: the clear copy carries a Received: field for the hop it came in by" ||
    diag_file "$BENCH_WORK/clear.eml" 12

bench_wait_queue_empty 10
is "$(bench_sink_count)" 7 "nothing else was delivered (no double copies)"
bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?
