#!/bin/sh
# Inbound binding (--tunnel-marks): the L2TP daemon's SCCRP says its own
# ID for each tunnel; the daemon binds that ID to the tunnel's SA before
# the SCCRP leaves.  A client behind the same NAT that sends control or
# data naming a neighbour's tunnel (by the L2TP daemon's ID) through its
# own SA is dropped; the owner's packets pass; tunnels the daemon never
# bound pass; a reused ID moves to its new tunnel; the binding goes with
# the tunnel, and survives an --fdstore restart.
. "$(dirname "$0")/../lib.sh"
setup_net
# the stand-in SAs: the source port says which client (behind one NAT the
# port would be the same; only the SA tells them apart)
sim_rules <<NFT
udp sport 1701 meta mark set 0x101
udp sport 1702 meta mark set 0x102
udp sport 1703 meta mark set 0x103
NFT
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 1701 meta mark 0x101 counter
		udp sport 1701 meta mark 0x102 counter
	}
}
NFT
left() {	# left MARK: packets that left from udp/1701 with MARK
	in_s nft -j list chain inet marks post 2>/dev/null | jq "[.nftables[] |
		select(.rule) | .rule.expr | select(.[1].match.right == $1) |
		.[2].counter.packets] | add"
}
lns_tid() {	# lns_tid N: the Assigned Tunnel ID in win-0N's SCCRQ as the
	# L2TP daemon got it
	grep "77696e2d303$1" "$TMP/lns.out" | sed -n 1p | cut -c93-96
}
got() { grep -c "^$1" "$TMP/lns.out"; }	# got HEX: datagrams so starting
dropped() {	# the inbound chain's drop counters, added up
	in_s nft -j list chain inet l2tp-nfqd inbound 2>/dev/null |
		jq '[.nftables[] | select(.rule) | .rule.expr[] |
			select(.counter) | .counter.packets] | add'
}
send_from() {	# send_from PORT DST HEX: a client's packet
	in_c "$NETTOOL" send -s "$1" "$2" 1701 hex "$3"
}
# the L2TP daemon's SCCRP to a tunnel: header = the peer's ID as the L2TP
# daemon knows it, Assigned Tunnel ID = its own
sccrp() {	# sccrp DST TID LNS
	in_s "$NETTOOL" send -s 1701 "$1" 1701 hex \
		"c802001c${2}0000000000018008000000000002800800000009${3}"
}
hello() { echo "c8020014${1}0000000100018008000000000006"; }
# the L2TP daemon's control messages keep its tunnels live (timeout 4 s)
keepalive() {
	for t in 0001 "$t2"; do
		in_s "$NETTOOL" send -s 1701 $C4 1701 hex "$(hello "$t")"
	done
}
data_l() { echo "4002000a${1}0001ff03"; }
data_nol() { echo "0002${1}0001ff03"; }

start_listener || no "listener starts"
start_bg sup $IN_S "$NETTOOL" supervise "$TMP/notify.sock" \
	"$DAEMON" -n $QNUM -o "$SOCK" --format 2 --ipsec-check none \
	--tunnel-marks --tunnel-mark-timeout 4 --fdstore -d
wait_until 10 grep -q '^ready' "$TMP/sup.out" || no "daemon ready"
start_bg lns $IN_S "$NETTOOL" dump 1701
start_bg client $IN_C "$NETTOOL" dump 1701
wait_until 5 grep -q ready "$TMP/lns.out"
wait_until 5 grep -q ready "$TMP/client.out"

# two Windows-like clients, tunnel 1 each; the second is translated
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "win-01"
in_c "$NETTOOL" send -s 1702 $S4 1701 sccrq 1 "win-02"
wait_until 5 sh -c "[ \$(grep -c 77696e2d303 '$TMP/lns.out') -ge 2 ]"
t1=$(lns_tid 1) t2=$(lns_tid 2)
check "two tunnels, the second translated ($t1, $t2)" sh -c \
	"[ '$t1' = 0001 ] && [ -n '$t2' ] && [ '$t2' != 0001 ]"

# the L2TP daemon answers: its IDs 0a01 and 0a02
sccrp $C4 0001 0a01
sccrp $C4 "$t2" 0a02
wait_until 5 sh -c "[ \$(grep -c '^c802001c0001' '$TMP/client.out') -ge 2 ]"
check "both SCCRPs left, each with its tunnel's mark, the client's own ID" \
	sh -c "[ $(left 257) -eq 1 ] && [ $(left 258) -eq 1 ] &&
	       [ \$(grep -c '^c802001c0001' '$TMP/client.out') -eq 2 ]"
check "bindings: own and bound sets, lns map" sh -c \
	"$IN_S nft list set inet l2tp-nfqd own4 | grep -q '$C4 . 0xa01 . 0x00000101' &&
	 $IN_S nft list set inet l2tp-nfqd own4 | grep -q '$C4 . 0xa02 . 0x00000102' &&
	 $IN_S nft list set inet l2tp-nfqd bound4 | grep -q '$C4 . 0xa02' &&
	 $IN_S nft list map inet l2tp-nfqd lns4 | grep -q '$C4 . 0x1 : 0xa01'"

# each client on its own tunnel: control, data with and without L
n0=$(got c8020014) d0=$(dropped)
for p in "1701 0a01" "1702 0a02"; do
	set -- $p
	send_from $1 $S4 "$(hello $2)"
	send_from $1 $S4 "$(data_l $2)"
	send_from $1 $S4 "$(data_nol $2)"
done
wait_until 5 sh -c "[ \$(grep -c '^0002' '$TMP/lns.out') -ge 2 ]"
check "own packets pass: control and data, both layouts" sh -c \
	"[ $(got c8020014) -eq $((n0 + 2)) ] && [ $(got 4002000a) -eq 2 ] &&
	 [ $(got 00020a0) -eq 2 ] && [ $(dropped) -eq $d0 ]"

# client 2 injects into client 1's tunnel, and a third SA into both
for p in "1702 0a01" "1703 0a01" "1703 0a02"; do
	set -- $p
	send_from $1 $S4 "$(hello $2)"
	send_from $1 $S4 "$(data_l $2)"
	send_from $1 $S4 "$(data_nol $2)"
	# a StopCCN that would tear the neighbour's tunnel down
	send_from $1 $S4 "c802001c${2}00000001000180080000000000048008000000090001"
done
sleep 0.5
check "injection into a neighbour's tunnel: nothing reaches the L2TP daemon" \
	sh -c "[ $(got c8020014) -eq $((n0 + 2)) ] && [ $(got 4002000a) -eq 2 ] &&
	       [ $(got 00020a0) -eq 2 ] && [ $(got c802001c0a0) -eq 0 ]"
check "and the kernel counted the 12 drops" test "$(dropped)" -eq $((d0 + 12))
send_from 1709 $S4 "$(data_nol 0a01)"
sleep 0.3
check "a cleartext packet (no mark) into a bound tunnel: dropped too" \
	test "$(got 00020a01)" -eq 1

# a tunnel the daemon never bound (opened before it) keeps working
send_from 1702 $S4 "$(data_nol 0b07)"
wait_until 5 sh -c "[ \$(grep -c '^00020b07' '$TMP/lns.out') -ge 1 ]"
check "a tunnel nobody bound passes" test "$(got 00020b07)" -eq 1

# client 2's own StopCCN (bound, translated) still goes through the
# daemon: its Assigned Tunnel ID rewritten to the one the L2TP daemon knows
send_from 1702 $S4 "c802001c0a0200000001000180080000000000048008000000090001"
wait_until 5 grep -q '^c802001c0a02' "$TMP/lns.out"
check "an owner's StopCCN passes, rewritten to $t2" \
	grep -q "^c802001c0a0200000001000180080000000000048008000000090*${t2}\$" \
		"$TMP/lns.out"

# IPv6: one client, its SCCRP, a neighbour's injection
start_bg lns6 $IN_S "$NETTOOL" dump -6 1701
wait_until 5 grep -q ready "$TMP/lns6.out"
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 5 "win-05"
wait_until 5 grep -q 77696e2d3035 "$TMP/lns6.out"
sccrp $C6 0005 0c05
wait_until 5 sh -c "$IN_S nft list set inet l2tp-nfqd own6 | grep -q 0xc05"
send_from 1701 $S6 "$(data_nol 0c05)"
send_from 1702 $S6 "$(data_nol 0c05)"
send_from 1702 $S6 "$(hello 0c05)"
wait_until 5 grep -q '^00020c05' "$TMP/lns6.out"
sleep 0.3
check "IPv6: the owner passes, the neighbour is dropped" sh -c \
	"[ \$(grep -c '^00020c05' '$TMP/lns6.out') -eq 1 ] &&
	 ! grep -q '^c80200140c05' '$TMP/lns6.out'"

# survives an --fdstore restart (KILL: the service manager restarts it)
keepalive
kill -KILL "$(sed -n 's/^started //p' "$TMP/sup.out" | tail -n1)"
wait_until 10 sh -c "[ \$(grep -c '^started' '$TMP/sup.out') -ge 2 ]"
wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -ge 2 ]"
send_from 1702 $S4 "$(data_nol 0a01)"
send_from 1701 $S4 "$(data_nol 0a01)"
wait_until 5 sh -c "[ \$(grep -c '^00020a01' '$TMP/lns.out') -ge 2 ]"
sleep 0.3
check "after a restart: still bound (owner passes, neighbour dropped)" \
	test "$(got 00020a01)" -eq 2

# the L2TP daemon reuses its ID 0a01 for client 2's tunnel: client 1's
# binding is replaced
keepalive
sccrp $C4 "$t2" 0a01
wait_until 5 sh -c "$IN_S nft list set inet l2tp-nfqd own4 |
	grep -q '$C4 . 0xa01 . 0x00000102'"
check "a reused ID moves to its new tunnel" sh -c \
	"! $IN_S nft list set inet l2tp-nfqd own4 | grep -q '0xa01 . 0x00000101' &&
	 ! $IN_S nft list set inet l2tp-nfqd own4 | grep -q '0xa02 . 0x00000102'"
send_from 1702 $S4 "$(data_nol 0a01)"
send_from 1701 $S4 "$(data_nol 0a01)"
wait_until 5 sh -c "[ \$(grep -c '^00020a01' '$TMP/lns.out') -ge 3 ]"
sleep 0.3
check "now client 2 passes on it and client 1 is dropped" \
	test "$(got 00020a01)" -eq 3

# silence: the tunnels expire (timeout 4 s), and their bindings with them
unbound() {
	! $IN_S nft list set inet l2tp-nfqd own4 | grep -q '0xa0' &&
	! $IN_S nft list set inet l2tp-nfqd bound4 | grep -q '0xa0' &&
	! $IN_S nft list map inet l2tp-nfqd lns4 | grep -q '0xa0'
}
check "bindings go with their tunnels" wait_until 15 unbound
kill -USR1 "$(sed -n 's/^started //p' "$TMP/sup.out" | tail -n1)"
sleep 0.3
check "counted" grep -q 'inbound: tunnels bound [1-9]' "$TMP/sup.err" ||
	grep inbound "$TMP/sup.err"

# --mark-mask: bits outside the mask (another program's) do not matter
kill -TERM "$(pid_of sup)"
wait "$(pid_of sup)" 2>/dev/null
in_s nft flush chain inet marks pre
in_s nft add rule inet marks pre udp sport 1701 meta mark set 0x10101
in_s nft add rule inet marks pre udp sport 1702 meta mark set 0x20102
start_daemon --format 2 --ipsec-check none --tunnel-marks -m 0xffff ||
	no "daemon starts with --mark-mask"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 7 "win-07"
wait_until 5 grep -q 77696e2d3037 "$TMP/lns.out"
sccrp $C4 0007 0d07
wait_until 5 sh -c "$IN_S nft list set inet l2tp-nfqd own4 | grep -q 0xd07"
send_from 1702 $S4 "$(data_nol 0d07)"
send_from 1701 $S4 "$(data_nol 0d07)"
wait_until 5 grep -q '^00020d07' "$TMP/lns.out"
sleep 0.3
check "--mark-mask: the owner passes with other bits set, the neighbour not" \
	test "$(got 00020d07)" -eq 1
[ -z "$FAILED" ]
