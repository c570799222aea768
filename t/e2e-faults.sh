#!/bin/sh
# e2e-faults: faults injected under a private Postfix, gatewarden and
# smtp-sink (doc/hostile-input.md, "Faults"). For each: what the client
# gets (a tempfail, or the documented fallback), that no message is lost
# or delivered twice (each has a unique Message-ID, counted at the sink;
# a refused one is sent again once the fault is gone), that gatewarden
# recovers by itself, and the log line that says what happened.
#   - the alert sendmail command hangs (killed after sendmail_timeout)
#   - DNS times out, then answers SERVFAIL (mandatory DANE at RCPT)
#   - the spool is full, then read-only (a small tmpfs)
#   - the key store's file system full (a small tmpfs), its database
#     file corrupt, its file system read-only
#   - the re-injection target of `split` is down
#   - a reload with a broken configuration under load
#   - gatewarden killed with SIGKILL in the middle of a message, restarted
# Not here: gatewarden down before a session (t/e2e-tempfail.sh), bogus
# DNSSEC answers and SERVFAIL from the DNSSEC lab (t/milter-dane.sh),
# an alert flood (t/alert-burst.sh).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

BENCH_TIMEOUT=60
bench_init
for t in openssl mount umount mountpoint; do
	command -v $t >/dev/null 2>&1 || skip_all "$t (tools/install-deps)"
done
W=$BENCH_WORK
MOUNTS=
faults_cleanup()
{
	_st=$?
	for _m in $MOUNTS; do
		umount -l "$_m" 2>/dev/null
	done
	(exit "$_st")
	bench_cleanup
}
trap faults_cleanup EXIT

# tmpfs_mount DIR SIZE: a file system of its own, unmounted at the end.
tmpfs_mount()
{
	mkdir -p "$1" && mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" &&
	    MOUNTS="$1 $MOUNTS"
}
tmpfs_mount "$W/ks" 1m && tmpfs_mount "$W/gw-spool" 256k ||
    bail_out "cannot mount a tmpfs (the test needs CAP_SYS_ADMIN)"

# ---- keys, certificates, the signed message to harvest ----------------
KEYS=$top_builddir/smime/gatewarden-keys
P=$W/private
M=$W/m
mkdir -p "$P" "$W/partner" "$M" && chmod 0700 "$P" "$W/partner"
"$KEYS" --private-dir "$P" --keystore "$W/ks/keystore.db" create-cert org \
    --smime --cn "Faults Org" --email gateway@rcpt.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$W/partner" --keystore "$W/unused.db" create-cert \
    bob --smime --email bob@partner.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$P" --keystore "$W/ks/keystore.db" pubkey add bob \
    "$W/partner/bob.crt" >/dev/null ||
    bail_out "gatewarden-keys could not make the keys"
(
	cd "$M" || exit 1
	. "$top_srcdir/t/smime-certs.sh"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -subj "/CN=Faults Test CA" -days 30 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
	    mkcert s1 rsa s1@signers.test digitalSignature,keyEncipherment &&
	    mkcert s2 rsa s2@signers.test digitalSignature,keyEncipherment || exit 1
	printf 'Content-Type: text/plain\r\n\r\nsigned text\r\n' >entity
	for s in s1 s2; do
		openssl cms -sign -binary -crlfeol -in entity -out $s.det \
		    -signer $s.pem -inkey $s.key || exit 1
		python3 "$top_srcdir/t/smime_in.py" crlf $s.det $s.det &&
		    python3 "$top_srcdir/t/smime_in.py" wrap $s.det $s.eml \
		    $s@signers.test || exit 1
		# smime_in.py wrap writes a Message-ID; the test adds its own.
		sed -i '/^Message-ID:/Id' $s.eml
	done
) || bail_out "openssl could not make the signed messages"

# ---- helpers -------------------------------------------------------------
# mk NAME [BODY_KB]: a message with a unique Message-ID in $W/NAME.eml.
mk()
{
	{
		printf 'Message-ID: <%s.%s@faults.test>\r\n' "$1" "$$"
		printf 'From: alice@rcpt.test\r\nTo: bob@partner.test\r\n'
		printf 'Subject: fault %s\r\n\r\n' "$1"
		if [ "${2:-0}" -gt 0 ]; then
			head -c $(($2 * 768)) /dev/zero | tr '\0' 'a' |
			    fold -w 76 | sed 's/$/\r/'
		else
			printf 'hello\r\n'
		fi
	} >"$W/$1.eml"
}

# mksigned NAME SIGNER: the signed message of SIGNER as $W/NAME.eml.
mksigned()
{
	{ printf 'Message-ID: <%s.%s@faults.test>\r\n' "$1" "$$"; cat "$M/$2.eml"; } \
	    >"$W/$1.eml"
}

# send NAME SOURCE RCPT...: $W/NAME.eml as it is; sets DOT (the code of
# the reply that ended the transaction), ENH (its enhanced status),
# RCPT_REFUSAL (the first refused RCPT's code, "-").
send()
{
	_n=$1 _src=$2
	shift 2
	_args=
	for _r in "$@"; do
		_args="$_args --rcpt $_r"
	done
	# shellcheck disable=SC2086
	python3 "$top_srcdir/t/lib/raw_smtp.py" --port "$BENCH_PF_PORT" \
	    --source "$_src" --mail alice@rcpt.test --data "$W/$_n.eml" \
	    $_args >"$W/$_n.out" 2>&1
	DOT=$(sed -n 's/^DOT \([0-9]*\).*/\1/p' "$W/$_n.out")
	ENH=$(sed -n 's/^DOT [0-9]* \([0-9.]*\).*/\1/p' "$W/$_n.out")
	RCPT_REFUSAL=$(sed -n 's/.*first_refusal=\([0-9-]*\).*/\1/p' "$W/$_n.out")
}

# copies NAME: how many messages with NAME's Message-ID reached the sink.
copies()
{
	grep -l -F "Message-ID: <$1.$$@faults.test>" "$BENCH_SINK_DIR"/* \
	    2>/dev/null | wc -l | tr -d ' '
}

# delivered NAME N: waits until N copies of NAME are at the sink and
# Postfix has finished with them.
_delivered()
{
	[ "$(copies "$1")" -ge "$2" ] && [ "$(bench_queue_count)" = 0 ]
}
delivered()
{
	bench_wait_for 60 _delivered "$1" "$2"
	sleep 0.2
	is "$(copies "$1")" "$2" "$1: delivered $2 time(s), no more"
}

# logged ERE DESCRIPTION [TIMEOUT]: a line of gatewarden's log matches.
_logged() { grep -Eq -- "$1" "$BENCH_GW_LOG"; }
logged()
{
	bench_wait_for "${3:-20}" _logged "$1"
	ok $? "$2" || diag "want a log line matching: $1"
}

# start_refused TEMPLATE: gatewarden is started and must exit by itself.
# It makes its socket before it opens the key store, so the bench may
# see the socket of a daemon that is about to give up: wait for the end.
start_refused()
{
	bench_gatewarden_start "$1" 2>/dev/null
	[ -z "$BENCH_GW_PID" ] && return 0
	bench_wait_for 20 _bench_dead "$BENCH_GW_PID" || return 1
	wait "$BENCH_GW_PID" 2>/dev/null
	BENCH_GW_PID=
	return 0
}

# ---- gatewarden ------------------------------------------------------------
DPORT=$(bench_free_port)
RPORT=$(bench_free_port)
python3 "$top_srcdir/t/lib/dns_fault.py" --port "$DPORT" --mode silent \
    >"$W/dns.log" 2>&1 &
DNS_PID=$!
bench_wait_for 10 grep -q ready "$W/dns.log" || bail_out "dns_fault.py did not start"
cat >"$W/hang-sendmail" <<EOS
#!/bin/sh
# Never reads its input, never ends: a hung MTA.
echo \$\$ >>"$W/hang.pids"
exec sleep 600
EOS
chmod 0755 "$W/hang-sendmail"

cat >"$W/gw.yaml.in" <<EOC
milter:
  timeout: 30s
  authserv_id: mx.gatewarden.test
  tls_header: false
  memory_limit_per_message: 64KiB
alerts:
  recipients: [postmaster@rcpt.test]
  sendmail_command: $W/hang-sendmail
  sendmail_timeout: 2s
  rate_limit: 1s
dns:
  mode: forward
  forwarders: ["127.0.0.1@$DPORT"]
  timeout: 3s
trust:
  system_cas: false
  custom_ca_file: $M/ca.pem
sender_groups:
  - name: required
    match: { client_ip: [127.0.0.4] }
    tls: required
  - name: partners
    match: { client_ip: [127.0.0.2] }
    smime_inbound: check
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
  - name: internet
    match: any
destinations:
  default: { dane: none }
  domains:
    dane.test: { dane: mandatory }
    dane2.test: { dane: mandatory }
smime:
  keystore: $W/ks/keystore.db
  private_dir: $P
  certificates:
    - { name: org, certificate: $P/org.crt, key: $P/org.key }
  sending_profiles:
    - { name: enc, mode: encrypt, missing_key: split }
  sending_rules:
    - { name: to-partner, match: { sender_group: [internal], recipient_domain: [partner.test] }, profile: enc }
  reinjection:
    smtp: "127.0.0.1:$RPORT"
  inbound_policies:
    - { name: check, signature: retain, on_failure: tag, harvest: { enabled: true } }
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$W/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"
GW=$(_bench_gw_daemon_pid)

# ---- the alert sendmail hangs ---------------------------------------
mk alert
send alert 127.0.0.4 bob@rcpt.test
is "$DOT" 530 "required TLS, plaintext: 530 (the alert is raised)"
mk during-alert
send during-alert 127.0.0.1 bob@rcpt.test
is "$DOT" 250 "mail flows while the alert's sendmail hangs"
delivered during-alert 1
logged 'alert=tls-required action=failed .*did not finish within 2 s: killed' \
    "the log says the hung sendmail was killed" 30
hung=$(cat "$W/hang.pids" 2>/dev/null)
[ -n "$hung" ] && ! kill -0 $hung 2>/dev/null
ok $? "no sendmail process is left behind ($hung)"

# ---- DNS times out, then SERVFAIL -------------------------------------
mk dns1
send dns1 127.0.0.3 x@dane.test
is "$RCPT_REFUSAL" 450 "DNS silent: RCPT of a mandatory-DANE domain gets 450"
logged 'rcpt_domain=dane\.test dane=mandatory action=tempfail code=450 dsn=4\.7\.' \
    "the log says the DANE look-up failed for now"
kill -USR2 "$DNS_PID"
mk dns2
send dns2 127.0.0.3 x@dane2.test
is "$RCPT_REFUSAL" 450 "DNS SERVFAIL: 450"
logged 'rcpt_domain=dane2\.test dane=mandatory action=tempfail code=450 dsn=4\.7\.' \
    "and logged"
mk dns3
send dns3 127.0.0.3 x@rcpt.test
is "$DOT" 250 "other destinations are not held back"
delivered dns3 1
is "$(copies dns1)$(copies dns2)$(bench_queue_count)" 000 \
    "nothing of the refused recipients was delivered or queued"

# ---- the spool full, then read-only -------------------------------------
mk spool-big 600
send spool-big 127.0.0.2 bob@rcpt.test
is "$DOT $ENH" "451 4.3.0" "spool full: 451 4.3.0"
logged "spool write to $W/gw-spool failed.*No space left on device" \
    "the log names the spool and the error"
mk spool-small 100
send spool-small 127.0.0.2 bob@rcpt.test
is "$DOT" 250 "the failed message's file is gone: a smaller one fits"
mount -o remount,size=4m "$W/gw-spool"
send spool-big 127.0.0.2 bob@rcpt.test
is "$DOT" 250 "space again: the big one, sent again, is accepted"
delivered spool-big 1
delivered spool-small 1
mount -o remount,ro "$W/gw-spool"
mk spool-ro 100
send spool-ro 127.0.0.2 bob@rcpt.test
is "$DOT $ENH" "451 4.3.0" "spool read-only: 451 4.3.0"
logged "spool.*$W/gw-spool.*Read-only file system" "and logged"
mount -o remount,rw "$W/gw-spool"
send spool-ro 127.0.0.2 bob@rcpt.test
is "$DOT" 250 "writable again: accepted without a restart"
delivered spool-ro 1

# ---- the key store's file system full ---------------------------------
KSDB=$W/ks/keystore.db
mk ks-ok
send ks-ok 127.0.0.3 bob@partner.test
is "$DOT" 250 "encrypted to bob with his key from the store"
delivered ks-ok 1
dd if=/dev/zero of="$W/ks/filler" bs=64k status=none 2>/dev/null
mksigned ks-full s2
send ks-full 127.0.0.2 bob@rcpt.test
is "$DOT" 250 "key store full: signed inbound mail is still delivered"
delivered ks-full 1
logged 'smime_in harvest=error .*s2@signers\.test' "harvesting its certificate fails, logged" ||
    grep 'harvest=' "$BENCH_GW_LOG" | sed 's/^/# /'
rm -f "$W/ks/filler"
send ks-full 127.0.0.2 bob@rcpt.test
delivered ks-full 2
logged 'smime_in harvest=(added|new|stored)[^ ]* fingerprint=.*s2@signers\.test' \
    "space again: harvested without a restart"

# ---- split: the re-injection target is down ----------------------------
mk split
send split 127.0.0.3 bob@partner.test carol@partner.test
is "$DOT $ENH" "451 4.3.0" "re-injection down: the whole message gets 451"
logged 'smime=error action=tempfail reason="?cannot connect to 127\.0\.0\.1:'"$RPORT" \
    "the log says the clear copy could not be re-injected" ||
    tail -n 5 "$BENCH_GW_LOG" | sed 's/^/# /'
is "$(copies split)" 0 "no copy went out, encrypted or clear"
bench_postfix_master "127.0.0.1:$RPORT/inet=127.0.0.1:$RPORT inet n - n - - smtpd -o smtpd_milters= -o non_smtpd_milters=" &&
    bench_postfix_reload && bench_wait_listen "$RPORT" 30
ok $? "the re-injection port is up"
send split 127.0.0.3 bob@partner.test carol@partner.test
is "$DOT" 250 "sent again: 250"
delivered split 2

# ---- reload with a broken configuration under load -----------------------
i=0
while [ $i -lt 40 ]; do
	mk "load$i"
	i=$((i + 1))
done
cp "$BENCH_GW_CONF" "$W/good.yaml"
BATCH="python3 $top_srcdir/t/smtp_batch.py 127.0.0.1:$BENCH_PF_PORT"
for k in 0 1 2 3; do
	# shellcheck disable=SC2046
	$BATCH 127.0.0.$((1 + k % 2 * 2)) alice@rcpt.test bob@rcpt.test "b$k" \
	    $(i=$k; while [ $i -lt 40 ]; do printf '%s ' "$W/load$i.eml"; i=$((i + 4)); done) \
	    >"$W/batch$k.out" 2>&1 &
	BATCHES="${BATCHES:-} $!"
done
sleep 0.5
printf 'milter:\n  timeout: [broken\nsender_groups: 7\n' >>"$BENCH_GW_CONF"
bench_gatewarden_reload
logged 'reload: action=refused' "a broken configuration is refused at reload"
cp "$W/good.yaml" "$BENCH_GW_CONF"
bench_gatewarden_reload
bench_wait_for 20 sh -c "grep -c 'reload: action=loaded' '$BENCH_GW_LOG' | grep -q 1"
ok $? "the good one is loaded again"
# shellcheck disable=SC2086
wait $BATCHES
is "$(cat "$W"/batch*.out | awk '$2 != 250' | head -n 3)" "" \
    "all 40 messages sent during the reloads got 250"
bench_wait_for 60 sh -c "[ \$(grep -l '^X-Test-Case: b' '$BENCH_SINK_DIR'/* | wc -l) -ge 40 ]"
is "$(grep -h '^X-Test-Case: b' "$BENCH_SINK_DIR"/* | sort | uniq | wc -l | tr -d ' ')/$(grep -h '^X-Test-Case: b' "$BENCH_SINK_DIR"/* | wc -l | tr -d ' ')" \
    40/40 "each of the 40 reached the sink exactly once"

# ---- the key store's database corrupt ---------------------------------
# SQLite keeps what it has read, and a running daemon notices damage
# only on a page it has yet to read: the case that matters is a start
# (or restart) over a damaged file.
bench_gatewarden_stop
cp "$KSDB" "$W/keystore.good"
head -c "$(wc -c <"$KSDB")" /dev/urandom | dd of="$KSDB" conv=notrunc status=none
start_refused "$W/gw.yaml.in"
ok $? "gatewarden does not start over a corrupt key store"
logged "smime\.keystore: key store $KSDB: .*not a key store \(not an SQLite database" \
    "the log names the file and what is wrong"
mk ks-corrupt
send ks-corrupt 127.0.0.3 bob@partner.test
like "$DOT" '^4[0-9][0-9]$' "meanwhile Postfix tempfails the mail (milter_default_action)"
cat "$W/keystore.good" >"$KSDB"
bench_gatewarden_start "$W/gw.yaml.in"
ok $? "the file restored, gatewarden starts"
GW=$(_bench_gw_daemon_pid)
send ks-corrupt 127.0.0.3 bob@partner.test
is "$DOT" 250 "the message sent again: 250"
delivered ks-corrupt 1
f=$(grep -l -F "Message-ID: <ks-corrupt.$$@faults.test>" "$BENCH_SINK_DIR"/* | head -n 1)
grep -qi '^Content-Type: application/.*pkcs7-mime' "$f"
ok $? "and encrypted"

# ---- the key store's file system read-only -------------------------------
# A mounted file system with a database open for writing cannot be made
# read-only (mount says "busy"): the case is a start on one.
bench_gatewarden_stop
mount -o remount,ro "$W/ks" || bail_out "cannot remount the key store read-only"
start_refused "$W/gw.yaml.in"
ok $? "gatewarden does not start on a read-only key store (fail closed)"
logged "smime\.keystore: key store $KSDB: .*its file system is read-only" \
    "the log says the key store's file system is read-only"
mk ks-ro
send ks-ro 127.0.0.3 bob@partner.test
like "$DOT" '^4[0-9][0-9]$' "meanwhile Postfix tempfails the mail"
mount -o remount,rw "$W/ks"
bench_gatewarden_start "$W/gw.yaml.in" || bail_out "gatewarden did not start again"
GW=$(_bench_gw_daemon_pid)
send ks-ro 127.0.0.3 bob@partner.test
is "$DOT" 250 "writable again (systemd's Restart= starts it): the message sent again, 250"
delivered ks-ro 1

# ---- SIGKILL in the middle of a message, restart -------------------------
mk killed 100
rm -f "$W/go"
python3 "$top_srcdir/t/lib/raw_smtp.py" --port "$BENCH_PF_PORT" \
    --source 127.0.0.2 --mail alice@rcpt.test --rcpt bob@rcpt.test \
    --data "$W/killed.eml" --hold "$W/go" >"$W/killed.out" 2>&1 &
CLIENT=$!
bench_wait_for 30 grep -q HELD "$W/killed.out"
ok $? "a message is half sent"
kill -KILL "$GW"
bench_wait_for 10 _bench_dead "$GW"
wait "$BENCH_GW_PID" 2>/dev/null
BENCH_GW_PID=
cp "$BENCH_GW_LOG" "$W/gw-before-kill.log"
bench_gatewarden_start "$W/gw.yaml.in"
ok $? "gatewarden starts again over its stale socket and pid file"
GW=$(_bench_gw_daemon_pid)
touch "$W/go"
wait "$CLIENT"
like "$(sed -n 's/^DOT //p' "$W/killed.out")" '^4[0-9][0-9] ' \
    "the message in flight gets a 4xx (Postfix: milter_default_action)"
sleep 1
is "$(copies killed)" 0 "and is not delivered"
send killed 127.0.0.2 bob@rcpt.test
is "$DOT" 250 "sent again to the restarted gatewarden: 250"
delivered killed 1
like "$(grep 'warning: milter unix:' "$BENCH_MAILLOG")" "milter unix:$BENCH_GW_SOCK: " \
    "Postfix logged the lost milter" ||
    grep -i milter "$BENCH_MAILLOG" | tail -n 5 | sed 's/^/# /'
logged '^gatewarden\[[0-9]+\]: start: ' "the new gatewarden logged its start"

bench_postfix_stop
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM (no sanitizer report)"
kill "$DNS_PID" 2>/dev/null
wait "$DNS_PID" 2>/dev/null
done_testing
exit $?
