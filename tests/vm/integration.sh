#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest integration tests of causal.ko on a booted kernel, reported as KTAP on stdout.
#   integration.sh RELEASE yes|no    expected module release; whether this kernel exports task_work_add
release=$1
exported=$2
. /lib/causal/ktap.sh
plan=13

# run NAME CMD...: one test, the command's output as KTAP diagnostics
run() {
	name=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
	ok $rc "$name"
}

echo "KTAP version 1"
echo "1..$plan"
echo "# kernel $(uname -r) ($CAUSAL_KERNEL)"

run insmod insmod /lib/causal/causal.ko
run device_is_char_0666 sh -c '[ -c /dev/causal ] && [ "$(stat -c %a /dev/causal)" = 666 ]'
run sysfs_version sh -c "[ \"\$(cat /sys/module/causal/version)\" = '$release' ]"
run load_message sh -c "dmesg | grep -q 'causal: version $release loaded (task_work_add $([ "$exported" = yes ] && echo exported || echo 'not exported'), tracepoint hooks)'"

out=$(causalctl status 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
ok $rc status_exit_0
# the module's release as the module reports it (the "causalctl:" line is causalctl's own)
echo "$out" | grep -qxF "module:    loaded, version $release" &&
	echo "$out" | grep -qxF "release:   $release"
ok $? status_shows_release
causalctl status --json 2>&1 | grep -q '"module_loaded": *true'
ok $? status_json_loaded

# a KTAP subtest: its own plan and results, then its summary line here
ioctl_basic "$release" "$exported"
ok $? ioctl_basic

run rmmod rmmod causal
run device_gone sh -c '[ ! -e /dev/causal ]'

out=$(causalctl status 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc -eq 1 ] && echo "$out" | grep -qi 'not loaded'
ok $? status_reports_unloaded

cycles=0
i=0
while [ $i -lt 5 ]; do
	insmod /lib/causal/causal.ko && [ -c /dev/causal ] && rmmod causal && cycles=$((cycles + 1))
	i=$((i + 1))
done
echo "# $cycles of 5 load/unload cycles completed"
[ $cycles -eq 5 ]
ok $? load_unload_cycles

# open fds keep the module: rmmod must be refused while the device is open (and only then: the
# module loaded, the device opened, and unloading once it is closed)
insmod /lib/causal/causal.ko
loaded=$?
sleep 30 </dev/causal &
holder=$!
sleep 1
held=0
[ "$(readlink /proc/$holder/fd/0 2>/dev/null)" = /dev/causal ] && held=1
rmmod causal 2>/dev/null
busy=$?
kill $holder
wait $holder 2>/dev/null
rmmod causal
unloaded=$?
echo "# insmod $loaded, device held $held, rmmod while open $busy, after close $unloaded"
[ $loaded -eq 0 ] && [ $held -eq 1 ] && [ $busy -ne 0 ] && [ $unloaded -eq 0 ] && [ ! -e /dev/causal ]
ok $? rmmod_refused_while_open

[ $n -eq $plan ] || echo "# plan says $plan tests, ran $n"
exit $fails
