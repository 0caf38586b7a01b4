#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# How causalctl report scales with a profile's size (part of make bench, on the host): profiles of
# 100 000 and 1 000 000 records (experiments each followed by a point record, over 40 000 distinct
# lines and 21 speedups, in Coz's legacy format), each ranked three times; prints the median time
# of each size and their ratio (10 when linear, 100 when quadratic in the records).
#   report-scale.sh [OUTDIR]     the profiles go to OUTDIR (default build/bench), then are removed
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-${CAUSAL_BENCH_OUT:-$top/build/bench}}
mkdir -p "$out"
causalctl=$top/userland/causalctl
[ -x "$causalctl" ] || make -s -C "$top" userland >/dev/null

gen() {	# gen N FILE: N records, N/2 experiments
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n / 2; i++) {
			line = i % 40000; pct = int(i / 40000) % 21 * 5
			printf "experiment\tselected=/src/f%d.c:%d\tspeedup=%.2f\tduration=1000000\n", line % 997, line, pct / 100
			printf "throughput-point\tname=p\tdelta=%d\n", 100 + (pct ? line % 7 : 0)
		}
	}' >"$2"
}

median3() {	# median3 FILE: the median wall time of three reports, in seconds
	local t=() i s e
	for i in 1 2 3; do
		s=$(date +%s.%N)
		"$causalctl" report --min-points 3 "$1" >/dev/null
		e=$(date +%s.%N)
		t+=("$(echo "$e - $s" | bc)")
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

declare -A secs
for n in 100000 1000000; do
	gen "$n" "$out/report-scale-$n.coz"
	secs[$n]=$(median3 "$out/report-scale-$n.coz")
	rm -f "$out/report-scale-$n.coz"
	printf 'report scale: %7d records (40 000 lines): %.2f s (median of 3)\n' "$n" "${secs[$n]}"
done
printf 'report scale: 10x the records took %.1fx the time (10 when linear)\n' \
	"$(echo "${secs[1000000]} / ${secs[100000]}" | bc -l)"
