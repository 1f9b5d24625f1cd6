# Full-size packets through L2TP over ESP-in-UDP.  Sourced, not run, by
# the VM scenario inside the VM while c1's and c2's PPP links are up
# (both tunnel 1, one translated), the server's xl2tpd and pppd with
# contrib/xl2tpd/ as shipped, l2tp-nfqd --tunnel-marks --require-ipsec.
#
# What it expects from its caller, as tests/vm/scenario.sh sets them up:
#   variables   W, T, SRV, N (nettool), TOP, win_ike, win_esp;
#   functions   ok, no, info, check, wait_until, dump, in_ns, swanctl_in,
#               ppp_addr, xl2tpd_dump, ikev1_conn.
# It leaves the links as it found them.
#
# What it checks, on each kernel:
#   1. each link's two ends take the shipped options' mtu and mru;
#   2. through c1's and c2's links at once, full-size pings with DF set
#      both ways, then a bulk TCP transfer of 4 MiB each way, complete,
#      and nothing is fragmented anywhere (fragments made or reassembled
#      by the server, the NAT, c1, c2);
#   3. measured, IPv4 outer addresses: with c1's link raised to 1500 at
#      both ends, the largest ping that crosses it without the sender
#      fragmenting, each way (a binary search, one ping a step);
#   4. measured, the L2TP datagram (UDP payload) that ESP-in-UDP carries
#      without fragments, each way: IPv4 between c3 and the server (c3's
#      SA: AES-CBC with HMAC-SHA-1, as Windows' and the guide's worst
#      common case), and IPv6 between c4 and the server (an IKEv1 SA
#      with Windows' proposals, NAT-T forced with encap = yes: there is
#      no NAT for IPv6).  The difference of the IPv4 datagram and PPP
#      figures is the L2TP and PPP headers of the data path in use; the
#      IPv6 PPP figure is the IPv6 datagram less those.
#   5. the shipped mtu and mru fit the smallest of these figures.
# The figures go to the console ("mtu: ..."); doc/clients.md explains them.

MT=$W/mtu
mkdir -p "$MT"
opt_mtu=$(awk '$1 == "mtu" { print $2 }' "$TOP/contrib/xl2tpd/options.xl2tpd")
opt_mru=$(awk '$1 == "mru" { print $2 }' "$TOP/contrib/xl2tpd/options.xl2tpd")

# mt_count "NS..." FIELD...: the sum of these counters of /proc/net/snmp
# (Ip: FragCreates ...) and /proc/net/snmp6 (Ip6FragCreates ...) over
# the namespaces
mt_count() {
	nss=$1; shift
	for ns in $nss; do in_ns "$ns" cat /proc/net/snmp /proc/net/snmp6; done |
	awk -v f=" $* " '
		$1 == "Ip:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) h[i] = $i; next }
		$1 == "Ip:" { for (i = 2; i <= NF; i++) if (index(f, " Ip" h[i] " ")) s += $i; next }
		index(f, " " $1 " ") { s += $2 }
		END { print s + 0 }'
}
MT_FRAGS="IpFragCreates IpReasmReqds Ip6FragCreates Ip6ReasmReqds"
MT_MADE="IpFragCreates Ip6FragCreates"
mt_sif() {	# the server's PPP interface of C's link
	a=$(ppp_addr "$1")
	ip -n srv -o -4 addr | awk -v a="$a" 'index($0, " peer " a "/") { print $2 }'
}
mt_cif() { ip -n "$1" -o -4 addr | awk '$2 ~ /^ppp/ { print $2; exit }'; }
mt_mtu() { ip -n "$1" -o link show dev "$2" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }

# --- 1. the shipped options, negotiated -------------------------------
for c in c1 c2; do
	sif=$(mt_sif $c) cif=$(mt_cif $c)
	smtu=$(mt_mtu srv "$sif") cmtu=$(mt_mtu $c "$cif")
	info "mtu: $c's link: the server's end $sif mtu ${smtu:-?}, $c's end $cif mtu ${cmtu:-?} (options.xl2tpd: mtu $opt_mtu, mru $opt_mru)"
	check "$c's link takes the shipped options: the server sends up to mtu $opt_mtu, $c up to the server's mru $opt_mru" \
		test "$smtu:$cmtu" = "$opt_mtu:$opt_mru"
done

# --- 2. full-size pings with DF, bulk TCP -------------------------------
# the server counts the full-size echo requests with DF set, each way
in_ns srv nft -f - <<NFT
table inet mtu {
	counter up {
	}
	counter down {
	}
	chain in {
		type filter hook input priority 0;
		iifname "ppp*" icmp type echo-request ip frag-off & 0x4000 != 0 ip length $opt_mru counter name "up"
	}
	chain out {
		type filter hook output priority 0;
		oifname "ppp*" icmp type echo-request ip frag-off & 0x4000 != 0 ip length $opt_mtu counter name "down"
	}
}
NFT
mt_counter() { in_ns srv nft list counter inet mtu "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
f0=$(mt_count "srv nat c1 c2" $MT_FRAGS)
pids=
for c in c1 c2; do
	in_ns $c busybox ping -c 10 -i 0.2 -W 5 -s $((opt_mru - 28)) 192.168.42.1 \
		>$MT/$c.up 2>&1 &
	pids="$pids $!"
	in_ns srv busybox ping -c 10 -i 0.2 -W 5 -s $((opt_mtu - 28)) "$(ppp_addr $c)" \
		>$MT/$c.down 2>&1 &
	pids="$pids $!"
done
wait $pids
mt_got() { sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$1"; }
f1=$(mt_count "srv nat c1 c2" $MT_FRAGS)
info "mtu: full-size pings: c1 $(mt_got $MT/c1.up)/10 up ($opt_mru bytes), $(mt_got $MT/c1.down)/10 down ($opt_mtu bytes); c2 $(mt_got $MT/c2.up)/10, $(mt_got $MT/c2.down)/10; with DF at the server: $(mt_counter up) up, $(mt_counter down) down; fragments $f0 -> $f1"
check "through c1's and c2's links at once: full-size pings with DF set ($opt_mru bytes up, $opt_mtu down) are all answered, none fragmented" \
	sh -c "[ '$(cat $MT/c1.up $MT/c1.down $MT/c2.up $MT/c2.down | grep -c ' 10 packets received')' -eq 4 ] &&
	       [ '$(mt_counter up)' -eq 20 ] && [ '$(mt_counter down)' -eq 20 ] &&
	       [ $f0 -eq $f1 ]" ||
	{ dump $MT/c1.up 3; dump $MT/c1.down 3; dump $MT/c2.up 3; dump $MT/c2.down 3; }

# 4 MiB each way over each link, all four at once
BULK=4194304
f0=$(mt_count "srv nat c1 c2" $MT_FRAGS)
pids=
port=5001
for c in c1 c2; do
	a=$(ppp_addr $c)
	timeout 150 ip netns exec srv "$N" tcpsink 192.168.42.1 $port \
		>$MT/$c.sink-up 2>&1 &
	pids="$pids $!"
	timeout 150 ip netns exec $c "$N" tcpsink "$a" 5000 \
		>$MT/$c.sink-down 2>&1 &
	pids="$pids $!"
	wait_until 10 grep -q ready $MT/$c.sink-up
	wait_until 10 grep -q ready $MT/$c.sink-down
	in_ns $c "$N" tcpsend 192.168.42.1 $port $BULK >$MT/$c.send-up 2>&1 &
	pids="$pids $!"
	in_ns srv "$N" tcpsend "$a" 5000 $BULK >$MT/$c.send-down 2>&1 &
	pids="$pids $!"
	port=$((port + 1))
done
wait $pids
f1=$(mt_count "srv nat c1 c2" $MT_FRAGS)
for c in c1 c2; do
	for d in up down; do
		info "mtu: bulk TCP, $c $d: $(cat $MT/$c.sink-$d | tail -n1)"
	done
done
check "through c1's and c2's links at once: a bulk TCP transfer of 4 MiB each way completes, none of it fragmented (fragments $f0 -> $f1)" \
	sh -c "[ '$(cat $MT/*.sink-* | grep -c "^received $BULK bytes")' -eq 4 ] &&
	       [ $f0 -eq $f1 ]" ||
	for f in $MT/*.sink-* $MT/*.send-*; do dump $f 3; done

# --- 3. IPv4 outer: the largest PPP packet, measured --------------------
sif=$(mt_sif c1) cif=$(mt_cif c1)
ip -n srv link set dev "$sif" mtu 1500
ip -n c1 link set dev "$cif" mtu 1500
# mt_ping SIZE: "R UP DOWN": ping's exit status, fragments made by c1
# (and the NAT) and by the server, for one ping of SIZE bytes from c1
mt_ping() {
	u0=$(mt_count "c1 nat" $MT_MADE) d0=$(mt_count srv $MT_MADE)
	in_ns c1 busybox ping -c 1 -W 3 -s "$1" 192.168.42.1 >/dev/null 2>&1
	echo "$? $(($(mt_count "c1 nat" $MT_MADE) - u0)) $(($(mt_count srv $MT_MADE) - d0))"
}
mt_up() { set -- $(mt_ping "$1"); [ "$1" = 0 ] && [ "$2" = 0 ]; }
mt_down() { set -- $(mt_ping "$1"); [ "$1" = 0 ] && [ "$3" = 0 ]; }
# mt_search TEST LO HI: the largest size in [LO, HI) that TEST passes
# (LO passes, HI is assumed to fail); empty if LO fails
mt_search() {
	lo=$2 hi=$3
	$1 "$lo" || return 0
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(((lo + hi) / 2))
		if $1 "$mid"; then lo=$mid; else hi=$mid; fi
	done
	echo "$lo"
}
s_up=$(mt_search mt_up 1200 1473)
s_down=$(mt_search mt_down 1200 1473)
ip -n srv link set dev "$sif" mtu "$opt_mtu"
ip -n c1 link set dev "$cif" mtu "$opt_mru"
p4_up=$((${s_up:-0} + 28)) p4_down=$((${s_down:-0} + 28))
info "mtu: IPv4, c1's link (ESP AES-CBC-256/HMAC-SHA-1-96): the largest PPP packet without fragments: $p4_up bytes from c1, $p4_down from the server"
check "IPv4 outer: the largest PPP packets that cross c1's link unfragmented are measured ($p4_up up, $p4_down down), and the shipped mru ($opt_mru) and mtu ($opt_mtu) fit them" \
	sh -c "[ -n '$s_up' ] && [ -n '$s_down' ] && [ $opt_mru -le $p4_up ] &&
	       [ $opt_mtu -le $p4_down ]"

# --- 4. the L2TP datagram ESP-in-UDP carries, IPv4 and IPv6 -------------
# A datagram of L bytes from port 1799 to the server's udp/1701: an L2TP
# data message of a tunnel nobody has.  Each end counts what arrives
# through IPsec and drops it before anyone else sees it.
mt_hex() {	# mt_hex L: an L2TP data message of L bytes, in hex
	awk -v n="$1" 'BEGIN { s = "0002fffe0001"; while (length(s) < 2 * n) s = s "00"; print s }'
}
for ns in srv c3 c4; do
	in_ns $ns nft -f - <<'NFT'
table inet mtu_in {
	counter got {
	}
	chain in {
		type filter hook input priority -300;
		udp sport 1799 udp dport 1701 meta ipsec exists counter name "got" drop
		udp sport 1701 udp dport 1799 meta ipsec exists counter name "got" drop
	}
}
NFT
done
mt_got_in() { in_ns "$1" nft list counter inet mtu_in got | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
# mt_dgram FROM TO DST MARK L: one datagram of L bytes (MARK: the
# sender's SO_MARK, 0 for none) arrives at TO and FROM fragments nothing
mt_dgram() {
	g0=$(mt_got_in "$2") m0=$(mt_count "$1" $MT_MADE)
	if [ "$1" = srv ]; then
		in_ns srv "$N" send -s 1701 -M "$4" "$3" 1799 hex "$(mt_hex "$5")"
	else
		in_ns "$1" "$N" send -s 1799 "$3" 1701 hex "$(mt_hex "$5")"
	fi >/dev/null 2>&1
	wait_until 3 sh -c "[ \$(ip netns exec $2 nft list counter inet mtu_in got | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt $g0 ]" &&
		[ "$(mt_count "$1" $MT_MADE)" -eq "$m0" ]
}
# mt_mark C ADDR: the mark of C's SA on the server, C's own address ADDR
# (the server's inbound SA with the SPI of C's outbound one carries it as
# its output-mark)
mt_mark() {
	spi=$(ip -n "$1" xfrm state | awk -v a="$2" '
		$1 == "src" { out = ($2 == a) }
		out && $1 == "proto" && $2 == "esp" { print $4; exit }')
	in_ns srv ip xfrm state | awk -v s="$spi" '
		$1 == "src" { want = 0 }
		$1 == "proto" && $2 == "esp" { want = ($4 == s) }
		want && $1 == "output-mark" { m = $2; sub(/\/.*/, "", m); print m; exit }'
}
mt_dsearch() {	# mt_dsearch FROM TO DST MARK: the largest datagram
	mt_df() { mt_dgram "$MT_FROM" "$MT_TO" "$MT_DST" "$MT_MARK" "$1"; }
	MT_FROM=$1 MT_TO=$2 MT_DST=$3 MT_MARK=$4
	mt_search mt_df 1200 1473
}

# IPv4: c3, behind the NAT, from any port (its SA covers udp/any)
m3=$(mt_mark c3 198.51.100.13)
l4_up=$(mt_dsearch c3 srv $SRV 0)
l4_down=$(mt_dsearch srv c3 203.0.113.1 "${m3:-0}")
info "mtu: IPv4, c3's SA (ESP AES-CBC-256/HMAC-SHA-1-96, mark ${m3:-?}): the largest L2TP datagram without fragments: ${l4_up:-?} bytes from c3, ${l4_down:-?} from the server"

# IPv6: c4 and the server get addresses of their own, the NAT routes
# IPv6 as it is; c4 sets up an IKEv1 SA with Windows' proposals, NAT-T
# forced
SRV6=2001:db8:2::2 C46=2001:db8:1::14
in_ns nat sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n nat addr add 2001:db8:1::1/64 dev br0 nodad
ip -n nat addr add 2001:db8:2::1/64 dev wan nodad
ip -n c4 addr add $C46/64 dev eth0 nodad
ip -n c4 -6 route add default via 2001:db8:1::1
ip -n srv addr add $SRV6/64 dev eth0 nodad
ip -n srv -6 route add default via 2001:db8:2::1
{
	echo "include $W/c4/swanctl.conf"
	ikev1_conn l2tp6 $SRV6 "$win_ike" "$win_esp" "dynamic[udp]" \
		"encap = yes" "local_addrs = $C46"
} >$W/c4/v6.conf
swanctl_in c4 --load-all --file $W/c4/v6.conf >$MT/load6.out 2>&1
swanctl_in c4 --initiate --child l2tp6 --timeout 60 >$MT/initiate6.out 2>&1
swanctl_in c4 --list-sas --ike l2tp6 >$MT/sas6.out 2>&1
check "IPv6: c4 sets up an IKEv1 SA with Windows' proposals over IPv6, ESP in UDP (encap = yes)" \
	sh -c "grep -q 'initiate completed successfully' $MT/initiate6.out &&
	       grep -q 'TRANSPORT-in-UDP, ESP:AES_CBC-256/HMAC_SHA1_96' $MT/sas6.out" ||
	{ dump $MT/load6.out; dump $MT/initiate6.out 30; dump $MT/sas6.out; }
m6=$(mt_mark c4 $C46)
l6_up=$(mt_dsearch c4 srv $SRV6 0)
l6_down=$(mt_dsearch srv c4 $C46 "${m6:-0}")
swanctl_in c4 --terminate --ike l2tp6 >/dev/null 2>&1
info "mtu: IPv6, c4's SA (ESP AES-CBC-256/HMAC-SHA-1-96, mark ${m6:-?}): the largest L2TP datagram without fragments: ${l6_up:-?} bytes from c4, ${l6_down:-?} from the server"
for ns in srv c3 c4; do in_ns $ns nft delete table inet mtu_in; done
in_ns srv nft delete table inet mtu

# --- 5. the figures against the shipped options -------------------------
# L2TP and PPP headers of the data path in use, each way: the IPv4
# datagram less the IPv4 PPP packet; the IPv6 PPP packet: the IPv6
# datagram less the same
h_up=$((${l4_up:-0} - p4_up)) h_down=$((${l4_down:-0} - p4_down))
p6_up=$((${l6_up:-0} - h_up)) p6_down=$((${l6_down:-0} - h_down))
info "mtu: L2TP and PPP headers: $h_up bytes from the client, $h_down from the server; IPv6: the largest PPP packet $p6_up bytes from the client, $p6_down from the server"
check "the datagrams are measured (IPv4 ${l4_up:-?}/${l4_down:-?}, IPv6 ${l6_up:-?}/${l6_down:-?}), and the shipped mru ($opt_mru) and mtu ($opt_mtu) fit IPv6 outer addresses too ($p6_up up, $p6_down down)" \
	sh -c "[ -n '$l4_up' ] && [ -n '$l4_down' ] && [ -n '$l6_up' ] &&
	       [ -n '$l6_down' ] && [ $opt_mru -le $p6_up ] &&
	       [ $opt_mtu -le $p6_down ]"
