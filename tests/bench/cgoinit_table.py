#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cgo before/after table, from tests/bench/go-cgoinit-guest.sh's "CG ..." lines:

    cgoinit_table.py GUEST_OUT

actual: 1 - median(Go 1.22 build's time) / median(Go 1.21 build's time), with the mean and
standard error of the interleaved pairs' speedups; the init-done check's own cost per call in each
build (-selfcost: with _cgo_get_context_function, the pair every callback calls) and the speedup
that makes; from each free-running profile, how its samples
fall: in _cgo_wait_runtime_init_done itself, in libc (the mutex it takes), and what the
callchain lets causalctl charge them to; and the prediction: the program speedup the Go 1.21
build's fixed-block profile (both functions as one block, "CG fixed") gives at their own
speedup, against the actual one.
"""
import base64
import collections
import io
import json
import math
import statistics
import sys
import tarfile

from workloads_table import kv, med, prediction, records, report_se


def mean_se(v):
    if len(v) < 2:
        return (v[0] if v else float('nan')), float('nan')
    return statistics.mean(v), statistics.stdev(v) / math.sqrt(len(v))


def stacks_of(blob, v):
    """The profile's stack records, frames named: [(count, [name, ...])]."""
    with tarfile.open(fileobj=io.BytesIO(blob), mode='r:gz') as t:
        f = t.extractfile(f'p-{v}.coz.stacks')
        rows = [json.loads(ln) for ln in f.read().decode(errors='replace').splitlines() if ln]
    frames, funcs, objs, out = {}, {}, {}, []
    for r in rows:
        if r['type'] == 'frame':
            frames[r['id']] = r
        elif r['type'] == 'function':
            funcs[r['id']] = r
        elif r['type'] == 'object':
            objs[r['id']] = r['path']

    def name(fid):
        fr = frames[fid]
        obj = objs.get(fr['object'], '?').rsplit('/', 1)[-1]
        if fr['lines']:
            # the innermost of the inlined functions; Go's by their Go names (their function
            # records' files are not reliable in an externally linked binary), C's with the line
            fn = funcs[fr['lines'][0][0]]
            where = fn['name']
            if '.' not in fn['name'] and fn['file']:
                where += f' ({fn["file"].rsplit("/", 1)[-1]}:{fr["lines"][0][1]})'
            return fn['name'], where, obj
        return f'{obj}+{fr["address"]:#x}', obj, obj
    for r in rows:
        if r['type'] == 'stack':
            out.append((r['count'], [name(x) for x in r['frames']]))
    return out


def profile_lines(stacks, exe):
    total = sum(c for c, _ in stacks)
    own = sum(c for c, f in stacks if f[0][0] == '_cgo_wait_runtime_init_done')
    libc = [(c, f) for c, f in stacks if f[0][2].startswith('libc.so')]
    nolink = sum(c for c, f in libc if len(f) == 1)
    via = collections.Counter()
    for c, f in libc:
        if len(f) > 1:
            via[f[1][1]] += c
    leaf = collections.Counter()
    for c, f in stacks:
        leaf[f[0][0]] += c
    out = [f'  samples: {total}; in _cgo_wait_runtime_init_done itself: {own} '
           f'({100 * own / max(total, 1):.1f} %); in libc: {sum(c for c, _ in libc)} '
           f'({100 * sum(c for c, _ in libc) / max(total, 1):.1f} %), of which {nolink} with no '
           'caller in the callchain']
    for k, c in via.most_common(3):
        out.append(f'    libc samples whose first caller is {k}: {c}')
    out.append('  most-sampled functions (by IP): ' +
               ', '.join(f'{k} {c}' for k, c in leaf.most_common(8)))
    return out


def main():
    info, runs, selfs, notes, blobs, profs = {}, [], collections.defaultdict(list), [], {}, {}
    fixed, reps, profiled = [], {}, collections.defaultdict(list)
    for kind, rest, ln in records(sys.argv[1], 'CG'):
        if kind == 'info':
            info = kv(rest)
        elif kind == 'run':
            r = kv(rest)
            if r.get('rc') != '0' or float(r.get('ms', 0)) <= 0:
                notes.append('failed plain run: ' + ln)
                continue
            runs.append((r['v'], float(r['ms']), r.get('rep', str(len(runs) // 2))))
        elif kind == 'self':
            r = kv(rest)
            if r.get('rc') == '0' and float(r.get('ns', 0)) > 0:
                selfs[r['v']].append(float(r['ns']))
            else:
                notes.append('failed selfcost run: ' + ln)
        elif kind == 'profile':
            r = kv(rest)
            profs[r['v']] = r.get('rc')
        elif kind == 'profiled':
            r = kv(rest)
            if r.get('rc') == '143' and int(r.get('visits', 0)) > 0:
                profiled[r['v']].append(int(r['visits']) * 1000 / float(r['secs']))
            else:
                notes.append('failed profiled run: ' + ln)
        elif kind == 'fixed':
            fixed.append(kv(rest))
        elif kind == 'json':
            # "model=M {...}" (or, before the thread models, the report alone)
            model, _, body = rest.partition(' ') if rest.startswith('model=') else ('model=task', '', rest)
            try:
                reps[model[len('model='):]] = json.loads(body)
            except ValueError:
                reps[model[len('model='):]] = {'error': 'unreadable'}
        elif kind.startswith('b64-'):
            v = kind[len('b64-'):]
            blobs[v] = blobs.get(v, '') + rest
    old = [ms for v, ms, _ in runs if v == '1.21']
    new = [ms for v, ms, _ in runs if v == '1.22']
    fix = [ms for v, ms, _ in runs if v == '1.21-fix']
    rounds = collections.defaultdict(dict)
    for v, ms, rnd in runs:
        rounds[rnd][v] = ms

    def per_round(v):
        """the speedup of build v over 1.21 in each round that has both"""
        return [1 - r[v] / r['1.21'] for r in rounds.values() if v in r and '1.21' in r]
    pairs = per_round('1.22')
    print(f'cgoinit, {info.get("workers", "?")} workers, {info.get("tasks", "?")} tasks per run, '
          f'{info.get("cpus", "?")} vCPUs, kernel {info.get("kernel", "?")}')
    print(f'  Go 1.21 runs (ms): {" ".join(f"{x:.0f}" for x in old)}')
    print(f'  Go 1.22 runs (ms): {" ".join(f"{x:.0f}" for x in new)}')
    if fix:
        print(f'  Go 1.21 with the runtime_init_mu change alone (ms): {" ".join(f"{x:.0f}" for x in fix)}')
    if old and new:
        m, se = mean_se(pairs)
        print(f'  actual program speedup, 1.22: {100 * (1 - med(new) / med(old)):+.1f} % (medians); '
              f'per pair {" ".join(f"{100 * p:+.0f}" for p in pairs)}: {100 * m:+.1f} ± {100 * se:.1f} %')
    if old and fix:
        fp = per_round('1.21-fix')
        m, se = mean_se(fp)
        print(f'  actual program speedup, the change alone: {100 * (1 - med(fix) / med(old)):+.1f} % '
              f'(medians); per pair {" ".join(f"{100 * p:+.0f}" for p in fp)}: {100 * m:+.1f} ± '
              f'{100 * se:.1f} %')
    if selfs.get('1.21') and selfs.get('1.22'):
        a, b = med(selfs['1.21']), med(selfs['1.22'])
        print(f'  _cgo_wait_runtime_init_done + _cgo_get_context_function alone, ns per pair (wall, '
              f'{info.get("workers", "?")} workers): 1.21 {" ".join(f"{x:.1f}" for x in selfs["1.21"])}; '
              f'1.22 {" ".join(f"{x:.1f}" for x in selfs["1.22"])}')
        print(f'  their speedup in Go 1.22: {100 * (1 - b / a):.0f} % (medians {a:.1f} -> {b:.1f} ns)')
    if profiled.get('1.21') and profiled.get('1.22'):
        a, b = statistics.mean(profiled['1.21']), statistics.mean(profiled['1.22'])
        print(f'  under causalctl, every experiment at 0 % (tasks/s): 1.21 '
              f'{" ".join(f"{x:.0f}" for x in profiled["1.21"])}; 1.22 '
              f'{" ".join(f"{x:.0f}" for x in profiled["1.22"])}: program speedup {100 * (1 - a / b):+.1f} % (1 - time per task 1.22 / 1.21, as above)')
    for f in fixed:
        model = f.get('model', 'task')
        rep = reps.get(model)
        pct = int(f.get('speedup', 0))
        where = f'gcc_libinit.c:{f.get("block")}'
        pred, why, _ = prediction(rep, 'gcc_libinit.c', f.get('block'), pct)
        se = report_se(rep, 'gcc_libinit.c', f.get('block'), pct)
        print(f'  predicted, --thread-model {model} (Go 1.21 build, both functions, {where} as one block at {pct} %, causalctl exit '
              f'{f.get("rc")}): ' + (f'n/a ({why})' if pred is None else
                                         f'{100 * pred:+.1f} %' + (f' ± {100 * se:.1f}' if se else '')))
        if pred is not None and old and new:
            print(f'  |error| against 1.22 (medians): {100 * abs(pred - (1 - med(new) / med(old))):.1f} pp')
        if pred is not None and old and fix:
            print(f'  |error| against the change alone (medians): '
                  f'{100 * abs(pred - (1 - med(fix) / med(old))):.1f} pp')
    for v in sorted(blobs):
        print(f'profile of the Go {v} build (free-running, default scope; causalctl exit {profs.get(v)}):')
        try:
            print('\n'.join(profile_lines(stacks_of(base64.b64decode(blobs[v]), v), v)))
        except (OSError, ValueError, KeyError, tarfile.TarError) as e:
            print(f'  unreadable profile: {e}')
    for n in notes:
        print(f'  {n}')


if __name__ == '__main__':
    main()
