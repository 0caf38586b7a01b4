#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest script, not part of 'make check': the reproducer for the emulator fault that made
# tests/vm/emulator.sh fetch a newer QEMU. Turns the sched_switch and sched_waking trace events on
# and off N times (each turn patches the static keys in __schedule() and try_to_wake_up()) while
# two pipe ping-pongs and a spinning shell keep both vCPUs scheduling. Prints a line per 100
# turns; a guest that stops printing hung.
#
#   tests/vm/run -k 6.1 -t 300 -a build/tests/pipe_pingpong --script tests/vm/text_patch_stress.sh -- 1000
n=${1:-1000}
t=/sys/kernel/tracing
mount -t tracefs tracefs $t 2>/dev/null
echo 0 >$t/tracing_on
pipe_pingpong 100000000 >/dev/null 2>&1 &
pipe_pingpong 100000000 >/dev/null 2>&1 &
(while :; do :; done) &
i=0
while [ $i -lt "$n" ]; do
	for on in 1 0; do
		echo $on >$t/events/sched/sched_switch/enable
		echo $on >$t/events/sched/sched_waking/enable
	done
	i=$((i + 1))
	[ $((i % 100)) -eq 0 ] && echo "text_patch_stress: $i turns at $(cut -d' ' -f1 /proc/uptime) s"
done
echo "text_patch_stress: done, $n turns"
# shellcheck disable=SC2046
kill $(jobs -p) 2>/dev/null
exit 0
