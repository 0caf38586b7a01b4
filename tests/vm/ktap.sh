#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What the in-guest test scripts share, their KTAP results first (tests/vm/run puts this file at
# /lib/causal/ktap.sh in every guest):
#   begin PLAN [NOTE]     KTAP's header and plan, and the kernel under test (NOTE after it)
#   ok STATUS NAME [WHY]  one result, numbered in order; a non-zero STATUS is a failure, WHY
#                         (what was found against what was wanted) said after its name
#   diag [FILE...]        the files (or stdin) as KTAP diagnostics, "# " before each line
#   logged FILE CMD...    CMD with its output (stdout and stderr) in FILE, then shown with diag;
#                         CMD's exit status
#   hot PROFILE N         the N most-sampled lines of a causalctl profile, "COUNT FILE:LINE" each
# n counts the results so far and fails the failures, for the script's summary and exit status.
# The host-side tests of tests/vm (check-console-test.sh, guest-scripts-test.sh) source it too.
n=0
fails=0

begin() {
	echo "KTAP version 1"
	echo "1..$1"
	echo "# kernel $(uname -r) ($CAUSAL_KERNEL)${2:+, $2}"
}

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

logged() {
	logged_file=$1
	shift
	"$@" >"$logged_file" 2>&1
	logged_rc=$?
	diag "$logged_file"
	return $logged_rc
}

hot() {
	sed -n 's/.*"type":"samples","location":"\([^"]*\)","count":\([0-9]*\).*/\2 \1/p' "$1" |
		sort -rn | head -n "$2"
}
