#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side test of tests/vm/check-console: which console logs fail a VM run, and which of those
# the harness excuses as the emulator's text-patching fault and runs again (--text-patch-fault).
# The logs: the Oops is an excerpt of a real one (tests/vm/text_patch_stress.sh on 6.12); the
# others are written in the kernel's format: a stall with a CPU in the int3 handler, the same with
# our kprobe handler in the trace, our own WARN, and a clean boot. Prints TAP.
set -euo pipefail
cc=$(dirname "$0")/check-console
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/clean" <<'EOL'
[    3.263560] Run /init as init process
[   12.000001] causal: loaded, hooks: tracepoint
EOL
cat >"$tmp/oops-int3" <<'EOL'
[    3.307014] Run /init as init process
[    3.951672] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI
[    3.960703] CPU: 0 UID: 0 PID: 160 Comm: pipe_pingpong Not tainted 6.12.117+deb12-amd64 #1  Debian 6.12.117-1~deb12u1
[    3.961202] RIP: 0010:__schedule+0x339/0xbf0
[    3.963770] Call Trace:
[    3.965146]  schedule+0x27/0xc0
[    3.965309]  irqentry_exit_to_user_mode+0xfc/0x1a0
[    3.966124] Modules linked in: causal
[    3.967136] Kernel panic - not syncing: Fatal exception in interrupt
EOL
cat >"$tmp/stall-int3" <<'EOL'
[   55.100000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   55.100100] rcu: 	0-...!: (1 GPs behind) idle=8d4/1/0x4000000000000000 softirq=5251/5252 fqs=1
[   55.100200] Sending NMI from CPU 1 to CPUs 0:
[   55.100300] NMI backtrace for cpu 0
[   55.100400] RIP: 0010:poke_int3_handler+0x2e/0x170
[   55.100500] Call Trace:
[   55.100600]  <TASK>
[   55.100700]  exc_int3+0x4e/0x90
[   55.100800]  asm_exc_int3+0x39/0x40
[   55.100900] RIP: 0010:__schedule+0x1a5/0x9d0
[   55.101000] Modules linked in: causal
EOL
# the same stall, but the int3 is a kprobe's and our handler is in the trace
sed 's/^\(\[   55.100700\]\)  exc_int3/\1  causal_kp_switch+0x1c\/0x80 [causal]\n\1  kprobe_int3_handler+0x11\/0x1e0\n&/' \
	"$tmp/stall-int3" >"$tmp/stall-int3-ours"
grep -qF '[causal]' "$tmp/stall-int3-ours" || { echo "Bail out! fixture stall-int3-ours lacks our frame"; exit 1; }
cat >"$tmp/warn-ours" <<'EOL'
[   20.000000] ------------[ cut here ]------------
[   20.000100] WARNING: CPU: 1 PID: 201 at module/session.c:412 causal_session_stop+0x1d3/0x230 [causal]
[   20.000200] Call Trace:
[   20.000300]  causal_ioctl+0x2f1/0x9a0 [causal]
[   20.000400]  __x64_sys_ioctl+0x8d/0xd0
EOL

n=0
failed=0
# expect NAME FILE CONSOLE_STATUS FAULT_STATUS: check-console's exit status on FILE, and with
# --text-patch-fault
expect() {
	local name=$1 file=$tmp/$2 want_console=$3 want_fault=$4 got_console got_fault
	"$cc" "$file" >/dev/null 2>&1 && got_console=0 || got_console=$?
	"$cc" --text-patch-fault "$file" >/dev/null 2>&1 && got_fault=0 || got_fault=$?
	n=$((n + 1))
	if [ "$got_console" = "$want_console" ] && [ "$got_fault" = "$want_fault" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name (check-console $got_console, want $want_console; --text-patch-fault $got_fault, want $want_fault)"
		failed=$((failed + 1))
	fi
}
echo "1..5"
expect clean_boot_passes_and_is_no_fault clean 0 1
expect oops_int3_fails_and_is_the_emulator oops-int3 1 0
expect stall_in_int3_handler_fails_and_is_the_emulator stall-int3 1 0
expect stall_with_our_kprobe_handler_is_not_excused stall-int3-ours 1 1
expect our_warning_is_not_excused warn-ours 1 1
[ "$failed" -eq 0 ]
