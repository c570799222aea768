# debian/tests/lib.sh - what the package's tests share: checks that print
# "ok" or "FAIL" and count, gatewarden started and stopped the way the
# testbed runs services, and the testbed's Postfix hooked up as
# README.Debian says.
#
# With systemd as the testbed's init (a booted container), gatewarden is
# gatewarden.service, under the unit's own confinement. Without it (a
# chroot), gatewarden is started as the unit would start it: the unit's
# ExecStartPre= and ExecStart= lines, run with the unit's
# CapabilityBoundingSet= and NoNewPrivileges= through setpriv, its
# RuntimeDirectory= and UMask=; its log (standard error: there is no
# syslog daemon) goes to $GW_LOG.
#
# Mail: Postfix on 127.0.0.1:25 delivers for localhost into
# /var/mail/gwtest (a user made here); its log is $PF_LOG.

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8

UNIT=/lib/systemd/system/gatewarden.service
CONF=/etc/gatewarden/gatewarden.yaml
SOCK=/var/spool/postfix/gatewarden/gatewarden.sock
GW_LOG=/var/log/gatewarden-test.log
GW_PID=/run/gatewarden-test.pid
PF_LOG=/var/log/postfix-test.log
MBOX=/var/mail/gwtest
failures=0
checks=0

say() { echo "# $*"; }
# check DESCRIPTION COMMAND...: runs COMMAND, prints ok or FAIL.
check()
{
	d=$1
	shift
	checks=$((checks + 1))
	if "$@"; then
		echo "ok $checks - $d"
	else
		echo "FAIL $checks - $d"
		failures=$((failures + 1))
	fi
}
# is DESCRIPTION GOT WANT
is()
{
	checks=$((checks + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $checks - $1"
	else
		echo "FAIL $checks - $1: got '$2', want '$3'"
		failures=$((failures + 1))
	fi
}
# The end of a test: its count, and its exit status.
finish()
{
	echo "# $checks checks, $failures failed"
	[ "$failures" = 0 ]
	exit $?
}
die() { echo "FAIL: $*"; exit 1; }
skip() { echo "# SKIP: $*"; exit 77; }

has_systemd() { [ -d /run/systemd/system ]; }
# mode PATH: "owner:group mode" of PATH.
mode() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo missing; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS.
wait_for()
{
	n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# unit_lines KEY: the values of KEY= in the installed unit, one a line.
unit_lines() { sed -n "s/^$1=//p" "$UNIT"; }

gw_running()
{
	if has_systemd; then
		systemctl --quiet is-active gatewarden.service
	else
		[ -s "$GW_PID" ] && kill -0 "$(cat "$GW_PID")" 2>/dev/null
	fi
}
gw_main_pid()
{
	if has_systemd; then
		systemctl show -p MainPID --value gatewarden.service
	else
		cat "$GW_PID" 2>/dev/null
	fi
}

gw_start()
{
	if has_systemd; then
		systemctl restart gatewarden.service ||
		    { systemctl status --no-pager gatewarden.service; return 1; }
	else
		gw_running && return 0
		# "CAP_CHOWN CAP_SETUID" -> "+chown,+setuid"
		caps=$(unit_lines CapabilityBoundingSet | tr 'A-Z ' 'a-z,' |
		    sed 's/cap_/+/g')
		[ "$(unit_lines NoNewPrivileges)" = yes ] || return 1
		unit_lines ExecStartPre | while read -r line; do
			# shellcheck disable=SC2086
			$line >>"$GW_LOG" 2>&1 || exit 1
		done || return 1
		install -d -m "$(unit_lines RuntimeDirectoryMode)" \
		    "/run/$(unit_lines RuntimeDirectory)"
		(
			umask "$(unit_lines UMask)"
			# shellcheck disable=SC2046
			exec setpriv --bounding-set "-all,$caps" \
			    --inh-caps -all --no-new-privs \
			    $(unit_lines ExecStart) </dev/null >>"$GW_LOG" 2>&1
		) &
		echo $! >"$GW_PID"
	fi
	wait_for 30 test -S "$SOCK" || { gw_log | tail -n 20; return 1; }
}

gw_stop()
{
	if has_systemd; then
		systemctl stop gatewarden.service
	elif gw_running; then
		kill -TERM "$(cat "$GW_PID")"
		wait_for 90 sh -c '! kill -0 "$(cat '"$GW_PID"')" 2>/dev/null'
		rm -f "$GW_PID"
	fi
}

# The unit's ExecReload= lines, in order, or systemctl reload.
gw_reload()
{
	if has_systemd; then
		systemctl reload gatewarden.service
	else
		# shellcheck disable=SC2034
		MAINPID=$(cat "$GW_PID")	# for the lines' $MAINPID
		unit_lines ExecReload | while read -r line; do
			# shellcheck disable=SC2086
			eval ${line#+} >>"$GW_LOG" 2>&1 || exit 1
		done
	fi
}

gw_log()
{
	if has_systemd; then
		journalctl -q -o cat -t gatewarden --no-pager
	else
		cat "$GW_LOG" 2>/dev/null
	fi | sed 's/^gatewarden\[[0-9]*\]: //'
}

# Postfix as README.Debian says, plus what a test needs: loopback only,
# local delivery for localhost, a log file of its own.
postfix_hookup()
{
	getent passwd gwtest >/dev/null ||
	    adduser --system --quiet --no-create-home gwtest
	[ -f /etc/postfix/main.cf ] ||
	    cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
	postconf -e 'smtpd_milters = unix:gatewarden/gatewarden.sock' \
	    'non_smtpd_milters = $smtpd_milters' \
	    'milter_default_action = tempfail' 'milter_protocol = 6' \
	    'myhostname = gatewarden-test.localdomain' \
	    'mydestination = localhost, $myhostname' \
	    'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
	    'mynetworks = 127.0.0.0/8' 'relayhost =' 'alias_maps =' \
	    'alias_database =' 'smtpd_relay_restrictions = permit_mynetworks, reject' \
	    "maillog_file = $PF_LOG" || return 1
	# A restart: inet_interfaces and inet_protocols take no reload.
	if has_systemd; then
		systemctl restart postfix.service
	else
		postfix stop >/dev/null 2>&1
		postfix start >/dev/null 2>&1
	fi
	wait_for 30 sh -c 'echo QUIT | swaks --quit-after CONNECT --server 127.0.0.1:25 >/dev/null 2>&1'
}

# send OUT SWAKS-ARGS...: one message to gwtest@localhost; swaks's
# transcript in OUT.
send()
{
	out=$1
	shift
	swaks --server 127.0.0.1:25 --to gwtest@localhost \
	    --from sender@example.net "$@" >"$out" 2>&1
}
# reply OUT: the last SMTP reply code in a swaks transcript.
reply() { sed -n 's/^<[-*]* *\([0-9][0-9][0-9]\)[ -].*/\1/p' "$1" | tail -n 1; }
# delivered SUBJECT: the message with that subject is in the mailbox.
delivered() { grep -q "^Subject: $1\$" "$MBOX" 2>/dev/null; }
# message SUBJECT: the header of the message with that subject.
message()
{
	awk -v s="Subject: $1" '
		/^From / { n++; hdr = 1; buf = "" }
		hdr && /^$/ { hdr = 0; if (found) { printf "%s", buf; exit } }
		hdr { buf = buf $0 "\n"; if ($0 == s) found = 1 }
	' "$MBOX"
}
# queue_id OUT: the queue id Postfix gave the message in a transcript.
queue_id() { sed -n 's/^<[-*]* *250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$1" | tail -n 1; }
# logged PATTERN: gatewarden's log has a line that matches.
logged() { gw_log | grep -q -- "$1"; }
