#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest smoke test of the known-answer workloads (tests/workloads/README.md) and of two programs
# of the generator (tests/workloads/gen/gen.py, seeds 7 and 14), as KTAP on stdout:
# each one, with small arguments, runs to completion under `causalctl run` (a few short
# experiments) and leaves a profile with experiments and its progress point counted. Accuracy is
# `make bench-accuracy`'s business, not this one's: no timing is checked here. No
# --max-experiments: it would end the run with SIGTERM (exit 143) when a slow host lets the
# workload outlast it, as pool did once in CI; `timeout 120` is the bound instead.
# The sizes give each workload about 0.5-1.5 s unprofiled, 5 or more experiments of 100 ms: at a
# fifth of that they ran 0.1-0.3 s and got 1 or 2, and once in CI server answered its 100
# requests in 96 ms, before the first experiment began, and left a profile without one.
tmp=/tmp/workloads-test
mkdir -p $tmp
. /lib/causal/ktap.sh
# name args (commas for spaces) progress-options; futex and pipeline pinned as make
# bench-accuracy runs them
specs='join 100 -
lock 300 -
pipeline 1000,300000,1 -
futex 500,120000,1 -
server 1000 -
phased 50 -
batch_static 100 --progress=batch_done
pool 480 -
gen-7 4000 -
gen-14 2000 -'

echo "KTAP version 1"
echo "1..$((2 + 3 * $(echo "$specs" | wc -l)))"
echo "# kernel $(uname -r) ($CAUSAL_KERNEL)"
insmod /lib/causal/causal.ko
ok $? insmod
echo "$specs" | {
	while read -r name args popt; do
		[ "$popt" = - ] && popt=
		popt=$(echo "$popt" | tr = ' ')
		args=$(echo "$args" | tr , ' ')
		prof=$tmp/$name.coz
		t0=$(date +%s)
		# shellcheck disable=SC2086
		timeout 120 causalctl run -o $prof --experiment-length 100ms $popt \
			-- $name $args >$tmp/$name.out 2>&1
		rc=$?
		sed 's/^/# /' $tmp/$name.out | grep -v '^# causal: [0-9]* experiments, ' | tail -n 8
		echo "# $name: exit $rc in $(($(date +%s) - t0)) s"
		ok $rc "${name}_runs_under_causalctl"
		grep -q '"type":"experiment"' $prof 2>/dev/null
		ok $? "${name}_profile_has_experiments"
		grep -Eq "causal: (progress|latency) point '.*': [1-9][0-9]* (visits|begins)" $tmp/$name.out &&
			causalctl report $prof >/dev/null 2>&1
		ok $? "${name}_progress_point_counted_and_report_reads_it"
	done
	rmmod causal
	ok $? rmmod
	echo "# workloads.sh: $fails of $n failed"
	[ $fails -eq 0 ]
}
