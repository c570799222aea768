#!/bin/sh
# milter-bench.sh - what a milter costs Postfix, side by side in one run:
# smtp-load -> a private Postfix 3.7 -> smtp-sink, with
#   none        no milter
#   every       bench/accept-milter every: called at every stage
#   lean        bench/accept-milter lean: every stage negotiated away
#   gw-policy   gatewarden, policy only: three sender groups, the TLS
#               policy, header hygiene, the TLS header
#   gw-nomatch  the same plus an S/MIME sending rule no message matches
#   gw-sign     the same plus a rule that signs every message (RSA-2048)
# each milter on a unix and on an inet (127.0.0.1) socket. Every case has
# its own smtpd listener (-o smtpd_milters=...), so one Postfix serves
# them all and a round runs every case once, in an order that rotates
# from round to round; Postfix's queue is drained between cases.
#
#   milter-bench.sh [-q] [-r ROUNDS] [-m MESSAGES] [-s "SESSIONS..."]
#                   [-z "BYTES..."] [-k "unix inet"] [-c "CASES..."]
#                   [-B BUILD]
#
# -B BUILD adds the cases before-policy, before-nomatch and before-sign:
# the same configurations served by the gatewarden of another build
# folder (an earlier version), so that a change is measured against what
# it replaces in the same run (BENCHMARKS.md's before/after figures).
#
# Defaults: 5 rounds of 2000 messages, sessions "10 50", sizes
# "10240 102400", sockets "unix inet", every case. -q (quick): 3 rounds
# of 300 messages, 10 sessions, 10 KB. One smtp-load connection per
# message, as smtp-source does.
#
# Prints, per sessions x size x socket x case:
#   milter sessions=S size=B socket=K case=C rounds=N msgs_per_s=MED
#     min=X max=Y spread_pct=P p50_ms=MED p99_ms=MED milter_cpu_ms=MED
#     ratio_none=R ratio_lean=R ratio_unix=R [ratio_before=R]
# where milter_cpu_ms is the CPU time the milter process used per
# message (user + system, from clock ticks over the round) and each
# ratio the median over rounds of this case's msgs/s over that of no
# milter (ratio_none), of the lean milter on the same socket kind
# (ratio_lean), of the same case on the unix socket (ratio_unix) and
# (with -B) of the before- case of a gw- case (ratio_before), each pair
# measured in the same round. Round lines ("milter-round ...")
# come first. Needs root (the private Postfix).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/bench/lib.sh"

ROUNDS=5 MSGS=2000 SESSIONS="10 50" SIZES="10240 102400" SOCKETS="unix inet"
CASES="none every lean gw-policy gw-nomatch gw-sign"
BEFORE=
while getopts qr:m:s:z:k:c:B: o; do
	case $o in
	q) ROUNDS=3 MSGS=300 SESSIONS=10 SIZES=10240 ;;
	r) ROUNDS=$OPTARG ;;
	m) MSGS=$OPTARG ;;
	s) SESSIONS=$OPTARG ;;
	z) SIZES=$OPTARG ;;
	k) SOCKETS=$OPTARG ;;
	c) CASES=$OPTARG ;;
	B) BEFORE=$OPTARG ;;
	*) echo "usage: milter-bench.sh [-q] [-r N] [-m N] [-s S] [-z B] [-k K] [-c C]" >&2
	   exit 2 ;;
	esac
done

if [ -n "$BEFORE" ]; then
	[ -x "$BEFORE/milter/gatewarden" ] || { echo "milter-bench: no $BEFORE/milter/gatewarden" >&2; exit 2; }
	case " $CASES " in
	*" before-"*) ;;
	*) for c in $CASES; do
		case $c in gw-*) CASES="$CASES before-${c#gw-}" ;; esac
	   done ;;
	esac
fi
bl_init
bl_machine
LOAD=$BL_BIN/bench/smtp-load
KEYS=$BL_BIN/smime/gatewarden-keys
ACCEPT=$BL_BIN/bench/accept-milter

# ---- configurations -------------------------------------------------

W=$BENCH_WORK
cat >"$W/policy.in" <<'EOF'
milter:
  authserv_id: mx.bench.gatewarden.test
  tls_header: true
  memory_limit_per_message: 8MiB
log:
  level: info
sender_groups:
  - name: partners
    match:
      client_ip: [192.0.2.0/24]
      client_hostname: [.partner.test]
    direction: inbound
    tls: required
    client_cert: required
    min_tls_version: TLSv1.2
    on_failure: reject
  - name: internal
    match:
      client_ip: [127.0.0.0/8]
    direction: outbound
    tls: preferred
  - name: internet
    match: any
    direction: inbound
    tls: preferred
destinations:
  default: { dane: none }
EOF
smime_section() {	# smime_section RECIPIENT-DOMAIN
	cat <<EOF
smime:
  keystore: @WORK@/keystore.db
  private_dir: @WORK@/private
  certificates:
    - { name: org, certificate: @WORK@/private/org.crt, key: @WORK@/private/org.key }
  sending_profiles:
    - name: sign
      mode: sign
      signing_certificate: org
      sign_mode: detached
  sending_rules:
    - name: bench
      match:
        recipient_domain: [$1]
      profile: sign
EOF
}
{ cat "$W/policy.in"; smime_section partner.test; } >"$W/nomatch.in"
{ cat "$W/policy.in"; smime_section sink.bench.gatewarden.test; } >"$W/sign.in"
mkdir -p "$W/private" && chmod 0700 "$W/private"
"$KEYS" --private-dir "$W/private" --keystore "$W/keystore.db" create-cert org \
    --smime --cn "Bench Org" --email gateway@load.bench.gatewarden.test \
    --days 30 >/dev/null || bail_out "gatewarden-keys create-cert failed"

# ---- the milters and their listeners ----------------------------------

PORTS=
add_case() {	# add_case CASE SOCKET SPEC
	_port=$(bench_free_port)
	eval "PORT_$(echo "$1_$2" | tr - _)=$_port"
	bench_postfix_master "127.0.0.1:$_port/inet=127.0.0.1:$_port inet n - n - - smtpd -o smtpd_milters=$3" ||
	    bail_out "postconf -M failed"
	PORTS="$PORTS $_port"
}
port_of() {
	eval "echo \$PORT_$(echo "$1_$2" | tr - _)"
}

SINK_PORT=$(bench_free_port)
(cd "$W" && exec timeout 7200 smtp-sink -4 -u nobody -h sink.bench.gatewarden.test \
    "127.0.0.1:$SINK_PORT" 256) >>"$W/sink.log" 2>&1 &
BENCH_SINK_PID=$! BENCH_SINK_PORT=$SINK_PORT
bench_wait_listen "$SINK_PORT" || bail_out "smtp-sink did not start"

for c in $CASES; do
	if [ "$c" = none ]; then
		add_case none unix ""
		continue
	fi
	for k in $SOCKETS; do
		spec=$(bl_milter_spec "$c-$k" "$k")
		case $c in
		every|lean)
			bl_daemon "$c-$k" "$ACCEPT" "$c" "$spec"
			bl_wait_socket "$spec" || bail_out "accept-milter $c did not start" ;;
		gw-policy) bl_gatewarden "$c-$k" "$spec" "$W/policy.in" || bail_out "gatewarden" ;;
		gw-nomatch) bl_gatewarden "$c-$k" "$spec" "$W/nomatch.in" || bail_out "gatewarden" ;;
		gw-sign) bl_gatewarden "$c-$k" "$spec" "$W/sign.in" || bail_out "gatewarden" ;;
		before-*) bl_gatewarden "$c-$k" "$spec" "$W/${c#before-}.in" \
		    "$BEFORE/milter/gatewarden" || bail_out "gatewarden (before)" ;;
		esac
		# Postfix writes inet:HOST:PORT where libmilter writes PORT@HOST.
		case $spec in
		inet:*) _p=${spec#inet:}; spec="inet:127.0.0.1:${_p%@*}" ;;
		esac
		add_case "$c" "$k" "$spec"
		eval "MPID_$(echo "$c"_"$k" | tr - _)=$(pgrep -P "$BL_LAST_PID" | head -n 1)"
	done
done
bench_postfix_conf "smtpd_milters =" "non_smtpd_milters =" \
    "default_process_limit = 200" "smtpd_client_connection_count_limit = 0" \
    "smtpd_client_connection_rate_limit = 0" \
    "smtpd_client_message_rate_limit = 0" "anvil_rate_time_unit = 60s" \
    >/dev/null || bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"
for p in $PORTS; do
	bench_wait_listen "$p" || bail_out "Postfix does not listen on $p"
done

# ---- the rounds -------------------------------------------------------

# The list of (case, socket) pairs; none once.
PAIRS=
for c in $CASES; do
	if [ "$c" = none ]; then
		PAIRS="$PAIRS none/unix"
	else
		for k in $SOCKETS; do PAIRS="$PAIRS $c/$k"; done
	fi
done
NPAIRS=$(echo $PAIRS | wc -w)

TCK=$(getconf CLK_TCK)
cpu_ticks() {	# user + system clock ticks of process $1 (0 for none)
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
run_one() {	# run_one CASE SOCKET SESSIONS SIZE ROUND
	_port=$(port_of "$1" "$2")
	_mpid=$(eval "echo \${MPID_$(echo "$1"_"$2" | tr - _):-}")
	_t0=$(cpu_ticks "$_mpid")
	_out=$("$LOAD" -s "$3" -m "$MSGS" -z "$4" -w 120 "127.0.0.1:$_port" 2>"$W/load.err")
	_st=$?
	_t1=$(cpu_ticks "$_mpid")
	_out="$_out milter_cpu_ms=$(awk -v t="$((_t1 - _t0))" -v h="$TCK" -v n="$MSGS" 'BEGIN { printf "%.3f", t * 1000 / h / n }')"
	if [ "$_st" != 0 ]; then
		diag "smtp-load failed for $1/$2: $(cat "$W/load.err")"
		TAP_FAILED=1
	fi
	echo "milter-round sessions=$3 size=$4 socket=$2 case=$1 round=$5 $_out" |
	    tee -a "$W/rounds"
	bench_wait_queue_empty 300 >/dev/null ||
	    diag "the queue did not drain after $1/$2"
}

for S in $SESSIONS; do
	for Z in $SIZES; do
		: >"$W/rounds"
		r=1
		while [ "$r" -le "$ROUNDS" ]; do
			# rotate: round r starts at pair (r-1) mod NPAIRS
			set -- $PAIRS
			i=1 start=$(( (r - 1) % NPAIRS ))
			while [ "$i" -le "$start" ]; do
				_first=$1; shift; set -- "$@" "$_first"; i=$((i + 1))
			done
			for pair in "$@"; do
				run_one "${pair%/*}" "${pair#*/}" "$S" "$Z" "$r"
			done
			r=$((r + 1))
		done
		# Per-round figures and paired ratios, then their statistics.
		awk '
		{
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			key = f["case"] "/" f["socket"]
			rate[key, f["round"]] = f["msgs_per_s"]
			p50[key, f["round"]] = f["p50_ms"]
			p99[key, f["round"]] = f["p99_ms"]
			cpu[key, f["round"]] = f["milter_cpu_ms"]
			keys[key] = 1; rounds[f["round"]] = 1
		}
		END {
			for (key in keys) for (r in rounds) {
				if (!((key, r) in rate)) continue
				split(key, cs, "/")
				print key "|rate", rate[key, r]
				print key "|p50", p50[key, r]
				print key "|p99", p99[key, r]
				print key "|cpu", cpu[key, r]
				if (("none/unix", r) in rate && rate["none/unix", r] > 0)
					print key "|ratio_none", rate[key, r] / rate["none/unix", r]
				if (("lean/" cs[2], r) in rate && rate["lean/" cs[2], r] > 0)
					print key "|ratio_lean", rate[key, r] / rate["lean/" cs[2], r]
				if ((cs[1] "/unix", r) in rate && rate[cs[1] "/unix", r] > 0)
					print key "|ratio_unix", rate[key, r] / rate[cs[1] "/unix", r]
				b = cs[1]; sub(/^gw-/, "before-", b); b = b "/" cs[2]
				if (b != key && (b, r) in rate && rate[b, r] > 0)
					print key "|ratio_before", rate[key, r] / rate[b, r]
			}
		}' "$W/rounds" | sort >"$W/values"
		bl_stats "$W/values" >"$W/stats"
		for pair in $PAIRS; do
			awk -v pair="$pair" -v S="$S" -v Z="$Z" '
			{ split($1, kp, "|"); if (kp[1] != pair) next
			  med[kp[2]] = $2; mn[kp[2]] = $3; mx[kp[2]] = $4
			  sp[kp[2]] = $5; n[kp[2]] = $6 }
			END {
				split(pair, cs, "/")
				printf "milter sessions=%s size=%s socket=%s case=%s rounds=%d", \
				    S, Z, cs[2], cs[1], n["rate"]
				printf " msgs_per_s=%.1f min=%.1f max=%.1f spread_pct=%.1f", \
				    med["rate"], mn["rate"], mx["rate"], sp["rate"]
				printf " p50_ms=%.2f p99_ms=%.2f milter_cpu_ms=%.3f", med["p50"], med["p99"], med["cpu"]
				printf " ratio_none=%s ratio_lean=%s ratio_unix=%s", \
				    ("ratio_none" in med) ? sprintf("%.3f", med["ratio_none"]) : "-", \
				    ("ratio_lean" in med) ? sprintf("%.3f", med["ratio_lean"]) : "-", \
				    ("ratio_unix" in med) ? sprintf("%.3f", med["ratio_unix"]) : "-"
				if ("ratio_before" in med)
					printf " ratio_before=%.3f", med["ratio_before"]
				printf "\n"
			}' "$W/stats"
		done
	done
done
[ "${TAP_FAILED:-0}" = 0 ]
