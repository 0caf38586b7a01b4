#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check: every test of the project, in order, then the VM runs that had to run again (FLAKY),
# the number of distinct checks (a check run on several kernels or backends counts once there),
# the failed checks by name, and one summary line 'N passed, N failed, N skipped' (every result of every run).
# A failing step does not stop the later independent ones; the exit status is 1 if anything failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/check
rm -rf "$out"
mkdir -p "$out"
counts=$out/counts
: >"$counts"
# one line per result, without kernel names, versions and measured values: distinct checks
names=$out/names
: >"$names"
# every failed check by name, printed last (CI shows the end of the output)
failures=$out/failures
: >"$failures"
kernels=$(tests/kernels/kernel.sh list)
release=$(cat VERSION)
t0=$(date +%s)

# name_of < TEXT: a check's name without kernel versions, numbers and measured values (a trailing
# parenthesis)
name_of() { sed -E -e 's/ \([^()]*\)$//' -e 's/[0-9]+([.][0-9x]+)*(-deb[0-9]+)?/N/g'; }
# Every VM run tests/vm/run had to run again is listed as FLAKY at the end; two in one step fail
# it: a fault the emulator shows that often is not the rare one it excuses (tests/vm/flaky.sh).
flaky=$out/flaky
: >"$flaky"
: >"$out/flaky-seen"
cur_step=
flaky_scan() {
	[ -n "$cur_step" ] || return 0
	tests/vm/flaky.sh "$out" "$cur_step" "$out/flaky-seen" >>"$flaky" ||
		fail "$cur_step: two or more VM runs had to run again (FLAKY lines at the end)"
}
step() { flaky_scan; cur_step=$*; printf '\n==> %s\n' "$*"; }
pass() { echo "PASS 1" >>"$counts"; echo "$*" | name_of >>"$names"; echo "PASS: $*"; }
fail() { echo "FAIL 1" >>"$counts"; echo "$*" | name_of >>"$names"; echo "$*" >>"$failures"; echo "FAIL: $*"; }
# counted LOG CMD...: CMD prints PASS:/FAIL: lines, each counted; CMD failing without a FAIL line
# (a script that died) is one failure more
counted() {
	local log=$1 rc
	shift
	"$@" | tee "$log"
	rc=${PIPESTATUS[0]}
	grep -c '^PASS:' "$log" | sed 's/^/PASS /' >>"$counts"
	grep -c '^FAIL:' "$log" | sed 's/^/FAIL /' >>"$counts"
	grep -c '^SKIP:' "$log" | sed 's/^/SKIP /' >>"$counts"
	sed -n 's/^\(PASS\|FAIL\|SKIP\): //p' "$log" | name_of >>"$names"
	sed -n 's/^FAIL: //p' "$log" >>"$failures"
	[ "$rc" -eq 0 ] || grep -q '^FAIL:' "$log" || fail "$* exited $rc without saying why"
}
# ktap SUITE NAME LOG: the KTAP results of a VM run, counted; SUITE names its checks once for all
# the kernels and backends it runs on
ktap() {
	scripts/ktap.py --name "$2" --suite "$1" --counts "$counts" --names "$names" --failures "$failures" "$3"
}
# vm_step [--hide RE] [--why TEXT] [--then FUNC] SUITE NAME LOG LABEL ARG...: one VM run,
# tests/vm/run -q -l $out/LOG ARG...; its console (guest.out) shown indented, less the lines matching
# RE (bulk data a later step reads), its KTAP counted as SUITE's results named NAME (ktap), then FUNC
# (a host-side check of the same run). The run's own failed tests exit 1 and are counted from its
# KTAP; an exit above 1 is one failure more: "LABEL VM run (exit N: TEXT, see $out/LOG)", TEXT
# by default what such an exit means.
vm_step() {
	local hide='' why='kernel report, timeout or a console cut short' then='' vrc
	while :; do
		case $1 in
		--hide) hide=$2; shift 2 ;;
		--why) why=$2; shift 2 ;;
		--then) then=$2; shift 2 ;;
		*) break ;;
		esac
	done
	local suite=$1 name=$2 log=$out/$3 label=$4
	shift 4
	tests/vm/run -q -l "$log" "$@"
	vrc=$?
	if [ -n "$hide" ]; then
		grep -v "$hide" "$log/guest.out" 2>/dev/null | sed 's/^/  /'
	else
		sed 's/^/  /' "$log/guest.out" 2>/dev/null
	fi
	ktap "$suite" "$name" "$log/guest.out"
	[ -z "$then" ] || "$then"
	[ "$vrc" -le 1 ] || fail "$label VM run (exit $vrc: $why, see $log)"
}
# check NAME CMD...: one test that passes when CMD exits 0
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

step "dependencies"
check deps scripts/deps.sh || true

step "kernels (cached in ${XDG_CACHE_HOME:-$HOME/.cache}/causal/kernels)"
declare -A have_kernel
for k in $kernels; do
	if d=$(tests/kernels/kernel.sh dir "$k"); then
		have_kernel[$k]=1
		pass "kernel $k: $(cat "$d/version")"
	else
		fail "kernel $k unavailable"
	fi
done

step "the emulator (QEMU from bookworm-backports, cached), the console checks of every VM run, the guest scripts' endings"
if emulator=$(tests/vm/emulator.sh); then
	pass "emulator: $("$emulator" --version | head -n 1)"
else
	fail "emulator: tests/vm/emulator.sh failed"
fi
tests/vm/check-console-test.sh >"$out/check-console.tap"
sed 's/^/  /' "$out/check-console.tap"
ktap console "console checks" "$out/check-console.tap"
tests/vm/guest-scripts-test.sh >"$out/guest-scripts.tap"
sed 's/^/  /' "$out/guest-scripts.tap"
ktap guest-scripts "guest scripts" "$out/guest-scripts.tap"

step "module build matrix (W=1, warnings are errors)"
declare -A have_module
for k in $kernels; do
	[ -n "${have_kernel[$k]:-}" ] || { fail "module build $k (no kernel)"; continue; }
	if scripts/build-module.sh "$k"; then
		have_module[$k]=1
		pass "module build $k"
	else
		fail "module build $k"
	fi
done
[ -f build/kmod/test/causal_kunit.ko ] && pass "causal_kunit.ko built for the test kernel" ||
	fail "causal_kunit.ko not built for the test kernel"
# what each feature probe found, against the version its API landed in
built=()
for k in $kernels; do [ -z "${have_module[$k]:-}" ] || built+=("$k"); done
counted "$out/probes.log" tests/kernels/probes-test.sh "${built[@]}"

step "kernel style (checkpatch --strict) and the module's layers (no include cycle, none upward)"
check checkpatch make -s style
check "module layers (scripts/module-layers.py: Kbuild's object order, bottom first)" \
	scripts/module-layers.py

step "userland: causalctl and unit tests (ASan/UBSan), with gcc 12, clang 14 and gcc 14"
userland_ok=
if make -s userland tests-programs workloads; then
	userland_ok=1
	pass "userland build"
else
	fail "userland build"
fi
make -s -C userland check 2>&1 | tee "$out/unit.log"
unit_rc=${PIPESTATUS[0]}
line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$out/unit.log" | tail -n 1)
if [ -n "$line" ]; then
	p=$(echo "$line" | sed -E 's/^unit: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	sk=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/')
	echo "PASS $p" >>"$counts"
	echo "FAIL $f" >>"$counts"
	echo "SKIP $sk" >>"$counts"
	# each cmocka test once (a crashed binary's tests have no OK line: counted as failed above)
	sed -n 's/^\[ *\(OK\|FAILED\|SKIPPED\) *\] \([a-z_][a-z0-9_]*\)$/unit \/ \2/p' "$out/unit.log" |
		sort -u >>"$names"
	sed -n 's/^\[ *FAILED *\] \([a-z_][a-z0-9_]*\)$/unit \/ \1/p' "$out/unit.log" | sort -u >>"$failures"
	[ "$unit_rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "unit tests exited $unit_rc"
else
	fail "unit tests reported no summary (exit $unit_rc)"
fi
# the same with Debian 12's clang and, in the Debian 13 root, gcc 14
counted "$out/userland-compilers.log" tests/userland-compilers.sh "$out/userland-compilers"

step "causalctl report in a browser: HTML in headless Chromium, Chrome trace JSON; Coz's viewer on our profiles"
counted "$out/report-browser.log" tests/report/browser.sh "$out/report-browser"
counted "$out/coz-viewer.log" tests/report/coz-viewer.sh

step "packaging: make without the build set, make install/uninstall, man pages, bash completion, DKMS and the .debs"
counted "$out/build-deps.log" tests/pkg/build-deps.sh
check "make install/uninstall into a DESTDIR, a program built against it" tests/pkg/install.sh
check "man pages: groff -ww clean, causalctl.1 in step with --help" tests/pkg/man.sh
check "bash completion" tests/pkg/completion.sh
if [ -n "${have_kernel[6.1]:-}" ] && [ -n "${have_kernel[6.12]:-}" ]; then
	# the host's DKMS against the cached headers; cleans up after itself (see the script)
	check "DKMS add/build/install on 6.1 and 6.12, causal-dkms .deb" tests/pkg/dkms.sh 6.1 6.12
else
	fail "DKMS (6.1 or 6.12 headers missing)"
fi
if [ -n "${have_kernel[7.x]:-}" ]; then
	# trixie's DKMS 3.2 in the Debian 13 build root, against the newest 7.x headers
	counted "$out/dkms-root.log" tests/pkg/dkms-root.sh 7.x
else
	fail "DKMS on Debian 13 (7.x headers missing)"
fi
# make deb's four packages: lintian, then apt-get install ./*.deb in clean Debian 12 and 13 roots
counted "$out/deb-roots.log" tests/pkg/deb-roots.sh bookworm trixie

step "KUnit on the test kernel"
if [ -n "${have_module[test]:-}" ]; then
	# the suites the sources define, CAUSAL_KUNIT_SUITE(unit) being causal_unit: one that does
	# not run is a failure
	suites=$(sed -n 's/^CAUSAL_KUNIT_SUITE(\([a-z_]*\)[,)].*/causal_\1/p' tests/kunit/*.c)
	# shellcheck disable=SC2086
	vm_step kunit kunit vm-kunit KUnit -k test -t 300 --script tests/vm/kunit.sh -- $suites
else
	fail "KUnit (no test kernel module)"
fi

step "VM integration tests"
for k in $kernels; do
	[ "$k" = debug ] && continue	# slow under KASAN; the reliability step covers it
	if [ -z "${have_module[$k]:-}" ] || [ -z "$userland_ok" ]; then
		fail "integration $k (module or userland missing)"
		continue
	fi
	if grep -qw task_work_add "$(tests/kernels/kernel.sh kdir "$k")/Module.symvers"; then exported=yes; else exported=no; fi
	vm_step integration "integration on $k" "vm-$k" "integration $k" -k "$k" -t 300 \
		-a build/tests/ioctl_basic --script tests/vm/integration.sh -- "$release" "$exported"
done

step "VM tests of the module core (sessions, sampler, delays, wake-ups, fork, attach, kill, CPU hotplug)"
programs=()
for p in build/tests/*; do [ "$(basename "$p")" = ioctl_basic ] || programs+=(-a "$p"); done
# With the default tracepoint hooks: every scenario on the oldest and newest stock kernels (6.1,
# 7.x), bookworm's 6.12 and the test kernel; a smoke of the hooks, the sampler, the delays, fork,
# uprobes and the ioctls on the stock kernels in between (trixie's 6.12, 7.2). The kprobe backend
# where kprobes go through ftrace, with the scenarios that exercise what the backend changes (fork,
# exit, wake-ups, switch-in; delay for the joiner woken by an exiting thread): under emulation its
# probes on every switch and wake-up slow the guest enough that the ratio checks of limits and
# cpu-model, which only depend on the sampler and the delay engine shared by both backends,
# measure the emulator rather than the module.
kprobe_scenarios="delay pipe futex fork attach-running sigkill kill-payer churn two-sessions cgroup cgroup-moves errors"
smoke_scenarios="delay pipe fork errors progress"
runs="6.1:tracepoint 6.12:tracepoint test:tracepoint 7.x:tracepoint 6.12-deb13:smoke 7.2:smoke
	6.1:kprobe 6.12:kprobe 7.x:kprobe"
for run in $runs; do
	k=${run%%:*}
	kind=${run#*:}
	case $kind in
	tracepoint) hooks=tracepoint scenarios= ;;
	smoke) hooks=tracepoint scenarios="-- $smoke_scenarios" ;;
	kprobe) hooks=kprobe scenarios="-- $kprobe_scenarios" ;;
	esac
	if [ -z "${have_module[$k]:-}" ] || [ -z "$userland_ok" ]; then
		fail "core $k $kind (module or test programs missing)"
		continue
	fi
	# shellcheck disable=SC2086
	vm_step core "core on $k ($kind)" "core-$k-$kind" "core $k $kind" -k "$k" -t 600 \
		"${programs[@]}" --script tests/vm/core.sh -- "hooks=$hooks" $scenarios
done

step "permissions and exec on 7.x (dumpability in the task's exec_state), with both hook backends"
# the debug kernel's reliability run has them on 6.1 (dumpability in the mm); exit 2: rmmod failed
for h in tracepoint kprobe; do
	if [ -z "${have_module[7.x]:-}" ] || [ -z "$userland_ok" ]; then
		fail "perm 7.x $h (module or test programs missing)"
		continue
	fi
	vm_step --why "rmmod failed, kernel report, timeout or a console cut short" \
		perm "perm on 7.x ($h)" "perm-7.x-$h" "perm 7.x $h" -k 7.x -t 300 \
		-a build/tests/perm_test -a build/tests/setuid_helper -- sh -c \
		"insmod /lib/causal/causal.ko hooks=$h && perm_test; rc=\$?; rmmod causal || rc=2; exit \$rc"
done

step "VM tests of causalctl run, attach and report (progress points, uprobes, SIGINT, ranking, timeline)"
# the ranking run (a full profile of the join workload) on the oldest and the newest stock kernel
# (it takes the longest); on bookworm's 6.12 and the test kernel the counts, attach and signals;
# the debug kernel is slow under KASAN (the reliability step covers it)
line_a=$(grep -n 'line A' tests/workloads/join.c | tail -n 1 | cut -d: -f1)
# offcritical's critical line, and its line "side" with more samples
line_critical=$(grep -n '/\* critical \*/$' tests/vm/offcritical.c | cut -d: -f1)
line_side=$(grep -n '/\* side \*/$' tests/vm/offcritical.c | cut -d: -f1)
line_libcall=$(grep -n '/\* libcall \*/$' tests/vm/libcall.c | cut -d: -f1)
line_nofp=$(grep -n '/\* nofp \*/$' tests/vm/nofp_call.c | cut -d: -f1)
# --timeline's spans and utilisation against what tests/vm/efficiency measured of itself
timeline_check() {
	counted "$out/profile-$k/timeline.log" tests/report/timeline-check.py "timeline on $k" \
		"$out/profile-$k/guest.out"
}
for k in 6.1 6.12 test 7.x; do
	if [ -z "${have_module[$k]:-}" ] || [ -z "$userland_ok" ]; then
		fail "profile $k (module or userland missing)"
		continue
	fi
	full=
	case $k in 6.1|7.x) full="full $line_a $line_critical $line_side $line_libcall $line_nofp" ;; esac
	# the timeline's lines (TL) are for timeline_check, not for the reader
	# shellcheck disable=SC2086
	vm_step --hide '^TL' --then timeline_check profile "profile on $k" "profile-$k" "profile $k" \
		-k "$k" -t 600 -a userland/build/lib/libcausal.so.0 \
		-a build/workloads/join -a build/workloads/coz_counts -a tests/workloads/coz_counts.c \
		-a build/tests/progress_calls -a build/tests/efficiency -a build/tests/offcritical \
		-a build/tests/libcall -a build/tests/nofp_call \
		--script tests/vm/profile.sh -- $full
done

step "VM tests of causalctl status's checks (no headers, perf_event_paranoid=3, lockdown, a PROGRAM)"
# a stock kernel (lockdown LSM, like a lab machine's) and the test kernel (without it)
for k in 6.1 test; do
	if [ -z "${have_module[$k]:-}" ] || [ -z "$userland_ok" ]; then
		fail "status $k (module or userland missing)"
		continue
	fi
	vm_step status "status on $k" "status-$k" "status $k" -k "$k" -t 300 --script tests/vm/status.sh
done

step "make demo's command: it settles, ranks join.c's line A first and says so in its verdict"
counted "$out/demo-check.log" tests/demo-check.sh "$out/demo.log"

step "Go programs and the cgo callback shape, unchanged (HTTP/2 server in both thread models and stripped, cgo)"
# one kernel: what is under test is causalctl on Go binaries (DWARF, uprobes, Go's threads)
h2_end=$(grep -n 'atomic.AddInt64(&served' tests/workloads/go/h2server/main.go | cut -d: -f1)
h2_checksum=$(grep -n '// checksum$' tests/workloads/go/h2server/main.go | head -n 1 | cut -d: -f1)
cgocb_work=$(grep -n '/\* C work \*/' tests/workloads/go/cgocb/workers.c | cut -d: -f1)
contended=$(grep -n 'contended' tests/workloads/cgo_twin.c | grep -v ': \*' | cut -d: -f1 |
	paste -sd, -)
twin_critical=$(grep -n '/\* contended: critical \*/' tests/workloads/cgo_twin.c | cut -d: -f1)
twin_outside=$(grep -n '/\* outside \*/' tests/workloads/cgo_twin.c | cut -d: -f1)
if [ -n "${have_module[6.1]:-}" ] && [ -n "$userland_ok" ] && make -s go-workloads; then
	# shown less the server's profile in base64 (for the pprof step below)
	vm_step --hide '^# pprof-b64 ' go "Go on 6.1" go-6.1 Go -k 6.1 -t 900 \
		-a userland/build/lib/libcausal.so.0 \
		-a build/go/h2server -a build/go/h2server-stripped -a build/go/h2client -a build/go/cgocb \
		-a build/workloads/cgo_twin --script tests/vm/go.sh -- "$h2_end" "$contended" "$h2_checksum" \
		"$cgocb_work" "$twin_critical" "$twin_outside"
else
	fail "Go workloads (module, userland or Go build missing)"
fi

step "The published cgo case: cgoinit built with Go 1.21 (runtime_init_mu locked per C-to-Go call) and 1.22, free-running"
# where the init-done check's samples fall in each build (docs/go.md); the timing is make bench-go's
cgoinit_task=$(grep -n '// task: Go -> C -> Go$' tests/workloads/go/cgoinit/main.go | cut -d: -f1)
if [ -n "${have_module[6.1]:-}" ] && [ -n "$userland_ok" ] && make -s go-cgoinit &&
	libinit=$(tests/go/libinit-lines.sh 1.21); then
	libinit_block=${libinit#block=}
	libinit_locks=${libinit#* locks=}
	vm_step cgoinit "cgoinit on 6.1" cgoinit-6.1 cgoinit -k 6.1 -t 600 \
		-a build/go/cgoinit-1.21 -a build/go/cgoinit-1.22 --script tests/vm/cgoinit.sh -- \
		"$cgoinit_task" "${libinit_block%% *}" "$libinit_locks"
else
	fail "cgoinit (module, userland or its Go 1.21/1.22 builds missing)"
fi

step "report --pprof read by go tool pprof (-top, -raw: totals) and go build -pgo (the server's profile from the VM)"
if [ -s "$out/go-6.1/guest.out" ]; then
	counted "$out/pprof.log" tests/go/pprof.sh "$out/go-6.1/guest.out" "$out/pprof"
else
	fail "pprof checks (no output from the Go VM run)"
fi

step "VM smoke test of the known-answer workloads and two generated programs (each runs under causalctl and leaves a profile)"
# one kernel: it tests the workloads and causalctl's handling of them (threads, a raw futex, forked
# processes, a static binary), which the kernel matrix above already covers; accuracy is
# 'make bench-accuracy', never a timed assertion here
if [ -n "${have_module[6.1]:-}" ] && [ -n "$userland_ok" ]; then
	wl=()
	for w in tests/workloads/*.c; do
		n=$(basename "$w" .c)
		[ "$n" = coz_counts ] || wl+=(-a "build/workloads/$n")
	done
	for g in build/gen/gen-7 build/gen/gen-14; do wl+=(-a "$g"); done
	vm_step workloads "workloads on 6.1" workloads-6.1 "workloads 6.1" -k 6.1 -t 400 \
		-a userland/build/lib/libcausal.so.0 "${wl[@]}" --script tests/vm/workloads.sh
else
	fail "workloads (module 6.1 or userland missing)"
fi

step "reliability on the debug kernel: fault scenarios, permissions, fuzzed ioctls; fuzzed causalctl readers"
# a slice of make fuzz: about 8 minutes warm
if [ -n "${have_module[debug]:-}" ] && [ -n "$userland_ok" ]; then
	tests/fuzz/run.sh --check --counts "$counts" --names "$names" --failures "$failures" \
		--log "$out/reliability"
else
	fail "reliability (debug kernel module or userland missing)"
fi

flaky_scan
passed=$(awk '$1 == "PASS" {s += $2} END {print s + 0}' "$counts")
failed=$(awk '$1 == "FAIL" {s += $2} END {print s + 0}' "$counts")
skipped=$(awk '$1 == "SKIP" {s += $2} END {print s + 0}' "$counts")
printf '\nmake check took %ss; logs in %s\n' "$(($(date +%s) - t0))" "$out"
cat "$flaky"
echo "$(sort -u "$names" | wc -l) distinct checks (each once, on however many kernels and backends it ran; list in $names)"
if [ -s "$failures" ]; then
	echo "failed:"
	sed 's/^/  /' "$failures"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
