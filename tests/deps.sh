#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs, from Debian's archive, everything causal's build, tests and demo need. Idempotent: with
# --check it only reports what is missing (exit 1 if anything is), otherwise installs what is missing.
set -euo pipefail

PACKAGES=(
	# module and kernel builds
	build-essential flex bison bc libssl-dev libelf-dev kmod dwarves xz-utils zstd cpio sparse perl python3
	# the test kernel's source
	linux-source-6.1
	# userland
	pkg-config libdw-dev libelf-dev libcmocka-dev
	# coz.h, against which the unit tests check libcausal's Coz ABI
	coz-profiler
	# the Go workloads (tests/workloads/go): bookworm's Go 1.19
	golang-1.19-go
	# causalctl report's HTML opened in a real browser (tests/report/browser.sh)
	chromium
	# the VM harness
	qemu-system-x86 busybox-static
	# fetching stock kernels through a private apt configuration
	apt dpkg ca-certificates
	# a Debian 13 root for building modules for trixie's kernels (gcc-14), tests/kernels/build-root.sh
	mmdebstrap
	# packaging: DKMS and the causal-dkms .deb, man pages, bash completion (tests/pkg/)
	dkms dh-dkms debhelper dpkg-dev fakeroot openssl groff-base man-db bash-completion binutils
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	[ "${1:-}" = --quiet ] || echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi
if [ "${1:-}" = --check ]; then
	echo "deps: missing: ${missing[*]} (run 'make deps' as root)" >&2
	exit 1
fi

echo "deps: installing from Debian: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install packages; run 'sudo make deps' or install them yourself:" >&2
	echo "      apt-get install ${missing[*]}" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "deps: no apt-get here; install these packages with your system's tools: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || { echo "deps: 'apt-get update' failed; check the network and /etc/apt/sources.list" >&2; exit 1; }
apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	{ echo "deps: 'apt-get install' failed for: ${missing[*]}" >&2; exit 1; }
echo "deps: done"
