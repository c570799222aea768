#!/bin/sh
# keystore-pg: the key store on a real PostgreSQL (t/lib/pglab.sh: initdb
# in the work folder, the server on a unix socket there and on loopback,
# stopped at the end): t/test_keystore's table of cases on the PostgreSQL
# back end; t/test_keystore_pg (nodes harvesting at once, cross-node
# freshness, the database going away and coming back); and
# gatewarden-keys against a URI: `migrate` by two nodes at once, a
# daemon's refusal of a database without the schema, `copy` of an
# SQLite store into the database, list and remove there.
. "$top_srcdir/t/keys-lib.sh"
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/pglab.sh"

if ! grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/config.h"; then
	skip_all "built without PostgreSQL (configure --with-postgresql)"
fi
pglab_have || skip_all "PostgreSQL server programs missing (apt-get install postgresql)"
# a frozen server (test_keystore_pg) would not stop
cleanup_extra='[ -f "$PL_DIR/data/postmaster.pid" ] && kill -CONT "$(head -n 1 "$PL_DIR/data/postmaster.pid")" 2>/dev/null; pglab_stop'
if ! pglab_init "$WORK/pg"; then
	echo "Bail out! PostgreSQL did not start"
	exit 1
fi

# Runs a TAP program, its lines numbered on from ours.
tap_run() {
	"$@" >"$WORK/sub.tap" 2>"$WORK/sub.err"
	_rc=$?
	while IFS= read -r _l; do
		case $_l in
		"ok "*)
			tap_ok 0 "${_l#ok [0-9]* - }";;
		"not ok "*)
			tap_ok 1 "${_l#not ok [0-9]* - }";;
		"Bail out!"*)
			echo "$_l"; exit 1;;
		1..*)
			;;
		*)
			echo "$_l";;
		esac
	done <"$WORK/sub.tap"
	if [ "$_rc" != 0 ] && [ "$tap_failed" = 0 ]; then
		tap_ok 1 "$1 exited $_rc"
		sed 's/^/#   /' "$WORK/sub.err" | tail -n 20
	fi
}

tap_run timeout 600 "$top_builddir/t/test_keystore" --postgresql "$PL_SOCK" \
    "$PL_PORT"

pglab_createdb ks_fleet
labvars="PL_DIR='$PL_DIR' PL_SOCK='$PL_SOCK' PL_PORT='$PL_PORT'"
labvars="$labvars top_srcdir='$top_srcdir'"
GW_PG_STOP="sh -c \". '$top_srcdir/t/lib/pglab.sh'; pglab_have; $labvars; pglab_stop_only\""
GW_PG_START="sh -c \". '$top_srcdir/t/lib/pglab.sh'; pglab_have; $labvars; pglab_start_only\""
# the postmaster stopped (SIGSTOP): connections wait, nothing answers
pm="\$(head -n 1 '$PL_DIR/data/postmaster.pid')"
GW_PG_FREEZE="sh -c \"kill -STOP $pm\""
GW_PG_THAW="sh -c \"kill -CONT $pm\""
export GW_PG_STOP GW_PG_START GW_PG_FREEZE GW_PG_THAW
tap_run timeout 300 "$top_builddir/t/test_keystore_pg" --postgresql \
    "$PL_SOCK" "$PL_PORT"

# ---- gatewarden-keys on a URI ------------------------------------------
pglab_createdb keys
URI=$(pglab_uri keys)
KU() {
	timeout 120 "$KEYS" --keystore "$URI" --private-dir "$WORK/private" "$@"
}
status 1 "list before migrate: refused" KU list
contains "gatewarden-keys migrate" "$err" "saying to run migrate"
KU migrate >"$WORK/m1" 2>&1 &
m1=$!
KU migrate >"$WORK/m2" 2>&1 &
m2=$!
wait $m1
r1=$?
wait $m2
r2=$?
same "$r1 $r2" "0 0" "two nodes migrate at once: both succeed"
cat "$WORK/m1" "$WORK/m2" >"$WORK/m12"
contains "schema version 0 to 2" "$WORK/m12" "one made the schema"
contains "nothing to do" "$WORK/m12" "the other found it made"
same "$(pglab_sql keys 'SELECT count(*) FROM gatewarden_schema')" 1 \
    "one version row"
lacks "password" "$WORK/m12" "no secret shown"

# an SQLite store with keys of each kind, copied into the database
for n in 1 2 3; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$WORK/k$n.pem" -out "$WORK/c$n.pem" -days 30 \
	    -subj "/CN=p$n@copy.example" -addext \
	    "subjectAltName=email:p$n@copy.example" \
	    -addext "keyUsage=digitalSignature,keyAgreement" \
	    -addext "extendedKeyUsage=emailProtection" 2>/dev/null
done
status 0 "SQLite store: add" K pubkey add partner1 "$WORK/c1.pem"
status 0 "SQLite store: import" K pubkey import "$WORK/c2.pem"
status 0 "SQLite store: import another" K pubkey import "$WORK/c3.pem"
K list --json >"$WORK/sqlite.json" 2>&1
status 0 "copy --from SQLITE --to URI" K copy --from "$WORK/ks.db" --to "$URI"
contains "copied 3 keys, 0 already there" "$out" "three keys copied"
status 0 "copy again" K copy --from "$WORK/ks.db" --to "$URI"
contains "copied 0 keys, 3 already there" "$out" "nothing copied twice"
KU list --json >"$WORK/pg.json" 2>&1
fps() { grep -o '"fingerprint": *"[0-9a-f]*"' "$1" | sort; }
same "$(fps "$WORK/pg.json")" "$(fps "$WORK/sqlite.json")" \
    "the database lists the same keys"
same "$(pglab_sql keys "SELECT count(*) FROM certs WHERE label = 'partner1' AND usable_verify")" 1 \
    "the added key keeps its label and its use for verification"
fp1=$(openssl x509 -in "$WORK/c2.pem" -outform DER | sha256sum | cut -c1-64)
status 0 "remove on the database" KU remove "$fp1"
same "$(pglab_sql keys "SELECT count(*) FROM certs WHERE fingerprint = '$fp1'")" 0 \
    "gone from the database"
same "$(pglab_sql keys "SELECT count(*) FROM certs c JOIN names n ON n.cert_id = c.id")" 2 \
    "its names went with it"

# a store of schema 1 (no running total of the size cap) with keys in it:
# migrate starts the total from the rows there, and it follows them
pglab_sql keys "DROP TABLE totals, key_updates; DROP FUNCTION gatewarden_charge_added, gatewarden_charge_removed, gatewarden_charge_changed, gatewarden_charge_emptied CASCADE; UPDATE gatewarden_schema SET version = 1" >/dev/null
status 0 "a store of schema 1: migrate" KU migrate
contains "schema version 1 to 2" "$out" "from 1 to 2"
total_is_sum="SELECT (SELECT value FROM totals WHERE name = 'charge') = (SELECT sum(charge) FROM certs)"
same "$(pglab_sql keys "$total_is_sum")" t \
    "the running total starts from the rows there"
status 0 "import after the migration" KU pubkey import "$WORK/c2.pem"
same "$(pglab_sql keys "$total_is_sum")" t "and follows an insertion"

# ---- the daemon on a database: never makes the schema -----------------
GW=$top_builddir/milter/gatewarden
status 0 "an organisation certificate (in its files)" K create-cert gw-b \
    --smime --cn "Gateway B" --email gateway@b.test --dns b.test --days 30
pglab_createdb daemon
DURI=$(pglab_uri daemon)
mkdir -p "$WORK/spool"
cat >"$WORK/gw.yaml" <<EOC
milter:
  socket: "unix:$WORK/gw.sock"
  spool_dir: $WORK/spool
  pid_file: $WORK/gw.pid
  authserv_id: mx.b.test
trust:
  system_cas: false
sender_groups:
  - name: all
    match: any
    smime_inbound: strip
destinations:
  default: { dane: none }
smime:
  keystore: "$DURI"
  private_dir: $WORK/private
  certificates:
    - { name: gw-b, certificate: $WORK/private/gw-b.crt, key: $WORK/private/gw-b.key }
  inbound_policies:
    - { name: strip, signature: remove, on_failure: reject }
EOC
status 1 "the daemon on a database without the schema: does not start" \
    timeout 60 "$GW" -f -c "$WORK/gw.yaml"
contains "no gatewarden schema in this database: run gatewarden-keys migrate" \
    "$err" "saying what to run"
lacks "gatewarden_schema" "$(pglab_sql daemon "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'public'" >"$WORK/tables"; echo "$WORK/tables")" \
    "and it made no table"
status 0 "migrate the daemon's database" \
    timeout 60 "$KEYS" --keystore "$DURI" migrate
timeout 120 "$GW" -f -c "$WORK/gw.yaml" >"$WORK/gw.out" 2>&1 &
gwpid=$!
i=0
while [ $i -lt 300 ] && ! grep -q "start: version" "$WORK/gw.out"; do
	kill -0 $gwpid 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
contains "start: version" "$WORK/gw.out" "then the daemon starts"
kill -TERM $gwpid 2>/dev/null
wait $gwpid
finish
