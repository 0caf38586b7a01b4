#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side test of tests/vm/check-console: which console logs fail a VM run (1: a report, 2: cut
# short), and which of those the harness excuses as the emulator's text-patching fault and runs
# again (--text-patch-fault). The logs: the Oops is an excerpt of a real one
# (tests/vm/text_patch_stress.sh on 6.12); the others are written in the kernel's format: a stall
# with a CPU in the int3 handler, and variants of both that must not be excused (our kprobe
# handler or KUnit module in the trace, a bare module address as an unloaded module's code shows,
# a fault outside the patched sites, a second report in the same log), our own WARN, clean and
# truncated logs. Then tests/vm/flaky.sh, which lists the reruns as FLAKY and fails a step that
# needed two. Prints TAP.
set -euo pipefail
cc=$(dirname "$0")/check-console
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/clean" <<'EOL'
[    3.263560] Run /init as init process
[   12.000001] causal: loaded, hooks: tracepoint
[   14.000001] CAUSAL-VM-DONE
EOL
# the VM killed at its time limit after the guest's status line: the console is cut short
head -n 2 "$tmp/clean" >"$tmp/truncated"
# the debug kernel: kmemleak on, its final scan's result line there or not
sed '1a [    3.300000] causal-vm: kmemleak on' "$tmp/clean" >"$tmp/kmemleak-no-scan"
sed '2a [   13.900000] causal-vm: kmemleak scanned, 0 leaks' "$tmp/kmemleak-no-scan" >"$tmp/kmemleak-scanned"
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
# the int3 in the KUnit module's code
sed 's/^\(\[    3.963770\] Call Trace:\)$/&\n[    3.964000]  ring_kunit_fill+0x2c\/0x90 [causal_kunit]/' \
	"$tmp/oops-int3" >"$tmp/oops-int3-kunit"
# code of an unloaded module: a bare address in the module area, as a use-after-unload shows
sed 's/^\(\[    3.963770\] Call Trace:\)$/&\n[    3.964000]  0xffffffffc0a1b2c3/' \
	"$tmp/oops-int3" >"$tmp/oops-int3-bare-module-address"
sed 's/^\(\[    3.961202\] RIP: 0010:\).*/\10xffffffffc0a1b2c3/' "$tmp/oops-int3" \
	>"$tmp/oops-int3-rip-in-module-area"
# an int3 in a function nothing of ours patches
sed 's/__schedule+0x339\/0xbf0/memcpy_orig+0x10\/0x120/' "$tmp/oops-int3" >"$tmp/oops-int3-elsewhere"
# the stall, and then a task blocked for good: two reports
cat "$tmp/stall-int3" - >"$tmp/stall-int3-and-hung-task" <<'EOL'
[  120.000000] INFO: task core_test:201 blocked for more than 61 seconds.
EOL
for f in oops-int3-kunit oops-int3-bare-module-address oops-int3-rip-in-module-area oops-int3-elsewhere; do
	cmp -s "$tmp/oops-int3" "$tmp/$f" && { echo "Bail out! fixture $f is the plain Oops"; exit 1; }
done
cat >"$tmp/warn-ours" <<'EOL'
[   20.000000] ------------[ cut here ]------------
[   20.000100] WARNING: CPU: 1 PID: 201 at module/session.c:412 causal_session_stop+0x1d3/0x230 [causal]
[   20.000200] Call Trace:
[   20.000300]  causal_ioctl+0x2f1/0x9a0 [causal]
[   20.000400]  __x64_sys_ioctl+0x8d/0xd0
EOL

# shellcheck source=tests/vm/ktap.sh
. "$(dirname "$0")/ktap.sh"
# expect NAME FILE CONSOLE_STATUS FAULT_STATUS: check-console's exit status on FILE, and with
# --text-patch-fault
expect() {
	local name=$1 file=$tmp/$2 want_console=$3 want_fault=$4 got_console got_fault
	"$cc" "$file" >/dev/null 2>&1 && got_console=0 || got_console=$?
	"$cc" --text-patch-fault "$file" >/dev/null 2>&1 && got_fault=0 || got_fault=$?
	local st=0
	[ "$got_console" = "$want_console" ] && [ "$got_fault" = "$want_fault" ] || st=1
	ok $st "$name" "check-console $got_console, want $want_console; --text-patch-fault $got_fault, want $want_fault"
}
echo "1..16"
expect clean_boot_passes_and_is_no_fault clean 0 1
expect truncated_console_is_incomplete truncated 2 1
expect kmemleak_without_final_scan_is_incomplete kmemleak-no-scan 2 1
expect kmemleak_with_final_scan_passes kmemleak-scanned 0 1
expect oops_int3_fails_and_is_the_emulator oops-int3 1 0
expect stall_in_int3_handler_fails_and_is_the_emulator stall-int3 1 0
expect stall_with_our_kprobe_handler_is_not_excused stall-int3-ours 1 1
expect our_warning_is_not_excused warn-ours 1 1
expect int3_with_our_kunit_module_is_not_excused oops-int3-kunit 1 1
expect int3_with_a_bare_module_address_is_not_excused oops-int3-bare-module-address 1 1
expect int3_at_a_module_area_address_is_not_excused oops-int3-rip-in-module-area 1 1
expect int3_outside_the_patched_sites_is_not_excused oops-int3-elsewhere 1 1
expect stall_and_a_second_report_is_not_excused stall-int3-and-hung-task 1 1

# tests/vm/flaky.sh: the reruns make check lists as FLAKY, and two in one step fail it
fl=$(dirname "$0")/flaky.sh
# flaky NAME WANT_STATUS WANT_LINES: flaky.sh's exit status and FLAKY lines on $tmp/out
flaky() {
	local got lines st=0
	"$fl" "$tmp/out" step "$tmp/seen" >"$tmp/flaky" && got=0 || got=$?
	lines=$(grep -c '^FLAKY: step: ' "$tmp/flaky" || true)
	[ "$got" = "$2" ] && [ "$lines" = "$3" ] || st=1
	ok $st "$1" "flaky.sh $got, want $2; $lines FLAKY lines, want $3"
}
mkdir -p "$tmp/out/core-a" "$tmp/out/core-b" "$tmp/out/core-c"
touch "$tmp/out/core-a/console.log"
flaky no_rerun_is_no_flaky_line 0 0
touch "$tmp/out/core-a/console.text-patch-fault.log"
flaky one_rerun_is_listed_and_passes 0 1
touch "$tmp/out/core-b/console.text-patch-fault.log" "$tmp/out/core-c/console.boot-failure.log"
flaky two_new_reruns_in_one_step_fail 1 2
[ "$fails" -eq 0 ]
