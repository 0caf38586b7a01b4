#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of the PGO benchmark (tests/bench/pgo.sh): profiles the HTTP/2 server under
# causalctl run (its callchains), writes `report --pprof` of it and prints that on stdout as base64
# lines starting "PG b64 ".
#   pgo-guest.sh [N]     N requests (default 3000)
n=${1:-3000}
tmp=/tmp/pg
mkdir -p $tmp
insmod /lib/causal/causal.ko || { echo "PG error insmod failed"; exit 1; }
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
causalctl run -o $tmp/h2.coz --experiment-length 250ms --progress main.handle \
	-- h2server -n "$n" -ready $tmp/ready >$tmp/ctl.out 2>&1 &
ctl=$!
w=0
while [ ! -e $tmp/ready ] && kill -0 $ctl 2>/dev/null && [ $w -lt 600 ]; do sleep 0.1; w=$((w + 1)); done
timeout 600 h2client -n "$n" -inflight 10 >$tmp/client.out 2>&1 || killall h2server 2>/dev/null
wait $ctl
sed 's/^/# /' $tmp/ctl.out $tmp/client.out
causalctl report --min-points 1 -n 3 --pprof $tmp/h2.pb.gz $tmp/h2.coz 2>&1 | sed 's/^/# /'
[ -s $tmp/h2.pb.gz ] || { echo "PG error no pprof profile"; exit 1; }
base64 $tmp/h2.pb.gz | sed 's/^/PG b64 /'
echo "PG end"
