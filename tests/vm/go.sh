#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest tests of causalctl on Go programs and the cgo callback shape, unchanged and unrebuilt
# (progress points are uprobes), as KTAP: the HTTP/2 server profiled in both thread models, the
# cgo callback program and its C twin. The task-model server's profile, its callchains and the
# pprof profile report --pprof makes of them come back on stdout for the host's pprof checks
# (tests/go/pprof.sh): a gzip'd tar in base64, on lines that start "# pprof-b64 ".
#   go.sh H2_HANDLE_END_LINE TWIN_CONTENDED_LINES
#     H2_HANDLE_END_LINE: the line of h2server/main.go that ends a request (latency end point)
#     TWIN_CONTENDED_LINES: the lines of cgo_twin.c marked "contended", e.g. 25,26,27,28
end_line=$1
contended=$(echo "$2" | tr ',' ' ')
n=0
fails=0
plan=18
tmp=/tmp/go-test
mkdir -p $tmp

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}
diag() {
	sed 's/^/# /' "$@"
}
# finish PID SECONDS: waits for a background causalctl, interrupting it (then killing it) when it
# takes longer, so that a hang is a failure with its output rather than a stuck VM
finish() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do sleep 1; i=$((i + 1)); done
	if kill -0 "$1" 2>/dev/null; then
		echo "# causalctl $1 still running after $2 s: SIGINT"
		ps -o pid,stat,args 2>/dev/null | sed 's/^/# /'
		kill -INT "$1"
		sleep 10
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1"
}
# experiments PROFILE: how many experiment records it has
experiments() {
	grep -c '"type":"experiment"' "$1"
}

echo "KTAP version 1"
echo "1..$plan"
echo "# kernel $(uname -r) ($CAUSAL_KERNEL)"
insmod /lib/causal/causal.ko
ok $? insmod
# the guest's init does not bring up loopback, which the server and client talk over
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

# The HTTP/2 server over TLS, with a client keeping 10 requests in flight; the progress point is a
# uprobe on the handler, the latency point runs from its entry to its last line (no return probe:
# Go moves stacks, which a hijacked return address would break). Enough requests that experiments
# run for several seconds after causalctl has read the server's DWARF (1-3 s of CPU here).
reqs=3000
for model in task cpu; do
	rm -f $tmp/ready
	causalctl run -o $tmp/h2-$model.coz --thread-model $model --experiment-length 250ms \
		--progress main.handle --latency "main.handle,h2server/main.go:$end_line" \
		-- h2server -n $reqs -work 5 -ready $tmp/ready >$tmp/h2-$model.out 2>&1 &
	ctl=$!
	i=0
	while [ ! -e $tmp/ready ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	echo "# server ready after $i tenths of a second"
	timeout 300 h2client -n $reqs -inflight 10 >$tmp/h2client-$model.out 2>&1
	crc=$?
	echo "# client exit $crc"
	# a server that did not get its requests must not hang the test
	[ $crc -eq 0 ] || killall h2server 2>/dev/null
	finish $ctl 120
	rc=$?
	diag $tmp/h2-$model.out
	diag $tmp/h2client-$model.out
	# every request answered: the server shuts down gracefully, and profiling must not fail one
	[ $rc -eq 0 ] && [ $crc -eq 0 ] && grep -q "^h2client: $reqs requests (0 failed)" $tmp/h2client-$model.out
	ok $? "h2_${model}_server_and_client_exit_0_and_every_request_answered"
	# at least every request the client sent (HTTP/2 may retry one when the server closes)
	v=$(sed -n "s/^causal: progress point 'main.handle': \([0-9]*\) visits in total$/\1/p" \
		$tmp/h2-$model.out)
	echo "# main.handle visits: $v"
	[ -n "$v" ] && [ "$v" -ge $reqs ] && [ "$v" -le $((reqs + 10)) ]
	ok $? "h2_${model}_uprobe_on_the_handler_counts_every_request"
	e=$(experiments $tmp/h2-$model.coz)
	echo "# $e experiments"
	[ "$e" -ge 5 ] && grep -q '"type":"throughput-point","name":"main.handle"' $tmp/h2-$model.coz &&
		grep -q '"type":"latency-point"' $tmp/h2-$model.coz &&
		grep -q "\"thread_model\":\"$model\"" $tmp/h2-$model.coz
	ok $? "h2_${model}_profile_has_experiments_and_both_points"
	causalctl report --min-points 1 -n 8 $tmp/h2-$model.coz >$tmp/h2-report-$model.out 2>&1
	rc=$?
	diag $tmp/h2-report-$model.out
	# a ranked row, not a warning that quotes the latency point's FILE:LINE
	[ $rc -eq 0 ] && grep -Eq '^ *[0-9]+ +[^ ]*\.go:[0-9]+ ' $tmp/h2-report-$model.out &&
		! grep -q 'never reached' $tmp/h2-report-$model.out
	ok $? "h2_${model}_report_names_go_source_lines"
done

# Every sample's callchain is in FILE.stacks: their counts add up to the samples causalctl counted
samples=$(sed -n 's/^causal: .* experiments in .* s, \([0-9]*\) samples (.*/\1/p' $tmp/h2-task.out)
stacked=$(awk -F'"count":' '/"type":"stack"/ { split($2, a, ","); s += a[1] } END { print s + 0 }' \
	$tmp/h2-task.coz.stacks)
echo "# h2 task: $samples samples, $stacked in stack records"
[ -n "$samples" ] && [ "$samples" -gt 0 ] && [ "$stacked" = "$samples" ] &&
	grep -q '"type":"frame".*"lines":\[\[' $tmp/h2-task.coz.stacks
ok $? h2_task_stacks_count_every_sample
causalctl report --min-points 1 -n 1 --pprof $tmp/h2-task.pb.gz $tmp/h2-task.coz >$tmp/h2-pprof.out 2>&1
rc=$?
diag $tmp/h2-pprof.out
[ $rc -eq 0 ] && [ -s $tmp/h2-task.pb.gz ] && grep -q "wrote the pprof profile" $tmp/h2-pprof.out
ok $? h2_task_report_writes_pprof
tar -czf - -C $tmp h2-task.coz h2-task.coz.stacks h2-task.pb.gz h2-task.out | base64 | sed 's/^/# pprof-b64 /'

# top PROFILE [MIN_POINTS]: the first-ranked line of a profile's report (its default order, impact
# less its standard error, among lines measured at MIN_POINTS or more speedups, 3 unless given)
top() {
	causalctl report --min-points "${2:-3}" -n 1 "$1" 2>/dev/null | awk '$1 == "1" { print $2; exit }'
}

# cgo: C threads calling back into Go; the point is a uprobe on the exported callback
causalctl run -o $tmp/cgocb.coz --experiment-length 250ms --progress batch_done \
	-- cgocb -threads 4 -calls 40000 >$tmp/cgocb.out 2>&1
rc=$?
diag $tmp/cgocb.out
ok $rc cgocb_run_exit_0
grep -q "causal: progress point 'batch_done': 1600 visits in total" $tmp/cgocb.out
ok $? cgocb_uprobe_counts_every_callback
causalctl report --min-points 1 -n 8 $tmp/cgocb.coz >$tmp/cgocb-report.out 2>&1
rc=$?
diag $tmp/cgocb-report.out
[ $rc -eq 0 ] && [ "$(experiments $tmp/cgocb.coz)" -gt 0 ]
ok $? cgocb_profile_is_not_empty

# The ranking, from 80 experiments whatever the speed of the host (then SIGTERM: 143). What
# limits cgocb is the callback path in the runtime: borrowing and returning an extra M on every
# callback (needm/dropm: the signal mask and alternate stack system calls, the extra-M lock's
# usleep and futex), not the C threads' own work (workers.c). So the first line must be a
# runtime line. In 5 runs, sys_linux_amd64.s's rt_sigprocmask (3 times), sigaltstack and usleep
# came first. The check counts lines measured at 5 speedups or more. A line sampled so rarely that
# it got 3 or 4 experiments has its baseline from one 200 ms run, about 10 % noise: in 10 runs such
# lines reached +10..36 % and came first twice (runtime lines, by luck), and in one CI run
# workers.c's C work came first that way, on 3 experiments. Among lines with 5 or more, the first
# was a runtime line in 10 of 10 runs (rt_sigprocmask 7 times, sigaltstack twice, usleep once).
causalctl run -o $tmp/cgocb-rank.coz --seed 3 --experiment-length 200ms --max-experiments 80 \
	--progress batch_done -- cgocb -threads 4 -calls 1000000000 >$tmp/cgocb-rank.out 2>&1
rc=$?
diag $tmp/cgocb-rank.out
causalctl report --min-points 3 -n 5 $tmp/cgocb-rank.coz 2>&1 | diag
causalctl report --min-points 5 -n 3 $tmp/cgocb-rank.coz 2>&1 | diag
first=$(top $tmp/cgocb-rank.coz 5)
echo "# first: $first"
[ $rc -eq 143 ] && case "$first" in */runtime/*) true ;; *) false ;; esac
ok $? cgocb_ranks_the_runtime_callback_path_first

# the C twin: a global mutex on the callback path; its contended section must rank first (it did
# in 8 of 8 runs, all on a host loaded by another VM)
causalctl run -o $tmp/twin.coz --seed 3 --experiment-length 200ms --max-experiments 80 \
	-- cgo_twin 4 1000000000 >$tmp/twin.out 2>&1
rc=$?
diag $tmp/twin.out
[ $rc -eq 143 ]
ok $? twin_run_stops_after_max_experiments
causalctl report --min-points 3 -n 5 $tmp/twin.coz 2>&1 | diag
first=$(top $tmp/twin.coz)
echo "# first: $first; contended section: cgo_twin.c lines $contended"
hit=1
for l in $contended; do
	case "$first" in */cgo_twin.c:"$l") hit=0 ;; esac
done
ok $hit twin_ranks_the_contended_section_first

rmmod causal
ok $? rmmod
echo "# go.sh: $fails of $n failed"
[ $fails -eq 0 ]
