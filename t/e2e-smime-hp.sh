#!/bin/sh
# e2e-smime-hp: header protection (RFC 9788) through two gatewardens
# around one private Postfix, set up as in t/e2e-smime-roundtrip.sh: A
# (the bench's own) signs or encrypts for b.test with its profiles'
# header_protection, B decrypts, verifies and restores. Checked, for each
# mode: sign (hp="clear", the header signed inside a multipart/signed that
# B keeps), sign-encrypt and triple with encrypt (hp="cipher": the outer
# Subject is "[...]" and the Keywords are gone between A and B, and the
# reader gets them back from B), encrypt only with sign (HP-Outer,
# nothing obscured). With encrypt A also writes a legacy display (the
# real Subject at the top of the text, or in a div after an HTML
# payload's <body> tag, hp-legacy-display="1"); B takes it out, and
# delivers a Content-Type without hp and a header without HP-Outer: a
# reader without RFC 9788 gets a clean message.
# A tampered outer Subject (A's smtp client rewrites it, with
# smtp_header_checks, on the way to B) is named as a mismatch with
# smime=pass, and is smime=fail under header_mismatch: fail. Legacy
# readers: copies A sends to the sink directly (a sender-dependent relay)
# are read by openssl cms (decrypt, verify) and gpgsm (decrypt), whose
# output is the original text under the protected header fields, the
# legacy display (the real Subject) first in the text. notmuch (a reader
# that knows the older protected-headers="v1", through gpgsm) shows
# gatewarden's copy with its outer "[...]" and the legacy display, and
# the real Subject of a protected-headers="v1" message. Payloads built by
# hand in RFC 9788's sample shapes (a text/plain and a text/html legacy
# display) are restored, the display taken out. NeoMutt itself
# (driven through a terminal: it does no crypto in batch mode) sends one
# such message, which B restores, and reads gatewarden's signed and
# encrypted copy: the Subject [...] (it takes no protected Subject from
# under a signature), the real one in the legacy display.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

for t in openssl gpgsm gpgconf python3 notmuch neomutt; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
SMIME_KEYS=/usr/libexec/neomutt/smime_keys
[ -x "$SMIME_KEYS" ] || skip_all "$SMIME_KEYS (neomutt) not there"
bench_init
plan 66

KEYS=$top_builddir/smime/gatewarden-keys
BATCH="python3 $top_srcdir/t/smtp_batch.py"
W=$BENCH_WORK
mkdir -p "$W/a" "$W/b" && chmod 0700 "$W/a" "$W/b"
"$KEYS" --private-dir "$W/a" --keystore "$W/a.db" create-cert a-gw --smime \
    --cn "Gateway A" --email gateway@a.test --dns a.test --dns keep.a.test \
    --dns strict.a.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$W/b" --keystore "$W/b.db" create-cert b-gw --smime \
    --cn "Gateway B" --email gateway@b.test --dns b.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$W/a" --keystore "$W/a.db" pubkey add b-gw \
    "$W/b/b-gw.crt" >/dev/null ||
    bail_out "gatewarden-keys could not make the certificates"

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
GNUPGHOME="$W/gnupg"
export GNUPGHOME
trap '_rt=$?; stop_b; gpgconf --kill all >/dev/null 2>&1; (exit $_rt); bench_cleanup' EXIT

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
  - name: strict
    match: { sender_domain: [strict.a.test] }
    smime_inbound: strict
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
    - { name: strip, signature: remove, on_failure: tag }
    - { name: keep, signature: retain, on_failure: tag }
    - { name: strict, signature: retain, on_failure: tag, header_mismatch: fail }
EOC
timeout 900 "$top_builddir/milter/gatewarden" -f -c "$W/b.yaml" >"$W/b.log" 2>&1 &
B_PID=$!
bench_wait_for 30 test -S "$W/b.sock" || { diag_file "$W/b.log" 20; bail_out "gatewarden B did not start"; }

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
    - { name: hide, mode: sign-encrypt, signing_certificate: a-gw, header_protection: encrypt }
    - { name: mark, mode: sign-encrypt, signing_certificate: a-gw, header_protection: encrypt,
        obscured_fields: ["Subject: [hidden]", Keywords] }
    - { name: sig, mode: sign, signing_certificate: a-gw, header_protection: sign }
    - { name: enc, mode: encrypt, header_protection: sign }
    - { name: tri, mode: triple, signing_certificate: a-gw, header_protection: encrypt }
  sending_rules:
    - name: triple
      match: { sender_group: [internal], recipient_domain: [b.test], header: { name: Subject, contains: triple } }
      profile: tri
    - name: marked
      match: { sender_group: [internal], recipient_domain: [b.test], header: { name: Subject, contains: marked } }
      profile: mark
    - name: signed
      match: { sender_group: [internal], recipient_domain: [b.test], header: { name: Subject, contains: signed } }
      profile: sig
    - name: encrypted
      match: { sender_group: [internal], recipient_domain: [b.test], header: { name: Subject, contains: encrypted } }
      profile: enc
    - name: to-b
      match: { sender_group: [internal], recipient_domain: [b.test] }
      profile: hide
EOC
bench_gatewarden_start "$W/a.yaml.in" || bail_out "gatewarden A did not start"
# On the way to B, A's smtp client rewrites two Subjects: the clear one of
# a signed message, and the [hidden] of profile mark.
printf '%s\n' '/^Subject: signed, tamper me$/ REPLACE Subject: signed, and changed on the way' \
    '/^Subject: \[hidden\]$/ REPLACE Subject: Pay the invoice today' >"$W/tamper.re"
bench_postfix_conf "relayhost = [127.0.0.1]:$P2" "default_transport = tamper" \
    "sender_dependent_relayhost_maps = inline:{ legacy@a.test=[127.0.0.1]:$BENCH_SINK_PORT }" ||
    bail_out "postconf"
# tamper: the smtp client from A to B (and to the sink for legacy@a.test);
# B's own mail leaves by the plain smtp one.
bench_postfix_master "tamper/unix=tamper unix - - n - - smtp -o smtp_header_checks=regexp:$W/tamper.re" ||
    bail_out "postconf -M tamper"
bench_postfix_master "127.0.0.1:$P2/inet=127.0.0.1:$P2 inet n - n - - smtpd -o smtpd_milters=unix:$W/b.sock -o non_smtpd_milters= -o content_filter=smtp:[127.0.0.1]:$BENCH_SINK_PORT" ||
    bail_out "postconf -M"
bench_postfix_start || bail_out "Postfix did not start"

mkmsg() {	# mkmsg FROM SUBJECT FILE
	{
	printf 'From: %s\r\nTo: bob@b.test\r\nSubject: %s\r\n' "$1" "$2"
	printf 'Keywords: contract\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'
	printf 'The FooCorp contract is signed.\r\n'
	} >"$3"
}
mkmsg alice@a.test "BarCorp contract, hidden" "$W/hide.eml"
mkmsg alice@a.test "marked, and tampered outside" "$W/mark.eml"
mkmsg alice@a.test "encrypted, not hidden" "$W/enc.eml"
mkmsg alice@a.test "triple wrapped, hidden" "$W/tri.eml"
mkmsg carol@keep.a.test "signed, as sent" "$W/sig.eml"
mkmsg carol@keep.a.test "signed, tamper me" "$W/sigt.eml"
mkmsg dave@strict.a.test "signed, tamper me" "$W/strict.eml"
mkmsg legacy@a.test "legacy, hidden" "$W/legacy.eml"
{
	printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: HTML, hidden\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n'
	printf '<html><head><title></title></head>\r\n<body>\r\n'
	printf '<p>The FooCorp contract is signed.</p>\r\n</body>\r\n</html>\r\n'
} >"$W/html.eml"
mkmsg legacy@a.test "signed, for legacy" "$W/legacy-sig.eml"
# A multipart message: text and HTML alternatives, and a text attachment.
{
	printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: Multipart, hidden\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="o"\r\n\r\n'
	printf 'This is a multi-part message in MIME format.\r\n--o\r\n'
	printf 'Content-Type: multipart/alternative; boundary="i"\r\n\r\n--i\r\n'
	printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nThe contract is signed.\r\n--i\r\n'
	printf 'Content-Type: text/html; charset=us-ascii\r\n\r\n<html><body>\r\n'
	printf '<p>The contract is signed.</p>\r\n</body></html>\r\n--i--\r\n\r\n--o\r\n'
	printf 'Content-Type: text/plain; name="terms.txt"\r\n'
	printf 'Content-Disposition: attachment; filename="terms.txt"\r\n\r\n'
	printf 'Subject: not a display, an attachment\r\n\r\nTerms.\r\n--o--\r\n'
} >"$W/multi.eml"
$BATCH "127.0.0.1:$BENCH_PF_PORT" 127.0.0.3 alice@a.test bob@b.test hp \
    "$W/hide.eml" "$W/mark.eml" "$W/enc.eml" "$W/tri.eml" "$W/html.eml" \
    "$W/multi.eml" >"$W/replies" 2>&1
$BATCH "127.0.0.1:$BENCH_PF_PORT" 127.0.0.3 carol@keep.a.test bob@b.test hp \
    "$W/sig.eml" "$W/sigt.eml" >>"$W/replies" 2>&1
$BATCH "127.0.0.1:$BENCH_PF_PORT" 127.0.0.3 dave@strict.a.test bob@b.test hp \
    "$W/strict.eml" >>"$W/replies" 2>&1
$BATCH "127.0.0.1:$BENCH_PF_PORT" 127.0.0.3 legacy@a.test bob@b.test hp \
    "$W/legacy.eml" "$W/legacy-sig.eml" >>"$W/replies" 2>&1
# What NeoMutt (crypt_protected_headers_write), Thunderbird and Enigmail
# send today: protected-headers="v1" (draft-autocrypt-lamps-protected-
# headers), the Subject inside, "..." outside; encrypted by openssl cms
# for B and sent to B directly, as from a client at another site.
printf 'Content-Type: text/plain; charset=us-ascii; protected-headers="v1"\r\nContent-Disposition: inline\r\nSubject: The real subject\r\n\r\nThe secret text.\r\n' >"$W/v1.payload"
{
	printf 'From: erin@c.test\r\nTo: bob@b.test\r\nSubject: ...\r\n'
	openssl cms -encrypt -aes256 -in "$W/v1.payload" "$W/b/b-gw.crt" |
	    sed 's/\r*$/\r/'
} >"$W/v1.eml" || bail_out "openssl cms -encrypt"
# Payloads built by hand in the shapes RFC 9788's appendix shows, with a
# legacy display: text/plain (the display lines, an empty line, the
# text) and text/html (a div of class header-protection-legacy-display
# after <body>), each with its HP-Outer record and hp="cipher";
# encrypted by openssl cms for B and sent to B directly.
rfcmsg() {	# rfcmsg TYPE NAME BODYFILE: the message, encrypted for B
	{
	printf 'Content-Type: %s; charset="us-ascii"; hp-legacy-display="1";\r\n hp="cipher"\r\n' "$1"
	printf 'Date: Tue, 01 Dec 2026 12:00:00 +0000\r\nFrom: Erin <erin@c.test>\r\n'
	printf 'To: Bob <bob@b.test>\r\nSubject: Lunch on Friday\r\n'
	printf 'Message-ID: <%s@c.test>\r\n' "$2"
	printf 'HP-Outer: Date: Tue, 01 Dec 2026 12:00:00 +0000\r\n'
	printf 'HP-Outer: From: Erin <erin@c.test>\r\nHP-Outer: To: Bob <bob@b.test>\r\n'
	printf 'HP-Outer: Subject: [...]\r\nHP-Outer: Message-ID: <%s@c.test>\r\n\r\n' "$2"
	cat "$3"
	} >"$W/$2.payload"
	{
	printf 'Date: Tue, 01 Dec 2026 12:00:00 +0000\r\nFrom: Erin <erin@c.test>\r\n'
	printf 'To: Bob <bob@b.test>\r\nSubject: [...]\r\nMessage-ID: <%s@c.test>\r\n' "$2"
	openssl cms -encrypt -aes256 -in "$W/$2.payload" "$W/b/b-gw.crt" |
	    sed 's/\r*$/\r/'
	} >"$W/$2.eml" || bail_out "openssl cms -encrypt"
}
printf 'Subject: Lunch on Friday\r\n\r\nLet us meet at noon, at the usual place.\r\n' >"$W/e1.body"
printf '%s\r\n' '<html><head><title></title></head><body>' \
    '<div class="header-protection-legacy-display">' \
    '<pre>Subject: Lunch on Friday</pre>' '</div>' '<p>' \
    'Let us meet at noon, at the usual place.' '</p>' '</body>' '</html>' >"$W/e2.body"
rfcmsg text/plain rfc-text "$W/e1.body"
rfcmsg text/html rfc-html "$W/e2.body"
# The shape of a client that writes the display into UTF-8 text, base64,
# in each alternative (Loupe's), the HTML's div followed by the text on
# its line: also restored, each display taken out.
b64() { printf "$1" | openssl base64; }
{
	printf 'Content-Type: multipart/alternative; boundary="a";\r\n hp="cipher"\r\n'
	printf 'Date: Tue, 01 Dec 2026 12:00:00 +0000\r\nFrom: Erin <erin@c.test>\r\n'
	printf 'To: Bob <bob@b.test>\r\nSubject: Lunch on Friday\r\n'
	printf 'HP-Outer: Subject: [...]\r\n\r\n--a\r\n'
	printf 'Content-Type: text/plain; charset=utf-8; hp-legacy-display="1"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	b64 'Subject: Lunch on Friday\r\n\r\nHi Bob, see you at noon.\r\n'
	printf -- '--a\r\nContent-Type: text/html; charset=utf-8; hp-legacy-display="1"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	b64 '<html><body>\r\n<div class="header-protection-legacy-display"><pre>Subject: Lunch on Friday</pre></div><p>Hi Bob</p>\r\n</body></html>\r\n'
	printf -- '--a--\r\n'
} | sed 's/\r*$/\r/' >"$W/alt.payload"
{
	printf 'Date: Tue, 01 Dec 2026 12:00:00 +0000\r\nFrom: Erin <erin@c.test>\r\n'
	printf 'To: Bob <bob@b.test>\r\nSubject: [...]\r\nMessage-ID: <alt@c.test>\r\n'
	openssl cms -encrypt -aes256 -in "$W/alt.payload" "$W/b/b-gw.crt" |
	    sed 's/\r*$/\r/'
} >"$W/alt.eml" || bail_out "openssl cms -encrypt"
# The same from NeoMutt itself (crypt_protected_headers_write), driven
# through a terminal: it encrypts for B with openssl cms, its own way.
NM=$W/neomutt
mkdir -p "$NM/certs" "$NM/keys"
cat >"$NM/muttrc" <<EOC
set folder="$NM"
set from="nina@c.test"
set realname="Nina"
set sendmail="$NM/sendmail"
set editor="true"
set edit_headers=no
set fast_reply=yes
set abort_unmodified=no
set askcc=no
set askbcc=no
set record=""
set postpone=no
set crypt_use_gpgme=no
set smime_is_default=yes
set crypt_autoencrypt=yes
set smime_self_encrypt=no
set crypt_protected_headers_write=yes
set smime_certificates="$NM/certs"
set smime_keys="$NM/keys"
set smime_ca_location="$W/b/b-gw.crt"
set smime_encrypt_with="aes256"
set smime_encrypt_command="openssl cms -encrypt -%a -outform DER -in %f %c"
EOC
printf '#!/bin/sh\ncat >"%s"\n' "$NM/sent.eml" >"$NM/sendmail" && chmod +x "$NM/sendmail"
printf 'set smime_certificates="%s/certs"\nset smime_keys="%s/keys"\nset smime_ca_location="%s"\n' \
    "$NM" "$NM" "$W/b/b-gw.crt" >"$NM/.neomuttrc"
printf 'The secret text.\n' >"$NM/body"
HOME=$NM "$SMIME_KEYS" init </dev/null >/dev/null 2>&1
HOME=$NM "$SMIME_KEYS" add_cert "$W/b/b-gw.crt" </dev/null >/dev/null 2>&1
HOME=$NM timeout 150 python3 "$top_srcdir/t/neomutt_compose.py" "$NM/muttrc" \
    "$NM/body" "From NeoMutt" gateway@b.test "$NM/sent.eml" 2>"$NM/err" &&
    grep -q '^Subject: \.\.\.$' "$NM/sent.eml"
ok $? "NeoMutt sends an S/MIME message with protected headers (Subject ... outside)" ||
    diag_file "$NM/err" 10
sed 's/\r*$/\r/' "$NM/sent.eml" >"$W/neomutt.eml"
$BATCH "127.0.0.1:$P2" 127.0.0.1 erin@c.test bob@b.test hp \
    "$W/v1.eml" "$W/neomutt.eml" "$W/rfc-text.eml" "$W/rfc-html.eml" \
    "$W/alt.eml" >>"$W/replies" 2>&1
is "$(awk '$2 != 250' "$W/replies")" "" "A (and B) accept the sixteen messages"
bench_wait_delivered 16 120
ok $? "all sixteen reach the sink"

got() {	# got NAME: the delivered copy, CRLF
	_f=$(grep -l "^X-Test-Case: hp/$1\$" "$BENCH_SINK_DIR"/* | head -1)
	[ -n "$_f" ] && bench_sink_message "$_f" | sed 's/$/\r/'
}
field() {	# field FILE NAME: the values of a top-level field, unfolded
	awk -v n="$2" '
	function flush() { if (on) print val; on = 0 }
	{ sub(/\r$/, "") }
	/^$/ { flush(); exit }
	/^[ \t]/ { if (on) { s = $0; sub(/^[ \t]+/, " ", s); val = val s }; next }
	{ flush(); i = index($0, ":")
	  if (tolower(substr($0, 1, i - 1)) == tolower(n)) {
		on = 1; val = substr($0, i + 1); sub(/^ /, "", val) } }
	END { flush() }' "$1"
}
ar() {	# ar FILE: B's Authentication-Results
	field "$1" Authentication-Results | grep '^mx\.b\.test;'
}
for m in hide mark enc tri sig sigt strict legacy legacy-sig v1 neomutt \
    rfc-text rfc-html html multi alt; do
	got $m.eml >"$W/$m.out"
done

# ---- sign-encrypt, header_protection encrypt -----------------------------
has() {	# has FILE ERE DESCRIPTION
	grep -Eq -- "$2" "$1"
	ok $? "$3"
}
has "$BENCH_GW_LOG" 'profile=hide .*header_protection=encrypt hp=cipher' \
    "A protected and obscured the header (log)"
is "$(field "$W/hide.out" Subject)" "BarCorp contract, hidden" \
    "encrypt: B restores the real Subject for the reader"
is "$(field "$W/hide.out" Keywords)" "contract" \
    "encrypt: ... and the Keywords that were removed outside"
like "$(field "$W/hide.out" X-Gatewarden-SMIME)" \
    'header-protection=cipher; restored=Subject,Keywords; obscured=Subject,Keywords; mismatch=none' \
    "encrypt: the result header names what was obscured and restored"
like "$(ar "$W/hide.out")" 'smime=pass ' \
    "encrypt: smime=pass"
grep -q 'FooCorp contract is signed' "$W/hide.out"
ok $? "encrypt: the reader gets the text"
has "$BENCH_GW_LOG" 'profile=hide .*legacy_display=yes' \
    "A wrote a legacy display (log)"
is "$(field "$W/hide.out" Content-Type)" "text/plain; charset=us-ascii" \
    "encrypt: the delivered Content-Type without hp and hp-legacy-display"
is "$(field "$W/hide.out" HP-Outer)" "" "encrypt: no HP-Outer in the delivered header"
body() {	# body FILE: the text after the header, LF
	sed 's/\r$//' "$1" | awk 'b { print } /^$/ { b = 1 }'
}
is "$(body "$W/hide.out")" "The FooCorp contract is signed." \
    "encrypt: B took the legacy display out of the text"
like "$(field "$W/hide.out" X-Gatewarden-SMIME)" 'legacy-display=removed; result=pass' \
    "encrypt: ... and says so in its result header"

is "$(field "$W/html.out" Subject)" "HTML, hidden" \
    "encrypt, HTML: B restores the real Subject"
like "$(field "$W/html.out" X-Gatewarden-SMIME)" 'legacy-display=removed; result=pass' \
    "encrypt, HTML: A wrote a legacy display, B took it out"
is "$(body "$W/html.out" | tr '\n' ' ')" \
    '<html><head><title></title></head> <body> <p>The FooCorp contract is signed.</p> </body> </html> ' \
    "encrypt, HTML: the reader gets the HTML as it was sent"

is "$(field "$W/tri.out" Subject)" "triple wrapped, hidden" \
    "triple wrap, encrypt: B restores the real Subject"
has "$W/b.log" 'smime_in=pass policy=strip layers=signed-(opaque|detached),enveloped,signed-detached .*hp=cipher hp_restored=Subject,Keywords' \
    "triple wrap: the innermost payload's fields, restored"

# ---- what went between A and B: the legacy copy ------------------------
is "$(field "$W/legacy.out" Subject)" "[...]" \
    "between the gateways the Subject is [...]"
is "$(field "$W/legacy.out" Keywords)" "" "... and there are no Keywords"
openssl cms -decrypt -in "$W/legacy.out" -recip "$W/b/b-gw.crt" \
    -inkey "$W/b/b-gw.key" -out "$W/legacy.signed" 2>"$W/dec.err" &&
    openssl cms -verify -in "$W/legacy.signed" -CAfile "$W/a/a-gw.crt" \
    -purpose any -out "$W/legacy.payload" 2>"$W/ver.err"
ok $? "openssl cms decrypts and verifies it" || diag_file "$W/ver.err" 5
grep -q 'FooCorp contract is signed' "$W/legacy.payload" &&
    grep -q '^Subject: legacy, hidden' "$W/legacy.payload" &&
    grep -q '^HP-Outer: Subject: \[\.\.\.\]' "$W/legacy.payload" &&
    grep -q 'hp="cipher"' "$W/legacy.payload"
ok $? "... the payload: the text, the real Subject, HP-Outer, hp=\"cipher\""
is "$(body "$W/legacy.payload" | head -2)" "Subject: legacy, hidden" "... a legacy reader sees the real Subject at the top of the text"
mkdir -m 700 "$GNUPGHOME" && echo allow-loopback-pinentry >"$GNUPGHOME/gpg-agent.conf"
printf 'p12 pass\n' >"$W/pass"
"$KEYS" --private-dir "$W/b" --keystore "$W/b.db" export b-gw --out "$W/b.p12" \
    --passphrase-file "$W/pass" --cipher aes-128-cbc >/dev/null 2>&1 &&
    timeout 60 gpgsm --batch --pinentry-mode loopback --passphrase-fd 3 \
    --import "$W/b.p12" 3<"$W/pass" >/dev/null 2>&1
# gpgsm reads CMS, not mail: openssl only unwraps the MIME (no crypto).
openssl cms -cmsout -in "$W/legacy.out" -outform DER -out "$W/legacy.der" 2>/dev/null
timeout 60 gpgsm --batch --pinentry-mode loopback --passphrase-fd 3 \
    --decrypt "$W/legacy.der" 3<"$W/pass" >"$W/gpgsm.out" 2>"$W/gpgsm.err"
grep -q 'FooCorp contract is signed' "$W/gpgsm.out"
ok $? "gpgsm decrypts it: the text is there" || diag_file "$W/gpgsm.err" 5
openssl cms -verify -in "$W/legacy-sig.out" -CAfile "$W/a/a-gw.crt" \
    -purpose any -out "$W/legacy-sig.payload" 2>"$W/ver2.err" &&
    grep -q 'FooCorp contract is signed' "$W/legacy-sig.payload" &&
    grep -q 'hp="clear"' "$W/legacy-sig.payload"
ok $? "openssl cms verifies a signed one (hp=\"clear\") and reads its text"

# notmuch reads the same copy, and the v1 message as it was sent to B,
# decrypting with gpgsm (a key without a passphrase: gmime asks no one).
NMH=$W/notmuch
mkdir -p "$NMH/mail/cur" "$NMH/mail/new" "$NMH/mail/tmp" && mkdir -m 700 "$NMH/gnupg"
openssl pkcs12 -export -in "$W/b/b-gw.crt" -inkey "$W/b/b-gw.key" \
    -passout pass: -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
    -out "$W/b-nopass.p12" 2>/dev/null &&
    printf '\n' | GNUPGHOME=$NMH/gnupg timeout 60 gpgsm --batch \
    --pinentry-mode loopback --passphrase-fd 0 --import "$W/b-nopass.p12" \
    >/dev/null 2>&1
cp "$W/legacy.out" "$NMH/mail/cur/gw"
cp "$W/v1.eml" "$NMH/mail/cur/v1"
printf '[database]\npath=%s/mail\n[user]\nprimary_email=bob@b.test\n[new]\ntags=new\n' \
    "$NMH" >"$NMH/config"
nm() {	# nm QUERY FIELD: what notmuch shows, decrypted (FIELD subject, text)
	NOTMUCH_CONFIG=$NMH/config GNUPGHOME=$NMH/gnupg timeout 60 \
	    notmuch show --format=json --decrypt=true "$1" 2>/dev/null |
	    python3 -c 'import json, sys
m = json.load(sys.stdin)[0][0][0]
def text(p):
    c = p.get("content")
    if isinstance(c, str):
        return c if p.get("content-type") == "text/plain" else ""
    return "".join(text(q) for q in c or [])
print(m["headers"]["Subject"] if sys.argv[1] == "subject" else
    text({"content": m["body"]}).split("\n")[0])' "$2"
}
NOTMUCH_CONFIG=$NMH/config notmuch new >/dev/null 2>&1
is "$(nm from:legacy@a.test subject)" "[...]" \
    "notmuch (knows protected-headers=v1, not hp): gatewarden's copy shows [...]"
is "$(nm from:legacy@a.test text)" "Subject: legacy, hidden" \
    "... and the legacy display gives its reader the real Subject"
is "$(nm from:erin@c.test subject)" "The real subject" \
    "notmuch shows the real Subject of a protected-headers=v1 message"
is "$(nm from:erin@c.test text)" "The secret text." "... and its text"
GNUPGHOME=$NMH/gnupg gpgconf --kill all >/dev/null 2>&1
# NeoMutt opens the same copy (driven through a terminal), with its
# protected headers reading on (its default) and off.
{
	printf 'From legacy@a.test Wed Dec  2 22:00:00 2026\n'
	sed 's/\r$//' "$W/legacy.out"
	printf '\n'
} >"$NM/box"
for r in yes no; do
	cat >"$NM/read-$r" <<EOC
set folder="$NM"
set spoolfile="$NM/box"
set mbox_type=mbox
set read_only=yes
set crypt_use_gpgme=no
set crypt_protected_headers_read=$r
set smime_certificates="$NM/certs"
set smime_keys="$NM/keys"
set smime_default_key="b-gw"
set smime_decrypt_use_default_key=yes
set smime_decrypt_command="openssl cms -decrypt -inform DER -in %f -inkey $W/b/b-gw.key -recip $W/b/b-gw.crt"
set smime_verify_command="openssl cms -verify -inform DER -in %s -content %f -CAfile $W/a/a-gw.crt -purpose any -out /dev/null"
ignore *
unignore from: to: subject:
EOC
	HOME=$NM timeout 150 python3 "$top_srcdir/t/neomutt_read.py" "$NM/read-$r" \
	    >"$NM/screen-$r" 2>&1
	echo $? >"$NM/rc-$r"
done
shown() {	# shown yes|no: how often the decrypted part shows the real Subject
	tr -s ' ' <"$NM/screen-$1" | sed -n 's/.*S\/MIME encrypted --\]//p' |
	    grep -o 'Subject: legacy, hidden' | wc -l | tr -d ' '
}
is "$(cat "$NM/rc-yes") $(cat "$NM/rc-no")" "0 0" \
    "NeoMutt decrypts gatewarden's copy" || diag_file "$NM/screen-yes" 5
# Signed, then encrypted: NeoMutt takes no protected Subject from a
# payload under a signature (its status line keeps [...]); the legacy
# display is what shows its reader the real one.
tr -s ' ' <"$NM/screen-yes" | grep -q '1/1: legacy@a\.test \[\.\.\.\]'
ok $? "NeoMutt, crypt_protected_headers_read: the Subject stays [...] (sign-encrypt)"
is "$(shown yes) $(shown no)" "1 1" \
    "NeoMutt, either way: the legacy display gives the real Subject"

# ---- sign-encrypt, the obscured Subject changed on the way --------------
is "$(field "$W/mark.out" Subject)" "marked, and tampered outside" \
    "tampered outer Subject: B restores the protected one"
like "$(field "$W/mark.out" X-Gatewarden-SMIME)" 'mismatch=Subject;' \
    "... and names the mismatch in its result header"
like "$(ar "$W/mark.out")" \
    'smime=pass \(.*header mismatch: Subject' "... smime=pass, the mismatch named"
has "$W/b.log" 'smime_in=pass .*hp=cipher .*hp_mismatch=Subject' \
    "... and logs it"

# ---- protected-headers="v1", as deployed clients send it -------------------
is "$(field "$W/v1.out" Subject)" "The real subject" \
    "protected-headers=\"v1\": B restores the real Subject"
like "$(field "$W/v1.out" X-Gatewarden-SMIME)" \
    'header-protection=v1; restored=Subject; obscured=none; mismatch=none' \
    "protected-headers=\"v1\": the result header says so"
is "$(field "$W/v1.out" Content-Type)" "text/plain; charset=us-ascii" \
    "protected-headers=\"v1\": the delivered Content-Type without the mark"

is "$(field "$W/neomutt.out" Subject)" "From NeoMutt" \
    "NeoMutt's message: B restores the real Subject"
like "$(field "$W/neomutt.out" X-Gatewarden-SMIME)" \
    'header-protection=v1; restored=Subject; obscured=none; mismatch=none' \
    "NeoMutt's message: protected-headers=v1 found"

# ---- RFC 9788 sample shapes, built by hand, with a legacy display ----------
for m in rfc-text rfc-html; do
	is "$(field "$W/$m.out" Subject)" "Lunch on Friday" \
	    "$m: B restores the real Subject"
	like "$(field "$W/$m.out" X-Gatewarden-SMIME)" \
	    'header-protection=cipher; restored=Subject; obscured=Subject; mismatch=none; legacy-display=removed' \
	    "$m: the result header names the Subject and the display removed"
done
is "$(body "$W/rfc-text.out")" "Let us meet at noon, at the usual place." \
    "rfc-text: the display lines and the empty line after them are gone"
is "$(field "$W/rfc-html.out" Content-Type)" 'text/html; charset="us-ascii"' \
    "rfc-html: the delivered Content-Type without hp and hp-legacy-display"
is "$(body "$W/rfc-html.out" | tr '\n' ' ')" \
    '<html><head><title></title></head><body> <p> Let us meet at noon, at the usual place. </p> </body> </html> ' \
    "rfc-html: the div is gone, the rest of the HTML as it was"

# ---- multipart payloads: a display in each main body text ------------------
is "$(field "$W/multi.out" Subject)" "Multipart, hidden" \
    "multipart: B restores the real Subject"
like "$(field "$W/multi.out" X-Gatewarden-SMIME)" 'legacy-display=removed; result=pass' \
    "multipart: A wrote displays, B took them out"
is "$(body "$W/multi.out")" "$(body "$W/multi.eml")" \
    "multipart: the reader gets the body as it was sent, the attachment untouched"
is "$(field "$W/alt.out" Subject)" "Lunch on Friday" \
    "base64 alternatives (Loupe's shape): B restores the real Subject"
like "$(field "$W/alt.out" X-Gatewarden-SMIME)" 'legacy-display=removed; result=' \
    "base64 alternatives: the displays taken out"
alt_text() {	# alt_text N: the text of alt.out's part N, decoded
	body "$W/alt.out" | awk -v n="$1" '/^--a/ { k++; h = 1; next }
	    h && /^$/ { h = 0; next } !h && k == n' | openssl base64 -d | tr '\r\n' '  '
}
is "$(alt_text 1)" "Hi Bob, see you at noon.  " \
    "base64 alternatives: the text without its display"
is "$(alt_text 2)" "<html><body>  <p>Hi Bob</p>  </body></html>  " \
    "base64 alternatives: the HTML without its div, the text after it kept"
is "$(body "$W/alt.out" | grep -c 'hp-legacy-display')" 0 \
    "base64 alternatives: the parts' marks gone with the displays"

# ---- encrypt only, header_protection sign: HP-Outer, nothing hidden --------
is "$(field "$W/enc.out" Subject)" "encrypted, not hidden" \
    "encrypt only: the Subject as sent"
like "$(field "$W/enc.out" X-Gatewarden-SMIME)" \
    'header-protection=cipher; restored=none; obscured=none; mismatch=none' \
    "encrypt only: protected, nothing obscured, nothing to restore"

# ---- sign, header_protection sign (hp=clear), signature retained -----------
like "$(field "$W/sig.out" X-Gatewarden-SMIME)" \
    'header-protection=clear; restored=none; obscured=none; mismatch=none' \
    "sign: hp=clear found, the outer header as signed"
openssl cms -verify -in "$W/sig.out" -CAfile "$W/a/a-gw.crt" -purpose any \
    -out /dev/null 2>/dev/null
ok $? "sign: the retained signature still verifies"
is "$(field "$W/sigt.out" Subject)" "signed, tamper me" \
    "sign, tampered: B restores the signed Subject"
like "$(ar "$W/sigt.out")" \
    'smime=pass \(.*header mismatch: Subject' "sign, tampered: smime=pass, the mismatch named"
like "$(ar "$W/strict.out")" \
    'smime=fail \(header field Subject outside differs from the signed ones' \
    "sign, tampered, header_mismatch fail: smime=fail"

bench_gatewarden_stop
ok $? "gatewarden A stops cleanly (no sanitizer report)"
stop_b
ok $? "gatewarden B stops cleanly (no sanitizer report)"
done_testing
exit $?
