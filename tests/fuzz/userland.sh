#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fuzzes causalctl's readers of untrusted files on the host, as KTAP on stdout:
#   1. elf_fixtures: truncated and corrupt ELF/DWARF files, made from a small -g binary, through
#      probe_resolve() (ASan, UBSan): a location or an error with a message, never a crash;
#   2. profile_fuzz: libFuzzer on the profile parser, the report analysis and every output format
#      of `causalctl report` (--pprof too), from a seed corpus of valid profiles (JSON Lines and
#      legacy, with callchain records);
#   3. elf_fuzz: libFuzzer on probe_resolve() from that binary;
#   4. gopclntab_fuzz: libFuzzer on the reader of Go's line table (stripped Go binaries), from the
#      .gopclntab of a small program built with the newest Go (tests/go/toolchain.sh).
# Both libFuzzer runs are built with clang (-fsanitize=fuzzer,address,undefined); a crash leaves
# its input in build/fuzz/artifacts/ (reproduce: build/fuzz/<target> <file>).
#   userland.sh [SECONDS]     time per libFuzzer target (default 30)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
out=$top/build/fuzz
src=$top/userland/src/causalctl
mkdir -p "$out/artifacts" "$out/corpus-profile" "$out/corpus-elf" "$out/corpus-gopclntab" "$out/obj" \
	"$out/gen"
n=0
fails=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}

echo "KTAP version 1"
echo "1..4"
cc=clang
command -v $cc >/dev/null || cc=clang-14
if ! command -v $cc >/dev/null; then
	echo "# no clang: cannot build the libFuzzer targets (make deps)"
	for t in elf_fixtures profile_fuzz elf_fuzz gopclntab_fuzz; do result 1 "$t"; done
	exit 1
fi
version=$(head -n 1 "$top/VERSION")
# the defines userland/Makefile gives causalctl's sources
cflags=(-std=gnu11 -D_GNU_SOURCE -DCAUSAL_VERSION="\"$version\""
	-DCAUSAL_LIBCAUSAL_SONAME="\"libcausal.so.${version%%.*}\""
	-DCAUSAL_MULTIARCH="\"$($cc -print-multiarch 2>/dev/null)\"" -O1 -g
	-fno-omit-frame-pointer -I"$src" -I"$top/uapi" -I"$top/userland/include"
	-I"$top/userland/libcausal" -I"$out/gen" -w)
libs=(-ldw -lelf -ljansson -lprotobuf-c -lz -lm)

# report --pprof's C, from pprof's schema, as the Makefile makes it
proto=$top/userland/proto/profile.proto
if [ ! -f "$out/gen/profile.pb-c.c" ] || [ "$proto" -nt "$out/gen/profile.pb-c.c" ]; then
	protoc-c -I"$(dirname "$proto")" --c_out="$out/gen" "$proto" || { echo "# protoc-c failed (make deps)"; exit 1; }
fi
# causalctl's sources but main.c, once with the fuzzer's coverage, once for a plain ASan program
# (an object older than its source or than any header is rebuilt: a struct that changed in a
# header would otherwise be read at old offsets)
build_lib() {
	local kind=$1 flags=$2 objs=() h
	h=$(ls -t "$src"/*.h "$out"/gen/*.h "$top"/uapi/linux/*.h "$top"/userland/include/*.h | head -n 1)
	for f in "$src"/*.c "$out/gen/profile.pb-c.c"; do
		[ "$(basename "$f")" = main.c ] && continue
		local o=$out/obj/$kind-$(basename "${f%.c}").o
		if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ "$h" -nt "$o" ]; then
			$cc "${cflags[@]}" $flags -c -o "$o" "$f" || return 1
		fi
		objs+=("$o")
	done
	echo "${objs[@]}"
}
# every UBSan check on, nonnull included (report.c no longer calls qsort on an empty array)
nonnull=
fz="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined $nonnull"
as="-fsanitize=address,undefined -fno-sanitize-recover=all $nonnull"
if ! fobjs=$(build_lib fuzz "$fz") || ! aobjs=$(build_lib asan "$as") ||
	! $cc "${cflags[@]}" -fsanitize=fuzzer,address,undefined $nonnull -o "$out/profile_fuzz" \
		"$top/tests/fuzz/profile_fuzz.c" $fobjs "${libs[@]}" ||
	! $cc "${cflags[@]}" -fsanitize=fuzzer,address,undefined $nonnull -o "$out/elf_fuzz" \
		"$top/tests/fuzz/elf_fuzz.c" $fobjs "${libs[@]}" ||
	! $cc "${cflags[@]}" -fsanitize=fuzzer,address,undefined $nonnull -o "$out/gopclntab_fuzz" \
		"$top/tests/fuzz/gopclntab_fuzz.c" $fobjs "${libs[@]}" ||
	! $cc "${cflags[@]}" $as -o "$out/elf_fixtures" "$top/tests/fuzz/elf_fixtures.c" $aobjs \
		"${libs[@]}"; then
	echo "# cannot build the fuzz targets with $cc"
	for t in elf_fixtures profile_fuzz elf_fuzz gopclntab_fuzz; do result 1 "$t"; done
	exit 1
fi

# the ELF seed: a small program with DWARF, and its line of interest
cat >"$out/join.c" <<'EOC'
#include <stdio.h>
static int work(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += i * i;	/* line 7 */
	return s;
}
int main(int argc, char **argv)
{
	(void)argv;
	printf("%d\n", work(argc * 1000));
	return 0;
}
EOC
gcc -g -O1 -o "$out/corpus-elf/join" "$out/join.c"
gcc -g -O1 -static -o "$out/corpus-elf-static" "$out/join.c" 2>/dev/null
# the first byte of an elf_fuzz input picks the spec: 0 "main", 4 "join.c:30"...
printf '\000' | cat - "$out/corpus-elf/join" >"$out/corpus-elf/join-main"
printf '\004' | cat - "$out/corpus-elf/join" >"$out/corpus-elf/join-line"
rm -f "$out/corpus-elf/join"

fx=$("$out/elf_fixtures" "$out/corpus-elf-static" main join.c:7 work nosuchsymbol 0x1000 2>&1)
rc=$?
echo "$fx" | grep '^#' | tail -n 12
result $rc "elf_fixtures (probe_resolve on truncated and corrupt ELF and DWARF)"

# the profile seeds: what causalctl writes, in both formats
p=$out/corpus-profile
printf '\000{"type":"startup","time":1427223983237973526,"tool":"causal","version":"0.1.0","thread_model":"task","event":"cpu-clock","period_ns":1000000,"command":"./join","kernel":"6.1.0"}\n{"type":"experiment","selected":"join.c:30","speedup":0.35,"duration":500214432,"selected_samples":12}\n{"type":"throughput","name":"join.c:73","delta":120}\n{"type":"experiment","selected":"join.c:30","speedup":0,"duration":500000000,"selected_samples":10}\n{"type":"throughput","name":"join.c:73","delta":100}\n{"type":"latency","name":"req","arrivals":10,"departures":9,"difference":1000}\n{"type":"samples","location":"join.c:30","count":55}\n{"type":"runtime","time":3000000000}\n{"type":"object","id":1,"path":"/w/join","build_id":"a1b2","start":4096,"end":8192}\n{"type":"function","id":1,"name":"main","file":"/w/join.c","start_line":20}\n{"type":"function","id":2,"name":"work","system_name":"_Z4workv","file":"/w/join.h","start_line":2}\n{"type":"frame","id":1,"object":1,"address":4200,"lines":[[2,7],[1,30]]}\n{"type":"frame","id":2,"object":0,"address":57005,"lines":[]}\n{"type":"stack","count":40,"line":"join.c:30","frames":[1,2]}\n{"type":"stack","count":15,"frames":[2]}\n' >"$p/jsonl"
printf '\001startup\ttime=1427223983237973526\nexperiment\tselected=sqlite3.c:123263\tspeedup=0.55\tduration=500214432\tselected-samples=0\nthroughput-point\tname=main.c:73\tdelta=150\nexperiment\tselected=sqlite3.c:123263\tspeedup=0.00\tduration=500214432\tselected-samples=3\nthroughput-point\tname=main.c:73\tdelta=100\nlatency-point\tname=q\tarrivals=5\tdepartures=4\tdifference=17\nsamples\tlocation=a.c:1\tcount=3\nruntime\ttime=1000\nobject\tid=3\tpath=/w/a\tbuild-id=ff\tstart=0\tend=100\nfunction\tid=2\tname=f\tfile=/w/a.c\tstart-line=1\nframe\tid=9\tobject=3\taddress=50\tlines=2:3,2:4\nstack\tcount=3\tline=a.c:1\tframes=9,9\n' >"$p/legacy"
for s in 0 5 10 15 20 25 30 35 40 45 50; do
	for r in 1 2 3; do
		printf '{"type":"experiment","selected":"a.c:%d","speedup":%s,"duration":%d,"selected_samples":%d}\n{"type":"throughput","name":"p","delta":%d}\n' \
			$((r % 2 + 1)) "0.$(printf %02d $s)" $((500000000 + r * 1000)) $((s + r)) $((100 + s * r))
	done
done | { printf '\202'; cat; } >"$p/many"

run_fuzzer() {
	local name=$1 corpus=$2 log=$out/$1.log
	"$out/$name" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name-" "$corpus" >"$log" 2>&1
	local rc=$?
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | sed 's/^/# /'
	grep -E 'ERROR: |SUMMARY: |^artifact_prefix|Test unit written' "$log" | head -n 5 | sed 's/^/# /'
	result $rc "$name (${secs}s, log in build/fuzz/$name.log)"
}
run_fuzzer profile_fuzz "$p"
run_fuzzer elf_fuzz "$out/corpus-elf"
# the Go line table seed: a small program's, built stripped as production binaries are
mkdir -p "$out/go-seed"
printf 'module seed\n\ngo 1.19\n' >"$out/go-seed/go.mod"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("seed") }\n' >"$out/go-seed/main.go"
if goroot=$("$top/tests/go/toolchain.sh" newest) &&
	(cd "$out/go-seed" && GOCACHE=$out/go-cache GOPATH=$out/go-path GOTOOLCHAIN=local GOPROXY=off \
		CGO_ENABLED=0 "$goroot/bin/go" build -ldflags='-s -w' -o seed .) &&
	objcopy -O binary --only-section=.gopclntab "$out/go-seed/seed" "$out/corpus-gopclntab/seed" &&
	[ -s "$out/corpus-gopclntab/seed" ]; then
	run_fuzzer gopclntab_fuzz "$out/corpus-gopclntab"
else
	result 1 "gopclntab_fuzz (no seed: cannot build a Go program with tests/go/toolchain.sh newest)"
fi
echo "# userland fuzz: $fails of $n failed"
[ $fails -eq 0 ]
