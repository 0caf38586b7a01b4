#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The Go prediction check's table, from tests/bench/go-h2.sh's "BG ..." lines:

    go_table.py GUEST_OUT FILE LINE

actual: 1 - median(time of the optimized runs) / median(time of the base runs), with the spread
of the interleaved pairs; predicted: the program speedup causalctl's fixed-line profile gives at
50 % (the line speedup the change makes by construction), on the main.handle throughput point.
"""
import json
import sys

from workloads_table import kv, med, prediction, records


def main():
    path, file, line = sys.argv[1], sys.argv[2], int(sys.argv[3])
    info, base, opt, pairs, notes, rep = {}, [], [], [], [], None
    order = []
    for kind, rest, ln in records(path, 'BG'):
        if kind == 'info':
            info = kv(rest)
        elif kind == 'run' and rest.startswith('kind=plain'):
            r = kv(rest)
            if r.get('rc') != '0' or float(r.get('secs', 0)) <= 0:
                notes.append('failed plain run: ' + ln)
                continue
            order.append((int(r['work']), float(r['secs'])))
        elif kind == 'run' and rest.startswith('kind=fixed') and not ln.endswith('rc=0'):
            notes.append('failed profiled run: ' + ln)
        elif kind == 'note':
            notes.append(rest)
        elif kind == 'json':
            try:
                rep = json.loads(rest)
            except ValueError:
                rep = {'error': 'unreadable'}
    work = int(info.get('work', 0))
    base = [s for w, s in order if w == work]
    opt = [s for w, s in order if w != work]
    for i in range(0, len(order) - 1, 2):
        a, b = order[i], order[i + 1]
        if a[0] != b[0]:
            tb, to = (a[1], b[1]) if a[0] == work else (b[1], a[1])
            pairs.append(1 - to / tb)
    actual = 1 - med(opt) / med(base) if base and opt else None
    pred, why, _ = prediction(rep, file, line, 50)
    print(f'line {file}:{line}, real change -work {work} -> {work // 2} (a 50 % line speedup), '
          f'{info.get("n", "?")} requests per run')
    print(f'  base runs (s):      {" ".join(f"{s:.2f}" for s in base)}')
    print(f'  optimized runs (s): {" ".join(f"{s:.2f}" for s in opt)}')
    print(f'  actual program speedup:    {"n/a" if actual is None else f"{actual * 100:+.1f}%"}'
          f' (per pair: {" ".join(f"{p * 100:+.0f}" for p in pairs)})')
    print(f'  predicted at 50 %:         {"n/a (" + why + ")" if pred is None else f"{pred * 100:+.1f}%"}')
    if pred is not None and actual is not None:
        print(f'  |error|:                   {abs(pred - actual) * 100:.1f} percentage points')
    for n in notes:
        print(f'  {n}')


if __name__ == '__main__':
    main()
