# tap.sh - Test Anything Protocol helpers for gatewarden's shell tests.
#
# Source it, then:
#   plan N              print "1..N" (or use done_testing at the end)
#   ok COND-STATUS NAME  "ok N - NAME" when the status is 0: `ok $? "name"`,
#                       or `cmd; ok $? "name"`; any non-zero is a failure
#   is GOT WANT NAME    string equality; prints "got 'X', want 'Y'"
#   isnt GOT UNWANTED NAME
#   like GOT REGEX NAME extended regular expression match (grep -E)
#   unlike GOT REGEX NAME
#   diag TEXT...        "# TEXT" on stderr-safe stdout (TAP comments)
#   diag_file FILE [MAX-LINES]  a file's (last) lines as diagnostics
#   skip_all REASON     "1..0 # SKIP REASON" and exit 0 (only for a missing
#                       prerequisite outside our control: never for our code;
#                       with GW_REQUIRE_ALL=1, as tools/test sets, a bail-out)
#   bail_out REASON     "Bail out! REASON" and exit 1
#   done_testing        prints the plan if none was given; returns (and the
#                       script should exit with) 0 only when every test passed
#                       and the plan was met: `done_testing; exit $?`
#
# A failing assertion never aborts the script; every assertion returns 0
# on pass and 1 on failure so a test can react (e.g. dump a log). The
# counters live in TAP_* variables; nothing here uses `set -e`.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=

plan()
{
	TAP_PLANNED=$1
	echo "1..$1"
}

diag()
{
	printf '%s\n' "$*" | sed 's/^/# /'
}

diag_file()
{
	if [ -r "$1" ]; then
		diag "---- $1 ----"
		if [ -n "${2:-}" ]; then
			tail -n "$2" "$1" | sed 's/^/# /'
		else
			sed 's/^/# /' "$1"
		fi
	else
		diag "---- $1: not readable ----"
	fi
}

_tap_result()
{
	# $1: 0 pass / other fail, $2: name
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
		return 0
	fi
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $2"
	return 1
}

ok()
{
	_tap_result "$1" "$2"
}

is()
{
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "got '$1', want '$2'"
		return 1
	fi
}

isnt()
{
	if [ "$1" != "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "got '$1', want anything else"
		return 1
	fi
}

like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "got '$1', want a match of /$2/"
		return 1
	fi
}

unlike()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 1 "$3"
		diag "got '$1', want no match of /$2/"
		return 1
	else
		_tap_result 0 "$3"
	fi
}

skip_all()
{
	# tools/test (CI) sets GW_REQUIRE_ALL: there a missing prerequisite
	# is a failure of tools/install-deps, not a reason to pass.
	if [ "${GW_REQUIRE_ALL:-0}" = 1 ]; then
		echo "Bail out! prerequisite missing: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out()
{
	echo "Bail out! $*"
	exit 1
}

done_testing()
{
	if [ -z "$TAP_PLANNED" ]; then
		echo "1..$TAP_N"
		TAP_PLANNED=$TAP_N
	elif [ "$TAP_PLANNED" != "$TAP_N" ]; then
		diag "planned $TAP_PLANNED tests, ran $TAP_N"
		return 1
	fi
	if [ "$TAP_FAILED" != 0 ]; then
		diag "$TAP_FAILED of $TAP_N tests failed"
		return 1
	fi
	return 0
}
