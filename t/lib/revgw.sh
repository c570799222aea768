# revgw.sh - what the Postfix tests of revocation and LDAP look-ups
# share (t/e2e-revocation.sh, t/e2e-revocation-faults.sh, t/e2e-ldap.sh):
# gatewarden's configuration for the revocation lab (t/lib/revlab.sh) and
# the messages they send through the private Postfix (t/lib/bench.sh).
# Source it after both.
#
#   revgw_config MODE ON_UNKNOWN [RESPONDER] [SMIME-LINES]
#       prints the configuration: 127.0.0.3 is the outbound group
#       "internal" (its mail to rev.test encrypted, missing_key: bounce),
#       127.0.0.2 the partners' group (smime_inbound, signatures kept,
#       failures tagged), the lab's root the only trust anchor,
#       trust.revocation with MODE, ON_UNKNOWN, a memory cache and
#       RESPONDER as ocsp_responder when given; SMIME-LINES go into the
#       smime section (indented by two spaces, e.g. an ldap list).
#       The key store is $BENCH_WORK/keystore.db, the private folder
#       $BENCH_WORK/private.
#   revgw_send TO SUBJECT     from alice@example.test on 127.0.0.3, the
#                             text "Secret text."
#   revgw_receive NAME        $BENCH_WORK/signed-NAME.eml from
#                             NAME@rev.test on 127.0.0.2
#   revgw_delivered SUBJECT   the message the sink got with that Subject

revgw_config()
{
	cat <<EOC
milter:
  memory_limit_per_message: 64KiB
sender_groups:
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
    tls: no
  - name: partners
    match: { client_ip: [127.0.0.2] }
    smime_inbound: check
  - name: internet
    match: any
destinations:
  default: { dane: none }
trust:
  system_cas: no
  custom_ca_file: $RL/root.crt
  revocation:
    mode: $1
    timeout: 5s
    cache: memory
    on_unknown: $2
${3:+    ocsp_responder: $3}
smime:
  keystore: $BENCH_WORK/keystore.db
  private_dir: $BENCH_WORK/private
${4:-}
  sending_profiles:
    - name: strict
      mode: encrypt
      missing_key: bounce
  sending_rules:
    - name: to-lab
      match:
        sender_group: [internal]
        recipient_domain: [rev.test]
      profile: strict
  inbound_policies:
    - { name: check, signature: retain, on_failure: tag }
EOC
}

revgw_send()
{
	printf 'From: alice@example.test\r\nTo: %s\r\nSubject: %s\r\n\r\nSecret text.\r\n' \
	    "$1" "$2" >"$BENCH_WORK/in.eml"
	bench_swaks --local-interface 127.0.0.3 --from alice@example.test \
	    --to "$1" --data "@$BENCH_WORK/in.eml" >/dev/null
}

revgw_receive()
{
	bench_swaks --local-interface 127.0.0.2 --from "$1@rev.test" \
	    --to rcpt@example.test --data "@$BENCH_WORK/signed-$1.eml" >/dev/null
}

revgw_delivered()
{
	for _f in $(bench_sink_files); do
		grep -q "^Subject: $1" "$_f" && cat "$_f" && return 0
	done
	return 1
}
