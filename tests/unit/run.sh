#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs cmocka test binaries and ends with one line, "unit: N passed, N failed"; fails if any failed.
set -u

passed=0
failed=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

for t in "$@"; do
	echo "== ${t##*/}"
	CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	# a test that crashed the binary (ASan aborts) never prints OK: count it, and those not run, as failed
	total=$(sed -n 's/^\[==========\] .*Running \([0-9][0-9]*\) test(s)\.$/\1/p' "$log" | head -n 1)
	ok=$(grep -c '^\[       OK \]' "$log")
	skipped=$(grep -c '^\[  SKIPPED \] [^0-9]' "$log")
	bad=$(( ${total:-0} - ok - skipped ))
	if [ "$rc" -ne 0 ] && [ "$bad" -le 0 ]; then
		echo "${t##*/}: exited with status $rc after its tests passed (leak or sanitizer report above?)"
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
