#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest integration tests of causal.ko's core engine (sessions, sampler, delays, hooks), as KTAP
# on stdout: loads /lib/causal/causal.ko with the module parameters given as arguments, runs
# core_test (every scenario unless told otherwise) and unloads the module: the unload is a KTAP
# result of its own, in a second KTAP document after core_test's (a module reference left behind
# shows as nothing else). Exits non-zero on any failure.
#   core.sh [PARAM=VALUE...] [-- CORE_TEST_ARGS...]
# e.g. core.sh hooks=kprobe min_pay_ns=50000 -- -i 10000000 delay sigkill
params=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	params="$params $1"
	shift
done
[ "$1" = "--" ] && shift

# shellcheck disable=SC2086
if ! insmod /lib/causal/causal.ko $params; then
	echo "KTAP version 1"
	echo "1..1"
	echo "not ok 1 insmod causal.ko$params"
	exit 1
fi
core_test "$@"
rc=$?
echo "# core.sh: kernel $(uname -r) ($CAUSAL_KERNEL), module parameters:${params:- none}"
dmesg | grep -i 'causal' | sed 's/^/# dmesg: /'
echo "KTAP version 1"
echo "1..1"
if ! rmmod causal; then
	echo "not ok 1 rmmod_causal_after_the_tests # $(grep '^causal ' /proc/modules)"
	rc=1
elif [ -e /dev/causal ]; then
	echo "not ok 1 rmmod_causal_after_the_tests # /dev/causal is still there"
	rc=1
else
	echo "ok 1 rmmod_causal_after_the_tests"
fi
exit $rc
