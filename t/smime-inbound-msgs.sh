# smime-inbound-msgs.sh - sourced by the incoming S/MIME tests: makes, in
# the current folder, the certificates (t/smime-certs.sh and more) and the
# test messages of t/smime-inbound.sh (its header and t/test_inbound.c's
# table say what they are) with openssl cms and smime, gpgsm, NSS cmsutil
# and Bouncy Castle. Needs $top_srcdir, $PY (t/smime_in.py), $BCJ (the
# Bouncy Castle jars), GNUPGHOME set to ./gnupg, and fail() (bail out).
#   make_inbound_messages [openssl]   everything (openssl: only what openssl
#                             makes, for the tests that need no other
#                             producer); returns through fail() on error
make_inbound_messages() {
make_test_certs || fail "cannot make certificates"

# ---- more certificates ----------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca.key -out rogue-ca.pem \
    -subj "/CN=Rogue CA" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || fail "rogue CA"
issue() { # name CA address usage [startdate enddate]
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' "keyUsage=critical,$4" \
	    'extendedKeyUsage=emailProtection' "subjectAltName=email:$3" \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' > "$1.ext"
	openssl req -new -key "$1.key" -subj "/CN=$3/OU=$1" -out "$1.csr" 2>/dev/null
	if [ $# -gt 4 ]; then
		mkdir -p ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial
		printf '[ca]\ndefault_ca=d\n[d]\ndatabase=ca-db/index.txt\nnew_certs_dir=ca-db\nserial=ca-db/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' > ca.cnf
		openssl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" \
		    -in "$1.csr" -out "$1.pem" -startdate "$5" -enddate "$6" \
		    -extfile "$1.ext" -notext 2>/dev/null
	else
		openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
		    -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	fi
}
issue rogue rogue-ca rogue@example.org digitalSignature,keyEncipherment || fail rogue
issue old ca old@example.org digitalSignature,keyEncipherment \
    20200101000000Z 20200301000000Z || fail "expired signer"
issue carol ca carol@elsewhere.test digitalSignature,keyEncipherment || fail carol
issue dual-sign ca dual@example.org digitalSignature,nonRepudiation || fail dual
issue dual-enc ca dual@example.org keyEncipherment,dataEncipherment || fail dual-enc
# an intermediate CA (the trust list holds only the root) and its signer
openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -subj "/CN=Test Intermediate CA" \
    -out inter.csr 2>/dev/null &&
    printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' \
    'keyUsage=critical,keyCertSign,cRLSign' 'subjectKeyIdentifier=hash' \
    'authorityKeyIdentifier=keyid' > inter.ext &&
    openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 30 -extfile inter.ext -out inter.pem 2>/dev/null || fail "intermediate CA"
issue deep inter deep@example.org digitalSignature,keyEncipherment || fail deep
openssl genpkey -algorithm ed25519 -out ed.key &&
    openssl req -new -key ed.key -subj /CN=ed@example.org -out ed.csr &&
    printf '%s\n' 'keyUsage=critical,digitalSignature' \
    'subjectAltName=email:ed@example.org' > ed.ext &&
    openssl x509 -req -in ed.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 30 -extfile ed.ext -out ed.pem 2>/dev/null || fail ed25519

# ---- the content ----------------------------------------------------
# A 7-bit multipart entity, one with an 8-bit text part, one binary.
printf '%s\r\n' 'Content-Type: multipart/mixed;' '	boundary="==src=="' '' \
    'This is a multi-part message.' '--==src==' \
    'Content-Type: text/plain; charset=us-ascii' '' 'Hello partner,' \
    'the figures are attached.' '' '--==src==' \
    'Content-Type: application/octet-stream; name="f.bin"' \
    'Content-Transfer-Encoding: base64' '' \
    "$(head -c 3000 /dev/urandom | base64 -w 76)" \
    '--==src==--' > entity.raw
$PY crlf entity.raw entity.want
printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\303\274\303\237e aus K\303\266ln.\r\n' > entity8.want
{ printf 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'
  head -c 4000 /dev/urandom; printf '\0\r\r\n\0'; } > entitybin.want
# what the reader gets of it unwrapped: SMTP cannot carry it as it is
$PY b64entity entitybin.want entitybin.b64

sign() { # in out [openssl cms options]
	i=$1 o=$2; shift 2
	openssl cms -sign -binary -crlfeol -in "$i" -out "$o" "$@" || fail "openssl cms -sign $*"
	# openssl ends its base64 lines in LF even with -crlfeol.
	$PY crlf "$o" "$o"
}
enc() { # in out [options] cert
	i=$1 o=$2; shift 2
	openssl cms -encrypt -binary -crlfeol -in "$i" -out "$o" "$@" || fail "openssl cms -encrypt $*"
	$PY crlf "$o" "$o"
}
S="-signer signer.pem -inkey signer.key"
# shellcheck disable=SC2086
{
sign entity.want s.det $S && $PY wrap s.det os-sign-det.eml
sign entity.want s.opq -nodetach $S && $PY wrap s.opq os-sign-opq.eml
sign entity.want s.sha1 -md sha1 $S && $PY wrap s.sha1 os-sign-sha1.eml
sign entity.want s.sha384 -md sha384 $S && $PY wrap s.sha384 os-sign-sha384.eml
sign entity.want s.sha512 -md sha512 $S && $PY wrap s.sha512 os-sign-sha512.eml
sign entity.want s.pss $S -keyopt rsa_padding_mode:pss && $PY wrap s.pss os-sign-pss.eml
sign entity.want s.ec -signer ecsigner.pem -inkey ecsigner.key &&
    $PY wrap s.ec os-sign-ec.eml ecsender@example.org
openssl smime -sign -binary -crlfeol -in entity.want $S -out s.legacy || fail "openssl smime -sign"
$PY wrap s.legacy os-legacy-sign.eml
sign entity8.want s.8bit $S && $PY wrap s.8bit os-sign-8bit.eml
sign entitybin.want s.bin -nodetach $S && $PY wrap s.bin os-sign-binary.eml

enc entity.want e.cbc -aes256 alice.pem && $PY wrap e.cbc os-enc-cbc.eml
enc entity.want e.gcm -aes-256-gcm alice.pem && $PY wrap e.gcm os-enc-gcm.eml
enc entity.want e.oaep -aes256 -recip alice.pem -keyopt rsa_padding_mode:oaep &&
    $PY wrap e.oaep os-enc-oaep.eml
enc entity.want e.ec -aes128 bob.pem && $PY wrap e.ec os-enc-ec.eml
openssl smime -encrypt -binary -crlfeol -aes256 -in entity.want -out e.legacy alice.pem ||
    fail "openssl smime -encrypt"
$PY wrap e.legacy os-legacy-enc.eml

# signed, then encrypted; triple wrapped (opaque outer signature)
$PY entity s.det sign-det.want
enc s.det e.sd -aes256 alice.pem && $PY wrap e.sd os-sign-enc.eml
sign e.sd s.triple -nodetach $S && $PY wrap s.triple os-triple.eml

# a chain through an intermediate the message carries
sign entity.want s.deep -signer deep.pem -inkey deep.key -certfile inter.pem &&
    $PY wrap s.deep os-sign-inter.eml deep@example.org

# ---- failures ----
$PY tamper os-sign-det.eml bad-tampered.eml "Hello partner" "Hello partnex"
sign entity.want s.rogue -signer rogue.pem -inkey rogue.key &&
    $PY wrap s.rogue bad-wrong-ca.eml rogue@example.org
sign entity.want s.old -signer old.pem -inkey old.key &&
    $PY wrap s.old bad-expired.eml old@example.org
$PY wrap s.det bad-not-from.eml mallory@example.org
enc entity.want e.carol -aes256 carol.pem && $PY wrap e.carol bad-other-rcpt.eml
sign entity.want s.deep0 -signer deep.pem -inkey deep.key &&
    $PY wrap s.deep0 bad-no-inter.eml deep@example.org
$PY truncate os-enc-cbc.eml bad-truncated.eml
head -c 600 /dev/urandom > garbage.der && $PY p7m garbage.der g.p7m enveloped-data &&
    $PY wrap g.p7m bad-garbage.eml
printf 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n' > empty.p7m
$PY wrap empty.p7m bad-empty.eml
$PY signed entity.want garbage.der sg.ent && $PY wrap sg.ent bad-sig-garbage.eml
cp s.opq nest.0
for k in 1 2 3 4 5 6 7 8; do
	sign nest.$((k - 1)) nest.$k -nodetach $S
done
$PY wrap nest.8 bad-nested.eml

# ---- EFAIL and embedded parts ----
$PY efail-mixed e.cbc ef.mixed && $PY wrap ef.mixed efail-mixed.eml
$PY efail-alt e.cbc ef.alt && $PY wrap ef.alt efail-alt.eml
sign ef.mixed ef.s $S && $PY wrap ef.s efail-signed.eml
enc ef.mixed ef.e -aes256 alice.pem && $PY wrap ef.e efail-in-enc.eml
$PY list s.det l.ent && $PY wrap l.ent list-signed.eml
$PY wrap entity.want plain.eml
}

[ "${1:-all}" = openssl ] && return 0

# ---- gpgsm ----------------------------------------------------------
mkdir -p gnupg && chmod 700 gnupg
echo allow-loopback-pinentry > gnupg/gpg-agent.conf
printf 'disable-crl-checks\ndisable-policy-checks\n' > gnupg/gpgsm.conf
timeout 60 gpgsm --batch --import ca.pem alice.pem >/dev/null 2>&1
for try in 1 2 3 4 5; do
	timeout 60 gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
	    --import signer.p12 < p12pass >gpgsm-import.log 2>&1
	gpgsm --batch --with-colons --list-secret-keys 2>/dev/null | grep -q '^crs:' && break
	sed 's/^/# gpgsm import, try '"$try"': /' gpgsm-import.log
	sleep 1
done
# gpg-agent under load may never take the key: say so, with its reason
gpgsm --batch --with-colons --list-secret-keys 2>/dev/null | grep -q '^crs:' ||
    fail "gpgsm --import signer.p12: $(cat gpgsm-import.log)"
echo "$(openssl x509 -in ca.pem -noout -fingerprint -sha1 | cut -d= -f2) S relax" > gnupg/trustlist.txt
G="timeout 60 gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 -u sender@example.org"
$G --detach-sign -o g.sig entity.want < p12pass 2>gpgsm.log &&
    $PY signed entity.want g.sig g.det && $PY wrap g.det gpgsm-sign-det.eml ||
    fail "gpgsm --detach-sign: $(cat gpgsm.log)"
$G --sign -o g.opq.der entity.want < p12pass 2>gpgsm.log &&
    $PY p7m g.opq.der g.opq signed-data && $PY wrap g.opq gpgsm-sign-opq.eml ||
    fail "gpgsm --sign: $(cat gpgsm.log)"
timeout 60 gpgsm --batch --encrypt -r alice@partner.test -o g.enc.der entity.want 2>gpgsm.log &&
    $PY p7m g.enc.der g.enc enveloped-data && $PY wrap g.enc gpgsm-enc.eml ||
    fail "gpgsm --encrypt: $(cat gpgsm.log)"

# ---- NSS cmsutil ----------------------------------------------------
mkdir nss && certutil -N -d sql:nss --empty-password || fail "certutil -N"
certutil -A -d sql:nss -n ca -t "C,C,C" -i ca.pem &&
    certutil -A -d sql:nss -n alice -t ",," -i alice.pem || fail "certutil -A"
for n in signer dual-sign dual-enc; do
	openssl pkcs12 -export -in $n.pem -inkey $n.key -name $n -passout pass:nss \
	    -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out $n-nss.p12 &&
	    pk12util -i $n-nss.p12 -d sql:nss -W nss -K "" >/dev/null || fail "pk12util $n"
done
cmsutil -S -d sql:nss -N signer -T -H SHA256 -G -P -i entity.want -o n.sig &&
    $PY signed entity.want n.sig n.det && $PY wrap n.det nss-sign-det.eml || fail "cmsutil -S -T"
cmsutil -S -d sql:nss -N signer -H SHA256 -G -i entity.want -o n.opq.der &&
    $PY p7m n.opq.der n.opq signed-data && $PY wrap n.opq nss-sign-opq.eml || fail "cmsutil -S"
cmsutil -E -d sql:nss -r alice@partner.test -i entity.want -o n.enc.der &&
    $PY p7m n.enc.der n.enc enveloped-data && $PY wrap n.enc nss-enc.eml || fail "cmsutil -E"
cmsutil -S -d sql:nss -N dual-sign -Y dual-enc -T -H SHA256 -G -i entity.want -o n.kp &&
    $PY signed entity.want n.kp n.kpe && $PY wrap n.kpe nss-keypref.eml dual@example.org ||
    fail "cmsutil -S -Y"

# ---- Bouncy Castle --------------------------------------------------
mkdir bc && timeout 180 javac -cp "$BCJ" -d bc "$top_srcdir/t/BcMake.java" 2>javac.log ||
    fail "javac BcMake: $(head -5 javac.log)"
cat > bc.batch <<'EOB'
sign entity.want b.sig signer.pem signer.key SHA256withRSA detached
sign entity.want b.pss.der signer.pem signer.key SHA512withRSAandMGF1 opaque
sign entity.want b.ec.sig ecsigner.pem ecsigner.key SHA384withECDSA detached
sign entity.want b.ed.der ed.pem ed.key Ed25519 opaque
encrypt entity.want b.gcm.der alice.pem AES256_GCM
encrypt entity.want b.ecdh.der bob.pem AES128_CBC
encrypt entity.want b.chacha.der alice.pem CHACHA20_POLY1305
keypref entity.want b.kp dual-sign.pem dual-sign.key dual-enc.pem
EOB
timeout 120 java -cp "bc:$BCJ" BcMake batch bc.batch || fail "BcMake"
{
$PY signed entity.want b.sig b.det && $PY wrap b.det bc-sign-det.eml
$PY p7m b.pss.der b.pss signed-data && $PY wrap b.pss bc-sign-pss.eml
$PY signed entity.want b.ec.sig b.ec && $PY wrap b.ec bc-sign-ec.eml ecsender@example.org
$PY p7m b.ed.der b.ed signed-data && $PY wrap b.ed bc-sign-ed25519.eml ed@example.org
$PY p7m b.gcm.der b.gcm authEnveloped-data && $PY wrap b.gcm bc-enc-gcm.eml
$PY p7m b.ecdh.der b.ecdh enveloped-data && $PY wrap b.ecdh bc-enc-ec.eml
$PY p7m b.chacha.der b.chacha authEnveloped-data && $PY wrap b.chacha bc-enc-chacha.eml
$PY signed entity.want b.kp b.kpe && $PY wrap b.kpe bc-keypref.eml dual@example.org
} || fail "wrapping Bouncy Castle's output"

}
