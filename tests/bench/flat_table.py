#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of make bench-flat (tests/bench/generated.sh --flat): per flat-profile program and
policy, in how many profiles the stop rule of --until-settled held and how many experiment-seconds
it took (median over the profiles where it held), and in how many the line ranked first at the
end was the program's dominant line (the one a 30 % cut helps most: it is 27-40 % of the unit of
work, each other line at most a third of it). A profile where the rule never held counts its
whole experiment time in the mean, marked with >.

    flat_table.py GENDIR GUEST_OUT
"""
import json
import statistics
import sys


def main():
    gendir, guest = sys.argv[1], sys.argv[2]
    runs = {}
    for line in open(guest, errors="replace"):
        f = line.split()
        if len(f) < 5 or f[0] != "FLAT":
            if line.startswith("#"):
                print(line.rstrip())
            continue
        seed, pol = f[1], f[2]
        kv = dict(x.split("=", 1) for x in f[4:] if "=" in x)
        runs.setdefault((seed, pol), []).append(kv)
    seeds = sorted({s for s, _ in runs}, key=int)
    if not seeds:
        print("flat: no result in %s" % guest)
        return 1
    print("| program | lines sampled | policy | settled | time to settle, s (median) | "
          "mean with unsettled, s | right line first |")
    print("|---|---|---|---|---|---|---|")
    totals = {}
    for s in seeds:
        man = json.load(open("%s/flat-%s.json" % (gendir, s)))
        dom = "flat-%s.c:%d" % (s, man["lines"][0]["line"])
        for pol in ("adaptive", "samples"):
            rs = runs.get((s, pol), [])
            held = [float(r["exp_s"]) for r in rs if r.get("held", "never") != "never"]
            every = [float(r.get("exp_s", "nan")) for r in rs]
            right = sum(1 for r in rs if r.get("leader") == dom)
            lines = "/".join(r.get("lines", "?") for r in rs)
            med = "%.1f" % statistics.median(held) if held else "never"
            mean = ("%s%.1f" % (">" if len(held) < len(rs) else "", statistics.mean(every))
                    if rs else "-")
            print("| flat-%s | %s | %s | %d of %d | %s | %s | %d of %d |"
                  % (s, lines, pol, len(held), len(rs), med, mean, right, len(rs)))
            t = totals.setdefault(pol, [0, 0, [], 0])
            t[0] += len(held)
            t[1] += len(rs)
            t[2] += every
            t[3] += right
    print()
    for pol, (h, n, every, right) in sorted(totals.items()):
        print("%s: settled in %d of %d profiles, mean time counting unsettled ones at their end "
              "%.1f s, right line first in %d" % (pol, h, n, statistics.mean(every) if every else 0, right))
    return 0


if __name__ == "__main__":
    sys.exit(main())
