#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Results of a host-side test script, one PASS:/FAIL: line each, the lines make check counts
# (tests/check.sh's counted); sourced by the script after it has found the project's top:
#   pass TEXT...     a check that passed
#   fail TEXT...     a check that failed
#   summary NAME     "NAME: N passed, N failed"; its status is 1 if any failed (a script's last line)
# (The in-guest scripts print KTAP instead: tests/vm/ktap.sh.)
npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "PASS: $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $*"; }
summary() { echo "$1: $npass passed, $nfail failed"; [ "$nfail" -eq 0 ]; }
