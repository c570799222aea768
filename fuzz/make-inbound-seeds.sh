#!/bin/sh
# make-inbound-seeds - makes the test keys of fuzz_inbound (fuzz/inbound_keys.c)
# and its seed corpus (fuzz/corpus/inbound/) with openssl: a CA, a signer
# sender@example.org (EC P-256) and the organisation's two certificates,
# RSA and EC, for rcpt@example.net; all valid for 100 years. A maintainer's
# tool, run from the source tree when the seeds need remaking (the keys
# change, so every seed is remade with them):
#
#   sh fuzz/make-inbound-seeds.sh
#
# Seed format (fuzz_inbound.c): one flags byte, then a message (mode 0)
# or the DER of a CMS structure (modes 1 and 2).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
days=36500
ossl() { openssl "$@" 2>/dev/null; }

ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days $days -subj "/CN=Fuzz CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
leaf() {	# NAME ADDRESS KEYALG...
	n=$1 a=$2
	shift 2
	ossl req -new -newkey "$@" -nodes -keyout "$n.key" -out "$n.csr" \
	    -subj "/CN=$a/emailAddress=$a"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment,keyAgreement\nextendedKeyUsage=emailProtection\nsubjectAltName=email:%s\n' "$a" >"$n.ext"
	ossl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days $days -extfile "$n.ext" -out "$n.pem"
}
leaf signer sender@example.org ec -pkeyopt ec_paramgen_curve:P-256
leaf orgrsa rcpt@example.net rsa:2048
leaf orgec rcpt@example.net ec -pkeyopt ec_paramgen_curve:P-256

# ---- the keys as C strings ----
cstr() {	# VAR FILE
	printf 'const char %s[] =\n' "$1"
	sed 's/^/    "/; s/$/\\n"/' "$2"
	printf '    ;\n'
}
{
	printf '/*\n * inbound_keys - the test keys of fuzz_inbound, made by\n'
	printf ' * fuzz/make-inbound-seeds.sh together with the seed corpus (do not edit).\n */\n'
	printf '#include "fuzz/inbound_keys.h"\n\n'
	printf 'const long long fuzz_keys_made = %s;\n' "$(date +%s)"
	cstr fuzz_ca_pem ca.pem
	cstr fuzz_orgrsa_pem orgrsa.pem
	cstr fuzz_orgrsa_key orgrsa.key
	cstr fuzz_orgec_pem orgec.pem
	cstr fuzz_orgec_key orgec.key
} >"$top/fuzz/inbound_keys.c"

# ---- the seeds ----
out=$top/fuzz/corpus/inbound
rm -rf "$out"
mkdir -p "$out"
H='From: sender@example.org\r\nTo: rcpt@example.net\r\nSubject: seed\r\n'
printf 'Content-Type: text/plain\r\n\r\nhello\r\n' >ent
# mode 2's signed part, as fuzz_inbound.c writes it (the CRLF before the
# delimiter is the delimiter's)
printf 'Content-Type: text/plain\r\n\r\nhello' >signed
printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\303\251\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b--\r\n' >mixed
seed() {	# NAME MODE FILE (mode 0: a message made of H and FILE)
	if [ "$2" = 0 ]; then
		{ printf '\000'; printf "$H"; cat "$3"; } >"$out/$1"
	else
		{ printf "\\00$2"; cat "$3"; } >"$out/$1"
	fi
}
sign="-signer signer.pem -inkey signer.key"
ossl cms -sign -in ent $sign -out det.eml
ossl cms -sign -nodetach -in ent $sign -out opq.eml
ossl cms -sign -binary -in mixed $sign -out mixdet.eml
ossl cms -encrypt -aes256 -in ent -out enc-rsa.eml orgrsa.pem
ossl cms -encrypt -aes256 -in ent -out enc-ec.eml orgec.pem
ossl cms -encrypt -aes-256-gcm -in ent -out enc-gcm.eml orgrsa.pem
ossl cms -encrypt -aes256 -in det.eml -out sign-enc.eml orgrsa.pem
ossl cms -sign -nodetach -in sign-enc.eml $sign -out triple.eml
for m in det opq mixdet enc-rsa enc-ec enc-gcm sign-enc triple; do
	# openssl writes LF; a message in a milter's body file has CRLF
	sed 's/\r*$/\r/' $m.eml >$m.crlf
	seed $m.eml 0 $m.crlf
done
seed plain.eml 0 ent
seed mixed.eml 0 mixed
# the DER alone: mode 1 wraps it as application/pkcs7-mime
ossl cms -sign -nodetach -in ent $sign -outform DER -out opq.der
ossl cms -encrypt -aes256 -in ent -outform DER -out enc.der orgrsa.pem
ossl cms -encrypt -aes-128-cbc -in ent -outform DER -out enc-ec.der orgec.pem
ossl cms -sign -binary -in signed $sign -outform DER -out det.der
seed opq.der 1 opq.der
seed enc-rsa.der 1 enc.der
seed enc-ec.der 1 enc-ec.der
# mode 2: the DER as the detached signature of ent
seed det.der 2 det.der

# the policy's other settings on the same messages (the flags byte)
variant() {	# SEED FLAGS NAME
	{ printf "$2"; tail -c +2 "$out/$1"; } >"$out/$3"
}
variant det.eml '\004' det-remove.eml
variant triple.eml '\004' triple-remove.eml
variant mixdet.eml '\024' mixdet-remove-reject.eml
variant sign-enc.eml '\010' sign-enc-quarantine.eml
variant opq.der '\045' opq-noverify-remove.der
