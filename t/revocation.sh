#!/bin/sh
# revocation: `gatewarden-keys verify` against real revocation services on
# 127.0.0.1 (t/lib/revlab.sh: openssl ocsp responders, CRLs over HTTP): a
# good certificate, a revoked recipient, a revoked signer, a revoked
# intermediate (OCSP and CRL); a responder that does not know the
# certificate under each on_unknown; a responder down; a stale CRL; a
# response signed by a responder the CA never authorised, one whose
# signature does not cover it, one replayed with another request's
# nonce; the persistent cache in the key store; gatewarden-keys check on
# revoked and unknown organisation certificates, and list (keys without
# their intermediate: it comes from the AIA caIssuers URL, when it issued
# the key).
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

# the organisation's certificates (gatewarden-keys check) and the list
revlab_ocsp_restart
mkdir -p "$WORK/private" && chmod 700 "$WORK/private"
for n in alice bob dave; do
	cp "$RL/$n.chain" "$WORK/private/${n}co.crt"
	cp "$RL/$n.key" "$WORK/private/${n}co.key"
	chmod 600 "$WORK/private/${n}co.key"
done
status 1 "check: a revoked organisation certificate is an error" \
    K -c "$WORK/both.yaml" check
contains "^error: .*bobco.crt: revoked: .*keyCompromise" "$out" \
    "check: names the revoked certificate and why"
contains "^revocation: .*aliceco.crt: good (ocsp, fetched " "$out" \
    "check: the good one's status and when it was fetched"
status 1 "check --json" K -c "$WORK/ocsp.yaml" --json check
same "$(python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))
print(sorted((r["file"].split("/")[-1], r["status"]) for r in v["revocation"]))' "$out")" \
    "[('aliceco.crt', 'good'), ('bobco.crt', 'revoked'), ('daveco.crt', 'unknown')]" \
    "check --json: each certificate's status"
contains "daveco.crt: revocation status unknown" "$out" \
    "check: a status that cannot be fetched is a warning"
same "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["warnings"])' "$out")" 1 \
    "check --json: one warning (dave's)"
K pubkey add bob "$RL/bob.crt" >/dev/null && K pubkey add erin "$RL/erin.crt" >/dev/null
tap_ok $? "two public keys added"
status 0 "list --check-revocation" K -c "$WORK/both.yaml" list --check-revocation
contains "^bob .* revoked@20" "$out" "list: bob's key revoked, with the date"
contains "^erin .* good@20" "$out" "list: erin's key good"
contains "^bobco .* revoked@20" "$out" "list: what check found is kept"
status 0 "list --json" K --json list
same "$(python3 -c 'import json,sys; print([e["revocation"]["status"] for e in json.load(open(sys.argv[1])) if e["name"] == "bob"])' "$out")" \
    "['revoked']" "list --json: bob's revocation status"
status 0 "show" K show bob
contains "^revocation: *revoked (ocsp, checked " "$out" "show: the status and when"
contains '"GET /int.der ' "$RL/http.log" \
    "list: the missing intermediate fetched from the caIssuers URL"
K pubkey add carol "$RL/carol.crt" >/dev/null
tap_ok $? "a key whose caIssuers URL gives a CA that did not issue it"
status 0 "list --check-revocation: carol" K -c "$WORK/both.yaml" list \
    --check-revocation
contains "^carol .* unknown@20" "$out" "list: carol's status unknown"
status 0 "show carol" K show carol
contains "^revocation: *unknown .*its issuer is not known" "$out" \
    "show: carol's issuer not taken from a caIssuers answer that did not issue it"
rm -f "$WORK/private/"*

revlab_stale_crl
check crl 2 unknown none "stale CRL: unknown" erin
contains "is stale" "$out" "stale CRL: said"
revlab_fresh_crl
check crl 0 good crl "fresh CRL again: good" erin

finish
