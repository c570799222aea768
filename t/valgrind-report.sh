#!/bin/sh
# valgrind-report DIR - the verdict of `make valgrind-check`: every
# gatewarden process the Postfix end-to-end tests started under memcheck
# (GW_VALGRIND=1, t/lib/bench.sh) left one log in DIR; valgrind runs with
# --quiet, so a log is empty unless memcheck found an error or a definite
# or indirect leak. Prints each non-empty log and a summary line; exits 1
# when any log is non-empty or none was written (nothing was checked).
dir=${1:?usage: valgrind-report DIR}
n=0
bad=0
for f in "$dir"/*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if [ -s "$f" ]; then
		bad=$((bad + 1))
		echo "---- $f"
		head -n 200 "$f"
	fi
done
echo "valgrind: $n gatewarden processes checked, $bad with errors or leaks"
[ "$n" -gt 0 ] && [ "$bad" = 0 ]
