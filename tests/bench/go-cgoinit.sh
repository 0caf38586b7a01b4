#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The cgo before/after benchmark (make bench-go): the published cgo case's shape
# (tests/workloads/go/cgoinit) built from one source with Go 1.21 (runtime_init_mu locked on every
# C-to-Go call) and Go 1.22 (its atomic fast path), run side by side in one VM per vCPU count, with
# the two gcc_libinit.c functions' own cost in each, a free-running profile of each, and the
# prediction: the Go 1.21 build profiled with both functions (their lines in Go 1.21's
# gcc_libinit.c, one block) virtually sped up by what Go 1.22 saves of their cost; the table comes from
# tests/bench/cgoinit_table.py (docs/go.md).
#
#   tests/bench/go-cgoinit.sh [-o OUTDIR] [-k KERNEL] [-t SECONDS] [--smp N[,N..]] [KEY=VALUE...]
#
# KEY=VALUE go to the guest script (reps=, tasks=, self=, dur=, workers=, fdur=, zdur=, models=,
# block=; block=
# empty for no prediction). --smp: the vCPU counts,
# one VM each (default 2,4). OUTDIR (default build/bench, or $CAUSAL_BENCH_OUT) gets
# vm-cgoinit-smpN/ and table-cgoinit.txt. Exits non-zero only if something failed to build or run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/common.sh
. "$top/tests/bench/common.sh"
timeout=1800
smps=2,4
bench_option() { case $1 in --smp) smps=$2; bench_took=2 ;; esac; }
bench_options go-cgoinit 3,14 "$@"
set -- "${bench_args[@]}"
bench_setup go-cgoinit build/go/cgoinit-1.21-fix
bench_module
# the two functions of Go 1.21's gcc_libinit.c that lock runtime_init_mu on every callback (Go
# 1.22 reads atomically instead)
lines=$("$top/tests/go/libinit-lines.sh" 1.21)
block=${lines#block=}
block=${block%% *}

rc=0
: >"$out/table-cgoinit.txt"
for smp in ${smps//,/ }; do
	vmlog=$out/vm-cgoinit-smp$smp
	bench_vm "$vmlog" --smp "$smp" -a build/go/cgoinit-1.21 -a build/go/cgoinit-1.22 \
		-a build/go/cgoinit-1.21-fix \
		--script tests/bench/go-cgoinit-guest.sh -- "block=$block" "$@"
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
