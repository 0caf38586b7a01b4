#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The man pages of docs/man: each names the release of VERSION in .TH, formats with groff -ww (all warnings) and with man --warnings
# without a single warning, and causalctl(1) matches causalctl's --help: every subcommand the help
# lists has a section, and for causalctl itself and each subcommand the set of --long options its
# --help lists equals the set the man page documents for it (option tags of .TP entries under
# OPTIONS for causalctl, under .SS "causalctl SUB" and under .SS sections naming SUB).
#   man.sh [CAUSALCTL]     default: userland/causalctl (built if missing)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
causalctl=${1:-userland/causalctl}
[ -x "$causalctl" ] || make -s -C userland >/dev/null || { echo "FAIL: man: cannot build causalctl"; exit 1; }
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/causal-man.XXXXXX")
trap 'rm -rf "$work"' EXIT

for page in docs/man/*.[0-9]; do
	name=$(basename "$page")
	if ! groff -ww -man -Tutf8 -z "$page" 2>"$work/groff"; then
		fail "man $name: groff exited non-zero"
	elif [ -s "$work/groff" ]; then
		sed 's/^/  /' "$work/groff"
		fail "man $name: groff -ww -man warnings"
	else
		pass "man $name: no groff -ww warnings"
	fi
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$work/out" 2>"$work/man" </dev/null
		if [ -s "$work/man" ]; then
			sed 's/^/  /' "$work/man"
			fail "man $name: man --warnings"
		elif [ ! -s "$work/out" ]; then
			fail "man $name: man -l printed nothing"
		else
			pass "man $name: no man --warnings warnings"
		fi
	fi
done

# libcausal(3)'s synopsis as a reader sees it: every macro with its parameter, spaces and all
if command -v man >/dev/null; then
	LC_ALL=C.UTF-8 MANWIDTH=100 man -l docs/man/libcausal.3 2>/dev/null </dev/null >"$work/lib"
	if grep -qF 'CAUSAL_PROGRESS_NAMED(const char *name);' "$work/lib" &&
		grep -qF 'CAUSAL_BEGIN(const char *name);' "$work/lib" &&
		grep -qF 'CAUSAL_END(const char *name);' "$work/lib" &&
		grep -qF 'causal_counter_t *causal_get_counter(int kind, const char *name);' "$work/lib"; then
		pass "man libcausal.3: the synopsis renders as C"
	else
		sed -n '/SYNOPSIS/,/DESCRIPTION/p' "$work/lib" | sed 's/^/  /'
		fail "man libcausal.3: the synopsis does not render as C"
	fi
fi

version=$(head -n 1 VERSION)
for page in docs/man/*.[0-9]; do
	if grep -q "^\.TH .*\"causal $version\"" "$page"; then
		pass "man $(basename "$page"): .TH says causal $version (VERSION)"
	else
		fail "man $(basename "$page"): .TH does not say causal $version; update it with VERSION"
	fi
done

# --long options a --help text lists: lines that start (after spaces) with -x, --long or --long
help_opts() { "$causalctl" "$@" 2>&1 | grep -oE '^ +(-[A-Za-z], )?--[a-z0-9][a-z0-9-]*' |
	grep -oE -- '--[a-z0-9-]+' | sort -u; }
# --long options causalctl.1 documents for SUB (main: causalctl's own OPTIONS section)
man_opts() {
	awk -v want="$1" '
	/^\.SH / { sec = ($0 ~ /^\.SH "?OPTIONS"?$/) ? " main " : ""; next }
	/^\.SS / { t = $0; sec = " "
		n = split("run attach report status help", subs, " ")
		for (i = 1; i <= n; i++) if (t ~ ("(^|[ \"])" subs[i] "([ \"]|$)")) sec = sec subs[i] " "
		next }
	/^\.TP/ { tag = 1; next }
	tag { tag = 0; if (index(sec, " " want " ")) { gsub(/\\-/, "-"); print } }
	' docs/man/causalctl.1 | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

subs=$("$causalctl" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF {print $1}')
[ -n "$subs" ] || fail "causalctl --help lists no subcommands"
for sub in $subs; do
	if grep -qx ".SS \"causalctl $sub\"" docs/man/causalctl.1; then
		pass "causalctl.1 has a section for '$sub'"
	else
		fail "causalctl.1 has no section .SS \"causalctl $sub\""
	fi
done
for sub in main $subs; do
	if [ "$sub" = main ]; then help_opts --help >"$work/help"; else help_opts "$sub" --help >"$work/help"; fi
	man_opts "$sub" >"$work/man"
	only_help=$(comm -23 "$work/help" "$work/man" | tr '\n' ' ')
	only_man=$(comm -13 "$work/help" "$work/man" | tr '\n' ' ')
	label=$([ "$sub" = main ] && echo causalctl || echo "causalctl $sub")
	if [ -z "$only_help$only_man" ]; then
		pass "$label: --help and causalctl.1 list the same $(wc -l <"$work/help") long options"
	else
		[ -z "$only_help" ] || echo "  in --help, not in causalctl.1: $only_help"
		[ -z "$only_man" ] || echo "  in causalctl.1, not in --help: $only_man"
		fail "$label: --help and causalctl.1 differ"
	fi
done
summary man
