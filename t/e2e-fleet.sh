#!/bin/sh
# e2e-fleet: two gatewarden nodes sharing one key store on PostgreSQL
# (t/lib/pglab.sh), each behind its own smtpd of a private Postfix
# (t/lib/bench.sh: node A the bench's milter on the main smtpd, node B a
# second gatewarden on a second smtpd), both delivering to the sink. A
# partner's signed message harvested on A; mail to the partner through B
# encrypted with that key (the partner's key decrypts it). The database
# stopped mid-run: B still encrypts to the partner from its cache, a
# recipient it has not looked up is tempfailed (451, nothing lost) and a
# harvest on A fails without touching the mail; the database back: both
# nodes reconnect by themselves, the message retried (as an MTA would)
# is delivered encrypted. Organisation keys stay in each node's own folder.
# A partner's key updated once on B and once on A: one key-churn alert
# for the fleet (neither node saw two updates by itself).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/t/lib/pglab.sh"

grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/config.h" ||
    skip_all "built without PostgreSQL (configure --with-postgresql)"
pglab_have || skip_all "PostgreSQL server programs (tools/install-deps)"
bench_init
plan 19

KEYS=$top_builddir/smime/gatewarden-keys
PY="python3 $top_srcdir/t/smime_in.py"
BATCH="python3 $top_srcdir/t/smtp_batch.py"
W=$BENCH_WORK
B_PID=
stop_b() {
	[ -n "$B_PID" ] || return 0
	kill -TERM "$B_PID" 2>/dev/null
	bench_wait_for 20 sh -c "! kill -0 $B_PID 2>/dev/null" ||
	    kill -KILL "$B_PID" 2>/dev/null
	wait "$B_PID"
	_b=$?
	B_PID=
	[ $_b = 0 ] || sed 's/^/# B: /' "$W/b.log" | tail -40
	return $_b
}
trap '_rt=$?; stop_b; pglab_stop; (exit $_rt); bench_cleanup' EXIT

pglab_init "$W/pg" || bail_out "PostgreSQL did not start"
pglab_createdb fleet || bail_out "createdb"
URI=$(pglab_uri fleet)
"$KEYS" --keystore "$URI" migrate >/dev/null || bail_out "migrate"

# ---- certificates: a partner CA and two partners; each node's own key --
mkdir -p "$W/m" "$W/a" "$W/b" && chmod 0700 "$W/a" "$W/b" && cd "$W/m" ||
    bail_out "mkdir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -subj "/CN=Partner CA" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || bail_out "CA"
partner() {	# partner NAME ADDRESS: NAME.pem/.key and NAME.eml, signed
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" \
	    -subj "/CN=$2" -out "$1.csr" 2>/dev/null &&
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
	    'keyUsage=critical,digitalSignature,keyEncipherment' \
	    'extendedKeyUsage=emailProtection' "subjectAltName=email:$2" >"$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 30 -extfile "$1.ext" -out "$1.pem" 2>/dev/null &&
	printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nHello from %s.\r\n' \
	    "$2" >"$1.entity" &&
	openssl cms -sign -binary -crlfeol -in "$1.entity" -out "$1.det" \
	    -signer "$1.pem" -inkey "$1.key" &&
	$PY crlf "$1.det" "$1.det" && $PY wrap "$1.det" "$1.eml" "$2"
}
partner p1 p1@partner.test && partner p2 p2@partner.test &&
partner p3a p3@partner.test && partner p3b p3@partner.test &&
partner p3c p3@partner.test || bail_out "partner certificates"
cd "$W" || bail_out "cd"
"$KEYS" --private-dir "$W/a" --keystore "$W/unused.db" create-cert a-gw --smime \
    --cn "Node A" --email gateway@org.test --days 30 >/dev/null &&
"$KEYS" --private-dir "$W/b" --keystore "$W/unused.db" create-cert b-gw --smime \
    --cn "Node B" --email gateway@org.test --days 30 >/dev/null ||
    bail_out "organisation certificates"

common() {	# the sender groups and policies both nodes have
	cat <<EOC
trust:
  system_cas: false
  custom_ca_file: $W/m/ca.pem
sender_groups:
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
  - name: internet
    match: any
    smime_inbound: strip
destinations:
  default: { dane: none }
EOC
}
smime() {	# smime NODE
	cat <<EOC
smime:
  keystore: "$URI"
  private_dir: $W/$1
  certificates:
    - { name: $1-gw, certificate: $W/$1/$1-gw.crt, key: $W/$1/$1-gw.key }
  sending_profiles:
    - { name: enc, mode: encrypt, missing_key: bounce }
  sending_rules:
    - { name: to-partner, match: { sender_group: [internal], recipient_domain: [partner.test] }, profile: enc }
  inbound_policies:
    - { name: strip, signature: remove, on_failure: tag }
EOC
}

# ---- node B: a second gatewarden, behind a second smtpd ---------------
bench_sink_start || bail_out "smtp-sink did not start"
P2=$(bench_free_port)
{ printf 'milter:\n  socket: "unix:%s/b.sock"\n  socket_mode: "0666"\n' "$W"
  printf '  spool_dir: %s/b-spool\n  pid_file: %s/b.pid\n  authserv_id: b.org.test\n' "$W" "$W"
  common; smime b; } >"$W/b.yaml"
timeout 900 "$top_builddir/milter/gatewarden" -f -c "$W/b.yaml" >"$W/b.log" 2>&1 &
B_PID=$!
bench_wait_for 30 test -S "$W/b.sock" || { diag_file "$W/b.log" 20; bail_out "gatewarden B did not start"; }

# ---- node A: the bench's own -------------------------------------------
{ printf 'milter:\n  authserv_id: a.org.test\n'; common; smime a; } >"$W/a.yaml.in"
bench_gatewarden_start "$W/a.yaml.in" || bail_out "gatewarden A did not start"
bench_postfix_master "127.0.0.1:$P2/inet=127.0.0.1:$P2 inet n - n - - smtpd -o smtpd_milters=unix:$W/b.sock -o non_smtpd_milters= -o content_filter=smtp:[127.0.0.1]:$BENCH_SINK_PORT" ||
    bail_out "postconf -M"
bench_postfix_start || bail_out "Postfix did not start"
A=127.0.0.1:$BENCH_PF_PORT
B=127.0.0.1:$P2
sent=0

to_partner() {	# to_partner ADDRESS LABEL: through B, from inside
	printf 'From: alice@org.test\r\nTo: %s\r\nSubject: for you\r\n\r\nSecret figures.\r\n' \
	    "$1" >"$W/$2.eml"
	$BATCH "$B" 127.0.0.3 alice@org.test "$1" out "$W/$2.eml"
}
decrypts() {	# decrypts LABEL KEYNAME: the delivered copy opens with that key
	_f=$(grep -l "^X-Test-Case: out/$1.eml" "$BENCH_SINK_DIR"/* | head -1)
	[ -n "$_f" ] && bench_sink_message "$_f" >"$W/$1.out" &&
	    openssl cms -decrypt -in "$W/$1.out" -recip "$W/m/$2.pem" \
	    -inkey "$W/m/$2.key" 2>/dev/null | grep -q 'Secret figures'
}

# ---- harvested on A, used on B -----------------------------------------
like "$($BATCH "$A" 127.0.0.2 p1@partner.test bob@org.test in "$W/m/p1.eml")" \
    ' 250 ' "node A accepts the partner's signed message"
sent=$((sent + 1))
bench_wait_for 30 grep -q 'harvest=stored .*addresses=p1@partner.test' "$BENCH_GW_LOG"
ok $? "node A harvests the partner's key into the shared store"
like "$(to_partner p1@partner.test first)" ' 250 ' \
    "node B accepts mail to the partner"
sent=$((sent + 1))
bench_wait_delivered $sent 60
decrypts first p1
ok $? "... encrypted on B with the key harvested on A"
ls "$W/a/a-gw.key" "$W/b/b-gw.key" >/dev/null 2>&1 &&
    [ "$(pglab_sql fleet "SELECT count(*) FROM certs WHERE subject LIKE '%Node%'")" = 0 ]
ok $? "each node's organisation key stays in its own folder, not in the database"

# ---- the database goes away -------------------------------------------
pglab_stop_only || bail_out "could not stop PostgreSQL"
like "$(to_partner p1@partner.test cached)" ' 250 ' \
    "database down: mail to a partner B has looked up is accepted"
sent=$((sent + 1))
bench_wait_delivered $sent 60
decrypts cached p1
ok $? "... encrypted from B's cache"
like "$(to_partner p2@partner.test retried)" ' 4[0-9][0-9] ' \
    "a recipient B has not looked up: tempfailed, not bounced"
like "$($BATCH "$A" 127.0.0.2 p2@partner.test bob@org.test in "$W/m/p2.eml")" \
    ' 250 ' "node A still accepts signed mail (the harvest cannot be stored)"
sent=$((sent + 1))
bench_wait_for 30 grep -q 'harvest=error' "$BENCH_GW_LOG"
ok $? "... and logs that the harvest failed"

# ---- and comes back ----------------------------------------------------
pglab_start_only || bail_out "could not start PostgreSQL"
# the partner's next signed messages (A tries the database at most once a
# second, so the first may still find it unreachable)
i=0 acc=0
while [ $i -lt 20 ] && ! grep -q 'harvest=stored .*addresses=p2@partner.test' "$BENCH_GW_LOG"; do
	$BATCH "$A" 127.0.0.2 p2@partner.test bob@org.test in "$W/m/p2.eml" |
	    grep -q ' 250 ' && acc=$((acc + 1))
	sent=$((sent + 1))
	bench_wait_for 5 grep -q 'harvest=stored .*addresses=p2@partner.test' "$BENCH_GW_LOG"
	i=$((i + 1))
done
is "$acc" "$i" "database back: node A accepts the partner's signed mail ($i messages)"
grep -q 'harvest=stored .*addresses=p2@partner.test' "$BENCH_GW_LOG"
ok $? "... and harvests again on its own new connection"
# as an MTA would: again after a while (B tries the database at most
# once a second, so the first retry may still be too early)
i=0
while r=$(to_partner p2@partner.test retried) && [ $i -lt 20 ]; do
	case $r in *" 4"[0-9][0-9]" "*) sleep 0.5; i=$((i + 1));; *) break;; esac
done
like "$r" ' 250 ' "the tempfailed message, sent again through B: accepted ($i more tempfails)"
sent=$((sent + 1))
bench_wait_delivered $sent 60
decrypts retried p2
ok $? "... and encrypted with the key A harvested after the restart"

# ---- key churn counted for the fleet -----------------------------------
fp() { openssl x509 -in "$W/m/$1.pem" -outform DER | sha256sum | cut -c1-64; }
harvest_on() {	# harvest_on HOST LOG NAME OUTCOME: NAME's signed message
	$BATCH "$1" 127.0.0.2 p3@partner.test bob@org.test in "$W/m/$3.eml" |
	    grep -q ' 250 ' &&
	    bench_wait_for 30 grep -q "harvest=$4 fingerprint=$(fp "$3")" "$2"
}
harvest_on "$A" "$BENCH_GW_LOG" p3a stored
ok $? "a partner's first key harvested on A"
harvest_on "$B" "$W/b.log" p3b updated
ok $? "an updated key for the same address harvested on B"
harvest_on "$A" "$BENCH_GW_LOG" p3c updated
ok $? "and another, on A"
sent=$((sent + 3))
bench_wait_for 10 grep -q 'key_churn=partner.test window' "$BENCH_GW_LOG"
is "$(cat "$BENCH_GW_LOG" "$W/b.log" | grep -c 'key_churn=partner.test window')" 1 \
    "two updates on two nodes: one key-churn alert for the fleet"

bench_gatewarden_stop
_a=$?
stop_b
ok $? "both nodes stop cleanly (A: $_a)"
done_testing
exit $?
