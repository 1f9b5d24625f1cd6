# L2TPNS as the L2TP/IPsec server's LNS, end to end: l2tp-nfqd with the
# options of its L2TPNS recipe.  Sourced, not run, by the VM scenario
# inside the VM.
#
# What it expects from its caller, as tests/vm/scenario.sh sets them up:
#   namespaces  srv (SRV on eth0), nat (203.0.113.1, masquerading
#               198.51.100.0/24), c1, c2 and c3 behind it;
#   variables   W (a writable work directory), D (the daemon), N
#               (nettool), TOP (the source tree), SRV (the server's
#               address);
#   functions   ok, no, info, check WHAT CMD..., wait_until SECONDS CMD...,
#               dump FILE [LINES], in_ns NS CMD..., lac_conf FILE PORT
#               USERSPACE PPPOPTS (an xl2tpd LAC that dials SRV);
#   srv's charon with contrib/strongswan/swanctl-l2tp-set-mark-in.conf
#               loaded, and its SAs up: c1 and c2 like Windows (IKEv1,
#               L2TP from udp/1701), c3 like macOS (IKEv1, L2TP from any
#               port); the modules ppp_generic and ppp_async loaded;
#               /dev/pts usable by pppd; nothing on udp/1701 in srv, and
#               no l2tp-nfqd running.
# It loads tun, writes /etc/l2tpns/ and two files of /etc/freeradius/3.0/
# (the VM's), and leaves L2TPNS, freeradius, the LACs and l2tp-nfqd
# stopped; srv's charon and the SAs stay as they were.
#
# What it checks: Debian's L2TPNS 2.4.1 and freeradius on the server,
# set up from contrib/l2tpns/ as its recipe says (bind_address set, the
# files copied); l2tp-nfqd with the recipe's options, under a stand-in
# service manager (nettool supervise) for --fdstore; xl2tpd and pppd as
# LACs on c1, c2 (both from udp/1701) and c3 (port 49152), all three
# opening tunnel 1 (xl2tpd draws its IDs from /dev/urandom: a file of
# bytes 01 00 is bound over it in each LAC's own mount namespace), as
# Windows and Apple clients that count from 1 do.  All three tunnels and
# PPP sessions (CHAP-MD5 or PAP, through RADIUS) come up, and every PPP
# link carries pings both ways while the others do.  Then without
# l2tp-nfqd (a stop: its table goes): no link carries a ping, and LACs
# that dial again get no tunnel.

LT=$W/l2tpns
LT_OPTS="--tunnel-marks --require-ipsec --fdstore --tunnel-marks-max 1024"
LT_LACS="c1 c2 c3"
LT_NP=20
mkdir -p "$LT"

lt_pids() {	# lt_pids NAME NS...: the processes called NAME in those NSes
	n=$1
	shift
	for ns in "$@"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$n" ] && echo "$p"
		done
	done
}

lt_gone() { [ -z "$(lt_pids "$@")" ]; }

lt_kill() {	# lt_kill SIGNAL NAME NS...
	sig=$1
	shift
	for p in $(lt_pids "$@"); do kill -"$sig" "$p" 2>/dev/null; done
}

lt_addr() {	# lt_addr C: the client's end of its PPP link
	ip -n "$1" -4 -o addr 2>/dev/null | awk '$2 ~ /^ppp/ { print $4; exit }'
}

lt_in_pool() {	# lt_in_pool ADDR: ADDR is in a network of the L2TPNS pool
	awk -v a="$1" '
	function n(s, p) { split(s, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
	/^[0-9]/ { split($1, q, "/"); m = 2 ^ (32 - q[2])
		   if (int(n(a) / m) == int(n(q[1]) / m)) f = 1 }
	END { exit !f }' /etc/l2tpns/ip_pool
}

lt_links() {	# lt_links: the PPP links up on every client
	for c in $LT_LACS; do [ -n "$(lt_addr $c)" ] || return 1; done
}

lt_new() {	# lt_new PORT: tunnels L2TPNS opened for the NAT's address and PORT
	grep -c "New tunnel from 203\.0\.113\.1:$1 " /var/log/l2tpns
}

# lt_pings COUNT WAIT: pings over every client's PPP link at once, both
# ways: the client to the server's end, the server to the client's end;
# $LT/C.up and $LT/C.down hold the echo replies received
lt_pings() {
	pids=
	for c in $LT_LACS; do
		a=$(lt_addr $c)
		rm -f $LT/$c.ping-up $LT/$c.ping-down
		[ -n "$a" ] || continue
		in_ns $c busybox ping -q -c $1 -i 0.2 -W $2 $LT_GW \
			>$LT/$c.ping-up 2>&1 &
		pids="$pids $!"
		in_ns srv busybox ping -q -c $1 -i 0.2 -W $2 "$a" \
			>$LT/$c.ping-down 2>&1 &
		pids="$pids $!"
	done
	[ -n "$pids" ] && wait $pids
	for c in $LT_LACS; do
		for d in up down; do
			n=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' \
				$LT/$c.ping-$d 2>/dev/null)
			echo "${n:-0}" >$LT/$c.$d
		done
		info "L2TPNS: $c ($(lt_addr $c)): $(cat $LT/$c.up)/$1 to the server, $(cat $LT/$c.down)/$1 from it"
	done
}

LT_JOBS=
lt_lac() {	# lt_lac TAG C...: xl2tpd LACs whose every tunnel and call ID is 1
	tag=$1
	shift
	for c in "$@"; do
		rm -f $LT/$c/xl2tpd.ctl $LT/$c/ppp.log
		in_ns $c unshare -m sh -c "mount --bind $LT/ones /dev/urandom &&
			exec xl2tpd -D -c $LT/$c/xl2tpd.conf -p $LT/$c/xl2tpd.pid \
			-C $LT/$c/xl2tpd.ctl" >$LT/$c/xl2tpd-$tag.log 2>&1 &
		LT_JOBS="$LT_JOBS $!"
	done
}

lt_lac_stop() {	# xl2tpd and pppd in every client, at once
	lt_kill KILL xl2tpd $LT_LACS
	lt_kill KILL pppd $LT_LACS
	wait $LT_JOBS
	LT_JOBS=
	wait_until 10 lt_gone pppd $LT_LACS
}

lt_dump() {	# lt_dump TAG: the logs, without L2TPNS's failed sends
	grep -v 'Error sending' /var/log/l2tpns >$LT/l2tpns.log
	dump $LT/l2tpns.log 30
	dump $LT/radius.out 10
	for c in $LT_LACS; do
		dump $LT/$c/xl2tpd-$1.log 10
		dump $LT/$c/ppp.log 10
	done
	dump $LT/daemon.out 20
}

# --- the server, as the recipe sets it up ---------------------------------
modprobe tun || no "modprobe tun"
# L2TPNS first: it answers nothing before it makes itself the master,
# 15 s after it starts.  bind_address set, the rest as shipped.  It
# signals its whole process group when it exits: its own session.
mkdir -p /etc/l2tpns
sed "s/^set bind_address .*/set bind_address $SRV/" \
	"$TOP/contrib/l2tpns/startup-config" >/etc/l2tpns/startup-config
cp "$TOP/contrib/l2tpns/ip_pool" /etc/l2tpns/ip_pool
: >/var/log/l2tpns
in_ns srv setsid /usr/sbin/l2tpns >$LT/l2tpns.out 2>&1 &
LT_L2TPNS=$!
LT_GW=$(sed -n 's/^set peer_address //p' /etc/l2tpns/startup-config)
# freeradius: contrib's clients.conf and authorize in place of Debian's,
# and a user per client (c1 is contrib's vpnuser)
FR=/etc/freeradius/3.0
cp "$TOP/contrib/l2tpns/freeradius-clients.conf" $FR/clients.conf
cp "$TOP/contrib/l2tpns/freeradius-authorize" $FR/mods-config/files/authorize
printf 'user-%s\tCleartext-Password := "secret-%s"\n' c2 c2 c3 c3 \
	>>$FR/mods-config/files/authorize
# what systemd's RuntimeDirectory= does for freeradius.service
mkdir -p /run/freeradius
chown freerad:freerad /run/freeradius
in_ns srv freeradius -f -l stdout >$LT/radius.out 2>&1 &
LT_RADIUS=$!
# l2tp-nfqd as the recipe runs it, under a stand-in service manager
in_ns srv sh -c "echo \$\$ >$LT/sup.pid; exec $N supervise $LT/notify.sock $D $LT_OPTS" \
	>$LT/sup.out 2>$LT/daemon.out &

# the clients: xl2tpd and pppd; L2TPNS has no MS-CHAP: c1 and c2
# authenticate with CHAP-MD5, c3 refuses it and gets PAP
printf '\001\000%.0s' $(seq 512) >$LT/ones
for c in $LT_LACS; do
	mkdir -p $LT/$c
	case $c in
	c1) user=vpnuser pw=vpnpass port=1701 refuse= ;;
	c2) user=user-c2 pw=secret-c2 port=1701 refuse= ;;
	c3) user=user-c3 pw=secret-c3 port=49152 refuse=refuse-chap ;;
	esac
	cat >$LT/$c/ppp.opts <<OPTS
name $user
password $pw
noauth
refuse-eap
refuse-mschap
refuse-mschap-v2
$refuse
noccp
nodefaultroute
noipdefault
lcp-echo-interval 0
logfile $LT/$c/ppp.log
OPTS
	lac_conf $LT/$c/xl2tpd.conf $port yes $LT/$c/ppp.opts
done

check "L2TPNS: freeradius with contrib/l2tpns/freeradius-clients.conf and freeradius-authorize listens" \
	wait_until 60 sh -c "ip netns exec srv ss -lun | grep -q ':1812 '" ||
	dump $LT/radius.out 30
check "L2TPNS: l2tp-nfqd $LT_OPTS ready under the stand-in service manager, the table's socket in its store" \
	wait_until 30 sh -c "grep -qx ready $LT/sup.out && grep -qx 'stored nft' $LT/sup.out" ||
	{ dump $LT/sup.out; dump $LT/daemon.out; }
check "L2TPNS with contrib/l2tpns/startup-config (bind_address set) declares itself the master" \
	wait_until 60 grep -q 'I am declaring myself the master' /var/log/l2tpns ||
	{ dump /var/log/l2tpns 30; dump $LT/l2tpns.out; }

# --- with l2tp-nfqd: c1, c2 and c3 open tunnel 1 at once --------------------
lt_lac up $LT_LACS
wait_until 120 lt_links
check "L2TPNS: c1, c2 (both udp/1701) and c3 (49152) each open tunnel 1 with call 1, and each gets its tunnel and call" \
	sh -c "for c in $LT_LACS; do
		grep -q 'Connection established to $SRV, 1701\.  Local: 1, ' $LT/\$c/xl2tpd-up.log &&
		grep -q 'Call established with $SRV, Local: 1, ' $LT/\$c/xl2tpd-up.log || exit 1
	       done" || lt_dump up
check "L2TPNS: three tunnels from the NAT's address, two from its port 1701, one from 49152; logins by vpnuser, user-c2 and user-c3" \
	sh -c "[ $(lt_new 1701) -eq 2 ] && [ $(lt_new 49152) -eq 1 ] &&
	       for u in vpnuser user-c2 user-c3; do
		grep -q \"Login by \$u at .* from 203\.0\.113\.1 \" /var/log/l2tpns || exit 1
	       done" || lt_dump up
check "L2TPNS: c1 and c2 authenticate with CHAP-MD5, c3 with PAP, through RADIUS" \
	sh -c "grep -q 'CHAP authentication succeeded' $LT/c1/ppp.log &&
	       grep -q 'CHAP authentication succeeded' $LT/c2/ppp.log &&
	       grep -q 'PAP authentication succeeded' $LT/c3/ppp.log" || lt_dump up
lt_a=
for c in $LT_LACS; do lt_a="$lt_a $(lt_addr $c)"; done
check "L2TPNS: three PPP links, the clients' ends from contrib/l2tpns/ip_pool ($(echo $lt_a)), the server's end $LT_GW" \
	sh -c "for c in $LT_LACS; do
		a=\$(ip -n \$c -4 -o addr | awk '\$2 ~ /^ppp/ { print \$4, \$6; exit }')
		[ \"\${a#* }\" = '$LT_GW/32' ] || exit 1
	       done" || lt_dump up
for a in $lt_a; do lt_in_pool $a || no "L2TPNS: $a is in the pool"; done
# the first tunnel 1 from the NAT's address passes as it is, the others
# are translated: the map is keyed by (address, tunnel ID)
lt_x=$(sed -n 's/.*tunnel 1: the L2TP daemon sees tunnel \([0-9]*\)$/\1/p' \
	$LT/daemon.out | sort -u)
check "L2TPNS: l2tp-nfqd translates the second and third tunnel 1 from the NAT's address (L2TPNS sees 1 $(echo $lt_x))" \
	test "$(echo "$lt_x" | grep -c .)" -eq 2 ||
	{ dump $LT/daemon.out 20; }
in_ns srv nft list map inet l2tp-nfqd tunnels4 >$LT/tunnels4 2>&1
lt_marks=$(grep -o '203\.0\.113\.1 \. 0x[0-9a-f]* : 0x[0-9a-f]*' $LT/tunnels4 |
	sed 's/.*: //' | sort -u)
lt_sa=$(ip -n srv xfrm state | grep -o 'output-mark 0x[0-9a-f]*' |
	while read -r _ m; do printf '%d\n' $m; done)
check "L2TPNS: l2tp-nfqd's map holds the three tunnels, each with its own SA's mark ($(echo $lt_marks))" \
	sh -c "[ $(echo "$lt_marks" | grep -c .) -eq 3 ] &&
	       for m in $(echo $lt_marks); do
		echo '$lt_sa' | grep -qx \$(printf %d \$m) || exit 1
	       done" || dump $LT/tunnels4
lt_pings $LT_NP 5
check "L2TPNS: every PPP link carries $LT_NP pings each way while the others do" \
	sh -c "for c in $LT_LACS; do
		[ \$(cat $LT/\$c.up) -eq $LT_NP ] && [ \$(cat $LT/\$c.down) -eq $LT_NP ] || exit 1
	       done" || lt_dump up
# contrib's l2tp_mtu: L2TPNS's tun interface, and the MRU it asks of
# clients, take it less 38 (its own IPv4, UDP, L2TP and PPP headers)
lt_want=$(($(sed -n 's/^set l2tp_mtu //p' /etc/l2tpns/startup-config) - 38))
lt_mtu=$(ip -n srv -o link show | awk '$2 ~ /^tun/ { for (i = 3; i < NF; i++) if ($i == "mtu") print $(i + 1) }' | head -n1)
check "L2TPNS takes contrib's l2tp_mtu: its tun interface's MTU is ${lt_mtu:-?}, l2tp_mtu less 38 ($lt_want)" \
	test "${lt_mtu:-0}" -eq "$lt_want"

# --- without l2tp-nfqd: a stop (the store closed) takes its table ----------
# L2TPNS's packets then carry no mark and match no SA's policy; the
# guard --require-ipsec leaves drops them (sendto: EPERM)
kill -TERM "$(cat $LT/sup.pid)"
wait_until 20 sh -c "! ip netns exec srv nft list table inet l2tp-nfqd >/dev/null 2>&1"
lt_pings 10 2
check "L2TPNS without l2tp-nfqd (stopped, its table gone): no PPP link carries a ping either way" \
	sh -c "for c in $LT_LACS; do
		[ \$(cat $LT/\$c.up) -eq 0 ] && [ \$(cat $LT/\$c.down) -eq 0 ] || exit 1
	       done" || lt_dump up
lt_lac_stop
# Dialing again: L2TPNS opens one tunnel for c1's and c2's SCCRQs (one
# address and port) and one for c3's; its answers cannot leave, and it
# sends them again 1 and 2 s later
lt_lac again $LT_LACS
wait_until 30 sh -c "[ \$(grep -c 'New tunnel from 203\.0\.113\.1:1701 ' /var/log/l2tpns) -ge 3 ] &&
	[ \$(grep -c 'New tunnel from 203\.0\.113\.1:49152 ' /var/log/l2tpns) -ge 2 ]"
sleep 3
lt_ids=$(sed -n 's/.*New tunnel from 203\.0\.113\.1:[0-9]* ID \([0-9]*\)$/\1/p' /var/log/l2tpns | tail -n +4)
check "L2TPNS without l2tp-nfqd: the LACs dial again, L2TPNS answers on two new tunnels ($(echo $lt_ids)), and its answers on both are refused on the way out (EPERM: no mark, no SA, the guard drops them)" \
	sh -c "[ $(echo "$lt_ids" | grep -c .) -eq 2 ] && for i in $(echo $lt_ids); do
		grep -q \"\$(printf %02d \$i)/00 Error sending data out tunnel: Operation not permitted\" /var/log/l2tpns || exit 1
	       done" || lt_dump again
check "L2TPNS without l2tp-nfqd: no LAC gets a tunnel" \
	sh -c "! grep -q 'Connection established' $LT/c1/xl2tpd-again.log $LT/c2/xl2tpd-again.log $LT/c3/xl2tpd-again.log" ||
	lt_dump again

# --- everything stopped ----------------------------------------------------
lt_lac_stop
# L2TPNS takes a minute to exit on TERM; nothing of it is kept (its
# pid_file names the leader of its session)
kill -KILL -"$(cat /var/run/l2tpns.pid)" 2>/dev/null ||
	lt_kill KILL l2tpns srv
wait $LT_L2TPNS
lt_kill TERM freeradius srv
wait $LT_RADIUS
