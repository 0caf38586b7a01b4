#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What Coz's own viewer (Debian's coz-profiler: /usr/share/coz-profiler/viewer/js/profile.js, run
# in node, as a check; nothing of it is shipped) shows for causalctl's profiles, against
# `causalctl report --json` on the same files. Prints PASS:/FAIL: lines.
#   - A profile as causalctl writes it (startup, experiment, points, samples, runtime records,
#     with our extra fields) loads without one "Invalid Profile" warning (run --timeline's spans
#     go beside it, in FILE.timeline: tests/vm/profile.sh checks that none are in the profile).
#   - Throughput: the viewer's program speedup at every line speedup is report's (to report's
#     6 digits).
#   - Latency: for a line whose speedup lengthens the latency (harmful), report's program speedup
#     is negative and the viewer's is the same number positive: the viewer's formula already counts
#     a shorter latency as a speedup and then negates it for "minimize".
#   - No latency record can make the viewer agree: its result does not change when the records'
#     difference, or arrivals and departures, are negated or swapped, so the sign lives in the
#     viewer's formula, not in the file. causalctl writes Coz's format as Coz's runtime does and
#     documents the viewer's sign (guide, causalctl(1), report --help).
#   coz-viewer.sh [CAUSALCTL]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ctl=${1:-$top/userland/causalctl}
viewer=/usr/share/coz-profiler/viewer/js/profile.js
fails=0
result() {
	if [ "$1" -eq 0 ]; then echo "PASS: $2"; else echo "FAIL: $2"; fails=$((fails + 1)); fi
}
if [ ! -r "$viewer" ] || ! command -v node >/dev/null; then
	result 1 "Coz's viewer ($viewer, package coz-profiler) and node (package nodejs) present"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# profile DIFF_SIGN SWAP: line /src/t.c:1 speeds the throughput point up by half its speedup;
# line /src/l.c:2 makes the latency point's mean latency grow by its speedup (harmful)
profile() {
	awk -v sign="$1" -v swap="$2" 'BEGIN {
		printf "{\"type\":\"startup\",\"time\":1700000000000000000,\"tool\":\"causal\",\"tool_version\":\"0.1\",\"thread_model\":\"task\",\"event\":\"cpu-clock\",\"period_ns\":1000000}\n"
		t = 1000000000
		for (rep = 0; rep < 3; rep++)
		for (s = 0; s <= 100; s += 10) {
			d = 500000000
			printf "{\"type\":\"experiment\",\"selected\":\"/src/t.c:1\",\"speedup\":%.2f,\"duration\":%d,\"selected_samples\":100,\"start_ns\":%d,\"end_ns\":%d,\"delay_inserted\":0,\"delay_paid\":0,\"paid_error_ns\":0,\"payments\":0}\n", s / 100, d, t, t + d
			printf "{\"type\":\"throughput-point\",\"name\":\"items\",\"delta\":%d}\n", int(1000 * (1 + s / 200.0) + rep)
			t += d
			# latency by Little: L = difference * duration / arrivals; 2000 arrivals, L grows with s
			arr = 2000; dep = 1990; diff = int(40 * (1 + s / 100.0) + 0.5) + rep
			if (swap) { x = arr; arr = dep; dep = x }
			printf "{\"type\":\"experiment\",\"selected\":\"/src/l.c:2\",\"speedup\":%.2f,\"duration\":%d,\"selected_samples\":100,\"start_ns\":%d,\"end_ns\":%d}\n", s / 100, d, t, t + d
			printf "{\"type\":\"latency-point\",\"name\":\"request\",\"arrivals\":%d,\"departures\":%d,\"difference\":%d}\n", arr, dep, sign * diff
			t += d
		}
		printf "{\"type\":\"samples\",\"location\":\"/src/t.c:1\",\"count\":12}\n"
		printf "{\"type\":\"runtime\",\"time\":%d}\n", t
	}'
}
profile 1 0 >"$work/p.coz"
profile -1 0 >"$work/neg.coz"
profile 1 1 >"$work/swap.coz"

# the viewer's program speedup per line, point and line speedup, and its warnings, as JSON
cat >"$work/viewer.js" <<'JS'
const fs = require('fs'), vm = require('vm');
vm.runInThisContext(fs.readFileSync(process.argv[2], 'utf8') + '\nthis.Profile = Profile;');
const warnings = [];
const p = new Profile(fs.readFileSync(process.argv[3], 'utf8'), null, null, () => 1,
	(title, text) => warnings.push(title + ': ' + text));
const out = { warnings, lines: {} };
for (const l of p.getSpeedupData(1))
	for (const pt of l.progress_points)
		for (const m of pt.measurements)
			out.lines[l.name + ' ' + pt.name + ' ' + m.speedup] = m.progress_speedup;
console.log(JSON.stringify(out));
JS
for f in p neg swap; do
	node "$work/viewer.js" "$viewer" "$work/$f.coz" >"$work/$f.viewer.json" 2>"$work/$f.viewer.err" ||
		{ cat "$work/$f.viewer.err"; result 1 "Coz's viewer runs in node on $f.coz"; exit 1; }
done
"$ctl" report --json --min-points 1 "$work/p.coz" >"$work/p.report.json" 2>"$work/p.report.err"
result $? "causalctl report --json reads the profile"

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
view = {f: json.load(open(f'{w}/{f}.viewer.json')) for f in ('p', 'neg', 'swap')}
rep = json.load(open(f'{w}/p.report.json'))
ours = {}
for line in rep['lines']:
    for s in line['series']:
        for pt in s['points']:
            if pt['used']:
                ours[f"{line['selected']} {s['point']} {pt['speedup']:g}"] = pt['progress_speedup']
fails = 0
def result(ok, what):
    global fails
    print(('PASS: ' if ok else 'FAIL: ') + what)
    fails += not ok
v = view['p']
result(not v['warnings'], f"Coz's viewer loads causalctl's profile without a warning ({v['warnings'][:2]})")
def pairs(prefix):
    return [(k, ours[k], v['lines'].get(k)) for k in sorted(ours) if k.startswith(prefix)]
thr = pairs('/src/t.c:1 items ')
result(len(thr) == 11 and all(b is not None and abs(a - b) < 1e-5 for _, a, b in thr),
       f"throughput: the viewer's program speedup is report's at all {len(thr)} line speedups "
       f"(at 50 %: report {ours.get('/src/t.c:1 items 0.5')}, viewer {v['lines'].get('/src/t.c:1 items 0.5')})")
lat = pairs('/src/l.c:2 request ')
nonzero = [(k, a, b) for k, a, b in lat if abs(a) > 1e-6]
result(len(lat) == 11 and nonzero and all(a < 0 for _, a, _ in nonzero) and
       all(b is not None and abs(a + b) < 1e-5 for _, a, b in lat),
       f"latency, a harmful line: report's program speedup is negative and the viewer's the same "
       f"number positive (at 50 %: report {ours.get('/src/l.c:2 request 0.5'):+.4f}, viewer "
       f"{v['lines'].get('/src/l.c:2 request 0.5'):+.4f})")
for f, what in (('neg', 'difference negated'), ('swap', 'arrivals and departures swapped')):
    lv = {k: x for k, x in view[f]['lines'].items() if k.startswith('/src/l.c:2')}
    same = lv and all(abs(x - v['lines'][k]) < 1e-9 for k, x in lv.items())
    result(bool(same), f"no record fixes the viewer's sign: with {what} it shows the same latency curve")
sys.exit(1 if fails else 0)
PY
prc=$?
[ $fails -eq 0 ] && [ $prc -eq 0 ]
