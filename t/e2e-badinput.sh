#!/bin/sh
# e2e-badinput: the hostile-input matrix (doc/hostile-input.md) through a
# private Postfix, gatewarden and smtp-sink. Each message goes, byte for
# byte (t/lib/raw_smtp.py), through up to three sender groups: "internet"
# (headers only), "partners" (inbound S/MIME: the body is read, parsed,
# CMS decoded) and "internal" (outbound: every message signed, so the
# MIME code canonicalises it). For each copy the test checks the result
# the document names (pass, tag, signed, reject or tempfail with its
# code), that nothing is lost or doubled (a 2xx copy reaches smtp-sink
# exactly once with every recipient and no bounce; a 4xx/5xx copy leaves
# nothing behind), and bounds gatewarden's CPU time and peak RSS for the
# copy (from /proc, VmHWM reset through clear_refs before each one).
# Postfix's own limits are raised (header_size_limit 4 MiB, 10,000
# recipients per message) so that gatewarden, not Postfix, meets the
# input.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

BENCH_TIMEOUT=120
bench_init
command -v openssl >/dev/null 2>&1 || skip_all "openssl (tools/install-deps)"
[ -w /proc/self/clear_refs ] || skip_all "no /proc/PID/clear_refs to reset VmHWM"

# Bounds for each copy, generous for a loaded 2-core machine and a
# sanitizer build (ASan's quarantine is capped below so that freed
# memory is reused): gatewarden's CPU seconds and the growth of its
# peak RSS over what it held before the copy.
CPU_MAX=${GW_BADINPUT_CPU_MAX:-20}
RSS_MAX_KB=${GW_BADINPUT_RSS_MAX_KB:-98304}	# 96 MiB: under the 100 MB message
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
export ASAN_OPTIONS

KEYS=$top_builddir/smime/gatewarden-keys
P=$BENCH_WORK/private
M=$BENCH_WORK/msgs
mkdir -p "$P" "$M" && chmod 0700 "$P"
"$KEYS" --private-dir "$P" --keystore "$BENCH_WORK/keystore.db" \
    create-cert org --smime --cn "Bad Input Org" --email gateway@rcpt.test \
    --days 30 >/dev/null || bail_out "gatewarden-keys create-cert failed"
python3 "$top_srcdir/t/badinput_msgs.py" "$M" || bail_out "badinput_msgs.py failed"

cat >"$BENCH_WORK/gw.yaml.in" <<EOC
milter:
  timeout: 60s
  authserv_id: mx.gatewarden.test
  tls_header: false
  memory_limit_per_message: 1MiB
trust:
  system_cas: false
  custom_ca_file: $P/org.crt
sender_groups:
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
smime:
  keystore: "@WORK@/keystore.db"
  private_dir: "$P"
  certificates:
    - { name: org, certificate: $P/org.crt, key: $P/org.key }
  sending_profiles:
    - { name: sign, mode: sign, signing_certificate: org, sign_mode: detached, missing_key: bounce }
  sending_rules:
    - { name: sign-all, match: { sender_group: [internal] }, profile: sign }
  inbound_policies:
    - { name: check, signature: retain, on_failure: tag }
EOC

bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_conf "header_size_limit = 4194304" \
    "smtpd_recipient_limit = 10000" "smtp_destination_recipient_limit = 1000" \
    "smtp_line_length_limit = 0" ||
    bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"
GW=$(_bench_gw_daemon_pid)
[ -n "$GW" ] && [ -r "/proc/$GW/stat" ] || bail_out "no gatewarden pid"
TCK=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$GW/stat"; }
rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$GW/status"; }

# The sink's dumps that carry a copy: by its Message-ID, or for the
# 0-byte message by Postfix's queue id in the trace.
copies()
{
	grep -l -F -e "$1" "$BENCH_SINK_DIR"/* 2>/dev/null
}

# The body of a message on stdin as smtp-sink stores it: what follows
# the first empty line, CR LF as LF, a bare CR as a space (Postfix's
# smtp client sends it so), a final newline.
body_of()
{
	sed -e '1,/^\r*$/d' -e 's/\r$//' | tr '\r' ' ' | sed '$a\'
}

# send CASE GROUP SOURCE WANT [raw_smtp ARGS...]: one copy, measured.
# WANT is the documented result: pass (delivered, body as sent), signed
# (gatewarden's detached signature: its log says action=replace),
# tag:VERDICT (Authentication-Results smime=VERDICT), reject:CODE or
# tempfail:CODE (the enhanced status code). Checks it, that a delivered
# copy reached the sink once for each recipient with no bounce or
# deferral, that a refused one left nothing, the bounds, and that
# gatewarden still runs. Leaves the first delivered copy in $COPY.
send()
{
	_case=$1 _grp=$2 _src=$3 _want=$4
	shift 4
	_t="$_case/$_grp"
	_id="$_case.$_grp.$$@badinput.test"
	_f=$BENCH_WORK/send.eml
	if [ -s "$M/$_case.eml" ]; then
		{ printf 'Message-ID: <%s>\r\n' "$_id"; cat "$M/$_case.eml"; } >"$_f"
	else
		cp "$M/$_case.eml" "$_f"
	fi
	echo 5 >"/proc/$GW/clear_refs"
	_rss0=$(rss_kb VmRSS)
	_cpu0=$(cpu_ticks)
	python3 "$top_srcdir/t/lib/raw_smtp.py" --port "$BENCH_PF_PORT" \
	    --source "$_src" --mail mallory@hostile.test --data "$_f" \
	    "$@" >"$BENCH_WORK/raw.out" 2>&1
	_dot=$(sed -n 's/^DOT \([0-9]*\) \([0-9.]*\).*/\1 \2/p' "$BENCH_WORK/raw.out")
	_code=${_dot%% *}
	_qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$BENCH_WORK/raw.out")
	_key="Message-ID: <$_id>"
	[ -s "$_f" ] || _key="id $_qid"
	COPY=
	case $_code in
	2*)
		bench_wait_for 180 grep -q "$_qid: removed" "$BENCH_MAILLOG" ||
		    diag "$_t: $_qid never left the queue"
		_want_r=$(sed -n 's/^RCPT accepted=\([0-9]*\).*/\1/p' "$BENCH_WORK/raw.out")
		is "$(copies "$_key" | xargs cat 2>/dev/null | grep -c '^X-Rcpt-Args: ')" \
		    "$_want_r" "$_t: $_code, each of its $_want_r recipient(s) delivered once"
		! grep -q "$_qid: .*status=\(bounced\|deferred\)" "$BENCH_MAILLOG"
		ok $? "$_t: no bounce, no deferral"
		COPY=$(copies "$_key" | head -n 1)
		_v=$(sed -n 's/^Authentication-Results: mx\.gatewarden\.test; smime=\([a-z]*\).*/\1/p' "$COPY" | head -n 1)
		if grep -q "^gatewarden\[[0-9]*\]: $_qid: profile=sign .*action=replace" "$BENCH_GW_LOG"; then
			_res=signed
		elif [ -n "$_v" ]; then
			_res=tag:$_v
		elif [ "$(body_of <"$_f" | sha256sum)" = \
		    "$(bench_sink_message "$COPY" | body_of | sha256sum)" ]; then
			_res=pass
		else
			_res=changed
			body_of <"$_f" >"$BENCH_WORK/sent.body"
			bench_sink_message "$COPY" | body_of >"$BENCH_WORK/got.body"
			diff "$BENCH_WORK/sent.body" "$BENCH_WORK/got.body" |
			    head -n 10 | cat -A | sed 's/^/# /'
		fi
		;;
	4*|5*)
		_res="$([ "$_code" -ge 500 ] && echo reject || echo tempfail):${_dot#* }"
		sleep 0.3
		is "$(copies "$_key" | wc -l | tr -d ' ')" 0 "$_t: $_code: nothing reached the sink"
		is "$(bench_queue_count)" 0 "$_t: and nothing is queued"
		;;
	*)
		_res="broken:$(tail -n 1 "$BENCH_WORK/raw.out")"
		ok 1 "$_t: the dialogue broke off"
		ok 1 "$_t: (no accounting)"
		;;
	esac
	is "$_res" "$_want" "$_t: $_want"
	_cpu=$(( ($(cpu_ticks) - _cpu0) * 1000 / TCK ))
	_rss=$(( $(rss_kb VmHWM) - _rss0 ))
	ok "$([ "$_cpu" -le $((CPU_MAX * 1000)) ] && [ "$_rss" -le "$RSS_MAX_KB" ]; echo $?)" \
	    "$_t: bounded: cpu=${_cpu}ms (max ${CPU_MAX}s) peak_rss_growth=${_rss}KiB (max ${RSS_MAX_KB}KiB)"
	printf '%-14s %-9s %-16s cpu_ms=%-6s rss_growth_kb=%s\n' "$_case" \
	    "$_grp" "$_res" "$_cpu" "$_rss" >>"$BENCH_WORK/results"
	_bench_alive "$GW"
	ok $? "$_t: gatewarden is still running"
}

# case  internet  partners  internal   (doc/hostile-input.md says why)
while read -r c w1 w2 w3; do
	send "$c" internet 127.0.0.1 "$w1" --rcpt victim@rcpt.test
	send "$c" partners 127.0.0.2 "$w2" --rcpt victim@rcpt.test
	[ "$c" = big-header ] && BIG_COPY=$COPY
	send "$c" internal 127.0.0.3 "$w3" --rcpt victim@rcpt.test
done <<'EOT'
big-header pass pass signed
many-headers reject:5.3.4 reject:5.3.4 reject:5.3.4
bare-lf pass pass signed
nul-bytes pass pass signed
8bit-headers pass pass signed
nested-100 pass pass reject:5.6.0
open-boundary pass pass reject:5.6.0
bad-base64 pass pass reject:5.6.0
empty pass pass signed
cms-2gib pass tag:permerror signed
cms-len64 pass tag:permerror signed
cms-deep pass tag:permerror signed
cms-oid pass tag:permerror signed
cms-sig pass tag:permerror signed
EOT

# Postfix with a milter attached keeps about 64 KB of the 1 MiB field
# (it delivers all of it without one); gatewarden passes what it gets.
like "$(bench_sink_message "$BIG_COPY" | sed -n '/^X-Big:/,/^[^ ]/p' | tr -cd x | wc -c)" \
    '^[5-9][0-9]{4}$' "big-header: the tens of KB Postfix passes on are delivered"

# 10,000 recipients in one transaction, inbound S/MIME and outbound.
send plain partners 127.0.0.2 pass --rcpts 10000
send plain internal 127.0.0.3 signed --rcpts 10000

# One message of 100 MB (Postfix's message_size_limit here is 100 MiB),
# its body read by gatewarden (inbound S/MIME: spooled to a file, too
# large to look into, delivered untouched) and checked at the sink.
python3 - "$M/huge.eml" <<'EOP' || bail_out "could not write the 100 MB message"
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: mallory@hostile.test\r\nTo: victim@rcpt.test\r\n"
            b"Subject: 100 MB\r\n\r\n")
    line = b"%09d " + b"y" * 66 + b"\r\n"
    n = 0
    while n < 100000000:
        chunk = b"".join(line % i for i in range(n // 78, n // 78 + 10000))
        f.write(chunk)
        n += len(chunk)
EOP
like "$(wc -c <"$M/huge.eml")" '^10[0-9]{7}$' "the big message is over 100 MB"
send huge partners 127.0.0.2 pass --rcpt victim@rcpt.test
rm -f "$M/huge.eml" "$BENCH_WORK/send.eml" "$BENCH_SINK_DIR"/*

like "$(cat "$BENCH_GW_LOG")" "body_bytes=10[0-9]{7} spool=file" \
    "gatewarden spooled the 100 MB body to a file"

sed 's/^/# /' "$BENCH_WORK/results"
bench_postfix_stop
is "$(find "$BENCH_GW_SPOOL" -mindepth 1 | wc -l | tr -d ' ')" 0 \
    "the spool folder is empty at the end"
bench_gatewarden_stop
is "$?" 0 "gatewarden exits 0 on SIGTERM (no sanitizer report)"
done_testing
exit $?
