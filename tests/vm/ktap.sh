#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# KTAP helpers that the in-guest test scripts source (tests/vm/run puts this file at
# /lib/causal/ktap.sh in every guest):
#   ok STATUS NAME [WHY]  one result, numbered in order; a non-zero STATUS is a failure, WHY
#                         (what was found against what was wanted) said after its name
#   diag [FILE...]        the files (or stdin) as KTAP diagnostics, "# " before each line
# n counts the results so far and fails the failures, for the script's summary and exit status.
# The host-side tests of tests/vm (check-console-test.sh, guest-scripts-test.sh) source it too.
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+ ($3)}"
		fails=$((fails + 1))
	fi
}

diag() {
	sed 's/^/# /' "$@"
}
