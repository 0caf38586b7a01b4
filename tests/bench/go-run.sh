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
# shellcheck source=tests/bench/common.sh
. "$top/tests/bench/common.sh"
timeout=2400
bench_options go-run 3,12 "$@"
set -- "${bench_args[@]}"
bench_setup go-workloads
bench_module
line=$(grep -n '// checksum$' tests/workloads/go/h2server/main.go | head -n 1 | cut -d: -f1)
[ -n "$line" ] || { echo "go-run: no '// checksum' line in h2server/main.go" >&2; exit 1; }

bench_vm "$out/vm-go" -a build/go/h2server -a build/go/h2client \
	--script tests/bench/go-h2.sh -- "$line" "$@"
bench_table go-run \
	"causal Go prediction check, kernel $kernel, QEMU software emulation, 2 vCPUs; VM run ${secs}s" \
	"$out/table-go.txt" 'BG end' python3 tests/bench/go_table.py "$guest" "h2server/main.go" "$line"
