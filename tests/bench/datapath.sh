# Sourced by bench.sh: the data path of --tunnel-marks.  Packets/s that
# the server's udp/1701 can send to a client, L2TP data messages (no L
# bit) over 60,000 tunnels, through a table with 60,001 tunnels in its
# maps (a translation finds a free ID in a bounded number of tries, so
# a peer address keeps some IDs free), against an identical pair of
# namespaces with no table at all; runs alternated, medians taken.  Also:
# traffic over 1,000 of the tunnels only (their elements stay in the
# CPU's caches, as a server's busy tunnels would), all packets to a
# translated tunnel (a map hit, a payload write), and a table that only
# sets a constant mark (the price of any per-SA mark).
DATA=${BENCH_DATA:-1000000}
DATAPROG=$B/bench-data
NS_C2=l2nq-c2-$ID
NS_S2=l2nq-s2-$ID

# the baseline pair: same addresses, no table
ip netns add "$NS_C2" && ip netns add "$NS_S2"
ip link add veth0 netns "$NS_C2" type veth peer name veth0 netns "$NS_S2"
for ns in "$NS_C2" "$NS_S2"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
done
ip -n "$NS_C2" addr add $C4/24 dev veth0
ip -n "$NS_S2" addr add $S4/24 dev veth0
trap 'cleanup; ip netns del "$NS_C2" 2>/dev/null; ip netns del "$NS_S2" 2>/dev/null' EXIT

# the table: 60,000 tunnels from the client, and one more through another
# SA with a colliding ID, translated
in_s nft add rule inet marks pre udp dport 1701 @th,336,48 0x786c61746564 \
	meta mark set 0x2
: >"$TMP/daemon.err"
start_bg daemon $IN_S "$DAEMON" -n $QNUM --ipsec-check none --tunnel-marks \
	--tunnels-per-mark 0 --sccrq-rate 0
wait_until 5 grep -q installed "$TMP/daemon.err" || cat "$TMP/daemon.err"
count4() {
	in_s nft -j list map inet l2tp-nfqd tunnels4 2>/dev/null |
		jq '[.nftables[] | select(.map) | .map.elem | length] | add'
}
in_c "$SEND" 60000 $S4 >/dev/null
# a burst this size outruns the queue: what passed unseen comes again,
# as retransmissions would
for i in 1 2 3 4 5; do
	[ "$(count4)" -ge 60000 ] && break
	sleep 1
	in_c "$SEND" 60000 $S4 >/dev/null
done
xlated() {	# the translated tunnel's ID, from the translation map
	in_s nft -j list map inet l2tp-nfqd xlate4 2>/dev/null | jq -r \
		'[.nftables[] | select(.map) | .map.elem[]?[0].concat[1]] | .[0] // empty'
}
for i in 1 2 3 4 5; do
	in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 xlated
	wait_until 2 sh -c "$IN_S nft list map inet l2tp-nfqd xlate4 | grep -q ' : 0x1'" &&
		break
done
xtid=$(xlated)
elements=$(count4)
echo "map: $elements tunnels, translated tunnel $xtid"

# rate NS FIRST LAST: "packets/s cpu_ns_per_packet received", the server
# of pair NS sending; a receiver on the client side
rate() {
	cns=$(echo "$1" | sed 's/-s/-c/; s/-s2/-c2/')
	timeout 60 ip netns exec "$cns" "$NETTOOL" count -t 500 1701 \
		>"$TMP/count.out" &
	cpid=$!
	sleep 0.3
	r=$(ip netns exec "$1" "$DATAPROG" "$DATA" $C4 "$2" "$3" |
		sed 's/.*: \([0-9]*\)\/s, cpu \([0-9]*\) .*/\1 \2/')
	wait $cpid
	echo "$r $(tail -n1 "$TMP/count.out")"
}
const_mark() {	# the baseline pair with a route chain that marks all
	printf 'table inet k {\n chain o {\n type route hook output priority mangle;\n udp sport 1701 meta mark set 0x1\n }\n}\n' |
		ip netns exec "$NS_S2" nft -f -
}
median() { sort -n | sed -n 2p; }
: >"$TMP/dp"
for i in 1 2 3; do
	echo "none $(rate "$NS_S2" 1 60000)" >>"$TMP/dp"
	const_mark
	echo "const $(rate "$NS_S2" 1 60000)" >>"$TMP/dp"
	ip netns exec "$NS_S2" nft delete table inet k
	echo "map $(rate "$NS_S" 1 60000)" >>"$TMP/dp"
	echo "warm $(rate "$NS_S" 1 1000)" >>"$TMP/dp"
	echo "xlate $(rate "$NS_S" "$xtid" "$xtid")" >>"$TMP/dp"
done
# l2tp-nfqd status of all these tunnels, three times: its wall time, and
# the daemon's CPU time for the replies (each built from memory between
# two batches of packets: the loop is held up one reply at a time)
dpid=$(pid_of daemon)
: >"$TMP/st"
for i in 1 2 3; do
	c0=$(cut -d' ' -f1 "/proc/$dpid/schedstat")
	t0=$(date +%s%N)
	in_s "$DAEMON" status --json >"$TMP/status.json"
	t1=$(date +%s%N)
	c1=$(cut -d' ' -f1 "/proc/$dpid/schedstat")
	echo "$(((t1 - t0) / 1000000)) $(((c1 - c0) / 1000000)) $(jq '.tunnels | length' "$TMP/status.json")" >>"$TMP/st"
	t0=$(date +%s%N)
	in_s "$DAEMON" metrics >/dev/null
	t1=$(date +%s%N)
	echo "metrics $(((t1 - t0) / 1000000))" >>"$TMP/st"
done
stop daemon
st_wall=$(awk 'NF == 3 { print $1 }' "$TMP/st" | median)
st_cpu=$(awk 'NF == 3 { print $2 }' "$TMP/st" | median)
st_n=$(awk 'NF == 3 { print $3 }' "$TMP/st" | median)
st_metrics=$(awk '$1 == "metrics" { print $2 }' "$TMP/st" | median)
echo "status: $st_n tunnels in $st_wall ms, the daemon's replies $st_cpu ms CPU; metrics $st_metrics ms"
cat "$TMP/dp"
for p in none const map warm xlate; do
	eval "dp_$p=\$(awk '\$1 == \"$p\" { print \$2 }' \"\$TMP/dp\" | median)"
	eval "cpu_$p=\$(awk '\$1 == \"$p\" { print \$3 }' \"\$TMP/dp\" | median)"
done
echo "data path: no table $dp_none/s $cpu_none ns, constant mark $dp_const/s $cpu_const ns, map $dp_map/s $cpu_map ns, 1,000 of its tunnels $dp_warm/s $cpu_warm ns, translated $dp_xlate/s $cpu_xlate ns ($elements elements)"

datapath_report() {
	echo "## \`--tunnel-marks\`: the data path"
	echo
	echo "$DATA L2TP data messages (100 bytes, no L bit) per run from the"
	echo "server's udp/1701 to a client, over tunnel IDs 1-60000, through"
	echo "a table whose map holds $elements tunnels, against an identical"
	echo "pair of namespaces without any table, and that pair with one"
	echo "route-chain rule that gives every packet a constant mark: any mark"
	echo "on the output path makes the kernel route the packet again (that"
	echo "is how the mark picks the IPsec SA), whoever sets it. Three runs"
	echo "each, alternated, medians. CPU is the sender's own CPU time per"
	echo "packet (the output path, our rules included, runs in its system"
	echo "calls), which other load on the machine does not skew as it does"
	echo "packets/s. Data messages cost lookups (mark, freshness, and for IDs"
	echo "from 32768 up translation) and no write but once per quarter timeout."
	echo
	echo "| path | CPU/packet (ns, median) | runs (ns) | vs no table | vs constant mark | packets/s (median) |"
	echo "|---|---:|---|---:|---:|---:|"
	for p in none const map warm xlate; do
		case $p in
		none) label="no table" ;;
		const) label="constant mark (route chain, one rule)" ;;
		map) label="$elements-tunnel map, untranslated" ;;
		warm) label="the same, traffic over 1,000 of its tunnels" ;;
		xlate) label="translated tunnel (payload write)" ;;
		esac
		eval "v=\$cpu_$p; r=\$dp_$p"
		runs=$(awk -v p=$p '$1 == p { printf "%s%s", s, $3; s = ", " }' "$TMP/dp")
		echo "| $label | $v | $runs | $(awk "BEGIN { printf \"%.2f\", $v / $cpu_none }") | $(awk "BEGIN { printf \"%.2f\", $v / $cpu_const }") | $r |"
	done
	echo
	echo "## \`l2tp-nfqd status\` of the same table"
	echo
	echo "\`l2tp-nfqd status --json\` with the daemon running and $st_n tunnels"
	echo "listed (daemon and kernel merged, the XFRM and kernel L2TP readers"
	echo "included): $st_wall ms wall time (median of three). The daemon's"
	echo "share is $st_cpu ms of CPU for all its replies together, each one"
	echo "at most 64 KiB built from memory between two batches of packets,"
	echo "so the packet path waits for one reply at most, never for the"
	echo "whole listing. \`l2tp-nfqd metrics\`, which reads the same to count"
	echo "the tunnels: $st_metrics ms."
}
