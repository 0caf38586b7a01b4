#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds causal's Debian packages from one source package (packaging/debian/, debhelper): causal-dkms
# (the module's sources for DKMS, with dh-dkms, since DKMS 3 dropped `dkms mkdeb`; architecture all),
# causalctl, libcausal0 and libcausal-dev (the top-level `make install`, split; amd64). It stages the
# files the build needs from the working tree (tracked and new files under the paths below, so a
# local change is packaged as `make` would build it) and runs dpkg-buildpackage there. The package
# version is VERSION's (a native package); debian/changelog is generated from it.
#   build-deb.sh [OUTDIR]     writes the four .debs to OUTDIR (default build/deb), replacing older ones
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/build/deb}" && cd "${1:-$top/build/deb}" && pwd)
version=$(head -n 1 "$top/VERSION")
for tool in dpkg-buildpackage dh dh_dkms pkg-config; do
	command -v "$tool" >/dev/null ||
		{ echo "build-deb: $tool missing (apt-get install debhelper dh-dkms dpkg-dev pkg-config)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/causal-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/causal-$version
mkdir "$src"
paths=(Makefile Kbuild VERSION dkms.conf README.md module uapi userland docs/man)
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard -- "${paths[@]}" |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$top" && tar --exclude=userland/build --exclude=userland/causalctl -cf - "${paths[@]}") |
		tar -xf - -C "$src"
fi
cp -r "$top/packaging/debian" "$src/debian"
# whoever builds the packages maintains them: DEBFULLNAME and DEBEMAIL as for dch, else git's
# user.name and user.email, else the author of the last commit
name=${DEBFULLNAME:-$(git -C "$top" config user.name 2>/dev/null || git -C "$top" log -1 --format=%an 2>/dev/null || true)}
email=${DEBEMAIL:-$(git -C "$top" config user.email 2>/dev/null || git -C "$top" log -1 --format=%ae 2>/dev/null || true)}
[ -n "$name" ] && [ -n "$email" ] ||
	{ echo "build-deb: set DEBFULLNAME and DEBEMAIL (the packages' Maintainer)" >&2; exit 1; }
sed -i "s|^Maintainer: .*|Maintainer: $name <$email>|" "$src/debian/control"
date=$(git -C "$top" log -1 --format=%aD 2>/dev/null || date -R)
cat >"$src/debian/changelog" <<EOT
causal ($version) unstable; urgency=medium

  * causal $version (generated from VERSION by packaging/build-deb.sh).

 -- $name <$email>  $date
EOT

# the -dbgsym packages are left out: build/deb holds what users install
(cd "$src" && DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -b -us -uc) \
	>"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; echo "build-deb: dpkg-buildpackage failed" >&2; exit 1; }
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
debs=("causal-dkms_${version}_all.deb" "causalctl_${version}_$arch.deb" "libcausal0_${version}_$arch.deb"
	"libcausal-dev_${version}_$arch.deb")
rm -f "$out"/causal-dkms_*.deb "$out"/causalctl_*.deb "$out"/libcausal0_*.deb "$out"/libcausal-dev_*.deb
for deb in "${debs[@]}"; do
	cp "$work/$deb" "$out/$deb"
	echo "build-deb: $out/$deb"
done
