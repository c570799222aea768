#!/bin/sh
# smime-interop - the outbound S/MIME engine's output read by independent
# implementations: openssl cms, gpgsm (GnuPG/libksba, no OpenSSL) and
# Bouncy Castle (Java). For each profile x mode x sign_mode a multipart
# message (8-bit text, HTML, binary attachment) goes through the engine
# (t/smime_tool); every layer is verified or decrypted by each reader that
# supports the profile's algorithms, and the recovered entity must equal
# the engine's canonical entity byte for byte and, decoded part by part by
# Python's email package, the original parts (text with LF line ends).
# Also: encrypt-to-self, chain or not, PKCS#12 signer, missing keys
# (bounce, drop, split), malformed MIME and an unreadable key.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
TOOL="$top_builddir/t/smime_tool"
PY="python3 $top_srcdir/t/smime_mime.py"
BCJ="/usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar"

W=$(mktemp -d) || exit 1
GNUPGHOME="$W/gnupg"
export GNUPGHOME
cleanup() {
	gpgconf --kill all >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
cd "$W" || exit 1
. "$top_srcdir/t/smime-certs.sh"

tap_n=0
failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); failed=$((failed + 1)); echo "not ok $tap_n - $1"; }
check() { # description command...
	d=$1
	shift
	if "$@" >check.log 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' check.log | head -20; fi
}

make_test_certs || { echo "1..0 # SKIP cannot make certificates"; exit 99; }
make_test_message msg.eml
"$TOOL" -e msg.eml want.eml 2>/dev/null

# Readers need their tools; missing ones are failures, not skips: the
# packages are in tools/install-deps.
mkdir -p gnupg bc
chmod 700 gnupg
echo allow-loopback-pinentry > gnupg/gpg-agent.conf
printf 'disable-crl-checks\ndisable-policy-checks\n' > gnupg/gpgsm.conf
timeout 60 gpgsm --batch --import ca.pem >/dev/null 2>&1
# The secret key import goes through gpg-agent, which under load may not
# be ready for the first try: retry, and show why when it never takes.
for try in 1 2 3 4 5; do
	timeout 60 gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
	    --import alice.p12 < p12pass >gpgsm-import.log 2>&1
	gpgsm --batch --with-colons --list-secret-keys 2>/dev/null |
	    grep -q '^crs:' && break
	sed 's/^/# gpgsm import, try '"$try"': /' gpgsm-import.log
	sleep 1
done
echo "$(openssl x509 -in ca.pem -noout -fingerprint -sha1 | cut -d= -f2) S relax" \
    > gnupg/trustlist.txt
timeout 120 javac -cp "$BCJ" -d bc "$top_srcdir/t/BcCheck.java" 2>javac.log
bc() { timeout 60 java -cp "bc:$BCJ" BcCheck "$@"; }

# unwrap READER FILE OUT RECIPIENT: peels every S/MIME layer with READER
# (openssl|gpgsm|bc), decrypting as RECIPIENT; prints the layers.
unwrap() {
	r=$1 cur=$2 out=$3 who=$4 i=0 layers=""
	while :; do
		k=$($PY kind "$cur")
		i=$((i + 1))
		nxt="$cur.$r.$i"
		case $r.$k in
		openssl.detached)
			# openssl's multipart/signed reader wants text mode.
			openssl cms -verify -CAfile ca.pem -purpose smimesign \
			    -in "$cur" -out "$nxt" || return 1 ;;
		openssl.opaque)
			openssl cms -verify -binary -CAfile ca.pem \
			    -purpose smimesign -in "$cur" -out "$nxt" || return 1 ;;
		openssl.enveloped|openssl.authenveloped)
			openssl cms -decrypt -binary -recip "$who.pem" \
			    -inkey "$who.key" -in "$cur" -out "$nxt" || return 1 ;;
		gpgsm.detached)
			$PY detached "$cur" "$nxt.data" "$nxt.sig" || return 1
			timeout 60 gpgsm --batch --status-fd 3 --verify \
			    "$nxt.sig" "$nxt.data" 3>"$nxt.status" || return 1
			grep -q '^\[GNUPG:\] GOODSIG' "$nxt.status" || return 1
			grep -q '^\[GNUPG:\] TRUST_FULLY' "$nxt.status" || return 1
			cp "$nxt.data" "$nxt" ;;
		gpgsm.opaque)
			$PY p7m "$cur" "$nxt.der" || return 1
			timeout 60 gpgsm --batch --status-fd 3 --output "$nxt" \
			    --verify "$nxt.der" 3>"$nxt.status" || return 1
			grep -q '^\[GNUPG:\] GOODSIG' "$nxt.status" || return 1
			grep -q '^\[GNUPG:\] TRUST_FULLY' "$nxt.status" || return 1 ;;
		gpgsm.enveloped)
			$PY p7m "$cur" "$nxt.der" || return 1
			timeout 60 gpgsm --batch --pinentry-mode loopback \
			    --passphrase-fd 0 --output "$nxt" --decrypt \
			    "$nxt.der" < p12pass || return 1 ;;
		bc.detached)
			$PY detached "$cur" "$nxt.data" "$nxt.sig" || return 1
			bc verify "$nxt.sig" "$nxt.data" ca.pem "$nxt" || return 1 ;;
		bc.opaque)
			$PY p7m "$cur" "$nxt.der" || return 1
			bc verify "$nxt.der" - ca.pem "$nxt" || return 1 ;;
		bc.enveloped|bc.authenveloped)
			$PY p7m "$cur" "$nxt.der" || return 1
			bc decrypt "$nxt.der" "$who.pem" "$who.key" "$nxt" || return 1 ;;
		*.plain)
			cp "$cur" "$out"
			echo "layers:$layers"
			return 0 ;;
		*)
			echo "$r cannot read $k"
			return 1 ;;
		esac
		layers="$layers $k"
		cur=$nxt
	done
}

# recovered READER FILE RECIPIENT [ORIGINAL ENTITY]: unwraps and compares
# with the entity wanted (want.eml) and with the original (msg.eml).
recovered() {
	unwrap "$1" "$2" "$2.$1.$3.entity" "$3" || return 1
	cmp "$2.$1.$3.entity" "${5:-want.eml}" || return 1
	$PY same "${4:-msg.eml}" "$2.$1.$3.entity"
}

layers_of() { # mode sign_mode
	s=$([ "$2" = detached ] && echo detached || echo opaque)
	case $1 in
	sign) echo "$s" ;;
	encrypt) echo "ENV" ;;
	sign-encrypt) echo "ENV $s" ;;
	triple) echo "$s ENV $s" ;;
	esac
}

# profile NAME READERS RECIPIENTS SIGNER-OPTIONS ENGINE-OPTIONS
run_profile() {
	name=$1 readers=$2 rcpts=$3 sopt=$4 eopt=$5
	for mode in sign encrypt sign-encrypt triple; do
		for sm in detached opaque; do
			[ $mode = encrypt ] && [ $sm = opaque ] && continue
			f="$name-$mode-$sm.eml"
			ropt=""
			for who in $rcpts; do
				ropt="$ropt -r $who@partner.test=$who.pem"
			done
			# shellcheck disable=SC2086
			check "$name $mode $sm: engine" \
			    "$TOOL" -m $mode -s $sm $sopt $eopt $ropt msg.eml "$f"
			env=$(echo "$eopt" | grep -q aes-256-gcm && echo authenveloped || echo enveloped)
			want=$(layers_of $mode $sm | sed "s/ENV/$env/g")
			check "$name $mode $sm: layers are $want" sh -c \
			    "[ \"\$($PY kind $f)\" = \"$(echo $want | cut -d' ' -f1)\" ]"
			for r in $readers; do
				for who in $rcpts; do
					[ $mode = sign ] && [ "$who" != "$(echo $rcpts | cut -d' ' -f1)" ] && continue
					check "$name $mode $sm: $r reads it as $who, entity as canonicalized" \
					    recovered $r "$f" $who
				done
			done
		done
	done
}

# reach: what every reader takes (RSA PKCS#1 v1.5, AES-256-CBC, SHA-256)
run_profile reach "openssl gpgsm bc" "alice" \
    "-C signer.pem -K signer.key" "-c aes-256-cbc -d sha256 -p pkcs1 -k pkcs1"
# strong: RSASSA-PSS SHA-512, AES-256-GCM, OAEP for RSA, ECDH for EC
run_profile strong "openssl bc" "alice bob" \
    "-C signer.pem -K signer.key" "-c aes-256-gcm -d sha512 -p pss -k oaep"
# ec: ECDSA SHA-384 signer, AES-128-CBC to bob (ECDH)
run_profile ec "openssl bc" "bob" \
    "-C ecsigner.pem -K ecsigner.key" "-c aes-128-cbc -d sha384"

# PSS salt length = digest length (gpgsm rejects OpenSSL's maximum).
check "PSS salt length is the digest length (64 for SHA-512)" sh -c \
    "$PY detached strong-sign-detached.eml d.bin s.der &&
     openssl cms -cmsout -print -inform DER -in s.der |
     sed -n '/signatureAlgorithm/,\$p' | grep -A1 'cont \\[ 2 \\]' | grep -q 'INTEGER *:40'"
# ECDH uses the SHA-256 KDF.
check "ECDH RecipientInfo uses dhSinglePass-stdDH-sha256kdf" sh -c \
    "openssl cms -cmsout -print -in ec-encrypt-detached.eml | grep -q 'dhSinglePass-stdDH-sha256kdf-scheme'"
# Also PSS read by gpgsm (it reads RSASSA-PSS with salt = digest).
check "gpgsm verifies an RSASSA-PSS SHA-256 signature" sh -c \
    "'$TOOL' -m sign -p pss -C signer.pem -K signer.key msg.eml pss.eml 2>/dev/null &&
     $PY detached pss.eml d2.bin s2.der &&
     timeout 60 gpgsm --batch --status-fd 1 --verify s2.der d2.bin 2>/dev/null | grep -q GOODSIG"

# Encrypt-to-self: the organisation's key opens the copy too.
check "encrypt-to-self: engine" "$TOOL" -m encrypt -S signer.pem \
    -r alice@partner.test=alice.pem msg.eml self.eml
check "encrypt-to-self: the organisation's key decrypts" sh -c \
    "openssl cms -decrypt -binary -recip signer.pem -inkey signer.key -in self.eml | cmp - want.eml"
check "encrypt-to-self: so does the recipient's" sh -c \
    "openssl cms -decrypt -binary -recip alice.pem -inkey alice.key -in self.eml | cmp - want.eml"

# Chain or not.
certs_in() { openssl cms -verify -noverify -in "$1" -certsout "$1.certs" -out /dev/null 2>/dev/null; grep -c 'BEGIN CERT' "$1.certs"; }
"$TOOL" -m sign -C signer-chain.pem -K signer.key msg.eml chain.eml 2>/dev/null
"$TOOL" -m sign -x -C signer-chain.pem -K signer.key msg.eml nochain.eml 2>/dev/null
check "include_chain: signer and CA certificates (2)" test "$(certs_in chain.eml)" = 2
check "include_chain off: the signer's certificate only (1)" test "$(certs_in nochain.eml)" = 1

# PKCS#12 signer with a passphrase file.
check "PKCS#12 signer: signs" "$TOOL" -m sign -s opaque -P signer.p12 -W p12pass msg.eml p12.eml
check "PKCS#12 signer: verifies" sh -c "openssl cms -verify -binary -CAfile ca.pem -in p12.eml | cmp - want.eml"
echo wrong > badpass
"$TOOL" -m sign -P signer.p12 -W badpass msg.eml badp12.eml 2>badp12.err
check "PKCS#12 wrong passphrase: temporary error, nothing written" sh -c \
    "[ $? = 2 ] && grep -q 'error=temporary' badp12.err && [ ! -s badp12.eml ]"

# Encrypted PEM key with its passphrase file.
openssl pkey -in signer.key -aes256 -passout file:p12pass -out signer-enc.key
check "encrypted PEM key with passphrase_file: signs and verifies" sh -c \
    "'$TOOL' -m sign -s opaque -C signer.pem -K signer-enc.key -W p12pass msg.eml enc.eml &&
     openssl cms -verify -binary -CAfile ca.pem -in enc.eml | cmp - want.eml"
"$TOOL" -m sign -C signer.pem -K signer-enc.key msg.eml nopass.eml 2>nopass.err
check "encrypted PEM key without passphrase: temporary error, no prompt" sh -c \
    "[ $? = 2 ] && grep -q 'error=temporary.*private key' nopass.err"

# Unreadable key: temporary, never unsigned.
"$TOOL" -m sign-encrypt -C signer.pem -K /nonexistent.key -r a@partner.test=alice.pem msg.eml nokey.eml 2>nokey.err
check "unreadable signing key: exit 2 (temporary), no output" sh -c \
    "[ $? = 2 ] && grep -q 'error=temporary.*nonexistent' nokey.err && [ ! -s nokey.eml ]"

# Missing keys.
"$TOOL" -m encrypt -M bounce -r alice@partner.test=alice.pem -r carol@partner.test msg.eml b.eml 2>b.err
check "missing_key bounce: reject 554 5.7.1 naming carol only" sh -c \
    "grep -q '^action=reject' b.err && grep -q '^reply=554 5.7.1 .*carol@partner.test' b.err && ! grep '^reply' b.err | grep -q alice"
"$TOOL" -m sign-encrypt -M drop -C signer.pem -K signer.key -r alice@partner.test=alice.pem -r carol@partner.test msg.eml d.eml 2>d.err
check "missing_key drop: discard, logged missing=carol" sh -c \
    "grep -q '^action=discard' d.err && grep -q 'missing=carol@partner.test' d.err"
"$TOOL" -m encrypt -M split -r alice@partner.test=alice.pem -r carol@partner.test msg.eml s.eml 2>s.err
check "missing_key split: encrypted for alice, carol removed for a clear copy" sh -c \
    "grep -q '^action=replace' s.err && grep -qx 'clear=carol@partner.test' s.err &&
     [ \$(grep -c '^clear=' s.err) = 1 ] && grep -q 'encrypted_to=alice@partner.test ' s.err &&
     openssl cms -decrypt -binary -recip alice.pem -inkey alice.key -in s.eml | cmp - want.eml"
"$TOOL" -m encrypt -M split -r carol@partner.test -r dave@partner.test msg.eml s2.eml 2>s2.err
check "missing_key split without any key: clear for everyone" sh -c \
    "grep -q '^action=clear' s2.err && [ \$(grep -c '^clear=' s2.err) = 2 ]"
"$TOOL" -m sign -M bounce -C signer.pem -K signer.key -r carol@partner.test msg.eml sg.eml 2>sg.err
check "sign only: a missing recipient key does not matter" grep -q '^action=replace' sg.err

# Headers: outer fields stay, MIME fields are replaced.
check "outer headers kept, Content-Type replaced" sh -c \
    "grep -q '^Subject: interop test' reach-sign-encrypt-detached.eml &&
     [ \$(grep -ci '^content-type:' reach-sign-encrypt-detached.eml | head -1) -ge 1 ] &&
     sed '/^\r\$/q' reach-sign-encrypt-detached.eml | grep -ci '^content-type:' | grep -qx 1 &&
     sed '/^\r\$/q' reach-sign-encrypt-detached.eml | grep -qi 'smime-type=enveloped-data'"

# A layout made to trip the conversion: quoted-printable soft breaks that
# would put "--b1", "." or "From " first on a line, 8-bit preamble and
# epilogue lines longer than the parser's 1 KiB pieces (8-bit data after
# the first piece; a second piece that reads like a delimiter), a CRLF cut
# between two pieces in a nested header and before a delimiter. Python's
# email package must find the original's parts in the entity, and every
# reader must verify the entity signed.
python3 - hostile.eml <<'PYEOF'
import sys
e = b"\xc3\xa9"
x72 = b"x" * 72
with open(sys.argv[1], "wb") as f:
    f.write(b"From: Sender <sender@example.org>\nTo: alice@partner.test\n"
            b"Subject: hostile layout\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=b1\n\n" +
            b"A" * 1030 + e + b"\n" + e + b"A" * 1022 + b"--b1\n"
            b"--b1\nContent-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: 8bit\n\n" +
            e + x72 + b"--b1\n" + e + x72 + b".\n" + e + x72 +
            b"From me\n" + e + b"a" * 1021 + b"\r\n"
            b"--b1\r\nX-Long: " + b"h" * 1015 + b"\r\n"
            b"Content-Type: text/plain\r\n\r\nplain\r\n--b1--\r\n" +
            e + b" epilogue\n")
PYEOF
check "hostile layout: engine writes the entity" "$TOOL" -e hostile.eml hostile-want.eml
check "hostile layout: Python's email finds the original parts in the entity" \
    $PY same hostile.eml hostile-want.eml
check "hostile layout: engine signs" "$TOOL" -m sign -s detached \
    -C signer.pem -K signer.key hostile.eml hostile-signed.eml
for r in openssl gpgsm bc; do
	check "hostile layout: $r verifies the entity signed" \
	    recovered $r hostile-signed.eml alice hostile.eml hostile-want.eml
done

# Malformed MIME: permanent error.
printf 'Subject: x\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nunterminated\n' > bad.eml
"$TOOL" -m sign -C signer.pem -K signer.key bad.eml bad.out 2>bad.err
check "unterminated multipart: exit 3 (permanent) with a reason" sh -c \
    "[ $? = 3 ] && grep -q 'error=permanent.*unterminated multipart' bad.err"

echo "1..$tap_n"
[ $failed = 0 ]
