#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A Go toolchain from Debian's archive, fetched through the private apt configuration
# (scripts/apt-private.sh) and unpacked into the cache, keyed by its Debian version; the host's
# packages stay as they are. Prints its GOROOT, so that "$(tests/go/toolchain.sh newest)/bin/go"
# is a go command; messages go to standard error.
#
#   toolchain.sh 1.19     golang-1.19 of bookworm (the last with Go 1.18's line table header)
#   toolchain.sh 1.21     golang-1.21 of bookworm-backports (the cgo callback path with the mutex)
#   toolchain.sh 1.22     golang-1.22 of bookworm-backports (its atomic fast path)
#   toolchain.sh newest   the newest golang-1.N of trixie and trixie-backports
#
# Debian builds its Go toolchains statically (the go command and pkg/tool/*): trixie's run on
# bookworm as they are; building with cgo needs only the host's C compiler. The cache folder is
# ${XDG_CACHE_HOME:-$HOME/.cache}/causal/go/golang-1.N-VERSION, unpacked beside it and renamed
# into place when complete. Without the archive, the newest toolchain of the series already in the
# cache is used, with a warning.
set -euo pipefail

say() { echo "go toolchain: $*" >&2; }
usage() { sed -n '8,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }

[ $# -eq 1 ] || usage
want=$1
case "$want" in
1.19|1.21|1.22) apt_release=bookworm ;;
newest) apt_release=trixie ;;
*) usage ;;
esac

go_cache=${XDG_CACHE_HOME:-$HOME/.cache}/causal/go

# cached_goroot: the GOROOT of the newest complete toolchain of what was asked for in the cache
cached_goroot() {
	local pattern dir
	case "$want" in
	newest) pattern='golang-1.*' ;;
	*) pattern="golang-$want-*" ;;
	esac
	# shellcheck disable=SC2012,SC2086 # names we made, no newlines; $pattern is a glob
	dir=$(ls -d "$go_cache"/$pattern/ 2>/dev/null | sed 's:/$::' | grep -v '\.tmp$' | sort -V |
		while read -r d; do [ -f "$d/.complete" ] && echo "$d"; done | tail -n 1)
	[ -n "$dir" ] || return 1
	# shellcheck disable=SC2012
	ls -d "$dir"/usr/lib/go-1.* | head -n 1
}

# without the archive: the cached toolchain, or a clear failure
offline() {
	local goroot
	if goroot=$(cached_goroot); then
		say "$*; using the cached $goroot"
		echo "$goroot"
		exit 0
	fi
	echo "toolchain.sh: $*, and no toolchain for '$want' is cached in $go_cache;" \
		"is Debian's archive reachable? (see $apt_root/update.log)" >&2
	exit 1
}
# apt-private.sh's failure (no package lists and no archive) falls back on the cache as well
die() { offline "$*"; }

# shellcheck source=scripts/apt-private.sh
. "$(dirname "$0")/../../scripts/apt-private.sh"
# only the archive's packages, not the host's installed ones
apt_opts+=(-o Dir::State::status=/dev/null)

# the series: golang-1.N-go is the compiler, golang-1.N-src its standard library
if [ "$want" = newest ]; then
	series=$(apt-cache "${apt_opts[@]}" pkgnames golang-1. 2>/dev/null |
		sed -n 's/^golang-\(1\.[0-9]*\)-go$/\1/p' | sort -V | tail -n 1 || true)
	[ -n "$series" ] || offline "no golang-1.N-go in trixie's package lists"
else
	series=$want
fi
pkg=golang-$series
ver=$(apt-cache "${apt_opts[@]}" madison "$pkg-go" 2>/dev/null | awk -F' *[|] *' '{print $2}' |
	sort -V | tail -n 1 || true)
[ -n "$ver" ] || offline "no $pkg-go in $apt_release's package lists"
dir=$go_cache/$pkg-${ver//:/_}
goroot=$dir/usr/lib/go-$series
if [ -f "$dir/.complete" ]; then
	echo "$goroot"
	exit 0
fi

say "fetching $pkg-go and $pkg-src $ver ($apt_release)"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs"
if ! (cd "$dir.tmp/debs" && apt-get "${apt_opts[@]}" download -q "$pkg-go=$ver" "$pkg-src=$ver" >&2); then
	rm -rf "$dir.tmp"
	offline "cannot download $pkg-go and $pkg-src $ver from Debian's archive"
fi
for deb in "$dir.tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir.tmp"
done
rm -rf "$dir.tmp/debs"
# the go command must run here (it is static) and be the version asked for
got=$("$dir.tmp/usr/lib/go-$series/bin/go" version 2>&1) ||
	{ echo "toolchain.sh: $pkg $ver does not run here: $got" >&2; exit 1; }
case "$got" in
"go version go$series"*) ;;
*) echo "toolchain.sh: $pkg $ver says '$got'" >&2; exit 1 ;;
esac
touch "$dir.tmp/.complete"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
say "cached ${got#go version } in $dir"
echo "$goroot"
