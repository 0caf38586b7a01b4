#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest tests of causalctl on Go programs and the cgo callback shape, unchanged and unrebuilt
# (progress points are uprobes), as KTAP: the HTTP/2 server profiled in both thread models, the
# cgo callback program and its C twin (whose contended section must rank first).
#   go.sh H2_HANDLE_END_LINE TWIN_CRITICAL_LINE
#     H2_HANDLE_END_LINE: the line of h2server/main.go that ends a request (latency end point)
#     TWIN_CRITICAL_LINE: the line of cgo_twin.c marked "critical"
end_line=$1
critical=$2
n=0
fails=0
plan=14
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
# experiments PROFILE: how many experiment records it has
experiments() {
	grep -c '"type":"experiment"' "$1"
}

echo "KTAP version 1"
echo "1..$plan"
echo "# kernel $(uname -r) ($CAUSAL_KERNEL)"
insmod /lib/causal/causal.ko
ok $? insmod

# The HTTP/2 server over TLS, with a client keeping 10 requests in flight; the progress point is a
# uprobe on the handler, the latency point runs from its entry to its last line (no return probe:
# Go moves stacks, which a hijacked return address would break).
for model in task cpu; do
	rm -f $tmp/ready
	causalctl run -o $tmp/h2-$model.coz --thread-model $model --experiment-length 250ms \
		--progress main.handle --latency "main.handle,h2server/main.go:$end_line" \
		-- h2server -n 400 -work 20 -ready $tmp/ready >$tmp/h2-$model.out 2>&1 &
	ctl=$!
	i=0
	while [ ! -e $tmp/ready ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	h2client -n 400 -inflight 10 >$tmp/h2client-$model.out 2>&1
	crc=$?
	wait $ctl
	rc=$?
	diag $tmp/h2-$model.out
	diag $tmp/h2client-$model.out
	[ $rc -eq 0 ] && [ $crc -eq 0 ]
	ok $? "h2_${model}_server_and_client_exit_0"
	grep -q "causal: progress point 'main.handle': 400 visits in total" $tmp/h2-$model.out
	ok $? "h2_${model}_uprobe_on_the_handler_counts_every_request"
	e=$(experiments $tmp/h2-$model.coz)
	echo "# $e experiments"
	[ "$e" -gt 0 ] && grep -q '"type":"throughput-point","name":"main.handle"' $tmp/h2-$model.coz &&
		grep -q '"type":"latency-point"' $tmp/h2-$model.coz &&
		grep -q "\"thread_model\":\"$model\"" $tmp/h2-$model.coz
	ok $? "h2_${model}_profile_has_experiments_and_both_points"
	causalctl report --min-points 1 -n 8 $tmp/h2-$model.coz >$tmp/h2-report-$model.out 2>&1
	rc=$?
	diag $tmp/h2-report-$model.out
	[ $rc -eq 0 ] && grep -q 'main.go:[0-9]' $tmp/h2-report-$model.out
	ok $? "h2_${model}_report_names_go_source_lines"
done

# cgo: C threads calling back into Go; the point is a uprobe on the exported callback
causalctl run -o $tmp/cgocb.coz --experiment-length 250ms --progress goCallback \
	-- cgocb -threads 4 -calls 6000 >$tmp/cgocb.out 2>&1
rc=$?
diag $tmp/cgocb.out
ok $rc cgocb_run_exit_0
grep -q "causal: progress point 'goCallback': 24000 visits in total" $tmp/cgocb.out
ok $? cgocb_uprobe_counts_every_callback
causalctl report --min-points 1 -n 8 $tmp/cgocb.coz >$tmp/cgocb-report.out 2>&1
rc=$?
diag $tmp/cgocb-report.out
[ $rc -eq 0 ] && [ "$(experiments $tmp/cgocb.coz)" -gt 0 ]
ok $? cgocb_profile_is_not_empty

# the C twin: a global mutex on the callback path; its critical section must rank first
causalctl run -o $tmp/twin.coz --seed 3 --progress callback -- cgo_twin 4 12000 \
	>$tmp/twin.out 2>&1
rc=$?
diag $tmp/twin.out
ok $rc twin_run_exit_0
causalctl report --min-points 3 -n 8 $tmp/twin.coz >$tmp/twin-report.out 2>&1
diag $tmp/twin-report.out
first=$(grep -m1 '\.c:[0-9]' $tmp/twin-report.out)
echo "# first ranked: $first"
echo "$first" | grep -q "cgo_twin.c:$critical "
ok $? twin_ranks_the_critical_section_first

rmmod causal
ok $? rmmod
echo "# go.sh: $fails of $n failed"
[ $fails -eq 0 ]
