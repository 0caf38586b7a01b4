#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The .debs as a user installs them: `make deb`'s four packages (packaging/build-deb.sh, built once
# on this bookworm host), checked with lintian (no error, no warning), then installed in a clean
# Debian root of each release (tests/kernels/build-root.sh clean: essential packages and apt only,
# made with mmdebstrap and cached; every run works on a fresh copy, removed at the end):
#  1. the kernel headers a lab machine has (the newest of the series: bookworm 6.12, trixie-
#     backports 7.x, with the compiler they depend on), gcc and pkg-config, from that release's
#     archive (bookworm's 6.12 headers package is unpacked rather than installed: it depends on
#     the kernel image, 2.5 minutes to install here); the root's file list is taken here;
#  2. `apt-get install ./*.deb` resolves the rest from the archive; causal-dkms's postinst builds
#     the module with that release's DKMS for the installed headers (autoinstall_all_kernels=1:
#     in a chroot the running kernel is the host's); modinfo shows its vermagic;
#  3. causalctl --version, causalctl status (exit 1, "not loaded": no module can load here), and a
#     C program using CAUSAL_PROGRESS built with `pkg-config --cflags --libs libcausal` runs;
#  4. dpkg --purge of the four and apt-get purge of what they pulled in leave the file
#     list as in 1, but for apt's and dpkg's state, caches and logs and DKMS's signing key pair
#     (/var/lib/dkms/mok.key, mok.pub: DKMS keeps it so that modules stay signed by one key) and
#     depmod's index of the kernel's modules, which the kernel image package removes.
# One build serves both releases: the userland .debs built on bookworm depend on libdw1 and
# libelf1, which trixie's t64-renamed libdw1t64 and libelf1t64 provide (amd64's ABI did not change).
# Downloads are kept per release in the cache (roots/apt-archives-RELEASE), so a warm run fetches
# nothing but the package lists. Needs root (mmdebstrap, chroot) and the network to Debian's archive.
#   deb-roots.sh [RELEASE...]     default: bookworm trixie (DEB_ROOTS_KEEP=1: keep build/deb-roots)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=$(head -n 1 VERSION)
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(bookworm trixie)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/causal
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"
log() { echo "deb-roots: $*"; }
finish() { summary deb-roots; exit; }

if [ "$(id -u)" -ne 0 ]; then
	fail "deb-roots: needs root (mmdebstrap, chroot)"
	finish
fi
for tool in lintian mmdebstrap dpkg-buildpackage; do
	command -v "$tool" >/dev/null || { fail "deb-roots: $tool missing (run 'make deps')"; finish; }
done

w=$top/build/deb-roots
rm -rf "$w"
mkdir -p "$w"
[ -n "${DEB_ROOTS_KEEP:-}" ] || trap 'rm -rf "$w"' EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)

# ---- the packages, and lintian on each ----
if packaging/build-deb.sh "$w/deb" >"$w/build-deb.log" 2>&1; then
	pass "make deb: $(cd "$w/deb" && echo *.deb)"
else
	cat "$w/build-deb.log"
	fail "make deb (packaging/build-deb.sh)"
	finish
fi
debs=(causal-dkms causalctl libcausal0 libcausal-dev)
files=()
for p in "${debs[@]}"; do
	f=$(cd "$w/deb" && echo "${p}_${version}"_*.deb)
	[ -f "$w/deb/$f" ] || { fail "make deb: no ${p}_${version}_*.deb"; finish; }
	files+=("./$f")
done
lintian --fail-on error,warning "$w"/deb/*.deb >"$w/lintian.log" 2>&1
lrc=$?
grep -v 'running with root privileges' "$w/lintian.log" >"$w/lintian.out"
if [ $lrc -eq 0 ] && ! grep -q . "$w/lintian.out"; then
	pass "lintian $(lintian --version | sed 's/^Lintian v//'): nothing to report on the four .debs"
else
	sed 's/^/  | /' "$w/lintian.out"
	fail "lintian: exit $lrc, the findings above"
fi
log "packages and lintian took $(($(date +%s) - t0))s"

# everything but state, caches and logs; DKMS's key pair is expected to stay, and so is depmod's
# index (/lib/modules/VER/modules.*), which DKMS refreshes and the kernel image package owns (there
# is none here: on a lab machine the image's postrm removes it)
snapshot() {
	(cd "$1" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp \
		-o -path ./run -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/cache \
		-o -path ./var/log -o -path ./var/lib/dkms/mok.key -o -path ./var/lib/dkms/mok.pub \) -prune \
		-o -printf '%p %y\n') | grep -Ev '^\./(usr/)?lib/modules/[^/]+/modules\.[a-z.]+ f$' | sort
}

test_release() {
	local rel=$1 series clean root t1 t2 hdr kver ko rc
	case "$rel" in
	bookworm) series=6.12 ;;
	trixie) series=7 ;;
	*) fail "$rel: unknown release (bookworm or trixie)"; return ;;
	esac
	t1=$(date +%s)
	clean=$(tests/kernels/build-root.sh clean "$rel" 2>"$w/$rel-clean.log") ||
		{ cat "$w/$rel-clean.log"; fail "$rel: clean root (build-root.sh clean)"; return; }
	root=$w/root-$rel
	cp -a "$clean" "$root"
	mkdir -p "$root/tmp/causal-test"
	cp "$w"/deb/*.deb "$root/tmp/causal-test/"
	cat >"$root/tmp/causal-test/prog.c" <<'EOT'
#include <stdio.h>
#include <causal.h>

int main(void)
{
	int i;

	for (i = 0; i < 1000; i++)
		CAUSAL_PROGRESS;
	printf("progress points passed: %d\n", i);
	return 0;
}
EOT
	# apt's sandbox user reads the .debs
	chmod -R a+rX "$root/tmp/causal-test"
	mkdir -p "$cache/roots/apt-archives-$rel/partial"
	in_root() {
		tests/kernels/build-root.sh chroot "$root" \
			--bind "$cache/roots/apt-archives-$rel:/var/cache/apt/archives" "$@"
	}
	apt_get() { in_root apt-get -q -y -o Acquire::Languages=none "$@"; }

	if ! apt_get update >"$w/$rel-update.log" 2>&1; then
		cat "$w/$rel-update.log"
		fail "$rel: apt-get update in the root (is deb.debian.org reachable from it?)"
		return
	fi
	hdr=$(in_root apt-cache search --names-only "^linux-headers-$series\\.[0-9.]+\\+[a-z0-9]+-amd64\$" |
		awk '{print $1}' | sort -V | tail -n 1)
	[ -n "$hdr" ] || { fail "$rel: no linux-headers-$series.*-amd64 in its archive"; return; }
	kver=${hdr#linux-headers-}
	# bookworm's 6.12 headers depend on the kernel image, whose install (modules, initramfs) alone
	# takes 2.5 minutes here: install what the headers depend on but the image, and unpack the
	# headers package itself (its files exactly, /lib/modules/VER/build included; dpkg does not
	# know it, which changes nothing for DKMS)
	hdr_deps=$(in_root apt-cache show --no-all-versions "$hdr" | sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed 's/^ *//; s/ *(.*//; s/ *|.*//' | grep -v '^linux-image' | tr '\n' ' ')
	if in_root apt-cache show --no-all-versions "$hdr" | grep -q '^Depends: .*linux-image'; then
		how="unpacked, its dependencies but the kernel image installed"
		hdr_pkgs=($hdr_deps)
	else
		how="installed"
		hdr_pkgs=("$hdr")
	fi
	log "$rel: $hdr ($how), gcc, pkg-config: a lab machine's starting point"
	if apt_get install --no-install-recommends "${hdr_pkgs[@]}" gcc libc6-dev pkg-config \
		>"$w/$rel-prereq.log" 2>&1 &&
		{ [ "$how" = installed ] || in_root sh -c "cd /tmp && apt-get -q download '$hdr' && dpkg-deb --fsys-tarfile ${hdr}_*.deb | tar -x --keep-directory-symlink -C / && rm ${hdr}_*.deb" \
			>>"$w/$rel-prereq.log" 2>&1; }; then
		pass "$rel: $hdr $how, gcc and pkg-config from $rel's archive ($(($(date +%s) - t1))s)"
	else
		tail -n 30 "$w/$rel-prereq.log"
		fail "$rel: installing $hdr gcc libc6-dev pkg-config"
		return
	fi
	snapshot "$root" >"$w/$rel-before.files"
	installed() { in_root dpkg-query -W -f '${db:Status-Status} ${Package}\n' | awk '$1 != "not-installed" {print $2}' | sort; }
	installed >"$w/$rel-before.pkgs"

	log "$rel: apt-get install ./*.deb"
	t2=$(date +%s)
	if in_root env -C /tmp/causal-test autoinstall_all_kernels=1 apt-get -q -y -o Acquire::Languages=none \
		install --no-install-recommends "${files[@]}" >"$w/$rel-install.log" 2>&1; then
		pass "$rel: apt-get install ./*.deb resolves and installs ($(grep -c '^Setting up' "$w/$rel-install.log") packages set up, $(($(date +%s) - t2))s)"
	else
		fail "$rel: apt-get install ./*.deb"
	fi
	echo "deb-roots: $rel: the install log ends:"
	tail -n 12 "$w/$rel-install.log" | sed 's/^/  | /'

	# the module, built by DKMS for the headers
	if in_root dkms status -m causal -v "$version" -k "$kver" 2>/dev/null | grep -q ': installed'; then
		pass "$rel: dkms $(in_root dkms --version | sed 's/^dkms-//') status: causal $version installed for $kver"
	else
		in_root dkms status 2>&1 | sed 's/^/  | /'
		find "$root/var/lib/dkms/causal" -name make.log -exec tail -n 30 {} \; 2>/dev/null
		fail "$rel: DKMS did not build and install causal for $kver"
	fi
	ko=$(cd "$root" && find "lib/modules/$kver/updates" -name 'causal.ko*' 2>/dev/null | head -n 1)
	if [ -n "$ko" ] && [ "$(in_root modinfo -F vermagic "/$ko" | cut -d' ' -f1)" = "$kver" ] &&
		[ "$(in_root modinfo -F version "/$ko")" = "$version" ]; then
		pass "$rel: /$ko: version $version, vermagic $(in_root modinfo -F vermagic "/$ko")"
	else
		fail "$rel: no causal.ko for $kver under /lib/modules/$kver/updates, or a wrong vermagic/version"
	fi

	# the controller
	if [ "$(in_root causalctl --version 2>&1)" = "causalctl $version" ]; then
		pass "$rel: causalctl --version says causalctl $version"
	else
		in_root causalctl --version 2>&1 | sed 's/^/  | /'
		fail "$rel: causalctl --version"
	fi
	in_root causalctl status >"$w/$rel-status.out" 2>"$w/$rel-status.err"
	rc=$?
	# the chroot runs the host's kernel, for which DKMS built nothing: the fix is DKMS's, for the
	# sources the package registered (not a source tree's make)
	if [ $rc -eq 1 ] && grep -qE '^module: +not loaded' "$w/$rel-status.out" &&
		grep -q 'module is not loaded' "$w/$rel-status.err" &&
		grep -q "fix: \(sudo \)\{0,1\}dkms install causal/$version" "$w/$rel-status.out"; then
		pass "$rel: causalctl status runs, says the module is not loaded (exit 1) and to dkms install causal/$version"
	else
		cat "$w/$rel-status.out" "$w/$rel-status.err" | sed 's/^/  | /'
		fail "$rel: causalctl status: exit $rc, expected 1 and 'not loaded'"
	fi

	# a program with progress points, built against the installed libcausal-dev
	if in_root sh -c 'cd /tmp/causal-test && gcc -Wall -Wextra -Werror -o prog prog.c $(pkg-config --cflags --libs libcausal)' \
		>"$w/$rel-cc.log" 2>&1 &&
		[ "$(in_root /tmp/causal-test/prog 2>&1)" = "progress points passed: 1000" ] &&
		in_root ldd /tmp/causal-test/prog | grep -q "libcausal.so.0 => [/a-z]*/x86_64-linux-gnu/libcausal.so.0"; then
		pass "$rel: a CAUSAL_PROGRESS program built with pkg-config libcausal runs, linked to the packaged libcausal.so.0"
	else
		{ cat "$w/$rel-cc.log"; in_root /tmp/causal-test/prog; in_root ldd /tmp/causal-test/prog; } 2>&1 |
			sed 's/^/  | /'
		fail "$rel: building or running a CAUSAL_PROGRESS program with pkg-config libcausal"
	fi

	# purge: nothing left behind
	# what they pulled in: every package not installed before; apt-get autoremove would keep those
	# that the headers' compiler recommends (make, patch, dpkg-dev)
	in_root dpkg --purge "${debs[@]}" >"$w/$rel-purge.log" 2>&1
	rc=$?
	pulled=$(installed | comm -13 "$w/$rel-before.pkgs" -)
	if [ $rc -eq 0 ] && { [ -z "$pulled" ] || apt_get purge $pulled >>"$w/$rel-purge.log" 2>&1; } &&
		installed | cmp -s "$w/$rel-before.pkgs" -; then
		pass "$rel: dpkg --purge of the four, apt-get purge of what they pulled in:" $pulled
	else
		tail -n 20 "$w/$rel-purge.log"
		fail "$rel: dpkg --purge / apt-get autoremove --purge"
	fi
	rm -rf "$root/tmp/causal-test"
	snapshot "$root" >"$w/$rel-after.files"
	if diff -u "$w/$rel-before.files" "$w/$rel-after.files" >"$w/$rel-files.diff"; then
		pass "$rel: after the purge the root's files are as before the install ($(wc -l <"$w/$rel-before.files") paths)"
	else
		sed -n '3,40p' "$w/$rel-files.diff" | sed 's/^/  | /'
		fail "$rel: the purge left the root different (the lines above: - missing, + left behind)"
	fi
	[ -n "${DEB_ROOTS_KEEP:-}" ] || rm -rf "$root"
	log "$rel took $(($(date +%s) - t1))s"
}

for rel in "${releases[@]}"; do
	test_release "$rel"
done
log "all took $(($(date +%s) - t0))s"
finish
