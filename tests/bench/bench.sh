#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of the module-core benchmark (tests/bench/run.sh boots the VM and prints the table):
# loads /lib/causal/causal.ko, runs bench_delay, bench_overhead, bench_bystander and bench_uprobe, and prints their machine-readable
# "BENCH ..." lines. Exits non-zero only if something failed to run.
#   bench.sh [delay_n=N] [delay_rounds=R] [delays_us=50,100,...] [pairs=P] [target_ms=MS]
#            [callchain=C] [uprobe_calls=N] [skip=delay|overhead|bystander|uprobe]
delay_n=500
delay_rounds=5
delays_us=50,100,250,500,1000
pairs=9
target_ms=1000
callchain=4
uprobe_calls=10000
skip=
for arg in "$@"; do
	case "$arg" in
	delay_n=*|delay_rounds=*|delays_us=*|pairs=*|target_ms=*|callchain=*|uprobe_calls=*|skip=*)
		eval "${arg%%=*}=\${arg#*=}" ;;
	*) echo "BENCH error bench.sh: unknown argument '$arg'"; exit 2 ;;
	esac
done

if ! insmod /lib/causal/causal.ko; then
	echo "BENCH error insmod causal.ko failed"
	exit 1
fi
cpus=$(grep -c '^processor' /proc/cpuinfo)
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
echo "BENCH info kernel=$(uname -r) name=$CAUSAL_KERNEL cpus=$cpus clocksource=${cs:-unknown}"

rc=0
if [ "$skip" != delay ]; then
	bench_delay -n "$delay_n" -r "$delay_rounds" -d "$delays_us" || { echo "BENCH error bench_delay exit $?"; rc=1; }
fi
if [ "$skip" != overhead ]; then
	bench_overhead -p "$pairs" -t "$target_ms" -c "$callchain" || { echo "BENCH error bench_overhead exit $?"; rc=1; }
fi
if [ "$skip" != bystander ]; then
	bench_bystander -p "$pairs" -t "$target_ms" || { echo "BENCH error bench_bystander exit $?"; rc=1; }
fi
if [ "$skip" != uprobe ]; then
	bench_uprobe -n "$uprobe_calls" || { echo "BENCH error bench_uprobe exit $?"; rc=1; }
fi
dmesg | grep -i 'causal' | sed 's/^/# dmesg: /'
if ! rmmod causal; then
	echo "BENCH error rmmod causal failed"
	rc=1
fi
echo "BENCH end rc=$rc"
exit $rc
