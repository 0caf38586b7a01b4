#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a temporary DESTDIR (nothing outside it is touched):
#  - every file is where PREFIX says, libcausal has its soname and the two symlinks, causal.pc
#    names the prefix, causalctl runs;
#  - a program that includes <causal.h> and <linux/causal.h> is compiled and linked with only the
#    installed files (pkg-config with PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR), run with
#    LD_LIBRARY_PATH, and shows that its progress point registers: the counter is libcausal's
#    (inside the shared memfd:causal-progress mapping, not the header's no-op) and counts visits;
#  - the installed man pages render and the bash completion loads;
#  - make uninstall leaves no file, link or directory behind under the prefix.
#   install.sh [PREFIX]      default: /usr/local
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
prefix=${1:-/usr/local}
version=$(head -n 1 VERSION)
major=${version%%.*}
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"
ok() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
work=$(mktemp -d "${TMPDIR:-/tmp}/causal-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/root
root=$dest$prefix

if make -s install DESTDIR="$dest" PREFIX="$prefix" >"$work/install.log" 2>&1; then
	pass "make install DESTDIR=... PREFIX=$prefix"
else
	cat "$work/install.log"
	fail "make install"
	exit 1
fi
for f in bin/causalctl lib/libcausal.so.$version include/causal.h include/linux/causal.h \
	lib/pkgconfig/causal.pc lib/pkgconfig/libcausal.pc share/man/man1/causalctl.1 share/man/man3/libcausal.3 \
	share/man/man4/causal.4 share/bash-completion/completions/causalctl; do
	ok "installed $prefix/$f" test -f "$root/$f"
done
ok "lib/libcausal.so.$major -> libcausal.so.$version" test "$(readlink "$root/lib/libcausal.so.$major")" = "libcausal.so.$version"
ok "lib/libcausal.so -> libcausal.so.$major" test "$(readlink "$root/lib/libcausal.so")" = "libcausal.so.$major"
ok "libcausal's soname is libcausal.so.$major" \
	bash -c "objdump -p '$root/lib/libcausal.so.$version' | grep -qE 'SONAME +libcausal.so.$major\$'"
ok "causal.pc: prefix=$prefix, libdir and includedir under it" \
	bash -c "grep -qx 'prefix=$prefix' '$root/lib/pkgconfig/causal.pc' && grep -qx 'libdir=$prefix/lib' '$root/lib/pkgconfig/causal.pc' && grep -qx 'includedir=$prefix/include' '$root/lib/pkgconfig/causal.pc'"
ok "installed uapi header is uapi/linux/causal.h" cmp -s uapi/linux/causal.h "$root/include/linux/causal.h"
ok "installed causalctl --version says $version" \
	bash -c "'$root/bin/causalctl' --version | grep -qx 'causalctl $version'"
ok "installed man pages render" \
	bash -c "for m in '$root'/share/man/man*/*; do groff -ww -man -Tutf8 -z \"\$m\" 2>&1 | grep -q . && exit 1; done; exit 0"
ok "installed bash completion defines causalctl's" \
	bash --norc -c ". '$root/share/bash-completion/completions/causalctl' && complete -p causalctl | grep -q _causalctl"

# a user of the installed files only: no -I or -L into the source tree
cat >"$work/prog.c" <<'EOT'
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <causal.h>
#include <linux/causal.h>

/* is p inside the memfd libcausal shares with causalctl? */
static int in_region(const void *p)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f && fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;

		if (strstr(line, "memfd:causal-progress") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    (uintptr_t)p >= lo && (uintptr_t)p < hi)
			found = 1;
	}
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	causal_counter_t *c;
	int i;

	for (i = 0; i < 3; i++)
		CAUSAL_PROGRESS_NAMED("install-test");
	c = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "install-test");
	printf("abi %d device %s count %zu shared %d\n", CAUSAL_ABI_VERSION, CAUSAL_DEVICE_PATH,
	       c ? c->count : 0, c ? in_region(c) : 0);
	return !(c && c->count == 3 && in_region(c));
}
EOT
export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=
cflags=$(pkg-config --cflags causal) && libs=$(pkg-config --libs causal)
ok "pkg-config --modversion causal is $version" test "$(pkg-config --modversion causal)" = "$version"
ok "pkg-config libcausal is causal (the name Debian's libcausal-dev documents)" \
	test "$(pkg-config --cflags --libs libcausal)" = "$(pkg-config --cflags --libs causal)"
ok "pkg-config points into DESTDIR ($cflags $libs)" \
	bash -c "[[ '$cflags' == *'-I$root/include'* && '$libs' == *'-L$root/lib'* ]]"
if gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$work/prog" "$work/prog.c" $cflags $libs \
	2>"$work/cc.log"; then
	pass "compiled and linked against the installed header, uapi header and libcausal"
else
	cat "$work/cc.log"
	fail "compile against the installed files"
fi
ok "the program needs libcausal.so.$major" bash -c "objdump -p '$work/prog' | grep -qE 'NEEDED +libcausal.so.$major\$'"
if out=$(LD_LIBRARY_PATH=$root/lib "$work/prog"); then
	pass "progress point registers in libcausal's shared region and counts ($out)"
else
	fail "progress point did not register: $out"
fi
ok "it resolved the installed libcausal" \
	bash -c "LD_LIBRARY_PATH='$root/lib' ldd '$work/prog' | grep -q '$root/lib/libcausal.so.$major'"

if make -s uninstall DESTDIR="$dest" PREFIX="$prefix" >"$work/uninstall.log" 2>&1; then
	pass "make uninstall"
else
	cat "$work/uninstall.log"
	fail "make uninstall"
fi
# only $prefix and its parents, empty, may stay
left=$(cd "$dest" && find . -mindepth 1 | while read -r p; do
	case ".$prefix/" in "$p/"*) ;; *) echo "$p" ;; esac
done)
if [ -z "$left" ]; then
	pass "make uninstall left nothing under $prefix"
else
	echo "$left" | sed 's/^/  left: /'
	fail "make uninstall left files behind"
fi
summary install
