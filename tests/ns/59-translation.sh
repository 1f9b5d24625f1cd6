#!/bin/sh
# Tunnel-ID translation (--tunnel-marks): four "Windows" clients behind one
# address, each through its own (simulated) SA, all open tunnel 1.  The
# L2TP daemon's socket must see four different tunnels, each answer must
# leave with its SA's mark and the client's own ID back in the header,
# and a client's StopCCN must name the tunnel the daemon knows.
. "$(dirname "$0")/../lib.sh"
setup_net
# the stand-in SAs: SCCRQs by the host name's last character (host names
# of six characters), StopCCNs by the daemon's Tunnel ID in their header
sim_rules <<NFT
udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 @th,376,8 0x31 meta mark set 0x101
udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 @th,376,8 0x32 meta mark set 0x102
udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 @th,376,8 0x33 meta mark set 0x103
udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 @th,376,8 0x34 meta mark set 0x104
udp dport 1701 @th,96,16 0x0a02 meta mark set 0x102
NFT
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 1701 meta mark 0x101 counter
		udp sport 1701 meta mark 0x102 counter
		udp sport 1701 meta mark 0x103 counter
		udp sport 1701 meta mark 0x104 counter
	}
}
NFT
left() {	# left MARK: packets that left from udp/1701 with MARK
	in_s nft -j list chain inet marks post 2>/dev/null | jq "[.nftables[] |
		select(.rule) | .rule.expr | select(.[1].match.right == $1) |
		.[2].counter.packets] | add"
}
lns_tid() {	# lns_tid N [K]: the Assigned Tunnel ID in win-0N's Kth SCCRQ
	# as the LNS got it (a rewritten packet may overtake its batch)
	grep "77696e2d303$1" "$TMP/lns.out" | sed -n "${2:-1}p" | cut -c93-96
}

start_listener || no "listener starts"
start_daemon --ipsec-check none --tunnel-marks --format 2 || no "daemon starts"
# what the L2TP daemon's socket receives, after the daemon's verdict
start_bg lns $IN_S "$NETTOOL" dump 1701
start_bg client $IN_C "$NETTOOL" dump 1701
wait_until 5 grep -q ready "$TMP/lns.out"
wait_until 5 grep -q ready "$TMP/client.out"
for n in 1 2 3 4; do
	in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "win-0$n"
done
wait_messages 4
wait_until 5 sh -c "[ \$(wc -l <'$TMP/lns.out') -ge 5 ]"
t1=$(lns_tid 1) t2=$(lns_tid 2) t3=$(lns_tid 3) t4=$(lns_tid 4)
check "first client keeps tunnel 1" test "$t1" = 0001
check "the others get four distinct IDs in all (got $t1 $t2 $t3 $t4)" \
	test "$(printf '%s\n' $t1 $t2 $t3 $t4 | sort -u | grep -c .)" -eq 4
check "rewritten SCCRQs reach the socket: UDP checksum computed afresh" \
	test "$(grep -c '^c802' "$TMP/lns.out")" -eq 4
check "messages carry the IDs the L2TP daemon sees" sh -c \
	"grep -q 'tunnel $((0x$t2)) .*translated from 1 .*host \"win-02\"' '$TMP/listen.out' &&
	 grep -q 'tunnel 1 mark 0x101 .*host \"win-01\"' '$TMP/listen.out'"
check "format 2 says which were translated" test \
	"$(grep -c 'translated from 1' "$TMP/listen.out")" -eq 3

# a retransmitted SCCRQ: the same translation, no new tunnel
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "win-02"
wait_until 5 sh -c "[ \$(wc -l <'$TMP/lns.out') -ge 6 ]"
check "retransmission gets the same ID" test "$(lns_tid 2 2)" = "$t2"

# the L2TP daemon answers each tunnel by the ID it knows
reply() {	# reply HEX: from the server's udp/1701, no SO_MARK
	in_s "$NETTOOL" send -s 1701 $C4 1701 hex "$1"
}
reply "c802000c${t1}00000000000000"
reply "c802000c${t2}00000000000000"
reply "4002000c${t3}000100000000"	# data with L
reply "0002${t4}0001ff03"		# data without L
wait_until 5 sh -c "[ \$(wc -l <'$TMP/client.out') -ge 5 ]"
check "each answer left with its SA's mark" sh -c \
	"[ $(left 257) -eq 1 ] && [ $(left 258) -eq 1 ] && [ $(left 259) -eq 1 ] && [ $(left 260) -eq 1 ]"
check "and reached the client with the client's own ID, checksum valid" sh -c \
	"sed -n 2,5p '$TMP/client.out' | tr '\n' ' ' | grep -q \
	 '^c802000c000100000000000000 c802000c000100000000000000 4002000c0001000100000000 000200010001ff03 $'" ||
	cat "$TMP/client.out"

# software checksums: the rewrite must update the UDP checksum itself
if in_s ethtool -K veth0 tx off >/dev/null 2>&1; then
	reply "c802000c${t2}00000000000000"
	wait_until 5 sh -c "[ \$(wc -l <'$TMP/client.out') -ge 6 ]"
	check "without checksum offload too" sh -c \
		"sed -n 6p '$TMP/client.out' | grep -q '^c802000c0001'"
	in_s ethtool -K veth0 tx on >/dev/null 2>&1
else
	no "ethtool -K veth0 tx off"
fi

# client 2 closes its tunnel: its StopCCN names its own ID (1); the L2TP
# daemon must read the one it knows
in_c "$NETTOOL" send -s 1701 $S4 1701 hex \
	c802001c0a020000000000008008000000000004800800000009000180080000000100
wait_until 5 sh -c "[ \$(wc -l <'$TMP/lns.out') -ge 7 ]"
check "StopCCN: Assigned Tunnel ID rewritten to the daemon's" sh -c \
	"sed -n 7p '$TMP/lns.out' | grep -q '^c802001c0a020000000000008008000000000004800800000009${t2}'" ||
	sed -n 7p "$TMP/lns.out"
log=$(counters)
check "counted: 3 SCCRQs + 1 retransmission + 1 StopCCN rewritten" sh -c \
	"echo '$log' | grep -q 'rewritten 5,'"
check "counted: translated 4, StopCCNs translated 1" sh -c \
	"echo '$log' | grep -q 'translated 4, StopCCNs translated 1'"

# IPv6: two clients, one address, one ID
in_s nft flush chain inet marks pre
in_s nft add rule inet marks pre udp dport 1701 @th,376,8 0x35 meta mark set 0x105
in_s nft add rule inet marks pre udp dport 1701 @th,376,8 0x36 meta mark set 0x106
start_bg lns6 $IN_S "$NETTOOL" dump -6 1701
wait_until 5 grep -q ready "$TMP/lns6.out"
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 3 "win-05"
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 3 "win-06"
wait_until 5 sh -c "grep -c '^c802' '$TMP/lns6.out' | grep -qx 2"
# a rewritten packet is reinjected before the rest of its batch
v6a=$(grep 77696e2d3035 "$TMP/lns6.out" | cut -c93-96)
v6b=$(grep 77696e2d3036 "$TMP/lns6.out" | cut -c93-96)
check "IPv6: second client translated (got $v6a $v6b)" sh -c \
	"[ '$v6a' = 0003 ] && [ -n '$v6b' ] && [ '$v6b' != 0003 ]"

# --no-translate: the comparison; the second tunnel, which could not be
# told apart, is dropped
stop daemon
: >"$TMP/daemon.err"
n6=$(grep -c 77696e2d303[56] "$TMP/lns6.out")
start_daemon --ipsec-check none --tunnel-marks --format 2 --no-translate ||
	no "daemon starts with --no-translate"
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 3 "win-05"
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 3 "win-06"
wait_until 5 grep -q 'ID taken' "$TMP/daemon.err"
sleep 0.3
check "--no-translate: only the first reaches the L2TP daemon, ID 3" sh -c \
	"[ \$(grep -c 77696e2d303[56] '$TMP/lns6.out') -eq $((n6 + 1)) ] &&
	 grep 77696e2d3035 '$TMP/lns6.out' | tail -n1 | cut -c93-96 | grep -qx 0003"
check "--no-translate: the second is dropped, said so" \
	grep -q 'tunnel 3 mark 0x106 dropped: ID taken' "$TMP/daemon.err"
[ -z "$FAILED" ]
