#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The reliability run on the debug kernel (KASAN, kmemleak, lockdep, debug objects): the fault
# scenarios, core_test's kill scenarios, the permission tests and the ioctl fuzzer in one VM run
# (tests/vm/faults.sh; any kernel report or a kmemleak leak fails it), then libFuzzer on
# causalctl's readers on the host (tests/fuzz/userland.sh). make fuzz runs it long; make check
# runs a slice (--check).
#   run.sh [--check] [--calls N] [--seconds S] [--threads N] [--forks N] [--seed S]
#          [--userland-seconds S] [--counts FILE] [--names FILE] [--failures FILE] [--log DIR]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
calls=1000000
seconds=3600
threads=10000
forks=400
useconds=600
seed=
counts=
names=
failures=
log=$top/build/fuzz-run
while [ $# -gt 0 ]; do
	case "$1" in
	--check) calls=100000; seconds=60; threads=10000; forks=200; useconds=20; shift ;;
	--calls) calls=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--forks) forks=$2; shift 2 ;;
	--seed) seed="seed=$2"; shift 2 ;;
	--userland-seconds) useconds=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	--names) names=$2; shift 2 ;;
	--failures) failures=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	*) sed -n '3,10s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
mkdir -p "$log"
status=0
ktap() {
	scripts/ktap.py --name "$1" --suite "$2" ${counts:+--counts "$counts"} ${names:+--names "$names"} \
		${failures:+--failures "$failures"} "$3" ||
		status=1
}

[ -f build/kmod/debug/causal.ko ] || scripts/build-module.sh debug || exit 1
make -s tests-programs workloads userland || exit 1
programs=()
for p in build/tests/*; do programs+=(-a "$p"); done
# the fuzzer stops after `seconds`; everything else takes ~10 minutes on the debug kernel, most of
# it making the 10 000 threads (~25 ms each under KASAN and emulation)
tests/vm/run -k debug -q -t $((seconds + 1800)) -l "$log/vm" "${programs[@]}" \
	--script tests/vm/faults.sh -- threads="$threads" forks="$forks" calls="$calls" \
	seconds="$seconds" $seed
vrc=$?
sed 's/^/  /' "$log/vm/guest.out" 2>/dev/null
grep -E 'kmemleak scanned' "$log/vm/console.log" | tr -d '\r' | sed 's/^/  /'
ktap "reliability on the debug kernel" reliability "$log/vm/guest.out"
if [ $vrc -gt 1 ]; then
	echo "FAIL: reliability VM run (exit $vrc: kernel report, leak, timeout or a console cut short, see $log/vm)"
	[ -n "$counts" ] && echo "FAIL 1" >>"$counts"
	[ -n "$failures" ] && echo "reliability VM run (exit $vrc, see $log/vm)" >>"$failures"
	status=1
fi

tests/fuzz/userland.sh "$useconds" >"$log/userland.out" 2>&1
sed 's/^/  /' "$log/userland.out"
ktap "causalctl readers fuzzed" "userland fuzz" "$log/userland.out"
exit $status
