#!/bin/sh
# --tunnel-marks with simulated SA marks: replies from an unmarked socket
# get the mark of their tunnel, looked up by peer address and the L2TP
# header's Tunnel ID; the L2TP daemon's control messages and data traffic
# keep a tunnel alive, silence lets it expire, and a full map costs
# nothing but the element.
. "$(dirname "$0")/../lib.sh"
setup_net
# the stand-in SA marks: by the SCCRQ's Assigned Tunnel ID (host names of
# six characters put its value at bit 432 of the transport header)
sim_rules <<NFT
udp dport 1701 @th,432,16 5 meta mark set 0x105
udp dport 1701 @th,432,16 6 meta mark set 0x106
udp dport 1701 @th,432,16 8 meta mark set 0x108
udp dport 1701 @th,432,16 9 meta mark set 0x109
NFT
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 1701 meta mark 0x105 counter
		udp sport 1701 meta mark 0x106 counter
		udp sport 1701 meta mark 0x108 counter
		udp sport 1701 meta mark 0x205 counter
		udp sport 1701 meta mark 0 counter
	}
}
NFT
left() {	# left MARK: packets that left from udp/1701 with MARK
	in_s nft -j list chain inet marks post 2>/dev/null | jq "[.nftables[] |
		select(.rule) | .rule.expr | select(.[1].match.right == $1) |
		.[2].counter.packets] | add"
}
reply() {	# reply DST HEX: from the server's udp/1701, no SO_MARK
	in_s "$NETTOOL" send -s 1701 "$1" 1701 hex "$2"
}
elements() { in_s nft list map inet l2tp-nfqd "$1" 2>/dev/null; }

start_listener || no "listener starts"
# format 2: IPv6 SCCRQs get messages too
start_daemon --ipsec-check none --tunnel-marks --tunnel-mark-timeout 3 \
	--format 2 ||
	no "daemon starts"
in_c "$NETTOOL" send -s 1701 $C4 1701 hex 00 2>/dev/null	# warm up ARP
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 tunl-5
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 6 tunl-6
wait_messages 2
check "map holds (peer . tunnel ID) for both tunnels" sh -c \
	"$IN_S nft list map inet l2tp-nfqd tunnels4 | grep -q '$C4 . 0x5 : 0x00000105' &&
	 $IN_S nft list map inet l2tp-nfqd tunnels4 | grep -q '$C4 . 0x6 : 0x00000106'" ||
	elements tunnels4
check "and both are alive" sh -c \
	"$IN_S nft list set inet l2tp-nfqd live4 | grep -q '$C4 . 0x5 ' &&
	 $IN_S nft list set inet l2tp-nfqd live4 | grep -q '$C4 . 0x6 '"

reply $C4 c802000c000500000000000000	# control, tunnel 5
reply $C4 4002000c0006000100000000	# data with L, tunnel 6
reply $C4 000200050001ff03		# data without L, tunnel 5
reply $C4 c802000c000700000000000000	# tunnel 7: unknown
check "control message to tunnel 5 and data without L: mark 0x105" \
	test "$(left 261)" -eq 2
check "same address and port, tunnel 6 (data with L): mark 0x106" \
	test "$(left 262)" -eq 1
check "unknown tunnel: no mark" test "$(left 0)" -ge 1
zero=$(left 0)

# IPv6
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 8 tunl-8
wait_messages 3
reply $C6 c802000c000800000000000000
check "IPv6: tunnel 8 gets mark 0x108" test "$(left 264)" -eq 1

# a known (peer, tunnel ID) through another SA: a second tunnel, under
# another ID; the first keeps its mark
in_s nft flush chain inet marks pre
in_s nft add rule inet marks pre udp dport 1701 @th,432,16 5 meta mark set 0x205
in_s nft add rule inet marks pre udp dport 1701 @th,432,16 9 meta mark set 0x109
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 tunl-5
wait_messages 4
reply $C4 c802000c000500000000000000
check "another SA's SCCRQ for tunnel 5 leaves tunnel 5's mark" \
	test "$(left 261)" -eq 3
check "it is translated" grep -q 'mark 0x205 .*translated from 5' \
	"$TMP/listen.out"

# control messages keep a tunnel alive, and so does data traffic (one
# data message in 64 refreshes it); silence lets it expire (timeout 3 s; a
# sweep every 3 s removes it)
for i in 1 2 3 4 5 6 7; do
	reply $C6 c802000c000800000000000000	# control, tunnel 8
	in_s "$NETTOOL" send -s 1701 -n 200 $C4 1701 hex 000200060001ff03
	sleep 1
done
check "control messages keep a tunnel past twice the timeout (7 s)" \
	test "$(left 264)" -eq 8
check "data traffic too: tunnel 6 still there" sh -c \
	"$IN_S nft list map inet l2tp-nfqd tunnels4 | grep -q '$C4 . 0x6 '"
check "a tunnel with neither expired: tunnel 5" sh -c \
	"! $IN_S nft list map inet l2tp-nfqd tunnels4 | grep -q '$C4 . 0x5 '"
sleep 7
check "silent tunnels expire" sh -c \
	"! $IN_S nft list map inet l2tp-nfqd tunnels6 | grep -q 'elements'" ||
	elements tunnels6
reply $C6 c802000c000800000000000000
check "an expired tunnel gets no mark" test "$(left 0)" -ge $((zero + 1))
log=$(counters)
check "expiries counted" sh -c "echo '$log' | grep -q 'tunnels expired [1-9]'"
stop daemon

# a full map: the new tunnel's SCCRQ is dropped, logged, counted
: >"$TMP/daemon.err"
start_daemon --ipsec-check none --tunnel-marks --tunnel-marks-max 1 ||
	no "daemon starts"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 tunl-5
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 9 tunl-9
check "full map: logged" wait_until 5 grep -q 'raise --tunnel-marks-max' \
	"$TMP/daemon.err"
check "full map: the SCCRQ is dropped, no message" sh -c \
	"! grep -q 'host \"tunl-9\"' '$TMP/listen.out'"
log=$(counters)
check "full map: counted" sh -c "echo '$log' | grep -q 'map full 1,'"
stop daemon
check "--tunnel-marks --no-rules: exit 2" sh -c \
	"'$DAEMON' --tunnel-marks --no-rules >/dev/null 2>&1; [ \$? -eq 2 ]"
[ -z "$FAILED" ]
