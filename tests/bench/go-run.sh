#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Go prediction check (part of make bench-accuracy): builds the Go workloads and the module,
# boots one kernel in QEMU (2 vCPUs, software emulation), runs tests/bench/go-h2.sh in the guest
# and prints predicted against actual (tests/bench/go_table.py) for the HTTP/2 server's checksum
# line and the real change, -work halved (docs/go.md).
#
#   tests/bench/go-run.sh [-o OUTDIR] [-k KERNEL] [-t SECONDS] [KEY=VALUE...]
#
# KEY=VALUE go to the guest script (reps=, preps=, n=, pn=, work=, len=). OUTDIR (default build/bench,
# or $CAUSAL_BENCH_OUT) gets vm-go/ and table-go.txt. Exits non-zero only if something failed to
# build or run; the error is reported, not judged.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/host-state.sh"
out=${CAUSAL_BENCH_OUT:-$top/build/bench}
kernel=6.1
timeout=2400
while [ $# -gt 0 ]; do
	case "$1" in
	-o|--out) out=$2; shift 2 ;;
	-k|--kernel) kernel=$2; shift 2 ;;
	-t|--timeout) timeout=$2; shift 2 ;;
	-h|--help) sed -n '3,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "go-run: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$top"

make -s userland go-workloads >&2
kmod=$out/kmod/$kernel
scripts/build-module.sh "$kernel" "$kmod" >&2
line=$(grep -n '// checksum$' tests/workloads/go/h2server/main.go | head -n 1 | cut -d: -f1)
[ -n "$line" ] || { echo "go-run: no '// checksum' line in h2server/main.go" >&2; exit 1; }

vmlog=$out/vm-go
rm -rf "$vmlog"
host_mark
t0=$(date +%s)
vrc=0
tests/vm/run -k "$kernel" -m "$kmod" -q -t "$timeout" -l "$vmlog" \
	-a build/go/h2server -a build/go/h2client \
	--script tests/bench/go-h2.sh -- "$line" "$@" || vrc=$?
secs=$(($(date +%s) - t0))
guest=$vmlog/guest.out
if [ ! -s "$guest" ]; then
	echo "go-run: no guest output (VM exit $vrc); logs in $vmlog" >&2
	exit 1
fi
{
	echo "causal Go prediction check, kernel $kernel, QEMU software emulation, 2 vCPUs; VM run ${secs}s"
	python3 tests/bench/go_table.py "$guest" "h2server/main.go" "$line"
	host_line
} | tee "$out/table-go.txt"
if [ "$vrc" -ne 0 ] || ! grep -q '^BG end' "$guest"; then
	echo "go-run: the VM run failed or did not finish (exit $vrc); logs in $vmlog" >&2
	exit 1
fi
