#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of make bench-generated (tests/bench/generated.sh): for every marked line of every
generated program, the program speedup causalctl predicts at a 30 % line speedup and the one Coz
predicts, side by side, against the one measured with the line's loop cut to 70 %, all with their
standard errors.

    generated_table.py GENDIR GUEST_OUT

Actual: per round, 1 - wall(variant) / wall(base) of that round's base run; mean and standard
error over rounds. Predicted: the report's program speedup at 30 % (--fixed-line, speedups 0 and
30 %) and its standard error; Coz's the same from the report of Coz's profile (COZ_FIXED_LINE,
COZ_FIXED_SPEEDUP 0 and 30 in separate runs). A line is "critical" when its actual effect is more
than 2 standard errors above 0, else "non-critical" (within noise of 0, or below). A false positive
is a non-critical line predicted more than 2 standard errors above 0. Covered: |predicted - actual|
within 2 combined standard errors. Error: predicted - actual, in percentage points. Where Coz gave
no prediction the Coz column says why: not run (no Coz in the guest), no profile, report failed,
what the report dropped, or fork (a line of the fork shape Coz caught no sample of: Coz does not
follow fork, so it never sees the forked workers run; whatever its report says of such a line is
not a prediction). Coz's summaries are over the lines it predicted.
"""
import json
import math
import sys

from workloads_table import kv, prediction, report_se


def mean_se(xs):
    if not xs:
        return float("nan"), float("nan")
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, float("nan")
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))


def predicted(report, file, line):
    """FILE:LINE's program speedup at 30 % in a fixed-line report and its standard error (nan if
    none), or (None, why not)"""
    y, why, _ = prediction(report, file, line, 30)
    if y is None:
        return None, why or "no prediction"
    se = report_se(report, file, line, 30)
    return y, se if se is not None else float("nan")


def judged(a, ase, y, yse, critical):
    """(|error|, false positive, covered) of a prediction y +- yse of the actual effect a +- ase"""
    fp = not critical and not math.isnan(yse) and y > 2 * yse
    comb = math.sqrt((ase if not math.isnan(ase) else 0) ** 2 + (yse if not math.isnan(yse) else 0) ** 2)
    return abs(y - a), fp, abs(y - a) <= 2 * comb if comb > 0 else False


def parse(guest):
    """From the guest's output: the rounds of the actual timing per seed ([{variant: wall}]), the
    reports per (seed, label) of causalctl and of Coz (a dict, {'error': ...} where it was no JSON),
    Coz's run summary per (seed, label) (the BGCOZ line's key=value), and the (seed, label) in
    the order causalctl's reports came"""
    rounds, reps, coz, cozruns, order = {}, {}, {}, {}, []
    with open(guest, errors="replace") as f:
        for raw in f:
            w = raw.rstrip("\n").split(" ", 4)
            if w[:2] == ["BG", "act"] and len(w) == 5 and w[4].isdigit():
                seed, variant, wall = w[2], w[3], int(w[4])
                rs = rounds.setdefault(seed, [])
                if not rs or variant in rs[-1]:
                    rs.append({})
                rs[-1][variant] = wall
            elif w[0] in ("BGJSON", "BGCOZJSON") and len(w) >= 4:
                try:
                    rep = json.loads(" ".join(w[3:]))
                except ValueError:
                    rep = {"error": " ".join(w[3:])[:200]}
                (reps if w[0] == "BGJSON" else coz)[(w[1], w[2])] = rep
                if w[0] == "BGJSON":
                    order.append((w[1], w[2]))
            elif w[0] == "BGCOZ" and len(w) >= 3:
                cozruns[(w[1], w[2])] = kv(" ".join(w[3:]))
    return rounds, reps, coz, cozruns, order


def share(k, n, what=""):
    return "%d of %d%s (%.0f %%)" % (k, n, what, 100.0 * k / n)


def main():
    gendir, guest = sys.argv[1], sys.argv[2]
    rounds, reps, coz, cozruns, order = parse(guest)
    rows = []          # per line with an actual effect: (critical, causal's judged or None, Coz's or None)
    coz_missing = []   # (seed, label, why) where Coz gave no prediction
    fmt = "%-6s %-7s %-5s %-32s %16s %16s %8s %16s %9s  %s"
    print(fmt % ("seed", "shape", "line", "role", "actual %", "predicted %", "error", "Coz %", "Coz error", "class"))
    for seed, label in order:
        with open("%s/gen-%s.json" % (gendir, seed)) as f:
            man = json.load(f)
        ml = next((l for l in man["lines"] if l["label"] == label), {})
        role, file, line = ml.get("role", "?"), "gen-%s.c" % seed, ml.get("line", 0)
        act = [1 - r[label] / r["base"] for r in rounds.get(seed, []) if label in r and "base" in r and r["base"]]
        a, ase = mean_se(act)
        p = predicted(reps.get((seed, label)), file, line)
        run = cozruns.get((seed, label))
        if (seed, label) not in coz:
            z = None, "not run"
        elif man["shape"] == "fork" and run is not None and run.get("samples") == "0":
            z = None, "fork: 0 samples"
        else:
            z = predicted(coz[(seed, label)], file, line)
        if z[0] is None:
            coz_missing.append((seed, label, z[1]))
        if run and run.get("failed", "0") != "0":
            z_note = ", Coz: %s of %s runs failed" % (run["failed"], run.get("runs", "?"))
        else:
            z_note = ""
        if math.isnan(a):
            print(fmt % (seed, man["shape"], label, role[:32], "-", "-", "-", "-", "-", "no actual effect" + z_note))
            continue
        critical = not math.isnan(ase) and a > 2 * ase
        cj = judged(a, ase, p[0], p[1], critical) if p[0] is not None else None
        zj = judged(a, ase, z[0], z[1], critical) if z[0] is not None else None
        rows.append((critical, cj, zj))
        cls = "critical" if critical else "non-critical"
        if cj is None:
            cls += ", no prediction (%s)" % p[1]
        else:
            cls += (", FALSE POSITIVE" if cj[1] else "") + ("" if cj[2] else ", outside 2 SE")
        if zj is not None:
            cls += (", Coz FALSE POSITIVE" if zj[1] else "") + ("" if zj[2] else ", Coz outside 2 SE")
            if run and run.get("samples") == "0":
                cls += ", Coz: 0 samples of the line"
        print(fmt % (seed, man["shape"], label, role[:32], "%8.1f +-%5.1f" % (100 * a, 100 * ase),
                     "%8.1f +-%5.1f" % (100 * p[0], 100 * p[1]) if p[0] is not None else "-",
                     "%+8.1f" % (100 * (p[0] - a)) if p[0] is not None else "-",
                     "%8.1f +-%5.1f" % (100 * z[0], 100 * z[1]) if z[0] is not None else z[1],
                     "%+9.1f" % (100 * (z[0] - a)) if z[0] is not None else "-", cls + z_note))
    cs = [r for r in rows if r[1] is not None]
    zs = [r for r in rows if r[2] is not None]
    if not cs and not zs:
        print("no line with both an actual and a predicted effect")
    for name, sel in (("all", rows), ("critical", [r for r in rows if r[0]]),
                      ("non-critical", [r for r in rows if not r[0]])):
        c = [r[1][0] for r in sel if r[1] is not None]
        z = [r[2][0] for r in sel if r[2] is not None]
        both = [r for r in sel if r[1] is not None and r[2] is not None]
        if not c and not z:
            continue
        out = "%s lines: %d, mean |error| %.1f pp" % (name, len(c), 100 * sum(c) / len(c)) if c else \
            "%s lines: no prediction" % name
        if z:
            out += "; Coz: %d lines, %.1f pp" % (len(z), 100 * sum(z) / len(z))
            if both and len(both) != len(c):
                out += " (causalctl on the same %d: %.1f pp)" % (len(both), 100 * sum(r[1][0] for r in both) / len(both))
        print(out)
    cnc = [r for r in cs if not r[0]]
    znc = [r for r in zs if not r[0]]
    if cnc or znc:
        print("false positives: " + (share(sum(r[1][1] for r in cnc), len(cnc), " non-critical lines") if cnc else "-")
              + ("; Coz: " + share(sum(r[2][1] for r in znc), len(znc)) if znc else ""))
    if cs or zs:
        print("actual within the predicted +-2 SE (combined): " + (share(sum(r[1][2] for r in cs), len(cs), " lines")
              if cs else "-") + ("; Coz: " + share(sum(r[2][2] for r in zs), len(zs)) if zs else ""))
    if not coz:
        print("(Coz not run: no Coz report in the guest's output; Debian's coz-profiler not on the host?)")
    elif coz_missing:
        print("Coz gave no prediction for %d of %d lines: %s" % (len(coz_missing), len(order), ", ".join(
            "%s %s (%s)" % m for m in coz_missing)))


if __name__ == "__main__":
    main()
