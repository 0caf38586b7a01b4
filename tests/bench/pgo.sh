#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Go's profile-guided optimisation from `causalctl report --pprof` (part of make bench): the HTTP/2
# server (tests/workloads/go/h2server) built with the newest Go (tests/go/toolchain.sh) once
# without a profile and once with -pgo= the server's causalctl profile, then both run on this host
# in interleaved pairs (the order alternating), the server on CPU 0 and the client on CPU 1; prints
# each build's requests per second and the ratio PGO / plain (above 1: the PGO build is faster)
# with its standard error over the pairs.
#
#   tests/bench/pgo.sh [-p PROFILE.pb.gz] [-k KERNEL] [pairs=R] [n=N]
#
# Without -p, the profile is made first: one VM run (KERNEL, default 6.1) of tests/bench/pgo-guest.sh
# profiles the server under causalctl run and writes report --pprof. R pairs (default 10) of N
# requests each (default 4000, 10 in flight). OUTDIR ($CAUSAL_BENCH_OUT, default build/bench) gets
# pgo/ (the profile, both builds, the logs) and table-pgo.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/common.sh
. "$top/tests/bench/common.sh"
profile=
pairs=10
n=4000
while [ $# -gt 0 ]; do
	case "$1" in
	-p|--profile) profile=$(realpath "$2"); shift 2 ;;
	-k|--kernel) kernel=$2; shift 2 ;;
	pairs=*|n=*) eval "${1%%=*}=\${1#*=}"; shift ;;
	-h|--help) sed -n '3,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "pgo: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
mkdir -p "$out/pgo"
w=$(cd "$out/pgo" && pwd)
cd "$top"

goroot=$(tests/go/toolchain.sh newest)
go=$goroot/bin/go
export GOCACHE=$top/build/go/cache GOPATH=$top/build/go/path GOFLAGS=-mod=mod GOTOOLCHAIN=local \
	GO111MODULE=on GOPROXY=off

if [ -z "$profile" ]; then
	make -s userland go-workloads >&2
	kmod=$out/kmod/$kernel
	scripts/build-module.sh "$kernel" "$kmod" >&2
	vrc=0
	tests/vm/run -k "$kernel" -m "$kmod" -q -t 1200 -l "$w/vm" -a build/go/h2server -a build/go/h2client \
		--script tests/bench/pgo-guest.sh || vrc=$?
	grep '^# causal: .* samples\|^# causalctl report: wrote' "$w/vm/guest.out" >&2 || true
	if ! grep -q '^PG end' "$w/vm/guest.out"; then
		echo "pgo: the VM run made no profile (exit $vrc); logs in $w/vm" >&2
		exit 1
	fi
	sed -n 's/^PG b64 //p' "$w/vm/guest.out" | base64 -d >"$w/h2server.pb.gz"
	profile=$w/h2server.pb.gz
fi

build() {	# build OUT [FLAGS...]
	local o=$1
	shift
	(cd tests/workloads/go && CGO_ENABLED=0 $go build "$@" -o "$o" ./h2server)
}
build "$w/h2server-plain" -pgo=off
build "$w/h2server-pgo" -pgo="$profile"
$go version -m "$w/h2server-pgo" | grep -q -- "-pgo=" || { echo "pgo: the PGO build records no -pgo" >&2; exit 1; }

# run BINARY: requests per second of one server run with the client beside it
run() {
	local port=$((20000 + RANDOM % 20000)) s t
	rm -f "$w/ready"
	taskset -c 0 "$1" -addr "127.0.0.1:$port" -n "$n" -ready "$w/ready" >"$w/server.out" 2>&1 &
	s=$!
	for _ in $(seq 600); do [ -e "$w/ready" ] || ! kill -0 $s 2>/dev/null && break; sleep 0.1; done
	taskset -c 1 timeout 300 build/go/h2client -addr "127.0.0.1:$port" -n "$n" -inflight 10 \
		>"$w/client.out" 2>&1 || { kill $s 2>/dev/null; wait $s 2>/dev/null; return 1; }
	wait $s
	t=$(sed -n 's/^h2client: .* in \([0-9.]*\)s,.*/\1/p' "$w/client.out")
	[ -n "$t" ] && awk -v n="$n" -v t="$t" 'BEGIN { printf "%.1f\n", n / t }'
}

make -s go-workloads >&2
host_mark
: >"$w/pairs"
for i in $(seq "$pairs"); do
	# the order alternates, so that a drift of the host favours neither build
	if [ $((i % 2)) -eq 1 ]; then
		a=$(run "$w/h2server-plain") && b=$(run "$w/h2server-pgo")
	else
		b=$(run "$w/h2server-pgo") && a=$(run "$w/h2server-plain")
	fi || { echo "pgo: pair $i failed (see $w/client.out)" >&2; exit 1; }
	echo "$a $b" | tee -a "$w/pairs" | awk -v i="$i" '{ printf "pgo: pair %d: plain %s req/s, pgo %s req/s\n", i, $1, $2 }' >&2
done
{
	echo "causal PGO benchmark: h2server built by $($go version | cut -d' ' -f3) without and with -pgo= its causalctl profile ($(basename "$profile")), $pairs interleaved pairs of $n requests on this host"
	awk '{ a += $1; aa += $1 * $1; b += $2; bb += $2 * $2; r = $2 / $1; s += r; ss += r * r; k++ }
	END {
		ma = a / k; mb = b / k; mr = s / k
		sea = k > 1 ? sqrt((aa - k * ma * ma) / (k - 1) / k) : 0
		seb = k > 1 ? sqrt((bb - k * mb * mb) / (k - 1) / k) : 0
		ser = k > 1 ? sqrt((ss - k * mr * mr) / (k - 1) / k) : 0
		printf "plain: %.0f ± %.0f req/s\npgo:   %.0f ± %.0f req/s\nratio pgo/plain (per pair): %.3f ± %.3f (standard error over %d pairs)\n", ma, sea, mb, seb, mr, ser, k
	}' "$w/pairs"
	host_line
} | tee "$out/table-pgo.txt"
