#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of the Go prediction check (tests/bench/go-run.sh boots the VM and prints the
# table from these "BG ..." lines): causalctl's prediction for the HTTP/2 server's checksum line
# against the real change, -work halved (that line then does half its iterations: a 50 % line
# speedup by construction). The server runs pinned to CPU 0 and the client to CPU 1, so that the
# server is the bottleneck and the client (outside the session) is a load generator whose speed
# the change does not alter, as in the virtual speedup.
#   go-h2.sh LINE [reps=R] [preps=P] [n=N] [pn=N] [work=W] [len=T]
#     LINE: the line of h2server/main.go marked "checksum"; R plain base/optimized pairs
#     (default 5); P profiled runs per speedup, 0 % and 50 % alternating (default 3); n requests
#     per plain run (default 600), pn per profiled run (default 2400: causalctl first builds the
#     line table, 10-20 s under emulation); W checksum rounds (default 200); T experiment length
#     (default 250ms)
line=$1
shift
reps=5
preps=3
n=600
pn=2400
work=200
len=250ms
for arg in "$@"; do
	case "$arg" in
	reps=*|preps=*|n=*|pn=*|work=*|len=*) eval "${arg%%=*}=\${arg#*=}" ;;
	*) echo "BG error unknown argument '$arg'"; exit 2 ;;
	esac
done
half=$((work / 2))
tmp=/tmp/bg
mkdir -p $tmp
if ! insmod /lib/causal/causal.ko; then
	echo "BG error insmod failed"
	exit 1
fi
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
echo "BG info kernel=$(uname -r) cpus=$(nproc) line=$line reps=$reps preps=$preps n=$n pn=$pn work=$work len=$len"

# ready PID: waits (at most 60 s) for the server to listen, or for it to die
ready() {
	w=0
	while [ ! -e $tmp/ready ] && kill -0 "$1" 2>/dev/null && [ $w -lt 600 ]; do
		sleep 0.1
		w=$((w + 1))
	done
}

# client N TAG: N requests, 10 in flight, from CPU 1; prints "BG run TAG secs=S rc=RC"
client() {
	taskset -c 1 timeout 600 h2client -n "$1" -inflight 10 >$tmp/client.out 2>&1
	crc=$?
	secs=$(sed -n 's/^h2client: .* in \([0-9.]*\)s,.*/\1/p' $tmp/client.out)
	[ $crc -eq 0 ] || { sed 's/^/# /' $tmp/client.out | tail -5; killall h2server 2>/dev/null; }
	echo "BG run $2 secs=${secs:-0} rc=$crc"
}

# plain WORK: one unprofiled run
plain() {
	rm -f $tmp/ready
	taskset -c 0 h2server -n "$n" -work "$1" -ready $tmp/ready >$tmp/server.out 2>&1 &
	s=$!
	ready $s
	client "$n" "kind=plain work=$1"
	wait $s
}

# profiled SPEEDUP: the server under causalctl --fixed-line at the checksum line, into one profile
profiled() {
	rm -f $tmp/ready
	taskset -c 0 causalctl run -o $tmp/h2-fixed.coz --experiment-length "$len" \
		--fixed-line "h2server/main.go:$line" --fixed-speedup "$1" --progress main.handle \
		-- h2server -n "$pn" -work "$work" -ready $tmp/ready >$tmp/ctl.out 2>&1 &
	ctl=$!
	ready $ctl
	# causalctl itself (its symbol tables, its drain) moves to the client's CPU; the server stays
	taskset -p -c 1 $ctl >/dev/null
	client "$pn" "kind=fixed speedup=$1"
	w=0
	while kill -0 $ctl 2>/dev/null && [ $w -lt 120 ]; do sleep 1; w=$((w + 1)); done
	kill -INT $ctl 2>/dev/null
	wait $ctl
	rc=$?
	grep -h '^causal: [0-9]* experiments in' $tmp/ctl.out | sed "s/^/BG note speedup=$1 rc=$rc /"
	[ $rc -eq 0 ] || sed 's/^/# /' $tmp/ctl.out | tail -8
}

rm -f $tmp/h2-fixed.coz
i=0
while [ $i -lt "$reps" ]; do
	if [ $((i % 2)) -eq 0 ]; then
		plain "$work"
		plain "$half"
	else
		plain "$half"
		plain "$work"
	fi
	i=$((i + 1))
done
i=0
while [ $i -lt "$preps" ]; do
	profiled 0
	profiled 50
	i=$((i + 1))
done
echo "BG json $(causalctl report --json --min-points 2 $tmp/h2-fixed.coz 2>&1 | tr -d '\n')"
causalctl report --min-points 2 $tmp/h2-fixed.coz 2>&1 | sed 's/^/# /'
dmesg | grep -iE 'causal|BUG|WARN' | sed 's/^/# dmesg: /' | tail -10
rmmod causal || echo "BG error rmmod failed"
echo "BG end"
