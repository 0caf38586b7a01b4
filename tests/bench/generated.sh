#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench-generated: causalctl's predictions on programs nobody tuned it for (issue 36). For each
# seed, tests/workloads/gen/gen.py writes a program; it is built as is and once per marked line with
# that line's loop cut to 70 % (-DSCALE_<LABEL>=70), and once more as is for Coz (a DWARF 4 copy,
# gen-SEED-dwarf4, the only debug information Debian's Coz reads). One VM run
# (tests/bench/generated-guest.sh) then measures, per program, the actual effect of each variant
# (base and variants interleaved, rounds in rotating order), causalctl's prediction for each line
# (--fixed-line, speedups 0 and 30 %) and, where Debian's coz-profiler is installed, Coz's (the
# same line, COZ_FIXED_SPEEDUP 0 and 30 in turn), and tests/bench/generated_table.py prints both
# predictions against the actual effect for every line.
#
# With --flat (make bench-flat), the programs are gen.py's flat profiles (samples over 15-30
# lines, one line clearly best), built as is, and the guest (tests/bench/flat-guest.sh) runs
# free-running profiles with --policy adaptive and --policy samples (Coz's) in turn: how soon
# each settles on the right line (tests/bench/flat_table.py).
#
#   tests/bench/generated.sh [-o OUTDIR] [-k KERNEL] [-t SECONDS] [--flat] SEED... [-- KEY=VALUE...]
#
# Seeds below 1000 tune the profiler, seeds from 1000 up report (docs/bench.md). KEY=VALUE go to
# the guest script: reps= (rounds of the actual timing, default 5), secs= (a base run's length,
# default 3), prof= (seconds of profile per line, default 60); with --flat rounds= (default 2)
# and secs= (one profile's length, default 60). OUTDIR (default build/bench) gets gen/ (programs
# and manifests), vm-generated/ or vm-flat/ (guest.out) and table-generated.txt or
# table-flat.txt. Exits non-zero only if something failed to build or run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/common.sh
. "$top/tests/bench/common.sh"
timeout=
flat=
seeds=()
# --flat, and the seeds among the options
bench_option() {
	case $1 in
	--flat) flat=1; bench_took=1 ;;
	-*) ;;
	*) seeds+=("$1"); bench_took=1 ;;
	esac
}
bench_options generated 3,22 "$@"
set -- "${bench_args[@]}"
[ ${#seeds[@]} -gt 0 ] || { echo "generated: no seed (tests/bench/generated.sh SEED...)" >&2; exit 2; }
# shellcheck disable=SC2119
bench_setup
mkdir -p "$out/gen"
cc=${CC:-gcc}
# as the Makefile builds workloads (WORKLOAD_CFLAGS)
wflags=(-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer -pthread
	-Iuserland/include)
adds=()
for s in "${seeds[@]}"; do
	case "$s" in *[!0-9]*) echo "generated: a seed is a number, not '$s'" >&2; exit 2 ;; esac
	if [ -n "$flat" ]; then
		python3 tests/workloads/gen/gen.py --flat "$s" "$out/gen"
		"$cc" "${wflags[@]}" -o "$out/gen/flat-$s" "$out/gen/flat-$s.c"
		adds+=(-a "$out/gen/flat-$s")
		continue
	fi
	python3 tests/workloads/gen/gen.py "$s" "$out/gen"
	"$cc" "${wflags[@]}" -o "$out/gen/gen-$s" "$out/gen/gen-$s.c"
	adds+=(-a "$out/gen/gen-$s" -a "$out/gen/gen-$s.json")
	if [ -f "$libcoz" ]; then
		"$cc" "${wflags[@]}" "${coz_dbg[@]}" -o "$out/gen/gen-$s-dwarf4" "$out/gen/gen-$s.c"
		adds+=(-a "$out/gen/gen-$s-dwarf4")
	fi
	for label in $(python3 -c 'import json, sys; print(" ".join(l["label"] for l in json.load(open(sys.argv[1]))["lines"]))' \
		"$out/gen/gen-$s.json"); do
		"$cc" "${wflags[@]}" "-DSCALE_$label=70" -o "$out/gen/gen-$s-$label" "$out/gen/gen-$s.c"
		adds+=(-a "$out/gen/gen-$s-$label")
	done
done
[ -n "$flat" ] || bench_coz generated
bench_module
if [ -n "$flat" ]; then
	# 2 rounds of 2 profiles of 60 s, and the reports, per program
	kind=flat per_seed=600
else
	# about (1 + lines) * reps * secs of timing and lines * (prof + 10) of profiles per program,
	# and with Coz as much again or more (its runs end with the program, slowed by Coz)
	kind=generated per_seed=1800
fi
: "${timeout:=$(( ${#seeds[@]} * per_seed + 300 ))}"
bench_vm "$out/vm-$kind" -a userland/build/lib/libcausal.so.0 \
	"${adds[@]}" --script "tests/bench/$kind-guest.sh" -- "$(IFS=,; echo "${seeds[*]}")" "$@"
python3 "tests/bench/${kind}_table.py" "$out/gen" "$guest" | tee "$out/table-$kind.txt"
exit $vrc
