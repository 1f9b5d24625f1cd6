# A hostile client behind the same NAT as c1 and c2, with an IPsec SA of
# its own, against their live tunnels.  Sourced, not run, by the VM
# scenario inside the VM, in the middle of its colliding-IDs checks.
#
# What it expects from its caller, as tests/vm/scenario.sh sets them up:
#   namespaces  srv, nat (br0 198.51.100.1/24, masquerading), c1, c2;
#   variables   W, N (nettool), SRV, T, win_ike, win_esp, mode;
#   functions   ok, no, info, check, wait_until, dump, in_ns, swanctl_in,
#               ikev1_client, sa_check, pings_start, pings_stop,
#               pings_info, steady, calls, xl2tpd_dump;
#   running     l2tp-nfqd --tunnel-marks --require-ipsec -d (log
#               $W/daemon5.out), the server's xl2tpd (log
#               $W/srv/xl2tpd-ids.log), c1's and c2's LACs, both on
#               tunnel 1 (c1's as it is, c2's translated), both calls up.
# It adds the namespace c5 with its own charon and leaves its SA up; the
# daemon, xl2tpd and the calls stay as they were.
#
# What it checks.  c5 is like c1 and c2 (IKEv1 with Windows' proposals,
# transport mode, NAT-T, L2TP from udp/1701), so after the NAT its L2TP
# is the same address and port as theirs, through an SA of its own.
# While c1's and c2's PPP links carry pings both ways, c5 sends through
# that SA: (a) SCCRQs that the daemon and the L2TP daemon could read
# differently: two Assigned Tunnel IDs [9=7][9=1], and one plus a vendor
# type-9 AVP; (b) an SCCRQ for tunnel 1, c1's ID: translated, and bound
# to c5's own mark; (c) a flood of SCCRQs with many IDs: the per-mark
# rate limit and quota; (d) packets naming c1's tunnel by the server's
# ID for it (read from xl2tpd's log, checked against the set own4):
# StopCCNs for every Ns from 0 to 15, HELLOs, PPP data (an LCP
# Terminate-Request in each of the server's sessions) with and without
# the L bit.  Then: no ping lost on c1's and c2's links, no tunnel nor
# call of theirs closed, no PPP data of theirs left with c5's mark, the
# inbound chain dropped at least every injected packet, xl2tpd never saw
# the StopCCN, the server's pppd no Terminate-Request, and the daemon
# counted the dropped SCCRQs (unreadable, quota) and the kernel the rate.

HS=$W/hostile
mkdir -p "$HS"
PEER=203.0.113.1

hs_hex() { printf '%s' "$*" | tr -d ' '; }
hs_h4() { printf '%04x' "$1"; }
hs_send() {	# hs_send HEX...: one datagram from c5's udp/1701 to the server
	in_ns c5 "$N" send -s 1701 "$SRV" 1701 hex "$(hs_hex "$@")"
}
# the marks (decimal) of the server's SAs with the SPIs of client C's own
hs_marks_of() {
	ip -n "$1" xfrm state | awk '$1 == "proto" && $2 == "esp" { print $4 }' |
		sort -u >"$HS/spis"
	in_ns srv ip xfrm state | awk -v f="$HS/spis" '
	BEGIN { while ((getline s < f) > 0) want[s] = 1 }
	$1 == "src" { keep = 0 }
	$1 == "proto" && $2 == "esp" { keep = ($4 in want) }
	keep && ($1 == "mark" || $1 == "output-mark") {
		m = $2; sub(/\/.*/, "", m); print m }' |
	while read -r m; do printf '%d\n' "$m"; done | sort -un | tr '\n' ' ' |
		sed 's/ $//'
}
# a set's or map's elements from the NAT's address, decimal, one a line:
# "ID MARK" (own4: the server's ID . mark), "ID VALUE" (tunnels4, lns4)
hs_elems() {
	in_ns srv nft list "$1" inet l2tp-nfqd "$2" 2>/dev/null | tr -d '\n\t' |
		grep -o "$PEER \. 0x[0-9a-f]* [.:] 0x[0-9a-f]*" |
		while read -r _ _ id _ v; do
			echo "$(printf %d "$id") $(printf %d "$v")"
		done | sort -n
}
hs_own() { hs_elems set own4; }
hs_tunnels() { hs_elems map tunnels4; }
hs_counter() {	# hs_counter TABLE NAME: packets
	in_ns srv nft list counter inet "$1" "$2" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
hs_inbound_drops() {	# packets the inbound chain dropped
	in_ns srv nft list chain inet l2tp-nfqd inbound |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}
hs_rate_drops() {	# SCCRQs the per-mark rate limit dropped
	in_ns srv nft list chain inet l2tp-nfqd input |
		sed -n '/limit rate over/s/.*counter packets \([0-9]*\) .*/\1/p'
}
hs_stats() {	# the daemon's counters, logged on SIGUSR1, into $HS/stats
	n=$(grep -c 'inbound: tunnels bound' "$W/daemon5.out")
	kill -USR1 "$(pidof l2tp-nfqd)"
	wait_until 10 sh -c "[ \$(grep -c 'inbound: tunnels bound' $W/daemon5.out) -gt $n ]"
	grep -E 'dropped: invalid|SCCRQs dropped|inbound: tunnels bound' \
		"$W/daemon5.out" | tail -n 3 >"$HS/stats"
}
hs_stat() {	# hs_stat NAME: the number after NAME in the last counters
	sed -n "s/.*$1 \([0-9]*\).*/\1/p" "$HS/stats" | tail -n1
}
hs_closed() { grep -c 'Connection closed\|Call closed' "$W/srv/xl2tpd-ids.log"; }

# --- c5: a namespace behind the NAT, a charon, an SA like c1's ------------
ip netns add c5
ip -n c5 link set lo up
ip link add eth0 netns c5 type veth peer name lan5 netns nat
ip -n nat link set lan5 master br0 up
ip -n c5 addr add 198.51.100.15/24 dev eth0
ip -n c5 link set eth0 up
ip -n c5 route add default via 198.51.100.1
mkdir -p "$W/c5"
sed "s|$W/c1/|$W/c5/|g" "$W/c1/strongswan.conf" >"$W/c5/strongswan.conf"
ip netns exec c5 sh -c "mount -t tmpfs none /run &&
	STRONGSWAN_CONF=$W/c5/strongswan.conf exec /usr/lib/ipsec/charon" \
	>"$W/c5/charon.out" 2>&1 &
wait_until 60 test -S "$W/c5/charon.vici" ||
	{ no "charon starts in c5"; dump "$W/c5/charon.out"; }
ikev1_client c5 "$win_ike" "$win_esp" "dynamic[udp/1701]"
sa_check c5 "hostile, like Windows behind the same NAT: IKEv1, its own SA, transport mode with NAT-T" \
	'ESTABLISHED, IKEv1' 'TRANSPORT-in-UDP, ESP:AES_CBC-256/HMAC_SHA1_96'

m1=$(hs_marks_of c1) m2=$(hs_marks_of c2) m5=$(hs_marks_of c5)
info "hostile: the SAs' marks on the server: c1 $m1, c2 $m2, c5 $m5"
check "hostile: c1, c2 and c5 each have an SA with a mark of its own" \
	sh -c "[ -n '$m1' ] && [ -n '$m2' ] && [ -n '$m5' ] &&
	       [ '$m1' != '$m2' ] && [ '$m1' != '$m5' ] && [ '$m2' != '$m5' ] &&
	       [ \$(echo '$m1 $m2 $m5' | wc -w) -eq 3 ]" ||
	{ in_ns srv ip xfrm state | grep -v 0x................ >"$HS/state"; dump "$HS/state" 60; }

# c1's tunnel: its own ID 1, not translated; the server's ID for it
L1=$(sed -n "s/.*Connection established to $PEER, 1701\.  Local: \([0-9]*\), Remote: 1 .*/\1/p" \
	"$W/srv/xl2tpd-ids.log" | tail -n1)
# the server's session IDs of every call (c1's among them)
SIDS=$(sed -n "s/.*Call established with $PEER, .*Local: \([0-9]*\), .*/\1/p" \
	"$W/srv/xl2tpd-ids.log" | sort -un | tr '\n' ' ')
hs_own >"$HS/own0"
hs_tunnels >"$HS/tunnels0"
info "hostile: c1's tunnel is ${L1:-?} on the server; sessions $SIDS; own4 (ID mark): $(tr '\n' ',' <"$HS/own0")"
check "inbound binding: own4 holds c1's tunnel (the server's ID ${L1:-?}) with c1's mark, and c2's with c2's" \
	sh -c "[ -n '$L1' ] && grep -qx '$L1 $m1' $HS/own0 &&
	       awk '\$2 == $m2' $HS/own0 | grep -q ." ||
	{ dump "$W/daemon5.out" 30; dump "$W/srv/xl2tpd-ids.log" 30; }
check "inbound binding: c1's tunnel 1 in tunnels4 with c1's mark" \
	grep -qx "1 $m1" "$HS/tunnels0"

# counters: PPP data (T bit clear) that leaves with each mark
in_ns srv nft -f - <<NFT
table inet hs-out {
	counter data5 {
	}
	counter data1 {
	}
	counter data2 {
	}
	chain post {
		type filter hook postrouting priority filter;
		udp sport 1701 @th,64,16 & 0x8000 == 0 meta mark $m5 counter name "data5"
		udp sport 1701 @th,64,16 & 0x8000 == 0 meta mark $m1 counter name "data1"
		udp sport 1701 @th,64,16 & 0x8000 == 0 meta mark $m2 counter name "data2"
	}
}
NFT
hs_stats
cp "$HS/stats" "$HS/stats0"
inv0=$(hs_stat invalid) quota0=$(hs_stat quota)
rate0=$(hs_rate_drops) drops0=$(hs_inbound_drops) closed0=$(hs_closed)
calls0=$(calls)
tp0=$(grep -c 'the L2TP daemon sees tunnel' "$W/daemon5.out")

pings_start 1000 c1 c2
sleep 2

# (a) SCCRQs read one way by the daemon, maybe another by xl2tpd; else
# complete (xl2tpd wants Framing Capabilities)
hs_sccrq() {	# hs_sccrq HOSTHEX AVPS...: an SCCRQ, in hex
	hl=$(($(printf %s "$1" | wc -c) / 2))
	hs_b=$(hs_hex "8008 0000 0000 0001 8008 0000 0002 0100" \
		"800a 0000 0003 0000 0003 $(hs_h4 $((0x8000 + 6 + hl))) 0000 0007" "$@")
	hs_hex "c802 $(hs_h4 $((12 + $(printf %s "$hs_b" | wc -c) / 2)))" \
		"0000 0000 0000 0000 $hs_b"
}
for i in 1 2 3; do
	hs_send "$(hs_sccrq 686f7374696c65 8008 0000 0009 0007 8008 0000 0009 0001)"
	hs_send "$(hs_sccrq 686f7374696c65 8008 0000 0009 0007 0008 0137 0009 0001)"
done
sleep 1

# (b) tunnel 1, c1's ID, from c5's SA: the server's SCCRP, through c5's SA
in_ns c5 "$N" send -s 1701 -w 5000 "$SRV" 1701 hex \
	"$(hs_sccrq 686f7374696c652d62 8008 0000 0009 0001)" >"$HS/b.reply" 2>&1
xb=$(sed -n 's/.*tunnel 1: the L2TP daemon sees tunnel \([0-9]*\)$/\1/p' \
	"$W/daemon5.out" | tail -n1)
sleep 1
hs_own >"$HS/own-b"
hs_tunnels >"$HS/tunnels-b"

# (c) a flood: 200 SCCRQs with IDs from 1000 up, 100 a second: the burst
# and the rate (40, then 20 a second) let more through than the quota
in_ns c5 "$N" send -s 1701 -n 200 -r 100 "$SRV" 1701 sccrq 1000 flood
sleep 1

# (d) c1's tunnel named by the server's ID, from c5's SA
inj=0
if [ -n "$L1" ]; then
	hs_t=$(hs_h4 "$L1")
	hs_ns=0
	while [ $hs_ns -le 15 ]; do	# StopCCN: every Ns a tunnel this young has
		hs_send "c802 0024 $hs_t 0000 $(hs_h4 $hs_ns) 0000 8008 0000 0000 0004 8008 0000 0001 0001 8008 0000 0009 0001"
		inj=$((inj + 1)) hs_ns=$((hs_ns + 1))
	done
	for hs_ns in 0 4 8 12; do	# HELLO
		hs_send "c802 0014 $hs_t 0000 $(hs_h4 $hs_ns) 0000 8008 0000 0000 0006"
		inj=$((inj + 1))
	done
	for hs_s in $SIDS; do	# PPP: LCP Terminate-Request, with and without L
		hs_send "4002 0010 $hs_t $(hs_h4 "$hs_s") ff03 c021 0501 0004"
		hs_send "0002 $hs_t $(hs_h4 "$hs_s") ff03 c021 0502 0004"
		inj=$((inj + 2))
	done
fi
sleep 3
pings_stop
pings_info c1 c2
sleep 1
hs_stats
drops1=$(hs_inbound_drops) rate1=$(hs_rate_drops) closed1=$(hs_closed)
hs_tunnels >"$HS/tunnels1"
hs_own >"$HS/own1"
sed "s/^/info $T: hostile: /" "$HS/stats"
info "hostile: inbound chain drops $drops0 -> $drops1 ($inj injected), rate-limit drops $rate0 -> $rate1, c5's tunnels in tunnels4: $(awk -v m=$m5 '$2 == m' "$HS/tunnels1" | wc -l)"

hw="hostile c5 on its own SA"
for c in c1 c2; do
	check "$hw: $c's link loses no ping either way during the attacks" \
		steady $c stopped ||
		{ xl2tpd_dump ids; dump "$W/daemon5.out" 30; }
done
check "$hw: no tunnel nor call of c1's or c2's closed, both calls still up" \
	sh -c "[ $closed1 -eq $closed0 ] && [ $(calls) -eq $calls0 ]" ||
	xl2tpd_dump ids
check "$hw: no PPP data left with c5's mark (with c1's: $(hs_counter hs-out data1), c2's: $(hs_counter hs-out data2) packets)" \
	sh -c "[ $(hs_counter hs-out data5) -eq 0 ] &&
	       [ $(hs_counter hs-out data1) -gt 0 ] && [ $(hs_counter hs-out data2) -gt 0 ]"
check "$hw: (a) SCCRQs with [9=7][9=1], or [9=7] and a vendor's type 9: dropped as unreadable (invalid $inv0 -> $(hs_stat invalid)), no tunnel of c5's but (b)'s" \
	sh -c "[ $(hs_stat invalid) -ge $((inv0 + 6)) ] &&
	       [ \$(awk -v m=$m5 '\$2 == m' $HS/tunnels-b | wc -l) -eq 1 ]" ||
	dump "$W/daemon5.out" 30
check "$hw: (b) an SCCRQ for tunnel 1 (c1's ID) is translated (to ${xb:-nothing}), bound to c5's mark; the server's SCCRP comes back through c5's SA with c5's ID, and binds its tunnel to c5's mark" \
	sh -c "[ -n '$xb' ] && [ '$xb' != 1 ] && grep -qx '$xb $m5' $HS/tunnels-b &&
	       grep -q '^c802....0001............8008000000000002' $HS/b.reply &&
	       [ \$(awk '\$2 == $m5' $HS/own-b | wc -l) -eq 1 ]" ||
	{ dump "$HS/b.reply"; dump "$W/daemon5.out" 30; }
check "$hw: (b) c1's tunnel keeps its binding (own4: ${L1:-?} with c1's mark; tunnels4: 1 with c1's mark)" \
	sh -c "grep -qx '${L1:-x} $m1' $HS/own-b && grep -qx '1 $m1' $HS/tunnels-b"
check "$hw: (c) the flood: the per-mark rate limit drops SCCRQs in the kernel ($rate0 -> $rate1)" \
	test "$rate1" -gt "$rate0"
check "$hw: (c) the flood: the quota (64 tunnels a mark) drops the rest ($quota0 -> $(hs_stat quota)); c5 holds 64 tunnels" \
	sh -c "[ $(hs_stat quota) -gt $quota0 ] &&
	       [ \$(awk -v m=$m5 '\$2 == m' $HS/tunnels1 | wc -l) -eq 64 ]" ||
	dump "$W/daemon5.out" 20
check "$hw: (d) the inbound chain drops every packet naming c1's tunnel ($inj: StopCCNs, HELLOs, PPP data with and without the L bit)" \
	sh -c "[ $inj -gt 0 ] && [ $drops1 -ge $((drops0 + inj)) ]"
check "$hw: (d) xl2tpd never saw the StopCCN: c1's tunnel ${L1:-?} not closed, still bound" \
	sh -c "! grep -q 'Connection closed to .*Local: ${L1:-x}, ' $W/srv/xl2tpd-ids.log &&
	       grep -qx '${L1:-x} $m1' $HS/own1" || xl2tpd_dump ids
check "$hw: (d) the server's pppd never got the LCP Terminate-Request" \
	sh -c "! grep -q 'TermReq\|terminated by peer' $W/srv/ppp.log"
in_ns srv nft delete table inet hs-out
