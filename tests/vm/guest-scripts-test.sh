#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side test of the guest scripts' endings: tests/vm/core.sh, faults.sh and kunit.sh run here
# with stand-ins for insmod, rmmod and the test programs, and their KTAP read by scripts/ktap.py as
# make check reads it. A module that does not unload after the tests (how a reference leak shows)
# must be a failed result, and so must a KUnit suite that did not run. Prints TAP.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ktap=$here/../../scripts/ktap.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# stand-ins: insmod works; rmmod works unless $RMMOD_FAILS; the programs print a passing KTAP
mkdir -p "$tmp/bin" "$tmp/lib" "$tmp/kunit"
cat >"$tmp/bin/insmod" <<'EOS'
#!/bin/sh
exit 0
EOS
cat >"$tmp/bin/rmmod" <<'EOS'
#!/bin/sh
[ -z "${RMMOD_FAILS:-}" ] || { echo "rmmod: ERROR: Module causal is in use" >&2; exit 1; }
EOS
for p in core_test perm_test; do
	cat >"$tmp/bin/$p" <<'EOS'
#!/bin/sh
echo "KTAP version 1"
echo "1..2"
echo "ok 1 first"
echo "ok 2 second"
EOS
done
cat >"$tmp/bin/dmesg" <<'EOS'
#!/bin/sh
EOS
chmod +x "$tmp/bin/"*
touch "$tmp/lib/causal_kunit.ko"
for s in causal_one causal_two; do
	mkdir -p "$tmp/kunit/$s"
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..1\n    ok 1 a_case\nok 1 %s\n' \
		"$s" "$s" >"$tmp/kunit/$s/results"
done

# shellcheck source=tests/vm/ktap.sh
. "$here/ktap.sh"
# expect NAME WANT_KTAP_STATUS [VAR=VALUE...] -- SCRIPT ARGS...: scripts/ktap.py's exit status on
# what SCRIPT prints
expect() {
	local name=$1 want=$2 got
	shift 2
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env PATH="$tmp/bin:$PATH" CAUSAL_LIB_DIR="$tmp/lib" CAUSAL_KUNIT_DIR="$tmp/kunit" \
		${envs[@]+"${envs[@]}"} sh "$@" >"$tmp/out" 2>/dev/null
	python3 "$ktap" --name "$name" "$tmp/out" >"$tmp/ktap" 2>&1 && got=0 || got=$?
	[ "$got" = "$want" ]
	ok $? "$name" "ktap.py $got, want $want"
	[ "$got" = "$want" ] || diag "$tmp/out" "$tmp/ktap"
}
echo "1..8"
expect core_with_unload_passes 0 -- "$here/core.sh"
expect core_with_failed_rmmod_fails 1 RMMOD_FAILS=1 -- "$here/core.sh"
expect faults_with_unload_passes 0 -- "$here/faults.sh" programs=perm
expect faults_with_failed_rmmod_fails 1 RMMOD_FAILS=1 -- "$here/faults.sh" programs=perm
expect kunit_with_every_suite_passes 0 -- "$here/kunit.sh" causal_one causal_two
expect kunit_with_failed_rmmod_fails 1 RMMOD_FAILS=1 -- "$here/kunit.sh" causal_one causal_two
expect kunit_with_a_suite_missing_fails 1 -- "$here/kunit.sh" causal_one causal_two causal_three
expect kunit_without_suites_fails 1 -- "$here/kunit.sh"
[ "$fails" -eq 0 ]
