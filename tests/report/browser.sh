#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# causalctl report's HTML and trace outputs in real consumers: the HTML report of a profile opens
# in headless Chromium with no console message and renders a non-blank page (a screenshot with
# plots in it), and the Chrome trace is well-formed JSON with the events the profile implies.
# Prints PASS/FAIL lines; exits 1 if any failed.
#   tests/report/browser.sh [OUTDIR]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/report-browser}
rm -rf "$out"
mkdir -p "$out"
ctl=$top/userland/causalctl
fails=0
result() {
	if [ "$1" -eq 0 ]; then echo "PASS: $2"; else echo "FAIL: $2"; fails=$((fails + 1)); fi
}

# A profile with a known shape: line hot.c:10 speeds the program up by half its own speedup, line
# cold.c:20 does nothing, 21 speedups each with two experiments, and per-thread spans.
awk 'BEGIN {
	printf "{\"type\":\"startup\",\"time\":1700000000000000000,\"thread_model\":\"task\"}\n"
	t = 1000000000
	for (rep = 0; rep < 2; rep++)
	for (s = 0; s <= 100; s += 5) {
		for (l = 0; l < 2; l++) {
			line = l ? "/src/cold.c:20" : "/src/hot.c:10"
			gain = l ? 0 : s / 200.0
			delta = int(1000 * (1 + gain) + 0.5)
			printf "{\"type\":\"experiment\",\"selected\":\"%s\",\"speedup\":%.2f,\"duration\":500000000,\"selected_samples\":100,\"start_ns\":%d,\"end_ns\":%d}\n", line, s / 100, t, t + 500000000
			printf "{\"type\":\"throughput-point\",\"name\":\"requests\",\"delta\":%d}\n", delta
			printf "{\"type\":\"thread-spans\",\"pid\":100,\"tid\":101,\"kind\":\"oncpu\",\"spans\":[[%d,400000000]]}\n", t
			printf "{\"type\":\"thread-spans\",\"pid\":100,\"tid\":102,\"kind\":\"delay\",\"spans\":[[%d,2000000],[%d,3000000]]}\n", t + 1000000, t + 9000000
			t += 510000000
		}
	}
	printf "{\"type\":\"runtime\",\"time\":%d}\n", t
}' >"$out/profile.coz"

"$ctl" report --html "$out/report.html" --trace "$out/trace.json" "$out/profile.coz" \
	>"$out/report.txt" 2>&1
result $? "report --html --trace exits 0"
sed 's/^/  /' "$out/report.txt"
# the first row of the table (rank 1), its line column exactly
first=$(awk '$1 == "1" && $2 ~ /:[0-9]+$/ {print $2; exit}' "$out/report.txt")
[ "$first" = /src/hot.c:10 ]
result $? "the line with an effect ranks first (first row: ${first:-none})"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	result 1 "headless Chromium available (the chromium package; scripts/deps.sh installs it)"
else
	# --v=0 with logging on stderr prints every console message as "CONSOLE(...)"
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$out/chromium-profile" --enable-logging=stderr --v=0 \
		--window-size=1200,1600 --screenshot="$out/report.png" "file://$out/report.html" \
		>"$out/chromium.log" 2>&1
	result $? "Chromium renders the HTML report"
	! grep -E 'CONSOLE|Uncaught|Refused to' "$out/chromium.log"
	result $? "no console messages or refused loads while rendering"
	python3 - "$out/report.png" <<'PY'
import struct, sys, zlib
# count pixels that are not (nearly) white in the screenshot: the plots and the table
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
inked = colored = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, b = line[x:x + 3]
        if min(r, g, b) < 200:
            inked += 1
        if b - r > 60:
            colored += 1
    prev = line
share = inked / (w * h)
print('  screenshot %dx%d, %.2f%% of the pixels inked, %d in the plot colour' % (w, h, 100 * share, colored))
# text alone inks well under 0.1 %; the curves are the only blue
sys.exit(0 if share > 0.002 and colored > 500 else 1)
PY
	result $? "the screenshot is not blank"
fi

python3 - "$out/trace.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
ev = t['traceEvents']
exps = [e for e in ev if e.get('ph') == 'X' and e.get('args', {}).get('selected')]
names = {e['name'] for e in ev if e.get('ph') == 'X'}
meta = [e for e in ev if e.get('ph') == 'M' and e.get('name') == 'thread_name']
print('  %d events: %d experiments, span kinds %s, %d thread names' % (len(ev), len(exps), sorted(names), len(meta)))
assert len(exps) == 84, len(exps)
for e in ev:
    assert 'ts' in e or e.get('ph') == 'M', e
    assert 'pid' in e, e
assert any('delay' in n for n in names), names
assert any('cpu' in n.lower() for n in names), names
assert {101, 102} <= {e.get('tid') for e in meta}, meta
counters = {e['name'] for e in ev if e.get('ph') == 'C'}
assert {'utilisation', 'progress requests'} <= counters, counters
assert t['otherData']['clock'] == 'CLOCK_MONOTONIC', t.get('otherData')
PY
result $? "the trace is Chrome trace JSON with every experiment, thread names, delay and on-CPU spans, utilisation and progress counters"

[ $fails -eq 0 ]
