#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest reliability tests (the debug kernel's run in make check and make fuzz), as one KTAP
# document on stdout with a subtest per program: the fault scenarios (faults_test, and core_test's
# sigkill, kill-payer and two-sessions), the permission tests (perm_test), the ioctl fuzzer
# (ioctl_fuzz) and unloads right after paying sessions close (unload_stress, unload=SECONDS of
# it), and a last result: the module unloads after them all. The harness fails the run on any
# kernel report, and scans kmemleak after it.
#   faults.sh [threads=N] [forks=N] [calls=N] [seconds=N] [seed=S] [unload=N] [programs=LIST]
# defaults: threads=10000 forks=400 calls=100000 seconds=600 unload=60, programs
# "faults core perm fuzz unload"
threads=10000
forks=400
calls=100000
seconds=600
seed=
unload=60
programs="faults core perm fuzz unload"
for a in "$@"; do
	case "$a" in
	threads=*) threads=${a#*=} ;;
	forks=*) forks=${a#*=} ;;
	calls=*) calls=${a#*=} ;;
	seconds=*) seconds=${a#*=} ;;
	seed=*) seed="-s ${a#*=}" ;;
	unload=*) unload=${a#*=} ;;
	programs=*) programs=${a#*=} ;;
	esac
done

set -- $programs
echo "KTAP version 1"
echo "1..$(($# + 1))"
echo "# faults.sh: kernel $(uname -r) ($CAUSAL_KERNEL)"
if ! insmod /lib/causal/causal.ko; then
	i=0
	for p in $programs rmmod; do i=$((i + 1)); echo "not ok $i $p # insmod causal.ko failed"; done
	exit 1
fi
i=0
fails=0
for p in $programs; do
	i=$((i + 1))
	case "$p" in
	faults) cmd="faults_test -T $threads -F $forks" ;;
	core) cmd="core_test sigkill kill-payer two-sessions" ;;
	perm) cmd="perm_test" ;;
	fuzz) cmd="ioctl_fuzz -n $calls -t $seconds $seed" ;;
	# unloads and loads the module itself, and leaves it loaded
	unload) cmd="unload_stress -t $unload /lib/causal/causal.ko" ;;
	*) echo "not ok $i $p # unknown"; fails=$((fails + 1)); continue ;;
	esac
	echo "# $p: $cmd"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	$cmd >/tmp/$p.out 2>&1
	rc=$?
	echo "    KTAP version 1"
	echo "    # Subtest: $p"
	sed -e '/^KTAP version/d' -e 's/^/    /' /tmp/$p.out
	echo "# $p took $(($(date +%s) - t0)) s, exit $rc"
	if [ $rc -eq 0 ]; then echo "ok $i $p"; else echo "not ok $i $p"; fails=$((fails + 1)); fi
done
i=$((i + 1))
if rmmod causal; then
	echo "ok $i rmmod_causal_after_the_tests"
else
	echo "not ok $i rmmod_causal_after_the_tests # $(grep '^causal ' /proc/modules)"
	fails=$((fails + 1))
fi
exit $((fails > 0))
