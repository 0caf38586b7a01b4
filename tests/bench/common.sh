#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the bench scripts that run one guest script on one kernel (go-run.sh, go-cgoinit.sh,
# workloads-run.sh, generated.sh, pgo.sh) once they have found top; it sets the defaults they share,
# out (build/bench, or $CAUSAL_BENCH_OUT) and kernel (6.1), and has:
#   bench_options NAME HELP ARG...   the options they share: -o|--out OUTDIR, -k|--kernel KERNEL,
#                                    -t|--timeout SECONDS, -h|--help (prints lines HELP, "3,12",
#                                    of the script's header), "--" ending them; any other argument
#                                    goes to the script's bench_option ARG... if it has one, which
#                                    sets bench_took to how many it used (0: not its own). An
#                                    unknown option is an error (exit 2); what is left from the
#                                    first other word on is in bench_args.
#   bench_setup [MAKE TARGET...]     OUTDIR made and absolute, the current folder top, userland
#                                    and the make targets built
#   bench_module                     the module built for $kernel into kmod=$out/kmod/$kernel
#   bench_vm LOG ARG...              one VM run on $kernel with $kmod, -t $timeout, logs in LOG,
#                                    ARG... to tests/vm/run (host_mark before it); sets vrc (its
#                                    exit status), secs (how long it took) and guest (its output)
#   bench_table NAME TITLE TABLE END CMD...
#                                    TITLE, CMD's table of $guest and host_line, into TABLE and on
#                                    stdout; exits 1 when the guest printed nothing, or when the run
#                                    failed or its output lacks the line END that closes it
#   bench_coz NAME                   the -a arguments that bring Coz into the guest (libcoz.so and
#                                    tests/bench/coz-guest.sh, which the guest script sources) added
#                                    to the script's adds, or a note that there are no Coz columns;
#                                    coz_dbg is the compiler's debug options of the copies Coz runs
# (top is the script's; bench_args, kmod, vrc, secs and guest are for it)
# shellcheck disable=SC2154,SC2034 source=tests/bench/host-state.sh
. "$top/tests/bench/host-state.sh"
out=${CAUSAL_BENCH_OUT:-$top/build/bench}
kernel=6.1
# Coz's copies of the programs: Debian's Coz (0.2.2, libelfin) cannot read DWARF 5, GCC's default
# ("unknown compilation unit version 5"), nor the location views GCC adds to DWARF 4 (it then drops
# the line table: "DW_FORM_sec_offset not expected", and --fixed-line is "not found")
coz_dbg=(-gdwarf-4 -gno-variable-location-views)
libcoz=/usr/lib/coz-profiler/libcoz.so

bench_options() {
	local name=$1 help=$2
	shift 2
	while [ $# -gt 0 ]; do
		case "$1" in
		-o|--out) out=$2; shift 2 ;;
		-k|--kernel) kernel=$2; shift 2 ;;
		-t|--timeout) timeout=$2; shift 2 ;;
		-h|--help) sed -n "${help}s/^# \{0,1\}//p" "$0"; exit 0 ;;
		--) shift; break ;;
		*)
			bench_took=0
			if declare -F bench_option >/dev/null; then bench_option "$@"; fi
			if [ "$bench_took" -gt 0 ]; then
				shift "$bench_took"
				continue
			fi
			case "$1" in -*) echo "$name: unknown option '$1'" >&2; exit 2 ;; esac
			break ;;
		esac
	done
	bench_args=("$@")
}

bench_setup() {
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	cd "$top" || exit 1
	make -s userland "$@" >&2
}

bench_module() {
	kmod=$out/kmod/$kernel
	scripts/build-module.sh "$kernel" "$kmod" >&2
}

bench_vm() {
	local log=$1
	shift
	rm -rf "$log"
	host_mark
	local t0
	t0=$(date +%s)
	vrc=0
	tests/vm/run -k "$kernel" -m "$kmod" -q -t "$timeout" -l "$log" "$@" || vrc=$?
	secs=$(($(date +%s) - t0))
	guest=$log/guest.out
}

bench_table() {
	local name=$1 title=$2 table=$3 end=$4
	shift 4
	if [ ! -s "$guest" ]; then
		echo "$name: no guest output (VM exit $vrc); logs in ${guest%/*}" >&2
		exit 1
	fi
	{
		echo "$title"
		"$@"
		host_line
	} | tee "$table"
	if [ "$vrc" -ne 0 ] || ! grep -q "^$end" "$guest"; then
		echo "$name: the VM run failed or did not finish (exit $vrc); logs in ${guest%/*}" >&2
		exit 1
	fi
}

bench_coz() {
	if [ -f "$libcoz" ]; then
		adds+=(-a "$libcoz" -a "$top/tests/bench/coz-guest.sh")
	else
		echo "$1: $libcoz not found (Debian's coz-profiler): no Coz columns" >&2
	fi
}
