#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the kernel's checkpatch.pl (from Debian's linux-source-6.1, extracted once into the cache).
set -euo pipefail
cache=${XDG_CACHE_HOME:-$HOME/.cache}/causal
tarball=/usr/src/linux-source-6.1.tar.xz
dir=$cache/checkpatch-$(dpkg-query -W -f='${Version}' linux-source-6.1)
if [ ! -f "$dir/scripts/checkpatch.pl" ]; then
	[ -f "$tarball" ] || { echo "checkpatch.sh: $tarball missing (run 'make deps')" >&2; exit 1; }
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
exec perl "$dir/scripts/checkpatch.pl" "$@"
