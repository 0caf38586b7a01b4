#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A Debian root of another release, made with mmdebstrap from Debian's archive and cached, in which
# modules are built for kernels that this host's compiler cannot build for (trixie's are built with
# gcc-14; bookworm's gcc-12 rejects their flags). Also clean roots, as a user's machine starts out,
# in which the .debs are installed (tests/pkg/deb-roots.sh). The host and its apt state stay
# untouched. Root.
#
#   build-root.sh dir RELEASE               the build root's folder (trixie; made on first use, about
#                                           2 minutes)
#   build-root.sh run RELEASE CMD [ARG...]  CMD inside the build root, with the project's cache and
#                                           the current folder visible at the same paths as outside
#   build-root.sh clean RELEASE             the folder of a clean root of RELEASE (bookworm, trixie):
#                                           essential packages and apt, with the release's main,
#                                           updates, backports and security suites; copy it, never
#                                           change it
#   build-root.sh chroot DIR [--bind SRC:DST]... CMD [ARG...]
#                                           CMD inside the root at DIR (a copy of a clean root), with
#                                           /proc, the host's DNS configuration and each SRC at DST
set -euo pipefail
say() { echo "build-root: $*" >&2; }
die() { echo "build-root.sh: $*" >&2; exit 1; }

usage() { sed -n '8,20s/^# \{0,1\}//p' "$0" >&2; exit 2; }
cmd=${1:-}
apt_release=${2:-}
case "$cmd:$apt_release" in
dir:trixie|run:trixie|clean:bookworm|clean:trixie) ;;
chroot:?*) ;;
*) usage ;;
esac
shift 2
# mmdebstrap's root mode, the mount namespace and chroot all need it
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, mount namespaces, chroot); run make check as root"

if [ "$cmd" = chroot ]; then
	root=$(cd "$apt_release" && pwd -P)
	binds=()
	while [ "${1:-}" = --bind ]; do
		binds+=("${2:?--bind SRC:DST}")
		shift 2
	done
	[ $# -gt 0 ] || die "chroot: no command"
	# apt inside resolves deb.debian.org with the host's resolver configuration (read-only bind)
	exec unshare --mount --propagation private -- /bin/sh -euc '
		root=$1
		nbinds=$2
		shift 2
		mount -t proc proc "$root/proc"
		[ -e "$root/etc/resolv.conf" ] || [ -L "$root/etc/resolv.conf" ] || : >"$root/etc/resolv.conf"
		mount --bind -o ro "$(readlink -f /etc/resolv.conf)" "$root/etc/resolv.conf"
		while [ "$nbinds" -gt 0 ]; do
			src=${1%%:*} dst=${1#*:}
			mkdir -p "$src" "$root$dst"
			mount --bind "$src" "$root$dst"
			nbinds=$((nbinds - 1))
			shift
		done
		exec chroot "$root" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' sh "$root" "${#binds[@]}" "${binds[@]}" "$@"
fi

# shellcheck source=scripts/apt-private.sh
. "$(dirname "$0")/../../scripts/apt-private.sh"

# make_root ROOT WHAT MIRROR...: ROOT made once with mmdebstrap (root mode, variant apt, no
# translations, the packages of $include if set) from the MIRROR lines, and cached; a half-made
# one is never used
make_root() {
	local root=$1 what=$2
	shift 2
	[ ! -f "$root/.complete" ] || return 0
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing (run 'make deps')"
	say "making $what in $root"
	rm -rf "$root.tmp"
	mkdir -p "$(dirname "$root")"
	if ! mmdebstrap --variant=apt --mode=root ${include:+--include="$include"} \
		--aptopt='Acquire::Languages "none"' "$apt_release" "$root.tmp" "$@" >"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		die "mmdebstrap failed (full log: $root.log)"
	fi
	touch "$root.tmp/.complete"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	say "cached in $root"
}

if [ "$cmd" = clean ]; then
	# keyed by everything that defines it: release, variant, suites
	suites="$apt_release $apt_release-updates $apt_release-backports $apt_release-security"
	key=$(printf '%s\n' apt "$suites" | sha256sum | cut -c1-8)
	root=$cache/roots/debian-$apt_release-clean-$key
	mirror=http://deb.debian.org
	include= make_root "$root" "a clean Debian $apt_release root (about 1 minute)" \
		"deb [signed-by=$apt_keyring] $mirror/debian $apt_release main" \
		"deb [signed-by=$apt_keyring] $mirror/debian $apt_release-updates main" \
		"deb [signed-by=$apt_keyring] $mirror/debian $apt_release-backports main" \
		"deb [signed-by=$apt_keyring] $mirror/debian-security $apt_release-security main"
	echo "$root"
	exit 0
fi

# what a module build, sparse and DKMS need; then what the userland's build and unit tests need
# (Debian 13's gcc 14 is its default gcc: tests/userland-compilers.sh)
packages=gcc-14,make,libc6-dev,libelf-dev,bc,flex,bison,kmod,dwarves,sparse,xz-utils,zstd,dkms,openssl,perl
packages+=,gcc,g++,pkg-config,libdw-dev,libjansson-dev,uthash-dev,libcmocka-dev,libc6-dbg,libprotobuf-c-dev,protobuf-c-compiler,zlib1g-dev

# keyed by the compiler's exact version and the package set, as the kernels are by their ABI
gcc_ver=$(apt-cache "${apt_opts[@]}" show gcc-14 | awk '/^Version:/{print $2; exit}')
[ -n "$gcc_ver" ] || die "no gcc-14 in Debian $apt_release's archive (see $apt_root/update.log)"
key=$(printf '%s\n' "$packages" | sha256sum | cut -c1-8)
root=$cache/roots/debian-$apt_release-gcc-$gcc_ver-$key
include=$packages make_root "$root" "a Debian $apt_release root with gcc-14 $gcc_ver (about 2 minutes)" \
	"deb [signed-by=$apt_keyring] http://deb.debian.org/debian $apt_release main"
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
