#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `causalctl report --pprof` read by real consumers, on the host, from the HTTP/2 server's profile
# that tests/vm/go.sh made in the VM (its "# pprof-b64 " lines: the profile, FILE.stacks, the
# guest's pprof profile and causalctl's output): go tool pprof -top and -raw read both pprof
# profiles (the guest's and one this host's causalctl writes) and their totals are the samples
# causalctl counted and the stack records add up to; the locations have Go's functions, inlined
# frames and the server's build ID; and `go build -pgo=` accepts the profile for the server and
# finds hot call sites in it (the compiler's pgodebug output). Prints PASS:/FAIL: lines.
#   pprof.sh GUEST_OUT [DIR]    DIR: where the files go (default build/check/pprof)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
guest=${1:?usage: pprof.sh GUEST_OUT [DIR]}
w=$(realpath -m "${2:-$top/build/check/pprof}")
# shellcheck source=tests/lib/pass-fail.sh
. "$top/tests/lib/pass-fail.sh"
end() { summary pprof; exit; }

rm -rf "$w"
mkdir -p "$w"
if ! sed -n 's/^# pprof-b64 //p' "$guest" | base64 -d | tar -xzf - -C "$w" ||
	[ ! -s "$w/h2-task.coz.stacks" ]; then
	fail "the VM's profile, FILE.stacks and pprof profile came back (# pprof-b64 lines of $guest)"
	end
fi
pass "the VM's profile, FILE.stacks and pprof profile came back"

if ! goroot=$(tests/go/toolchain.sh newest); then
	fail "a Go toolchain (tests/go/toolchain.sh newest)"
	end
fi
go=$goroot/bin/go
export GOCACHE=$top/build/go/cache GOPATH=$top/build/go/path GOFLAGS=-mod=mod GOTOOLCHAIN=local \
	GO111MODULE=on GOPROXY=off
echo "# $($go version)"

# what causalctl counted in the VM, and what the stack records add up to
samples=$(sed -n 's/^causal: .* experiments in .* s, \([0-9]*\) samples (.*/\1/p' "$w/h2-task.out")
stacked=$(awk -F'"count":' '/"type":"stack"/ { split($2, a, ","); s += a[1] } END { print s + 0 }' \
	"$w/h2-task.coz.stacks")
echo "# causalctl counted $samples samples; the stack records add up to $stacked"

# the host's causalctl writes its own from the same files
if userland/causalctl report --min-points 1 -n 3 --pprof "$w/host.pb.gz" "$w/h2-task.coz" \
	>"$w/report.out" 2>&1; then
	pass "causalctl report --pprof on the host"
else
	sed 's/^/  | /' "$w/report.out"
	fail "causalctl report --pprof on the host"
fi

for pb in h2-task.pb.gz host.pb.gz; do
	raw=$w/${pb%.pb.gz}.raw
	topf=$w/${pb%.pb.gz}.top
	if ! $go tool pprof -raw "$w/$pb" >"$raw" 2>"$raw.err" ||
		! $go tool pprof -top -sample_index=samples -nodecount=15 "$w/$pb" >"$topf" 2>"$topf.err"; then
		cat "$raw.err" "$topf.err" | sed 's/^/  | /'
		fail "go tool pprof -raw and -top read $pb"
		continue
	fi
	pass "go tool pprof -raw and -top read $pb"
	sed 's/^/  /' "$topf"
	# -raw: each sample "COUNT NANOSECONDS: LOCATIONS", between "Samples:" and "Locations"
	raw_total=$(awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		on && $2 ~ /:$/ { s += $1 } END { print s + 0 }' "$raw")
	raw_ns=$(awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		on && $2 ~ /:$/ { sub(/:$/, "", $2); s += $2 } END { printf "%.0f", s }' "$raw")
	period=$(sed -n 's/^Period: //p' "$raw")
	# -top: "Showing nodes accounting for X, P% of TOTAL total"
	top_total=$(sed -n 's/^Showing nodes accounting for .*, [0-9.]*% of \([0-9]*\) total$/\1/p' "$topf")
	echo "# $pb: -raw $raw_total samples ($raw_ns ns at $period ns), -top $top_total total"
	if [ -n "$samples" ] && [ "$samples" -gt 0 ] && [ "$raw_total" = "$samples" ] &&
		[ "$top_total" = "$samples" ] && [ "$stacked" = "$samples" ]; then
		pass "$pb: go tool pprof's totals (-raw $raw_total, -top $top_total) are causalctl's samples ($samples)"
	else
		fail "$pb: go tool pprof's totals (-raw $raw_total, -top $top_total) against causalctl's samples ($samples) and the stack records' ($stacked)"
	fi
	[ -n "$period" ] && [ "$raw_ns" = "$((raw_total * period))" ] &&
		pass "$pb: cpu/nanoseconds is samples times the period ($period ns)" ||
		fail "$pb: cpu/nanoseconds ($raw_ns) is not samples ($raw_total) times the period ($period)"
	# Go's functions by their Go names; the server's mapping with its build ID, symbolised
	grep -q ' main\.handle ' "$raw" && grep -q ' runtime\.' "$raw" &&
		grep -Eq '^[0-9]+: 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ .*/h2server [0-9a-f]{16,} \[FN\]\[FL\]\[LN\]\[IN\]' "$raw" &&
		pass "$pb: Go's functions (main.handle, runtime.*) and the server's mapping with its build ID" ||
		fail "$pb: no main.handle, runtime.* or the server's mapping with a build ID in -raw"
	# an inlined frame: a location with a second line, indented, under it
	awk '/^Locations/ { on = 1; next } /^Mappings/ { on = 0 }
		on && /^ +[0-9]+: 0x/ { prev = 1; next } on && prev && /^        +[^ ]/ { found = 1 }
		{ prev = 0 } END { exit !found }' "$raw" &&
		pass "$pb: locations with inlined frames" || fail "$pb: no location with an inlined frame"
	# the causal results: a labelled sample, and the ranking in the comments
	grep -q 'causal_line:\[' "$raw" && $go tool pprof -comments "$w/$pb" 2>/dev/null | grep -q '^causal ' &&
		pass "$pb: samples labelled with their causal_line, and the causal comments" ||
		fail "$pb: no causal_line label or causal comment"
done

# go build -pgo: the server from the same source, with the profile; the compiler's pgodebug output
# names the hot call sites it found in the profile, so the names and lines matched Go's
pgo=$w/h2server-pgo
if (cd tests/workloads/go && CGO_ENABLED=0 $go build -pgo="$w/host.pb.gz" \
	-gcflags=-d=pgodebug=1 -o "$pgo" ./h2server) >"$w/pgo.log" 2>&1; then
	pass "go build -pgo=host.pb.gz accepts the profile for the HTTP/2 server"
	# "hot-node enabled ... for func=F", "hot-budget check allows inlining for call F ... in function G"
	hot=$(grep -c '^hot-node enabled\|^hot-budget check allows inlining' "$w/pgo.log")
	grep -m 6 '^hot-' "$w/pgo.log" | sed 's/^/  /'
	[ "$hot" -gt 0 ] && $go version -m "$pgo" | grep -q -- '-pgo=' &&
		pass "the PGO build found $hot hot functions and call sites in the profile, and records -pgo" ||
		fail "the PGO build found no hot call site or node in the profile (see $w/pgo.log)"
else
	sed 's/^/  | /' "$w/pgo.log" | tail -n 20
	fail "go build -pgo=host.pb.gz for the HTTP/2 server"
fi
end
