#!/bin/sh
# Inside the VM (stock Debian kernel): two L2TP/IPsec clients behind one
# NAT router, strongSwan with NAT-T in transport mode, the server with
# mark_in = mark_out = %unique and set_mark_in = %same and no connmark
# plugin (contrib/strongswan/swanctl-l2tp-set-mark-in.conf, verbatim).
# l2tp-nfqd with its own table, the default ipsec check and the native
# queue; a responder answers each SCCRQ from a socket marked as the
# message says, and each client must get its own answer.
echo	# the console's last line may hold escape codes
B=$BUILD
D=$B/l2tp-nfqd
N=$B/nettool
W=/tmp/vm
mkdir -p $W
T=${TIER:-vm}
pass=0 fail=0

ok() { echo "ok   $T: $*"; pass=$((pass + 1)); }
no() { echo "FAIL $T: $*"; fail=$((fail + 1)); return 1; }
check() { w=$1; shift; if "$@"; then ok "$w"; else no "$w"; fi; }
wait_until() {
	t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
finish() { echo "$T: $pass passed, $fail failed"; exit 0; }
# show a file's tail on the console, for a failure's diagnosis
dump() { tail -n "${2:-15}" "$1" 2>/dev/null | sed "s|^|info $T: $(basename "$1"): |"; }
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

for m in xfrm_user esp4 nft_queue nf_conntrack veth bridge ppp_generic \
	 ppp_async; do
	modprobe "$m" || no "modprobe $m"
done

# network: c1, c2 -- br0 on nat (198.51.100.0/24) -- nat wan -- srv
for ns in srv nat c1 c2; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n nat link add br0 type bridge
ip -n nat link set br0 up
ip -n nat addr add 198.51.100.1/24 dev br0
i=0
for c in c1 c2; do
	i=$((i + 1))
	ip link add eth0 netns $c type veth peer name lan$i netns nat
	ip -n nat link set lan$i master br0 up
	ip -n $c addr add 198.51.100.1$i/24 dev eth0
	ip -n $c link set eth0 up
	ip -n $c route add default via 198.51.100.1
done
ip link add wan netns nat type veth peer name eth0 netns srv
ip -n nat addr add 203.0.113.1/24 dev wan
ip -n srv addr add 203.0.113.2/24 dev eth0
ip -n nat link set wan up
ip -n srv link set eth0 up
in_ns nat sysctl -qw net.ipv4.ip_forward=1
in_ns nat nft -f - <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" masquerade
	}
}
NFT

# one charon per namespace, each with its own configuration and sockets
for ns in srv c1 c2; do
	mkdir -p $W/$ns
	cat >$W/$ns/strongswan.conf <<CONF
charon {
	load = random nonce openssl pem pkcs1 x509 pubkey hmac sha1 sha2 aes gcm kdf kernel-netlink socket-default vici
	plugins {
		vici {
			socket = unix://$W/$ns/charon.vici
		}
		connmark {
			load = no
		}
	}
	filelog {
		charon {
			path = $W/$ns/charon.log
			default = 1
		}
	}
}
CONF
	ip netns exec $ns sh -c "mount -t tmpfs none /run &&
		STRONGSWAN_CONF=$W/$ns/strongswan.conf exec /usr/lib/ipsec/charon" \
		>$W/$ns/charon.out 2>&1 &
done
for ns in srv c1 c2; do
	wait_until 60 test -S $W/$ns/charon.vici ||
		{ no "charon starts in $ns"; dump $W/$ns/charon.out; }
done
STRONGSWAN_CONF=$W/srv/strongswan.conf in_ns srv swanctl --load-all --uri unix://$W/srv/charon.vici \
	--file "$TOP/contrib/strongswan/swanctl-l2tp-set-mark-in.conf" \
	>$W/srv/load.out 2>&1
check "server loads contrib/strongswan/swanctl-l2tp-set-mark-in.conf" \
	grep -q "loaded connection 'l2tp'" $W/srv/load.out ||
	{ dump $W/srv/load.out; dump $W/srv/charon.log; }
for c in c1 c2; do
	# client 2 may use any source port, as macOS and iOS do
	lts=dynamic[udp/1701]
	[ $c = c2 ] && lts=dynamic[udp]
	cat >$W/$c/swanctl.conf <<CONF
connections {
	l2tp {
		version = 2
		remote_addrs = 203.0.113.2
		proposals = aes256-sha256-x25519
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			l2tp {
				mode = transport
				local_ts = $lts
				remote_ts = dynamic[udp/1701]
				esp_proposals = aes256gcm16
			}
		}
	}
}
secrets {
	ike {
		secret = "change-me"
	}
}
CONF
	STRONGSWAN_CONF=$W/$c/strongswan.conf in_ns $c swanctl --load-all --uri unix://$W/$c/charon.vici \
		--file $W/$c/swanctl.conf >$W/$c/load.out 2>&1
	STRONGSWAN_CONF=$W/$c/strongswan.conf in_ns $c swanctl --initiate --child l2tp --timeout 60 \
		--uri unix://$W/$c/charon.vici >$W/$c/initiate.out 2>&1
	check "$c: IKEv2 with NAT-T, transport-mode SA up" \
		grep -q "initiate completed successfully" $W/$c/initiate.out ||
		{ dump $W/$c/load.out; dump $W/$c/initiate.out 30; dump $W/srv/charon.log 30; }
done
in_ns srv ip xfrm state >$W/xfrm.txt
marks=$(grep -o 'output-mark 0x[0-9a-f]*' $W/xfrm.txt | awk '{print $2}' | sort -u)
check "server: two inbound SAs, each with its own output-mark" \
	test "$(echo "$marks" | grep -c .)" -eq 2
check "server: NAT-T encapsulation" grep -q 'encap type espinudp' $W/xfrm.txt

# a server process that never sets SO_MARK answers client 2's own port
echo_from_c2() {	# echo_from_c2 PORT: prints the echo, or "no reply"
	in_ns srv "$N" echo 1701 1 >$W/echo.out 2>&1 &
	wait_until 10 grep -q ready $W/echo.out
	in_ns c2 "$N" send -s "$1" -w 5000 203.0.113.2 1701 hex 68656c6c6f
	kill $! 2>/dev/null
}
# without --connmark its reply carries no mark: no outbound policy
in_ns srv "$D" -n 1 --ipsec-check secpath >$W/daemon0.out 2>&1 &
wait_until 30 grep -q installed $W/daemon0.out
check "control, no --connmark: an unmarked reply does not reach client 2" \
	test "$(echo_from_c2 40001)" = "no reply"
kill "$(pidof l2tp-nfqd)"
wait_until 10 sh -c '! pidof l2tp-nfqd >/dev/null'

# l2tp-nfqd: managed rules, default secpath check, native queue, and the
# nft-native connmark in place of strongSwan's plugin
in_ns srv "$D" -n 1 -o $W/nfq.sock --format 2 --connmark -d \
	>$W/daemon.out 2>&1 &
wait_until 30 grep -q installed $W/daemon.out
check "managed table uses the native nft queue" \
	grep -q 'native nft queue' $W/daemon.out
check "the queue rule in place" sh -c "ip netns exec srv nft list table inet l2tp-nfqd |
	grep -q 'meta ipsec exists counter packets 0 bytes 0 queue'"
in_ns srv "$N" respond $W/nfq.sock 2 >$W/respond.out 2>&1 &
wait_until 10 grep -q ready $W/respond.out

in_ns c1 "$N" send -s 1701 -w 20000 203.0.113.2 1701 sccrq 11 client-one \
	>$W/c1.reply 2>&1 &
p1=$!
in_ns c2 "$N" send -s 1701 -w 20000 203.0.113.2 1701 sccrq 22 client-two \
	>$W/c2.reply 2>&1 &
p2=$!
wait $p1 $p2
cat $W/respond.out | sed "s/^/info $T: /"

check "two messages" test "$(grep -c '^answered' $W/respond.out)" -eq 2
check "same peer address for both: the NAT's" \
	test "$(grep -c '^answered peer 203.0.113.1 port 1701 ' $W/respond.out)" -eq 2
m1=$(sed -n 's/.*tunnel 11 mark \(0x[0-9a-f]*\) source 1 host client-one$/\1/p' $W/respond.out)
m2=$(sed -n 's/.*tunnel 22 mark \(0x[0-9a-f]*\) source 1 host client-two$/\1/p' $W/respond.out)
check "client 1: tunnel 11, host, mark from the packet" test -n "$m1"
check "client 2: tunnel 22, host, mark from the packet" test -n "$m2"
check "different marks, each an SA's output-mark" sh -c "[ '$m1' != '$m2' ] &&
	echo '$marks' | grep -qx '$m1' && echo '$marks' | grep -qx '$m2'"
check "client 1 got its own answer through its own SA" \
	test "$(cat $W/c1.reply)" = "reply-client-one"
check "client 2 got its own answer through its own SA" \
	test "$(cat $W/c2.reply)" = "reply-client-two"

check "--connmark: a reply from a process without SO_MARK reaches client 2 (own source port) through its SA" \
	test "$(echo_from_c2 40002)" = "hello"
check "--connmark: the SA's mark saved in conntrack" sh -c \
	"ip netns exec srv conntrack -L -p udp --sport 40002 2>/dev/null | grep -q 'mark=$(printf %d $m2)'"

# conntrack save/restore alone: both clients' L2TP share one conntrack
# entry (the NAT's address, udp/1701 both ends), so a packet for client
# 1's tunnel (ID 11) sent right after client 2 spoke takes client 2's SA
to_tunnel_11() {	# both clients speak, then the server writes to tunnel 11
	in_ns c1 "$N" send -s 1701 -w 4000 203.0.113.2 1701 hex 00 >$W/t1.out &
	w1=$!
	sleep 0.5
	in_ns c2 "$N" send -s 1701 -w 4000 203.0.113.2 1701 hex 00 >$W/t2.out &
	w2=$!
	sleep 0.5
	in_ns srv "$N" send -s 1701 203.0.113.1 1701 hex c802000c000b00000000000000
	wait $w1 $w2	# not a bare wait: the charons run in the background
}
to_tunnel_11
check "--connmark alone: tunnel 11's packet after client 2 spoke goes to client 2" \
	sh -c "grep -q '^c802000c000b' $W/t2.out && grep -q 'no reply' $W/t1.out"

# without IPsec, nothing is queued
in_ns nat "$N" send -s 1701 203.0.113.2 1701 sccrq 33 no-ipsec
sleep 1
check "an SCCRQ without IPsec is not queued" sh -c "ip netns exec srv nft list table inet l2tp-nfqd |
	grep -q 'counter packets 2 '"
kill %1 2>/dev/null
kill "$(pidof l2tp-nfqd)"
wait_until 10 sh -c '! pidof l2tp-nfqd >/dev/null'

# NFQA_CT: the conntrack mark attached by the kernel, packet mark 0
in_ns srv nft -f - <<'NFT'
table inet ctmark {
	chain pre {
		type filter hook prerouting priority mangle - 10;
		udp sport 1799 ct mark set 0x77
	}
}
NFT
in_ns srv "$D" -n 2 --table ctcheck --ipsec-check none -o $W/ct.sock \
	--format 2 -d >$W/daemon2.out 2>&1 &
wait_until 30 grep -q installed $W/daemon2.out
check "this kernel attaches conntrack to queued packets" \
	grep -q 'marks from packet, conntrack attached to it' $W/daemon2.out
"$B/l2tp-nfq-listen" $W/ct.sock >$W/ct.out 2>/dev/null &
wait_until 10 test -S $W/ct.sock
in_ns nat "$N" send -s 1799 203.0.113.2 1701 sccrq 44 ct-attached
wait_until 10 grep -q ct-attached $W/ct.out
check "mark through NFQA_CT when the packet carries none" grep -q \
	'tunnel 44 mark 0x77 source conntrack host "ct-attached"' $W/ct.out
kill "$(pidof l2tp-nfqd)"

# --tunnel-marks: the same exchange, now per tunnel
in_ns srv "$D" -n 1 --tunnel-marks --connmark -d >$W/daemon3.out 2>&1 &
wait_until 30 grep -q installed $W/daemon3.out
in_ns c1 "$N" send -s 1701 203.0.113.2 1701 sccrq 11 client-one
in_ns c2 "$N" send -s 1701 203.0.113.2 1701 sccrq 22 client-two
wait_until 10 sh -c "grep -c 'SCCRQ from' $W/daemon3.out | grep -qx 2"
to_tunnel_11
check "--tunnel-marks: tunnel 11's packet goes to client 1 even so" \
	sh -c "grep -q '^c802000c000b' $W/t1.out && grep -q 'no reply' $W/t2.out"
kill "$(pidof l2tp-nfqd)"
wait_until 10 sh -c '! pidof l2tp-nfqd >/dev/null'

# Debian's xl2tpd, unmodified: LNS on the server, LAC on both clients
for ns in srv c1 c2; do
	cat >$W/$ns/ppp.opts <<OPTS
noauth
nodefaultroute
noipdefault
lcp-echo-interval 0
logfile $W/$ns/ppp.log
OPTS
done
cat >$W/srv/xl2tpd.conf <<CONF
[global]
port = 1701
force userspace = yes
[lns default]
local ip = 198.18.0.1
ip range = 198.18.0.10-198.18.0.20
require authentication = no
pppoptfile = $W/srv/ppp.opts
length bit = yes
CONF
for c in c1 c2; do
	cat >$W/$c/xl2tpd.conf <<CONF
[global]
port = 1701
force userspace = yes
[lac server]
lns = 203.0.113.2
autodial = yes
redial = no
require authentication = no
pppoptfile = $W/$c/ppp.opts
length bit = yes
CONF
done
xl2tpd_run() {	# start the LNS and both LACs
	for ns in srv c1 c2; do
		rm -f $W/$ns/xl2tpd.ctl
		in_ns $ns xl2tpd -D -c $W/$ns/xl2tpd.conf -p $W/$ns/xl2tpd.pid \
			-C $W/$ns/xl2tpd.ctl >$W/$ns/xl2tpd.log 2>&1 &
		[ $ns = srv ] && sleep 1
	done
}
xl2tpd_stop() {
	for p in $(pidof xl2tpd) $(pidof pppd); do kill "$p"; done
	wait_until 10 sh -c '! pidof xl2tpd >/dev/null && ! pidof pppd >/dev/null'
}
calls() { ip -n srv -br addr | grep -c '^ppp.*198.18.0.1'; }

# no return-path marks: the LNS's answers match no outbound policy
xl2tpd_run
sleep 15
n=$(calls)
check "xl2tpd without return-path marks: no tunnel comes up" sh -c \
	"! grep -q 'Connection established' $W/srv/xl2tpd.log && [ $n -eq 0 ]" ||
	{ dump $W/srv/xl2tpd.log 20; dump $W/c1/xl2tpd.log 20; ip netns exec srv ip xfrm policy | sed "s/^/info $T: /" | head -30; }
xl2tpd_stop

in_ns srv "$D" -n 1 --tunnel-marks -d >$W/daemon4.out 2>&1 &
wait_until 30 grep -q installed $W/daemon4.out
xl2tpd_run
t=90
while [ "$(calls)" -lt 2 ] && [ $t -gt 0 ]; do sleep 1; t=$((t - 1)); done
check "xl2tpd with --tunnel-marks: both tunnels come up" test \
	"$(grep -c 'Connection established' $W/srv/xl2tpd.log)" -eq 2 ||
	{ dump $W/srv/xl2tpd.log 20; dump $W/c1/xl2tpd.log 10; }
check "xl2tpd with --tunnel-marks: both calls up (two PPP links on the server)" \
	test "$(calls)" -eq 2 ||
	{ dump $W/srv/xl2tpd.log 30; dump $W/srv/ppp.log 20; dump $W/c1/ppp.log 20; ip -n srv -br addr | sed "s/^/info $T: /"; }
check "each client has its PPP link" sh -c \
	"ip -n c1 -br addr | grep -q '^ppp.*198.18.0.1[0-9]' &&
	 ip -n c2 -br addr | grep -q '^ppp.*198.18.0.1[0-9]'"
xl2tpd_stop
kill "$(pidof l2tp-nfqd)"

# rules/ load with the native queue
ip netns add rules
for f in "$TOP"/rules/*.nft; do
	check "rules/$(basename "$f") loads with nft -f" in_ns rules nft -f "$f"
	in_ns rules nft flush ruleset
done
finish
