#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module-core benchmark: delay precision (causal.ko's payments vs user-space clock_nanosleep with
# default and 1 ns timer slack), sampling overhead (attached vs unattached runtime) and the cost of a
# session to processes outside it (a pipe ping-pong with and without a session open), measured side
# by side in one VM run per kernel, reported as ratios against the project's targets. Builds the
# programs and the module, boots each kernel with tests/vm/run, runs tests/bench/bench.sh in the guest
# and prints a table from its "BENCH ..." lines.
#
#   tests/bench/run.sh [-o OUTDIR] [KERNEL...]     KERNEL: 6.1, 6.12 or test (default: test)
#
# OUTDIR (default build/bench, or $CAUSAL_BENCH_OUT) gets the programs, kmod/NAME, vm-NAME (the VM
# logs; vm-NAME/guest.out is what the table is made from) and table-NAME.txt. $CAUSAL_BENCH_ARGS is
# passed to bench.sh, e.g. "delay_n=100 pairs=3" for a quick look. Exits non-zero only if something
# failed to build or run; a missed target is reported, not failed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/host-state.sh"
out=${CAUSAL_BENCH_OUT:-$top/build/bench}
while [ $# -gt 0 ]; do
	case "$1" in
	-o|--out) out=$2; shift 2 ;;
	-h|--help) sed -n '3,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "bench: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- test
mkdir -p "$out"
out=$(cd "$out" && pwd)
# shellcheck disable=SC2206
guest_args=(${CAUSAL_BENCH_ARGS:-})

cc=${CC:-gcc}
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -fno-omit-frame-pointer -pthread -static
	-I"$top/uapi")
progs=()
for p in bench_delay bench_overhead bench_bystander bench_uprobe; do
	"$cc" "${cflags[@]}" -o "$out/$p" "$top/tests/bench/$p.c"
	progs+=(-a "$out/$p")
done
echo "bench: built ${progs[*]//-a /} ($cc ${cflags[*]})" >&2

# Prints the table of one kernel from the guest's output.
table() {
	awk -v kernel="$1" '
	function kv(line, key,   i, n, f) {
		n = split(line, f, " ")
		for (i = 1; i <= n; i++)
			if (index(f[i], key "=") == 1)
				return substr(f[i], length(key) + 2)
		return ""
	}
	function us(ns) { return sprintf("%9.1f", ns / 1000) }
	/^BENCH info/ { info = sprintf("%s, %s CPUs, clocksource %s", kv($0, "kernel"), kv($0, "cpus"), kv($0, "clocksource")) }
	/^BENCH delay_config/ { slack0 = kv($0, "default_slack_ns") }
	/^BENCH delay / {
		m = kv($0, "method"); d = kv($0, "delay_ns")
		if (!(d in seen)) { seen[d] = 1; order[++nd] = d }
		p50[m, d] = kv($0, "p50"); p90[m, d] = kv($0, "p90"); p99[m, d] = kv($0, "p99")
		mean[m, d] = kv($0, "mean"); n[m, d] = kv($0, "n")
		if (m == "module") {
			hb[d] = kv($0, "hist_p50_bucket"); extra[d] = sprintf("left_out=%s no_payment=%s inconsistent=%s", \
				kv($0, "left_out"), kv($0, "no_payment"), kv($0, "inconsistent"))
		}
		if (m == "nanosleep_default") slackd = kv($0, "slack_ns")
	}
	/^BENCH overhead_summary/ { ovm = kv($0, "median_ratio"); ovlo = kv($0, "min_ratio"); ovhi = kv($0, "max_ratio"); ovp = kv($0, "pairs"); ovc = kv($0, "median_ns_per_sample") }
	/^BENCH overhead / { exp_s += kv($0, "attached_ns") * 2 / per; got_s += kv($0, "samples") }
	/^BENCH overhead_config/ { per = kv($0, "period_ns"); cc = kv($0, "callchain") }
	/^BENCH bystander_summary/ { bym = kv($0, "median_ratio"); bylo = kv($0, "min_ratio"); byhi = kv($0, "max_ratio"); byp = kv($0, "pairs") }
	/^BENCH bystander_config/ { byn = kv($0, "round_trips") }
	/^BENCH uprobe / { upl = kv($0, "plain_ns"); upp = kv($0, "probed_ns"); upc = kv($0, "cost_ns"); upr = kv($0, "ratio"); upn = kv($0, "counted"); upe = kv($0, "expected") }
	/^BENCH note/ { notes = notes "  " substr($0, 7) "\n" }
	/^BENCH error/ { errors = errors "  " $0 "\n" }
	END {
		printf "causal module-core benchmark, kernel %s (%s), QEMU software emulation\n", kernel, info
		if (nd) {
			printf "delay precision (|slept - owed|, us)            p50      p90      p99     mean      n\n"
			met = 0
			for (i = 1; i <= nd; i++) {
				d = order[i]
				printf "  module (hrtimer, 0 slack)    %5d us %s%s%s%s %6s\n", d / 1000, us(p50["module", d]), us(p90["module", d]), us(p99["module", d]), us(mean["module", d]), n["module", d]
				printf "  nanosleep, default slack     %5d us %s%s%s%s %6s\n", d / 1000, us(p50["nanosleep_default", d]), us(p90["nanosleep_default", d]), us(p99["nanosleep_default", d]), us(mean["nanosleep_default", d]), n["nanosleep_default", d]
				printf "  nanosleep, 1 ns slack        %5d us %s%s%s%s %6s\n", d / 1000, us(p50["nanosleep_1ns", d]), us(p90["nanosleep_1ns", d]), us(p99["nanosleep_1ns", d]), us(mean["nanosleep_1ns", d]), n["nanosleep_1ns", d]
				r = p50["nanosleep_default", d] > 0 ? p50["module", d] / p50["nanosleep_default", d] : 0
				r1 = p50["nanosleep_1ns", d] > 0 ? p50["module", d] / p50["nanosleep_1ns", d] : 0
				b = hb[d] + 0
				lo = b == 0 ? 0 : 2 ^ (b - 1); hi = b == 15 ? "inf" : 2 ^ b
				f = p50["nanosleep_default", d] > 0 ? p50["nanosleep_1ns", d] / p50["nanosleep_default", d] : 0
				printf "  ratio module/default p50     %5d us %9.2f   target <= 0.25: %s\n", d / 1000, r, r <= 0.25 ? "met" : "missed"
				printf "    module/1ns-slack p50 %.2f; 1ns-slack/default p50 %.2f (what removing the slack alone gives here); module error_hist p50 bucket [%s, %s) us\n", \
					r1, f, lo, hi
				printf "    module experiments: %s\n", extra[d]
				if (r <= 0.25) met++
			}
			printf "  delay precision target (module p50 <= 0.25 x default-slack p50, default slack %s ns): target %s (%d of %d delays)\n", \
				slackd, met == nd ? "met" : "missed", met, nd
		}
		if (ovm != "") {
			printf "sampling overhead: attached/unattached runtime = %s (median of %s pairs; min %s, max %s; 2 threads, callchain %s) target <= 1.02: %s\n", \
				ovm, ovp, ovlo, ovhi, cc, ovm + 0 <= 1.02 ? "target met" : "target missed"
			if (exp_s > 0)
				printf "  samples taken / expected at one per period per busy thread: %.2f\n", got_s / exp_s
			if (ovc != "" && per > 0)
				printf "  wall time per sample (median over pairs): %.1f us, i.e. %.2f%% per thread at one sample per %d us\n", \
					ovc / 1000, 100 * ovc / per, per / 1000
		}
		if (bym != "")
			printf "cost to processes outside the session: pipe ping-pong on one CPU (%s round trips) with a session open / without = %s (median of %s pairs; min %s, max %s) target <= 1.02: %s\n", \
				byn, bym, byp, bylo, byhi, bym + 0 <= 1.02 ? "target met" : "target missed"
		if (upc != "")
			printf "uprobe progress point: %s ns per visit (probed call %s ns vs plain call %s ns, %sx); target <= 3000 ns: %s; counted %s of %s calls\n", \
				upc, upp, upl, upr, upc + 0 <= 3000 ? "met" : "missed", upn, upe
		if (notes != "") printf "notes from the guest:\n%s", notes
		if (errors != "") printf "errors:\n%s", errors
	}'
}

# libcausal's counter on this host (no module involved): one line per figure
make -s -C "$top/userland" >&2
"$cc" -O2 -D_GNU_SOURCE -I"$top/userland/include" -I"$top/uapi" -o "$out/bench_progress" \
	"$top/tests/bench/bench_progress.c" -L"$top/userland/build/lib" \
	-Wl,-rpath,"$top/userland/build/lib" -Wl,--no-as-needed -lcausal
"$cc" -O2 -D_GNU_SOURCE -I"$top/userland/include" -I"$top/uapi" -o "$out/bench_progress_noop" \
	"$top/tests/bench/bench_progress.c"
{
	echo "libcausal progress point on this host (target <= 5 ns per hit):"
	"$out/bench_progress" | sed 's/^/  /'
	echo "  without libcausal loaded (what leaving the points in costs):"
	"$out/bench_progress_noop" | sed 's/^/  /'
} | tee "$out/table-host.txt"

status=0
for k in "$@"; do
	kmod=$out/kmod/$k
	vmlog=$out/vm-$k
	if ! "$top/scripts/build-module.sh" "$k" "$kmod" >&2; then
		echo "bench: $k: the module does not build" >&2
		status=1
		continue
	fi
	rm -rf "$vmlog"
	vrc=0
	# The guest's vCPUs are host threads: anything else busy on the host shows up in the numbers.
	host_mark
	"$top/tests/vm/run" -k "$k" -m "$kmod" -q -t 900 -l "$vmlog" "${progs[@]}" \
		--script "$top/tests/bench/bench.sh" -- ${guest_args[@]+"${guest_args[@]}"} || vrc=$?
	host=$(host_line)
	steal=$(host_steal)
	if awk -v n="$(nproc)" '{ exit !($1 >= n / 2) }' <<<"$host_load0" || [ "${host_others:-0}" -gt 0 ] ||
		awk '{ exit !($1 >= 10) }' <<<"$steal"; then
		host="$host"$'\n'"warning: the host was busy: the guest's vCPUs lost time to other work, so these emulated timings are noisier than they should be; rerun on an idle host"
	fi
	guest=$vmlog/guest.out
	if [ ! -s "$guest" ]; then
		echo "bench: $k: no guest output (VM exit $vrc)" >&2
		status=1
		continue
	fi
	{ table "$k" <"$guest"; echo "$host"; } | tee "$out/table-$k.txt"
	if [ "$vrc" -ne 0 ]; then
		echo "bench: $k: the VM run failed (exit $vrc); logs in $vmlog" >&2
		status=1
	elif grep -q '^BENCH error' "$guest" || ! grep -q '^BENCH overhead_summary' "$guest" ||
		! grep -q '^BENCH delay_done' "$guest"; then
		echo "bench: $k: the benchmark did not complete; see $guest" >&2
		status=1
	fi
done
exit $status
