#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest tests of causalctl on Go programs and the cgo callback shape, unchanged and unrebuilt
# (progress points are uprobes), as KTAP: the HTTP/2 server profiled in both thread models, the
# same server stripped (-ldflags=-s -w) against its unstripped build, the cgo callback program
# and its C twin. The task-model server's profile, its callchains and the pprof profile report
# --pprof makes of them come back on stdout for the host's pprof checks (tests/go/pprof.sh): a
# gzip'd tar in base64, on lines that start "# pprof-b64 ".
#   go.sh H2_HANDLE_END_LINE TWIN_CONTENDED_LINES H2_CHECKSUM_LINE CGOCB_WORK_LINE
#         TWIN_CRITICAL_LINE TWIN_OUTSIDE_LINE
#     H2_HANDLE_END_LINE: the line of h2server/main.go that ends a request (latency end point)
#     TWIN_CONTENDED_LINES: the lines of cgo_twin.c marked "contended", e.g. 25,26,27,28
#     H2_CHECKSUM_LINE: the line of h2server/main.go marked "checksum" (its hot loop)
#     CGOCB_WORK_LINE: the line of cgocb/workers.c marked "C work"
#     TWIN_CRITICAL_LINE, TWIN_OUTSIDE_LINE: cgo_twin.c's lines "contended: critical" and "outside"
end_line=$1
contended=$(echo "$2" | tr ',' ' ')
checksum_line=$3
cwork_line=$4
twin_critical=$5
twin_outside=$6
. /lib/causal/ktap.sh
tmp=/tmp/go-test
mkdir -p $tmp

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

begin 23
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
	logged $tmp/h2-report-$model.out causalctl report --min-points 1 -n 8 $tmp/h2-$model.coz
	rc=$?
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
logged $tmp/h2-pprof.out causalctl report --min-points 1 -n 1 \
	--pprof $tmp/h2-task.pb.gz $tmp/h2-task.coz
rc=$?
[ $rc -eq 0 ] && [ -s $tmp/h2-task.pb.gz ] && grep -q "wrote the pprof profile" $tmp/h2-pprof.out
ok $? h2_task_report_writes_pprof
tar -czf - -C $tmp h2-task.coz h2-task.coz.stacks h2-task.pb.gz h2-task.out | base64 | sed 's/^/# pprof-b64 /'

# The stripped server: no DWARF and no symbol table, only Go's own line table (.gopclntab), from
# which causalctl resolves the progress point main.handle, the --fixed-line and the samples. The
# same load on both builds (the default -work 200, so that the checksum loop is the hot line), each
# with every experiment on the checksum line: where the samples fall must not depend on the build.
sreqs=400
for b in h2server h2server-stripped; do
	rm -f $tmp/ready
	causalctl run -o $tmp/sym-$b.coz --experiment-length 250ms --progress main.handle \
		--fixed-line "h2server/main.go:$checksum_line" \
		-- $b -n $sreqs -ready $tmp/ready >$tmp/sym-$b.out 2>&1 &
	ctl=$!
	i=0
	while [ ! -e $tmp/ready ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	timeout 300 h2client -n $sreqs -inflight 10 >$tmp/sym-client-$b.out 2>&1
	crc=$?
	[ $crc -eq 0 ] || killall $b 2>/dev/null
	finish $ctl 120
	rc=$?
	diag $tmp/sym-$b.out
	diag $tmp/sym-client-$b.out
	echo "# the most-sampled lines of $b:"
	hot $tmp/sym-$b.coz 6 | diag
done
v=$(sed -n "s/^causal: progress point 'main.handle': \([0-9]*\) visits in total$/\1/p" \
	$tmp/sym-h2server-stripped.out)
[ $rc -eq 0 ] && [ $crc -eq 0 ] && [ -n "$v" ] && [ "$v" -ge $sreqs ] && [ "$v" -le $((sreqs + 10)) ]
ok $? "h2_stripped_runs_with_its_handler_probed_by_go_name"
# every experiment on the fixed line, and the line sampled during them
fixed=$(grep '"type":"experiment"' $tmp/sym-h2server-stripped.coz |
	grep -c "\"selected\":\"[^\"]*/h2server/main.go:$checksum_line\"")
sel=$(grep '"type":"experiment"' $tmp/sym-h2server-stripped.coz |
	grep -c '"selected_samples":[1-9]')
echo "# stripped: $fixed experiments on h2server/main.go:$checksum_line, $sel with its samples"
[ "$fixed" -ge 3 ] && [ "$fixed" -eq "$(experiments $tmp/sym-h2server-stripped.coz)" ] && [ "$sel" -ge 1 ]
ok $? "h2_stripped_fixed_line_resolves_from_the_go_line_table"
# the same hottest line, the checksum loop, in both builds
first_full=$(hot $tmp/sym-h2server.coz 1 | cut -d' ' -f2)
first_strip=$(hot $tmp/sym-h2server-stripped.coz 1 | cut -d' ' -f2)
[ -n "$first_strip" ] && [ "$first_strip" = "$first_full" ] &&
	case "$first_strip" in */h2server/main.go:"$checksum_line") true ;; *) false ;; esac
ok $? "h2_stripped_hottest_line_is_the_unstripped_builds"
# and most of the next ones: at least 3 of the stripped build's 5 hottest lines among the
# unstripped build's 5 hottest
common=0
for l in $(hot $tmp/sym-h2server-stripped.coz 5 | cut -d' ' -f2); do
	hot $tmp/sym-h2server.coz 5 | cut -d' ' -f2 | grep -qxF "$l" && common=$((common + 1))
done
echo "# $common of the stripped build's 5 hottest lines are among the unstripped build's 5"
[ $common -ge 3 ]
ok $? "h2_stripped_hot_lines_match_the_unstripped_builds"
# a report from the stripped build names Go source lines
logged $tmp/sym-report.out causalctl report --min-points 1 -n 5 $tmp/sym-h2server-stripped.coz
rc=$?
[ $rc -eq 0 ] && grep -Eq "^ *[0-9]+ +[^ ]*h2server/main.go:$checksum_line " $tmp/sym-report.out
ok $? "h2_stripped_report_ranks_the_fixed_line"

# top PROFILE [MIN_POINTS]: the first-ranked line of a profile's report (its default order, impact
# less its standard error, among lines measured at MIN_POINTS or more speedups, 3 unless given)
top() {
	causalctl report --min-points "${2:-3}" -n 1 "$1" 2>/dev/null | awk '$1 == "1" { print $2; exit }'
}

# cgo: C threads calling back into Go; the point is a uprobe on the exported callback. Since Go
# 1.21 a C thread keeps its M between callbacks, which made them several times cheaper: 1 600 000
# callbacks took 7.8 and 13 s in two runs here, enough for experiments once causalctl has read the
# symbols.
logged $tmp/cgocb.out causalctl run -o $tmp/cgocb.coz --experiment-length 250ms \
	--progress batch_done -- cgocb -threads 4 -calls 400000
rc=$?
ok $rc cgocb_run_exit_0
grep -q "causal: progress point 'batch_done': 16000 visits in total" $tmp/cgocb.out
ok $? cgocb_uprobe_counts_every_callback
logged $tmp/cgocb-report.out causalctl report --min-points 1 -n 8 $tmp/cgocb.coz
rc=$?
[ $rc -eq 0 ] && [ "$(experiments $tmp/cgocb.coz)" -gt 0 ]
ok $? cgocb_profile_is_not_empty

# 80 experiments whatever the speed of the host (then SIGTERM: 143). Up to Go 1.20, what limited
# cgocb was the callback path in the runtime (needm/dropm on every callback: signal mask and
# alternate stack system calls, the extra-M lock), and its lines ranked first. Since Go 1.21 a C
# thread keeps its M, the callback costs less, and in 80 experiments the first line changes from
# run to run (on Go 1.27, among lines with 5 or more speedups: batch_done's uprobe site at
# +3.7 % +-21, the C work at +28 % +-28, the runtime's nanosleep at +39 % +-7), so the test asserts
# where the samples fall, not a ranking: the C work (workers.c, the line marked "C work") is
# among the 3 most-sampled lines (first in three of three runs), and the cgo
# callback path
# (runtime/cgocall.go) among the 10 most-sampled: C from gcc's DWARF and Go from Go's, in one
# externally linked binary.
logged $tmp/cgocb-rank.out causalctl run -o $tmp/cgocb-rank.coz --seed 3 --experiment-length 200ms \
	--max-experiments 80 --progress batch_done -- cgocb -threads 4 -calls 1000000000
rc=$?
causalctl report --min-points 3 -n 5 $tmp/cgocb-rank.coz 2>&1 | diag
causalctl report --min-points 5 -n 3 $tmp/cgocb-rank.coz 2>&1 | diag
echo "# the most-sampled lines of cgocb:"
hot $tmp/cgocb-rank.coz 10 | diag
[ $rc -eq 143 ] && hot $tmp/cgocb-rank.coz 3 | grep -q "/cgocb/workers.c:$cwork_line\$" &&
	hot $tmp/cgocb-rank.coz 10 | grep -q '/runtime/cgocall.go:[0-9]*$'
ok $? cgocb_samples_fall_on_the_c_work_and_the_callback_path

# the C twin: a global mutex on the callback path, saturated (the section's 400 steps against 50
# outside). A free-running profile, its ranking shown: the contended section, or the call into it,
# ranked first in most runs, but not in 2 of about 10 (the last of them in make check): there the
# line outside, measured in 6 or 7 experiments at as many speedups, had +28 and +58 % against the
# section's +18 to +29 % from 20 to 50 experiments each. An estimate from so few experiments is
# what the report ranks first then; that is left open (notes of the stop that made this change).
logged $tmp/twin.out causalctl run -o $tmp/twin.coz --seed 3 --experiment-length 200ms \
	--max-experiments 80 -- cgo_twin 4 1000000000
rc=$?
[ $rc -eq 143 ]
ok $? twin_run_stops_after_max_experiments
causalctl report --min-points 3 -n 5 $tmp/twin.coz 2>&1 | diag
echo "# first: $(top $tmp/twin.coz); contended section: cgo_twin.c lines $contended"
# What the ranking should say, asked of each line with enough experiments: speeding the critical
# line up by 50 % speeds the program up by far more than speeding up the work outside the lock
# (measured: +40 % or so against +3 %; the outside work gains nothing in reality)
for l in critical outside; do
	eval "line=\$twin_$l"
	causalctl run -o $tmp/twin-$l.coz --fixed-line "cgo_twin.c:$line" --fixed-speedup 0,50 \
		--experiment-length 200ms --duration 20 -- cgo_twin 4 1000000000 >$tmp/twin-$l.out 2>&1
	diag $tmp/twin-$l.out
	causalctl report --min-points 2 $tmp/twin-$l.coz >$tmp/twin-$l-report.out 2>&1
	diag $tmp/twin-$l-report.out
done
# the max column: the program speedup measured at 50 %
at50() { awk '$1 == "1" && $2 ~ /cgo_twin\.c:/ { gsub(/[+%]/, "", $7); print $7; exit }' "$1"; }
crit=$(at50 $tmp/twin-critical-report.out)
outs=$(at50 $tmp/twin-outside-report.out)
echo "# program speedup at line speedup 50 %: critical line ${crit:-none} %, outside ${outs:-none} %"
[ -n "$crit" ] && [ -n "$outs" ] && awk -v c="$crit" -v o="$outs" 'BEGIN { exit !(c - o >= 15) }'
ok $? twin_contended_section_beats_the_work_outside

rmmod causal
ok $? rmmod
echo "# go.sh: $fails of $n failed"
[ $fails -eq 0 ]
