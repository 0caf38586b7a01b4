#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the guest, for tests/bench/generated.sh: per generated program (gen-SEED, its variants
# gen-SEED-LABEL and manifest gen-SEED.json in /bin), the units that make a base run last about
# secs seconds; then reps rounds in which the base and every variant run once each, in an order
# that rotates from round to round ("BG act SEED VARIANT WALL_NS"); then per marked line a
# causalctl profile with only that line and the speedups 0 and 30 % ("BGJSON SEED LABEL" and the
# report's --json object), and, with Coz in the guest (/bin/libcoz.so and /bin/coz-guest.sh, from
# tests/bench/generated.sh), Coz's fixed-line runs of the program's DWARF 4 copy gen-SEED-dwarf4 at
# the speedups 0, 30, 30 and 0 % (Coz takes one speedup per run; the order evens out a drift of the
# emulator's speed), each about a quarter of prof seconds of the unprofiled program's work, into
# one profile: "BGCOZ SEED LABEL runs=N failed=N experiments=N samples=N" (Coz's experiments, and
# the samples they caught in the line: none where Coz cannot see the line run) and "BGCOZJSON SEED
# LABEL" with the report of Coz's profile, which causalctl reads ({} without a profile). What the
# numbers mean is for tests/bench/generated_table.py.
#   generated-guest.sh SEED[,SEED...] [reps=N] [secs=N] [prof=N]
seeds=$(echo "$1" | tr , ' ')
shift
reps=5
secs=3
prof=60
for kv in "$@"; do
	case "$kv" in
	reps=*|secs=*|prof=*) eval "${kv%%=*}=\${kv#*=}" ;;
	*) echo "# generated-guest: unknown $kv" ;;
	esac
done
insmod /lib/causal/causal.ko || exit 1
coz_ok=0
if [ -f /bin/libcoz.so ]; then
	# shellcheck source=tests/bench/coz-guest.sh
	. /bin/coz-guest.sh
	coz_ok=1
	echo "# coz: libcoz.so, perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)"
fi
# the GEN line's wall_ns of: PROGRAM UNITS
wall() {
	"$1" "$2" 2>&1 >/dev/null | sed -n 's/^GEN units=[0-9]* wall_ns=\([0-9]*\)$/\1/p'
}
for s in $seeds; do
	labels=$(sed -n 's/.*"label": "\(L[0-9]*\)".*/\1/p' /bin/gen-$s.json)
	# units: double from 1 until a base run lasts half a second (shorter runs are mostly the
	# emulator translating new code), then scale to secs
	u=1
	while :; do
		w=$(wall gen-$s $u)
		[ -n "$w" ] || { echo "# gen-$s did not run"; continue 2; }
		if [ "$w" -ge 500000000 ] || [ $u -ge 100000000 ]; then
			break
		fi
		u=$((u * 2))
	done
	u=$((u * secs * 1000000000 / w + 1))
	echo "BG units $s $u"
	variants="base $labels"
	r=0
	while [ $r -lt "$reps" ]; do
		# rotate: round r starts at the r-th variant
		order=$(echo $variants | tr ' ' '\n' | awk -v r=$r '{v[NR - 1] = $0} END {for (i = 0; i < NR; i++) print v[(i + r) % NR]}')
		for v in $order; do
			prog=gen-$s
			[ "$v" = base ] || prog=gen-$s-$v
			echo "BG act $s $v $(wall $prog $u)"
		done
		r=$((r + 1))
	done
	for l in $labels; do
		line=$(sed -n "/\"label\": \"$l\"/,/}/s/.*\"line\": \([0-9]*\).*/\1/p" /bin/gen-$s.json)
		causalctl run -o /tmp/gen-$s-$l.coz --fixed-line "gen-$s.c:$line" --fixed-speedup 0,30 \
			--duration "$prof" -- gen-$s $((u * prof * 4 / secs + 1)) >/tmp/gen-$s-$l.out 2>&1
		tail -n 3 /tmp/gen-$s-$l.out | sed 's/^/# /'
		echo "BGJSON $s $l $(causalctl report --json --min-points 2 /tmp/gen-$s-$l.coz)"
		[ $coz_ok = 1 ] || continue
		cprof=/tmp/gen-$s-$l-coz.coz
		rm -f "$cprof"
		n=0
		failed=0
		for sp in 0 30 30 0; do
			cozenv="COZ_FIXED_LINE=gen-$s.c:$line COZ_FIXED_SPEEDUP=$sp"
			coz_exec $((prof + 60)) "$cprof" gen-$s-dwarf4 $((u * prof / (4 * secs) + 1)) >/tmp/gen-coz.out 2>&1
			rc=$?
			n=$((n + 1))
			if [ $rc -ne 0 ]; then
				failed=$((failed + 1))
				echo "# coz gen-$s $l at $sp %: exit $rc"
				grep -v '\.cpp:[0-9]*\]' /tmp/gen-coz.out | tail -n 3 | sed 's/^/# /'
			fi
		done
		echo "BGCOZ $s $l runs=$n failed=$failed $(awk -F '\t' '$1 == "experiment" { n++
			for (i = 2; i <= NF; i++) if (index($i, "selected-samples=") == 1) k += substr($i, 18) }
			END { printf "experiments=%d samples=%d\n", n, k }' "$cprof" 2>/dev/null)"
		if [ -s "$cprof" ]; then
			echo "BGCOZJSON $s $l $(causalctl report --json --min-points 2 "$cprof" | tr -d '\n')"
		else
			echo "BGCOZJSON $s $l {}"
		fi
	done
done
rmmod causal
