#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A Debian root of another release, made with mmdebstrap from Debian's archive and cached, in which
# modules are built for kernels that this host's compiler cannot build for (trixie's are built with
# gcc-14; bookworm's gcc-12 rejects their flags). The host and its apt state stay untouched. Root.
#
#   build-root.sh dir RELEASE               the root's folder (made on first use, about 2 minutes)
#   build-root.sh run RELEASE CMD [ARG...]  CMD inside the root, with the project's cache and the
#                                           current folder visible at the same paths as outside
set -euo pipefail
say() { echo "build-root: $*" >&2; }
die() { echo "build-root.sh: $*" >&2; exit 1; }

cmd=${1:-}
apt_release=${2:-}
case "$cmd:$apt_release" in
dir:trixie|run:trixie) ;;
*) sed -n '7,9s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
shift 2
# mmdebstrap's root mode, the mount namespace and chroot all need it
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, mount namespaces, chroot); run make check as root"

# what a module build, sparse and DKMS need, and nothing more
packages=gcc-14,make,libc6-dev,libelf-dev,bc,flex,bison,kmod,dwarves,sparse,xz-utils,zstd,dkms,openssl,perl

# shellcheck source=tests/apt-private.sh
. "$(dirname "$0")/../apt-private.sh"

# keyed by the compiler's exact version and the package set, as the kernels are by their ABI
gcc_ver=$(apt-cache "${apt_opts[@]}" show gcc-14 | awk '/^Version:/{print $2; exit}')
[ -n "$gcc_ver" ] || die "no gcc-14 in Debian $apt_release's archive (see $apt_root/update.log)"
key=$(printf '%s\n' "$packages" | sha256sum | cut -c1-8)
root=$cache/roots/debian-$apt_release-gcc-$gcc_ver-$key
if [ ! -f "$root/.complete" ]; then
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing (run 'make deps')"
	say "making a Debian $apt_release root with gcc-14 $gcc_ver in $root (about 2 minutes)"
	rm -rf "$root.tmp"
	mkdir -p "$(dirname "$root")"
	if ! mmdebstrap --variant=apt --mode=root --include="$packages" \
		--aptopt='Acquire::Languages "none"' "$apt_release" "$root.tmp" \
		"deb [signed-by=$apt_keyring] http://deb.debian.org/debian $apt_release main" \
		>"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		die "mmdebstrap failed (full log: $root.log)"
	fi
	touch "$root.tmp/.complete"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	say "cached in $root"
fi
# the root is complete: other builds may use it while this one runs
flock -u 9

case "$cmd" in
dir) echo "$root" ;;
run)
	[ $# -gt 0 ] || die "run: no command"
	here=$(pwd -P)
	# a private mount namespace: the bind mounts vanish with the command, whatever happens to it
	exec unshare --mount --propagation private -- /bin/sh -euc '
		root=$1 cache=$2 here=$3
		shift 3
		mount -t proc proc "$root/proc"
		for d in "$cache" "$here"; do
			mkdir -p "$root$d"
			mount --rbind "$d" "$root$d"
		done
		cd "$here"
		exec chroot "$root" /usr/bin/env -C "$here" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' sh "$root" "$(cd "$cache" && pwd -P)" "$here" "$@"
	;;
esac
