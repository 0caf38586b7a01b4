#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# How causalctl report scales with a profile's size (part of make bench, on the host): profiles of
# 100 000 and 1 000 000 records (experiments each followed by a point record, over 40 000 distinct
# lines and 21 speedups), in Coz's legacy format and in causalctl's JSON Lines, each ranked three
# times; prints the median time of each size and format and their ratio (10 when linear, 100 when
# quadratic in the records).
#   report-scale.sh [OUTDIR]     the profiles go to OUTDIR (default build/bench), then are removed
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-${CAUSAL_BENCH_OUT:-$top/build/bench}}
mkdir -p "$out"
causalctl=$top/userland/causalctl
[ -x "$causalctl" ] || make -s -C "$top" userland >/dev/null

gen() {	# gen N legacy|jsonl FILE: N records, N/2 experiments
	awk -v n="$1" -v fmt="$2" 'BEGIN {
		for (i = 0; i < n / 2; i++) {
			line = i % 40000; pct = int(i / 40000) % 21 * 5
			sel = sprintf("/src/f%d.c:%d", line % 997, line); delta = 100 + (pct ? line % 7 : 0)
			if (fmt == "legacy") {
				printf "experiment\tselected=%s\tspeedup=%.2f\tduration=1000000\n", sel, pct / 100
				printf "throughput-point\tname=p\tdelta=%d\n", delta
			} else {
				printf "{\"type\":\"experiment\",\"selected\":\"%s\",\"speedup\":%.2f,\"duration\":1000000}\n", sel, pct / 100
				printf "{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":%d}\n", delta
			}
		}
	}' >"$3"
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
for fmt in legacy jsonl; do
	for n in 100000 1000000; do
		gen "$n" "$fmt" "$out/report-scale-$n.coz"
		secs[$fmt$n]=$(median3 "$out/report-scale-$n.coz")
		rm -f "$out/report-scale-$n.coz"
		printf 'report scale: %7d records (40 000 lines, %s): %.2f s (median of 3)\n' "$n" "$fmt" \
			"${secs[$fmt$n]}"
	done
	printf 'report scale: %s: 10x the records took %.1fx the time (10 when linear)\n' "$fmt" \
		"$(echo "${secs[${fmt}1000000]} / ${secs[${fmt}100000]}" | bc -l)"
done
