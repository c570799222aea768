# dated-cert.sh - sourced by tests that need certificates valid at chosen
# times (expired, not yet valid) or with chosen extensions, which
# `openssl req -x509` and `openssl x509 -req` of OpenSSL 3.0 cannot date
# in the past: `openssl ca` with -startdate/-enddate does.
#
#   dated_cert DIR STEM CN EXTENSIONS FROM UNTIL [CA]
#     DIR/STEM.crt for the key DIR/STEM.key (RSA 2048, made when missing,
#     so that several certificates may share one key), subject CN,
#     extensions given as config lines (one string, newline separated),
#     valid from FROM to UNTIL (as date -d reads them: "40 days ago",
#     "30 days"), signed by DIR/CA.crt and DIR/CA.key, or self-signed
#     when CA is empty. Non-zero on failure, openssl's words in
#     DIR/dated.err.
dated_cert() {
	_d=$1 _stem=$2 _cn=$3 _exts=$4 _from=$5 _until=$6 _ca=${7:-}
	mkdir -p "$_d/dated.db" || return 1
	[ -f "$_d/dated.db/index" ] || : >"$_d/dated.db/index"
	[ -f "$_d/dated.db/serial" ] || echo 1000 >"$_d/dated.db/serial"
	[ -f "$_d/$_stem.key" ] || openssl genpkey -algorithm RSA \
	    -pkeyopt rsa_keygen_bits:2048 -out "$_d/$_stem.key" \
	    2>"$_d/dated.err" || return 1
	cat >"$_d/dated.cnf" <<CNF
[ca]
default_ca = dated
[dated]
database = $_d/dated.db/index
serial = $_d/dated.db/serial
new_certs_dir = $_d/dated.db
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
CNF
	printf '%s\n' "$_exts" >"$_d/$_stem.ext"
	openssl req -new -key "$_d/$_stem.key" -subj "/CN=$_cn" \
	    -out "$_d/$_stem.csr" 2>"$_d/dated.err" || return 1
	if [ -n "$_ca" ]; then
		set -- -cert "$_d/$_ca.crt" -keyfile "$_d/$_ca.key"
	else
		set -- -selfsign -keyfile "$_d/$_stem.key"
	fi
	openssl ca -batch -notext -config "$_d/dated.cnf" "$@" \
	    -extfile "$_d/$_stem.ext" -in "$_d/$_stem.csr" \
	    -startdate "$(date -u -d "$_from" +%Y%m%d%H%M%SZ)" \
	    -enddate "$(date -u -d "$_until" +%Y%m%d%H%M%SZ)" \
	    -out "$_d/$_stem.crt" 2>"$_d/dated.err"
}

# Extension lines for dated_cert.
DATED_CA='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash'
# An S/MIME end entity for address $1 with key usage $2 (default: sign
# and encrypt with RSA) and extended key usage $3 (default
# emailProtection).
dated_smime() {
	printf '%s\n' 'basicConstraints=CA:FALSE' \
	    "keyUsage=critical,${2:-digitalSignature,nonRepudiation,keyEncipherment}" \
	    "extendedKeyUsage=${3:-emailProtection}" "subjectAltName=email:$1" \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid'
}
