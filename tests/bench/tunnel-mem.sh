#!/bin/sh
# Kernel memory of the --tunnel-marks maps (root, a scratch namespace; not
# a test).  The kernel accounts nftables sets nowhere per set, so this
# reads the machine's unreclaimable slab (SUnreclaim in /proc/meminfo)
# before and after, three times, and prints the median: other activity on
# the machine adds noise of a few hundred KiB at most.  Each reading
# waits a second for the kernel's deferred frees and hash resizes.
#   1. the daemon's table alone, at several --tunnel-marks-max: the maps
#      are fixed-size hashes, allocated whole when the table is made
#   2. N elements in a copy of the maps (the daemon's own table belongs
#      to the daemon: no one else may add to it): the cost per tunnel
. "$(dirname "$0")/../lib.sh"
N=${MEM_ELEMENTS:-60000}
ip netns add "$NS_S" || skip "no netns"

slab() { sleep 1; sed -n 's/^SUnreclaim:\s*\([0-9]*\) kB/\1/p' /proc/meminfo; }
median() { tr ' ' '\n' | grep . | sort -n | sed -n 2p; }

for max in 1024 8192 65536; do
	runs=
	for i in 1 2 3; do
		s0=$(slab)
		start_bg daemon $IN_S "$DAEMON" -n $QNUM --ipsec-check none \
			--tunnel-marks --tunnel-marks-max $max
		wait_until 5 grep -q installed "$TMP/daemon.err" ||
			{ cat "$TMP/daemon.err"; exit 1; }
		s1=$(slab)
		stop daemon
		: >"$TMP/daemon.err"
		runs="$runs $((s1 - s0))"
	done
	echo "table, --tunnel-marks-max $max: $(echo $runs | median) KiB (runs:$runs)"
done

# the daemon's map and live set, as --print-rules shows them, filled
elems() {	# elems SET WITH_DATA: N elements, 5000 a line
	i=0
	while [ $i -lt $N ]; do
		j=$i
		printf 'add element inet mem %s { ' "$1"
		while [ $j -lt $((i + 5000)) ] && [ $j -lt $N ]; do
			[ $j -gt $i ] && printf ', '
			printf '10.%d.%d.%d . %d' $((j >> 16 & 255)) \
				$((j >> 8 & 255)) $((j & 255)) $((j % 65535 + 1))
			[ -n "$2" ] && printf ' : %d' $((j + 1))
			j=$((j + 1))
		done
		echo ' }'
		i=$j
	done
}
{
	echo 'table inet mem {'
	echo 'map tunnels4 { typeof ip daddr . @th,96,16 : meta mark; size 65536; }'
	echo 'set live4 { typeof ip daddr . @th,96,16; size 65536; flags dynamic,timeout; timeout 300s; }'
	echo '}'
} >"$TMP/empty.nft"
elems tunnels4 data >"$TMP/map.nft"
elems live4 >"$TMP/live.nft"
for f in map live; do
	runs=
	for i in 1 2 3; do
		in_s nft -f "$TMP/empty.nft"
		s0=$(slab)
		in_s nft -f "$TMP/$f.nft"
		s1=$(slab)
		in_s nft delete table inet mem
		runs="$runs $((s1 - s0))"
	done
	kib=$(echo $runs | median)
	echo "$N elements in $f: $kib KiB, $((kib * 1024 / N)) bytes each (runs:$runs)"
done
