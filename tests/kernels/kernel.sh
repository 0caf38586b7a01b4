#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Names the kernels causal is built and tested against, and makes each available in the cache: Debian's
# stock kernels from bookworm's 6.1 to trixie-backports' newest 7.x (fetch-debian.sh), the test kernel
# (KUnit, lockdep, no task_work_add export) and the debug kernel (the test kernel plus KASAN, kmemleak,
# debug objects; slower, for the fuzzer and the fault scenarios).
#
#   kernel.sh list             the known names
#   kernel.sh dir NAME         the cache folder of NAME (fetched or built on first use)
#   kernel.sh kdir NAME        its kernel build tree, for KDIR
#   kernel.sh image NAME       its bootable image
#   kernel.sh version NAME     its release string (uname -r)
#   kernel.sh release NAME     the Debian release whose compiler builds modules for it (bookworm:
#                              this host's; trixie: in build-root.sh's root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

names="6.1 6.12 6.12-deb13 7.2 7.x test debug"
dir_of() {
	case "$1" in
	6.1|6.12|6.12-deb13|7.2|7.x) "$here/fetch-debian.sh" "$1" ;;
	test) "$here/build-test-kernel.sh" test ;;
	debug) "$here/build-test-kernel.sh" debug ;;
	*) echo "kernel.sh: unknown kernel '$1' (known: $names)" >&2; exit 2 ;;
	esac
}

case "${1:-}" in
list) echo "$names" ;;
dir) dir_of "${2:?kernel name}" ;;
kdir) d=$(dir_of "${2:?kernel name}"); readlink -f "$d/kdir" ;;
image) d=$(dir_of "${2:?kernel name}"); readlink -f "$d/vmlinuz" ;;
version) d=$(dir_of "${2:?kernel name}"); cat "$d/version" ;;
release) d=$(dir_of "${2:?kernel name}"); cat "$d/release" 2>/dev/null || echo bookworm ;;
*) sed -n '3,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
