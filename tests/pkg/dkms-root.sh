#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# DKMS on Debian 13 for trixie's kernels: the DKMS source tree (make dkms-source) added, built and
# installed with trixie's own dkms (3.2) inside the Debian 13 build root (tests/kernels/build-root.sh),
# against the cached headers, laid out as on a lab machine (/lib/modules/<ver>/build -> headers), but
# in DKMS trees of this test's own (--dkmstree, --sourcetree, --installtree), removed at the end;
# the host keeps nothing, the cached root only the signing key pair DKMS makes on its first build
# (/var/lib/dkms/mok.*). Checks the installed module with modinfo, and that dkms.conf's
# BUILD_EXCLUSIVE_KERNEL makes DKMS refuse a kernel older than 6.1 (exit 77) instead of failing to
# compile for it.
#   dkms-root.sh KERNEL...      names of tests/kernels/kernel.sh built for in the trixie root
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=$(head -n 1 VERSION)
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"
[ $# -gt 0 ] || { echo "usage: dkms-root.sh KERNEL..." >&2; exit 2; }

w=$top/build/dkms-root
rm -rf "$w"
mkdir -p "$w/install"
make -s dkms-source DESTDIR="$w/src" >/dev/null || { fail "make dkms-source"; exit 1; }
trees=(--dkmstree "$w/dkms" --sourcetree "$w/src/usr/src" --installtree "$w/install")
mkdir -p "$w/dkms"
in_root() { tests/kernels/build-root.sh run trixie "$@"; }

if in_root dkms add -m causal -v "$version" "${trees[@]}" >"$w/add.log" 2>&1; then
	pass "trixie dkms $(in_root dkms --version 2>/dev/null | sed 's/^dkms-//'): dkms add causal $version"
else
	cat "$w/add.log"
	fail "trixie dkms: dkms add"
	exit 1
fi
for k in "$@"; do
	kdir=$(tests/kernels/kernel.sh kdir "$k") && v=$(tests/kernels/kernel.sh version "$k") ||
		{ fail "$k: headers unavailable"; continue; }
	mkdir -p "$w/install/$v"
	ln -s "$kdir" "$w/install/$v/build"
	if in_root dkms build -m causal -v "$version" -k "$v" "${trees[@]}" >"$w/build-$k.log" 2>&1 &&
		in_root dkms install -m causal -v "$version" -k "$v" "${trees[@]}" >>"$w/build-$k.log" 2>&1; then
		pass "$k: dkms build and install for $v"
	else
		cat "$w/build-$k.log"
		tail -n 30 "$w/dkms/causal/$version/build/make.log" 2>/dev/null
		fail "$k: dkms build/install for $v"
		continue
	fi
	ko=$(find "$w/install/$v/updates/dkms" -name 'causal.ko*' | head -n 1)
	if [ -n "$ko" ] && [ "$(in_root modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$v" ] &&
		[ "$(in_root modinfo -F version "$ko")" = "$version" ]; then
		pass "$k: installed $(basename "$ko"), modinfo: version $version, vermagic $v"
	else
		fail "$k: no installed causal.ko for $v, or a wrong version or vermagic"
	fi
	if in_root dkms status -m causal -v "$version" -k "$v" "${trees[@]}" 2>/dev/null | grep -q ': installed'; then
		pass "$k: dkms status says installed"
	else
		fail "$k: dkms status"
	fi
done

# a kernel that dkms.conf excludes: refused (77) with DKMS's message, before any compiler runs
old=6.0.0-1-amd64
mkdir -p "$w/install/$old"
ln -s "$(tests/kernels/kernel.sh kdir "$1")" "$w/install/$old/build"
in_root dkms build -m causal -v "$version" -k "$old" "${trees[@]}" >"$w/build-old.log" 2>&1
rc=$?
if [ $rc -eq 77 ] && grep -q BUILD_EXCLUSIVE "$w/build-old.log" && [ ! -e "$w/dkms/causal/$version/build/make.log" ]; then
	pass "dkms refuses $old (BUILD_EXCLUSIVE_KERNEL, exit 77), without compiling"
else
	cat "$w/build-old.log"
	fail "dkms build for $old: exit $rc, expected 77 and a BUILD_EXCLUSIVE message"
fi
rm -rf "$w"
summary dkms-root
