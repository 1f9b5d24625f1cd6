#!/bin/sh
# make bench: bursts of SCCRQs against l2tp-nfqd and against a minimal
# queue consumer (the floor), latency at a low rate, memory, start-up.
# Writes doc/performance.md, ending with tests/bench/history.md and
# tests/bench/l2tpns.md (tests/bench/l2tpns-rate.sh and tunnel-mem.sh
# measure the latter).  Root, network namespaces; not a test.
. "$(dirname "$0")/../lib.sh"
OUT=${BENCH_OUT:-$TOP/doc/performance.md}
BURSTS=${BENCH_BURSTS:-"1000 10000 200000"}
setup_net
# every packet carries a mark, as set_mark_in gives IPsec traffic
sim_mark 0x1
RECV=$B/bench-recv
SEND=$B/bench-send
FLOOR=$B/bench-floor

# on-CPU time of a process in ns (user + system, scheduler accounting)
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }
hwm_kib() { sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

results=$TMP/results
: >"$results"

# burst N ARGS...: N SCCRQs at full speed against the daemon; prints
# "offered delivered unseen dropped cpu_ns_per_packet peak_rss_kib"
burst() {
	n=$1
	shift
	start_bg recv "$RECV" "$SOCK" "$n" 2000
	wait_until 5 grep -q ready "$TMP/recv.out"
	: >"$TMP/daemon.err"
	start_bg daemon $IN_S "$DAEMON" -n $QNUM -o "$SOCK" --ipsec-check none "$@"
	wait_until 5 grep -q installed "$TMP/daemon.err" || {
		cat "$TMP/daemon.err"; exit 1; }
	dpid=$(pid_of daemon)
	c0=$(cpu_ns "$dpid")
	offered=$(in_c "$SEND" "$n" $S4 | sed 's/.*: \([0-9]*\)\/s/\1/')
	wait "$(pid_of recv)"
	c1=$(cpu_ns "$dpid")
	[ -n "${BURST_HOOK:-}" ] && eval "$BURST_HOOK" && echo "$rl" >"$TMP/rl"
	got=$(sed -n 's/^received \([0-9]*\).*/\1/p' "$TMP/recv.out")
	rss=$(hwm_kib "$dpid")
	stop daemon
	# where the losses were: passed unseen by a full kernel queue
	# (fail-open), or dropped from a full backlog
	queued=$(sed -n 's/.*: queued \([0-9]*\),.*/\1/p' "$TMP/daemon.err" | tail -n1)
	dropped=$(sed -n 's/.*, dropped \([0-9]*\),.*/\1/p' "$TMP/daemon.err" | tail -n1)
	echo "$offered $got $((n - queued)) $dropped $(((c1 - c0) / n)) $rss"
}

for n in $BURSTS; do
	set -- $(burst "$n" $BENCH_ARGS)
	offered=$1 got=$2 unseen=$3 dropped=$4 dc=$5 rss=$6

	# the floor on the same burst
	start_bg floor $IN_S "$FLOOR" $QNUM
	wait_until 5 grep -q ready "$TMP/floor.out"
	queue_rule
	fpid=$(pid_of floor)
	f0=$(cpu_ns "$fpid")
	in_c "$SEND" "$n" $S4 >/dev/null
	sleep 1
	f1=$(cpu_ns "$fpid")
	stop floor
	in_s iptables-nft -t mangle -F INPUT

	echo "$n $offered $got $((n - got)) $unseen $dropped $dc $(((f1 - f0) / n)) $rss" |
		tee -a "$results"
done

# --tunnel-marks against the default, alternated, on the largest burst;
# for --tunnel-marks the SCCRQs come through 1,024 stand-in SAs (the mark
# from the tunnel ID: 0x10000 + ID % 1024), as that many clients behind
# one address would, since one mark may have only --tunnels-per-mark
# tunnels and send --sccrq-rate SCCRQs a second
TM_BURST=${BENCH_TM_BURST:-200000}
spread_marks() {	# spread_marks on|off
	in_s nft flush chain inet marks pre
	if [ "$1" = off ]; then
		in_s nft add rule inet marks pre meta mark set 0x1
		return
	fi
	{
		echo 'table inet marks {'
		echo 'map spread { typeof @th,544,16 : meta mark; elements = {'
		seq 1 65535 | awk '{ printf "%d : 0x%x\n", $1, 65536 + $1 % 1024 }' |
			paste -sd,
		echo '} }'
		echo 'chain pre { udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 meta mark set @th,544,16 map @spread; }'
		echo '}'
	} | in_s nft -f -
}
# what the daemon said of a burst at its exit: bound, and dropped by reason
tm_counts() {
	bound=$(sed -n 's/.*tunnels: \([0-9]*\) IPv4.*/\1/p' "$TMP/daemon.err" | tail -n1)
	why=$(sed -n 's/.*SCCRQs dropped: //p' "$TMP/daemon.err" | tail -n1)
	inv=$(sed -n 's/.*dropped: invalid \([0-9]*\), no packet mark \([0-9]*\).*/invalid \1, no mark \2/p' \
		"$TMP/daemon.err" | tail -n1)
	echo "$bound|$why, $inv"
}
: >"$TMP/tm"
for i in 1 2; do
	for args in "" "--tunnel-marks" \
		    "--tunnel-marks --sccrq-rate 0 --tunnels-per-mark 0"; do
		[ -n "$args" ] && spread_marks on || spread_marks off
		# the kernel's rate-limit drops, read before the daemon goes
		BURST_HOOK='rl=$(in_s nft -j list chain inet l2tp-nfqd input 2>/dev/null |
			jq "[.nftables[] | select(.rule) | select(.rule.expr |
			tostring | test(\"sccrq_rate\")) | .rule.expr[] |
			select(.counter) | .counter.packets] | add // 0")'
		r=$(burst $TM_BURST $args)
		echo "${args:-default}|$r|$(tm_counts)|$(cat "$TMP/rl" 2>/dev/null)" |
			tee -a "$TMP/tm"
	done
done
spread_marks off

. "$TOP/tests/bench/datapath.sh"
. "$TOP/tests/bench/inbound.sh"

# latency at 1,000 SCCRQs per second
start_bg recv "$RECV" "$SOCK" 5000 2000
wait_until 5 grep -q ready "$TMP/recv.out"
: >"$TMP/daemon.err"
start_bg daemon $IN_S "$DAEMON" -n $QNUM -o "$SOCK" --ipsec-check none $BENCH_ARGS
wait_until 5 grep -q installed "$TMP/daemon.err"
in_c "$SEND" -r 1000 5000 $S4 >/dev/null
wait "$(pid_of recv)"
lat=$(cat "$TMP/recv.out" | tail -n1)
rss_lat=$(hwm_kib "$(pid_of daemon)")
stop daemon
echo "latency: $lat"

# start to rules installed (READY=1 is sent right after the table)
starts=
for i in 1 2 3 4 5; do
	start_bg notify "$RECV" --notify "$TMP/notify.sock"
	wait_until 5 grep -q ready "$TMP/notify.out"
	t0=$(date +%s%N)
	NOTIFY_SOCKET=$TMP/notify.sock start_bg daemon $IN_S "$DAEMON" \
		-n $QNUM --ipsec-check none
	wait "$(pid_of notify)"
	t1=$(tail -n1 "$TMP/notify.out")
	starts="$starts $(((t1 - t0) / 1000))"
	stop daemon
done
start_us=$(echo $starts | tr ' ' '\n' | sort -n | sed -n 3p)
echo "start to rules installed (us): $starts; median $start_us"

cpu=$(lscpu | sed -n 's/^Model name:\s*//p' | head -n1)
{
	echo "# Performance"
	echo
	echo "Measured with \`make bench\` ($(date -u +%Y-%m-%d)) on $(nproc) cores of"
	echo "$cpu, Linux $(uname -r), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)."
	echo "Client and server are network namespaces joined by veth; the"
	echo "server queues with the daemon's own table (xtables NFQUEUE target"
	echo "through nft_compat on this kernel) and the receiver is an AF_UNIX"
	echo "socket with the default queue of 10 datagrams."
	echo
	echo "## Bursts at full speed"
	echo
	echo "CPU is the daemon's on-CPU time (user + system, from"
	echo "\`/proc/PID/schedstat\`) per packet during the burst; the floor is a"
	echo "minimal queue consumer (\`tests/bench/floor.c\`: bind, copy the same"
	echo "range, receive in batches, one batch verdict, nothing else) fed the"
	echo "same burst."
	echo
	echo "| burst | offered rate (/s) | delivered | lost | of which unseen (queue full) | of which dropped (backlog full) | daemon CPU/packet (ns) | floor CPU/packet (ns) | ratio | peak RSS (KiB) |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	while read -r n off got lost unseen dropped dc fc rss; do
		ratio=$(awk "BEGIN { printf \"%.2f\", $dc / ($fc ? $fc : 1) }")
		echo "| $n | $off | $got | $lost | $unseen | $dropped | $dc | $fc | $ratio | $rss |"
	done <"$results"
	echo
	echo "## \`--tunnel-marks\`: a burst of new tunnels"
	echo
	echo "$TM_BURST SCCRQs at full speed from one address, tunnel IDs"
	echo "cycling through 1-65535 (65,535 tunnels, then retransmissions), each"
	echo "option set twice, alternated. With \`--tunnel-marks\` they come"
	echo "through 1,024 stand-in SAs (marks 0x10000 + ID % 1024, 64 tunnels"
	echo "each), as from that many clients behind one address; by default one"
	echo "mark may send 20 SCCRQs a second (burst 40) and have 64 tunnels, so"
	echo "most of a burst this size is dropped by the kernel's rate limit before"
	echo "the queue, and the clients' retransmissions would bind the rest."
	echo "Delivered: messages that reached the receiver. Each batch of up to 64"
	echo "SCCRQs adds its tunnels' elements in one transaction before its"
	echo "verdict."
	echo
	echo "| options | offered (/s) | delivered | share | unseen | dropped (backlog) | CPU/packet (ns) | peak RSS (KiB) | tunnels bound | rate-limited by the kernel | dropped by the daemon |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	while IFS='|' read -r a r bound why rl; do
		set -- $r
		share=$(awk "BEGIN { printf \"%.2f %%\", 100 * $2 / $TM_BURST }")
		[ "$why" = ", " ] && why="(accepts all)"
		echo "| \`$a\` | $1 | $2 | $share | $3 | $4 | $5 | $6 | ${bound:--} | ${rl:-} | ${why:-} |"
	done <"$TMP/tm"
	echo
	datapath_report
	echo
	inbound_report
	echo
	echo "## Latency, memory, start-up"
	echo
	echo "- SCCRQ sent to message received, 5,000 SCCRQs at 1,000/s:"
	echo "  $(echo "$lat" | sed 's/received \([0-9]*\) p50 \(.*\) p99 \(.*\) max \(.*\)/\1 received; p50 \2 µs, p99 \3 µs, max \4 µs/')."
	echo "- Peak RSS (VmHWM) in that run: $rss_lat KiB."
	echo "- Start to rules installed (exec to READY=1, median of 5): $start_us µs"
	echo "  (runs:$starts µs)."
	echo
	echo "Reproduce: \`make bench\` (root). \`BENCH_BURSTS=\"1000\"\` runs fewer"
	echo "bursts, \`BENCH_ARGS=...\` passes options to the daemon,"
	echo "\`BENCH_TM_BURST=N\` sizes the \`--tunnel-marks\` burst,"
	echo "\`BENCH_DATA=N\` the data path runs, \`BENCH_OUT=file\` writes elsewhere."
	echo
	cat "$TOP/tests/bench/history.md"
	echo
	cat "$TOP/tests/bench/l2tpns.md"
} >"$OUT"
echo "wrote $OUT"
