#!/bin/sh
# demo.sh - the README's first quick-start command, tools/demo, run on the
# build under test: every step must do what the shipped example policy
# says (the demo exits 0 only then).
echo "1..1"
out=$(mktemp /tmp/gw-demo-XXXXXX)
GW_DEMO_BUILD=${top_builddir:-.} timeout 300 sh "${top_srcdir:-.}/tools/demo" >"$out" 2>&1
rc=$?
if [ $rc = 0 ]; then
	echo "ok 1 - tools/demo: every step did what the policy says"
else
	echo "not ok 1 - tools/demo exited $rc"
	sed 's/^/# /' "$out" | grep -vE '^# ---- |^# Nov' | head -80
fi
rm -f "$out"
exit $rc
