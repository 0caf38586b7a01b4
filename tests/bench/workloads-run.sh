#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The workload benchmarks: builds the known-answer workloads (tests/workloads/), their optimized
# variants, scale_threads and the module, boots one kernel in QEMU (2 vCPUs, software emulation)
# with causalctl, libcausal and Coz's libcoz.so, runs tests/bench/workloads.sh MODE in the guest and
# prints the tables (tests/bench/workloads_table.py) from its "BW ..." lines.
#
#   tests/bench/workloads-run.sh [-o OUTDIR] [-k KERNEL] [-t SECONDS] [--append ARGS] MODE [KEY=VALUE...]
#
# MODE: accuracy (make bench-accuracy), system (part of make bench: overhead, time to answer,
# thread scale) or credit (the time the profile credits to each marked line against the line's
# own CPU time). KEY=VALUE go to the guest script (reps=, preps=, len=, only=, coz=0,
# free_scale=, ovh_reps=, run_ms=: see tests/bench/workloads.sh). OUTDIR
# (default build/bench, or $CAUSAL_BENCH_OUT) gets vm-workloads-MODE/ (guest.out is what the table
# is made from) and table-workloads-MODE.txt. --append adds to the guest kernel's command line (for
# experiments such as idle=poll). Exits non-zero only if something failed to build or run; a
# missed target is reported, not failed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/common.sh
. "$top/tests/bench/common.sh"
timeout=3000
vmopts=()
bench_option() { case $1 in --append) vmopts+=(--append "$2"); bench_took=2 ;; esac; }
bench_options workloads-run 3,17 "$@"
set -- "${bench_args[@]}"
mode=${1:-accuracy}
shift || true
bench_setup workloads
cc=${CC:-gcc}
wflags=(-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer -pthread
	-Iuserland/include -Itests/workloads)
"$cc" "${wflags[@]}" -o "$out/scale_threads" tests/bench/scale_threads.c
# Coz's copies (coz_dbg: tests/bench/common.sh)
"$cc" "${wflags[@]}" "${coz_dbg[@]}" -o "$out/scale_threads-dwarf4" tests/bench/scale_threads.c
for w in tests/workloads/*.c; do
	n=$(basename "$w" .c)
	case "$n" in coz_counts|*_static) continue ;; esac
	"$cc" "${wflags[@]}" "${coz_dbg[@]}" -o "$out/$n-dwarf4" "$w"
done
bench_module

adds=(-a userland/build/lib/libcausal.so.0 -a "$out/scale_threads" -a "$out/scale_threads-dwarf4")
for w in tests/workloads/*.c; do
	n=$(basename "$w" .c)
	[ "$n" = coz_counts ] && continue
	adds+=(-a "build/workloads/$n" -a "build/workloads/$n-optimized")
	[ -f "$out/$n-dwarf4" ] && adds+=(-a "$out/$n-dwarf4")
done
bench_coz workloads-run
# the marked lines, from the sources: the guest has no sources
lines=()
for spec in join:A lock:C pipeline:S2 futex:X server:S phased:P1 batch_static:M pool:S; do
	n=${spec%%:*}
	l=$(grep -n "/\* line ${spec#*:} \*/" "tests/workloads/$n.c" | head -n 1 | cut -d: -f1)
	[ -n "$l" ] || { echo "workloads-run: no 'line ${spec#*:}' in tests/workloads/$n.c" >&2; exit 1; }
	lines+=("line_$n=$l")
done

bench_vm "$out/vm-workloads-$mode" "${adds[@]}" "${vmopts[@]}" \
	--script tests/bench/workloads.sh -- "$mode" "${lines[@]}" "$@"
bench_table workloads-run \
	"causal workload benchmark ($mode), kernel $kernel, QEMU software emulation, 2 vCPUs; VM run ${secs}s" \
	"$out/table-workloads-$mode.txt" 'BW end' \
	python3 tests/bench/workloads_table.py --causalctl userland/causalctl "$guest"
