#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches a stock Debian kernel image and its matching headers into the cache, through a private apt
# configuration (the host's sources, apt state and /boot stay untouched), and makes the headers usable
# for out-of-tree module builds from the cache. Each name is the newest kernel of a series that has
# both an image and headers in the archive today:
#
#   6.1         bookworm's kernel
#   6.12        bookworm-backports' or bookworm-security's 6.12 (+deb12), built for bookworm
#   6.12-deb13  trixie's 6.12 (+deb13), built with trixie's gcc-14
#   7.2         trixie-backports' 7.2
#   7.x         trixie-backports' newest 7.x series
#
#   fetch-debian.sh NAME    prints the cache folder: <dir>/vmlinuz, <dir>/kdir (KDIR), <dir>/version,
#                           <dir>/release (the Debian release whose compiler builds for it)
set -euo pipefail

name=${1:?usage: fetch-debian.sh 6.1|6.12|6.12-deb13|7.2|7.x}
say() { echo "kernels: $*" >&2; }
die() { echo "fetch-debian.sh: $*" >&2; exit 1; }

# the headers package names the kernels that can be built for; the image must exist too
case "$name" in
6.1)        apt_release=bookworm; hdr_re='^linux-headers-6\.1\.0-[0-9]+-amd64$' ;;
6.12)       apt_release=bookworm; hdr_re='^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' ;;
6.12-deb13) apt_release=trixie; hdr_re='^linux-headers-6\.12\.[0-9]+\+deb13(\.[0-9]+)?-amd64$' ;;
7.2)        apt_release=trixie; hdr_re='^linux-headers-7\.2\.[0-9]+\+deb13(\.[0-9]+)?-amd64$' ;;
7.x)        apt_release=trixie; hdr_re='^linux-headers-7\.[0-9]+\.[0-9]+\+deb13(\.[0-9]+)?-amd64$' ;;
*) echo "fetch-debian.sh: unknown kernel '$name' (known: 6.1, 6.12, 6.12-deb13, 7.2, 7.x)" >&2; exit 2 ;;
esac

# shellcheck source=scripts/apt-private.sh
. "$(dirname "$0")/../../scripts/apt-private.sh"

# Newest of the series (version order) whose image is in the archive too; the cache folder is keyed
# by its exact ABI name.
abi=
for h in $(apt-cache "${apt_opts[@]}" pkgnames linux-headers- | grep -E "$hdr_re" | sort -rV); do
	a=${h#linux-headers-}
	if apt-cache "${apt_opts[@]}" show "linux-image-$a" >/dev/null 2>&1; then
		abi=$a
		break
	fi
done
[ -n "$abi" ] || die "no kernel with both image and headers matching $hdr_re in Debian $apt_release's archive (see $apt_root/update.log)"
image=linux-image-$abi
dir=$cache/kernels/debian-$abi
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

# The image and headers, and the linux-* packages they depend on: the common headers, kbuild's
# tools, and since 7.x the image's parts (linux-binary-*, linux-base-*). linux-modules-* (the
# in-tree modules, 100 MB) is left out: the VM boots without them.
deps_of() {
	apt-cache "${apt_opts[@]}" show "$1" | awk '/^Depends:/{sub(/^Depends: /, ""); print; exit}' |
		tr ',' '\n' | sed -E 's/^ *//; s/ .*//' | grep -E '^linux-(headers|kbuild|binary|base)-' || true
}
pkgs=("$image" "linux-headers-$abi")
for p in "$image" "linux-headers-$abi"; do
	for d in $(deps_of "$p"); do
		[[ " ${pkgs[*]} " == *" $d "* ]] || pkgs+=("$d")
	done
done
srcver=$(apt-cache "${apt_opts[@]}" show "linux-headers-$abi" | awk '/^Version:/{print $2; exit}')
say "fetching ${pkgs[*]} (Debian $apt_release, version $srcver)"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
(cd "$dir.tmp/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2) ||
	die "cannot download ${pkgs[*]} from Debian's archive"
for deb in "$dir.tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir.tmp/root"
done

root=$dir.tmp/root
# /boot/vmlinuz-ABI up to 6.12, /usr/lib/modules/ABI/vmlinuz since
vmlinuz=$(ls "$root"/boot/vmlinuz-"$abi" "$root"/usr/lib/modules/"$abi"/vmlinuz 2>/dev/null | head -n 1 || true)
hdr=$root/usr/src/linux-headers-$abi
[ -n "$vmlinuz" ] && [ -f "$hdr/Makefile" ] || die "unpacked packages lack vmlinuz or headers"
# The arch headers' Makefile names the common tree (and, since 7.x, its own output folder) by
# absolute path, and 'scripts'/'tools' point to the kbuild package through relative links that stay
# valid inside the cache root; only the absolute paths must be rewritten to the cache.
sed -i -e "s|^include /usr/src/|include $dir/root/usr/src/|" \
	-e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$dir/root/usr/src/|" "$hdr/Makefile"
ln -s "root/usr/src/linux-headers-$abi" "$dir.tmp/kdir"
ln -s "root/${vmlinuz#$root/}" "$dir.tmp/vmlinuz"
echo "$abi" >"$dir.tmp/version"
echo "$apt_release" >"$dir.tmp/release"
rm -rf "$dir.tmp/debs"
touch "$dir.tmp/.complete"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
say "cached $abi in $dir"
echo "$dir"
