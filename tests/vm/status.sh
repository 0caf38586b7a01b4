#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest tests of causalctl status's checks, as KTAP on stdout, on a guest that lacks things: no
# kernel headers (blocking until the module is loaded, with the generic fix, then Debian's apt
# command once /etc/os-release says Debian), perf_event_paranoid=3 (shown, never blocking),
# uprobes found in sysfs, a PROGRAM built without frame pointers (causalctl itself, unwound by its
# .eh_frame), and lockdown
# raised to integrity: status warns about signing, and insmod of the unsigned module then fails.
. /lib/causal/ktap.sh
plan=21
tmp=/tmp/status-test
rel=$(uname -r)
mkdir -p $tmp

# has FILE TEXT: TEXT (a fixed string) is in FILE
has() {
	grep -qF -- "$2" "$1"
}
# check_has NAME FILE TEXT: one result, NAME, that passes when TEXT (a fixed string) is in FILE
check_has() {
	has "$2" "$3"
	ok $? "$1"
}
# status NAME ARGS...: causalctl status ARGS, text in $tmp/NAME.out (stdout, then stderr), JSON
# in $tmp/NAME.json; $rc and $jrc are their exit statuses
status() {
	name=$1
	shift
	causalctl status "$@" >$tmp/$name.out 2>$tmp/$name.err
	rc=$?
	causalctl status --json "$@" >$tmp/$name.json 2>&1
	jrc=$?
	sed 's/^/# /' $tmp/$name.out $tmp/$name.err $tmp/$name.json
}
# status_exits CODE RESULT NAME ARGS...: status NAME ARGS, then one result, RESULT, that passes when
# both commands exited CODE
status_exits() {
	code=$1
	result=$2
	shift 2
	status "$@"
	[ $rc -eq "$code" ] && [ $jrc -eq "$code" ]
	ok $? "$result"
}

echo "KTAP version 1"
echo "1..$plan"
echo "# kernel $rel ($CAUSAL_KERNEL)"
rm -f /etc/os-release /usr/lib/os-release

# 1. nothing loaded, no headers, no os-release: both block; the headers fix cannot name a package
status_exits 1 unloaded_exits_1 unloaded
check_has unloaded_module_blocking $tmp/unloaded.out "  blocking  module          not loaded, and not installed for $rel"
check_has headers_blocking_text $tmp/unloaded.out "  blocking  headers         no kernel headers for $rel (/lib/modules/$rel/build): DKMS cannot build causal for this kernel"
check_has headers_fix_generic_without_os_release $tmp/unloaded.out "fix: install the kernel headers package of $rel (it provides /lib/modules/$rel/build)"
check_has json_keeps_old_fields $tmp/unloaded.json '"module_loaded":false,'

# 2. a Debian guest: the fix is the apt command (root runs it without sudo)
printf 'PRETTY_NAME="Debian GNU/Linux"\nID=debian\n' >/etc/os-release
status debian
check_has headers_fix_apt_get_text $tmp/debian.out "fix: apt-get install linux-headers-$rel"
check_has headers_fix_apt_get_json $tmp/debian.json "{\"name\":\"headers\",\"state\":\"blocking\",\"what\":\"no kernel headers for $rel (/lib/modules/$rel/build): DKMS cannot build causal for this kernel\",\"fix\":\"apt-get install linux-headers-$rel\"}"

# 3. perf_event_paranoid=3 does not stop causal, and status says so; loaded, headers only warn
echo 3 >/proc/sys/kernel/perf_event_paranoid
insmod /lib/causal/causal.ko
ok $? insmod
status_exits 0 loaded_exits_0_despite_headers_and_paranoid loaded
check_has module_ok $tmp/loaded.out "  ok        module          loaded (version "
check_has headers_warning_once_loaded $tmp/loaded.out "  warning   headers         no kernel headers for $rel (/lib/modules/$rel/build): not needed for the causal module already here, but DKMS cannot rebuild it"
check_has paranoid_3_reported_not_blocking $tmp/loaded.out "  ok        perf_events     perf events present; perf_event_paranoid is 3, which does not apply to causal"
check_has paranoid_json $tmp/loaded.json '{"name":"perf_events","state":"ok","what":"perf events present; perf_event_paranoid is 3,'
check_has uprobes_from_sysfs $tmp/loaded.out "  ok        uprobes         /sys/bus/event_source/devices/uprobe exists, so the kernel has uprobes"
check_has privileges_root $tmp/loaded.out "  ok        privileges      CAP_SYS_ADMIN and CAP_SYS_PTRACE"
[ ! -s $tmp/loaded.err ]
ok $? nothing_on_stderr_when_ready

# 4. PROGRAM: causalctl itself is built -O2 -g without -fno-omit-frame-pointer, which the loaded
# module unwinds by its .eh_frame (the unit tests check the warning of a module that cannot)
status program /bin/causalctl
has $tmp/program.out "  ok        debug_info      /bin/causalctl has DWARF" &&
	has $tmp/program.out "  ok        frame_pointers  /bin/causalctl was built without frame pointers; the module unwinds it by its call frame information (.eh_frame)"
ok $? program_without_frame_pointers_is_unwound
[ $rc -eq 0 ] && has $tmp/program.json '{"name":"frame_pointers","state":"ok",'
ok $? program_json_says_ok

# 5. lockdown: the signing check warns before the module is loaded, and insmod indeed fails
rmmod causal
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if [ -w /sys/kernel/security/lockdown ] && echo integrity >/sys/kernel/security/lockdown; then
	status locked
	check_has lockdown_integrity_warns $tmp/locked.out "  warning   module_signing  no EFI (no Secure Boot), lockdown integrity, module.sig_enforce off: only modules signed with a key built into the kernel load"
	check_has lockdown_fix $tmp/locked.out "fix: boot without lockdown= and module.sig_enforce=1, or sign causal.ko with the kernel's key (scripts/sign-file)"
	! insmod /lib/causal/causal.ko 2>$tmp/insmod.err
	ok $? unsigned_insmod_refused_as_warned
	sed 's/^/# /' $tmp/insmod.err
else
	echo "ok $((n + 1)) lockdown_integrity_warns # SKIP no lockdown LSM in $CAUSAL_KERNEL"
	echo "ok $((n + 2)) lockdown_fix # SKIP no lockdown LSM"
	echo "ok $((n + 3)) unsigned_insmod_refused_as_warned # SKIP no lockdown LSM"
	n=$((n + 3))
fi

echo "# $fails failed"
[ "$fails" -eq 0 ]
