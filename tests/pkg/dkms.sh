#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# DKMS and the causal-dkms .deb, against the cached Debian 6.1 and 6.12 headers (never the running
# kernel, and no kernel image is installed). Needs root: it uses the host's DKMS for real.
#
#  1. `dkms add` of a copy of the source tree (its dkms.conf reads VERSION), removed again; then
#     `make dkms-install KERNELVER=<6.1> KSRC=<headers>` (dkms-source, then dkms add, dkms build -k,
#     dkms install -k), then dkms build -k / dkms install -k for 6.12 with --kernelsourcedir; checks
#     each installed causal.ko with modinfo (name, version, vermagic of the target kernel, GPL, and
#     the signature DKMS adds), that no KUnit module was built or shipped, then `make dkms-remove`.
#  2. Builds causal-dkms_VERSION_all.deb with dh-dkms (packaging/build-deb.sh), checks its files,
#     dependencies and maintainer scripts, installs it with dpkg and shows that its postinst builds
#     and installs the module: the postinst builds for the kernels under /lib/modules that have
#     headers at /lib/modules/<ver>/build, so the test links the cached 6.12 headers there and runs
#     dpkg with autoinstall_all_kernels=1 (DKMS's own switch for "every kernel, not only the running
#     one"); then purges the package and checks that its prerm removed everything from DKMS.
#
# Module signing is exercised with a throw-away key: a framework.conf.d snippet points DKMS at the
# headers' sign-file and at a key pair in the test's temporary directory (DKMS generates it).
#
# Everything it creates outside the source tree (/usr/src/causal-VERSION, DKMS entries, the package,
# /lib/modules/<ver> directories that did not exist, the framework snippet) is recorded in a state
# file before it is created and removed on exit, also on failure or interrupt; a later run first
# cleans up after an aborted one. Runs under a lock, so two checkouts never interleave.
#   dkms.sh [KERNEL...]     default: 6.1 6.12 (names of tests/kernels/kernel.sh)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=$(head -n 1 VERSION)
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12)
state=/var/tmp/causal-dkms-test.state
snippet=/etc/dkms/framework.conf.d/causal-test-signing.conf
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"
ok() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
log() { echo "dkms.sh: $*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL: dkms: needs root (it registers the module with the host's DKMS)"
	exit 1
fi
for tool in dkms dpkg-buildpackage dh_dkms modinfo flock; do
	command -v "$tool" >/dev/null ||
		{ echo "FAIL: dkms: $tool missing (run 'make deps')"; exit 1; }
done

exec 9>/run/lock/causal-dkms-test.lock
flock -w 900 9 || { echo "FAIL: dkms: another run holds /run/lock/causal-dkms-test.lock"; exit 1; }

# record WHAT before creating it; cleanup undoes every recorded line, newest first
record() { echo "$*" >>"$state"; }
cleanup() {
	[ -f "$state" ] || return 0
	if grep -qx deb "$state" && dpkg-query -W -f='${Status}' causal-dkms 2>/dev/null | grep -q installed; then
		dpkg --purge causal-dkms >/dev/null 2>&1 || log "cleanup: dpkg --purge causal-dkms failed"
	fi
	if grep -qx "dkms $version" "$state" && dkms status -m causal -v "$version" 2>/dev/null | grep -q .; then
		dkms remove -m causal -v "$version" --all >/dev/null 2>&1 || log "cleanup: dkms remove failed"
	fi
	rm -rf "/var/lib/dkms/causal/$version"
	rmdir /var/lib/dkms/causal 2>/dev/null
	tac "$state" | while read -r kind path; do
		case $kind in
		dir | src) rm -rf "$path" ;;
		file | link) rm -f "$path" ;;
		esac
	done
	rm -f "$state"
}
work=$(mktemp -d "${TMPDIR:-/tmp}/causal-dkms.XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if [ -f "$state" ]; then
	log "cleaning up after an aborted run ($state)"
	cleanup
fi
# never take over a causal that someone installed for real
if dkms status -m causal 2>/dev/null | grep -q . || [ -e "/usr/src/causal-$version" ] ||
	dpkg-query -W -f='${Status}' causal-dkms 2>/dev/null | grep -q installed; then
	echo "FAIL: dkms: causal is already registered with DKMS or installed on this host" \
		"('dkms status', 'dpkg -l causal-dkms'); remove it before running this test"
	exit 1
fi
: >"$state"

# signing with a throw-away key (DKMS creates the pair when it is missing), for every build below
mkdir -p "$(dirname "$snippet")"
record file "$snippet"
cat >"$snippet" <<EOF
# written by causal's tests/pkg/dkms.sh; removed when it ends
mok_signing_key=$work/mok.key
mok_certificate=$work/mok.pub
EOF

declare -A kver kdir
for k in "${kernels[@]}"; do
	kdir[$k]=$(tests/kernels/kernel.sh kdir "$k") && kver[$k]=$(tests/kernels/kernel.sh version "$k") ||
		{ fail "kernel $k: headers unavailable"; exit 1; }
done

# the kernel must have a /lib/modules/<ver> to install into; create it (and remember it) if needed
need_moddir() {
	local d=/lib/modules/$1
	[ -d /lib/modules ] || { record dir /lib/modules; mkdir /lib/modules; }
	[ -d "$d" ] || { record dir "$d"; mkdir "$d"; }
}
# this kernel's sign-file: DKMS on Debian looks in /usr/lib/linux-kbuild-X.Y or /lib/modules/<ver>/build
sign_file_for() { echo "sign_file=${kdir[$1]}/scripts/sign-file"; }

check_ko() {	# K: the module DKMS installed for kernel K
	local k=$1 v=${kver[$1]} ko
	ko=$(find "/lib/modules/$v/updates/dkms" -name 'causal.ko*' 2>/dev/null | head -n 1)
	[ -n "$ko" ] || { fail "$k: no causal.ko under /lib/modules/$v/updates/dkms"; return; }
	ok "$k: modinfo name is causal" test "$(modinfo -F name "$ko")" = causal
	ok "$k: modinfo version is $version" test "$(modinfo -F version "$ko")" = "$version"
	ok "$k: modinfo vermagic is for $v" bash -c "modinfo -F vermagic '$ko' | grep -q '^$v '"
	ok "$k: modinfo license is GPL" test "$(modinfo -F license "$ko")" = GPL
	ok "$k: signed by the DKMS key" bash -c "modinfo -F signer '$ko' | grep -q 'DKMS module signing key'"
	ok "$k: dkms status says installed" \
		bash -c "dkms status -m causal -v '$version' -k '$v' | grep -q ': installed'"
	ok "$k: no KUnit module built" \
		bash -c "! find /var/lib/dkms/causal/$version/$v /lib/modules/$v -name 'causal_kunit*' | grep -q ."
}

# ---- 1. make dkms-install / dkms build -k / dkms install -k / make dkms-remove ----
t0=$(date +%s)
record src "/usr/src/causal-$version"
record dkms "$version"
# the tree's own dkms.conf finds the version in VERSION: 'dkms add <a source tree>'
git archive --prefix=tree/ HEAD | tar -x -C "$work" 2>/dev/null || cp -r "$top" "$work/tree"
if dkms add "$work/tree" >"$work/add-tree.log" 2>&1 &&
	dkms status -m causal -v "$version" | grep -q ': added'; then
	pass "dkms add <source tree> registers causal $version (version read from VERSION)"
else
	cat "$work/add-tree.log"
	fail "dkms add <source tree>"
fi
dkms remove -m causal -v "$version" --all >/dev/null 2>&1
rm -rf "/usr/src/causal-$version"
first=${kernels[0]}
need_moddir "${kver[$first]}"
sign_file_for "$first" >>"$snippet"
log "make dkms-install KERNELVER=${kver[$first]} KSRC=${kdir[$first]}"
if make -s dkms-install KERNELVER="${kver[$first]}" KSRC="${kdir[$first]}" >"$work/install-$first.log" 2>&1; then
	pass "$first: make dkms-install (dkms add, build -k, install -k)"
	check_ko "$first"
else
	cat "$work/install-$first.log"
	fail "$first: make dkms-install"
fi
src=/usr/src/causal-$version
ok "DKMS source tree has no KUnit suites or tests/" \
	bash -c "! find '$src' -name kunit -o -name tests | grep -q ."
ok "DKMS source dkms.conf has PACKAGE_VERSION=\"$version\" written in" \
	grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf"
for k in "${kernels[@]:1}"; do
	need_moddir "${kver[$k]}"
	sed -i '/^sign_file=/d' "$snippet"
	sign_file_for "$k" >>"$snippet"
	log "dkms build/install -m causal -v $version -k ${kver[$k]} --kernelsourcedir ${kdir[$k]}"
	if dkms build -m causal -v "$version" -k "${kver[$k]}" --kernelsourcedir "${kdir[$k]}" \
		>"$work/build-$k.log" 2>&1 &&
		dkms install -m causal -v "$version" -k "${kver[$k]}" --kernelsourcedir "${kdir[$k]}" \
		>>"$work/build-$k.log" 2>&1; then
		pass "$k: dkms build -k and dkms install -k (--kernelsourcedir)"
		check_ko "$k"
	else
		cat "$work/build-$k.log"
		tail -n 30 "/var/lib/dkms/causal/$version/build/make.log" 2>/dev/null
		fail "$k: dkms build/install"
	fi
done
make -s dkms-remove >"$work/remove.log" 2>&1 || cat "$work/remove.log"
ok "make dkms-remove: nothing left in DKMS" bash -c "! dkms status -m causal | grep -q ."
ok "make dkms-remove: sources and modules gone" bash -c "! ls -d '$src' /lib/modules/*/updates/dkms/causal.ko* 2>/dev/null | grep -q ."
log "step 1 took $(($(date +%s) - t0))s"

# ---- 2. the causal-dkms .deb (dh-dkms) ----
t0=$(date +%s)
if packaging/build-deb.sh "$work/deb" >"$work/deb.log" 2>&1; then
	pass "deb: built with dpkg-buildpackage and dh-dkms"
else
	cat "$work/deb.log"
	fail "deb: build"
	exit 1
fi
deb=$work/deb/causal-dkms_${version}_all.deb
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/files"
for f in dkms.conf Kbuild VERSION module/main.c module/compat.h module/compat/probes.mk \
	module/compat/task_work.c module/compat/ibt.h uapi/linux/causal.h; do
	ok "deb: ships /usr/src/causal-$version/$f" grep -qx "/usr/src/causal-$version/$f" "$work/files"
done
ok "deb: no KUnit suites, tests or userland" bash -c "! grep -E '_kunit|/tests/|userland|causalctl' '$work/files'"
ok "deb: only /usr/src/causal-$version and its docs" \
	bash -c "! grep -vE '^/(|usr/?|usr/src/?|usr/src/causal-$version(/.*)?|usr/share/?|usr/share/doc/?|usr/share/doc/causal-dkms(/.*)?)$' '$work/files'"
ok "deb: version $version, architecture all" \
	test "$(dpkg-deb -f "$deb" Version Architecture | tr '\n' ' ')" = "Version: $version Architecture: all "
ok "deb: depends on dkms" bash -c "dpkg-deb -f '$deb' Depends | grep -q '^dkms'"
dpkg-deb -e "$deb" "$work/ctrl"
ok "deb: postinst runs DKMS's common.postinst for causal $version" \
	bash -c "grep -q '^DKMS_NAME=causal$' '$work/ctrl/postinst' && grep -q '^DKMS_VERSION=$version$' '$work/ctrl/postinst' && grep -q common.postinst '$work/ctrl/postinst'"
ok "deb: prerm runs dkms remove" grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$work/ctrl/prerm"
ok "deb: its dkms.conf has the version written in" \
	bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/src/causal-$version/dkms.conf | grep -qx 'PACKAGE_VERSION=\"$version\"'"

# install it for real: the postinst builds for kernels whose headers are at /lib/modules/<ver>/build
last=${kernels[${#kernels[@]} - 1]}
v=${kver[$last]}
need_moddir "$v"
if [ ! -e "/lib/modules/$v/build" ]; then
	record link "/lib/modules/$v/build"
	ln -s "${kdir[$last]}" "/lib/modules/$v/build"
fi
sed -i '/^sign_file=/d' "$snippet"
sign_file_for "$last" >>"$snippet"
record deb
log "autoinstall_all_kernels=1 dpkg -i $(basename "$deb")"
if autoinstall_all_kernels=1 dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
	pass "deb: dpkg -i (postinst: dkms add, build, install)"
else
	fail "deb: dpkg -i"
fi
sed 's/^/  | /' "$work/dpkg.log"
ok "deb: postinst said it built for $v" grep -q "Building initial module for $v" "$work/dpkg.log"
check_ko "$last"
dpkg --purge causal-dkms >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "deb: dpkg --purge"; }
ok "deb: purge left nothing in DKMS" bash -c "! dkms status -m causal | grep -q ."
ok "deb: purge removed the sources and the module" \
	bash -c "! ls -d /usr/src/causal-$version /lib/modules/$v/updates/dkms/causal.ko* 2>/dev/null | grep -q ."
log "step 2 took $(($(date +%s) - t0))s"

cleanup
ok "host clean: no causal in DKMS, no package, no state" bash -c \
	"! dkms status -m causal | grep -q . && ! dpkg-query -W -f='\${Status}' causal-dkms 2>/dev/null | grep -q installed && [ ! -e '$state' ] && [ ! -e '$snippet' ] && [ ! -e /usr/src/causal-$version ]"
summary dkms
