#!/bin/sh
# stop-during-start.sh - SIGTERM while gatewarden is still starting (its
# socket made, libmilter not yet running: the key store, resolver and
# trust stores being set up), as an init system's quick restart sends it.
# The stop waits for the start: gatewarden exits 0 and leaves neither its
# socket nor its pid file behind. (Before, libmilter was told to stop
# before it ran, closed the listening socket under itself and failed:
# exit status 1.) Each of three rounds sends the signal the moment the
# socket appears; at least one must have caught the start in progress
# for the test to mean anything. Then a SIGUSR1 during the start: ignored,
# the daemon runs on.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
gw=${top_builddir:-.}/milter/gatewarden
work=$(mktemp -d /tmp/gw-stopstart-XXXXXX)
gwpid=
cleanup() {
	[ -n "$gwpid" ] && kill -KILL "$gwpid" 2>/dev/null && wait "$gwpid"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

plan 13

cat >"$work/gw.yaml" <<EOC
milter:
  socket: "unix:$work/gw.sock"
  pid_file: "$work/gw.pid"
  spool_dir: "$work/spool"
  authserv_id: mx.stop.test
sender_groups:
  - name: any
    match: any
    direction: inbound
    tls: preferred
EOC

# start_until_socket LOG: gatewarden started, back the moment its socket
# appears (30 s at most); its pid in gwpid.
start_until_socket() {
	"$gw" -f -c "$work/gw.yaml" >"$1" 2>&1 &
	gwpid=$!
	n=0
	while [ ! -S "$work/gw.sock" ] && [ "$n" -lt 3000 ] &&
	    kill -0 "$gwpid" 2>/dev/null; do
		sleep 0.01
		n=$((n + 1))
	done
}

during=0
for round in 1 2 3; do
	log=$work/round$round.log
	start_until_socket "$log"
	kill -TERM "$gwpid"
	n=0
	while kill -0 "$gwpid" 2>/dev/null && [ "$n" -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$gwpid" 2>/dev/null
	wait "$gwpid"
	st=$?
	gwpid=
	is "$st" 0 "round $round: exit status 0" || diag_file "$log"
	ok $([ ! -e "$work/gw.sock" ] && [ ! -e "$work/gw.pid" ]; echo $?) \
	    "round $round: no socket and no pid file left behind"
	ok $(grep -q 'stop: result=ok' "$log"; echo $?) \
	    "round $round: the log says the stop went well"
	# The stop is logged before the start's last line: it came while
	# gatewarden was still starting.
	sed -n '/stop: signal=TERM/,$p' "$log" | grep -q ' start: ' &&
	    during=$((during + 1))
done
ok $([ "$during" -ge 1 ]; echo $?) \
    "the signal came during the start in $during of 3 rounds"

# SIGUSR1 (a reload) during the start is ignored, said, and the daemon
# runs on: the start reads its configuration itself.
log=$work/usr1.log
start_until_socket "$log"
kill -USR1 "$gwpid"
n=0
while ! grep -q ' start: ' "$log" && [ "$n" -lt 600 ] &&
    kill -0 "$gwpid" 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
sleep 0.5
ok $(kill -0 "$gwpid" 2>/dev/null; echo $?) \
    "SIGUSR1 during the start: gatewarden runs on" || diag_file "$log"
like "$(cat "$log")" 'reload: signal=USR1 action=ignored reason=starting|reload: signal=USR1$' \
    "SIGUSR1 during the start: ignored while starting, or a reload after it"
kill -TERM "$gwpid"
wait "$gwpid"
is "$?" 0 "SIGUSR1 during the start: then a clean stop" || diag_file "$log"
gwpid=
done_testing
exit $?
