#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest test of the published cgo case's shape (tests/workloads/go/cgoinit: worker goroutines,
# each task Go -> C -> exported Go callback) built with Go 1.21, whose _cgo_wait_runtime_init_done
# locks runtime_init_mu in libc on every C-to-Go call, and with Go 1.22, whose fast path does not;
# free-running, default scope, the progress point a uprobe on main.progress, as KTAP. Where the
# samples fall, not timing:
#   cgoinit.sh TASK_LINE
#     TASK_LINE: the line of cgoinit/main.go marked "task" (run_task's call into Go)
task_line=$1
. /lib/causal/ktap.sh
tmp=/tmp/cgoinit-test
mkdir -p $tmp

begin 8 "$(nproc) CPUs"
insmod /lib/causal/causal.ko
ok $? insmod

# 20 s each (then SIGTERM: 143), after causalctl has read the binary's DWARF (Go's and gcc's)
for v in 1.21 1.22; do
	logged $tmp/run-$v.out causalctl run -o $tmp/p-$v.coz --experiment-length 250ms \
		--progress main.progress --duration 20 -- cgoinit-$v -tasks 1000000000
	rc=$?
	v1000=$(sed -n "s/^causal: progress point 'main.progress': \([0-9]*\) visits in total$/\1/p" \
		$tmp/run-$v.out)
	[ $rc -eq 143 ] && [ "${v1000:-0}" -gt 0 ] && grep -q '"type":"experiment"' $tmp/p-$v.coz
	ok $? "cgoinit_${v}_profiled_free_running_with_its_progress_point"
	echo "# the most-sampled lines of the Go $v build:"
	hot $tmp/p-$v.coz 10 | sed 's/^/# /'
done

# The runtime's C code is in the default scope: _cgo_wait_runtime_init_done's own instructions
# (gcc_libinit.c, from the DWARF gcc wrote when the go command built runtime/cgo) are named.
grep -q '"type":"samples","location":"[^"]*/runtime/cgo/gcc_libinit.c:[0-9]*"' $tmp/p-1.21.coz
ok $? cgoinit_1.21_samples_name_the_runtimes_c_code
# Go 1.21 locks runtime_init_mu in libc's pthread_mutex_lock on every task. Neither libc nor
# runtime/cgo's C code (built -O2, %rbp a general register there) keeps frame pointers, so the
# chain from the lock skips _cgo_wait_runtime_init_done and the export wrapper and reaches the
# task's call in run_task first: that line carries the lock's time and is among the 3
# most-sampled (docs/go.md). With Go 1.22 no lock is taken and the line is not among the 10.
hot $tmp/p-1.21.coz 3 | grep -q "/cgoinit/main.go:$task_line\$"
ok $? cgoinit_1.21_the_locks_samples_reach_the_tasks_call
! hot $tmp/p-1.22.coz 10 | grep -q "/cgoinit/main.go:$task_line\$"
ok $? cgoinit_1.22_no_lock_under_the_tasks_call
logged $tmp/report.out causalctl report --min-points 3 -n 8 $tmp/p-1.21.coz
rc=$?
[ $rc -eq 0 ]
ok $? cgoinit_1.21_report_reads_the_profile

rmmod causal
ok $? rmmod
echo "# cgoinit.sh: $fails of $n failed"
[ $fails -eq 0 ]
