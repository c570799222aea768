# bench.sh - the end-to-end test bench: a private Postfix on loopback, an
# smtp-sink as its next hop, gatewarden as its milter, swaks as the client.
#
# Source t/lib/tap.sh, then this file, then call bench_init. Everything
# lives in one `mktemp -d` work folder ($BENCH_WORK) and every process the
# bench starts is stopped by an EXIT/INT/TERM/HUP trap within bounded time
# (about 25 s at worst), whether the test passes, fails or is interrupted.
# Set BENCH_KEEP=1 to keep the work folder for a post-mortem. The bench
# needs root (postfix -c DIR start without alternate_config_directories in
# /etc/postfix/main.cf, which it never touches and which may not exist).
#
# Every wait is bounded: BENCH_TIMEOUT seconds (default 30) unless the
# function takes its own.  Every function returns 0 on success and
# non-zero on failure, printing the reason as a TAP diagnostic; a failure
# is never fatal by itself, so the test decides (usually `|| bail_out`).
#
# Set-up and life cycle
#   bench_init            work folder (0755), trap, $BENCH_WORK
#   bench_free_port       prints a free TCP port on 127.0.0.1
#   bench_wait_listen PORT [TIMEOUT]   until something listens on PORT
#   bench_cleanup         stops everything (the trap calls it; idempotent)
#   bench_diag_logs [LINES]  maillog, gatewarden log, sink log as TAP
#                         diagnostics; the trap calls it when a test failed
#
# The sink ($BENCH_SINK_PORT, $BENCH_SINK_DIR)
#   bench_sink_start [--tls PEMBASE [ARGS...]]  smtp-sink on 127.0.0.1, one
#                         file per message in $BENCH_SINK_DIR (smtp-sink -d).
#                         smtp-sink has no TLS: with --tls the sink is
#                         $BENCH_TLS_SINK (default t/lib/tls_sink.py), which
#                         offers STARTTLS with PEMBASE.pem/PEMBASE.key, writes
#                         the same dump format plus X-TLS-Protocol,
#                         X-TLS-Cipher (and X-TLS-Client-Subject) records,
#                         and takes ARGS (--require-tls, --client-ca FILE).
#   bench_sink_files      prints the dump files, oldest first
#   bench_sink_count      number of messages received
#   bench_sink_message FILE   the message as received (header and body),
#                         without smtp-sink's own X-* and Received lines;
#                         lines end in LF (smtp-sink strips the CR)
#   bench_sink_envelope FILE  "MAIL <args>" and "RCPT <args>" lines
#   bench_drop_received [N]  filter: drops the first N (default 1) leading
#                         Received: headers (the MTA's own trace) from a
#                         message on stdin
#   bench_sink_stop       stops the sink
#   bench_sink_restart    stops smtp-sink (SIGTERM: at once, mid-message
#                         too) and starts it again on the same port and
#                         folder, so that the MTA's next hop stays
#   bench_wait_delivered N [TIMEOUT]  until N messages are in the sink (and,
#                         when Postfix runs, N "status=sent" in its log)
#
# The private Postfix ($BENCH_PF_CONF, $BENCH_PF_QUEUE, $BENCH_PF_PORT,
# $BENCH_MAILLOG)
#   bench_postfix_conf KEY=VALUE...   main.cf settings (postconf -e); before
#                         or after start (then bench_postfix_reload)
#   bench_postfix_master ENTRY...     master.cf settings (postconf -M, e.g.
#                         'submission/inet=127.0.0.1:2587 inet n - n - - smtpd')
#   bench_postfix_start [MILTER]      start it (postfix start-fg, so master
#                         stays our child and is reaped); MILTER (unix:/path) goes
#                         into smtpd_milters and non_smtpd_milters; with no
#                         argument and gatewarden started by the bench, its
#                         socket; milter_default_action defaults to tempfail
#   bench_postfix_reload, bench_postfix_flush, bench_postfix_stop
#   bench_wait_queue_empty [TIMEOUT]  until no message is queued
#   bench_queue_count     messages in incoming, active, deferred, hold
#
# gatewarden ($BENCH_GW_CONF, $BENCH_GW_SOCK, $BENCH_GW_LOG, $BENCH_GW_SPOOL)
#   bench_gatewarden_start TEMPLATE   write $BENCH_GW_CONF from TEMPLATE
#                         and start `gatewarden -f -c` on it, wait for the
#                         socket. The bench owns milter.socket (unix:
#                         $BENCH_WORK/gatewarden.sock, mode 0666), spool_dir,
#                         pid_file and leaves user: unset; the template must
#                         not set those. When the template has a top-level
#                         `milter:` section (two-space indentation), the
#                         bench's keys are inserted at its top, otherwise a
#                         milter: section is prepended. @WORK@, @top_srcdir@
#                         and @top_builddir@ are replaced everywhere.
#                         BENCH_GW_WRAPPER, when set, is put in front of
#                         the command. GW_VALGRIND=1 makes it valgrind's
#                         memcheck (every error and every definite or
#                         indirect leak fails the exit status, which
#                         bench_gatewarden_stop returns), one log per
#                         process in $GW_VALGRIND_DIR (default
#                         $top_builddir/valgrind); `make valgrind-check`.
#   bench_gatewarden_reload           SIGUSR1 to the daemon (its pid file)
#   bench_gatewarden_stop             SIGTERM, wait (up to 20 s; libmilter
#                         takes about 5 s to leave smfi_main), return its
#                         exit status (non-zero when a sanitizer found
#                         something: assert it is 0)
#
# The client
#   bench_swaks ARGS...   swaks --server 127.0.0.1:$BENCH_PF_PORT ARGS with
#                         a time limit (BENCH_SWAKS_TIMEOUT, default 120 s);
#                         transcript in $BENCH_SWAKS_LOG; returns swaks'
#                         status. swaks ends the data with CRLF "." CRLF, so a
#                         --data file that ends in CRLF gains an empty line:
#                         write it without its last CRLF. Use --suppress-data
#                         for big messages.
#   bench_swaks_reply PHASE [LOG]  final reply code of PHASE in the last
#                         (or given) transcript: CONNECT, EHLO, HELO,
#                         STARTTLS, AUTH, MAIL, RCPT (the last one), DATA
#                         (the 354), DOT (end of data), QUIT; empty when the
#                         phase was not reached
#
# Recording (BENCH_RECORD=FILE, the fixtures of t/report/)
#   With BENCH_RECORD set, gatewarden's lines join Postfix's mail log as a
#   syslog daemon would interleave them: while Postfix runs, each line of
#   $BENCH_GW_LOG is handed to postlog(1), which postlogd writes into
#   $BENCH_MAILLOG with its time stamp; at the end the mail log is copied
#   to FILE. Lines gatewarden writes while Postfix is down are not there.

BENCH_TIMEOUT=${BENCH_TIMEOUT:-30}
BENCH_WORK=
BENCH_SINK_PID=
BENCH_SINK_PORT=
BENCH_SINK_DIR=
BENCH_PF_PID=
BENCH_PF_PORT=
BENCH_PF_CONF=
BENCH_PF_QUEUE=
BENCH_PF_PREPARED=
BENCH_MAILLOG=
BENCH_GW_PID=
BENCH_GW_CONF=
BENCH_GW_SOCK=
BENCH_GW_LOG=
BENCH_GW_SPOOL=
BENCH_GW_PIDFILE=
BENCH_SWAKS_LOG=
BENCH_SWAKS_N=0
BENCH_CLEANED=
BENCH_RELAY_PID=
BENCH_RELAY_FROM=1

# ---- set-up ----------------------------------------------------------

bench_init()
{
	[ "$(id -u)" = 0 ] || skip_all "the Postfix bench needs root"
	: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
	: "${top_builddir:?top_builddir must be set (make check sets it)}"
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	for _p in postfix postconf postqueue smtp-sink swaks python3 ss timeout; do
		command -v "$_p" >/dev/null 2>&1 ||
		    skip_all "$_p not installed (tools/install-deps)"
	done
	BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-bench.XXXXXXXX") ||
	    bail_out "mktemp -d failed"
	# The Postfix master refuses to start under a folder others cannot
	# search, and mktemp makes it 0700.
	chmod 0755 "$BENCH_WORK"
	trap 'bench_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	# A reader that went away (`| head`) must not leave servers behind.
	trap 'exit 141' PIPE
}

bench_free_port()
{
	python3 "$top_srcdir/t/lib/freeport.py"
}

# Is something listening on 127.0.0.1:PORT? Asks the kernel, so that no
# test connection shows up in the servers' logs.
bench_listening()
{
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q "127.0.0.1:$1\|\*:$1\|0.0.0.0:$1"
}

# bench_wait_for TIMEOUT COMMAND...: polls COMMAND every 0.1 s.
bench_wait_for()
{
	_bw_end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$_bw_end" ] && return 1
		sleep 0.1
	done
	return 0
}

bench_wait_listen()
{
	bench_wait_for "${2:-$BENCH_TIMEOUT}" bench_listening "$1"
}

_bench_alive()
{
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

_bench_dead()
{
	! _bench_alive "$1"
}

# _bench_stop_pid PID SECONDS: TERM, wait up to SECONDS, then KILL.
# Returns the exit status when PID is a child of this shell.
_bench_stop_pid()
{
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	if ! bench_wait_for "$2" _bench_dead "$1"; then
		diag "pid $1 did not stop within $2 s: killing it"
		# A `timeout` wrapper would not pass SIGKILL on: its child
		# goes first.
		for _c in $(pgrep -P "$1"); do
			kill -KILL "$_c" 2>/dev/null
		done
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

bench_diag_logs()
{
	_n=${1:-80}
	[ -n "$BENCH_MAILLOG" ] && [ -e "$BENCH_MAILLOG" ] &&
	    diag_file "$BENCH_MAILLOG" "$_n"
	[ -n "$BENCH_WORK" ] && [ -s "$BENCH_WORK/postfix-fg.log" ] &&
	    diag_file "$BENCH_WORK/postfix-fg.log" "$_n"
	[ -n "$BENCH_GW_LOG" ] && [ -e "$BENCH_GW_LOG" ] &&
	    diag_file "$BENCH_GW_LOG" "$_n"
	[ -n "$BENCH_WORK" ] && [ -s "$BENCH_WORK/sink.log" ] &&
	    diag_file "$BENCH_WORK/sink.log" "$_n"
	return 0
}

bench_cleanup()
{
	_status=$?
	[ -n "$BENCH_CLEANED" ] && return 0
	BENCH_CLEANED=1
	trap - EXIT INT TERM HUP
	# Diagnostics to a closed pipe must not stop the cleaning.
	trap '' PIPE
	if [ "$_status" != 0 ] || [ "${TAP_FAILED:-0}" != 0 ]; then
		bench_diag_logs 60
	fi
	# Signal everything first so that the stops below overlap.
	[ -n "$BENCH_GW_PID" ] && kill -TERM "$BENCH_GW_PID" 2>/dev/null
	[ -n "$BENCH_SINK_PID" ] && kill -TERM "$BENCH_SINK_PID" 2>/dev/null
	bench_postfix_stop
	if [ -n "${BENCH_RECORD:-}" ] && [ -s "$BENCH_MAILLOG" ]; then
		cp "$BENCH_MAILLOG" "$BENCH_RECORD" &&
		    diag "BENCH_RECORD: mail log copied to $BENCH_RECORD"
	fi
	[ -n "$BENCH_GW_PID" ] && bench_gatewarden_stop
	bench_sink_stop
	if [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ]; then
		if [ -n "${BENCH_KEEP:-}" ]; then
			diag "BENCH_KEEP: work folder kept in $BENCH_WORK"
		else
			rm -rf "$BENCH_WORK"
		fi
	fi
	exit "$_status"
}

# ---- the sink --------------------------------------------------------

bench_sink_start()
{
	_tls=
	if [ "${1:-}" = --tls ]; then
		_tls=$2
		shift 2
		if [ ! -r "$_tls.pem" ] || [ ! -r "$_tls.key" ]; then
			diag "bench_sink_start --tls: no $_tls.pem and $_tls.key"
			return 1
		fi
	fi
	BENCH_SINK_DIR=$BENCH_WORK/sink
	mkdir -p "$BENCH_SINK_DIR"
	# smtp-sink must drop root (-u) and then write the dumps.
	chown nobody "$BENCH_SINK_DIR"
	for _try in 1 2 3 4 5; do
		BENCH_SINK_PORT=$(bench_free_port) || return 1
		if [ -n "$_tls" ]; then
			# shellcheck disable=SC2086
			${BENCH_TLS_SINK:-python3 $top_srcdir/t/lib/tls_sink.py} \
			    --port "$BENCH_SINK_PORT" --dump-dir "$BENCH_SINK_DIR" \
			    --tls "$_tls" "$@" >>"$BENCH_WORK/sink.log" 2>&1 &
		else
			# -d: one file per transaction, named by the time
			# with a random suffix that keeps names distinct.
			(cd "$BENCH_WORK" && exec timeout 900 smtp-sink -4 \
			    -u nobody -h sink.gatewarden.test \
			    -d "$BENCH_SINK_DIR/%Y%m%d%H%M%S." \
			    "127.0.0.1:$BENCH_SINK_PORT" 64) \
			    >>"$BENCH_WORK/sink.log" 2>&1 &
		fi
		BENCH_SINK_PID=$!
		if bench_wait_for 10 _bench_sink_up; then
			return 0
		fi
		# Lost a race for the port, or worse: try another one.
		_bench_stop_pid "$BENCH_SINK_PID" 2
		BENCH_SINK_PID=
	done
	diag "bench_sink_start: smtp-sink did not start"
	diag_file "$BENCH_WORK/sink.log" 20
	return 1
}

_bench_sink_up()
{
	_bench_alive "$BENCH_SINK_PID" || return 0	# stop waiting: it died
	bench_listening "$BENCH_SINK_PORT"
}

bench_sink_files()
{
	# Names start with the time of arrival; ls -tr breaks ties badly,
	# so sort on modification time with sub-second precision.
	find "$BENCH_SINK_DIR" -type f ! -name '.*' -printf '%T@ %p\n' 2>/dev/null |
	    sort -n | cut -d' ' -f2-
}

bench_sink_count()
{
	bench_sink_files | wc -l | tr -d ' '
}

# The dump is: smtp-sink's X-* records, its three-line Received header,
# the message, one empty line.
bench_sink_message()
{
	awk '
	BEGIN { state = "x" }
	state == "x" && /^X-[A-Za-z-]+: / { next }
	state == "x" && /^Received: / { state = "rcvd"; next }
	state == "rcvd" && /^[ \t]/ { next }
	state == "rcvd" || state == "x" { state = "msg" }
	{ if (held) print prev; prev = $0; held = 1 }
	END { if (held && prev != "") print prev }
	' "$1"
}

bench_drop_received()
{
	awk -v n="${1:-1}" '
	done { print; next }
	dropping && /^[ \t]/ { next }
	{ dropping = 0 }
	n > 0 && /^Received:/ { dropping = 1; n--; next }
	{ done = 1; print }
	'
}

bench_sink_restart()
{
	bench_sink_stop
	(cd "$BENCH_WORK" && exec timeout 900 smtp-sink -4 \
	    -u nobody -h sink.gatewarden.test \
	    -d "$BENCH_SINK_DIR/%Y%m%d%H%M%S." \
	    "127.0.0.1:$BENCH_SINK_PORT" 64) \
	    >>"$BENCH_WORK/sink.log" 2>&1 &
	BENCH_SINK_PID=$!
	bench_wait_for 10 _bench_sink_up && _bench_alive "$BENCH_SINK_PID" ||
	    { diag "bench_sink_restart: smtp-sink did not start again"; return 1; }
}

bench_sink_stop()
{
	[ -n "$BENCH_SINK_PID" ] || return 0
	_bench_stop_pid "$BENCH_SINK_PID" 5
	BENCH_SINK_PID=
}

bench_sink_envelope()
{
	sed -n -e 's/^X-Mail-Args: /MAIL /p' -e 's/^X-Rcpt-Args: /RCPT /p' \
	    -e '/^Received: /q' "$1"
}

_bench_delivered()
{
	[ "$(bench_sink_count)" -ge "$1" ] || return 1
	[ -z "$BENCH_PF_PID" ] && return 0
	# The sink writes the file as the data arrive: wait for Postfix to
	# log the sink's final 250, which comes after the last byte.
	[ "$(grep -c "relay=127.0.0.1\[127.0.0.1\]:$BENCH_SINK_PORT,.* status=sent" \
	    "$BENCH_MAILLOG" 2>/dev/null)" -ge "$1" ]
}

bench_wait_delivered()
{
	if ! bench_wait_for "${2:-$BENCH_TIMEOUT}" _bench_delivered "$1"; then
		diag "bench_wait_delivered: $(bench_sink_count) of $1 messages arrived"
		return 1
	fi
}

# ---- the private Postfix --------------------------------------------

_bench_postfix_prepare()
{
	[ -n "$BENCH_PF_PREPARED" ] && return 0
	_pf=$BENCH_WORK/postfix
	BENCH_PF_CONF=$_pf/etc
	BENCH_PF_QUEUE=$_pf/queue
	BENCH_MAILLOG=$BENCH_WORK/maillog
	mkdir -p "$BENCH_PF_CONF" "$BENCH_PF_QUEUE" "$_pf/data" || return 1
	chown postfix: "$_pf/data" || return 1
	: >"$BENCH_MAILLOG"
	[ -n "$BENCH_PF_PORT" ] || BENCH_PF_PORT=$(bench_free_port) || return 1
	# Under valgrind gatewarden answers its first packets slowly.
	_mct=10s _mcmd=20s
	[ "${GW_VALGRIND:-0}" = 1 ] && _mct=60s _mcmd=120s
	_relay=
	[ -n "$BENCH_SINK_PORT" ] && _relay="[127.0.0.1]:$BENCH_SINK_PORT"
	cat >"$BENCH_PF_CONF/main.cf" <<EOF
# Generated by t/lib/bench.sh: a private Postfix on loopback.
compatibility_level = 3.6
queue_directory = $BENCH_PF_QUEUE
data_directory = $_pf/data
myhostname = mx.bench.gatewarden.test
mydomain = bench.gatewarden.test
myorigin = \$mydomain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = $_relay
# No DNS at all: the next hop is an address, names come from files.
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
# Leave the sender's headers alone: no rewriting, nothing added.
local_header_rewrite_clients =
append_dot_mydomain = no
biff = no
message_size_limit = 104857600
mailbox_size_limit = 0
# Short timers: a deferred message is retried, or visible, within seconds.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
delay_warning_time = 0
# The milter; bench_postfix_start fills the sockets in.
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = $_mct
milter_command_timeout = $_mcmd
milter_content_timeout = 60s
# No syslog daemon here: Postfix logs to a file through postlogd.
maillog_file = $BENCH_MAILLOG
maillog_file_prefixes = $BENCH_WORK
EOF
	cat >"$BENCH_PF_CONF/master.cf" <<EOF
# Generated by t/lib/bench.sh. Nothing is chrooted (chroot = n).
127.0.0.1:$BENCH_PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	BENCH_PF_PREPARED=1
}

bench_postfix_conf()
{
	_bench_postfix_prepare || return 1
	postconf -c "$BENCH_PF_CONF" -e "$@"
}

bench_postfix_master()
{
	_bench_postfix_prepare || return 1
	postconf -c "$BENCH_PF_CONF" -M "$@"
}

_bench_postfix_queue_dirs()
{
	for _d in active bounce corrupt defer deferred flush hold incoming \
	    private saved trace; do
		mkdir -p "$BENCH_PF_QUEUE/$_d" &&
		    chown postfix:root "$BENCH_PF_QUEUE/$_d" &&
		    chmod 0700 "$BENCH_PF_QUEUE/$_d" || return 1
	done
	mkdir -p "$BENCH_PF_QUEUE/maildrop" "$BENCH_PF_QUEUE/public" \
	    "$BENCH_PF_QUEUE/pid" || return 1
	chown postfix:postdrop "$BENCH_PF_QUEUE/maildrop" "$BENCH_PF_QUEUE/public" &&
	    chmod 0730 "$BENCH_PF_QUEUE/maildrop" &&
	    chmod 0710 "$BENCH_PF_QUEUE/public" &&
	    chmod 0755 "$BENCH_PF_QUEUE/pid"
}

_bench_master_pid()
{
	[ -n "$BENCH_PF_QUEUE" ] && [ -r "$BENCH_PF_QUEUE/pid/master.pid" ] &&
	    tr -d ' \n' <"$BENCH_PF_QUEUE/pid/master.pid"
}

_bench_postfix_up()
{
	_bench_alive "$BENCH_PF_PID" || return 0	# stop waiting: it died
	bench_listening "$BENCH_PF_PORT" && [ -n "$(_bench_master_pid)" ]
}

bench_postfix_start()
{
	_bench_postfix_prepare || return 1
	_milter=${1:-}
	[ -z "$_milter" ] && [ -n "$BENCH_GW_SOCK" ] && _milter=unix:$BENCH_GW_SOCK
	if [ -n "$_milter" ]; then
		bench_postfix_conf "smtpd_milters = $_milter" \
		    "non_smtpd_milters = $_milter" || return 1
	fi
	# The sink may have started after main.cf was written.
	if [ -z "$_relay" ] && [ -n "$BENCH_SINK_PORT" ]; then
		_relay="[127.0.0.1]:$BENCH_SINK_PORT"
		bench_postfix_conf "relayhost = $_relay"
	fi
	# The queue folders and their owners as Postfix's postfix-files
	# wants them. Made here, with a quick-start mark, they spare the 2-3 s
	# of postfix-script's check-fatal/check-warn (post-install) at start.
	_bench_postfix_queue_dirs || return 1
	: >"$BENCH_PF_QUEUE/quick-start"
	# start-fg keeps master a child of ours: no daemon left to init,
	# no zombie, and its exit is seen.
	(cd "$BENCH_WORK" && exec postfix -c "$BENCH_PF_CONF" start-fg) \
	    >>"$BENCH_WORK/postfix-fg.log" 2>&1 &
	BENCH_PF_PID=$!
	if ! bench_wait_for "$BENCH_TIMEOUT" _bench_postfix_up ||
	    ! _bench_alive "$BENCH_PF_PID"; then
		diag "bench_postfix_start: Postfix did not start"
		diag_file "$BENCH_WORK/postfix-fg.log" 20
		diag_file "$BENCH_MAILLOG" 30
		bench_postfix_stop
		return 1
	fi
	_bench_relay_start
	return 0
}

# BENCH_RECORD: gatewarden's log, line by line, through postlog(1) into
# the mail log. Its own process group, so that tail, sed and postlog
# stop together.
_bench_relay_start()
{
	[ -n "${BENCH_RECORD:-}" ] && [ -n "$BENCH_GW_LOG" ] || return 0
	[ -z "$BENCH_RELAY_PID" ] || return 0
	setsid sh -c 'tail -n "+$3" -F "$1" 2>/dev/null |
	    sed -u "s/^gatewarden\[[0-9]*\]: //" |
	    postlog -c "$2" -t gatewarden' relay "$BENCH_GW_LOG" \
	    "$BENCH_PF_CONF" "$BENCH_RELAY_FROM" </dev/null >/dev/null 2>&1 &
	BENCH_RELAY_PID=$!
}

# Waits (bounded) until postlogd has every line gatewarden wrote, then
# stops the relay; a restarted Postfix gets the lines after those.
_bench_relay_stop()
{
	[ -n "$BENCH_RELAY_PID" ] || return 0
	_n=$(wc -l <"$BENCH_GW_LOG")
	bench_wait_for 5 _bench_relayed "$_n"
	kill -TERM -- "-$BENCH_RELAY_PID" 2>/dev/null
	wait "$BENCH_RELAY_PID" 2>/dev/null
	BENCH_RELAY_PID=
	BENCH_RELAY_FROM=$((_n + 1))
}

_bench_relayed()
{
	[ "$(grep -c ' gatewarden\[[0-9]*\]: ' "$BENCH_MAILLOG")" -ge "$1" ]
}

bench_postfix_reload()
{
	postfix -c "$BENCH_PF_CONF" reload >>"$BENCH_WORK/postfix-fg.log" 2>&1
}

bench_postfix_flush()
{
	postqueue -c "$BENCH_PF_CONF" -f
}

bench_postfix_stop()
{
	[ -n "$BENCH_PF_PID" ] || return 0
	_bench_relay_stop
	_mp=$(_bench_master_pid)
	if [ -n "$_mp" ] && _bench_alive "$_mp"; then
		kill -TERM "$_mp" 2>/dev/null
		if ! bench_wait_for 10 _bench_dead "$_mp"; then
			diag "Postfix master $_mp did not stop: killing its group"
			/bin/kill -KILL -- "-$_mp" 2>/dev/null
		fi
	fi
	_bench_stop_pid "$BENCH_PF_PID" 5
	# master runs in its own process group (start-fg: setsid); any
	# child still there after master's end goes now.
	if [ -n "$_mp" ] && pgrep -g "$_mp" >/dev/null 2>&1; then
		bench_wait_for 3 _bench_group_gone "$_mp" ||
		    /bin/kill -KILL -- "-$_mp" 2>/dev/null
	fi
	BENCH_PF_PID=
}

_bench_group_gone()
{
	! pgrep -g "$1" >/dev/null 2>&1
}

bench_queue_count()
{
	find "$BENCH_PF_QUEUE/incoming" "$BENCH_PF_QUEUE/active" \
	    "$BENCH_PF_QUEUE/deferred" "$BENCH_PF_QUEUE/hold" \
	    "$BENCH_PF_QUEUE/maildrop" -type f 2>/dev/null | wc -l | tr -d ' '
}

_bench_queue_empty()
{
	[ "$(bench_queue_count)" = 0 ]
}

bench_wait_queue_empty()
{
	if ! bench_wait_for "${1:-$BENCH_TIMEOUT}" _bench_queue_empty; then
		diag "bench_wait_queue_empty: $(bench_queue_count) messages still queued"
		return 1
	fi
}

# ---- gatewarden -------------------------------------------------------

bench_gatewarden_start()
{
	_tmpl=$1
	BENCH_GW_CONF=$BENCH_WORK/gatewarden.yaml
	BENCH_GW_SOCK=$BENCH_WORK/gatewarden.sock
	BENCH_GW_LOG=$BENCH_WORK/gatewarden.log
	BENCH_GW_SPOOL=$BENCH_WORK/gw-spool
	BENCH_GW_PIDFILE=$BENCH_WORK/gatewarden.pid
	_gw=$top_builddir/milter/gatewarden
	if [ ! -x "$_gw" ]; then
		diag "bench_gatewarden_start: $_gw not built"
		return 1
	fi
	if [ ! -r "$_tmpl" ]; then
		diag "bench_gatewarden_start: cannot read template $_tmpl"
		return 1
	fi
	if grep -Eq '^[ ]+(socket|socket_mode|spool_dir|pid_file|user|group):' "$_tmpl"; then
		diag "bench_gatewarden_start: $_tmpl sets a key the bench owns"
		return 1
	fi
	_own="  socket: \"unix:$BENCH_GW_SOCK\"
  socket_mode: \"0666\"
  spool_dir: \"$BENCH_GW_SPOOL\"
  pid_file: \"$BENCH_GW_PIDFILE\""
	{
		grep -q '^milter:' "$_tmpl" || printf 'milter:\n%s\n' "$_own"
		# awk -v would interpret backslashes: the paths go via ENVIRON.
		BENCH_OWN=$_own awk '
		{ print }
		/^milter:[ \t]*(#.*)?$/ { print ENVIRON["BENCH_OWN"] }
		' "$_tmpl"
	} | sed -e "s|@WORK@|$BENCH_WORK|g" -e "s|@top_srcdir@|$top_srcdir|g" \
	    -e "s|@top_builddir@|$top_builddir|g" >"$BENCH_GW_CONF"
	: >"$BENCH_GW_LOG"
	# The time limit is only a safety net should this shell be killed
	# without its trap; timeout passes SIGTERM on and returns the status
	# (no -k: timeout would SIGKILL 5 s after passing our SIGTERM on).
	# BENCH_GW_WRAPPER runs gatewarden under a tool, e.g.
	# "valgrind --leak-check=full --error-exitcode=9".
	_bench_valgrind_wrapper || return 1
	# shellcheck disable=SC2086
	timeout 900 ${BENCH_GW_WRAPPER:-} "$_gw" -f -c "$BENCH_GW_CONF" \
	    >>"$BENCH_GW_LOG" 2>&1 &
	BENCH_GW_PID=$!
	if ! bench_wait_for "$BENCH_TIMEOUT" _bench_gw_up ||
	    ! _bench_alive "$BENCH_GW_PID"; then
		diag "bench_gatewarden_start: no socket $BENCH_GW_SOCK"
		diag_file "$BENCH_GW_CONF"
		diag_file "$BENCH_GW_LOG" 30
		bench_gatewarden_stop
		return 1
	fi
	return 0
}

# GW_VALGRIND=1: memcheck in front of the daemon, unless the test set its
# own wrapper. The exit code 9 is valgrind's, never the daemon's own.
_bench_valgrind_wrapper()
{
	[ "${GW_VALGRIND:-0}" = 1 ] && [ -z "${BENCH_GW_WRAPPER:-}" ] || return 0
	if ! command -v valgrind >/dev/null 2>&1; then
		diag "GW_VALGRIND=1 but valgrind is not installed"
		return 1
	fi
	_vd=${GW_VALGRIND_DIR:-$top_builddir/valgrind}
	mkdir -p "$_vd" || return 1
	_vs=$(basename "$0" .sh)
	BENCH_GW_WRAPPER="valgrind --quiet --error-exitcode=9 \
	    --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --num-callers=30 \
	    --log-file=$_vd/$_vs.%p.log"
	# Everything is slower under valgrind: the start, the drain at stop.
	BENCH_GW_STOP_WAIT=${BENCH_GW_STOP_WAIT:-90}
	[ "$BENCH_TIMEOUT" -ge 90 ] || BENCH_TIMEOUT=90
}

_bench_gw_up()
{
	_bench_alive "$BENCH_GW_PID" || return 0	# stop waiting: it died
	[ -S "$BENCH_GW_SOCK" ]
}

# The daemon's own pid: the pid file, else the child of timeout.
_bench_gw_daemon_pid()
{
	if [ -s "$BENCH_GW_PIDFILE" ]; then
		tr -d ' \n' <"$BENCH_GW_PIDFILE"
	else
		pgrep -P "$BENCH_GW_PID" | head -n 1
	fi
}

bench_gatewarden_reload()
{
	_p=$(_bench_gw_daemon_pid)
	[ -n "$_p" ] && kill -USR1 "$_p"
}

bench_gatewarden_stop()
{
	[ -n "$BENCH_GW_PID" ] || return 0
	_bench_stop_pid "$BENCH_GW_PID" "${BENCH_GW_STOP_WAIT:-20}"
	_st=$?
	BENCH_GW_PID=
	return "$_st"
}

# ---- the client ---------------------------------------------------------

bench_swaks()
{
	BENCH_SWAKS_N=$((BENCH_SWAKS_N + 1))
	BENCH_SWAKS_LOG=$BENCH_WORK/swaks.$BENCH_SWAKS_N.log
	timeout -k 5 "${BENCH_SWAKS_TIMEOUT:-120}" swaks \
	    --server "127.0.0.1:$BENCH_PF_PORT" --timeout 60 \
	    --helo client.bench.gatewarden.test "$@" \
	    >"$BENCH_SWAKS_LOG" 2>&1
}

# swaks marks what it sends with "->" ("~>" inside TLS) and what it reads
# with "<-" ("<~" in TLS, "<**"/"<~*" for errors).
bench_swaks_reply()
{
	awk -v want="$1" '
	function code(line) {
		sub(/^<[-~*]+[ ]+/, "", line)
		return substr(line, 1, 3)
	}
	/^ *[-~]> / {
		line = $0; sub(/^ *[-~]> /, "", line)
		if (phase == "DATA" && sent354) {
			# the message itself; "." ends it (swaks -n prints
			# "N lines sent" instead, and the reply ends it)
			if (line == ".") { phase = "DOT"; sent354 = 0 }
			next
		}
		split(line, w, /[ :]/); cmd = toupper(w[1])
		if (cmd == "MAIL" || cmd == "RCPT" || cmd == "EHLO" ||
		    cmd == "HELO" || cmd == "QUIT" || cmd == "STARTTLS" ||
		    cmd == "AUTH" || cmd == "DATA" || cmd == "RSET")
			phase = cmd
		next
	}
	/^ *[-~]> *$/ { next }
	/^<[-~*]+ *[0-9][0-9][0-9]([ -]|$)/ {
		c = code($0)
		if (phase == "") phase = "CONNECT"
		if (phase == "DATA" && sent354) { phase = "DOT"; sent354 = 0 }
		got[phase] = c
		if (phase == "DATA" && c == "354") sent354 = 1
		next
	}
	END { if (want in got) print got[want] }
	' "${2:-$BENCH_SWAKS_LOG}"
}
