#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the Chrome trace of `causalctl run --timeline` + `report --trace` of tests/vm/efficiency
against what the program measured of itself, from a VM run's output (tests/vm/profile.sh):

    timeline-check.py NAME GUEST_OUT

GUEST_OUT holds the program's 'phase ...' lines prefixed 'TLTRUTH ' and the trace, gzip'd and
base64'd, on lines prefixed 'TL '. Prints PASS:/FAIL: lines (tests/check.sh counts them):
  - the trace's spans come from context switches and the module dropped no record;
  - every span is consistent: no thread on two CPUs at once, no two threads on one CPU at once,
    no thread runnable or paying a delay while on a CPU;
  - per thread and phase, its on-CPU time in the trace is its own CPU time (CLOCK_THREAD_CPUTIME_ID)
    within TOL_THREAD of the phase's length, plus PER_SPAN for each of its on-CPU spans;
  - per phase, the utilisation counter track (running threads, integrated over the phase) is the
    measured utilisation (the threads' CPU time over the phase's length) within TOL_UTIL CPUs, plus
    PER_SPAN for each on-CPU span of the phase.
The two need not agree to the microsecond: a switch is recorded at sched_switch, where perf and
Perfetto see it too, while CPU time is charged by the scheduler's own accounting (update_curr(),
from the run queue's clock), at other points of the switch path. On hardware that should be about
a microsecond a switch (not measured here); under software emulation on this project's machine,
while other VMs ran, it was -60 to +30 us per span in the phase with hundreds of switches, and up
to 1.5 % of the phase where a thread was preempted a dozen times. (A thread cannot serve as its
own truth there: the host deschedules its vCPU at any time, which it sees as gaps in its clock
while it is on a guest CPU.)
"""
import base64
import gzip
import json
import sys

TOL_THREAD = 0.03   # of the phase's length
TOL_UTIL = 0.05     # CPUs
PER_SPAN = 100000   # ns per on-CPU span
CONSTRUCTION = {'one': '1 of 2', 'two': '2 of 2', 'gaps': 'about 1 of 2, in 200 us gaps'}

failed = 0


def result(ok, what):
    global failed
    print(('PASS: ' if ok else 'FAIL: ') + what)
    if not ok:
        failed += 1


def main():
    name, path = sys.argv[1], sys.argv[2]
    truth, b64 = [], []
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if line.startswith('TLTRUTH phase '):
                w = line.split()[1:]
                truth.append({'phase': w[1], 'tid': int(w[3]), 'start': int(w[5]),
                              'end': int(w[7]), 'cpu': int(w[9])})
            elif line.startswith('TL '):
                b64.append(line[3:])
    if not truth or not b64:
        result(False, f'{name}: the VM run gave no timeline to check (see its output)')
        return 1
    try:
        trace = json.loads(gzip.decompress(base64.b64decode(''.join(b64))))
    except (ValueError, OSError) as e:
        result(False, f'{name}: the trace does not decode as gzip\'d JSON: {e}')
        return 1
    other = trace.get('otherData', {})
    base = other.get('base_ns', 0)
    dropped = other.get('records_dropped')
    result(other.get('spans') == 'context switches' and dropped == 0,
           f'{name}: spans from context switches, {dropped} ring records dropped')

    pid_of = {}
    spans = {}      # (tid, kind) -> [(start_ns, end_ns, cpu)]
    counter = {}    # pid -> [(ts_ns, running)]
    for ev in trace['traceEvents']:
        if ev.get('ph') == 'X' and ev.get('cat') in ('oncpu', 'runnable', 'delay'):
            s = base + round(ev['ts'] * 1000)
            e = s + round(ev['dur'] * 1000)
            cpu = ev.get('args', {}).get('cpu', -1)
            spans.setdefault((ev['tid'], ev['cat']), []).append((s, e, cpu))
            pid_of[ev['tid']] = ev['pid']
        elif ev.get('ph') == 'C' and ev.get('name') == 'utilisation':
            counter.setdefault(ev['pid'], []).append(
                (base + round(ev['ts'] * 1000), ev['args']['running threads']))
    for v in list(spans.values()) + list(counter.values()):
        v.sort()

    # consistency of every span in the trace
    bad = []
    for (tid, kind), v in spans.items():
        if kind != 'oncpu':
            continue
        for a, b in zip(v, v[1:]):
            if b[0] < a[1]:
                bad.append(f'tid {tid} on CPUs {a[2]} and {b[2]} at once at {a[1] - base} ns')
        for other_kind in ('runnable', 'delay'):
            for s in spans.get((tid, other_kind), []):
                for o in v:
                    if s[0] < o[1] and o[0] < s[1]:
                        bad.append(f'tid {tid} {other_kind} while on CPU {o[2]} at {s[0] - base} ns')
    by_cpu = {}
    for (tid, kind), v in spans.items():
        if kind == 'oncpu':
            for s, e, cpu in v:
                by_cpu.setdefault(cpu, []).append((s, e, tid))
    for cpu, v in by_cpu.items():
        v.sort()
        for a, b in zip(v, v[1:]):
            if b[0] < a[1]:
                bad.append(f'CPU {cpu}: tids {a[2]} and {b[2]} at once at {b[0] - base} ns')
    nspans = sum(len(v) for v in spans.values())
    result(not bad, f'{name}: {nspans} spans, all consistent' +
           ('' if not bad else ': ' + '; '.join(bad[:5]) + f' ({len(bad)} in all)'))

    def oncpu_within(tid, start, end):
        v = [max(0, min(e, end) - max(s, start)) for s, e, _ in spans.get((tid, 'oncpu'), [])]
        return sum(v), sum(1 for x in v if x)

    def counter_integral(pid, start, end):
        v = counter.get(pid, [])
        total, running, t = 0, 0, start
        for ts, r in v:
            if ts > start:
                total += running * (min(ts, end) - t)
                t = min(ts, end)
            if ts >= end:
                break
            running = r
        total += running * (end - t)
        return total

    main_tid = min(t['tid'] for t in truth)
    for phase in ('one', 'two', 'gaps'):
        rows = [t for t in truth if t['phase'] == phase]
        main = next((t for t in rows if t['tid'] == main_tid), None)
        if not main:
            result(False, f'{name}: phase {phase} missing from the program\'s output')
            continue
        length = main['end'] - main['start']
        all_spans = 0
        for t in rows:
            got, n = oncpu_within(t['tid'], t['start'], t['end'])
            all_spans += n
            tl = t['end'] - t['start']
            per = (got - t['cpu']) / n / 1000 if n else 0
            result(abs(got - t['cpu']) <= TOL_THREAD * tl + n * PER_SPAN,
                   f'{name}: phase {phase}, tid {t["tid"]}: on CPU {got / 1e6:.1f} ms in the trace '
                   f'({n} spans), {t["cpu"] / 1e6:.1f} ms of CPU time measured, of '
                   f'{tl / 1e6:.1f} ms ({per:+.0f} us per span)')
        measured = sum(t['cpu'] for t in rows) / length
        pid = pid_of.get(main_tid)
        traced = counter_integral(pid, main['start'], main['end']) / length
        result(abs(traced - measured) <= TOL_UTIL + all_spans * PER_SPAN / length,
               f'{name}: phase {phase} ({CONSTRUCTION[phase]} CPUs busy by construction): '
               f'utilisation {traced:.3f} from the trace\'s counter track, {measured:.3f} measured')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
