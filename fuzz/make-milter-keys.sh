#!/bin/sh
# make-milter-keys - makes the test keys of fuzz_milter (fuzz/milter_keys.c)
# with openssl: a domain certificate for partner.test (RSA, SAN dNSName,
# the encrypt-required rule's recipients) and the gateway's signing
# certificate for example.com (EC P-256), both self-signed and valid for
# 100 years. A maintainer's tool, run from the source tree:
#
#   sh fuzz/make-milter-keys.sh
#
# The inbound keys and the CA come from fuzz/inbound_keys.c.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
days=36500
ossl() { openssl "$@" 2>/dev/null; }

ossl req -x509 -newkey rsa:2048 -nodes -keyout domain.key -out domain.pem \
    -days $days -subj "/CN=partner.test" \
    -addext basicConstraints=critical,CA:FALSE \
    -addext keyUsage=critical,keyEncipherment \
    -addext extendedKeyUsage=emailProtection \
    -addext subjectAltName=DNS:partner.test
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout sign.key -out sign.pem -days $days \
    -subj "/CN=gateway@example.com/emailAddress=gateway@example.com" \
    -addext basicConstraints=critical,CA:FALSE \
    -addext keyUsage=critical,digitalSignature,nonRepudiation \
    -addext extendedKeyUsage=emailProtection \
    -addext subjectAltName=email:gateway@example.com

cstr() {	# VAR FILE
	printf 'const char %s[] =\n' "$1"
	sed 's/^/    "/; s/$/\\n"/' "$2"
	printf '    ;\n'
}
{
	printf '/*\n * milter_keys - the test keys of fuzz_milter, made by\n'
	printf ' * fuzz/make-milter-keys.sh (do not edit).\n */\n'
	printf '#include "fuzz/milter_keys.h"\n\n'
	cstr fuzz_domain_pem domain.pem
	cstr fuzz_domain_key domain.key
	cstr fuzz_sign_pem sign.pem
	cstr fuzz_sign_key sign.key
} >"$top/fuzz/milter_keys.c"
