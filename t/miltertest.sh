#!/bin/sh
# miltertest.sh - runs each t/miltertest/*.lua case against a fresh
# gatewarden, one TAP line per case (one behaviour per case, as OpenDKIM
# does), plus the daemon-level checks each case implies (reload logged,
# clean stop, no sanitizer report).
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"
srcdir=${top_srcdir:-.}/t/miltertest
gw=${top_builddir:-.}/milter/gatewarden
work=$(mktemp -d /tmp/gw-mt-XXXXXX)
gwpid=

cleanup() {
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null
	[ -n "$gwpid" ] && wait "$gwpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM


write_conf() {	# write_conf AUTHSERV_ID [extra yaml] [extra milter: line]
	cat >"$work/gw.yaml" <<EOC
milter:
  socket: unix:$work/gw.sock
  socket_mode: "0600"
  spool_dir: $work/spool
  pid_file: $work/gw.pid
  authserv_id: $1
  timeout: 20s
  ${3:-}
log:
  level: debug
${2:-}
EOC
}

# The sending rules of the cases that need gatewarden to read recipients
# and bodies (YAML for write_conf's second argument).
smime_rules() {
	cat <<EOC
smime:
  keystore: $work/keystore.db
  private_dir: $work/private
  sending_profiles:
    - name: encrypt-only
      mode: encrypt
      missing_key: bounce
  sending_rules:
    - name: partners
      match: { recipient_domain: [partner.test] }
      profile: encrypt-only
EOC
}

start_gw() {
	rm -f "$work/gw.sock"
	"$gw" -f -c "$work/gw.yaml" 2>"$work/gw.log" &
	gwpid=$!
	i=0
	while [ ! -S "$work/gw.sock" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ -S "$work/gw.sock" ]
}

stop_gw() {	# stops gatewarden and waits (bounded) for it to exit
	[ -n "$gwpid" ] || return 0
	kill "$gwpid" 2>/dev/null
	i=0
	while kill -0 "$gwpid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -KILL "$gwpid" 2>/dev/null
	wait "$gwpid" 2>/dev/null
	gwpid=
}

run_case() {	# run_case NAME [miltertest -D args...]
	name=$1; shift
	timeout 60 miltertest -D sock="${mt_sock:-unix:$work/gw.sock}" \
	    -D common="$srcdir/common.lua" "$@" -s "$srcdir/$name.lua" \
	    >"$work/$name.out" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$work/$name.out"
	return $rc
}

cpu_ticks() {	# user + system clock ticks used so far by process $1
	# utime and stime are the 12th and 13th fields after the command name
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

sanitizer_clean() {
	if grep -qE 'Sanitizer|runtime error:' "$work/gw.log"; then
		sed 's/^/# /' "$work/gw.log" | head -60
		return 1
	fi
	return 0
}

plan 26

for c in clean hygiene negotiate; do
	write_conf mx.gatewarden.test
	start_gw; ok $? "$c: gatewarden starts"
	run_case "$c"
	rc=$?
	stop_gw
	sanitizer_clean || rc=1
	ok $rc "$c: miltertest case passes"
done

# negotiate-tcp: the same daemon on an inet socket; Nagle turned off on
# its listening socket without a warning.
port=$(python3 "${top_srcdir:-.}/t/lib/freeport.py")
write_conf mx.gatewarden.test
sed -i "s|^  socket: .*|  socket: inet:$port@127.0.0.1|" "$work/gw.yaml"
"$gw" -f -c "$work/gw.yaml" 2>"$work/gw.log" &
gwpid=$!
i=0
while ! ss -Hltn "sport = :$port" | grep -q . && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
ss -Hltn "sport = :$port" | grep -q .
ok $? "negotiate-tcp: gatewarden listens on 127.0.0.1:$port"
mt_sock="inet:$port@127.0.0.1"
run_case negotiate-tcp
rc=$?
mt_sock=
stop_gw
sanitizer_clean || rc=1
if grep -q "Nagle" "$work/gw.log"; then
	sed 's/^/# /' "$work/gw.log" | grep Nagle
	rc=1
fi
ok $rc "negotiate-tcp: DATA taken with a reply over TCP, no Nagle warning"

# flood CASE LIMIT TEXT: header-flood on the running gatewarden, whose
# max_header_fields is LIMIT, wanting the refusal TEXT; also its CPU time.
# (The quadratic hygiene this replaces took minutes of CPU for it.)
tck=$(getconf CLK_TCK)
flood() {
	t0=$(cpu_ticks "$gwpid")
	run_case header-flood -D want="$2"
	ok $? "header-flood ($1): refused with 552 5.3.4, no deletion"
	used=$(($(cpu_ticks "$gwpid") - t0))
	[ $used -lt $((5 * tck)) ]
	ok $? "header-flood ($1): $((used * 1000 / tck)) ms of gatewarden CPU, under 5 s"
}

# The default limit of 1000 header fields; the bound on deletions.
write_conf mx.gatewarden.test
start_gw; ok $? "limits: gatewarden starts"
flood 1000 "message header has more than 1000 fields"
run_case forged-limit
ok $? "forged-limit: 100 forged headers deleted, 101 refused"
stop_gw
sanitizer_clean
ok $? "limits: no sanitizer report"

# With on_internal_error accept: the 4 MiB limit still refuses 100,000
# headers when max_header_fields allows them; forged headers that come
# after the recipient limit are removed (sending rules, so that
# gatewarden reads the recipients at all).
write_conf mx.gatewarden.test "$(smime_rules)" "max_header_fields: 100000
  on_internal_error: accept"
start_gw; ok $? "accept: gatewarden starts"
flood 100000 "message header larger than 4096 KiB"
run_case rcpt-limit
ok $? "rcpt-limit: forged headers after the recipient limit are removed"
stop_gw
sanitizer_clean
ok $? "accept: no sanitizer report"

# reload-rules: the case calls reload_cmd between messages of connections
# opened before it.
groups='sender_groups:
  - name: relay
    direction: outbound
    match: { client_ip: [192.0.2.20] }
  - name: internet
    match: any'
write_conf mx.gatewarden.test "$groups"
cp "$work/gw.yaml" "$work/gw-rules.yaml"
smime_rules >>"$work/gw-rules.yaml"
cp "$work/gw-rules.yaml" "$work/gw-dane.yaml"
cat >>"$work/gw-dane.yaml" <<EOC
dns:
  forwarders: [127.0.0.1]
destinations:
  default: { dane: none }
  domains:
    dane.test: { dane: mandatory }
EOC
start_gw; ok $? "reload-rules: gatewarden starts"
# reload_to FILE N: the command that makes FILE the configuration and
# waits for the Nth reload to be logged as loaded.
reload_to() {
	echo "cp $1 $work/gw.yaml && kill -USR1 $gwpid && i=0; while [ \$(grep -c 'reload: action=loaded' $work/gw.log) -lt $2 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done; [ \$(grep -c 'reload: action=loaded' $work/gw.log) -ge $2 ]"
}
run_case reload-rules -D reload_cmd="$(reload_to "$work/gw-rules.yaml" 1)" \
    -D reload2_cmd="$(reload_to "$work/gw-dane.yaml" 2)"
rc=$?
stop_gw
sanitizer_clean || rc=1
ok $rc "reload-rules: miltertest case passes"
grep -q '^gatewarden\[[0-9]*\]: warning: 4RELOADA: action=tempfail reason=reload-not-negotiated group=relay conn=1 ' "$work/gw.log" &&
    ! grep -q ': 4RELOADB: action=tempfail' "$work/gw.log" &&
    grep -q ': 4RELOADB: action=accept group=internet' "$work/gw.log" &&
    grep -q ': 4BEFORE: action=accept group=relay' "$work/gw.log"
rc=$?
[ $rc = 0 ] || grep -E '4BEFORE|4RELOAD' "$work/gw.log" | sed 's/^/# /'
ok $rc "reload-rules: the outbound message is tempfailed with a warning, the inbound one accepted"
grep -q '^gatewarden\[[0-9]*\]: warning: 4RELOADC: action=tempfail reason=reload-not-negotiated group=relay conn=3 ' "$work/gw.log" &&
    grep -q ': 4FRESH: profile=encrypt-only .*action=reject .*missing=<bob@partner.test>' "$work/gw.log" &&
    ! grep -q 'key store not open' "$work/gw.log"
rc=$?
[ $rc = 0 ] || grep -E '4FRESH|4RELOADC|reload' "$work/gw.log" | sed 's/^/# /'
ok $rc "reload-rules: the rules run on a new connection; a later reload it cannot serve tempfails its outbound mail"

# reload: the case calls reload_cmd in the middle of a message.
write_conf mx.gatewarden.test
start_gw
reload_cmd="sed -i 's/authserv_id: .*/authserv_id: new.gatewarden.test/' $work/gw.yaml && kill -USR1 $gwpid && i=0; while ! grep -q 'reload: action=loaded' $work/gw.log && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done; grep -q 'reload: action=loaded' $work/gw.log"
run_case reload -D reload_cmd="$reload_cmd"
ok $? "reload: SIGUSR1 applies to the next message, not the one in flight"

# A bad file is refused and the one in force stays.
printf 'milter:\n  nonsense_key: 1\n' >"$work/gw.yaml"
kill -USR1 "$gwpid"
i=0
while ! grep -q 'reload: action=refused' "$work/gw.log" && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
grep -q 'reload: action=refused' "$work/gw.log" &&
    grep -qE 'gw.yaml:2:3: .*nonsense_key' "$work/gw.log" &&
    kill -0 "$gwpid" 2>/dev/null
ok $? "reload: a bad file is logged with file:line:col and gatewarden keeps running"

# A file whose sending rules need a key store that cannot be opened is
# refused too: no configuration is in force without what it needs.
sed "s|keystore: .*|keystore: $work/no-such-dir/keystore.db|" \
    "$work/gw-rules.yaml" >"$work/gw.yaml"
kill -USR1 "$gwpid"
i=0
while [ "$(grep -c 'reload: action=refused' "$work/gw.log")" -lt 2 ] &&
    [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
[ "$(grep -c 'reload: action=refused' "$work/gw.log")" = 2 ] &&
    grep -q "error: smime.keystore: key store $work/no-such-dir/keystore.db: " "$work/gw.log" &&
    kill -0 "$gwpid" 2>/dev/null
ok $? "reload: a file whose key store cannot be opened is refused"

# stop: SIGTERM in the middle of a message.
term_cmd="kill -TERM $gwpid && i=0; while [ -S $work/gw.sock ] && [ \$i -lt 120 ]; do sleep 0.1; i=\$((i+1)); done; [ ! -S $work/gw.sock ]"
run_case stop -D term_cmd="$term_cmd"
rc=$?
i=0
while kill -0 "$gwpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ $rc = 0 ] && ! kill -0 "$gwpid" 2>/dev/null &&
    grep -q 'stop: result=ok sessions_left=0' "$work/gw.log" &&
    [ ! -e "$work/gw.pid" ]; then
	rc=0
else
	rc=1
	sed 's/^/# /' "$work/gw.log" | tail -20
fi
kill -KILL "$gwpid" 2>/dev/null	# a case that failed before SIGTERM
wait "$gwpid" 2>/dev/null
gwpid=
sanitizer_clean || rc=1
ok $rc "stop: SIGTERM refuses new connections, finishes the message in flight, removes the pid file"

done_testing
exit $?
