# sendmail.sh - a private Sendmail on loopback for the end-to-end tests,
# beside bench.sh's smtp-sink and gatewarden (bench.sh documents those).
#
# Sendmail cannot be installed beside Postfix (sendmail-bin conflicts with
# it), so it is never installed: the Debian packages sendmail-bin and
# sendmail-cf (with the two libraries sendmail needs that Postfix does
# not, libwrap0 and liblockfile1) are unpacked with `dpkg -x` into the
# work folder and run from there with LD_LIBRARY_PATH. The .debs come from
# $SM_DEB_CACHE (default /var/cache/gatewarden-test/debs, which
# tools/install-deps fills); what is missing there is fetched with
# `apt-get download` (after `apt-get update` if need be).
#
# Sendmail runs in its own UTS and mount namespaces (unshare): its host
# name is mx.sendmail.gatewarden.test (an unqualified host name makes
# sendmail sleep a minute at start), /etc/hosts and /etc/nsswitch.conf are
# the bench's (no DNS at all), and /dev is a private tmpfs whose /dev/log
# is t/lib/syslog_sink.py writing $SM_LOG (there is no syslog daemon, and
# sendmail logs only through syslog). Nothing outside the namespaces
# changes. Without namespaces (unshare fails) the test is skipped.
#
# The sendmail.cf is made with m4 from sendmail-cf's files: it listens on
# 127.0.0.1:$SM_PORT only, relays everything (promiscuous_relay: the
# bench is on loopback) through the relay mailer to [127.0.0.1] on the
# sink's port, keeps its queue, pid and statistics files in $SM_DIR, and
# trusts the sticky bit (DontBlameSendmail=TrustStickyBit: the work folder
# is under /tmp, which sendmail would call an unsafe path for the milter
# socket and the queue otherwise). It runs as root (-bD: in the
# foreground, a child of the test).
# STARTTLS is the test's to add with sendmail_mc: Sendmail offers it only
# when confSERVER_CERT, confSERVER_KEY, confCACERT and confCACERT_PATH are
# all set (it logs "STARTTLS: CACertPath missing" otherwise); CACERT is
# also what client certificates are verified against ({verify}).
#
# Source t/lib/tap.sh, t/lib/bench.sh, then this file; call bench_init,
# then sendmail_init (which replaces the EXIT trap with one that stops
# Sendmail, then calls bench_cleanup).
#
#   sendmail_init         checks the tools, unpacks Sendmail ($SM_ROOT);
#                         skips the test when the .debs cannot be had
#   sendmail_mc LINE...   m4 lines added to sendmail.mc (before MAILER)
#   sendmail_start [MILTER-SOCKET]  writes sendmail.mc from the bench's
#                         state (sink port, gatewarden's socket unless
#                         given, the lines of sendmail_mc), builds
#                         sendmail.cf with m4 and sendmail-cf's files,
#                         starts `sendmail -bD` on 127.0.0.1:$SM_PORT and
#                         waits for it. bench_swaks then talks to it
#                         (BENCH_PF_PORT is set to $SM_PORT).
#   sendmail_cf MILTER-SOCKET  the same sendmail.mc and sendmail.cf,
#                         without starting Sendmail (for -bt tests)
#   sendmail_stop         SIGTERM, bounded wait, then the syslog receiver
#   sendmail_wait_delivered N [TIMEOUT]  until N messages are in the sink
#                         and Sendmail logged N deliveries (stat=Sent)
#   sendmail_cmd ARGS...  the unpacked sendmail with $SM_CF and ARGS, inside
#                         the running daemon's namespaces (nsenter: its host
#                         name, /etc/hosts and /dev/log), bounded in time:
#                         e.g. -qQ -Q releases the quarantine, -q runs the
#                         queue; returns sendmail's status
#   sendmail_quarantine_count  quarantined messages (hf files) in the queue
#   sendmail_queue_count  messages (qf files) in Sendmail's queue
#   sendmail_wait_queue_empty [TIMEOUT]  until that is 0
#   sendmail_diag_log [LINES]  $SM_LOG as TAP diagnostics
#
# Variables: $SM_DIR (Sendmail's folder), $SM_ROOT (the unpacked
# packages), $SM_PORT, $SM_CF, $SM_MC, $SM_QUEUE, $SM_LOG, $SM_PID.
# The configuration follows the README's "Hooking up Sendmail": the
# INPUT_MAIL_FILTER with F=T and the confMILTER_MACROS_* lists.

SM_DEB_CACHE=${SM_DEB_CACHE:-/var/cache/gatewarden-test/debs}
SM_DEBS="sendmail-bin sendmail-cf libwrap0 liblockfile1"
SM_HOSTNAME=mx.sendmail.gatewarden.test
SM_DIR=
SM_ROOT=
SM_PORT=
SM_CF=
SM_MC=
SM_QUEUE=
SM_LOG=
SM_PID=
SM_SYSLOG_PIDFILE=
SM_MC_EXTRA=
SM_LIBDIR=

# The newest .deb of package $1 in the cache, if any.
_sm_deb()
{
	find "$SM_DEB_CACHE" -maxdepth 1 -name "${1}_*.deb" 2>/dev/null |
	    sort -V | tail -n 1
}

_sm_have_debs()
{
	for _p in $SM_DEBS; do
		[ -n "$(_sm_deb "$_p")" ] || return 1
	done
	return 0
}

# Fetches the .debs into the cache through a temporary folder, so that a
# concurrent or interrupted download never leaves half a file there.
_sm_fetch_debs()
{
	mkdir -p "$SM_DEB_CACHE" 2>/dev/null || return 1
	_t=$(mktemp -d "$SM_DEB_CACHE/.dl.XXXXXX") || return 1
	# apt-get download runs as _apt where it can: let it write.
	chmod 0777 "$_t"
	# shellcheck disable=SC2086
	if ! (cd "$_t" && timeout 120 apt-get download -qq $SM_DEBS) \
	    >"$_t/.log" 2>&1; then
		timeout 300 apt-get update -qq >>"$_t/.log" 2>&1
		# shellcheck disable=SC2086
		(cd "$_t" && timeout 120 apt-get download -qq $SM_DEBS) \
		    >>"$_t/.log" 2>&1
	fi
	for _f in "$_t"/*.deb; do
		[ -e "$_f" ] && mv -f "$_f" "$SM_DEB_CACHE/"
	done
	if ! _sm_have_debs; then
		sed 's/^/# apt-get: /' "$_t/.log" | tail -n 5
		rm -rf "$_t"
		return 1
	fi
	rm -rf "$_t"
	return 0
}

sendmail_init()
{
	[ -n "$BENCH_WORK" ] || bail_out "sendmail_init: call bench_init first"
	for _p in dpkg-deb m4 unshare nsenter mount hostname; do
		command -v "$_p" >/dev/null 2>&1 ||
		    skip_all "$_p not installed (tools/install-deps)"
	done
	unshare --uts --mount true 2>/dev/null ||
	    skip_all "no UTS and mount namespaces here (unshare)"
	if ! _sm_have_debs && ! _sm_fetch_debs; then
		skip_all "no sendmail .debs in $SM_DEB_CACHE and apt-get download failed (tools/install-deps fetches them)"
	fi
	SM_DIR=$BENCH_WORK/sendmail
	SM_ROOT=$SM_DIR/root
	SM_QUEUE=$SM_DIR/queue
	SM_LOG=$BENCH_WORK/sendmail.log
	SM_CF=$SM_DIR/sendmail.cf
	SM_MC=$SM_DIR/sendmail.mc
	SM_SYSLOG_PIDFILE=$SM_DIR/syslog.pid
	mkdir -p "$SM_ROOT" "$SM_QUEUE" || return 1
	# Sendmail refuses a queue others can write to.
	chmod 0700 "$SM_QUEUE"
	: >"$SM_LOG"
	for _p in $SM_DEBS; do
		dpkg-deb -x "$(_sm_deb "$_p")" "$SM_ROOT" ||
		    bail_out "dpkg-deb -x $(_sm_deb "$_p") failed"
	done
	# The binary is setgid mail: the loader would ignore LD_LIBRARY_PATH.
	chmod u-s,g-s "$SM_ROOT/usr/libexec/sendmail/sendmail" ||
	    bail_out "no usr/libexec/sendmail/sendmail in sendmail-bin"
	# The multiarch folder of the unpacked libraries (libwrap0's).
	_lib=$(find "$SM_ROOT/usr/lib" -name 'libwrap.so.0' | head -n 1)
	[ -n "$_lib" ] || bail_out "no libwrap.so.0 in the unpacked libwrap0"
	SM_LIBDIR=${_lib%/*}
	trap 'sendmail_cleanup' EXIT
	return 0
}

sendmail_mc()
{
	for _l in "$@"; do
		SM_MC_EXTRA="$SM_MC_EXTRA$_l
"
	done
}

# Writes $SM_MC. m4 quoting: ` opens, ' closes; the here-document keeps
# both, and \$ protects sendmail's own $h from the shell.
_sm_write_mc()
{
	_sock=$1
	cat >"$SM_MC" <<EOF
divert(-1)
# Generated by t/lib/sendmail.sh: a private Sendmail on loopback that
# relays everything to the bench's sink through gatewarden.
divert(0)dnl
VERSIONID(\`gatewarden test bench')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$SM_HOSTNAME')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$SM_QUEUE')dnl
define(\`confPID_FILE', \`$SM_DIR/sendmail.pid')dnl
define(\`STATUS_FILE', \`$SM_DIR/statistics')dnl
define(\`confHELP_FILE', \`')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SM_DIR/service.switch')dnl
define(\`confHOSTS_FILE', \`$SM_DIR/hosts')dnl
dnl The work folder is under /tmp: world writable, but sticky.
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDEF_USER_ID', \`nobody:nogroup')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confMILTER_LOG_LEVEL', \`14')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confTO_INITIAL', \`10s')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confQUEUE_LA', \`100')dnl
define(\`confREFUSE_LA', \`100')dnl
dnl Everything goes to the sink, by address: no MX, no DNS.
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $BENCH_SINK_PORT')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$SM_PORT, Name=MTA')dnl
dnl gatewarden as the README's "Hooking up Sendmail" has it, with short timers.
INPUT_MAIL_FILTER(\`gatewarden', \`S=local:$_sock, F=T, T=S:30s;R:30s;E:1m')dnl
define(\`confMILTER_MACROS_CONNECT', \`j, _, v, {daemon_name}, {daemon_addr}, {daemon_port}, {client_addr}, {client_name}, {client_resolve}')dnl
define(\`confMILTER_MACROS_HELO', \`{tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer}, {verify}, {cn_subject}, {cn_issuer}')dnl
define(\`confMILTER_MACROS_ENVFROM', \`i, {auth_type}, {auth_authen}, {tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer}, {verify}, {cn_subject}, {cn_issuer}')dnl
define(\`confMILTER_MACROS_ENVRCPT', \`i')dnl
define(\`confMILTER_MACROS_EOM', \`i')dnl
${SM_MC_EXTRA}MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
}

# The namespace's set-up, run by `unshare --uts --mount sh`: host name,
# /etc/hosts, /etc/nsswitch.conf, a private /dev with the syslog
# receiver on /dev/log, then exec sendmail (so that its pid is ours).
_sm_write_runner()
{
	cat >"$SM_DIR/run.sh" <<EOF
# Generated by t/lib/sendmail.sh; runs inside unshare --uts --mount.
set -e
hostname $SM_HOSTNAME
mount --bind "$SM_DIR/hosts" /etc/hosts
mount --bind "$SM_DIR/nsswitch.conf" /etc/nsswitch.conf
mkdir -p "$SM_DIR/hostdev"
mount --bind /dev "$SM_DIR/hostdev"
mount -t tmpfs -o mode=0755,size=1m gw-sendmail-dev /dev
for n in null zero random urandom; do
	: >/dev/\$n
	mount --bind "$SM_DIR/hostdev/\$n" /dev/\$n
done
umount "$SM_DIR/hostdev"
python3 "$top_srcdir/t/lib/syslog_sink.py" /dev/log "$SM_LOG" \
    </dev/null >>"$SM_DIR/syslog.err" 2>&1 &
echo \$! >"$SM_SYSLOG_PIDFILE"
i=0
while [ ! -S /dev/log ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
export LD_LIBRARY_PATH="$SM_LIBDIR"
exec "$SM_ROOT/usr/libexec/sendmail/sendmail" -bD -C "$SM_CF"
EOF
}

_sm_up()
{
	_bench_alive "$SM_PID" || return 0	# stop waiting: it died
	bench_listening "$SM_PORT" && [ -s "$SM_DIR/sendmail.pid" ]
}

# sendmail_cf MILTER-SOCKET: writes $SM_MC (as sendmail_start does) and
# builds $SM_CF, with the namespace's hosts, nsswitch.conf and
# service.switch, without starting Sendmail (for `sendmail -bt` tests).
sendmail_cf()
{
	printf '127.0.0.1\t%s localhost\n' "$SM_HOSTNAME" >"$SM_DIR/hosts"
	printf 'hosts: files\nnetworks: files\n' >"$SM_DIR/nsswitch.conf"
	printf 'hosts files\naliases files\n' >"$SM_DIR/service.switch"
	: >"$SM_DIR/statistics"
	_sm_write_mc "$1"
	if ! m4 -D_CF_DIR_="$SM_ROOT/usr/share/sendmail/cf/" \
	    "$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4" "$SM_MC" \
	    >"$SM_CF" 2>"$SM_DIR/m4.err"; then
		diag "sendmail_cf: m4 could not build sendmail.cf"
		diag_file "$SM_DIR/m4.err"
		return 1
	fi
}

sendmail_start()
{
	_sock=${1:-$BENCH_GW_SOCK}
	if [ -z "$BENCH_SINK_PORT" ] || [ -z "$_sock" ]; then
		diag "sendmail_start: start the sink and gatewarden first"
		return 1
	fi
	# Another test may take the free port before sendmail binds it:
	# then sendmail keeps retrying the bind, and a new port is tried.
	for _try in 1 2 3; do
		SM_PORT=$(bench_free_port) || return 1
		sendmail_cf "$_sock" || return 1
		_sm_write_runner
		(cd "$SM_DIR" && exec unshare --uts --mount sh "$SM_DIR/run.sh") \
		    >>"$SM_DIR/sendmail-fg.log" 2>&1 &
		SM_PID=$!
		if bench_wait_for 15 _sm_up && _bench_alive "$SM_PID"; then
			BENCH_PF_PORT=$SM_PORT
			return 0
		fi
		diag "sendmail_start: Sendmail did not start on port $SM_PORT"
		diag_file "$SM_DIR/sendmail-fg.log" 20
		sendmail_diag_log 30
		sendmail_stop
	done
	return 1
}

# SIGTERM to the daemon (bounded, then SIGKILL), then to what it forked
# and left behind (the syslog receiver, which became its child at the
# exec, and any delivery agent still running).
sendmail_stop()
{
	[ -n "$SM_PID" ] || return 0
	_kids=$(pgrep -P "$SM_PID")
	[ -s "$SM_SYSLOG_PIDFILE" ] && _kids="$_kids $(cat "$SM_SYSLOG_PIDFILE")"
	_bench_stop_pid "$SM_PID" 10
	SM_PID=
	for _p in $_kids; do
		_bench_alive "$_p" || continue
		kill -TERM "$_p" 2>/dev/null
		bench_wait_for 5 _bench_dead "$_p" || kill -KILL "$_p" 2>/dev/null
	done
	rm -f "$SM_SYSLOG_PIDFILE" "$SM_DIR/sendmail.pid"
	return 0
}

sendmail_diag_log()
{
	[ -n "$SM_LOG" ] && diag_file "$SM_LOG" "${1:-60}"
	return 0
}

sendmail_cleanup()
{
	_sm_status=$?
	trap '' PIPE
	if [ "$_sm_status" != 0 ] || [ "${TAP_FAILED:-0}" != 0 ]; then
		sendmail_diag_log 60
		[ -s "$SM_DIR/sendmail-fg.log" ] &&
		    diag_file "$SM_DIR/sendmail-fg.log" 20
	fi
	sendmail_stop
	# bench_cleanup takes the status from $?.
	(exit "$_sm_status")
	bench_cleanup
}

sendmail_cmd()
{
	[ -n "$SM_PID" ] || return 1
	# -r: entering a mount namespace sets the root to the namespace's
	# own; the daemon's root is another when the suite runs in a chroot
	# (tools/fresh-check), and the unpacked Sendmail lies under it.
	LD_LIBRARY_PATH=$SM_LIBDIR timeout 60 nsenter -t "$SM_PID" -u -m -r \
	    "$SM_ROOT/usr/libexec/sendmail/sendmail" -C "$SM_CF" "$@"
}

sendmail_quarantine_count()
{
	find "$SM_QUEUE" -type f -name 'hf*' 2>/dev/null | wc -l | tr -d ' '
}

sendmail_queue_count()
{
	find "$SM_QUEUE" -type f -name 'qf*' 2>/dev/null | wc -l | tr -d ' '
}

_sm_queue_empty()
{
	[ "$(sendmail_queue_count)" = 0 ]
}

sendmail_wait_queue_empty()
{
	if ! bench_wait_for "${1:-$BENCH_TIMEOUT}" _sm_queue_empty; then
		diag "sendmail_wait_queue_empty: $(sendmail_queue_count) messages still queued"
		return 1
	fi
}

_sm_delivered()
{
	[ "$(bench_sink_count)" -ge "$1" ] &&
	    [ "$(grep -c "relay=\[127\.0\.0\.1\].* stat=Sent" "$SM_LOG")" -ge "$1" ]
}

sendmail_wait_delivered()
{
	if ! bench_wait_for "${2:-$BENCH_TIMEOUT}" _sm_delivered "$1"; then
		diag "sendmail_wait_delivered: $(bench_sink_count) of $1 messages arrived"
		return 1
	fi
}
