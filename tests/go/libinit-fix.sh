#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Go 1.21 with Go 1.22's runtime_init_mu change alone (tests/go/cgo-libinit-fix.patch): a copy of
# tests/go/toolchain.sh 1.21's toolchain in the cache, its gcc_libinit.c patched, keyed by the
# toolchain and the patch. Prints its GOROOT. The cgo case's benchmark builds the same program with
# it, so that the fix is measured alone, without the rest of what changed from Go 1.21 to 1.22.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
patch=$top/tests/go/cgo-libinit-fix.patch
base=$("$top/tests/go/toolchain.sh" 1.21)
# base is CACHE/golang-1.21-VERSION/usr/lib/go-1.21
tree=${base%/usr/lib/*}
dir=$tree+libinitfix-$(sha256sum "$patch" | cut -c1-12)
goroot=$dir/${base#"$tree"/}
if [ ! -f "$dir/.complete" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	cp -a "$tree/usr" "$dir.tmp/"
	# Debian's GOROOT/src is a symlink into usr/share, which patch does not follow
	patch -s --batch -p1 -d "$(realpath "$dir.tmp/${base#"$tree"/}/src/..")" <"$patch" >&2
	touch "$dir.tmp/.complete"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	echo "go toolchain: Go 1.21 with the runtime_init_mu fix in $dir" >&2
fi
echo "$goroot"
