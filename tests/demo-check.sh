#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo's exact command (scripts/demo.sh), and what it promises a newcomer: the run settles
# (--until-settled, not its cap), the report's first ranked line is join.c's line A (the critical
# path: the line that says "line A"), and the verdict speaks of that line. One PASS/FAIL per promise.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=${1:-$top/build/demo-check.log}
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"

line_a=$(grep -n '/\* line A \*/' tests/workloads/join.c | cut -d: -f1)
[ -n "$line_a" ] || { fail "no '/* line A */' in tests/workloads/join.c"; exit 1; }
t0=$(date +%s)
scripts/demo.sh >"$log" 2>&1
rc=$?
took=$(($(date +%s) - t0))
# the status line redraws (\r ... ESC[K) of a terminal: keep what follows the last one
clean=$(sed -e 's/.*\x1b\[K//' "$log")
if [ $rc -eq 0 ]; then pass "make demo's command ran (exit 0, ${took} s)"; else fail "scripts/demo.sh exited $rc (log $log)"; fi
settled=$(echo "$clean" | grep -m1 '^causal: settled after\|^causal: NOT settled')
echo "  $settled"
case "$settled" in
"causal: settled after"*) pass "the run settled before its cap" ;;
*) fail "the run did not settle: ${settled:-no settle line} (log $log)" ;;
esac
first=$(echo "$clean" | grep -A1 -m1 '^rank  line' | tail -n 1)
echo "  $first"
if echo "$first" | grep -qE "^ +1 +[^ ]*join\.c:$line_a "; then
	pass "the report ranks join.c:$line_a (line A, the critical path) first"
else
	fail "the first ranked line is not join.c:$line_a: '$first'"
fi
verdict=$(echo "$clean" | grep -m1 '^verdict:')
echo "  $verdict"
if echo "$verdict" | grep -qE "^verdict: speeding up [^ ]*join\.c:$line_a by 20 % would speed the program up by about [0-9]+ %"; then
	pass "the verdict speaks of line A"
else
	fail "no verdict on line A: '$verdict'"
fi
[ "$nfail" -eq 0 ]
