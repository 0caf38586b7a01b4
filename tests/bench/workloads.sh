#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of the workload benchmarks (tests/bench/workloads-run.sh boots the VM, reads these
# lines and prints the tables): for each known-answer workload (tests/workloads/README.md), raw
# "BW ..." lines only, the host does the arithmetic.
#   accuracy:  R interleaved base/optimized runs (wall time, cost of one call of the marked line),
#              the line speedup S the optimized variant really achieves (iterations of the
#              line's loop per call), and, spread evenly between those pairs, P rounds of
#              causalctl --fixed-line LINE --fixed-speedup 0,S and S,0 (the two in turn within
#              each run, into one profile) and the same with Coz where it can run (one speedup
#              per run: Coz has no list), then one free-running profile with each
#              tool (its report gives the rank; its runtime gives the overhead; its experiments
#              give the time to answer)
#   system:    only the free-running profiles (overhead, rank, time to answer) and the thread scale
#              (scale_threads with 1000 and 10000 threads, plain, causalctl, Coz)
#   check-free: nothing but one short free-running profile of every workload (for a quick look)
#   credit:    PREPS runs of causalctl --fixed-line LINE --fixed-speedup 33 with the line's call log
#              (WL_CALL_LOG): the time the profile credits to the line (delay inserted / speedup)
#              beside the line's own CPU time inside each experiment, to tell the sampler's error
#              from the rest of a prediction's
# Arguments: MODE then KEY=VALUE: reps=R (base/optimized pairs, default 5), preps=P (profile runs
# per speedup, default 2), len=T (experiment length, default 250ms), only=a,b (workloads),
# coz=0|1, free_scale=K (free-running runs do K times the work of the others, default 6),
# ovh_reps=N (rounds of free-running runs, plain and per tool, for the overhead; default 3, 1 in
# check-free),
# run_ms=M (each workload's size is scaled so that one unprofiled run takes about M ms, default
# 1500; 0 keeps the sizes below), line_NAME=N (the marked line of workload NAME; the host
# greps them from the sources), args_NAME=A,B,.. (workload NAME's arguments instead of those in
# the table below, commas for spaces; the first is still scaled by run_ms),
# thread_model=task|cpu (causalctl's --thread-model; default: its own), period=T (causalctl's
# --period, for every causal run; default: its own), and the module's parameters min_pay_ns=N
# and spin_max_ns=N (for trials; default: the module's own).
mode=${1:-accuracy}
shift
reps=5
preps=2
len=250ms
only=
coz=1
free_scale=6
ovh_reps=
run_ms=1500
thread_model=
period=
modopts=
for arg in "$@"; do
	case "$arg" in
	reps=*|preps=*|len=*|only=*|coz=*|free_scale=*|ovh_reps=*|run_ms=*|thread_model=*|period=*|line_*=*|args_*=*) eval "${arg%%=*}=\${arg#*=}" ;;
	min_pay_ns=*|spin_max_ns=*) modopts="$modopts $arg" ;;
	*) echo "BW error unknown argument '$arg'"; exit 2 ;;
	esac
done
if [ -z "$ovh_reps" ]; then
	if [ "$mode" = check-free ]; then ovh_reps=1; else ovh_reps=3; fi
fi
tmp=/tmp/bw
mkdir -p $tmp

# name file args(commas for spaces; the first is a count that run_ms scales) progress-options
# (the static one has no libcausal: a uprobe on batch_done; Coz cannot preload into it).
# join runs with B at 35 % of A's work, phased with Q1 at 35 % of P1's: at their defaults (2/3),
# the optimized line's 33 % is exactly where the other thread becomes critical, and whatever jitter
# decides the round decides the answer, real or virtual. At 35 % the kink is at a 65 % speedup.
# futex runs with both threads on one CPU: a hand-off that wakes the other, idle vCPU got cheaper
# with a shorter line X (the host's latency, not the program's), which no virtual speedup can show.
# lock, server and batch_static run with 4 times their default unit of work: each of their steps
# hands off to a thread on the other CPU, and under emulation such a wake-up costs hundreds of
# microseconds (microseconds on hardware) and got cheaper as the line got shorter, which made the
# actual speedup larger than any speedup of the line can (docs/bench-history.md, runs 63-71). pipeline
# runs with stage 2 on one CPU and stages 1 and 3 on the other: left to the scheduler, its three
# threads sometimes shared stage 2's CPU, and its actual speedup spread over -26..+51 % a pair.
specs='join join.c 100,3000000,35 -
lock lock.c 200,600000 -
pipeline pipeline.c 700,300000,1 -
futex futex.c 800,120000,1 -
server server.c 700,600000 -
phased phased.c 60,2000000,35 -
batch_static batch_static.c 100,6000000 --progress=batch_done
pool pool.c 200,300000 -'

# shellcheck disable=SC2086
if ! insmod /lib/causal/causal.ko $modopts; then
	echo "BW error insmod failed"
	exit 1
fi
echo "BW info kernel=$(uname -r) name=$CAUSAL_KERNEL cpus=$(grep -c '^processor' /proc/cpuinfo) mode=$mode reps=$reps preps=$preps len=$len ovh_reps=$ovh_reps${thread_model:+ thread_model=$thread_model}${period:+ period=$period}${modopts:+ module:$modopts}"
coz_ok=0
if [ "$coz" = 1 ] && [ -f /bin/libcoz.so ]; then
	# shellcheck source=tests/bench/coz-guest.sh
	. /bin/coz-guest.sh
	coz_ok=1
	echo "BW info coz=libcoz.so perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)"
fi

# run the workload, print its WORKLOAD line as "BW run TOOL KIND ..."
plain() {
	"$@" 2>$tmp/err >/dev/null
	rc=$?
	grep '^WORKLOAD' $tmp/err | sed "s/^WORKLOAD/BW run tool=none rc=$rc/"
	[ $rc -eq 0 ] || sed 's/^/# /' $tmp/err | tail -5
}

# causal PROFILE OUT TAG CMD...: causalctl run with $copts, the WORKLOAD line tagged
causal_run() {
	prof=$1
	tag=$2
	shift 2
	# shellcheck disable=SC2086
	timeout -k 10 300 causalctl run -o "$prof" --experiment-length "$len" \
		${thread_model:+--thread-model "$thread_model"} ${period:+--period "$period"} $copts -- "$@" >$tmp/out 2>$tmp/err
	rc=$?
	grep -h '^WORKLOAD' $tmp/err $tmp/out | sed "s/^WORKLOAD/BW run tool=causal $tag rc=$rc/"
	grep -h '^causal: [0-9]* experiments in' $tmp/err $tmp/out | sed "s/^/BW note tool=causal $tag /"
	[ $rc -eq 0 ] || { sed 's/^/# /' $tmp/err | tail -8; }
}

# coz PROFILE OUT TAG CMD...: coz_exec (tests/bench/coz-guest.sh) with $cozenv, the WORKLOAD line
# tagged. CMD is a NAME-dwarf4 copy of the workload
coz_run() {
	prof=$1
	tag=$2
	shift 2
	coz_exec 300 "$prof" "$@" >$tmp/out 2>$tmp/err
	rc=$?
	grep -h '^WORKLOAD' $tmp/err | sed "s/^WORKLOAD/BW run tool=coz $tag rc=$rc/"
	[ $rc -eq 0 ] || { echo "BW coz_failed $tag rc=$rc"; sed 's/^/# /' $tmp/err | tail -8; }
}

# line_speedup FILE: "PCT TIMED" from the WORKLOAD lines of the pairs in FILE: the line's speedup,
# iterations of its loop per call, optimized vs base (the same instructions), and the median
# time per call, for a cross-check
line_speedup() {
	awk '
		function kv(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
		function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		kv("line_calls") > 0 && kv("variant") == "base" { b[++nb] = kv("line_work") / kv("line_calls"); bt[nb] = kv("line_ns") / kv("line_calls") }
		kv("line_calls") > 0 && kv("variant") == "optimized" { o[++no] = kv("line_work") / kv("line_calls"); ot[no] = kv("line_ns") / kv("line_calls") }
		END { if (!nb || !no) { print "0 0"; exit } v = 100 * (1 - med(o, no) / med(b, nb)); if (v < 0) v = 0
			printf "%d %.1f\n", v + 0.5, 100 * (1 - med(ot, no) / med(bt, nb)) }' "$1"
}

# report TOOL KIND NAME PROFILE: the report as JSON, one line
report() {
	if [ -s "$4" ]; then
		echo "BW json tool=$1 kind=$2 name=$3 $(causalctl report --json --min-points "$5" "$4" 2>&1 | tr -d '\n')"
	else
		echo "BW json tool=$1 kind=$2 name=$3 {}"
	fi
}

# dump TOOL NAME PROFILE: the profile itself, for the time to answer
dump() {
	[ -s "$3" ] && sed "s/^/BW prof tool=$1 name=$2 /" "$3"
}

# free_profile TOOL RUN PROFILE CMD...: round $r's free-running profile of CMD by TOOL (causal or
# coz) with RUN (causal_run or coz_run) into PROFILE; the first round's report and profile, the
# later rounds' profile (for the time to answer)
free_profile() {
	fp_tool=$1
	fp_run=$2
	fp_prof=$3
	shift 3
	rm -f "$fp_prof"
	$fp_run "$fp_prof" "kind=free round=$r" "$@"
	if [ $r -eq 0 ]; then
		report "$fp_tool" free "$name" "$fp_prof" 3
		dump "$fp_tool" "$name" "$fp_prof"
	else
		dump "$fp_tool-round$r" "$name" "$fp_prof"
	fi
}

echo "$specs" | while read -r name file args popt; do
	case ",$only," in ",,"|*",$name,"*) ;; *) continue ;; esac
	eval "line=\${line_$name:-}"
	[ -n "$line" ] || { echo "BW error no line number for $name"; continue; }
	eval "args=\${args_$name:-\$args}"
	args=$(echo "$args" | tr , ' ')
	[ "$popt" = - ] && popt=
	popt=$(echo "$popt" | tr = ' ')
	static=0
	case "$name" in *_static) static=1 ;; esac
	# The size, from one unprofiled run: fixed sizes made the statistics depend on the host. On
	# a host 3 times faster than the one they were chosen on, a fixed-line run lasted 0.7 s and
	# got 2 or 3 experiments, one of them the one the program ended in (left out).
	if [ "$run_ms" -gt 0 ]; then
		wall=$(plain "$name" $args | sed -n 's/.* wall_ns=\([0-9]*\).*/\1/p' | head -n 1)
		if [ -n "$wall" ] && [ "$wall" -gt 0 ]; then
			args=$(echo "$args" | awk -v w="$wall" -v t="$run_ms" '{ k = t * 1e6 / w
				if (k < 0.25) k = 0.25; if (k > 16) k = 16
				n = int($1 * k + 0.5); $1 = n < 1 ? 1 : n; print }')
		fi
		echo "BW note calibrate name=$name wall_ns=${wall:-none} run_ms=$run_ms args=$args"
	fi
	echo "BW workload name=$name file=$file line=$line args=$args"
	t0=$(date +%s)

	if [ "$mode" = credit ]; then
		i=0
		while [ $i -lt "$preps" ]; do
			prof=$tmp/$name-credit.coz
			rm -f "$prof" $tmp/calls
			copts="--fixed-line $file:$line --fixed-speedup 33 $popt"
			export WL_CALL_LOG=$tmp/calls
			causal_run "$prof" "kind=credit run=$i" "$name" $args
			unset WL_CALL_LOG
			[ -s "$prof" ] && grep '"experiment"' "$prof" | sed "s/^/BW credit_exp name=$name run=$i /"
			[ -s $tmp/calls ] && sed "s/^/BW credit_call name=$name run=$i /" $tmp/calls
			i=$((i + 1))
		done
		echo "BW workload_done name=$name seconds=$(($(date +%s) - t0))"
		continue
	fi

	if [ "$mode" = accuracy ]; then
		# The pairs and the fixed-line profile rounds are interleaved, the rounds spread evenly
		# over the pairs: the emulator's speed drifts with the host's load over a run, and the
		# actual speedup and the prediction must see the same drift (the same reason the
		# profile runs put both speedups in every run, below).
		# (not $prof: causal_run and coz_run set it)
		fprof=$tmp/$name-fixed.coz
		cprof=$tmp/$name-coz-fixed.coz
		rm -f "$fprof" "$cprof" $tmp/plain
		s=
		i=0
		k=0
		while [ $i -lt "$reps" ]; do
			if [ $((i % 2)) -eq 0 ]; then
				plain "$name" $args
				plain "$name-optimized" $args
			else
				plain "$name-optimized" $args
				plain "$name" $args
			fi >>$tmp/plain
			# the line's speedup: iterations of its loop per call, which are the same in
			# every run of a variant, so the first pair that ran gives it (until then, no
			# profile round: they catch up after it)
			case "$s" in ""|0) s=$(line_speedup $tmp/plain); s=${s%% *} ;; esac
			[ "$s" != 0 ] && while [ $((k * reps)) -lt $(((i + 1) * preps)) ]; do
				# both speedups in every run, in turn (from 0 first, then from S first): a
				# baseline beside each experiment sees the same drift
				for sp in "0,$s" "$s,0"; do
					copts="--fixed-line $file:$line --fixed-speedup $sp $popt"
					causal_run "$fprof" "kind=fixed speedup=$sp" "$name" $args
				done
				if [ $coz_ok = 1 ] && [ $static = 0 ]; then
					for sp in 0 "$s"; do
						cozenv="COZ_FIXED_LINE=$file:$line COZ_FIXED_SPEEDUP=$sp"
						coz_run "$cprof" "kind=fixed speedup=$sp" "$name-dwarf4" $args
					done
				fi
				k=$((k + 1))
			done
			i=$((i + 1))
		done
		cat $tmp/plain
		# printed from all the pairs: the median time per call beside it is a cross-check
		# (per-iteration time varies with the host's load under emulation)
		all=$(line_speedup $tmp/plain)
		[ "${all%% *}" = "$s" ] || echo "BW note line_speedup name=$name first_pair=$s all_pairs=${all%% *}"
		echo "BW line_speedup name=$name pct=$s timed_pct=${all#* }"
		report causal fixed "$name" "$fprof" 2
		dump causal-fixed "$name" "$fprof"
		if [ $coz_ok = 1 ] && [ $static = 0 ]; then
			report coz fixed "$name" "$cprof" 2
		fi
	fi

	# free-running profiles: FREE_SCALE times the work, once plain, once per tool; the first
	# round's profiles give the ranks, every round's a time to answer (one round's, a few random
	# experiments, decided a comparison with Coz by chance) and a ratio for the overhead (one run
	# each drifted by tens of percent between bench runs)
	fargs=$(echo "$args" | awk -v k="$free_scale" '{ $1 = $1 * k; print }')
	cozenv=
	r=0
	while [ $r -lt "$ovh_reps" ]; do
		# a seed per round: the rounds are independent draws of the experiments
		copts="--seed $((7 + r)) $popt"
		# odd rounds in the reverse order: a drift of the host's speed within a round
		# then favours each side in turn
		if [ $((r % 2)) -eq 0 ]; then order="none causal coz"; else order="coz causal none"; fi
		for tool in $order; do
			case $tool in
			none)
				plain "$name" $fargs | sed "s/tool=none/tool=none kind=free round=$r/" ;;
			causal)
				# shellcheck disable=SC2086
				free_profile causal causal_run "$tmp/$name-free.coz" "$name" $fargs ;;
			coz)
				if [ $coz_ok = 0 ] || [ $static = 1 ]; then continue; fi
				# shellcheck disable=SC2086
				free_profile coz coz_run "$tmp/$name-coz-free.coz" "$name-dwarf4" $fargs ;;
			esac
		done
		r=$((r + 1))
	done
	echo "BW workload_done name=$name seconds=$(($(date +%s) - t0))"
done

if [ "$mode" = system ]; then
	# thread creation, not the work, is what costs here (1 000 threads take ~20 s under emulation)
	for n in 1000 10000; do
		plain scale_threads "$n" 2000 | sed "s/tool=none/tool=none kind=scale threads=$n/"
		copts=
		causal_run $tmp/scale-$n.coz "kind=scale threads=$n" scale_threads "$n" 2000
		if [ $coz_ok = 1 ]; then
			cozenv=
			coz_run $tmp/scale-coz-$n.coz "kind=scale threads=$n" scale_threads-dwarf4 "$n" 2000
		fi
	done
fi
dmesg | grep -iE 'causal|BUG|WARN' | sed 's/^/# dmesg: /' | tail -20
rmmod causal || echo "BW error rmmod failed"
echo "BW end"
