#!/bin/sh
# soak: load and faults through a private Postfix with gatewarden
# attached, and every message accounted for afterwards.
#
# 50 SMTP sessions at once (t/lib/soak_load.py, one message per session,
# as smtp-source sends them) carry a mix of: plain mail from the Internet;
# mail from the outbound listener signed with the organisation's key, and
# encrypted to recipients with a certificate (a domain certificate of
# enc.test in the key store, and partners' keys harvested from their
# signed mail); S/MIME signed mail from four partners, verified and its
# signers harvested into the key store while other threads read it; mail
# on a listener whose sender group requires TLS, sent with STARTTLS, and
# some without it, which must be refused with 530. Each message's id is
# in its envelope sender.
#
# Four phases: a warm-up, after which gatewarden's RSS, open descriptors
# and threads are read from /proc (the baseline); a load with reloads,
# reloads of a broken configuration and smtp-sink restarts at random
# moments; a phase where Postfix's smtp-source sends plain, signed,
# encrypted and inbound S/MIME mail (no TLS: it has no STARTTLS) under
# the same faults, which it must never notice (after these two the same
# process must be back at its baseline); and a load where gatewarden is
# also SIGKILLed and started again. A message refused with 4xx or cut off
# is sent again by soak_load.py, as an MTA would. Then t/lib/soak_check.py
# accounts for every id: accepted once, queued once, delivered once to the
# sink (no loss, no duplicate), in the form its class needs (encrypted
# with no clear text, signed, verified, over TLS), and refused ones never
# delivered.
#
# SOAK_MESSAGES (default 3000; `make soak` runs SOAK_LONG_MESSAGES, 20000), SOAK_SESSIONS
# (default 50). SOAK_REPORT=FILE appends the run's figures to FILE.
# GW_SOAK_EXPECT_TSAN=DIR: gatewarden runs under ThreadSanitizer
# (t/tsan.sh), whose reports go to DIR; the test then also asserts there
# are none.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

for t in openssl python3 smtp-source; do
	command -v $t >/dev/null 2>&1 || skip_all "$t (tools/install-deps)"
done
# AddressSanitizer keeps 256 MiB of freed memory in quarantine, which
# would hide any trend in RSS; a small one still catches use after free.
[ -n "${ASAN_OPTIONS:-}" ] && ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16" &&
    export ASAN_OPTIONS
bench_init
plan $([ -n "${GW_SOAK_EXPECT_TSAN:-}" ] && echo 15 || echo 14)

N=${SOAK_MESSAGES:-3000}
SESSIONS=${SOAK_SESSIONS:-50}
KEYS=$top_builddir/smime/gatewarden-keys
LOAD="python3 $top_srcdir/t/lib/soak_load.py"
W=$BENCH_WORK
C=$W/certs
P=$W/private
mkdir -p "$C" "$P" && chmod 0700 "$P" || bail_out "mkdir"

# ---- certificates, keys and messages ------------------------------------
leaf() {	# leaf NAME SAN: an RSA certificate from the test CA
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$C/$1.key" 2>/dev/null &&
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
	    'keyUsage=critical,digitalSignature,keyEncipherment' \
	    'extendedKeyUsage=emailProtection' "subjectAltName=$2" \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
	    >"$C/$1.ext" &&
	openssl req -new -key "$C/$1.key" -subj "/CN=$1" -out "$C/$1.csr" \
	    2>/dev/null &&
	openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
	    -CAcreateserial -days 5 -extfile "$C/$1.ext" -out "$C/$1.pem" \
	    2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" \
    -out "$C/ca.pem" -subj "/CN=Soak Test CA" -days 5 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
    bail_out "openssl could not make the CA"
openssl req -x509 -newkey rsa:2048 -nodes -days 5 -subj "/CN=mx.soak.test" \
    -keyout "$C/server.key" -out "$C/server.pem" 2>/dev/null ||
    bail_out "openssl could not make the server certificate"
leaf encdom "DNS:enc.test" || bail_out "no enc.test certificate"
"$KEYS" --private-dir "$P" --keystore "$W/keystore.db" create-cert org \
    --smime --cn "Soak Org" --email gateway@soak.test --days 5 >/dev/null &&
    "$KEYS" --private-dir "$P" --keystore "$W/keystore.db" pubkey add \
    encdom "$C/encdom.pem" >/dev/null ||
    bail_out "gatewarden-keys could not make the keys"
PARTNERS="1 2 3 4"
for k in $PARTNERS; do
	leaf "p$k" "email:p$k@partner.test" || bail_out "no partner $k"
	printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\npartner line %s\r\nsigned by p%s\r\n' \
	    "$k" "$k" >"$W/entity$k"
	{ printf 'From: <p%s@partner.test>\r\nTo: <in@corp.test>\r\nSubject: signed by partner %s\r\n' "$k" "$k"
	  openssl cms -sign -binary -crlfeol -in "$W/entity$k" \
	      -signer "$C/p$k.pem" -inkey "$C/p$k.key"; } >"$W/signed$k.eml" ||
	    bail_out "openssl cms -sign failed"
done

# ---- the bench ----------------------------------------------------------
PORT_OUT=$(bench_free_port) && PORT_TLS=$(bench_free_port) ||
    bail_out "no free ports"
while [ "$PORT_TLS" = "$PORT_OUT" ]; do PORT_TLS=$(bench_free_port); done
cat >"$W/gw.yaml.in" <<EOC
milter:
  authserv_id: mx.soak.test
  tls_header: true
trust:
  system_cas: false
  custom_ca_file: $C/ca.pem
  revocation: { mode: off }
sender_groups:
  - name: internal
    match: { listener: [outbound] }
    direction: outbound
    tls: no
  - name: tlsonly
    match: { listener: [tlsreq] }
    direction: inbound
    tls: required
    smime_inbound: verify
  - name: internet
    match: any
    direction: inbound
    tls: preferred
    smime_inbound: verify
destinations:
  default: { dane: none }
smime:
  keystore: $W/keystore.db
  private_dir: $P
  certificates:
    - { name: org, certificate: $P/org.crt, key: $P/org.key }
  sending_profiles:
    - { name: sign, mode: sign, signing_certificate: org, sign_mode: detached }
    - { name: enc, mode: encrypt, missing_key: bounce }
  sending_rules:
    - name: signed
      match: { sender_group: [internal], recipient_domain: [rcpt.test] }
      profile: sign
    - name: encrypted
      match: { sender_group: [internal], recipient_domain: [enc.test, partner.test] }
      profile: enc
  inbound_policies:
    - name: verify
      signature: retain
      on_failure: tag
      harvest: { enabled: true }
EOC
# A configuration with an error: a reload must refuse it and keep going.
printf 'milter:\n  timeout: soon\nsender_groups: 7\n' >"$W/broken.yaml"

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$W/gw.yaml.in" || bail_out "gatewarden did not start"
cp "$BENCH_GW_CONF" "$W/good.yaml"
bench_postfix_conf \
    "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = $C/server.pem" \
    "smtpd_tls_key_file = $C/server.key" \
    "default_process_limit = 200" \
    "smtpd_client_connection_count_limit = 0" \
    "smtpd_client_connection_rate_limit = 0" \
    "smtpd_client_message_rate_limit = 0" \
    "default_destination_concurrency_limit = 20" || bail_out "postconf failed"
bench_postfix_master \
    "127.0.0.1:$PORT_OUT/inet=127.0.0.1:$PORT_OUT inet n - n - - smtpd -o milter_macro_daemon_name=outbound" \
    "127.0.0.1:$PORT_TLS/inet=127.0.0.1:$PORT_TLS inet n - n - - smtpd -o milter_macro_daemon_name=tlsreq" ||
    bail_out "postconf -M failed"
bench_postfix_start || bail_out "Postfix did not start"
bench_wait_listen "$PORT_OUT" && bench_wait_listen "$PORT_TLS" ||
    bail_out "the listeners did not come up"

MX=$BENCH_PF_PORT
INBOUND=
for k in $PARTNERS; do
	INBOUND="$INBOUND --class in$k:3:$MX:in@corp.test:file=$W/signed$k.eml"
done
# name:weight:port:recipient[:options]
CLASSES="--class plain:20:$MX:user@rcpt.test
--class signed:15:$PORT_OUT:user@rcpt.test
--class enc:15:$PORT_OUT:user@enc.test
--class henc1:4:$PORT_OUT:p1@partner.test
--class henc2:4:$PORT_OUT:p2@partner.test
--class tls:12:$PORT_TLS:user@rcpt.test:tls
--class tlsplain:3:$PORT_TLS:user@rcpt.test:expect=530
$INBOUND"
ENC=enc,henc1,henc2
SIG=signed
INB=in1,in2,in3,in4
TLSC=tls

# ---- gatewarden's figures and the faults ----------------------------------
gw_pid() { _bench_gw_daemon_pid; }
gw_figures() {	# "RSS_KB FDS THREADS" of the daemon
	_p=$(gw_pid)
	printf '%s %s %s\n' \
	    "$(awk '/^VmRSS:/ { print $2 }' "/proc/$_p/status" 2>/dev/null)" \
	    "$(ls "/proc/$_p/fd" 2>/dev/null | wc -l | tr -d ' ')" \
	    "$(awk '/^Threads:/ { print $2 }' "/proc/$_p/status" 2>/dev/null)"
}
# Until nothing is queued and, when want_threads is set, the daemon's
# threads are back to it (each session's thread is gone), 60 s at most.
settle() {
	bench_wait_queue_empty 180 || diag "settle: the queue did not empty"
	if [ -n "${want_threads:-}" ]; then
		_end=$(( $(date +%s) + 60 ))
		while [ "$(date +%s)" -lt "$_end" ]; do
			set -- $(gw_figures)
			[ "${3:-0}" -le "$want_threads" ] && break
			sleep 1
		done
	fi
	sleep 2
}
GWLOGS=$W/gatewarden-all.log
: >"$GWLOGS"
FAULTS=$W/faults.log
: >"$FAULTS"
fault_log() { echo "$(date +%s) $*" >>"$FAULTS"; }
has_line() { grep -q "$2" "$1"; }
reload_count() {
	_c=$(grep -c "$1" "$BENCH_GW_LOG" 2>/dev/null)
	echo "${_c:-0}"
}
fault_reload() {
	_n=$(reload_count 'reload: action=loaded')
	bench_gatewarden_reload
	bench_wait_for 60 sh -c "[ \$(grep -c 'reload: action=loaded' '$BENCH_GW_LOG') -gt $_n ]" &&
	    fault_log reload ok || fault_log reload FAILED
}
fault_broken_reload() {
	_n=$(reload_count 'reload: action=refused')
	cp "$W/broken.yaml" "$BENCH_GW_CONF"
	bench_gatewarden_reload
	if bench_wait_for 60 sh -c "[ \$(grep -c 'reload: action=refused' '$BENCH_GW_LOG') -gt $_n ]"; then
		fault_log broken-reload refused
	else
		fault_log broken-reload FAILED
	fi
	cp "$W/good.yaml" "$BENCH_GW_CONF"
}
fault_sink() {
	bench_sink_restart && fault_log sink-restart ok || fault_log sink-restart FAILED
}
fault_kill() {
	_p=$(gw_pid)
	kill -KILL "$_p" 2>/dev/null
	wait "$BENCH_GW_PID" 2>/dev/null
	BENCH_GW_PID=
	cat "$BENCH_GW_LOG" >>"$GWLOGS"
	rm -f "$BENCH_GW_PIDFILE"
	if bench_gatewarden_start "$W/gw.yaml.in"; then
		fault_log kill-restart "old=$_p new=$(gw_pid)"
	else
		fault_log kill-restart FAILED
	fi
}
# with_faults PID FAULTS...: while process PID runs, a fault of FAULTS in
# turn every 0.5-3 s (at random); PID's status.
with_faults() {
	_lp=$1
	shift
	_seed=${_seed:-1}
	_nf=0
	while _bench_alive "$_lp"; do
		_seed=$(( (_seed * 1103515245 + 12345) % 2147483648 ))
		_t=$(( _seed % 26 + 5 ))
		_i=0
		while [ "$_i" -lt "$_t" ] && _bench_alive "$_lp"; do
			sleep 0.1
			_i=$((_i + 1))
		done
		_bench_alive "$_lp" || break
		[ $# -gt 0 ] || continue
		# In turn, at random moments: a phase long enough has each.
		_k=$(( _nf % $# + 1 ))
		_nf=$((_nf + 1))
		eval "_f=\${$_k}"
		"fault_$_f"
	done
	wait "$_lp"
}
# run_load FIRST COUNT OUT FAULTS...: the load in the background with
# FAULTS while it runs; the load's status.
run_load() {
	_first=$1 _count=$2 _out=$3
	shift 3
	# shellcheck disable=SC2086
	$LOAD --sessions "$SESSIONS" --first "$_first" --count "$_count" \
	    --out "$_out" $CLASSES >"$_out.log" 2>&1 &
	_seed=$_first
	with_faults $! "$@"
	_st=$?
	diag_file "$_out.log" 20
	return $_st
}
# run_smtp_source FIRST COUNT OUT FAULTS...: Postfix's own load generator,
# smtp-source, sends COUNT messages of each class of SRC_CLASSES (lines
# "CLASS SESSIONS PORT RECIPIENT [-F FILE]"; without a file, 3000 bytes of
# smtp-source's own text), all at once, with FAULTS while they run.
# smtp-source stops at the first reply that is not 2xx and has no retry
# and no STARTTLS: the faults here are the ones a client must not see
# (reloads, broken reloads, sink restarts). Each class has its id range:
# sender src<BASE>-<CLASS>@soak.test, recipient <SEQ>LOCAL (-N numbers
# recipients 1..COUNT), id BASE + SEQ; OUT gets one soak_load.py result
# line per message when its run ended well.
run_smtp_source() {
	_first=$1 _count=$2 _out=$3
	shift 3
	: >"$_out"
	# The runs are this subshell's children: it waits for each.
	(
		# Ids from FIRST on, as soak_load.py numbers them.
		_base=$((_first - 1))
		_pids=
		while read -r _cls _sess _port _rcpt _opt; do
			[ -n "$_cls" ] || continue
			# shellcheck disable=SC2086
			timeout 900 smtp-source -4 -s "$_sess" -m "$_count" -N \
			    -M client.soak.test -f "src$_base-$_cls@soak.test" \
			    -t "$_rcpt" ${_opt:--S "smtp-source $_cls" -l 3000} \
			    "127.0.0.1:$_port" >"$_out.$_cls.log" 2>&1 &
			_pids="$_pids $!:$_cls:$_base"
			_base=$((_base + _count))
		done <<EOS
$SRC_CLASSES
EOS
		_bad=0
		for _p in $_pids; do
			IFS=: read -r _pid _cls _b <<EOP
$_p
EOP
			if wait "$_pid"; then
				awk -v b="$_b" -v n="$_count" -v c="$_cls" 'BEGIN {
					for (i = 1; i <= n; i++)
						printf "%d %s accepted 1 250\n", b + i, c }' >>"$_out"
			else
				echo "smtp-source $_cls failed: $(tail -n 2 "$_out.$_cls.log")"
				_bad=1
			fi
		done
		exit $_bad
	) >"$_out.log" 2>&1 &
	_seed=$_first
	with_faults $! "$@"
	_st=$?
	diag_file "$_out.log" 20
	return $_st
}

# ---- warm-up: the partners' keys harvested first --------------------------
start=$(date +%s)
WARM=$(( N / 20 ))
[ "$WARM" -ge 200 ] || WARM=200
# shellcheck disable=SC2086
$LOAD --sessions 8 --first 1 --count 8 --out "$W/r.harvest" $INBOUND \
    >"$W/r.harvest.log" 2>&1
ok $? "the partners' signed mail is accepted (their keys harvested)"
run_load 9 "$WARM" "$W/r.warm"
ok $? "warm-up: $WARM messages, every one accepted"
want_threads=
settle
set -- $(gw_figures)
base_rss=$1 base_fds=$2 base_threads=$3 base_pid=$(gw_pid)
diag "baseline pid=$base_pid rss_kb=$base_rss fds=$base_fds threads=$base_threads"

# ---- the load with reloads and sink restarts --------------------------------
MAIN=$(( (N - WARM) * 2 / 3 ))
SRC=$(( N / 20 ))
KILLN=$(( N - WARM - MAIN ))
[ "$KILLN" -ge 100 ] || KILLN=100
run_load $((9 + WARM)) "$MAIN" "$W/r.main" broken_reload reload sink reload
ok $? "with reloads, broken reloads and sink restarts: $MAIN messages, every one accepted in the end"
# smtp-source reads -F files line by line and ends each with CRLF itself.
tr -d '\r' <"$W/signed1.eml" >"$W/signed1.lf" || bail_out "tr"
S5=$(( SESSIONS / 5 ))
[ "$S5" -ge 1 ] || S5=1
S1=$(( SESSIONS - 4 * S5 ))
[ "$S1" -ge 1 ] || S1=1
SRC_CLASSES="srcplain $S1 $MX user@rcpt.test
srcsigned $S5 $PORT_OUT user@rcpt.test
srcenc $((S5 + S5)) $PORT_OUT user@enc.test
srcin $S5 $MX in@corp.test -F $W/signed1.lf"
run_smtp_source $((9 + WARM + MAIN)) "$SRC" "$W/r.src" reload broken_reload sink
ok $? "smtp-source, with reloads, broken reloads and sink restarts: $SRC messages in each of 4 classes, every one accepted"
want_threads=$base_threads
settle
set -- $(gw_figures)
after_rss=$1 after_fds=$2 after_threads=$3 after_pid=$(gw_pid)
diag "after    pid=$after_pid rss_kb=$after_rss fds=$after_fds threads=$after_threads"
is "$after_pid" "$base_pid" "the same gatewarden process throughout"
ok $([ "$after_fds" -le $((base_fds + 2)) ]; echo $?) \
    "open descriptors back to the baseline ($after_fds, baseline $base_fds)"
ok $([ "$after_threads" -le "$base_threads" ]; echo $?) \
    "threads back to the baseline ($after_threads, baseline $base_threads)"
# RSS: freed memory stays with the allocator (and sanitizers keep their
# own quarantine), so it may rise once; a leak per message rises with N.
rss_tol=${SOAK_RSS_TOLERANCE_KB:-$(( base_rss / 2 + 65536 ))}
ok $([ "$after_rss" -le $((base_rss + rss_tol)) ]; echo $?) \
    "RSS back near the baseline ($after_rss KiB, baseline $base_rss, tolerance $rss_tol)"

# ---- the load with gatewarden killed and started again ---------------------
run_load $((9 + WARM + MAIN + 4 * SRC)) "$KILLN" "$W/r.kill" kill broken_reload sink kill reload
ok $? "with gatewarden SIGKILLed and restarted as well: $KILLN messages, every one accepted in the end"
want_threads=
settle
end=$(date +%s)
cat "$BENCH_GW_LOG" >>"$GWLOGS"

# ---- every message accounted for ----------------------------------------
total=$((8 + WARM + MAIN + 4 * SRC + KILLN))
python3 "$top_srcdir/t/lib/soak_check.py" \
    "$W/r.harvest,$W/r.warm,$W/r.main,$W/r.src,$W/r.kill" "$BENCH_SINK_DIR" \
    "$BENCH_MAILLOG" "$BENCH_SINK_PORT" "$ENC,srcenc" "$SIG,srcsigned" \
    "$INB,srcin" "$TLSC" \
    >"$W/check.out" 2>&1
ok $? "every message accounted for at the sink (no loss, no duplicate, encrypted where it must be)"
diag_file "$W/check.out" 60
is "$(sed -n 's/^messages=//p' "$W/check.out")" "$total" "all $total ids were checked"
refused=$(sed -n 's/^refused=//p' "$W/check.out")
ok $([ "${refused:-0}" -gt 0 ]; echo $?) \
    "plain text where TLS is required was refused ($refused messages)"
ok $(! grep -q FAILED "$FAULTS" && grep -q kill-restart "$FAULTS" &&
    grep -q broken-reload "$FAULTS" && grep -q sink-restart "$FAULTS"; echo $?) \
    "every fault took effect: $(cut -d' ' -f2 "$FAULTS" | sort | uniq -c | tr -s ' \n' ' ')"
grep -q FAILED "$FAULTS" && diag_file "$FAULTS"

if [ -n "${GW_SOAK_EXPECT_TSAN:-}" ]; then
	tsan_reports() { cat "$GW_SOAK_EXPECT_TSAN"/tsan.* 2>/dev/null |
	    grep -c '^WARNING: ThreadSanitizer'; }
	n=$(tsan_reports)
	is "$n" 0 "ThreadSanitizer reported nothing under load, reloads and restarts"
	for f in "$GW_SOAK_EXPECT_TSAN"/tsan.*; do
		[ -e "$f" ] && diag_file "$f" 80
	done
	# libmilter tears its own mutexes, condition variables and worker
	# pool down when smfi_main returns, while smfi_stop (whichever
	# thread calls it, libmilter's signal thread too) is still using
	# them: races inside libmilter, at exit only. t/tsan.supp names
	# the ones seen; any other at stop is shown, and fails only when a
	# frame of ours outside the stop path is in it.
	bench_gatewarden_stop
	mv_dir=$W/tsan-stop
	mkdir -p "$mv_dir"
	awk -v dir="$mv_dir" '
	/^WARNING: ThreadSanitizer/ { n++ }
	n { print > (dir "/r" n) }
	' $(ls "$GW_SOAK_EXPECT_TSAN"/tsan.* 2>/dev/null) /dev/null
	ours=0
	for r in "$mv_dir"/r*; do
		[ -e "$r" ] || continue
		diag_file "$r" 60
		if grep -E '\(gatewarden\+' "$r" | grep -vqE ' (signal_thread|daemon_drain_and_stop|daemon_wait_stopped|daemon_start_signal_thread|run|main) '; then
			ours=$((ours + 1))
		fi
	done
	is "$ours" 0 "at stop: nothing but libmilter's own teardown ($(ls "$mv_dir" | wc -l | tr -d ' ') reports there)"
	rm -f "$GW_SOAK_EXPECT_TSAN"/tsan.*
else
	bench_gatewarden_stop
	ok $? "gatewarden stops cleanly (no sanitizer report)"
fi

secs=$((end - start))
[ "$secs" -gt 0 ] || secs=1
figures="soak: messages=$total seconds=$secs msgs_per_s=$((total / secs)) sessions=$SESSIONS"
figures="$figures pid=$base_pid rss_kb=$base_rss->$after_rss fds=$base_fds->$after_fds threads=$base_threads->$after_threads"
figures="$figures faults=$(cut -d' ' -f2 "$FAULTS" | sort | uniq -c | awk '{ printf "%s%s=%s", (NR > 1 ? "," : ""), $2, $1 }')"
figures="$figures $(grep -E '^(accepted|refused|extra_copies_after_broken_deliveries|problems)=' "$W/check.out" | tr '\n' ' ')"
retried=$(cat "$W"/r.warm.log "$W"/r.main.log "$W"/r.kill.log | sed -n 's/.*retried=//p' | awk '{ s += $1 } END { print s + 0 }')
figures="$figures client_retries=$retried"
diag "$figures"
[ -n "${SOAK_REPORT:-}" ] && echo "$figures" >>"$SOAK_REPORT"
done_testing
exit $?
