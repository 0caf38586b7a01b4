#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make` on a machine that lacks part of the build set: it stops before compiling, names the
# package that provides what is missing, and never installs anything (an apt-get, dpkg or sudo
# called would be recorded by the stand-ins this test puts first on PATH). Situations are made with
# stand-ins too: a `uname` that reports a kernel without headers, a pkg-config that finds nothing.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"

w=$(mktemp -d "${TMPDIR:-/tmp}/causal-build-deps.XXXXXX")
trap 'rm -rf "$w"' EXIT
chmod 755 "$w"	# the stand-ins serve an unprivileged make too
mkdir "$w/bin"
for t in apt-get apt dpkg sudo dnf; do
	printf '#!/bin/sh\necho "%s $*" >>%s/installers\nexit 1\n' "$t" "$w" >"$w/bin/$t"
	chmod +x "$w/bin/$t"
done
fake_release=6.99.0-1-nothere
printf '#!/bin/sh\n[ "$1" = -r ] && { echo %s; exit 0; }\nexec /bin/uname "$@"\n' "$fake_release" >"$w/bin/uname"
chmod +x "$w/bin/uname"
installed() { [ ! -s "$w/installers" ] || { echo "  called: $(cat "$w/installers")"; return 1; }; }

# expect NAME STATUS PATTERN CMD...: CMD exits with STATUS (0 or non-0) and its output has PATTERN
expect() {
	local name=$1 want=$2 pattern=$3 rc
	shift 3
	: >"$w/installers"
	chmod 666 "$w/installers"
	"$@" >"$w/out" 2>&1
	rc=$?
	if { { [ "$want" = 0 ] && [ $rc -eq 0 ]; } || { [ "$want" != 0 ] && [ $rc -ne 0 ]; }; } &&
		{ [ -z "$pattern" ] || grep -q -- "$pattern" "$w/out"; } && installed; then
		pass "$name"
	else
		sed 's/^/  | /' "$w/out"
		fail "$name (exit $rc, expected ${want/#!0/non-zero} and \"$pattern\")"
	fi
}

expect "make module without this kernel's headers: names linux-headers-$fake_release, stops" !0 \
	"apt-get install linux-headers-$fake_release" env PATH="$w/bin:$PATH" make -s module
grep -q "causal.ko\|Entering directory\|CC \[M\]" "$w/out" &&
	fail "make module went on to build without headers" || pass "make module did not start a kernel build"
expect "make module KDIR=<not a build tree>: says so, stops" !0 "is not a configured kernel build tree" \
	env PATH="$w/bin:$PATH" make -s module KDIR="$w"
expect "make userland without libdw (pkg-config finds nothing): names libdw-dev, stops" !0 \
	"apt-get install libdw-dev" env PATH="$w/bin:$PATH" PKG_CONFIG=false make -s userland
# a pkg-config that knows everything but jansson
printf '#!/bin/sh\ncase " $* " in *" jansson "*) exit 1 ;; esac\nexec pkg-config "$@"\n' >"$w/pc-nojansson"
chmod +x "$w/pc-nojansson"
expect "make userland without jansson: names libjansson-dev, stops" !0 \
	"apt-get install libjansson-dev" env PATH="$w/bin:$PATH" PKG_CONFIG="$w/pc-nojansson" make -s userland
# uthash has no pkg-config file: a compiler that finds every header but uthash.h
cat >"$w/cc-nouthash" <<'EOS'
#!/bin/sh
case " $* " in
*" -E "*" - "*)
	src=$(cat)
	case "$src" in *uthash.h*) echo "<stdin>:1:10: fatal error: uthash.h: No such file or directory" >&2; exit 1 ;; esac
	printf '%s\n' "$src" | exec cc "$@" ;;
esac
exec cc "$@"
EOS
chmod +x "$w/cc-nouthash"
expect "make userland without uthash: names uthash-dev, stops" !0 \
	"apt-get install uthash-dev" env PATH="$w/bin:$PATH" CC="$w/cc-nouthash" make -s userland
expect "make -C userland alone without uthash: its own message" !0 "does not find uthash.h: install uthash-dev" \
	env PATH="$w/bin:$PATH" CC="$w/cc-nouthash" make -s -C userland builddir="$w/ul" causalctl_out="$w/ul/c"
expect "make userland without protoc-c: names protobuf-c-compiler, stops" !0 \
	"apt-get install protobuf-c-compiler" env PATH="$w/bin:$PATH" PROTOC_C=/nonexistent/protoc-c make -s userland
expect "make -C userland alone without protoc-c: its own message" !0 "install protobuf-c-compiler" \
	env PATH="$w/bin:$PATH" PROTOC_C=/nonexistent/protoc-c make -s -C userland builddir="$w/ul" causalctl_out="$w/ul/c"
expect "make userland without pkg-config: names pkg-config" !0 "pkg-config" \
	env PATH="$w/bin:$PATH" PKG_CONFIG=/nonexistent/pkg-config make -s userland
expect "make -C userland alone without libdw: its own message" !0 "does not find libdw and libelf" \
	env PATH="$w/bin:$PATH" PKG_CONFIG=false make -s -C userland builddir="$w/ul" causalctl_out="$w/ul/c"
expect "deps.sh --check build with everything present (KDIR of a cached kernel): silent, 0" 0 "" \
	scripts/deps.sh --check build --kdir "$(tests/kernels/kernel.sh kdir 6.1)"
[ ! -s "$w/out" ] || fail "deps.sh --check build printed something with nothing missing"
expect "make deps (the build set) without root: the apt-get command to run, nothing installed" !0 \
	"apt-get install linux-headers-$fake_release" \
	env PATH="$w/bin:$PATH" setpriv --reuid=65534 --regid=65534 --clear-groups make -s deps

summary build-deps
