#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the causal-dkms Debian package the way Debian does since DKMS 3 dropped `dkms mkdeb`:
# debhelper with dh-dkms, from the DKMS source tree `make dkms-source` stages plus packaging/debian/.
# The package version is VERSION's (a native package); debian/changelog is generated from it.
#   build-deb.sh [OUTDIR]     writes OUTDIR/causal-dkms_VERSION_all.deb (default build/deb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/build/deb}" && cd "${1:-$top/build/deb}" && pwd)
version=$(head -n 1 "$top/VERSION")
for tool in dpkg-buildpackage dh dh_dkms; do
	command -v "$tool" >/dev/null ||
		{ echo "build-deb: $tool missing (apt-get install debhelper dh-dkms dpkg-dev)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/causal-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/causal-dkms-$version
make -s -C "$top" dkms-source DKMS_SRCDIR="$src" >/dev/null
cp -r "$top/packaging/debian" "$src/debian"
date=$(git -C "$top" log -1 --format=%aD 2>/dev/null || date -R)
cat >"$src/debian/changelog" <<EOT
causal-dkms ($version) unstable; urgency=medium

  * causal $version (generated from VERSION by packaging/build-deb.sh).

 -- causal developers <causal@localhost>  $date
EOT

(cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; echo "build-deb: dpkg-buildpackage failed" >&2; exit 1; }
deb=causal-dkms_${version}_all.deb
cp "$work/$deb" "$out/$deb"
echo "build-deb: $out/$deb"
