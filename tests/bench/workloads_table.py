#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables of the workload benchmarks from the guest's "BW ..." lines (tests/bench/workloads.sh).

    workloads_table.py [--causalctl PATH] GUEST_OUT

Accuracy: per workload, the marked line, the line speedup its optimized variant really achieves
(median over runs of the cheapest call), causal's and Coz's predicted program speedup at that line
speedup (--fixed-line, from `causalctl report --json`), the actual program speedup (median wall
time of interleaved base/optimized runs), |error| in percentage points, and the rank of the line
in a free-running profile, in the report's default order (from the guest: impact less its
standard error since run 56 of docs/bench-history.md, impact before; the summary names it) and by the weighted
slope (`report --sort slope` on the host, on the same profile). System: runtime under a free-running profile / unprofiled (overhead),
the time to answer (experiment time until the line is ranked first and stays first), and the
thread-scale runs. Prints nothing it did not measure: a missing number says why.
"""
import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

KV = re.compile(r'(\w+)=(\S*)')


def kv(s):
    return dict(KV.findall(s))


def records(path, tag):
    """The lines of a guest's output that start with TAG (BW, BG, CG: the guest script's tag), as
    (kind, the rest, the whole line): 'BW run tool=none ...' is ('run', 'tool=none ...', line)."""
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if line.startswith(tag + ' '):
                kind, _, rest = line[len(tag) + 1:].partition(' ')
                yield kind, rest, line


def parse(path):
    d = {'workloads': [], 'runs': [], 'json': {}, 'prof': {}, 'speedup': {}, 'notes': [], 'errors': [],
         'info': [], 'coz_failed': []}
    for kind, rest, _ in records(path, 'BW'):
        if kind == 'workload':
            d['workloads'].append(kv(rest))
        elif kind == 'run':
            d['runs'].append(kv(rest))
        elif kind == 'line_speedup':
            a = kv(rest)
            d['speedup'][a['name']] = int(a['pct'])
            d.setdefault('timed', {})[a['name']] = a.get('timed_pct')
        elif kind == 'json':
            m = re.match(r'tool=(\S+) kind=(\S+) name=(\S+) (.*)$', rest)
            if m:
                try:
                    d['json'][(m[1], m[2], m[3])] = json.loads(m[4])
                except json.JSONDecodeError:
                    d['json'][(m[1], m[2], m[3])] = {'error': m[4][:200]}
        elif kind == 'prof':
            m = re.match(r'tool=(\S+) name=(\S+) (.*)$', rest)
            if m:
                d['prof'].setdefault((m[1], m[2]), []).append(m[3])
        elif kind == 'info':
            d['info'].append(rest)
        elif kind == 'coz_failed':
            d['coz_failed'].append(rest)
        elif kind == 'error':
            d['errors'].append(rest)
        elif kind in ('credit_exp', 'credit_call'):
            m = re.match(r'name=(\S+) run=(\S+) (.*)$', rest)
            if m:
                c = d.setdefault('credit', {}).setdefault(m[1], {}).setdefault(m[2], {'exp': [], 'calls': []})
                if kind == 'credit_exp':
                    c['exp'].append(json.loads(m[3]))
                else:
                    c['calls'].append(tuple(int(x) for x in m[3].split()))
    return d


def med(xs):
    return statistics.median(xs) if xs else None


def runs(d, **want):
    out = []
    for r in d['runs']:
        if all(r.get(k, '') == v for k, v in want.items()):
            out.append(r)
    return out


def walls(rs):
    return [int(r['wall_ns']) for r in rs if r.get('rc') == '0' and r.get('wall_ns')]


def overhead(d, name, tool):
    """Per round of free-running runs, the tool's wall time over the plain run's of the same round:
    (median, [ratio per round]), or (None, []). Outputs before rounds were tagged count as round 0."""
    def by_round(t):
        out = {}
        for r in runs(d, tool=t, kind='free', name=name):
            w = walls([r])
            if w:
                out.setdefault(r.get('round', '0'), []).append(w[0])
        return out
    plain, prof = by_round('none'), by_round(tool)
    ratios = [med(prof[k]) / med(plain[k]) for k in sorted(prof, key=int) if k in plain]
    return (med(ratios), ratios) if ratios else (None, [])


def find_line(rep, file, line):
    """(rank, entry) of FILE:LINE in a report, or (None, None)"""
    for e in rep.get('lines', []):
        if e['selected'].endswith('/' + file + ':' + str(line)) or e['selected'] == f'{file}:{line}':
            return e['rank'], e
    return None, None


def slope_rank(causalctl, records, file, line):
    """(rank, ranked lines) of FILE:LINE in the whole free-running profile by `report --sort slope`"""
    if not records:
        return None, None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'p.coz')
        with open(path, 'w') as f:
            f.write('\n'.join(records) + '\n')
        res = subprocess.run([causalctl, 'report', '--json', '--sort', 'slope', '--min-points', '3', path],
                             capture_output=True, text=True)
    try:
        rep = json.loads(res.stdout)
    except json.JSONDecodeError:
        return None, None
    return find_line(rep, file, line)[0], rep.get('ranked_lines')


def prediction(rep, file, line, pct):
    """program speedup at line speedup pct from a fixed-line report; (value, why-not, point)"""
    if not rep:
        return None, 'no profile', None
    if 'error' in rep:
        return None, 'report failed', None
    _, e = find_line(rep, file, line)
    if not e:
        dropped = rep.get('dropped', {})
        why = ','.join(f'{k}={v}' for k, v in dropped.items() if v) or 'line not in profile'
        return None, why, None
    best = point_at(e, pct)
    if best is None:
        return None, f'no {pct}% point', None
    return best['progress_speedup'], None, best['point']


def point_at(e, pct):
    """the report's point at line speedup pct of a line entry (a throughput series first), or None"""
    best = None
    for s in e['series']:
        for p in s['points']:
            if round(p['speedup'] * 100) == pct and p['used']:
                # prefer a throughput point; take the first one
                if best is None or (s['kind'] == 'throughput' and best['kind'] != 'throughput'):
                    best = dict(p, kind=s['kind'], point=s['point'])
    return best


def report_se(rep, file, line, pct):
    """the report's own standard error of the prediction at pct (from its noise estimate), or None"""
    _, e = find_line(rep or {}, file, line)
    p = point_at(e, pct) if e else None
    return p.get('progress_speedup_se') if p else None


def time_to_answer(causalctl, records, file, line, legacy):
    """experiments and seconds of experiment time until FILE:LINE is ranked first for good"""
    # split into header + experiments (an experiment record and the point records after it)
    head, exps, cur = [], [], None
    for r in records:
        is_exp = r.startswith('experiment\t') if legacy else '"type":"experiment"' in r
        if is_exp:
            cur = [r]
            exps.append(cur)
        elif cur is None:
            head.append(r)
        elif legacy and r.startswith(('throughput-point', 'latency-point', 'progress-point')) or \
                not legacy and ('-point"' in r or '_point"' in r):
            cur.append(r)
    if not exps:
        return None
    durations = []
    for e in exps:
        m = re.search(r'duration[=":]+(\d+)', e[0])
        durations.append(int(m[1]) if m else 0)
    first = [False] * len(exps)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'p.coz')
        for k in range(1, len(exps) + 1):
            with open(path, 'w') as f:
                f.write('\n'.join(head + [x for e in exps[:k] for x in e]) + '\n')
            res = subprocess.run([causalctl, 'report', '--json', '--min-points', '3', path],
                                 capture_output=True, text=True)
            try:
                rank, _ = find_line(json.loads(res.stdout), file, line)
            except json.JSONDecodeError:
                rank = None
            first[k - 1] = rank == 1
    if not first[-1]:
        return ('never', len(exps), sum(durations) / 1e9)
    k = len(exps)
    while k > 0 and first[k - 1]:
        k -= 1
    return (k + 1, len(exps), sum(durations[:k + 1]) / 1e9)


def stop_rule(causalctl, records, file, line):
    """where `run --until-settled` would have stopped on this profile (`report --settle`):
    (experiment, experiments, seconds of experiment time, whether it stopped on FILE:LINE), or
    ('never', experiments, seconds, None)"""
    if not records:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'p.coz')
        with open(path, 'w') as f:
            f.write('\n'.join(records) + '\n')
        out = subprocess.run([causalctl, 'report', '--settle', path], capture_output=True, text=True).stdout
    m = re.search(r'held after experiment (\d+) of (\d+) \(([\d.]+) s of experiments\): (\S+) led', out)
    if m:
        lead = m[4]
        return (int(m[1]), int(m[2]), float(m[3]),
                lead.endswith('/' + file + ':' + str(line)) or lead == f'{file}:{line}')
    m = re.search(r'never held in (\d+) experiments \(([\d.]+) s', out)
    return ('never', int(m[1]), float(m[2]), None) if m else None


def over_rounds(prof, tool, name, measure):
    """measure(records) on the first round's profile of TOOL and on every round's: (the first
    round's result, the results that exist); each result starts with 'never' or a count and has
    its seconds third"""
    keys = [(tool, name)] + sorted((k for k in prof if k[1] == name and k[0].startswith(tool + '-round')),
                                   key=lambda k: int(k[0].rsplit('round', 1)[1]))
    first, res = None, []
    for k in keys:
        t = measure(prof.get(k, []))
        if k == (tool, name):
            first = t
        if t:
            res.append(t)
    return first, res


def stop_rules(causalctl, prof, tool, name, file, line):
    """the stop rule on the first round's profile of TOOL, and (median seconds, rounds, rounds it
    stopped on the wrong line) over every round's; a round where it never held counts as longest"""
    first, res = over_rounds(prof, tool, name, lambda recs: stop_rule(causalctl, recs, file, line))
    if not res:
        return first, None
    secs = [math.inf if t[0] == 'never' else t[2] for t in res]
    return first, (med(secs), len(secs), sum(1 for t in res if t[3] is False))


def times_to_answer(causalctl, prof, tool, name, file, line):
    """the first round's time to answer, and (median seconds, rounds) over every round's profile
    of TOOL; a round whose line never stayed first counts as infinitely long"""
    # Coz's own format is tab-separated; causal's one JSON object a line
    first, res = over_rounds(prof, tool, name, lambda recs: time_to_answer(
        causalctl, recs, file, line, not recs[0].startswith('{')) if recs else None)
    if not res:
        return first, None
    secs = [math.inf if t[0] == 'never' else t[2] for t in res]
    return first, (med(secs), len(secs))


def overshoot(records):
    """over the experiments with a delay: inserted, paid and paid error as shares of wall time, the
    number of payments, and a payment's mean length and mean error in us"""
    wall = ins = paid = err = n = 0
    for r in records:
        if '"type":"experiment"' not in r:
            continue
        e = json.loads(r)
        if not e.get('speedup') or 'end_ns' not in e:
            continue
        wall += e['end_ns'] - e['start_ns']
        ins += e.get('delay_inserted', 0)
        paid += e.get('delay_paid', 0)
        err += e.get('paid_error_ns', 0)
        n += e.get('payments', 0)
    if not wall:
        return None
    return (ins / wall, paid / wall, err / wall, n, paid / n / 1e3 if n else 0, err / n / 1e3 if n else 0)


BOOT = 2000


def boot_sd(stat, groups, seed=1):
    """standard deviation of stat over bootstrap resamples of each group (None if it cannot vary)"""
    if any(len(g) < 2 for g in groups):
        return None
    rnd = random.Random(seed)
    vals = []
    for _ in range(BOOT):
        v = stat(*[[g[rnd.randrange(len(g))] for _ in g] for g in groups])
        if v is not None:
            vals.append(v)
    return statistics.pstdev(vals) if len(vals) > 1 else None


def prediction_sd(records, pct, point):
    """bootstrap sd of a fixed-line throughput prediction: experiments resampled per speedup"""
    if not point:
        return None
    by = {0: [], pct: []}
    cur = None
    for r in records:
        try:
            e = json.loads(r)
        except json.JSONDecodeError:
            continue
        if e.get('type') == 'experiment':
            sp = round(100 * e.get('speedup', 0))
            # as the report: the experiment during which the program ended is left out
            cur = [e.get('duration', 0), None] if sp in by and not e.get('target_ended') else None
            if cur is not None:
                by[sp].append(cur)
        elif cur is not None and e.get('type') == 'throughput-point' and e.get('name') == point:
            cur[1] = e.get('delta', 0)
    groups = [[x for x in by[k] if x[1] is not None] for k in (0, pct)]

    def pred(g0, gs):
        d0, n0 = sum(x[0] for x in g0), sum(x[1] for x in g0)
        ds, ns = sum(x[0] for x in gs), sum(x[1] for x in gs)
        if not (n0 and ns and d0):
            return None
        return 1 - (ds / ns) / (d0 / n0)
    return boot_sd(pred, groups)


def actual_sd(base, opt):
    """bootstrap sd of the actual speedup (ratio of medians), resampling the interleaved pairs"""
    pairs = list(zip(base, opt))

    def act(ps):
        return 1 - med([o for _, o in ps]) / med([b for b, _ in ps])
    return boot_sd(act, [pairs])


def outside_saved(base, opt):
    """what the optimized variant saved outside the marked line's own clock (wall - line time,
    medians, base - optimized) as a share of the base wall time, or None"""
    def rest(rs):
        return [int(r['wall_ns']) - int(r['line_ns']) for r in rs
                if r.get('rc') == '0' and r.get('wall_ns') and r.get('line_ns')]
    rb, ro, wb = rest(base), rest(opt), walls(base)
    if not rb or not ro or not wb or med(rb) < 0:
        return None  # (the line's time summed over threads running at once exceeds the wall time)
    return (med(rb) - med(ro)) / med(wb)


def cpu_saved(base, opt):
    """(user, kernel): what the optimized variant saved of the program's CPU time in user mode and
    in the kernel (medians, base - optimized) as shares of the base's CPU time, or None (runs
    from before the WORKLOAD lines had user_ns and sys_ns)"""
    def times(rs, k):
        return [int(r[k]) for r in rs if r.get('rc') == '0' and r.get('user_ns') and r.get('sys_ns')]
    user_b, kern_b = times(base, 'user_ns'), times(base, 'sys_ns')
    user_o, kern_o = times(opt, 'user_ns'), times(opt, 'sys_ns')
    if not user_b or not user_o:
        return None
    cpu = med([u + k for u, k in zip(user_b, kern_b)])
    if cpu <= 0:
        return None
    return (med(user_b) - med(user_o)) / cpu, (med(kern_b) - med(kern_o)) / cpu


def credit_rows(d):
    """Per workload, from the credit mode's runs: the experiments' span (start to end, the one the
    program ended in left out), the time the profile credited to the line in them (delay inserted /
    speedup) and the line's own CPU time in them (each logged call's CPU time, in the proportion of
    its wall time that falls inside the experiment). Where the line runs in processes that do not
    write the call log (server's workers are killed), the line's CPU time over the whole run, as a
    share of its wall time, stands in for the experiments' ("whole run")."""
    rows = []
    for w in d['workloads']:
        name = w['name']
        span = cred = own = wall_sum = wall_union = 0.0
        whole = False
        for run, c in sorted(d.get('credit', {}).get(name, {}).items()):
            exps = [e for e in c['exp'] if not e.get('target_ended') and e.get('speedup', 0) > 0]
            s_span = sum(e['end_ns'] - e['start_ns'] for e in exps)
            span += s_span
            cred += sum(e['delay_inserted'] / e['speedup'] for e in exps)
            if c['calls']:
                for e in exps:
                    a, b = e['start_ns'], e['end_ns']
                    inside = []
                    for start, wall, cpu in c['calls']:
                        lo, hi = max(a, start), min(b, start + wall)
                        if hi > lo and wall > 0:
                            own += cpu * (hi - lo) / wall
                            inside.append((lo, hi))
                    end = 0
                    for lo, hi in sorted(inside):
                        wall_sum += hi - lo
                        if hi > end:
                            wall_union += hi - max(lo, end)
                            end = hi
            else:
                r = [x for x in runs(d, tool='causal', kind='credit', name=name) if x.get('run') == run]
                if r and int(r[0].get('wall_ns', 0)) > 0:
                    whole = True
                    own += s_span * int(r[0]['line_ns']) / int(r[0]['wall_ns'])
        if span > 0 and own > 0:
            rows.append((name, len(d['credit'][name]), span, cred, own,
                         wall_sum / wall_union if wall_union > 0 else None, whole))
    return rows


def print_credit(rows):
    print('credit: the time the profile credits to the marked line (delay inserted / speedup, '
          '--fixed-speedup 33) against the line\'s own CPU time, inside the same experiments; shares of '
          'the experiments\' wall time (summed over CPUs, so up to 2 on 2 vCPUs). "at once": how many '
          'threads were inside the line at a time (running or preempted), on average while any was (its '
          'calls\' wall time summed / their union). Where that is above 1 the ratio is not the '
          'sampler\'s error: samples of the line in two threads at once add one delay, not two, to the '
          'global count (Coz\'s rule), so credited < own')
    print(f"{'workload':<13} {'runs':>4} {'span s':>7} {'own':>6} {'credited':>9} {'credited / own':>15} "
          f"{'at once':>8}")
    for name, n, span, cred, own, once, whole in rows:
        print(f"{name:<13} {n:>4} {span / 1e9:>7.2f} {own / span:>6.3f} {cred / span:>9.3f} "
              f"{cred / own:>15.3f} " + (f"{once:>8.2f}" if once else f"{'n/a':>8}")
              + ('  (no call log: own is the line\'s share of the whole run)' if whole else ''))


def fmt_pct(v):
    return '   n/a' if v is None else f'{100 * v:+6.1f}'


def fmt_sd(sd):
    return '' if sd is None else f' ±{100 * sd:.1f}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--causalctl', default=os.path.join(os.path.dirname(__file__), '../../userland/causalctl'))
    ap.add_argument('guest_out')
    a = ap.parse_args()
    d = parse(a.guest_out)
    for i in d['info']:
        print('#', i)
    if d['workloads']:
        print('# sizes (first argument): ' + ', '.join(f"{w['name']} {w.get('args', '?')}" for w in d['workloads']))
    if any(' mode=credit ' in f' {i} ' for i in d['info']):
        rows = credit_rows(d)
        if rows:
            print_credit(rows)
        else:
            print('credit: no experiment with the line\'s time to compare (see the errors and the VM log)')
        for e in d['errors']:
            print('error:', e)
        return 0
    acc_rows, sys_rows, outside_rows, cpu_rows, se_rows = [], [], [], [], []
    errs_c, errs_z, ovh_rows, tta_rows = [], [], [], []
    for w in d['workloads']:
        name, file, line = w['name'], w['file'], int(w['line'])
        pct = d['speedup'].get(name)
        base = walls([r for r in runs(d, tool='none', name=name, variant='base') if 'kind' not in r])
        opt = walls([r for r in runs(d, tool='none', name=name, variant='optimized') if 'kind' not in r])
        actual = 1 - med(opt) / med(base) if base and opt else None
        if base and opt:
            # spread: the actual speedup from each interleaved pair
            pairs = [1 - o / b for b, o in zip(base, opt)]
            spread = (min(pairs), max(pairs))
        else:
            spread = None
        pc, why_c, point = prediction(d['json'].get(('causal', 'fixed', name)), file, line, pct) \
            if pct is not None else (None, 'not measured', None)
        pz, why_z, _ = prediction(d['json'].get(('coz', 'fixed', name)), file, line, pct) if pct is not None \
            else (None, 'not measured', None)
        sd_c = prediction_sd(d['prof'].get(('causal-fixed', name), []), pct, point) if pc is not None else None
        sd_a = actual_sd(base, opt) if actual is not None else None
        se_c = report_se(d['json'].get(('causal', 'fixed', name)), file, line, pct) if pc is not None else None
        if sd_c is not None and se_c is not None:
            se_rows.append((name, se_c, sd_c))
        outside = outside_saved([r for r in runs(d, tool='none', name=name, variant='base') if 'kind' not in r],
                                [r for r in runs(d, tool='none', name=name, variant='optimized') if 'kind' not in r])
        if outside is not None:
            outside_rows.append((name, outside))
        cpu = cpu_saved([r for r in runs(d, tool='none', name=name, variant='base') if 'kind' not in r],
                        [r for r in runs(d, tool='none', name=name, variant='optimized') if 'kind' not in r])
        if cpu is not None:
            cpu_rows.append((name, cpu))
        # the noise of the difference, if both sides are independent
        sd_e = math.hypot(sd_c, sd_a) * 100 if sd_c is not None and sd_a is not None else None
        if not sd_e:
            sd_e = None  # no spread at all: nothing to measure the error against
        if name.endswith('_static'):
            why_z = 'static: no LD_PRELOAD'
        elif ('coz', 'fixed', name) not in d['json'] and pct is not None:
            why_z = 'not run'
        rc, _ = find_line(d['json'].get(('causal', 'free', name), {}), file, line)
        rs, ns = slope_rank(a.causalctl, d['prof'].get(('causal', name), []), file, line)
        rz, _ = find_line(d['json'].get(('coz', 'free', name), {}), file, line)
        nc = d['json'].get(('causal', 'free', name), {}).get('ranked_lines')
        nz = d['json'].get(('coz', 'free', name), {}).get('ranked_lines')
        ov_c, ovr_c = overhead(d, name, 'causal')
        ov_z, ovr_z = overhead(d, name, 'coz')
        if ov_c is not None and ov_z is not None:
            ovh_rows.append((ov_c < ov_z, len(ovr_c) == len(ovr_z) and all(c < z for c, z in zip(ovr_c, ovr_z))))
        sr_c, srm_c = stop_rules(a.causalctl, d['prof'], 'causal', name, file, line)
        sr_z, srm_z = stop_rules(a.causalctl, d['prof'], 'coz', name, file, line)
        tta_c, med_c = times_to_answer(a.causalctl, d['prof'], 'causal', name, file, line)
        tta_z, med_z = times_to_answer(a.causalctl, d['prof'], 'coz', name, file, line)
        if med_c and med_z:
            tta_rows.append(med_c[0] < med_z[0])
        ec = abs(pc - actual) * 100 if pc is not None and actual is not None else None
        ez = abs(pz - actual) * 100 if pz is not None and actual is not None else None
        if ec is not None:
            errs_c.append((ec, sd_e))
        if ez is not None:
            errs_z.append(ez)

        def rank(r, n, tool):
            if r:
                return f'{r}/{n}'
            if (tool, 'free', name) not in d['json']:
                return 'not run'
            return f'- /{n}' if n is not None else '-'

        timed = d.get('timed', {}).get(name)
        acc_rows.append((name, f'{file}:{line}', '   n/a' if pct is None else f'{pct}% ({timed})',
                         fmt_pct(pc) + fmt_sd(sd_c), fmt_pct(actual) + fmt_sd(sd_a),
                         ' n/a' if ec is None else f'{ec:4.1f}' + ('' if sd_e is None else f' ({ec / sd_e:.1f} sd)'),
                         rank(rc, nc, 'causal'), rank(rs, ns, 'causal'),
                         fmt_pct(pz) if pz is not None else (why_z or 'n/a'),
                         ' n/a' if ez is None else f'{ez:4.1f}', rank(rz, nz, 'coz'),
                         '' if spread is None else f'{100 * spread[0]:+.0f}..{100 * spread[1]:+.0f}'))

        def answered(t, m, never):
            """t: the first round's time to answer or stop rule (time_to_answer, stop_rule), its
            case of never said by NEVER (str.format of t); m: its median over the rounds
            (times_to_answer, stop_rules), with how many stopped on the wrong line if it says"""
            if not t:
                return 'no profile'
            if t[0] == 'never':
                first = never.format(*t)
            else:
                first = f'exp {t[0]}/{t[1]}, {t[2]:.1f} s' + (', WRONG line' if len(t) > 3 and not t[3] else '')
            if not m or m[1] < 2:
                return first
            return (first + ('; median: never' if m[0] == math.inf else f'; median {m[0]:.1f} s') + f' ({m[1]}'
                    + (f', {m[2]} wrong' if len(m) > 2 and m[2] else '') + ')')
        def tta(t, m):
            return answered(t, m, 'not first at the end ({1} exps)')
        def srule(t, m):
            return answered(t, m, 'never ({1} exps, {2:.1f} s)')
        def ovh(v, rs):
            if v is None:
                return '  n/a'
            return f'{v:5.2f}' + ('' if len(rs) < 2 else f' ({min(rs):.2f}-{max(rs):.2f})')
        sys_rows.append((name, ovh(ov_c, ovr_c), ovh(ov_z, ovr_z) if not name.endswith('_static') else 'static',
                         tta(tta_c, med_c), tta(tta_z, med_z) if not name.endswith('_static') else 'static',
                         srule(sr_c, srm_c), srule(sr_z, srm_z) if not name.endswith('_static') else 'static'))

    if any(r[2].strip() != 'n/a' for r in acc_rows):
        print('accuracy: predicted (--fixed-line at the line, --fixed-speedup = its measured speedup) vs actual '
              'program speedup, %')
        print('line sp: from iterations per call (in brackets: from CPU time per call, a cross-check that emulation '
              'on a busy host makes noisy)')
        hdr = ('workload', 'line', 'line sp', 'causal', 'actual', '|err|', 'rank', 'by slope', 'Coz', '|err|', 'Coz rank',
               'actual per pair')
        rows = [hdr] + acc_rows
        wid = [max(len(str(r[i])) for r in rows) for i in range(len(hdr))]
        for r in rows:
            print('  '.join(str(c).rjust(wid[i]) if i else str(c).ljust(wid[i]) for i, c in enumerate(r)))
        print('± is one standard deviation from resampling (the predicted side: its experiments per speedup; the '
              'actual side: its base/optimized pairs); (k sd): |error| over the noise of the difference')
        if errs_c:
            within = [e for e, sd in errs_c if sd is not None and e <= 2 * sd]
            known = [e for e, sd in errs_c if sd is not None]
            print(f'mean |error|: causal {statistics.mean(e for e, _ in errs_c):.1f} pp over {len(errs_c)} workloads'
                  + (f', Coz {statistics.mean(errs_z):.1f} pp over {len(errs_z)}' if errs_z else '')
                  + '; target <= 2 pp')
            if known:
                print(f'within 2 sd of the noise: {len(within)} of {len(known)} (a larger |error| is a bias, '
                      'not noise; a smaller one cannot tell a bias below the noise)')
        if se_rows:
            print('the report\'s own standard error of the prediction (noise of its repeated experiments, '
                  'report --json progress_speedup_se) / the resampled sd above, pp:')
            print('  ' + ', '.join(f'{n} {100 * se:.1f} / {100 * sd:.1f}' for n, se, sd in se_rows))
        if outside_rows:
            print('outside the line: the part of the actual speedup from time outside the marked line\'s own clock '
                  '(wall - line time, base - optimized, % of the base wall time), which no speedup of the line '
                  'explains; read it where the line runs on one thread at a time (join, futex, lock), not where its '
                  'time is summed over threads running at once')
            print('  ' + ', '.join(f'{n} {100 * v:+.1f}' for n, v in outside_rows))
        if cpu_rows:
            print('CPU time saved by the optimized variant, user mode / kernel (base - optimized, % of the base\'s CPU '
                  'time, whole program): where the CPUs are the bottleneck this is the speedup, and the kernel\'s '
                  'part (fewer preemptions, context switches) is one no virtual speedup of the line reproduces')
            print('  ' + ', '.join(f'{n} {100 * u:+.1f} / {100 * k:+.1f}' for n, (u, k) in cpu_rows))
        ranked = [r for r in acc_rows if r[6].startswith('1/')]
        by_slope = [r for r in acc_rows if r[7].startswith('1/')]
        order = sorted({(d['json'].get(('causal', 'free', r[0])) or {}).get('sort', 'impact') for r in acc_rows})
        print(f'true bottleneck ranked first (free-running, causal): {len(ranked)} of {len(acc_rows)} by '
              f'{"/".join(order)}, {len(by_slope)} by slope')
    rounds = max((len(overhead(d, w['name'], t)[1]) for w in d['workloads'] for t in ('causal', 'coz')), default=0)
    print('system: runtime under a free-running profile / unprofiled, '
          + ('one run each' if rounds < 2 else f'the median over {rounds} rounds of one run each (range)')
          + '; time to answer (first round: experiments until the line is ranked first and stays first; '
          'seconds of experiment time; then the median over the rounds, a round where it never was counting '
          'as longest, and their number)')
    print('stop rule (`run --until-settled`, replayed by `report --settle` on the same profiles, Coz\'s '
          'included): the experiment after which it would have stopped, seconds of experiment time, '
          'WRONG if the line then first was not the optimized one; the median over the rounds')
    hdr = ('workload', 'causal ovh', 'Coz ovh', 'causal time to answer', 'Coz time to answer',
           'causal stop rule', 'Coz stop rule')
    rows = [hdr] + sys_rows
    wid = [max(len(str(r[i])) for r in rows) for i in range(len(hdr))]
    for r in rows:
        print('  '.join(str(c).ljust(wid[i]) for i, c in enumerate(r)))
    if ovh_rows:
        print(f'overhead lower than Coz\'s: {sum(m for m, _ in ovh_rows)} of {len(ovh_rows)} by the median'
              + (f', {sum(a for _, a in ovh_rows)} in every round' if rounds > 1 else ''))
    if tta_rows:
        print(f'time to answer shorter than Coz\'s: {sum(tta_rows)} of {len(tta_rows)} by the median over the rounds'
              ' (where both profiled)')
    bias = [(w['name'], overshoot(d['prof'].get(('causal-fixed', w['name']), []))) for w in d['workloads']]
    bias = [(n, b) for n, b in bias if b]
    if bias:
        print('delays in the fixed-line experiments at the line speedup, as shares of their wall time: inserted '
              '(what the profile subtracts from the duration), paid, and paid error '
              '(|sleep − aim|; overshoots are carried); then the payments, their mean length and mean error '
              '(how late sleeps wake on this host: compare runs by it)')
        for n, (i, p, e, k, ml, me) in bias:
            print(f'  {n:14} inserted {100 * i:5.1f} %  paid {100 * p:5.1f} %  paid error {100 * e:5.1f} %  '
                  f'{k:6} payments of {ml:6.0f} us, error {me:5.0f} us')
    scale = [r for r in d['runs'] if r.get('kind') == 'scale']
    if scale:
        print('thread scale: scale_threads N (all N threads alive at once)')
        for n in sorted({r['threads'] for r in scale}, key=int):
            plain = walls([r for r in scale if r['threads'] == n and r['tool'] == 'none'])
            for tool in ('causal', 'coz'):
                rs = [r for r in scale if r['threads'] == n and r['tool'] == tool]
                if not rs:
                    continue
                w = walls(rs)
                if w and plain:
                    print(f'  {n:>6} threads  {tool:6}  completed, overhead {med(w) / med(plain):.2f}')
                else:
                    print(f'  {n:>6} threads  {tool:6}  FAILED (exit {rs[0].get("rc")})')
            if not any(r['tool'] == 'coz' for r in scale if r['threads'] == n) and \
                    any(c for c in d['coz_failed'] if f'threads={n}' in c):
                print(f'  {n:>6} threads  coz     FAILED (no WORKLOAD line: it did not complete)')
        for c in d['coz_failed']:
            if 'scale' in c:
                print('  coz failed:', c)
    for e in d['errors']:
        print('error:', e)
    return 0


if __name__ == '__main__':
    sys.exit(main())
