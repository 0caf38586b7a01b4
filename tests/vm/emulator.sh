#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The emulator the VM harness runs: the newest qemu-system-x86 Debian builds for bookworm (in
# bookworm-backports), fetched through the private apt configuration into the cache and unpacked
# there, keyed by its version; the host's packages stay as they are. Prints the path of a wrapper
# that runs it with its own firmware and modules.
#
# Why not bookworm's QEMU 7.2: its multi-threaded TCG can keep executing a translation of kernel
# text that another vCPU has already patched. A guest whose kernel patches a static key in
# try_to_wake_up() or __schedule() then spins on an int3 that memory no longer holds, with
# interrupts off, and the patcher waits for it forever. tests/vm/text_patch_stress.sh, which turns
# the sched trace events on and off under load, hung 7.2 on 6.1 in 5 of 5 runs before its 100th
# turn and oopsed it on 6.12 at once; 10.0 did 1000 and 3000 turns on 6.1, and 2100 on 6.12
# before one "Oops: int3". So 10.0 has the fault too, rarely; tests/vm/run runs a VM again after it.
#
# If no newer QEMU can be fetched, prints bookworm's qemu-system-x86_64 with a warning.
set -euo pipefail

say() { echo "emulator: $*" >&2; }
die() { echo "emulator.sh: $*" >&2; exit 1; }
fallback() {
	say "$*; using the host's $(qemu-system-x86_64 --version | head -n 1), whose TCG can hang a guest that patches its kernel text"
	echo qemu-system-x86_64
	exit 0
}

# shellcheck source=scripts/apt-private.sh
. "$(dirname "$0")/../../scripts/apt-private.sh"

ver=$(apt-cache "${apt_opts[@]}" madison qemu-system-x86 2>/dev/null | awk -F' *[|] *' '{print $2}' |
	sort -V | tail -n 1 || true)
[ -n "$ver" ] || fallback "no qemu-system-x86 in the package lists"
upstream=${ver#*:}
case "$upstream" in [0-7].*) fallback "the newest qemu-system-x86 for bookworm is $ver" ;; esac
dir=$cache/qemu/${ver//:/_}
wrapper=$dir/qemu-system-x86_64
if [ -f "$dir/.complete" ]; then
	echo "$wrapper"
	exit 0
fi

bios=$(apt-cache "${apt_opts[@]}" madison seabios 2>/dev/null | awk -F' *[|] *' '{print $2}' | sort -V | tail -n 1)
pkgs=("qemu-system-x86=$ver" "qemu-system-common=$ver" "qemu-system-data=$ver" "seabios=$bios")
say "fetching ${pkgs[*]}"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
(cd "$dir.tmp/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2) || fallback "cannot download ${pkgs[*]}"
for deb in "$dir.tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir.tmp/root"
done
rm -rf "$dir.tmp/debs"

# its shared libraries are those of bookworm's qemu-system-x86, which scripts/deps.sh installs
bin=$dir/root/usr/bin/qemu-system-x86_64
missing=$(ldd "$dir.tmp/root/usr/bin/qemu-system-x86_64" | awk '/not found/{print $1}' | tr '\n' ' ')
[ -z "$missing" ] || fallback "QEMU $ver lacks shared libraries here: $missing"
cat >"$dir.tmp/qemu-system-x86_64" <<EOW
#!/bin/sh
# QEMU $ver from Debian's archive, with its own firmware and modules (tests/vm/emulator.sh)
export QEMU_MODULE_DIR="$dir/root/usr/lib/x86_64-linux-gnu/qemu"
exec "$bin" -L "$dir/root/usr/share/qemu" -L "$dir/root/usr/share/seabios" "\$@"
EOW
chmod +x "$dir.tmp/qemu-system-x86_64"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
"$wrapper" --version >/dev/null || die "$wrapper does not run"
touch "$dir/.complete"
say "cached QEMU $ver in $dir"
echo "$wrapper"
