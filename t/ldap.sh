#!/bin/sh
# ldap: `gatewarden-keys ldap-lookup` against a real slapd (t/lib/ldaplab.sh)
# holding certificates of the revocation lab's CA (t/lib/revlab.sh, with
# its OCSP responders and CRLs): a certificate found; none; several (the
# newest whose key usage fits); signing-only; expired; revoked; a status
# that cannot be found; a certificate that does not name the address; a
# PKCS#7 userSMIMECertificate; anonymous, simple and SASL EXTERNAL binds
# and a wrong password; a directory down, a slow one, one down before one
# that answers; addresses that try to inject filter syntax (RFC 4515).
. "$top_srcdir/t/keys-lib.sh"
. "$top_srcdir/t/lib/revlab.sh"
. "$top_srcdir/t/lib/ldaplab.sh"

cleanup_extra='ldaplab_stop; revlab_stop'
if ! revlab_init "$WORK/lab"; then
	echo "Bail out! the revocation lab did not start"
	exit 1
fi
ago() { date -u -d "$1 ago" +%Y%m%d%H%M%SZ; }
_rl_issue int lalice lalice v3_leaf lalice@rev.test &&
RL_CA_ARGS="-startdate $(ago '3 days')" _rl_issue int sevold sevold v3_leaf \
    several@rev.test &&
RL_CA_ARGS="-startdate $(ago '2 days')" _rl_issue int sevnew sevnew v3_leaf \
    several@rev.test &&
RL_CA_ARGS="-startdate $(ago '1 day')" _rl_issue int sevsign sevsign \
    v3_signer several@rev.test &&
_rl_issue int lsign lsign v3_signer sign@rev.test &&
RL_CA_ARGS="-startdate $(ago '10 days') -enddate $(ago '1 day')" \
    _rl_issue int lold lold v3_leaf old@rev.test &&
_rl_issue int pat pat v3_leaf pat@rev.test &&
_rl_issue int smime smime v3_leaf smime@rev.test
tap_ok $? "the directory's certificates issued"

P="ou=people,$LL_BASE"
{
	ldif_person "cn=lalice,$P" lalice@rev.test "userCertificate;binary" \
	    "$RL/lalice.crt"
	ldif_person "cn=several,$P" several@rev.test "userCertificate;binary" \
	    "$RL/sevold.crt" "$RL/sevnew.crt" "$RL/sevsign.crt"
	ldif_person "cn=sign,$P" sign@rev.test "userCertificate;binary" \
	    "$RL/lsign.crt"
	ldif_person "cn=old,$P" old@rev.test "userCertificate;binary" \
	    "$RL/lold.crt"
	ldif_person "cn=bob,$P" bob@rev.test "userCertificate;binary" \
	    "$RL/bob.crt"
	ldif_person "cn=dave,$P" dave@rev.test "userCertificate;binary" \
	    "$RL/dave.crt"
	ldif_person "cn=mallory,$P" mallory@rev.test "userCertificate;binary" \
	    "$RL/lalice.crt"
	ldif_person "cn=smime,$P" smime@rev.test userSMIMECertificate \
	    "$RL/smime.crt" "$RL/int.crt"
	ldif_person "cn=pat,ou=private,$LL_BASE" pat@rev.test \
	    "userCertificate;binary" "$RL/pat.crt"
} >"$WORK/people.ldif"
if ! ldaplab_init "$WORK/ldap" "$WORK/people.ldif"; then
	echo "Bail out! slapd did not start"
	exit 1
fi
# the entries hold the leaves alone: the intermediate is in the CA list
cat "$RL/root.crt" "$RL/int.crt" >"$WORK/cas.pem"
K ca system off >/dev/null && K ca import "$WORK/cas.pem" >/dev/null
tap_ok $? "trust: the lab's root and intermediate only"
printf 'reader-secret\n' >"$WORK/reader.pass"
printf 'wrong\n' >"$WORK/wrong.pass"
DOWN=$(python3 "$top_srcdir/t/lib/freeport.py")

# conf NAME MODE DIRECTORY-LINES...: $WORK/NAME.yaml, one directory per
# argument ("name: x, uri: y, ..." written as a YAML flow mapping)
conf() {
	_n=$1 _m=$2
	shift 2
	{
		echo "milter:"
		echo "  socket: inet:10025@127.0.0.1"
		echo "trust:"
		echo "  revocation: { mode: $_m, cache: memory, timeout: 5s }"
		echo "smime:"
		echo "  ldap:"
		for _d in "$@"; do
			echo "    - { $_d }"
		done
	} >"$WORK/$_n.yaml"
}
conf anon ocsp-then-crl "name: lab, uri: \"$LL_URI\", base: \"$P\", timeout: 2s"
conf ocsp ocsp "name: lab, uri: \"$LL_URI\", base: \"$P\", timeout: 2s"
conf reader ocsp-then-crl "name: lab, uri: \"$LL_URI\", base: \"$LL_BASE\",
      bind: simple, bind_dn: \"cn=reader,$LL_BASE\",
      password_file: $WORK/reader.pass"
conf wrongpass ocsp-then-crl "name: lab, uri: \"$LL_URI\", base: \"$LL_BASE\",
      bind: simple, bind_dn: \"cn=reader,$LL_BASE\",
      password_file: $WORK/wrong.pass"
conf external ocsp-then-crl "name: local, uri: \"$LL_LDAPI\",
      base: \"$LL_BASE\", bind: sasl-external"
conf down ocsp-then-crl "name: gone, uri: \"ldap://127.0.0.1:$DOWN\",
      base: \"$P\", timeout: 2s"
conf both ocsp-then-crl "name: gone, uri: \"ldap://127.0.0.1:$DOWN\",
      base: \"$P\", timeout: 2s" \
    "name: lab, uri: \"$LL_URI\", base: \"$P\", timeout: 2s"

# j EXPR: a Python expression over the JSON answer v in $out
j() {
	python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	    "$out" "$1" 2>&1
}
chosen='[c["fingerprint"] for c in v["certificates"] if c["chosen"]]'
problems='sorted(set(c["problem"] for c in v["certificates"]))'

# look CONF WANT-EXIT WANT-STATUS WHAT ADDRESS
look() {
	status "$2" "$4: exit $2" K -c "$WORK/$1.yaml" --json ldap-lookup "$5"
	same "$(j 'v["status"]')" "$3" "$4: $3"
}

look anon 0 found "one certificate" lalice@rev.test
same "$(j "$chosen")" "['$(fingerprint "$RL/lalice.crt")']" \
    "one certificate: the one chosen"
look anon 1 none "not in the directory" nobody@rev.test
same "$(j 'len(v["certificates"])')" 0 "not in the directory: no certificate"
look anon 0 found "several certificates" several@rev.test
same "$(j "$chosen")" "['$(fingerprint "$RL/sevnew.crt")']" \
    "several: the newest that may be encrypted to"
same "$(j 'len(v["certificates"])')" 3 "several: all three judged"
same "$(j "$problems")" "['key-usage', 'ok']" \
    "several: the newer signing-only one refused for its key usage"
look anon 1 none "signing-only certificate" sign@rev.test
same "$(j "$problems")" "['key-usage']" "signing-only: key usage"
look anon 1 none "expired certificate" old@rev.test
same "$(j "$problems")" "['expired']" "expired: said"
look anon 1 none "revoked certificate" bob@rev.test
same "$(j "$problems")" "['revoked']" "revoked: said"
look ocsp 2 tempfail "revocation status unknown (mode ocsp)" dave@rev.test
same "$(j "$problems")" "['revocation-unknown']" "unknown: said"
look anon 1 none "another's certificate" mallory@rev.test
same "$(j "$problems")" "['address-not-in-certificate']" \
    "another's certificate: the address is not in it"
look anon 0 found "PKCS#7 userSMIMECertificate" smime@rev.test
same "$(j "$chosen")" "['$(fingerprint "$RL/smime.crt")']" \
    "PKCS#7: the certificate in it"

look anon 1 none "private entry, anonymous bind" pat@rev.test
look reader 0 found "private entry, simple bind" pat@rev.test
look external 0 found "private entry, SASL EXTERNAL over ldapi" pat@rev.test
look wrongpass 2 tempfail "wrong password" pat@rev.test
contains "bind" "$out" "wrong password: the bind is named"

look down 2 tempfail "directory down" lalice@rev.test
contains "gone" "$out" "directory down: named"
look both 0 found "first directory down, the second answers" lalice@rev.test

# unescaped, these filters would match every entry of the lab
n=$(ldapsearch -x -LLL -H "$LL_URI" -b "$P" "(mail=*@rev.test)" dn | grep -c '^dn:')
[ "$n" -gt 5 ]
tap_ok $? "injection: the unescaped filter matches $n entries"
for a in '*@rev.test' 'lalice@rev.test)(mail=*' '*)(|(mail=*@rev.test' \
    'x@rev.test)(objectClass=*'; do
	look anon 1 none "injection: $a" "$a"
	same "$(j 'len(v["certificates"])')" 0 "injection: $a: nothing found"
done
contains '\\\\2[aA]' "$out" "injection: the filter sent has the * escaped"
contains '\\\\28' "$out" "injection: and the ( escaped"

ldaplab_pause
t0=$(date +%s)
look anon 2 tempfail "slow directory" lalice@rev.test
t1=$(date +%s)
ldaplab_resume
[ $((t1 - t0)) -lt 15 ]
tap_ok $? "slow directory: given up within its timeout (took $((t1 - t0))s)"
contains "in time\|timed out\|Timed out" "$out" "slow directory: says so"

status 1 "ldap-lookup without directories" K ldap-lookup lalice@rev.test
contains "smime.ldap" "$err" "without directories: says where to name them"
status 0 "ldap-lookup --help" K ldap-lookup --help

finish
