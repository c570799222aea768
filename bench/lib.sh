# bench/lib.sh - what the benchmarks share, on top of t/lib/bench.sh (the
# private Postfix, the sink, the trap that stops everything).
#
# Source t/lib/tap.sh, t/lib/bench.sh, then this file; call bl_init
# instead of bench_init.
#
#   bl_init              bench_init, plus a trap that also stops every
#                        daemon started with bl_daemon; $BL_BIN (the
#                        build's programs), $BL_BUILD (sanitizers|release)
#   bl_daemon NAME CMD...  runs CMD in the background (time-limited),
#                        output in $BENCH_WORK/NAME.log; stopped at exit
#   bl_wait_socket SPEC  until a milter socket (unix:/path or
#                        inet:PORT@HOST) accepts connections
#   bl_gatewarden NAME SPEC TEMPLATE [PROGRAM]  a gatewarden (PROGRAM, by
#                        default the build's) on socket SPEC with the
#                        configuration TEMPLATE (@WORK@ replaced; the
#                        template must start with "milter:" and must not
#                        set socket, socket_mode, spool_dir or pid_file)
#   bl_milter_spec NAME unix|inet  a socket spec for NAME, and (inet) a
#                        free port
#   bl_stats FILE        reads "KEY VALUE" lines (one per round) and prints
#                        "KEY median min max spread_pct n" per key, keys
#                        in first-seen order; spread_pct = (max-min)/median
#   bl_machine           one "machine ..." line: CPU, cores, memory, kernel,
#                        load average, Postfix and OpenSSL versions, build
#   bl_rss_kb PID        the resident set size of PID in KiB (VmRSS)
#   bl_hwm_kb PID        its peak (VmHWM); bl_hwm_reset PID resets the peak
#
# Every figure line a bench prints starts with the bench's name and is
# made of KEY=VALUE fields only, so that tools can read it; comments start
# with "# ".

BL_PIDS=

bl_init()
{
	bench_init
	trap 'bl_cleanup' EXIT
	BL_BIN=$top_builddir
	if ldd "$BL_BIN/milter/gatewarden" 2>/dev/null | grep -q libasan; then
		BL_BUILD=sanitizers
		diag "this build has ASan/UBSan: figures are slower than a"
		diag "release build and memory figures are the sanitizer's"
	else
		BL_BUILD=release
	fi
}

bl_cleanup()
{
	_st=$?
	for _p in $BL_PIDS; do
		kill -TERM "$_p" 2>/dev/null
	done
	for _p in $BL_PIDS; do
		_bench_stop_pid "$_p" 20
	done
	BL_PIDS=
	(exit "$_st")
	bench_cleanup
}

bl_daemon()
{
	_n=$1
	shift
	timeout 7200 "$@" >>"$BENCH_WORK/$_n.log" 2>&1 &
	BL_PIDS="$BL_PIDS $!"
	BL_LAST_PID=$!
}

_bl_socket_up()
{
	case $1 in
	unix:*) [ -S "${1#unix:}" ] ;;
	inet:*) _p=${1#inet:}; bench_listening "${_p%@*}" ;;
	esac
}

bl_wait_socket()
{
	bench_wait_for "${2:-$BENCH_TIMEOUT}" _bl_socket_up "$1"
}

bl_milter_spec()
{
	case $2 in
	unix) echo "unix:$BENCH_WORK/$1.sock" ;;
	inet) echo "inet:$(bench_free_port)@127.0.0.1" ;;
	esac
}

bl_gatewarden()
{
	_name=$1 _spec=$2 _tmpl=$3
	mkdir -p "$BENCH_WORK/$_name.spool"
	{
		sed -n '1p' "$_tmpl"
		printf '  socket: "%s"\n  socket_mode: "0666"\n' "$_spec"
		printf '  spool_dir: "%s"\n' "$BENCH_WORK/$_name.spool"
		printf '  pid_file: "%s"\n' "$BENCH_WORK/$_name.pid"
		sed -n '2,$p' "$_tmpl"
	} | sed -e "s|@WORK@|$BENCH_WORK|g" >"$BENCH_WORK/$_name.yaml"
	bl_daemon "$_name" ${BL_GW_WRAPPER:-} "${4:-$BL_BIN/milter/gatewarden}" -f \
	    -c "$BENCH_WORK/$_name.yaml"
	if ! bl_wait_socket "$_spec"; then
		diag "gatewarden $_name did not open $_spec"
		diag_file "$BENCH_WORK/$_name.log" 20
		return 1
	fi
}

bl_stats()
{
	awk '
	{
		if (!($1 in n)) order[++nk] = $1
		v[$1, ++n[$1]] = $2
	}
	END {
		for (k = 1; k <= nk; k++) {
			key = order[k]; m = n[key]
			for (i = 1; i <= m; i++) a[i] = v[key, i]
			# insertion sort: a handful of rounds
			for (i = 2; i <= m; i++) {
				x = a[i]
				for (j = i - 1; j >= 1 && a[j] > x; j--)
					a[j + 1] = a[j]
				a[j + 1] = x
			}
			med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
			sp = med != 0 ? 100 * (a[m] - a[1]) / med : 0
			printf "%s %.4g %.4g %.4g %.1f %d\n", key, med, a[1], a[m], sp, m
		}
	}' "$1"
}

bl_machine()
{
	_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_')
	_mem=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
	_pf=$(postconf -d mail_version 2>/dev/null | sed 's/.*= //')
	_ossl=$(openssl version | awk '{ print $2 }')
	_load=$(cut -d' ' -f1 /proc/loadavg)
	echo "machine cpu=$_cpu cores=$(nproc) mem_gib=$_mem" \
	    "kernel=$(uname -r) load1=$_load postfix=$_pf openssl=$_ossl" \
	    "build=$BL_BUILD"
}

bl_rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

bl_hwm_kb()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

bl_hwm_reset()
{
	echo 5 >"/proc/$1/clear_refs"
}
