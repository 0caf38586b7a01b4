#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# causalctl, libcausal and their unit tests (ASan/UBSan, -Werror) with every compiler a lab has,
# beside the host's gcc that `make check` builds with first: Debian 12's clang, and Debian 13's gcc
# 14 inside the Debian 13 root (tests/kernels/build-root.sh), each into a build folder of its own.
# Prints one PASS/FAIL line per compiler for the build and the unit tests' own count.
#   userland-compilers.sh [OUTDIR]     logs in OUTDIR (default build/userland-compilers)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-$top/build/userland-compilers}
mkdir -p "$out"
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"

# build NAME RUNNER...: make all and check with the compiler RUNNER's command line gives
build() {
	local name=$1 dir=$top/build/userland-$1
	shift
	local log=$out/$name.log
	if "$@" make -s -C userland builddir="$dir" causalctl_out="$dir/causalctl" all >"$log" 2>&1 &&
		"$@" "$dir/causalctl" --version >>"$log" 2>&1; then
		pass "userland build with $name ($(head -n 1 "$out/$name.version")), -Werror"
	else
		tail -n 30 "$log"
		fail "userland build with $name"
		return
	fi
	"$@" make -s -C userland builddir="$dir" causalctl_out="$dir/causalctl" check >"$out/$name-unit.log" 2>&1
	local rc=$? line
	line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$out/$name-unit.log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$line" ]; then
		pass "unit tests with $name: ${line#unit: }"
		# each skipped test, for make check's count of skips (its reason is in the log)
		grep '^\[  SKIPPED \] [a-z_][a-z0-9_]*$' "$out/$name-unit.log" | sort -u |
			sed "s/^\[  SKIPPED \] \(.*\)/SKIP: unit test \1 with $name/"
	else
		grep -E 'FAILED|ERROR|runtime error' "$out/$name-unit.log" | head -n 20
		fail "unit tests with $name: ${line:-no summary} (exit $rc, log $out/$name-unit.log)"
	fi
}

clang --version >"$out/clang.version" 2>&1 || echo "clang missing" >"$out/clang.version"
build clang env CC=clang CXX=clang++

in_root() { tests/kernels/build-root.sh run trixie "$@"; }
if in_root gcc --version >"$out/gcc-14-trixie.version" 2>&1; then
	# Debian 13 has no coz-profiler: test_coz_abi and test_sites get the host's coz.h (Coz
	# 0.2.2's ABI)
	mkdir -p "$top/build/userland-gcc-14-trixie/coz"
	cp /usr/include/coz.h "$top/build/userland-gcc-14-trixie/coz/"
	build gcc-14-trixie in_root env CC=gcc CXX=g++ CPPFLAGS="-I$top/build/userland-gcc-14-trixie/coz" \
		COZ_INCLUDE_DIR="$top/build/userland-gcc-14-trixie/coz"
else
	cat "$out/gcc-14-trixie.version"
	fail "the Debian 13 root (tests/kernels/build-root.sh dir trixie)"
fi
[ "$nfail" -eq 0 ]
