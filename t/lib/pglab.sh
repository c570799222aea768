# pglab.sh - a private PostgreSQL server (Debian's postgresql, never the
# system's clusters) in a folder of the caller's, listening on a unix
# socket in that folder and on 127.0.0.1, for the key-store tests.
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` user (runuser); otherwise as the caller. Authentication is
# `trust` on the socket and on loopback (a private test server).
#
#   pglab_have             the server programs exist (initdb, pg_ctl)
#   pglab_init DIR         a new cluster in DIR/data, started (bounded:
#                          60 s); sets
#     $PL_SOCK    the socket's folder
#     $PL_PORT    the loopback port
#     $PL_USER    the database superuser (postgres)
#   pglab_uri DB           a postgresql:// URI of database DB on the socket
#   pglab_createdb DB      a new, empty database DB
#   pglab_sql DB SQL       runs SQL in DB with psql, output unaligned
#   pglab_restart          stopped (fast) and started again
#   pglab_stop_only        stopped (a database that has gone away)
#   pglab_start_only       started again after pglab_stop_only
#   pglab_stop             stopped (the caller's EXIT trap too)
PL_SOCK=
PL_PORT=
PL_USER=postgres
PL_DIR=
PL_BIN=

pglab_have()
{
	for _d in /usr/lib/postgresql/*/bin; do
		if [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ]; then
			PL_BIN=$_d
		fi
	done
	[ -n "$PL_BIN" ] && command -v psql >/dev/null 2>&1
}

_pl_as()
{
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

_pl_ctl()
{
	_pl_as timeout 90 "$PL_BIN/pg_ctl" -D "$PL_DIR/data" -w -t 60 \
	    -l "$PL_DIR/server.log" "$@" >>"$PL_DIR/pg_ctl.out" 2>&1
}

pglab_start_only()
{
	_pl_ctl -o "-k $PL_SOCK -p $PL_PORT -h 127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=120 \
-c shared_buffers=32MB" start
}

pglab_stop_only()
{
	_pl_ctl -m fast stop
}

pglab_restart()
{
	pglab_stop_only && pglab_start_only
}

pglab_init()
{
	pglab_have || return 1
	PL_DIR=$1
	PL_SOCK=$PL_DIR/sock
	mkdir -p "$PL_SOCK" || return 1
	chmod 0755 "$PL_DIR" "$(dirname "$PL_DIR")" 2>/dev/null
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$PL_DIR" "$PL_SOCK" || return 1
	fi
	_pl_as timeout 120 "$PL_BIN/initdb" -D "$PL_DIR/data" -U "$PL_USER" \
	    -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
	    >"$PL_DIR/initdb.out" 2>&1 || { tail -n 5 "$PL_DIR/initdb.out"; \
	    return 1; }
	for _try in 1 2 3; do
		PL_PORT=$(python3 "$top_srcdir/t/lib/freeport.py") || return 1
		pglab_start_only && return 0
	done
	tail -n 5 "$PL_DIR/server.log"
	return 1
}

pglab_uri()
{
	printf 'postgresql://%s@/%s?host=%s&port=%s' "$PL_USER" "$1" \
	    "$PL_SOCK" "$PL_PORT"
}

pglab_sql()
{
	timeout 60 psql -X -q -At -v ON_ERROR_STOP=1 -h "$PL_SOCK" \
	    -p "$PL_PORT" -U "$PL_USER" -d "$1" -c "$2"
}

pglab_createdb()
{
	pglab_sql postgres "CREATE DATABASE \"$1\""
}

pglab_stop()
{
	[ -n "$PL_DIR" ] && [ -d "$PL_DIR/data" ] || return 0
	_pl_ctl -m immediate stop 2>/dev/null
	PL_DIR=
}
