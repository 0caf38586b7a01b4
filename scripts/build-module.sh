#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds causal.ko (and causal_kunit.ko where the kernel has KUnit) against one kernel of the matrix,
# out of the source tree, with W=1 and sparse (C=2); fails on any compiler, sparse or modpost warning.
# Kernels built with a newer compiler than this host's (trixie's) are built for inside a Debian root
# of their release (tests/kernels/build-root.sh), with its compiler, sparse and kbuild tools.
#   build-module.sh NAME [OUTDIR]     NAME from tests/kernels/kernel.sh list; OUTDIR default build/kmod/NAME
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: build-module.sh NAME [OUTDIR]}
out=$(realpath -m "${2:-$top/build/kmod/$name}")  # kbuild needs M= absolute
kdir=$("$top/tests/kernels/kernel.sh" kdir "$name")
release=$("$top/tests/kernels/kernel.sh" release "$name")
in_root=()
case "$release" in
bookworm) command -v sparse >/dev/null || { echo "build-module: sparse missing (run 'make deps')" >&2; exit 1; } ;;
*) in_root=("$top/tests/kernels/build-root.sh" run "$release") ;;
esac

# kbuild writes objects next to the sources, so each kernel gets its own copy of them.
rm -rf "$out"
mkdir -p "$out/src/tests"
cp -r "$top/Kbuild" "$top/VERSION" "$top/module" "$top/uapi" "$out/src/"
cp -r "$top/tests/kunit" "$out/src/tests/"
log=$out/build.log
checker=${C-2}
if ! (cd "$out" && "${in_root[@]}" make -j"$(nproc)" -C "$kdir" M="$out/src" W=1 ${checker:+C=$checker} modules) >"$log" 2>&1; then
	cat "$log" >&2
	echo "build-module: causal.ko does not build against $name ($kdir)" >&2
	exit 1
fi
if grep -nE 'warning:|WARNING:|error:' "$log" >&2; then
	echo "build-module: warnings building against $name (full log: $log)" >&2
	exit 1
fi
cp "$out"/src/*.ko "$out/"
# what the feature probes found (Kbuild), for tests/kernels/probes-test.sh and the reader
grep -o -- '-DHAVE_[A-Z0-9_]*' "$out/src/module/.main.o.cmd" | sed 's/^-D//' | sort -u >"$out/features"
echo "build-module: $name: $(cd "$out" && ls ./*.ko | xargs -n1 basename | tr '\n' ' ')(W=1${checker:+, C=$checker}, no warnings${in_root:+, in the Debian $release root})"
