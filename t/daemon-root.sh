#!/bin/sh
# daemon-root.sh - gatewarden started as root with milter.user: the files
# it makes before the privilege drop, in directories the user may own.
#
#   - a clean stop (SIGTERM) leaves no pid file, although the pid directory
#     is root's and the daemon no longer is; a pid file that is not the one
#     gatewarden wrote stays, with a warning;
#   - the socket gets the configured owner and mode; a user who owns the
#     socket's directory and swaps the socket for a symbolic link in the
#     middle of the set-up (t/fs_race.so, preloaded, wins that race every
#     time) never gets root to change the link's target: start-up refuses;
#   - a symbolic link planted as the socket, the spool directory or a
#     hard link planted as the pid file is never followed.
#
# Needs root (it is the root case that is tested) and the user nobody.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
gw=${top_builddir:-.}/milter/gatewarden
shim=${top_builddir:-.}/t/fs_race.so
[ "$(id -u)" = 0 ] || skip_all "the privilege drop is tested as root"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
group=$(id -gn nobody)
work=$(mktemp -d /tmp/gw-root-XXXXXX)
gwpid=
cleanup() {
	[ -n "$gwpid" ] && kill -KILL "$gwpid" 2>/dev/null && wait "$gwpid"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' INT TERM
# nobody must reach the folders below.
chmod 0755 "$work"
mkdir -m 0755 "$work/run" "$work/sock"	# run: root's; sock: the user's
chown nobody "$work/sock"

plan 19

write_conf() {	# write_conf SPOOL_DIR
	cat >"$work/gw.yaml" <<EOC
milter:
  socket: unix:$work/sock/gw.sock
  socket_mode: "0660"
  user: nobody
  group: $group
  pid_file: $work/run/gw.pid
  spool_dir: $1
  timeout: 10s
log:
  level: debug
EOC
}

start_gw() {	# start_gw LOG [env VAR=VALUE...]: in the background
	_log=$1
	shift
	env "$@" "$gw" -f -c "$work/gw.yaml" >"$_log" 2>&1 &
	gwpid=$!
}

wait_socket() {
	i=0
	while [ ! -S "$work/sock/gw.sock" ] && kill -0 "$gwpid" 2>/dev/null &&
	    [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ -S "$work/sock/gw.sock" ]
}

wait_exit() {	# the daemon's exit status, or 124 after 30 s
	i=0
	while kill -0 "$gwpid" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	if kill -0 "$gwpid" 2>/dev/null; then
		kill -KILL "$gwpid"
		wait "$gwpid"
		gwpid=
		return 124
	fi
	wait "$gwpid"
	_st=$?
	gwpid=
	return $_st
}

# 1. A clean run: the socket as configured, a pid file, and after SIGTERM
# neither.
write_conf "$work/spool"
start_gw "$work/run1.log"
wait_socket
ok $? "gatewarden starts as root and drops to nobody" ||
    diag_file "$work/run1.log" 20
is "$(stat -c '%U:%G %a' "$work/sock/gw.sock" 2>&1)" "nobody:$group 660" \
    "the socket belongs to the user, with the configured mode"
is "$(cat "$work/run/gw.pid" 2>&1)" "$gwpid" "the pid file holds the daemon's pid"
is "$(stat -c '%U %a' "$work/run/gw.pid" 2>&1)" "root 644" \
    "the pid file stays root's: the user cannot rewrite it"
is "$(stat -c %U "$work/spool" 2>&1)" nobody "the spool directory is made for the user"
kill -TERM "$gwpid"
wait_exit
is "$?" 0 "SIGTERM: a clean stop"
ok $([ ! -e "$work/run/gw.pid" ]; echo $?) \
    "no pid file is left behind, though its directory is root's" ||
    diag_file "$work/run1.log" 20
ok $([ ! -e "$work/sock/gw.sock" ]; echo $?) "no socket is left behind"
unlike "$(cat "$work/run1.log")" 'warning: pid file|Sanitizer|runtime error' \
    "no warning about the pid file, no sanitizer report"

# 2. A pid file replaced behind gatewarden's back is left alone, and said.
start_gw "$work/run2.log"
wait_socket || diag_file "$work/run2.log" 20
mv "$work/run/gw.pid" "$work/run/gw.pid.old"
echo 1 >"$work/run/gw.pid"
kill -TERM "$gwpid"
wait_exit
is "$(cat "$work/run/gw.pid" 2>&1)" 1 "a pid file gatewarden did not write is not removed"
like "$(cat "$work/run2.log")" "warning: pid file $work/run/gw.pid: not removed" \
    "a pid file that cannot be removed is a warning" ||
    diag_file "$work/run2.log" 10
rm -f "$work/run/gw.pid" "$work/run/gw.pid.old"

# 3. The race: the socket becomes a link to a root file right after its
# owner changes.
printf 'secret\n' >"$work/victim"
chmod 0600 "$work/victim"
victim_before=$(stat -c '%U:%G %a' "$work/victim")
start_gw "$work/run3.log" LD_PRELOAD="$shim" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    GW_RACE_PATH="$work/sock/gw.sock" GW_RACE_TARGET="$work/victim"
wait_exit
st=$?
like "$(cat "$work/run3.log")" 'fs_race: swapped' "the shim swapped the socket for a link" ||
    diag_file "$work/run3.log" 10
is "$(stat -c '%U:%G %a' "$work/victim")" "$victim_before" \
    "root never changed the mode or owner of the link's target"
ok $([ "$st" = 1 ] && grep -q 'not starting' "$work/run3.log"; echo $?) \
    "start-up refuses a socket replaced during its set-up" ||
    diag_file "$work/run3.log" 10
rm -f "$work/sock/gw.sock" "$work/sock/gw.sock.taken" "$work/run/gw.pid"
chmod 0600 "$work/victim"

# 4. A symbolic link planted as the socket is not followed.
ln -s "$work/victim" "$work/sock/gw.sock"
start_gw "$work/run4.log"
wait_exit
st=$?
ok $([ "$st" = 1 ] && [ "$(stat -c '%U:%G %a' "$work/victim")" = "$victim_before" ]; echo $?) \
    "a link planted as the socket: refused, its target untouched" ||
    diag_file "$work/run4.log" 10
rm -f "$work/sock/gw.sock" "$work/run/gw.pid"

# 5. A symbolic link planted as the spool directory is not followed.
mkdir -m 0755 "$work/precious"
ln -s "$work/precious" "$work/spool-link"
write_conf "$work/spool-link"
start_gw "$work/run5.log"
wait_exit
st=$?
is "$(stat -c '%U %a' "$work/precious")" "root 755" \
    "a link planted as the spool directory: its target keeps owner and mode"
ok $([ "$st" = 1 ] && grep -q 'spool_dir' "$work/run5.log"; echo $?) \
    "start-up refuses it and names milter.spool_dir" ||
    diag_file "$work/run5.log" 10
rm -f "$work/sock/gw.sock" "$work/run/gw.pid"

# 6. A hard link planted as the pid file is not written through.
write_conf "$work/spool"
printf 'precious\n' >"$work/victim2"
ln "$work/victim2" "$work/run/gw.pid"
start_gw "$work/run6.log"
wait_exit
st=$?
is "$(cat "$work/victim2")" precious "a hard link planted as the pid file: its other name is not written"
ok $([ "$st" = 1 ] && grep -q "pid file $work/run/gw.pid" "$work/run6.log"; echo $?) \
    "start-up refuses it and names the pid file" ||
    diag_file "$work/run6.log" 10

done_testing
exit $?
