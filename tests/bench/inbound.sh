# Sourced by bench.sh: the marginal cost of the inbound binding.  L2TP
# data messages (no L bit, as the kernel's L2TP sends them) from a
# client's udp/1701 to the server's, through the daemon's table as
# --print-rules --tunnel-marks prints it, with 1,000 or 65,535 of the
# client's tunnels bound (own and bound sets full for its address),
# against the same table without the input chain's jump to the inbound
# chain; runs alternated, medians and spread.  The sender's CPU time per
# packet is the measure: over veth, the receive path (the input hook and
# its rules) runs in the softirq of the sender's own system call.
IN_RUNS=${BENCH_INBOUND_RUNS:-9}
IN_DATA=${BENCH_INBOUND_DATA:-1000000}
NS_IC=l2nq-ic-$ID
NS_IS=l2nq-is-$ID

ip netns add "$NS_IC" && ip netns add "$NS_IS"
ip link add veth0 netns "$NS_IC" type veth peer name veth0 netns "$NS_IS"
for ns in "$NS_IC" "$NS_IS"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
done
ip -n "$NS_IC" addr add $C4/24 dev veth0
ip -n "$NS_IS" addr add $S4/24 dev veth0
trap 'cleanup; ip netns del "$NS_IC" 2>/dev/null; ip netns del "$NS_IS" 2>/dev/null' EXIT

# tables TUNNELS: the printed table (its queue statements as accept: this
# kernel may lack nft_queue, and no SCCRQ is sent), the client's data
# marked as its SA's, the own and bound sets holding TUNNELS of its IDs
in_table() {
	"$DAEMON" --print-rules --tunnel-marks --ipsec-check none |
		sed 's/queue num [0-9]*/accept/' |
		ip netns exec "$NS_IS" nft -f - || return 1
	printf 'table inet marks {\n chain pre {\n type filter hook prerouting priority mangle - 10;\n udp dport 1701 meta mark set 0x1\n }\n}\n' |
		ip netns exec "$NS_IS" nft -f -
	{
		echo "add element inet l2tp-nfqd own4 {"
		seq 1 "$1" | sed "s/.*/$C4 . & . 0x1/" | paste -sd,
		echo "}"
		echo "add element inet l2tp-nfqd bound4 {"
		seq 1 "$1" | sed "s/.*/$C4 . &/" | paste -sd,
		echo "}"
	} | ip netns exec "$NS_IS" nft -f -
}
# jump on|off: the input chain's jump to the inbound chain
jump() {
	h=$(ip netns exec "$NS_IS" nft -a list chain inet l2tp-nfqd input |
		sed -n 's/.*jump inbound # handle \([0-9]*\)/\1/p')
	if [ "$1" = off ] && [ -n "$h" ]; then
		ip netns exec "$NS_IS" nft delete rule inet l2tp-nfqd input \
			handle "$h"
	elif [ "$1" = on ] && [ -z "$h" ]; then
		ip netns exec "$NS_IS" nft insert rule inet l2tp-nfqd input \
			udp dport 1701 jump inbound
	fi
}
# in_rate FIRST LAST: "cpu_ns_per_packet received" over IDs FIRST-LAST
in_rate() {
	timeout 60 ip netns exec "$NS_IS" "$NETTOOL" count -t 500 1701 \
		>"$TMP/icount.out" &
	icpid=$!
	sleep 0.3
	r=$(ip netns exec "$NS_IC" "$DATAPROG" "$IN_DATA" $S4 "$1" "$2" |
		sed 's/.*, cpu \([0-9]*\) .*/\1/')
	wait $icpid
	got=$(tail -n1 "$TMP/icount.out")
	[ "$got" = ready ] && got=0
	echo "$r $got"
}

: >"$TMP/inb"
for n in 1000 65535; do
	ip netns exec "$NS_IS" nft flush ruleset
	in_table "$n" || { echo "inbound: cannot load the table"; break; }
	for i in $(seq 1 "$IN_RUNS"); do
		jump on
		echo "$n on $(in_rate 1 "$n")" >>"$TMP/inb"
		jump off
		echo "$n off $(in_rate 1 "$n")" >>"$TMP/inb"
	done
	jump on
	# the drops: a neighbour's SA naming these tunnels
	ip netns exec "$NS_IS" nft flush chain inet marks pre
	ip netns exec "$NS_IS" nft add rule inet marks pre udp dport 1701 \
		meta mark set 0x2
	echo "$n neighbour $(in_rate 1 "$n")" >>"$TMP/inb"
done
cat "$TMP/inb"
# stats N WHAT: "median min max" of the CPU figures
in_stats() {
	awk -v n="$1" -v w="$2" '$1 == n && $2 == w { print $3 }' "$TMP/inb" |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%d %d %d",
			v[int((NR + 1) / 2)], v[1], v[NR] }'
}
for n in 1000 65535; do
	set -- $(in_stats $n on)
	eval "in_on_$n=\"$1 $2 $3\""
	set -- $(in_stats $n off)
	eval "in_off_$n=\"$1 $2 $3\""
	eval "in_nb_$n=\$(awk '\$1 == $n && \$2 == \"neighbour\" { print \$3, \$4 }' \"\$TMP/inb\")"
done
echo "inbound: 1000 on $in_on_1000 off $in_off_1000; 65535 on $in_on_65535 off $in_off_65535"

inbound_report() {
	echo "## \`--tunnel-marks\`: the inbound binding"
	echo
	echo "$IN_DATA L2TP data messages (100 bytes, no L bit) per run from a"
	echo "client's udp/1701 to the server's, tunnel IDs cycling over the"
	echo "bound ones, through the daemon's table (\`--print-rules"
	echo "--tunnel-marks\`, the queue statements as accept), its own and"
	echo "bound sets holding 1,000 or 65,535 of the client's tunnels, with"
	echo "and without the input chain's jump to the inbound chain;"
	echo "$IN_RUNS runs each, alternated. CPU is the sender's own CPU time"
	echo "per packet (from \`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)\`): over"
	echo "veth the receive path, the input hook and its rules included, runs"
	echo "in the softirq of the sender's system calls."
	echo
	echo "| tunnels bound | with the binding: CPU/packet (ns), median [min-max] | without | marginal cost |"
	echo "|---:|---:|---:|---:|"
	for n in 1000 65535; do
		eval "set -- \$in_on_$n \$in_off_$n"
		pct=$(awk "BEGIN { printf \"%+.1f %%\", 100 * ($1 - $4) / ($4 ? $4 : 1) }")
		echo "| $n | $1 [$2-$3] | $4 [$5-$6] | $pct |"
	done
	echo
	echo "A neighbour's SA naming the same tunnels, every packet dropped by"
	echo "the inbound chain (CPU/packet in ns, then datagrams that reached the"
	echo "server's socket):"
	echo "1,000 tunnels $in_nb_1000; 65,535 tunnels $in_nb_65535."
}
