#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What causal needs, in two sets:
#   build  what `make` needs to build causalctl, libcausal and causal.ko for the running kernel: a C
#          compiler, make, pkg-config, libdw/libelf, jansson and uthash headers, protobuf-c (protoc-c
#          and its library) and zlib for report --pprof, and the running kernel's headers (or a
#          KDIR=). Found by what is there (any distribution), named as this distribution's packages.
#   test   everything else `make check`, `make demo` and `make bench` use: QEMU, Debian kernels'
#          tools, Coz, Chromium, DKMS and packaging tools (Debian 12's package names).
#
#   deps.sh --check build [--kdir DIR]    say what of the build set is missing, with the command that
#     [--no-kernel]                       installs it; exit 1 if anything is. Never installs. --kdir:
#                                         the module's kernel build tree (default: the running kernel's)
#   deps.sh build                         install the build set (make deps; root, apt-get)
#   deps.sh [--check] [--quiet] [all]     the same for both sets (make check, demo, bench)
set -euo pipefail

check=
quiet=
kernel=1
running_kdir=/lib/modules/$(uname -r)/build
kdir=$running_kdir
set_name=all
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1 ;;
	--quiet) quiet=1 ;;
	--no-kernel) kernel= ;;
	--kdir) kdir=${2:?--kdir needs a folder}; shift ;;
	build|all) set_name=$1 ;;
	*) sed -n '10,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift
done

# Test packages (Debian 12); also installed, with the build set's Debian names, for `all`.
TEST_PACKAGES=(
	# kernel builds for the test matrix (the headers of stock kernels come from the cache)
	build-essential flex bison bc libssl-dev libelf-dev kmod dwarves xz-utils zstd cpio sparse perl python3
	# the test kernel's source
	linux-source-6.1
	# userland unit tests; libc's DWARF, which test_symbols reads (it skips without it)
	libcmocka-dev libc6-dbg
	# coz.h, against which the unit tests check libcausal's Coz ABI; Coz for the benchmarks
	coz-profiler
	# causalctl report's HTML opened in a real browser (tests/report/browser.sh)
	chromium
	# Coz's viewer (from coz-profiler) run on our profiles (tests/report/coz-viewer.sh)
	nodejs
	# the VM harness
	qemu-system-x86 busybox-static
	# fetching stock kernels, QEMU and Go toolchains (tests/go/toolchain.sh) through a private apt
	# configuration
	apt dpkg ca-certificates
	# a Debian 13 root for building modules for trixie's kernels (gcc-14), tests/kernels/build-root.sh
	mmdebstrap
	# packaging: DKMS and the .debs, man pages, bash completion (tests/pkg/)
	dkms dh-dkms debhelper dpkg-dev fakeroot openssl groff-base man-db bash-completion binutils
	# lintian: every .deb make deb builds must be clean (tests/pkg/deb-roots.sh)
	lintian
)

# this distribution's family, for package names: debian (Debian, Ubuntu, ...), fedora (Fedora,
# RHEL, CentOS, ...), or unknown
distro=unknown
if [ -r /etc/os-release ]; then
	ids=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
	case " $ids " in
	*" debian "*|*" ubuntu "*) distro=debian ;;
	*" fedora "*|*" rhel "*|*" centos "*) distro=fedora ;;
	esac
fi

# name THING: the package that provides THING here, from this table: THING, its package on Debian,
# on Fedora, and what it is elsewhere
name() {
	local col
	case $distro in debian) col=2 ;; fedora) col=3 ;; *) col=4 ;; esac
	awk -F ' *[|] *' -v thing="$1" -v col=$col '$1 == thing { print $col }' <<EOF
cc         | build-essential           | gcc                      | a C compiler (gcc or clang) and make
pkg-config | pkg-config                | pkgconf-pkg-config       | pkg-config (or pkgconf)
libdw      | libdw-dev                 | elfutils-devel           | elfutils' libdw and libelf development files
jansson    | libjansson-dev            | jansson-devel            | jansson's development files
uthash     | uthash-dev                | uthash-devel             | uthash (its header, uthash.h)
protobuf-c | libprotobuf-c-dev         | protobuf-c-devel         | protobuf-c's development files
protoc-c   | protobuf-c-compiler       | protobuf-c-compiler      | protobuf-c's compiler (protoc-c)
zlib       | zlib1g-dev                | zlib-devel               | zlib's development files
headers    | linux-headers-$(uname -r) | kernel-devel-$(uname -r) | the build tree (headers) of kernel $(uname -r)
EOF
}

# the build set, by what is present; prints the missing things' package names
missing_build() {
	local cc=${CC:-cc}
	command -v "$cc" >/dev/null && command -v make >/dev/null || name cc
	if ! command -v "${PKG_CONFIG:-pkg-config}" >/dev/null; then
		name pkg-config
		# without pkg-config, look for the headers themselves
		printf '#include <elfutils/libdw.h>\n#include <gelf.h>\n' |
			"$cc" -E -x c - >/dev/null 2>&1 || name libdw
		printf '#include <jansson.h>\n' | "$cc" -E -x c - >/dev/null 2>&1 || name jansson
		printf '#include <protobuf-c/protobuf-c.h>\n' | "$cc" -E -x c - >/dev/null 2>&1 || name protobuf-c
		printf '#include <zlib.h>\n' | "$cc" -E -x c - >/dev/null 2>&1 || name zlib
	else
		"${PKG_CONFIG:-pkg-config}" --exists libdw libelf || name libdw
		"${PKG_CONFIG:-pkg-config}" --exists jansson || name jansson
		"${PKG_CONFIG:-pkg-config}" --exists libprotobuf-c || name protobuf-c
		"${PKG_CONFIG:-pkg-config}" --exists zlib || name zlib
	fi
	# uthash is one header and has no pkg-config file: ask the compiler, as userland/Makefile does
	# (with the flags it is given, which are words)
	# shellcheck disable=SC2086
	printf '#include <uthash.h>\n' | "$cc" ${CPPFLAGS:-} ${CFLAGS:-} -E -x c - >/dev/null 2>&1 || name uthash
	# report --pprof's C is generated from pprof's profile.proto at build time
	command -v "${PROTOC_C:-protoc-c}" >/dev/null || name protoc-c
	# a kernel build tree has its Makefile and the generated configuration
	if [ -n "$kernel" ] && [ "$kdir" = "$running_kdir" ] && [ ! -f "$kdir/include/config/auto.conf" ]; then
		name headers
	fi
}

install_cmd() {
	case "$distro" in
	debian) echo "apt-get install $*" ;;
	fedora) echo "dnf install $*" ;;
	*) echo "install with your system's tools: $*" ;;
	esac
}

if [ -n "$kernel" ] && [ "$kdir" != "$running_kdir" ] && [ ! -f "$kdir/include/config/auto.conf" ]; then
	echo "causal: KDIR=$kdir is not a configured kernel build tree (no include/config/auto.conf)" >&2
	exit 1
fi
mapfile -t build_missing < <(missing_build)
if [ "$set_name" = build ] && [ -n "$check" ]; then
	[ ${#build_missing[@]} -gt 0 ] || exit 0
	echo "causal: missing to build:" >&2
	for m in "${build_missing[@]}"; do echo "  $m" >&2; done
	if [ "$distro" != unknown ]; then
		echo "causal: install them (as root) with: $(install_cmd "${build_missing[@]}")" >&2
	fi
	case " ${build_missing[*]} " in
	*" $(name headers) "*)
		echo "causal: or build the module for another kernel's build tree with make KDIR=DIR;" \
			"'make userland' builds only causalctl and libcausal" >&2 ;;
	esac
	exit 1
fi

packages=()
if [ "$set_name" = all ]; then
	packages=("${TEST_PACKAGES[@]}" pkg-config libdw-dev libjansson-dev uthash-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev)
else
	packages=("${build_missing[@]}")
fi
missing=()
if command -v dpkg-query >/dev/null; then
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
else
	missing=("${packages[@]}")
fi

if [ ${#missing[@]} -eq 0 ]; then
	[ -n "$quiet" ] || echo "deps: the $set_name set is present"
	exit 0
fi
if [ -n "$check" ]; then
	echo "deps: missing: ${missing[*]} (run 'make deps' as root)" >&2
	exit 1
fi

echo "deps: installing from Debian: ${missing[*]}"
if ! command -v apt-get >/dev/null; then
	echo "deps: no apt-get here; $(install_cmd "${missing[*]}")" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install packages; run 'sudo make deps' or install them yourself:" >&2
	echo "      apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || { echo "deps: 'apt-get update' failed; check the network and /etc/apt/sources.list" >&2; exit 1; }
# the running kernel's headers may have no package here (a kernel not from this archive): say so,
# install the rest, and still fail
unresolved=
for i in "${!missing[@]}"; do
	p=${missing[$i]}
	if [ "$p" = "linux-headers-$(uname -r)" ] && ! apt-cache show "$p" >/dev/null 2>&1; then
		echo "deps: no package $p in this system's apt sources: install the headers of kernel" \
			"$(uname -r) the way the kernel was installed, or build with make KDIR=DIR" >&2
		unset 'missing[i]'
		unresolved=1
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ echo "deps: 'apt-get install' failed for: ${missing[*]}" >&2; exit 1; }
fi
[ -z "$unresolved" ] || exit 1
echo "deps: done"
