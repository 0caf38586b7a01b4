#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of make bench-generated (tests/bench/generated.sh): for every marked line of every
generated program, the program speedup causalctl predicts at a 30 % line speedup against the one
measured with the line's loop cut to 70 %, both with their standard errors.

    generated_table.py GENDIR GUEST_OUT

Actual: per round, 1 - wall(variant) / wall(base) of that round's base run; mean and standard
error over rounds. Predicted: the report's program speedup at 30 % (--fixed-line, speedups 0 and
30 %) and its standard error. A line is "critical" when its actual effect is more than 2 standard
errors above 0, else "non-critical" (within noise of 0, or below). A false positive is a
non-critical line predicted more than 2 standard errors above 0. Covered: |predicted - actual|
within 2 combined standard errors.
"""
import json
import math
import sys


def mean_se(xs):
    if not xs:
        return float("nan"), float("nan")
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, float("nan")
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))


def predicted(report):
    """The series' program speedup at 30 % and its standard error, or None."""
    for line in report.get("lines", []):
        for series in line.get("series", []):
            for pt in series.get("points", []):
                if abs(pt["speedup"] - 0.30) < 1e-6 and pt["used"] and pt["progress_speedup"] is not None:
                    se = pt["progress_speedup_se"]
                    return pt["progress_speedup"], se if se is not None else float("nan")
    return None


def main():
    gendir, guest = sys.argv[1], sys.argv[2]
    rounds = {}        # seed -> list of {variant: wall}
    preds = {}         # (seed, label) -> (y, se) or None
    order = []
    with open(guest, errors="replace") as f:
        for raw in f:
            w = raw.rstrip("\n").split(" ", 4)
            if w[:2] == ["BG", "act"] and len(w) == 5 and w[4].isdigit():
                seed, variant, wall = w[2], w[3], int(w[4])
                rs = rounds.setdefault(seed, [])
                if not rs or variant in rs[-1]:
                    rs.append({})
                rs[-1][variant] = wall
            elif w[0] == "BGJSON" and len(w) >= 4:
                seed, label = w[1], w[2]
                try:
                    preds[(seed, label)] = predicted(json.loads(" ".join(w[3:])))
                except ValueError:
                    preds[(seed, label)] = None
                order.append((seed, label))
    rows = []
    print("%-6s %-7s %-5s %-32s %16s %16s %8s  %s" % ("seed", "shape", "line", "role", "actual %",
                                                       "predicted %", "error", "class"))
    for seed, label in order:
        with open("%s/gen-%s.json" % (gendir, seed)) as f:
            man = json.load(f)
        role = next((l["role"] for l in man["lines"] if l["label"] == label), "?")
        act = [1 - r[label] / r["base"] for r in rounds.get(seed, []) if label in r and "base" in r and r["base"]]
        a, ase = mean_se(act)
        p = preds.get((seed, label))
        if p is None or math.isnan(a):
            print("%-6s %-7s %-5s %-32s %16s %16s %8s  %s" % (seed, man["shape"], label, role[:32],
                  "%.1f" % (100 * a) if not math.isnan(a) else "-", "-", "-", "no prediction"))
            continue
        y, yse = p
        critical = not math.isnan(ase) and a > 2 * ase
        fp = not critical and not math.isnan(yse) and y > 2 * yse
        comb = math.sqrt((ase if not math.isnan(ase) else 0) ** 2 + (yse if not math.isnan(yse) else 0) ** 2)
        covered = abs(y - a) <= 2 * comb if comb > 0 else False
        rows.append((critical, abs(y - a), fp, covered))
        print("%-6s %-7s %-5s %-32s %8.1f +-%5.1f %8.1f +-%5.1f %+8.1f  %s%s%s" % (
            seed, man["shape"], label, role[:32], 100 * a, 100 * ase, 100 * y, 100 * yse, 100 * (y - a),
            "critical" if critical else "non-critical", ", FALSE POSITIVE" if fp else "",
            "" if covered else ", outside 2 SE"))
    if not rows:
        print("no line with both an actual and a predicted effect")
        return
    for name, sel in (("all", rows), ("critical", [r for r in rows if r[0]]),
                      ("non-critical", [r for r in rows if not r[0]])):
        if sel:
            print("%s lines: %d, mean |error| %.1f pp" % (name, len(sel), 100 * sum(r[1] for r in sel) / len(sel)))
    nc = [r for r in rows if not r[0]]
    if nc:
        print("false positives: %d of %d non-critical lines (%.0f %%)" % (
            sum(r[2] for r in nc), len(nc), 100.0 * sum(r[2] for r in nc) / len(nc)))
    print("actual within the predicted +-2 SE (combined): %d of %d lines (%.0f %%)" % (
        sum(r[3] for r in rows), len(rows), 100.0 * sum(r[3] for r in rows) / len(rows)))
    print("(Coz is not run on these programs yet: no side-by-side column)")


if __name__ == "__main__":
    main()
