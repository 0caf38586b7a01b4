#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches a stock Debian kernel image and its matching headers into the cache, through a private apt
# configuration (the host's sources, apt state and /boot stay untouched), and makes the headers usable
# for out-of-tree module builds from the cache.
#
#   fetch-debian.sh 6.1|6.12    prints the cache folder: <dir>/vmlinuz, <dir>/kdir (KDIR), <dir>/version
set -euo pipefail

series=${1:?usage: fetch-debian.sh 6.1|6.12}
say() { echo "kernels: $*" >&2; }
die() { echo "fetch-debian.sh: $*" >&2; exit 1; }

case "$series" in
# 6.12 for bookworm comes from bookworm-backports and, newer, from bookworm-security (Debian's LTS
# kernel for bookworm); both are built for bookworm's userland, so their kbuild tools run here.
6.1)  abi_re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
6.12) abi_re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
*) echo "fetch-debian.sh: unknown kernel series '$series' (known: 6.1, 6.12)" >&2; exit 2 ;;
esac

# shellcheck source=tests/apt-private.sh
. "$(dirname "$0")/../apt-private.sh"

# Newest image of the series: the cache folder is keyed by its exact ABI name.
image=$(apt-cache "${apt_opts[@]}" pkgnames linux-image- | grep -E "$abi_re" | sort -V | tail -n 1 || true)
[ -n "$image" ] || { echo "fetch-debian.sh: no kernel image matching $abi_re for bookworm" >&2; exit 1; }
abi=${image#linux-image-}                      # e.g. 6.1.0-56-amd64
srcver=$(apt-cache "${apt_opts[@]}" show "$image" | awk '/^Source:/{print $3; exit}' | tr -d '()')
dir=$cache/kernels/debian-$abi
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

common=linux-headers-${abi%-amd64}-common
kbuild=linux-kbuild-$(echo "$abi" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
case "$series" in 6.12) kbuild=linux-kbuild-${abi%-amd64} ;; esac
pkgs=("$image" "linux-headers-$abi" "$common" "$kbuild")
# Some kbuild package names carry the full ABI, some only the series: take whichever exists.
if ! apt-cache "${apt_opts[@]}" show "$kbuild" >/dev/null 2>&1; then
	kbuild=linux-kbuild-${abi%-amd64}
	pkgs[3]=$kbuild
fi
say "fetching ${pkgs[*]} (Debian source version $srcver)"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
(cd "$dir.tmp/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2)
for deb in "$dir.tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir.tmp/root"
done

root=$dir.tmp/root
vmlinuz=$(ls "$root"/boot/vmlinuz-* | head -n 1)
hdr=$root/usr/src/linux-headers-$abi
[ -f "$vmlinuz" ] && [ -f "$hdr/Makefile" ] || { echo "fetch-debian.sh: unpacked packages lack vmlinuz or headers" >&2; exit 1; }
# The arch headers' Makefile includes the common tree by absolute path, and 'scripts'/'tools' point to
# the kbuild package through relative links that stay valid inside the cache root; only the absolute
# include must be rewritten to the cached common tree.
sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" "$hdr/Makefile"
ln -s "root/usr/src/linux-headers-$abi" "$dir.tmp/kdir"
ln -s "root/${vmlinuz#$root/}" "$dir.tmp/vmlinuz"
ln -s "root/lib/modules/$abi" "$dir.tmp/modules"
echo "$abi" >"$dir.tmp/version"
rm -rf "$dir.tmp/debs"
touch "$dir.tmp/.complete"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
say "cached $abi in $dir"
echo "$dir"
