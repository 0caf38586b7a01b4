#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VM runs tests/vm/run had to run again since the last call: it keeps the first try's console
# as console.text-patch-fault.log (the emulator's known fault) or console.boot-failure.log (a boot
# that failed before anything of ours ran). Prints a FLAKY line for each new one under DIR, adds
# it to SEEN, and exits 1 if there were two or more: a step that needs two reruns is not having
# the rare fault the rerun excuses.
#   flaky.sh DIR STEP SEEN
set -uo pipefail
dir=${1:?usage: flaky.sh DIR STEP SEEN}
step=${2:?usage: flaky.sh DIR STEP SEEN}
seen=${3:?usage: flaky.sh DIR STEP SEEN}
touch "$seen"
n=0
while IFS= read -r f; do
	grep -qxF "$f" "$seen" && continue
	echo "$f" >>"$seen"
	echo "FLAKY: $step: run again, the first try's console in $f"
	n=$((n + 1))
done < <(find "$dir" \( -name console.text-patch-fault.log -o -name console.boot-failure.log \) | sort)
[ "$n" -lt 2 ]
