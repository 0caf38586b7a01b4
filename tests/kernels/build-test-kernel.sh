#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds causal's test kernel from Debian's linux-source-6.1: tinyconfig plus tests/kernels/test-kernel.config,
# with Debian's export of task_work_add removed so that it behaves like a mainline kernel. Cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/causal/kernels/test-<source version>-<config hash>; prints that folder
# (<dir>/vmlinuz, <dir>/kdir, <dir>/version).
#   build-test-kernel.sh [test|debug]   'debug' adds tests/kernels/debug-kernel.config (KASAN, kmemleak, ...)
#                                       on top, cached as debug-<source version>-<config hash>
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/causal
tarball=/usr/src/linux-source-6.1.tar.xz
say() { echo "kernels: $*" >&2; }

[ -f "$tarball" ] || { echo "build-test-kernel.sh: $tarball missing (run 'make deps')" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
variant=${1:-test}
case "$variant" in
test) fragments=("$here/test-kernel.config"); minutes=4 ;;
debug) fragments=("$here/test-kernel.config" "$here/debug-kernel.config"); minutes=12 ;;
*) echo "build-test-kernel.sh: unknown variant '$variant' (test or debug)" >&2; exit 2 ;;
esac
key=$(cat "${fragments[@]}" "$0" | sha256sum | cut -c1-12)
dir=$cache/kernels/$variant-$srcver-$key
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi
# One build at a time: a second caller waits for the first and then reuses its result.
mkdir -p "$cache/kernels"
exec 9>"$cache/kernels/.$variant-kernel.lock"
flock 9
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

say "building the $variant kernel (linux-source-6.1 $srcver, config $key) in $dir; takes ~$minutes minutes"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
tar -xf "$tarball" -C "$dir.tmp"
mv "$dir.tmp/linux-source-6.1" "$dir.tmp/src"
src=$dir.tmp/src

# Mainline does not export task_work_add; Debian does (for binder). Remove the export so the module's
# load-time fallback is exercised on this kernel.
grep -q 'EXPORT_SYMBOL_GPL(task_work_add)' "$src/kernel/task_work.c" ||
	say "note: this source has no task_work_add export to remove"
sed -i '/EXPORT_SYMBOL_GPL(task_work_add);/d' "$src/kernel/task_work.c"

jobs=$(($(nproc) + 1))
make -C "$src" -s tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "${fragments[@]}" >/dev/null
make -C "$src" -s olddefconfig >&2
# Every line of the fragments (the last one wins for an option set twice) must have survived: a silently
# dropped option is a broken test kernel.
missing=$(grep -hE '^CONFIG_|^# CONFIG_.* is not set$' "${fragments[@]}" |
	awk '{n = ($1 == "#") ? $2 : substr($1, 1, index($1, "=") - 1); last[n] = $0; if (!(n in seen)) {seen[n] = 1; order[++k] = n}}
	     END {for (i = 1; i <= k; i++) print last[order[i]]}' | while read -r line; do
	case "$line" in
	"# "*) n=${line#\# }; n=${n%% *}; ! grep -q "^$n=" "$src/.config" || echo "$line" ;;
	*) grep -qxF "$line" "$src/.config" || echo "$line" ;;
	esac
done)
[ -z "$missing" ] || { echo "build-test-kernel.sh: options not taken by Kconfig:" >&2; echo "$missing" >&2; exit 1; }

make -C "$src" -s -j"$jobs" bzImage modules >&2
make -C "$src" -s -j"$jobs" modules_prepare >&2
if grep -qw task_work_add "$src/Module.symvers"; then
	echo "build-test-kernel.sh: task_work_add is still exported" >&2
	exit 1
fi
# Keep the tree for module builds, drop the objects that module builds never need.
find "$src" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
ln -s src/arch/x86/boot/bzImage "$dir.tmp/vmlinuz"
ln -s src "$dir.tmp/kdir"
make -C "$src" -s kernelrelease >"$dir.tmp/version"
touch "$dir.tmp/.complete"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
# The tree records its absolute path in a few generated files; builds only need the final path.
say "$variant kernel $(cat "$dir/version") cached in $dir"
echo "$dir"
