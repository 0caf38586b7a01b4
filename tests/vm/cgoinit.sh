#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest test of the published cgo case's shape (tests/workloads/go/cgoinit: worker goroutines,
# each task Go -> C -> exported Go callback) built with Go 1.21, whose _cgo_wait_runtime_init_done
# locks runtime_init_mu in libc on every C-to-Go call, and with Go 1.22, whose fast path does not;
# free-running, default scope, the progress point a uprobe on main.progress, as KTAP; then the
# Go 1.21 build with both functions that lock as one fixed block. Where the samples fall, not
# timing:
#   cgoinit.sh TASK_LINE BLOCK LOCKS
#     TASK_LINE: the line of cgoinit/main.go marked "task" (run_task's call into Go); BLOCK, LOCKS:
#     Go 1.21's gcc_libinit.c lines (tests/go/libinit-lines.sh): the two functions, A-B,C-D, and
#     the lines in them that lock runtime_init_mu, L1,L2
task_line=$1
block=$2
locks=$3
. /lib/causal/ktap.sh
tmp=/tmp/cgoinit-test
mkdir -p $tmp

begin 10 "$(nproc) CPUs"
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
# Go 1.21 locks runtime_init_mu in libc's pthread_mutex_lock twice per task. Neither libc nor
# runtime/cgo's C code (built -O2, %rbp a general register there) keeps frame pointers: by the
# frame pointers alone the lock's time went to the task's call in run_task, two frames up, which
# was among the 3 most-sampled lines. By the call frame rows it goes to the lines that lock, one of
# which is among the 5 most-sampled (docs/go.md), and the task's call is not among the 3. With Go
# 1.22 no lock is taken and no line of gcc_libinit.c is among the 5.
locks_re=$(echo "$locks" | sed 's/,/|/g')
hot $tmp/p-1.21.coz 5 | grep -Eq "/runtime/cgo/gcc_libinit\.c:($locks_re)\$"
ok $? cgoinit_1.21_the_lock_lines_carry_the_locks_samples
! hot $tmp/p-1.21.coz 3 | grep -q "/cgoinit/main.go:$task_line\$" &&
	! hot $tmp/p-1.22.coz 5 | grep -q "/runtime/cgo/gcc_libinit\.c:"
ok $? cgoinit_the_tasks_call_and_1.22_carry_no_lock
logged $tmp/report.out causalctl report --min-points 3 -n 8 $tmp/p-1.21.coz
rc=$?
[ $rc -eq 0 ]
ok $? cgoinit_1.21_report_reads_the_profile

# Both functions as one block (what Go 1.22 sped up), at 0 and 90 %: every experiment above 0 %
# selects samples of the block (in make bench-go, most of them the lock's in libc, which the call
# frame rows lead back to the block)
logged $tmp/fixed.out causalctl run -o $tmp/f.coz --experiment-length 250ms \
	--fixed-line "gcc_libinit.c:$block" --fixed-speedup 0,90 --max-experiments 8 \
	--progress main.progress -- cgoinit-1.21 -tasks 1000000000
rc=$?
[ $rc -eq 143 ]
ok $? cgoinit_1.21_block_profile_runs
exps=$(grep '"type":"experiment"' $tmp/f.coz | grep -F "/runtime/cgo/gcc_libinit.c:$block\"" |
	grep -v '"speedup":0\.0,')
sel=$(echo "$exps" | sed -n 's/.*"selected_samples":\([0-9]*\).*/\1/p' | tr '\n' ' ')
echo "# samples selected by the experiments at 90 %: $sel"
[ -n "$sel" ] && ! echo " $sel" | grep -q ' 0 '
ok $? cgoinit_1.21_block_experiments_select_the_locks_samples

rmmod causal
ok $? rmmod
echo "# cgoinit.sh: $fails of $n failed"
[ $fails -eq 0 ]
