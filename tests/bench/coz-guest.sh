#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Sourced in the guest by the bench scripts that run Coz beside causalctl (tests/bench/workloads.sh,
# tests/bench/generated-guest.sh), from /bin, where bench_coz (tests/bench/common.sh) puts it
# beside Debian's libcoz.so:
#   coz_exec SECONDS PROFILE CMD...
#       CMD under Coz, killed after SECONDS (and 10 more): libcoz preloaded the way `coz run` does
#       it (coz is a Python script and the guest has no Python), its profile appended to PROFILE,
#       the main binary and all its source files in scope, no progress point but the program's
#       own (causal.h's and coz.h's macros find libcoz's counters), and the settings in $cozenv
#       (COZ_FIXED_LINE=FILE:LINE COZ_FIXED_SPEEDUP=PCT: one line at one speedup per run, Coz has
#       no list). CMD is a copy built with coz_dbg (tests/bench/common.sh): Debian's Coz (0.2.2,
#       libelfin) aborts on DWARF 5 ("unknown compilation unit version 5"). Its exit status is
#       CMD's (124 when killed).
coz_exec() {
	ce_secs=$1
	ce_prof=$2
	shift 2
	# shellcheck disable=SC2086,SC2154
	timeout -k 10 "$ce_secs" env LD_PRELOAD=/bin/libcoz.so COZ_OUTPUT="$ce_prof" COZ_BINARY_SCOPE=MAIN \
		COZ_SOURCE_SCOPE=% COZ_PROGRESS_POINTS= $cozenv "$@"
}
