#!/bin/sh
# smime-inbound - the incoming S/MIME engine over messages made by
# independent producers at test time: openssl cms (and the legacy openssl
# smime), gpgsm (GnuPG/libksba), NSS cmsutil (Thunderbird's engine) and
# Bouncy Castle (Java). Certificates come from t/smime-certs.sh plus a
# rogue CA, an expired signer, a signer with separate signing and
# encryption certificates, and a recipient who is not ours. The messages,
# the failure cases (tampered, wrong CA, expired, not the From address,
# someone else's, truncated, garbage, empty, nested too deep) and the
# EFAIL shapes are built here; t/test_inbound checks every verdict,
# action and delivered entity (its table names them).
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
TEST="$top_builddir/t/test_inbound"
PY="python3 $top_srcdir/t/smime_in.py"
BCJ="/usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar:/usr/share/java/bcmail.jar"

W=$(mktemp -d) || exit 1
GNUPGHOME="$W/gnupg"
export GNUPGHOME
cleanup() {
	gpgconf --kill all >/dev/null 2>&1
	# SMIME_INBOUND_KEEP=DIR keeps the messages for a post-mortem.
	[ -n "${SMIME_INBOUND_KEEP:-}" ] && rm -rf "$SMIME_INBOUND_KEEP" &&
	    cp -r "$W" "$SMIME_INBOUND_KEEP"
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
cd "$W" || exit 1
. "$top_srcdir/t/smime-certs.sh"

fail() { echo "Bail out! $*"; exit 1; }
for t in openssl gpgsm certutil cmsutil pk12util javac java python3; do
	command -v $t >/dev/null 2>&1 || fail "$t missing (tools/install-deps)"
done
. "$top_srcdir/t/smime-inbound-msgs.sh"
make_inbound_messages

"$TEST" "$W"
