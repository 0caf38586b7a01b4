#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parses TAP/KTAP (nested subtests, kernel log timestamps allowed) and counts the leaf results.

    ktap.py [--name NAME] [--counts FILE] [--failures FILE] [--suite SUITE --names FILE] [LOG]

Prints every failed or skipped test with its path, then 'NAME: N passed, N failed, N skipped'.
Exits 1 if any test failed, a plan does not match the results, a 'Bail out!' was seen, or there
were no results at all (a run that reports nothing has not passed). With --counts, appends
'PASS n', 'FAIL n', 'SKIP n' lines to FILE for the caller's summary; with --failures, the
failed tests and problems, one per line, for the list the caller prints last. With --names, appends one
line per result to FILE: SUITE, the subtests it is in and its name without the measured value in
a trailing parenthesis, so that the caller can count distinct checks (the same check run on several kernels
or backends, under one SUITE, is one line however often it ran).
"""
import argparse
import re
import sys

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)')
SUBTEST = re.compile(r'^(\s*)#\s*Subtest:\s*(.*)$')
MEASURED = re.compile(r'\s*\([^()]*\)$')  # 'name (measured value)': the name


def parse(lines):
    """Returns (leaves, problems): leaves are (name, status, note, path) with status
    pass/fail/skip and path the names of the subtests the result is in."""
    leaves, problems = [], []
    subtest_at = {}  # indent -> name of the '# Subtest:' whose results are at that indent
    # one frame per open indentation level: {indent, plan, count, mark (first leaf of the next result)}
    stack = []
    pending_children = {}  # indent -> True when deeper results appeared since the last result here
    for raw in lines:
        line = TIMESTAMP.sub('', raw.rstrip('\r\n'))
        if line.strip().startswith('Bail out!'):
            problems.append(line.strip())
            continue
        m = SUBTEST.match(line)
        if m:
            subtest_at[len(m.group(1))] = m.group(2).strip()
            continue
        m = PLAN.match(line)
        if m:
            indent = len(m.group(1))
            while stack and stack[-1]['indent'] > indent:
                stack.pop()
            if stack and stack[-1]['indent'] == indent and stack[-1]['count'] == 0:
                stack[-1]['plan'] = int(m.group(2))
            else:
                stack.append({'indent': indent, 'plan': int(m.group(2)), 'count': 0, 'mark': len(leaves)})
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, status, name, directive = len(m.group(1)), m.group(2), m.group(4), m.group(5) or ''
        for k in [k for k in subtest_at if k > indent]:
            del subtest_at[k]
        path = tuple(subtest_at[k] for k in sorted(subtest_at) if k <= indent)
        # close deeper levels: their plan must be met
        deeper_names = []
        while stack and stack[-1]['indent'] > indent:
            frame = stack.pop()
            if frame['plan'] is not None and frame['plan'] != frame['count']:
                problems.append(f"plan of {frame['plan']} under '{name}' but {frame['count']} results")
            deeper_names.append(frame)
        if not stack or stack[-1]['indent'] != indent:
            stack.append({'indent': indent, 'plan': None, 'count': 0})
        frame = stack[-1]
        frame['count'] += 1
        first_child = frame.get('mark', 0)
        has_children = pending_children.pop(indent, False) or bool(deeper_names)
        for k in list(pending_children):
            if k > indent:
                del pending_children[k]
        for k in range(0, indent):
            pending_children[k] = True
        if directive.upper().startswith('SKIP'):
            st = 'skip'
        elif status == 'ok':
            st = 'pass'
        else:
            st = 'fail'
        if has_children:
            # a parent: its children are counted; a failing parent whose children all passed
            # (a crash after them, a missing child) still counts as one failure
            if st == 'fail' and not any(lf[1] == 'fail' for lf in leaves[first_child:]):
                leaves.append((name + ' (summary)', 'fail', directive, path))
        else:
            leaves.append((name, st, directive, path))
        frame['mark'] = len(leaves)
    for frame in stack:
        if frame['plan'] is not None and frame['plan'] != frame['count']:
            problems.append(f"plan of {frame['plan']} but {frame['count']} results")
    return leaves, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--name', default='tap')
    ap.add_argument('--counts')
    ap.add_argument('--failures')
    ap.add_argument('--suite', default=None)
    ap.add_argument('--names')
    ap.add_argument('log', nargs='?')
    args = ap.parse_args()
    try:
        with (open(args.log, errors='replace') if args.log else sys.stdin) as f:
            leaves, problems = parse(f)
    except OSError as e:
        leaves, problems = [], [f"cannot read results: {e}"]
    passed = sum(1 for lf in leaves if lf[1] == 'pass')
    failed = sum(1 for lf in leaves if lf[1] == 'fail')
    skipped = sum(1 for lf in leaves if lf[1] == 'skip')
    for name, s, note, _ in leaves:
        if s != 'pass':
            print(f"{args.name}: {s.upper()} {name}" + (f" # {note}" if note else ''))
    for p in problems:
        print(f"{args.name}: PROBLEM {p}")
    if not leaves:
        print(f"{args.name}: PROBLEM no test results found")
    bad = failed + len(problems) + (0 if leaves else 1)
    print(f"{args.name}: {passed} passed, {failed} failed, {skipped} skipped")
    if args.failures and bad:
        with open(args.failures, 'a') as fl:
            for name, s, _, path in leaves:
                if s == 'fail':
                    fl.write(' / '.join((args.name,) + path + (name,)) + '\n')
            for p in problems + ([] if leaves else ['no test results found']):
                fl.write(f"{args.name}: {p}\n")
    if args.counts:
        with open(args.counts, 'a') as c:
            c.write(f"PASS {passed}\nFAIL {failed + len(problems) + (0 if leaves else 1)}\nSKIP {skipped}\n")
    if args.names:
        suite = args.suite or args.name
        with open(args.names, 'a') as n:
            for name, _, _, path in leaves:
                n.write(' / '.join((suite,) + path + (MEASURED.sub('', name).strip(),)) + '\n')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
