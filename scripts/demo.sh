#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: builds causal and runs the main job, on this host when it can load modules, otherwise
# in a VM (QEMU, software emulation) booted with a stock Debian kernel.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# the bundled example: tests/workloads/join.c (two threads, line A on the critical path), with
# rounds enough to outlast any profile: causalctl ends it (SIGTERM) once the answer has settled,
# or at the cap, saying which came first; then the report, the critical line first
job='causalctl status; causalctl run -o /tmp/demo.coz --seed 1 --until-settled --duration 100 \
	-- join 1000000; causalctl report /tmp/demo.coz'

host_can_load() {
	[ -e /proc/modules ] || { echo "demo: this kernel has no module support"; return 1; }
	[ "$(id -u)" -eq 0 ] || { echo "demo: not root, cannot load modules here"; return 1; }
	[ -d "/lib/modules/$(uname -r)/build" ] || { echo "demo: no headers for $(uname -r) installed"; return 1; }
}

make -s userland workloads
if reason=$(host_can_load); then
	echo "demo: building causal.ko for $(uname -r) and running on this host"
	make -s module
	loaded_here=
	if [ ! -e /sys/module/causal ]; then
		insmod causal.ko
		loaded_here=1
	fi
	rc=0
	PATH=$top/userland:$top/build/workloads:$PATH sh -c "${job//\/tmp/$top/build}" || rc=$?
	[ -z "$loaded_here" ] || rmmod causal
	exit $rc
fi

kernel=${CAUSAL_DEMO_KERNEL:-6.1}
echo "$reason: running in a VM with Debian's $kernel kernel instead"
# the guest has no locale of its own: the report draws with Unicode when this terminal takes it
if [ "$(locale charmap 2>/dev/null)" = UTF-8 ]; then
	job="export LC_ALL=C.UTF-8; $job"
fi
scripts/build-module.sh "$kernel" >/dev/null
tests/vm/run -k "$kernel" -t 300 -l build/demo -a userland/build/lib/libcausal.so.0 \
	-a build/workloads/join -- sh -c "insmod /lib/causal/causal.ko && $job"
