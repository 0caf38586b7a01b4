#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of the cgo before/after benchmark (tests/bench/go-cgoinit.sh boots the VM and
# prints the table from these "CG ..." lines): the same program (tests/workloads/go/cgoinit)
# built with Go 1.21, whose _cgo_wait_runtime_init_done locks runtime_init_mu on every C-to-Go
# call, and with Go 1.22, whose atomic fast path does not.
#   go-cgoinit-guest.sh [reps=R] [tasks=N] [self=N] [dur=S] [workers=W] [block=FIRST-LAST]
#     [fdur=F] [zdur=Z] [models="task cpu"]
#     R interleaved pairs of plain runs (default 5), N tasks each (default 1000000); the own cost
#     of gcc_libinit.c's two functions every callback calls, from N pairs of calls alone
#     (-selfcost, default 2000000), R times per build;
#     a free-running causalctl run of S seconds (default 30) per build, its profile and callchains
#     sent back in base64 on "CG b64-VERSION" lines; W worker goroutines (default 8); each build
#     twice under causalctl for Z seconds (default 20) with every experiment at 0 %, its
#     progress counted ("CG profiled"). With block=,
#     the prediction: the Go 1.21 build profiled for F seconds (default 60) with the lines
#     FIRST-LAST[,..] of gcc_libinit.c (both functions) as one block, at 0 % and at the speedup
#     Go 1.22's atomic loads give them (measured by the -selfcost runs), in each thread model of
#     models, its report on "CG json model=M"
reps=5
tasks=1000000
self=2000000
dur=30
workers=8
block=
fdur=60
zdur=20
models="task cpu"
for arg in "$@"; do
	case "$arg" in
	reps=*|tasks=*|self=*|dur=*|workers=*|block=*|fdur=*|zdur=*|models=*) eval "${arg%%=*}=\${arg#*=}" ;;
	*) echo "CG error unknown argument '$arg'"; exit 2 ;;
	esac
done
tmp=/tmp/cg
mkdir -p $tmp
if ! insmod /lib/causal/causal.ko; then
	echo "CG error insmod failed"
	exit 1
fi
echo "CG info kernel=$(uname -r) cpus=$(nproc) reps=$reps tasks=$tasks self=$self dur=$dur" \
	"workers=$workers block=$block fdur=$fdur zdur=$zdur"

# plain VERSION: one unprofiled run; "CG run v=VERSION ms=MS rc=RC"
plain() {
	cgoinit-"$1" -workers "$workers" -tasks "$tasks" >$tmp/plain.out 2>&1
	rc=$?
	ms=$(sed -n 's/^cgoinit: .* in \([0-9.]*\) ms,.*/\1/p' $tmp/plain.out)
	echo "CG run v=$1 ms=${ms:-0} rc=$rc rep=$i"
}
# selfcost VERSION: the two functions alone; "CG self v=VERSION ns=NS rc=RC", NS per pair
selfcost() {
	cgoinit-"$1" -workers "$workers" -selfcost "$self" >$tmp/self.out 2>&1
	rc=$?
	ns=$(sed -n 's/^cgoinit: selfcost .*, \([0-9.]*\) ns per pair$/\1/p' $tmp/self.out)
	echo "CG self v=$1 ns=${ns:-0} rc=$rc"
	[ $rc -eq 0 ] && [ -n "$ns" ] && echo "$ns" >>$tmp/self-$1
}
# median FILE: the median of the numbers in FILE, one per line
median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
rm -f $tmp/self-1.21 $tmp/self-1.22

# interleaved, the order reversed every round, so that a slow spell of the host hits every build;
# with cgoinit-1.21-fix (Go 1.21 with only the runtime_init_mu change, tests/go/libinit-fix.sh)
# a third build in each round
builds="1.21 1.22"
command -v cgoinit-1.21-fix >/dev/null && builds="1.21 1.21-fix 1.22"
reversed=$(echo "$builds" | tr ' ' '\n' | tac | tr '\n' ' ')
i=0
while [ $i -lt "$reps" ]; do
	if [ $((i % 2)) -eq 0 ]; then order=$builds; else order=$reversed; fi
	for v in $order; do
		plain "$v"
	done
	selfcost 1.21
	selfcost 1.22
	i=$((i + 1))
done

# each build under the profiler without delays (every experiment at 0 %), twice, in the order
# 1.21 1.22 1.22 1.21: the program speedup as the profiler sees it, beside the unprofiled one
for v in 1.21 1.22 1.22 1.21; do
	causalctl run -o $tmp/z.coz --progress main.progress --fixed-speedup 0 --duration "$zdur" \
		-- cgoinit-$v -workers "$workers" -tasks 1000000000 >$tmp/z.out 2>&1
	rc=$?
	visits=$(sed -n "s/^causal: progress point 'main.progress': \([0-9]*\) visits in total$/\1/p" \
		$tmp/z.out)
	echo "CG profiled v=$v visits=${visits:-0} secs=$zdur rc=$rc"
	rm -f $tmp/z.coz $tmp/z.coz.stacks
done

# free-running profiles, as a user would run them: the default scope (every source file of the
# main executable, the runtime's C code in runtime/cgo included), the progress point a uprobe on
# main.progress
for v in 1.21 1.22; do
	causalctl run -o $tmp/p-$v.coz --progress main.progress --duration "$dur" \
		-- cgoinit-$v -workers "$workers" -tasks 1000000000 >$tmp/run-$v.out 2>&1
	rc=$?
	sed 's/^/# /' $tmp/run-$v.out
	echo "CG profile v=$v rc=$rc"
	causalctl report --min-points 3 -n 12 $tmp/p-$v.coz 2>&1 | sed 's/^/# /'
	tar -czf - -C $tmp p-$v.coz p-$v.coz.stacks | base64 | sed "s/^/CG b64-$v /"
done

# the prediction: what speeding both functions up by as much as Go 1.22's atomic loads do (their
# own cost per pair, medians of the -selfcost runs) does to the Go 1.21 build
if [ -n "$block" ] && [ -s $tmp/self-1.21 ] && [ -s $tmp/self-1.22 ]; then
	spd=$(awk -v a="$(median $tmp/self-1.21)" -v b="$(median $tmp/self-1.22)" \
		'BEGIN { s = int(100 * (1 - b / a) + 0.5); print (s < 0 ? 0 : s > 100 ? 100 : s) }')
	# in both thread models: delays kept per thread, and per CPU (what Go's own causal profiler
	# keys by P does, GOMAXPROCS being the vCPUs)
	for model in $models; do
		rm -f $tmp/f.coz $tmp/f.coz.stacks
		causalctl run -o $tmp/f.coz --progress main.progress --duration "$fdur" \
			--thread-model "$model" \
			--fixed-line "gcc_libinit.c:$block" --fixed-speedup "0,$spd" \
			-- cgoinit-1.21 -workers "$workers" -tasks 1000000000 >$tmp/fixed.out 2>&1
		rc=$?
		sed 's/^/# /' $tmp/fixed.out
		echo "CG fixed v=1.21 block=$block speedup=$spd model=$model rc=$rc"
		echo "CG json model=$model $(causalctl report --json --min-points 2 $tmp/f.coz 2>&1 | tr -d '\n')"
		causalctl report --min-points 2 $tmp/f.coz 2>&1 | sed 's/^/# /'
	done
fi
rmmod causal
echo "CG end"
