#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that module/ is in layers: its include graph has no cycle, and no file includes the
header of a file that Kbuild's object list (bottom first, docs/design.md) puts above it.

    module-layers.py [TOP]       TOP: the source tree (default: this script's parent folder)

A unit is a .c file with its .h (module/compat/ and compat.h are one unit, the bottom); a header
without a .c (exp.h, events.h) is a unit of its own, in the cycle check only. Prints the units in
Kbuild's order with what each includes, then every violation; exits 1 if there is one.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit_of(rel):
    """module-relative path -> unit name"""
    if rel.startswith('compat/') or rel == 'compat.h':
        return 'compat'
    return os.path.splitext(rel)[0]


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mod = os.path.join(top, 'module')
    edges = {}
    for root, _, files in os.walk(mod):
        for f in files:
            if not f.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, mod)
            u = unit_of(rel)
            edges.setdefault(u, set())
            with open(path, errors='replace') as fh:
                for inc in INCLUDE.findall(fh.read()):
                    # quoted includes are module-relative (Kbuild: -I module) or beside the file
                    cand = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
                    if not os.path.exists(os.path.join(mod, cand)):
                        cand = os.path.normpath(inc)
                    if not os.path.exists(os.path.join(mod, cand)):
                        continue  # uapi/, generated probes: not module units
                    v = unit_of(cand)
                    if v != u:
                        edges[u].add(v)

    with open(os.path.join(top, 'Kbuild')) as fh:
        kbuild = fh.read()
    order = []
    for m in re.finditer(r'^causal-y\s*:?\+?=\s*(.*)$', kbuild, re.M):
        for obj in m.group(1).split():
            u = unit_of(os.path.relpath(obj[:-2] + '.c', 'module'))
            if u not in order:
                order.append(u)
    rank = {u: i for i, u in enumerate(order)}

    problems = []
    missing = sorted(u for u in edges if u not in rank and os.path.exists(os.path.join(mod, u + '.c')))
    for u in missing:
        problems.append(f'{u}.c is not in Kbuild\'s object list')
    for u in order:
        print(f'{rank[u]:2d} {u}: ' + ' '.join(sorted(edges.get(u, ()), key=lambda v: rank.get(v, -1))))
    for u, vs in sorted(edges.items()):
        for v in sorted(vs):
            if u in rank and v in rank and rank[v] > rank[u]:
                problems.append(f'{u} includes {v}.h, which Kbuild lists above it')

    # cycles (header-only units included): depth-first search with colours
    colour, stack = {}, []

    def visit(u):
        colour[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, ())):
            if colour.get(v) == 1:
                problems.append('cycle: ' + ' -> '.join(stack[stack.index(v):] + [v]))
            elif not colour.get(v):
                visit(v)
        stack.pop()
        colour[u] = 2

    for u in sorted(edges):
        if not colour.get(u):
            visit(u)
    for p in problems:
        print('module-layers: ' + p)
    print(f'module-layers: {len(edges)} units, {sum(len(v) for v in edges.values())} includes, '
          f'{len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
