#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest: loads causal.ko and causal_kunit.ko, which runs its KUnit suites at load, and prints
# their KTAP results (from debugfs) as one KTAP document on stdout.
if ! insmod /lib/causal/causal.ko; then
	echo "KTAP version 1"
	echo "1..0 # cannot load causal.ko"
	exit 1
fi
if [ ! -f /lib/causal/causal_kunit.ko ]; then
	echo "KTAP version 1"
	echo "1..0 # no causal_kunit.ko: is this kernel built with CONFIG_KUNIT?"
	exit 1
fi
insmod /lib/causal/causal_kunit.ko || exit 1
suites=$(ls -d /sys/kernel/debug/kunit/causal_* 2>/dev/null)
echo "KTAP version 1"
echo "1..$(echo "$suites" | grep -c .)"
# each results file is a KTAP document of one suite: keep its subtest and result lines only
for s in $suites; do
	sed -e '/^KTAP version/d' -e '/^1\.\.[0-9]*$/d' "$s/results"
done
rmmod causal_kunit && rmmod causal
