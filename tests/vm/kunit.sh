#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest: loads causal.ko and causal_kunit.ko, which runs its KUnit suites at load, and prints
# their KTAP results (from debugfs) as one KTAP document on stdout, then whether both modules
# unload (a result of its own: a reference left behind shows as nothing else).
#   kunit.sh SUITE...   the suites that must have run (the host takes them from the sources): one
#                       that did not is a failure, not a smaller plan
# (the directories can be moved for tests/vm/guest-scripts-test.sh, which runs this on the host)
lib=${CAUSAL_LIB_DIR:-/lib/causal}
kunit=${CAUSAL_KUNIT_DIR:-/sys/kernel/debug/kunit}
[ $# -gt 0 ] || { echo "KTAP version 1"; echo "1..1"; echo "not ok 1 kunit.sh given no suites"; exit 1; }
echo "KTAP version 1"
echo "1..$(($# + 1))"
fail_all() {
	i=0
	for s in "$@" rmmod; do i=$((i + 1)); echo "not ok $i $s # $why"; done
	exit 1
}
why="cannot load causal.ko"
insmod $lib/causal.ko || fail_all "$@"
why="no causal_kunit.ko: is this kernel built with CONFIG_KUNIT?"
[ -f $lib/causal_kunit.ko ] || fail_all "$@"
why="cannot load causal_kunit.ko"
insmod $lib/causal_kunit.ko || fail_all "$@"
i=0
for s in "$@"; do
	i=$((i + 1))
	r=$kunit/$s/results
	if [ -f "$r" ]; then
		# each results file is a KTAP document of one suite: keep its subtest and result lines,
		# numbered here
		sed -e '/^KTAP version/d' -e '/^1\.\.[0-9]*$/d' -e "s/^\(not ok\|ok\) [0-9]* /\1 $i /" "$r"
	else
		echo "not ok $i $s # the suite did not run (no $r)"
	fi
done
# a suite that ran and that the host does not know of
for d in $kunit/causal_*; do
	case " $* " in *" ${d##*/} "*) ;; *) echo "# kunit.sh: suite ${d##*/} ran but was not asked for" ;; esac
done
i=$((i + 1))
if rmmod causal_kunit && rmmod causal; then
	echo "ok $i rmmod_after_the_suites"
else
	echo "not ok $i rmmod_after_the_suites # $(grep '^causal' /proc/modules | tr '\n' ' ')"
	exit 1
fi
