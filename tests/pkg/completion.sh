#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion of causalctl (userland/completion/causalctl): sourced into a fresh bash, with
# bash-completion's helpers when they are installed and without them, it completes
# 'causalctl r<TAB>' to run and report and 'causalctl run --fi<TAB>' to --fixed-line and
# --fixed-speedup; and for each subcommand the options it offers are exactly the --long options
# of that subcommand's --help.
#   completion.sh [CAUSALCTL]    default: userland/causalctl (built if missing)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
causalctl=${1:-userland/causalctl}
comp=userland/completion/causalctl
[ -x "$causalctl" ] || make -s -C userland >/dev/null || { echo "FAIL: completion: cannot build causalctl"; exit 1; }
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"

# complete LIB LINE: what <TAB> at the end of LINE offers, sorted, one per line
complete_line() {
	bash --norc --noprofile -c '
		[ "$1" = with ] && [ -r /usr/share/bash-completion/bash_completion ] &&
			. /usr/share/bash-completion/bash_completion
		. "$2"
		COMP_LINE=$3
		COMP_POINT=${#COMP_LINE}
		read -r -a COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_causalctl causalctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$1" "$comp" "$2"
}
expect() {	# LIB LINE EXPECTED...
	local lib=$1 line=$2 got want
	shift 2
	got=$(complete_line "$lib" "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		pass "completion ($lib bash-completion): '$line<TAB>' gives $want"
	else
		fail "completion ($lib bash-completion): '$line<TAB>' gives '$got', expected '$want'"
	fi
}

libs=without
if [ -r /usr/share/bash-completion/bash_completion ]; then
	libs="with without"
else
	echo "completion: bash-completion is not installed; testing the fallback only"
fi
for lib in $libs; do
	expect "$lib" "causalctl r" run report
	expect "$lib" "causalctl run --fi" --fixed-line --fixed-speedup
	expect "$lib" "causalctl report --sort " impact impact-se max min slope
	expect "$lib" "causalctl --v" --version
done

help_opts() { "$causalctl" "$@" 2>&1 | grep -oE '^ +(-[A-Za-z], )?--[a-z0-9][a-z0-9-]*' |
	grep -oE -- '--[a-z0-9-]+' | sort -u; }
for sub in run attach report status; do
	got=$(complete_line without "causalctl $sub --" | tr '\n' ' ')
	want=$(help_opts "$sub" --help | tr '\n' ' ')
	# two empty lists (a --help that failed, a completion that offers nothing) are no match
	if [ -z "$want" ]; then
		fail "completion: 'causalctl $sub --help' lists no --options"
	elif [ "$got" = "$want" ]; then
		pass "completion: 'causalctl $sub --<TAB>' offers the options of its --help"
	else
		fail "completion: 'causalctl $sub --<TAB>' offers '$got'; --help has '$want'"
	fi
done
summary completion
