#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs cmocka test binaries and ends with one line, "unit: N passed, N failed, N skipped"; fails if
# any failed (a skip says why in its own output: a missing debug package, say).
set -u

passed=0
failed=0
nskipped=0
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
	# newer cmocka (Debian 13) lists a skipped test again under a "tests: N test(s)" summary line:
	# count the names once
	skipped=$(grep '^\[  SKIPPED \] [^0-9]' "$log" | grep -v ' test(s)' | sort -u | wc -l)
	bad=$(( ${total:-0} - ok - skipped ))
	if [ "$rc" -ne 0 ] && [ "$bad" -le 0 ]; then
		echo "${t##*/}: exited with status $rc after its tests passed (leak or sanitizer report above?)"
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	nskipped=$((nskipped + skipped))
done

echo "unit: $passed passed, $failed failed, $nskipped skipped"
[ "$failed" -eq 0 ]
