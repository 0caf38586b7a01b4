# SPDX-License-Identifier: GPL-2.0
# Sourced by the bench scripts: what else the host was doing while a VM ran. The guest's vCPUs
# are host threads, so other busy processes, and a hypervisor under this host taking its CPUs
# away (steal time: this host may be a VM itself), slow and delay them; the benchmark's numbers
# are only comparable between runs with a similar host.
#   host_mark          before the VM: load average, QEMU processes, CPU time so far
#   host_steal         after it: the steal time since host_mark, % of the CPU time
#   host_line          after it: "host: N CPUs, load average A before, B after, steal S % of the
#                      CPU time during the run; Q other QEMU process(es) at the start"

host_cpu() {
	# user nice system idle iowait irq softirq steal: their sum, and steal
	awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9; exit }' /proc/stat
}

host_mark() {
	host_load0=$(cut -d' ' -f1-3 /proc/loadavg)
	host_others=$(pgrep -c qemu-system || true)
	host_cpu0=$(host_cpu)
}

host_steal() {
	printf '%s %s\n' "$host_cpu0" "$(host_cpu)" |
		awk '{ d = $3 - $1; printf "%.1f\n", (d > 0 ? 100 * ($4 - $2) / d : 0) }'
}

host_line() {
	echo "host: $(nproc) CPUs, load average $host_load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after," \
		"steal $(host_steal) % of the CPU time during the run; ${host_others:-0} other QEMU process(es) at the start"
}
