#!/bin/sh
# e2e-ldap: recipient certificates from a directory, through a private
# Postfix (t/lib/bench.sh): the key store is empty, a real slapd
# (t/lib/ldaplab.sh) holds the certificates of the revocation lab's CA
# (t/lib/revlab.sh, its OCSP responder on 127.0.0.1).
#   - lalice's certificate is found (alone: its intermediate from its
#     caIssuers URL): her message leaves encrypted, and the certificate
#     is kept in the key store (origin ldap);
#   - no entry for nobody: the profile's missing_key (bounce);
#   - bob's certificate is revoked: counted as missing (bounce);
#   - the directory stopped (accepts, never answers): a message to a
#     recipient not yet cached waits (451), never "no key"; lalice's
#     cached certificate still serves;
#   - the directory down: the same.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/revlab.sh"
. "$top_srcdir/t/lib/ldaplab.sh"
. "$top_srcdir/t/lib/revgw.sh"

bench_init
trap '_s=$?; ldaplab_stop; revlab_stop; (exit $_s); bench_cleanup' EXIT
plan 18

revlab_init "$BENCH_WORK/lab" || bail_out "the revocation lab did not start"
_rl_issue int lalice lalice v3_leaf lalice@rev.test &&
_rl_issue int pat pat v3_leaf pat@rev.test ||
    bail_out "the directory's certificates were not issued"
revlab_ocsp_restart	# its responder reads the CA's index at start
P="ou=people,$LL_BASE"
# lalice's entry holds her certificate alone (its intermediate comes from
# the caIssuers URL in it); bob's and pat's a PKCS#7 userSMIMECertificate
# with the intermediate. Only the root is trusted.
{
	ldif_person "cn=lalice,$P" lalice@rev.test "userCertificate;binary" \
	    "$RL/lalice.crt"
	for n in bob pat; do
		ldif_person "cn=$n,$P" $n@rev.test userSMIMECertificate \
		    "$RL/$n.crt" "$RL/int.crt"
	done
} >"$BENCH_WORK/people.ldif"
ldaplab_init "$BENCH_WORK/ldap" "$BENCH_WORK/people.ldif" ||
    bail_out "slapd did not start"

STORE=$BENCH_WORK/keystore.db	# as revgw_config names it
KEYS=$top_builddir/smime/gatewarden-keys
mkdir -p "$BENCH_WORK/private" && chmod 0700 "$BENCH_WORK/private"
revgw_config ocsp tempfail "" "  ldap:
    - name: lab
      uri: \"$LL_URI\"
      base: \"$P\"
      timeout: 2s
      cache_ttl: 1h" >"$BENCH_WORK/gw.yaml.in"

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

# 1. found in the directory: encrypted to it, and kept
revgw_send lalice@rev.test "for lalice"
is "$(bench_swaks_reply DOT)" 250 "in the directory: accepted"
bench_wait_delivered 1 30
f=$(bench_sink_files | head -n 1)
like "$(bench_sink_message "$f" | grep -i '^Content-Type:')" \
    'application/pkcs7-mime; .*smime-type=enveloped-data' \
    "in the directory: encrypted"
unlike "$(bench_sink_message "$f")" 'Secret text' "in the directory: no clear text"
bench_sink_message "$f" | openssl cms -decrypt -recip "$RL/lalice.crt" \
    -inkey "$RL/lalice.key" >"$BENCH_WORK/lalice.out" 2>/dev/null
like "$(cat "$BENCH_WORK/lalice.out")" 'Secret text' \
    "in the directory: lalice's key decrypts it (openssl cms)"
like "$("$KEYS" --keystore "$STORE" --private-dir "$BENCH_WORK/private" list 2>&1)" \
    'lalice@rev.test' "in the directory: the certificate kept in the key store"
like "$(cat "$BENCH_GW_LOG")" 'lalice@rev.test.*ldap|ldap.*lalice@rev.test' \
    "in the directory: the log names the directory"
like "$(cat "$RL/http.log")" '"GET /int\.der ' \
    "in the directory: the intermediate came from the caIssuers URL"

# 2. not in the directory: no key, the profile bounces
revgw_send nobody@rev.test "for nobody"
is "$(bench_swaks_reply DOT)" 554 "not in the directory: refused as missing"
like "$(cat "$BENCH_GW_LOG")" 'action=reject .*missing=<nobody@rev.test>' \
    "not in the directory: logged"

# 3. revoked in the directory: as missing
revgw_send bob@rev.test "for bob"
is "$(bench_swaks_reply DOT)" 554 "revoked in the directory: refused as missing"
like "$(cat "$BENCH_GW_LOG")" 'smime=no_usable_key rcpt=bob@rev.test reason=revoked' \
    "revoked in the directory: logged as revoked"

# 4. the directory accepts and never answers: pat waits, lalice (cached)
# still leaves encrypted
ldaplab_pause
revgw_send pat@rev.test "for pat, directory stopped"
is "$(bench_swaks_reply DOT)" 451 "directory stopped: tempfailed, never 'no key'"
like "$(cat "$BENCH_GW_LOG")" 'smime=error action=tempfail reason="pat@rev.test: LDAP directory lab: bind: no answer in time"' \
    "directory stopped: the log says the directory did not answer"
revgw_send lalice@rev.test "for lalice, directory stopped"
is "$(bench_swaks_reply DOT)" 250 "directory stopped: a cached certificate still serves"

# 5. the directory down
ldaplab_stop
revgw_send pat@rev.test "for pat, directory down"
is "$(bench_swaks_reply DOT)" 451 "directory down: tempfailed, never 'no key'"
bench_wait_delivered 2 30
is "$(bench_sink_count)" 2 "only lalice's two messages were delivered"

bench_gatewarden_stop
ok $? "gatewarden stops cleanly"
unlike "$(cat "$BENCH_GW_LOG")" 'runtime error|AddressSanitizer|LeakSanitizer' \
    "no sanitizer report in its log"
done_testing
exit $?
