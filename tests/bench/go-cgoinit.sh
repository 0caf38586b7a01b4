#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The cgo before/after benchmark (make bench-go): the published cgo case's shape
# (tests/workloads/go/cgoinit) built from one source with Go 1.21 (runtime_init_mu locked on every
# C-to-Go call) and Go 1.22 (its atomic fast path), run side by side in one VM per vCPU count, with
# the init-done check's own cost in each and a free-running profile of each; the table comes from
# tests/bench/cgoinit_table.py (docs/go.md).
#
#   tests/bench/go-cgoinit.sh [-o OUTDIR] [-k KERNEL] [-t SECONDS] [--smp N[,N..]] [KEY=VALUE...]
#
# KEY=VALUE go to the guest script (reps=, tasks=, self=, dur=, workers=). --smp: the vCPU counts,
# one VM each (default 2,4). OUTDIR (default build/bench, or $CAUSAL_BENCH_OUT) gets
# vm-cgoinit-smpN/ and table-cgoinit.txt. Exits non-zero only if something failed to build or run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/host-state.sh"
out=${CAUSAL_BENCH_OUT:-$top/build/bench}
kernel=6.1
timeout=1800
smps=2,4
while [ $# -gt 0 ]; do
	case "$1" in
	-o|--out) out=$2; shift 2 ;;
	-k|--kernel) kernel=$2; shift 2 ;;
	-t|--timeout) timeout=$2; shift 2 ;;
	--smp) smps=$2; shift 2 ;;
	-h|--help) sed -n '3,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "go-cgoinit: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$top"

make -s userland go-cgoinit >&2
kmod=$out/kmod/$kernel
scripts/build-module.sh "$kernel" "$kmod" >&2

rc=0
: >"$out/table-cgoinit.txt"
for smp in ${smps//,/ }; do
	vmlog=$out/vm-cgoinit-smp$smp
	rm -rf "$vmlog"
	host_mark
	t0=$(date +%s)
	vrc=0
	tests/vm/run -k "$kernel" -m "$kmod" --smp "$smp" -q -t "$timeout" -l "$vmlog" \
		-a build/go/cgoinit-1.21 -a build/go/cgoinit-1.22 \
		--script tests/bench/go-cgoinit-guest.sh -- "$@" || vrc=$?
	secs=$(($(date +%s) - t0))
	guest=$vmlog/guest.out
	{
		echo "causal cgo before/after (Go 1.21 -> 1.22), kernel $kernel, QEMU software emulation," \
			"$smp vCPUs; VM run ${secs}s"
		if [ -s "$guest" ]; then
			python3 tests/bench/cgoinit_table.py "$guest"
		else
			echo "  no guest output (VM exit $vrc)"
		fi
		host_line
		echo
	} | tee -a "$out/table-cgoinit.txt"
	if [ "$vrc" -ne 0 ] || ! grep -q '^CG end' "$guest"; then
		echo "go-cgoinit: the VM run with $smp vCPUs failed or did not finish (exit $vrc); logs in $vmlog" >&2
		rc=1
	fi
done
exit $rc
