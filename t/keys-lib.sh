# keys-lib.sh - sourced by the t/keys-*.sh tests of gatewarden-keys: TAP
# output, a private work folder removed on exit, the program under test.
#
#   K ARGS...                 gatewarden-keys on the work folder's store
#   status WANT "what" CMD..  CMD exits with WANT (output in $out/$err)
#   contains PATTERN FILE "what"   / lacks PATTERN FILE "what"
#   same A B "what"           strings A and B are equal
#   flip FILE OFFSET          flips one bit of the byte at OFFSET
#   mac_at FILE / mac_alg_at FILE   offsets of a PKCS#12 file's MAC value
#                             and of its MAC algorithm's OID
#   finish                    prints the plan, exits 1 when a test failed
set -u
: "${top_builddir:?run from make check (top_builddir unset)}"
KEYS="$top_builddir/smime/gatewarden-keys"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-keys.XXXXXX")
out="$WORK/stdout"
err="$WORK/stderr"
cleanup_extra=:
trap 'eval "$cleanup_extra"; rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
tap_n=0
tap_failed=0

K() {
	timeout 120 "$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/private" "$@"
}

tap_ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

status() {
	_want=$1
	_what=$2
	shift 2
	"$@" >"$out" 2>"$err"
	_got=$?
	if [ "$_got" = "$_want" ]; then
		tap_ok 0 "$_what"
	else
		tap_ok 1 "$_what"
		echo "# got exit $_got, want $_want"
		sed 's/^/#   /' "$err" | head -20
	fi
}

contains() {
	if grep -q -e "$1" "$2"; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		echo "# '$1' not found in:"
		sed 's/^/#   /' "$2" | head -30
	fi
}

lacks() {
	if grep -q -e "$1" "$2"; then
		tap_ok 1 "$3"
		echo "# '$1' unexpectedly found in:"
		sed 's/^/#   /' "$2" | head -30
	else
		tap_ok 0 "$3"
	fi
}

same() {
	if [ "$1" = "$2" ]; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		echo "# got '$1', want '$2'"
	fi
}

# The SHA-256 fingerprint of a PEM certificate, lower-case hex.
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	    tr 'A-F' 'a-f'
}

# A test CA: ca.key, ca.crt in the work folder; $1 the common name.
make_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/${2:-ca}.key" \
	    -out "$WORK/${2:-ca}.crt" -subj "/CN=$1" -days 30 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# A correspondent's S/MIME certificate: $1 file stem, $2 address.
make_partner() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" \
	    -out "$WORK/$1.crt" -subj "/CN=$2" -days 30 \
	    -addext "subjectAltName=email:$2" \
	    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
	    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
}

flip() {
	python3 -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' "$1" "$2"
}

# The offset of the content of the N-th last ASN.1 item named WHAT.
asn1_at() {
	openssl asn1parse -inform DER -in "$1" | grep "$2" | tail -n "$3" |
	    head -n 1 | sed 's/^ *\([0-9]*\):.*hl= *\([0-9]*\).*/\1 \2/' |
	    { read -r o h; echo $((o + h)); }
}
# MacData closes a PKCS#12 file: the MAC's digest algorithm (the last
# OID), the MAC value, the salt (the last two OCTET STRINGs).
mac_at() { asn1_at "$1" 'OCTET STRING' 2; }
mac_alg_at() { asn1_at "$1" OBJECT 1; }

finish() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
	exit $?
}
