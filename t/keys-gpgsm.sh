#!/bin/sh
# keys-gpgsm: GnuPG's gpgsm (which does not use OpenSSL) imports the
# certificate and the PKCS#12 file that gatewarden-keys exports.
. "$top_srcdir/t/keys-lib.sh"

if ! command -v gpgsm >/dev/null 2>&1; then
	{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! gpgsm not installed (apt-get install gpgsm)" && exit 1; echo "1..0 # SKIP gpgsm not installed (apt-get install gpgsm)"; }
	exit 0
fi
GNUPGHOME="$WORK/gnupg"
export GNUPGHOME
mkdir -m 700 "$GNUPGHOME"
echo allow-loopback-pinentry >"$GNUPGHOME/gpg-agent.conf"
cleanup_extra='gpgconf --kill all >/dev/null 2>&1'
printf 'p12 passphrase\n' >"$WORK/pass"
G() {
	timeout 60 gpgsm --batch --pinentry-mode loopback --passphrase-fd 3 \
	    "$@" 3<"$WORK/pass"
}

status 0 "create an S/MIME certificate" K create-cert org --smime \
    --cn "Example Org" --email postmaster@example.org
status 0 "export it as PEM" K export org --format pem --out "$WORK/org.pem"
status 0 "gpgsm imports the PEM certificate" G --import "$WORK/org.pem"
contains "imported: 1" "$err" "one certificate imported"
gpgsm --list-keys postmaster@example.org >"$WORK/list" 2>&1
contains "$(fingerprint private/org.crt | cut -c1-8 | tr a-f A-F)\|Example Org" \
    "$WORK/list" "gpgsm lists it"

status 0 "export PKCS#12 for gpgsm (AES-128)" K export org \
    --out "$WORK/org.p12" --passphrase-file "$WORK/pass" --cipher aes-128-cbc
status 0 "gpgsm imports the PKCS#12 file" G --import "$WORK/org.p12"
contains "secret keys imported: 1" "$err" "the private key was imported"
gpgsm --list-secret-keys >"$WORK/secret" 2>&1
contains "CN=Example Org" "$WORK/secret" "gpgsm holds the secret key"

# gpgsm 2.2 cannot decrypt an AES-256 PBES2 key bag; newer ones can.
status 0 "export PKCS#12 (AES-256)" K create-cert two --smime \
    --email two@example.org
K export two --out "$WORK/two.p12" --passphrase-file "$WORK/pass" >/dev/null
if G --import "$WORK/two.p12" >/dev/null 2>"$WORK/err256" &&
    grep -q "secret keys imported: 1" "$WORK/err256"; then
	echo "# this gpgsm reads AES-256 PKCS#12 as well"
else
	echo "# this gpgsm ($(gpgsm --version | head -1)) cannot read AES-256 PKCS#12: use --cipher aes-128-cbc"
fi
finish
