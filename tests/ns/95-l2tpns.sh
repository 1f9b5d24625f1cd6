#!/bin/sh
# L2TPNS (Debian's l2tpns) behind --tunnel-marks: an LNS with one UDP
# socket for all tunnels, which can never set a mark per tunnel.  Clients
# behind one NAT: after IPsec the server sees one address, and the port
# 1701 for Windows-like clients.  Here two client namespaces carry that
# same address, each joined to the server by its own veth; a veth (and
# in A's namespace the source port) stands for a client's IPsec SA: every
# packet arriving through it gets the SA's mark (as set_mark_in gives
# every SA's packets its own), and the server routes by mark (as the SAs'
# outbound policies match by mark), so a reply reaches its client only
# with its tunnel's mark; unmarked replies go to a veth end in the server
# itself (lost, as outside every SA).  L2TPNS, with its own local
# freeradius (contrib/l2tpns/), sees:
#   A  one LAC on port 1701, 400 tunnels with IDs 1-400, each with PPP
#      (LCP, PAP through RADIUS, IPCP): mark 0x10000
#   B  one LAC on port 1701 in the other namespace, IDs 1-40 (all taken
#      by A's tunnels): mark 0x20000, translated by l2tp-nfqd
#   C  one LAC on an ephemeral port in A's namespace, IDs 1-10 (Apple's
#      client counts from 1 and picks its port): mark 0x30000
# then what keeps a tunnel's mark alive, that a wrong password gets no
# PPP link, and, without --tunnel-marks, two more tunnels that must not
# come up.
# The daemon runs with --tunnel-marks-max 1024, as contrib/l2tpns
# recommends (L2TPNS holds 498 tunnels at most), and --tunnels-per-mark 0
# --sccrq-rate 0 (A opens 400 tunnels through one SA at once).
# Every packet leaving udp/1701 is counted per (Tunnel ID, mark).  The
# lines "figures:" give the set-up rates and the daemon's memory.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/l2tpns.sh"
NA=400 NB=40 NC=10
NS_B=l2nq-b-$ID
IN_B="ip netns exec $NS_B"
trap 'l2tpns_kill; ip netns del "$NS_B" 2>/dev/null; cleanup' EXIT

l2tpns_install

# ---- the network ----
setup_net
ip netns add "$NS_B" || skip "no netns"
ip link add veth0 netns "$NS_B" type veth peer name veth1 netns "$NS_S"
ip -n "$NS_B" link set lo up
ip -n "$NS_B" addr add $C4/24 dev veth0
ip -n "$NS_B" link set veth0 up
ip -n "$NS_S" addr add $S4/32 dev veth1
ip -n "$NS_S" link set veth1 up
for i in all default veth0 veth1; do
	in_s sysctl -qw net.ipv4.conf.$i.rp_filter=0
done
ip -n "$NS_S" route del 192.0.2.0/24 dev veth0
# unmarked: out of a veth whose other end drops it (not our MAC); a
# blackhole would fail the send before the output chain could mark it
ip -n "$NS_S" link add sink type veth peer name sink-end
ip -n "$NS_S" link set sink up
ip -n "$NS_S" link set sink-end up
ip -n "$NS_S" route add $C4/32 dev sink
ip -n "$NS_S" neigh add $C4 lladdr 02:00:00:00:00:01 dev sink nud permanent
ip -n "$NS_S" route add $C4/32 dev veth0 table 101
ip -n "$NS_S" route add $C4/32 dev veth1 table 102
ip -n "$NS_S" rule add fwmark 0x10000/0xf0000 table 101
ip -n "$NS_S" rule add fwmark 0x30000/0xf0000 table 101
ip -n "$NS_S" rule add fwmark 0x20000/0xf0000 table 102

# The stand-in SA marks: every packet of a client
sim_rules <<NFT
iifname "veth0" udp sport 1701 meta mark set 0x10000
iifname "veth0" udp sport != 1701 meta mark set 0x30000
iifname "veth1" meta mark set 0x20000
NFT
# every packet leaving udp/1701: with its own tunnel's mark (the client's
# Tunnel ID in the header, after the output chain's rewrite), without a
# mark, or with another
{
	echo 'table inet count {'
	echo 'set own { typeof @th,96,16 . meta mark; counter; elements = {'
	{
		for i in $(seq 1 $NA); do printf '%d . 0x10000\n' $i; done
		for i in $(seq 1 $NB); do printf '%d . 0x20000\n' $i; done
		for i in $(seq 1 $NC); do printf '%d . 0x30000\n' $i; done
	} | paste -sd,
	echo '}'
	echo '}'
	echo 'set lost { typeof udp dport . @th,64,64; flags dynamic; size 1024; }'
	echo 'chain post { type filter hook postrouting priority 0;'
	echo 'udp sport 1701 @th,64,16 & 0x4000 == 0x4000 @th,96,16 . meta mark @own counter accept'
	echo 'udp sport 1701 @th,64,16 & 0x4000 == 0 @th,80,16 . meta mark @own counter accept'
	echo 'udp sport 1701 meta mark 0 add @lost { udp dport . @th,64,64 } counter accept'
	echo 'udp sport 1701 counter'
	echo '}'
	echo '}'
} | in_s nft -f - || skip "nft: sets with counters"
rule() {	# rule N: packets counted by the Nth rule of chain post
	in_s nft -j list chain inet count post | jq "[.nftables[] |
		select(.rule) | .rule.expr[] | select(.counter) |
		.counter.packets][$(($1 - 1))]"
}
# own MARK: how many of the set's elements of that SA counted a packet
own() {
	in_s nft -j list set inet count own | jq "[.nftables[] |
		select(.set) | .set.elem[] | .elem | select(.counter.packets > 0)
		| .val.concat[1]] | map(select(. == $1)) | length"
}

# ---- freeradius and L2TPNS, configured from contrib/l2tpns ----
radius_start || no "freeradius starts"
l2tpns_start veth0 || no "L2TPNS becomes the master"

# ---- (a) 400 tunnels from one address and port ----
start_listener || no "listener starts"
start_daemon --ipsec-check none --tunnel-marks --tunnel-marks-max 1024 \
	--tunnels-per-mark 0 --sccrq-rate 0 ||
	no "daemon starts"
start_bg a $IN_C "$LAC" -n $NA -t 1 -u vpnuser:vpnpass -k -w 60 $S4
wait_until 30 sh -c "[ \$(cat '$TMP/a.out' 2>/dev/null | grep -c '^ppp') -ge $NA ]"
ta=$(grep -c '^tunnel' "$TMP/a.out") pa=$(grep -c '^ppp' "$TMP/a.out")
check "A: $NA tunnels from $C4:1701 up (got $ta)" test "$ta" -eq $NA
check "A: and $NA PPP links, PAP through RADIUS, an address each (got $pa)" \
	test "$pa" -eq $NA
check "A: $NA addresses, all different" test "$(sed -n \
	's/^ppp .* address \([0-9.]*\) .*/\1/p' "$TMP/a.out" | sort -u |
	grep -c .)" -eq $NA
check "A: every tunnel's replies left with its own mark" \
	test "$(own $((0x10000)))" -eq $NA

# ---- (b) the same tunnel IDs again, from the same address ----
# B on the same port 1701 in the other namespace, C on an ephemeral port
start_bg c $IN_C "$LAC" -e -n $NC -t 1 -H lcc- -u vpnuser:vpnpass -w 20 $S4
$IN_B "$LAC" -n $NB -t 1 -H lbc- -u vpnuser:vpnpass -w 20 $S4 >"$TMP/b.out"
wait "$(pid_of c)"
tb=$(grep -c '^tunnel' "$TMP/b.out") pb=$(grep -c '^ppp' "$TMP/b.out")
tc=$(grep -c '^tunnel' "$TMP/c.out") pc=$(grep -c '^ppp' "$TMP/c.out")
check "B: $NB tunnels with A's IDs, same address and port, up (got $tb)" \
	test "$tb" -eq $NB
check "B: and their PPP links (got $pb)" test "$pb" -eq $NB
check "C: $NC tunnels with A's IDs from another port, up (got $tc)" \
	test "$tc" -eq $NC
check "C: and their PPP links (got $pc)" test "$pc" -eq $NC
check "B: every tunnel's replies left with its own mark, its own ID" \
	test "$(own $((0x20000)))" -eq $NB
check "C: the same" test "$(own $((0x30000)))" -eq $NC
all=$(($(rule 1) + $(rule 2) + $(rule 3) + $(rule 4)))
check "no packet left with another tunnel's mark ($all in all)" \
	test "$(rule 4)" -eq 0
check "none left unmarked" test "$(rule 3)" -eq 0 || {
	in_s nft list set inet count lost
	grep -i 'warn\|map' "$TMP/daemon.err"
}

# the daemon's maps: each tunnel its SA's mark, B's and C's translated
map_marks() {
	in_s nft -j list map inet l2tp-nfqd "$1" | jq -r '.nftables[] |
		select(.map) | .map.elem[]? | .[1]' 2>/dev/null
}
map_marks tunnels4 | sort -n >"$TMP/marks"
n4=$(grep -c . "$TMP/marks")
{
	yes $((0x10000)) | head -n $NA
	yes $((0x20000)) | head -n $NB
	yes $((0x30000)) | head -n $NC
} >"$TMP/marks.want"
check "map tunnels4: $((NA + NB + NC)) tunnels, each its SA's mark (got $n4)" \
	cmp -s "$TMP/marks" "$TMP/marks.want"
nx=$(in_s nft -j list map inet l2tp-nfqd xlate4 | jq '[.nftables[] |
	select(.map) | .map.elem[]?] | length')
check "map xlate4: the $((NB + NC)) translated tunnels (got $nx)" \
	test "$nx" -eq $((NB + NC))
nsccn=$(grep -c 'Received SCCN' "$L/log")
check "L2TPNS: $((NA + NB + NC)) tunnels (got $nsccn)" \
	test "$nsccn" -eq $((NA + NB + NC))
log=$(counters)
n=$((NB + NC))
check "daemon: $n SCCRQs and, as B and C closed, their $n StopCCNs translated" \
	sh -c "echo '$log' | grep -q 'translated $n, StopCCNs translated $n'"

# figures: set-up rate, memory
status() { sed -n "s/^$2:\s*\([0-9]*\) kB/\1/p" "/proc/$(pid_of "$1")/status"; }
live=$(in_s nft -j list set inet l2tp-nfqd live4 | jq '[.nftables[] |
	select(.set) | .set.elem[]?] | length')
echo "figures: B $(sed -n 's/^summary: //p' "$TMP/b.out")"
echo "figures: C $(sed -n 's/^summary: //p' "$TMP/c.out")"
echo "figures: daemon VmRSS $(status daemon VmRSS) KiB," \
	"VmHWM $(status daemon VmHWM) KiB; elements: tunnels4 $n4," \
	"xlate4 $nx, live4 $live"

# A closes its tunnels: StopCCNs, which L2TPNS acknowledges
kill -TERM "$(pid_of a)"
wait "$(pid_of a)"
echo "figures: A $(sed -n 's/^summary: //p' "$TMP/a.out")"
check "the StopCCNs of A, B and C reached L2TPNS" sh -c \
	"[ \$(grep -c 'Received StopCCN' '$L/log') -eq $((NA + NB + NC)) ]"
stop daemon

# ---- (c) what keeps a tunnel's mark: L2TPNS's control and data ----
# L2TPNS sends a HELLO only after 60 s in which nothing, data included,
# came from the peer; otherwise its control messages are acknowledgements
# of the peer's, and its data (LCP echoes every 10 s) keeps the tunnel
# live too.  A peer that sends HELLOs (every second here) keeps its mark
# past the timeout (2 s); one whose session only carries the echoes keeps
# it when an echo falls within the timeout (printed, not asserted).
: >"$TMP/daemon.err"
start_daemon --ipsec-check none --tunnel-marks --tunnel-marks-max 1024 \
	--tunnels-per-mark 0 --tunnel-mark-timeout 2 || no "daemon starts"
start_bg a3 $IN_C "$LAC" -n 1 -t 7 -u vpnuser:vpnpass -k -w 9 -l 1 $S4
wait_until 5 grep -q '^ppp' "$TMP/a3.out"
start_bg b3 $IN_B "$LAC" -n 1 -t 8 -H lbc- -u vpnuser:vpnpass -k -w 8 $S4
wait_until 5 grep -q '^ppp' "$TMP/b3.out"
# meanwhile: RADIUS decides (a wrong password, from an ephemeral port)
$IN_C "$LAC" -e -n 1 -t 9 -H lcc- -u vpnuser:wrong -w 4 $S4 >"$TMP/c3.out"
check "a wrong password: the tunnel comes up, PPP does not" sh -c \
	"grep -q '^tunnel 9 ' '$TMP/c3.out' && ! grep -q '^ppp' '$TMP/c3.out'"
sleep 5
m=$(map_marks tunnels4 | tr '\n' ' ')
check "a peer sending HELLOs keeps its tunnel's mark (marks: $m)" sh -c \
	"echo '$m' | grep -qw $((0x10000))"
echo "figures: with --tunnel-mark-timeout 2, a PPP session without" \
	"HELLOs from its peer $(echo "$m" | grep -q $((0x20000)) &&
	echo keeps || echo loses) its tunnel's mark"
wait "$(pid_of a3)"
wait "$(pid_of b3)"
stop daemon

# ---- (d) without --tunnel-marks: no mark, no tunnel ----
# (last: L2TPNS keeps these tunnels opening, and takes every later SCCRQ
# from the same address and port for a duplicate, for half a minute)
before=$(rule 3)
: >"$TMP/daemon.err"
start_daemon --ipsec-check none || no "daemon starts"
start_bg a2 $IN_C "$LAC" -n 1 -t 1000 -w 3 $S4
$IN_B "$LAC" -n 1 -t 1000 -H lbc- -w 3 $S4 >"$TMP/b2.out"
wait "$(pid_of a2)"
check "without --tunnel-marks: the replies leave unmarked" \
	test "$(rule 3)" -gt "$before"
check "and no tunnel comes up" sh -c \
	"! grep -q '^tunnel' '$TMP/a2.out' '$TMP/b2.out'"
echo "figures: without --tunnel-marks, daemon VmRSS $(status daemon VmRSS) KiB"
stop daemon
tail -30 $TMP/daemon.err >&2; [ -z "$FAILED" ]
