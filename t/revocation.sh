#!/bin/sh
# revocation: `gatewarden-keys verify` against real revocation services on
# 127.0.0.1 (t/lib/revlab.sh: openssl ocsp responders, CRLs over HTTP): a
# good certificate, a revoked recipient, a revoked signer, a revoked
# intermediate (OCSP and CRL); a responder that does not know the
# certificate under each on_unknown; a responder down; a stale CRL; a
# response signed by a responder the CA never authorised, one whose
# signature does not cover it, one replayed with another request's
# nonce; the persistent cache in the key store.
. "$top_srcdir/t/keys-lib.sh"
. "$top_srcdir/t/lib/revlab.sh"

cleanup_extra=revlab_stop
if ! revlab_init "$WORK/lab"; then
	echo "Bail out! the revocation lab did not start"
	exit 1
fi
K ca system off >/dev/null && K ca import "$RL/root.crt" >/dev/null
tap_ok $? "trust: only the lab's root"

# conf NAME MODE ON_UNKNOWN CACHE [RESPONDER]: $WORK/NAME.yaml
conf() {
	{
		echo "milter:"
		echo "  socket: inet:10025@127.0.0.1"
		echo "trust:"
		echo "  revocation:"
		echo "    mode: $2"
		echo "    on_unknown: $3"
		echo "    timeout: 5s"
		echo "    cache: $4"
		[ -n "${5:-}" ] && echo "    ocsp_responder: $5"
	} >"$WORK/$1.yaml"
}
conf both ocsp-then-crl tempfail memory
conf ocsp ocsp tempfail memory
conf crl crl tempfail memory
conf refuse ocsp refuse memory
conf accept ocsp accept memory
conf stored ocsp tempfail keystore

# j PATH: a member of the JSON verdict in $out ("revocation.status" ...)
j() {
	python3 - "$out" "$1" <<'EOF' 2>&1
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'):
    v = v[k]
print(json.dumps(v) if isinstance(v, bool) or v is None else v)
EOF
}

# check CONF WANT-EXIT WANT-STATUS WANT-SOURCE WHAT NAME [verify args]:
# verify --json of $RL/NAME.chain under CONF
check() {
	_c=$1 _x=$2 _s=$3 _src=$4 _what=$5 _n=$6
	shift 6
	status "$_x" "$_what: exit $_x" K -c "$WORK/$_c.yaml" --json verify \
	    --for encrypt "$@" "$RL/$_n.chain"
	same "$(j revocation.status)" "$_s" "$_what: revocation $_s"
	same "$(j revocation.source)" "$_src" "$_what: from $_src"
}

check both 0 good ocsp "good certificate" alice
same "$(j problem)" null "good certificate: trusted"
check both 1 revoked ocsp "revoked recipient" bob
same "$(j problem)" revoked "revoked recipient: problem revoked"
contains "keyCompromise" "$out" "revoked recipient: the reason given"
same "$(j revocation.depth)" 0 "revoked recipient: the certificate itself"
status 1 "revoked signer: refused for signing" K -c "$WORK/both.yaml" --json \
    verify --for sign "$RL/signer.chain"
same "$(j problem)" revoked "revoked signer: problem revoked"
check both 1 revoked ocsp "revoked intermediate" carol
same "$(j revocation.depth)" 1 "revoked intermediate: at depth 1"
contains "cACompromise" "$out" "revoked intermediate: its reason"
check crl 1 revoked crl "CRL: revoked recipient" bob
check crl 0 good crl "CRL: good certificate" alice
check crl 1 revoked crl "CRL: revoked intermediate" carol
check both 0 good crl "no responder named: the CRL" erin

# dave: the responder says unknown; his CRL does not list him
check ocsp 2 unknown none "OCSP unknown, on_unknown tempfail" dave
same "$(j problem)" revocation-unknown "OCSP unknown: problem revocation-unknown"
contains "does not know the certificate" "$out" "OCSP unknown: said"
check refuse 1 unknown none "OCSP unknown, on_unknown refuse" dave
check accept 0 unknown none "OCSP unknown, on_unknown accept" dave
same "$(j revocation.unknown_accepted)" true "on_unknown accept: said so"
check both 0 good crl "OCSP unknown, then the CRL" dave

# a responder the CA never authorised (its certificate lacks
# id-kp-OCSPSigning)
revlab_ocsp_restart -rsigner "$RL/rogue.crt" -rkey "$RL/rogue.key"
check ocsp 2 unknown none "unauthorised responder: unknown" alice
contains "not signed by the issuer or a responder it authorised" "$out" \
    "unauthorised responder: said"
check both 1 revoked crl "unauthorised responder: the CRL still revokes" bob
revlab_ocsp_restart

revlab_proxy_start tamper TAMPER
conf tamper ocsp tempfail memory "http://127.0.0.1:$TAMPER/"
check tamper 2 unknown none "response altered: unknown" alice
contains "not signed by the issuer" "$out" "response altered: the signature fails"
revlab_proxy_start replay REPLAY
conf replay ocsp tempfail memory "http://127.0.0.1:$REPLAY/"
# (the configured responder answers for the intermediate too, and the
# proxy gives it alice's answer: the intermediate is unknown throughout)
check replay 2 unknown none "replay proxy, first request" alice
same "$(j revocation.depth)" 1 "replay proxy, first request: alice's own answer taken"
check replay 2 unknown none "replayed answer (old nonce)" alice
same "$(j revocation.depth)" 0 "replayed answer: refused for alice herself"
contains "nonce is not the one sent" "$out" "replayed answer: the nonce is named"

# the persistent cache: fetched once with the responder up, then found in
# the key store with it down
check stored 0 good ocsp "key store cache: fetched" alice
same "$(j revocation.cached)" false "key store cache: not cached at first"
revlab_ocsp_stop
check stored 0 good ocsp "key store cache: responder down, answer kept" alice
same "$(j revocation.cached)" true "key store cache: cached"
check ocsp 2 unknown none "responder down: unknown" alice
contains "127.0.0.1:$RL_OCSP_PORT" "$out" "responder down: the responder named"
check both 0 good crl "responder down: the CRL" alice
check both 1 revoked crl "responder down: the CRL revokes" bob

revlab_stale_crl
check crl 2 unknown none "stale CRL: unknown" erin
contains "is stale" "$out" "stale CRL: said"
revlab_fresh_crl
check crl 0 good crl "fresh CRL again: good" erin

finish
