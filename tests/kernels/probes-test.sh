#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The feature probes against the kernels they were run on: each module/compat/probes/NAME.c says
# since which upstream version NAME exists ("Since: X.Y"), and the build of every stock kernel of
# the matrix must have found HAVE_NAME exactly where its version is that or newer. A probe that
# cannot compile anywhere (a typo, a header it forgot) or compiles everywhere (it tests nothing)
# fails here instead of silently choosing the wrong code. A stable series that has the API
# backported is named on a "Backported: X.Y" line of the probe, with its reason.
#   probes-test.sh KERNEL...     names of tests/kernels/kernel.sh, built into build/kmod/KERNEL
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
npass=0
nfail=0
# version A >= B, for X.Y versions
ver_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }

for k in "$@"; do
	f=build/kmod/$k/features
	[ -f "$f" ] || { echo "FAIL: probes on $k: $f missing (module not built)"; nfail=$((nfail + 1)); continue; }
	v=$(tests/kernels/kernel.sh version "$k" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	bad=
	for p in module/compat/probes/*.c; do
		name=$(basename "$p" .c)
		[ "$name" = CONTROL ] && continue
		since=$(sed -n 's/.*Since: \([0-9][0-9.]*[0-9]\).*/\1/p' "$p" | head -n 1)
		if [ -z "$since" ]; then
			bad+=" $name(no 'Since:' line)"
			continue
		fi
		# "Backported: X.Y ...": the stable series X.Y of the matrix has it too
		backported=$(sed -n 's/.*Backported: \([0-9. ,]*[0-9]\).*/\1/p' "$p" | head -n 1 | tr ',' ' ')
		want=no
		ver_ge "$v" "$since" && want=yes
		for b in $backported; do [ "$v" = "$b" ] && want=yes; done
		if grep -qx "HAVE_$name" "$f"; then got=yes; else got=no; fi
		[ "$want" = "$got" ] || bad+=" $name(since $since: want $want, found $got)"
	done
	if [ -z "$bad" ]; then
		echo "PASS: feature probes on $k ($v): $(tr '\n' ' ' <"$f")"
		npass=$((npass + 1))
	else
		echo "FAIL: feature probes on $k ($v):$bad"
		nfail=$((nfail + 1))
	fi
done
echo "probes: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
