#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the guest, for tests/bench/generated.sh --flat: per flat-profile program (flat-SEED and its
# manifest in /bin), rounds free-running profiles of secs seconds each with --policy adaptive and
# --policy samples (Coz's), in an order that alternates from round to round; for each, where the
# stop rule of --until-settled first held (causalctl report --settle), the line ranked first at
# the end and how many lines had samples:
#   "FLAT SEED POLICY ROUND held=K|never exps=N exp_s=S leader=FILE:LINE lines=N"
#   flat-guest.sh SEED[,SEED...] [rounds=N] [secs=N]
seeds=$(echo "$1" | tr , ' ')
shift
rounds=2
secs=60
for kv in "$@"; do
	case "$kv" in
	rounds=*|secs=*) eval "${kv%%=*}=\${kv#*=}" ;;
	*) echo "# flat-guest: unknown $kv" ;;
	esac
done
insmod /lib/causal/causal.ko || exit 1
for s in $seeds; do
	r=1
	while [ $r -le "$rounds" ]; do
		if [ $((r % 2)) -eq 1 ]; then order="adaptive samples"; else order="samples adaptive"; fi
		for pol in $order; do
			f=/tmp/flat-$s-$pol-$r.coz
			# the program runs for ever: at --duration causalctl stops it (SIGTERM, 143)
			causalctl run --policy $pol --duration "$secs" -o $f -- flat-$s 1000000000 \
				>/tmp/run.out 2>&1
			rc=$?
			[ $rc -eq 143 ] || { echo "# flat-$s $pol: causalctl run exited $rc"; tail -3 /tmp/run.out; }
			settle=$(causalctl report --settle $f 2>/dev/null | sed -n 's/^settle: //p')
			case "$settle" in
			"held after experiment "*)
				held=$(echo "$settle" | sed 's/^held after experiment \([0-9]*\) of \([0-9]*\) (\([0-9.]*\) s.*/\1 \2 \3/') ;;
			*)
				held=$(echo "$settle" | sed 's/^never held in \([0-9]*\) experiments (\([0-9.]*\) s.*/never \1 \2/') ;;
			esac
			leader=$(causalctl report $f 2>/dev/null | awk '$1 == "1" { print $2; exit }')
			lines=$(grep -c '"type":"samples"' $f)
			set -- $held
			echo "FLAT $s $pol $r held=$1 exps=$2 exp_s=$3 leader=${leader##*/} lines=$lines"
		done
		r=$((r + 1))
	done
done
