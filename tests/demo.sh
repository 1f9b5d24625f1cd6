#!/bin/sh
# make demo: two L2TP clients behind one NAT router send their SCCRQ from
# udp/1701 to a server.  The server's nft rules give each client's traffic
# its own mark, standing in for the marks of two IPsec SAs (this demo needs
# no ESP in the kernel).  l2tp-nfqd installs its own table and tells the
# reference receiver, playing the L2TP daemon, which mark belongs to which
# tunnel.  Everything it creates is removed at the end, also on Ctrl-C.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$TOP/build}
ID=$$
C1=l2nq-demo-client1-$ID C2=l2nq-demo-client2-$ID
NAT=l2nq-demo-nat-$ID SRV=l2nq-demo-server-$ID
TMP=$(mktemp -d /tmp/l2nq-demo.XXXXXX)
SOCK=$TMP/l2tp-nfqd.sock
DPID= LPID=

[ "$(id -u)" = 0 ] || { echo "make demo needs root (network namespaces)"; exit 1; }

cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	for ns in $C1 $C2 $NAT $SRV; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m%s\033[0m\n' "$*"; }

for ns in $C1 $C2 $NAT $SRV; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
link() {	# link NS1 ADDR1 NS2 ADDR2
	ip link add d0 netns "$1" type veth peer name "d$ID" netns "$3"
	ip -n "$3" link set "d$ID" name "$5"
	ip -n "$1" addr add "$2" dev d0
	ip -n "$3" addr add "$4" dev "$5"
	ip -n "$1" link set d0 up
	ip -n "$3" link set "$5" up
}
link $C1 198.51.100.2/28 $NAT 198.51.100.1/28 lan1
link $C2 198.51.100.18/28 $NAT 198.51.100.17/28 lan2
link $SRV 203.0.113.2/24 $NAT 203.0.113.1/24 wan
ip -n $C1 route add default via 198.51.100.1
ip -n $C2 route add default via 198.51.100.17
ip netns exec $NAT sysctl -qw net.ipv4.ip_forward=1
# the router masquerades both clients behind 203.0.113.1; it tags each
# client's packets (DSCP) so that the server can tell them apart, as
# the IPsec SAs would
ip netns exec $NAT nft -f - <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" masquerade
	}
	chain tag {
		type filter hook forward priority 0;
		iifname "lan1" ip dscp set cs1
		iifname "lan2" ip dscp set cs2
	}
}
NFT
# the server: one mark per "SA", as strongSwan's set_mark_in would stamp
ip netns exec $SRV nft -f - <<'NFT'
table ip sa-marks {
	chain pre {
		type filter hook prerouting priority mangle - 10;
		ip dscp cs1 meta mark set 0x101
		ip dscp cs2 meta mark set 0x102
	}
}
NFT

step "Network: two clients behind one NAT, one server"
cat <<TXT
  client 1  198.51.100.2  --\\
                              NAT router 203.0.113.1 ---- server 203.0.113.2
  client 2  198.51.100.18 --/
  Server marks: client 1's traffic 0x101, client 2's 0x102 (two "SAs").
TXT

step "The L2TP daemon's socket: the reference receiver listens on it"
"$B/l2tp-nfq-listen" "$SOCK" >"$TMP/listen.out" 2>/dev/null &
LPID=$!
step "Starting l2tp-nfqd on the server (--manage-rules --ipsec-check none)"
ip netns exec $SRV "$B/l2tp-nfqd" -n 1 -o "$SOCK" --ipsec-check none \
	--control "$TMP/control" 2>"$TMP/daemon.log" &
DPID=$!
i=0
while ! grep -q 'installed' "$TMP/daemon.log" && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
sed 's/^/  /' "$TMP/daemon.log"
echo "  Its table on the server:"
ip netns exec $SRV nft list table inet l2tp-nfqd 2>/dev/null | sed 's/^/    /'

step "Both clients open a tunnel: SCCRQ from udp/1701 to udp/1701"
echo "  client 1: tunnel 11, host alice-laptop"
ip netns exec $C1 "$B/nettool" send -s 1701 203.0.113.2 1701 sccrq 11 alice-laptop
echo "  client 2: tunnel 22, host bob-phone"
ip netns exec $C2 "$B/nettool" send -s 1701 203.0.113.2 1701 sccrq 22 bob-phone
i=0
while [ "$(grep -c '^format' "$TMP/listen.out")" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done

step "What the L2TP daemon received"
sed 's/^/  /' "$TMP/listen.out"
echo
echo "  Same peer address (the NAT's), a different mark for each tunnel:"
echo "  the L2TP daemon sets SO_MARK on each tunnel's socket, and each"
echo "  reply leaves over its own client's SA."
n=$(grep -c '^format' "$TMP/listen.out")

step "l2tp-nfqd status: what the daemon counted (with --tunnel-marks it lists each tunnel too)"
ip netns exec $SRV "$B/l2tp-nfqd" status --control "$TMP/control" |
	grep -v '^options:' | grep -v ' 0$' | sed 's/^/  /'
kill "$DPID"; wait "$DPID"; DPID=
step "l2tp-nfqd stopped: its table is gone with it"
ip netns exec $SRV nft list tables | sed 's/^/  /'
[ "$n" -eq 2 ] || { echo "demo failed: $n messages"; exit 1; }
