# Libreswan as the L2TP/IPsec server, end to end: l2tp-nfqd --sa-marks.
# Sourced, not run, by the VM scenario inside the VM (and, on the host,
# run once as `sh tests/vm/libreswan.sh prepare DIR` to get Libreswan).
#
# What it expects from its caller, as tests/vm/scenario.sh sets them up:
#   namespaces  srv (203.0.113.2 on eth0), nat (203.0.113.1, masquerading
#               198.51.100.0/24 from br0), c1 and c2 (198.51.100.11 and .12
#               on eth0, default route via the NAT);
#   variables   W (a writable work directory), B (the build directory), D
#               (the daemon), N (nettool), TOP (the source tree), LSW (the
#               unpacked Libreswan, see prepare; default $TOP/build-vm/
#               libreswan);
#   functions   ok, no, check WHAT CMD..., wait_until SECONDS CMD...,
#               dump FILE [LINES], in_ns NS CMD..., status_check
#               (tests/vm/status.sh), lac_conf FILE PORT
#               USERSPACE PPPOPTS (an xl2tpd LAC that dials 203.0.113.2);
#   a charon in c1 and in c2 (STRONGSWAN_CONF=$W/<ns>/strongswan.conf,
#               vici socket $W/<ns>/charon.vici) loading at least the
#               plugins random nonce openssl hmac sha1 sha2 aes kdf
#               kernel-netlink socket-default vici; the modules esp4,
#               xfrm_user, nft_queue, ppp_generic and ppp_async loaded;
#               /dev/pts usable by pppd.
# It stops whatever IKE daemon runs in srv (ports 500 and 4500), adds a
# default route there (Libreswan's left=%defaultroute needs one), and
# leaves pluto, xl2tpd and pppd stopped.
#
# What it checks: Debian 12's Libreswan 4.10, unpacked beside strongSwan
# (the packages conflict), runs as the server with the shipped
# contrib/libreswan/ipsec.conf and ipsec.secrets, verbatim; two
# Windows-like strongSwan IKEv1 clients (main mode, AES/SHA-1/MODP2048,
# ESP AES-CBC/SHA-1, transport mode, L2TP from udp/1701) behind the one
# NAT get SAs; the server's policies carry one mark per client
# (mark=-1), its SAs none; l2tp-nfqd --sa-marks maps each client's reqid
# to its mark; Debian's xl2tpd (force userspace = yes) as LNS and as LAC
# on both clients: with --sa-marks --tunnel-marks both tunnels and both
# PPP calls come up and both links carry pings at the same time; without
# --sa-marks (--tunnel-marks alone) no tunnel does; `l2tp-nfqd status`
# names each tunnel's mark and the reqid and SPIs of its SA; the daemon's
# debug log holds none of the SAs' keys.

if [ "${1:-}" = prepare ]; then
	# on the host: Libreswan conflicts with strongSwan's packages, so it
	# is unpacked, not installed; its libraries are installed
	LSW=${2:?usage: libreswan.sh prepare DIR}
	TOP=$(cd "$(dirname "$0")/../.." && pwd)
	EXTRA_PKGS="libldns3 libevent-pthreads-2.1-7 libevent-core-2.1-7
libnss3-tools libcurl3-nss libunbound8 libcap-ng0" "$TOP/tests/deps.sh" ||
		exit 1
	mkdir -p "$LSW" && cd "$LSW" && rm -f libreswan_*.deb &&
		apt-get download libreswan >/dev/null &&
		dpkg-deb -x libreswan_*.deb "$LSW" && rm -f libreswan_*.deb
	exit $?
fi

LSW=${LSW:-$TOP/build-vm/libreswan}
LW=$W/libreswan
mkdir -p "$LW/run" "$LW/nss"

ls_swanctl() {	# ls_swanctl C ARGS...: swanctl against client C's charon
	c=$1
	shift
	STRONGSWAN_CONF=$W/$c/strongswan.conf in_ns "$c" swanctl "$@" \
		--uri "unix://$W/$c/charon.vici"
}

ls_stop() {	# ls_stop NAME NS: end the processes called NAME in NS
	for p in $(ip netns pids "$2" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && kill "$p"
	done
	wait_until 10 sh -c "! ip netns pids $2 | xargs -r -n1 -I{} cat /proc/{}/comm 2>/dev/null | grep -qx '$1'"
}

ls_pluto() {	# start pluto in srv with the shipped configuration
	[ -x "$LSW/usr/libexec/ipsec/pluto" ] || return 1
	# pluto runs addconn from its own directory
	[ -e /usr/libexec/ipsec ] || ln -s "$LSW/usr/libexec/ipsec" /usr/libexec/ipsec
	[ -f "$LW/nss/cert9.db" ] || certutil -N -d "sql:$LW/nss" --empty-password
	# and `ipsec _updown` from $PATH: Libreswan's, not strongSwan's
	in_ns srv env PATH="$LSW/usr/sbin:$PATH" \
		"$LSW/usr/libexec/ipsec/pluto" --nofork --stderrlog \
		--config "$TOP/contrib/libreswan/ipsec.conf" \
		--secretsfile "$TOP/contrib/libreswan/ipsec.secrets" \
		--rundir "$LW/run" --nssdir "$LW/nss" \
		>"$LW/pluto.log" 2>&1 &
	wait_until 60 test -S "$LW/run/pluto.ctl"
}

ls_whack() {
	in_ns srv "$LSW/usr/libexec/ipsec/whack" --ctlsocket "$LW/run/pluto.ctl" "$@"
}
ls_loaded() { ls_whack --status 2>/dev/null | grep -q '"l2tp-mark":'; }
ls_state() {	# ls_state NS: its SAs, keys blanked out (for the console)
	ip -n "$1" xfrm state | sed -E 's/0x[0-9a-f]{16,}/<key>/g'
}

ls_client() {	# ls_client C: a Windows-like IKEv1 client for Libreswan
	cat >"$LW/$1.conf" <<CONF
connections {
	lsw {
		version = 1
		aggressive = no
		remote_addrs = 203.0.113.2
		proposals = aes256-sha1-modp2048
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			lsw {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp/1701]
				esp_proposals = aes256-sha1, aes128-sha1
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
	# nothing left from the strongSwan server's connections
	ls_swanctl "$1" --terminate --ike l2tp --force >/dev/null 2>&1
	ip -n "$1" xfrm state flush
	ip -n "$1" xfrm policy flush
	ls_swanctl "$1" --load-all --file "$LW/$1.conf" >"$LW/$1.load" 2>&1
	ls_swanctl "$1" --initiate --child lsw --timeout 90 >"$LW/$1.init" 2>&1
	grep -q 'initiate completed successfully' "$LW/$1.init"
}

ls_xl2tpd() {	# ls_xl2tpd: the LNS in srv, a LAC in c1 and c2
	for ns in srv c1 c2; do
		mkdir -p "$LW/$ns"
		printf 'noauth\nnodefaultroute\nnoipdefault\nlcp-echo-interval 0\nlogfile %s\n' \
			"$LW/$ns/ppp.log" >"$LW/$ns/ppp.opts"
	done
	cat >"$LW/srv/xl2tpd.conf" <<CONF
[global]
port = 1701
force userspace = yes
[lns default]
local ip = 198.18.0.1
ip range = 198.18.0.10-198.18.0.20
require authentication = no
pppoptfile = $LW/srv/ppp.opts
length bit = yes
CONF
	for c in c1 c2; do
		lac_conf "$LW/$c/xl2tpd.conf" 1701 yes "$LW/$c/ppp.opts"
	done
	for ns in srv c1 c2; do
		rm -f "$LW/$ns/xl2tpd.ctl" "$LW/$ns/ppp.log"
		in_ns $ns xl2tpd -D -c "$LW/$ns/xl2tpd.conf" \
			-p "$LW/$ns/xl2tpd.pid" -C "$LW/$ns/xl2tpd.ctl" \
			>"$LW/$ns/xl2tpd.log" 2>&1 &
		[ $ns = srv ] && sleep 1
	done
}

ls_xl2tpd_stop() {
	for ns in srv c1 c2; do
		ls_stop pppd $ns
		ls_stop xl2tpd $ns
	done
}

ls_calls() { ip -n srv -br addr | grep -c '^ppp.*198\.18\.0\.1'; }

ls_links_up() {	# both calls up on the server and each client
	[ "$(ls_calls)" -eq 2 ] &&
	ip -n c1 -br addr | grep -q '^ppp.*198\.18\.0\.1[0-9]' &&
	ip -n c2 -br addr | grep -q '^ppp.*198\.18\.0\.1[0-9]'
}

ls_pings() {	# both clients ping the server over PPP at the same time
	in_ns c1 busybox ping -c 5 -i 0.3 -W 2 198.18.0.1 >"$LW/c1.ping" 2>&1 &
	p1=$!
	in_ns c2 busybox ping -c 5 -i 0.3 -W 2 198.18.0.1 >"$LW/c2.ping" 2>&1 &
	p2=$!
	wait $p1
	r1=$?
	wait $p2
	[ $r1 -eq 0 ] && [ $? -eq 0 ]
}

ls_daemon() {	# ls_daemon LOG OPTIONS...: l2tp-nfqd in srv
	log=$1
	shift
	in_ns srv "$D" -n 1 "$@" >"$log" 2>&1 &
	wait_until 30 grep -q installed "$log"
}

ls_daemon_stop() {
	ls_stop l2tp-nfqd srv
}

# --- the server -----------------------------------------------------------
ls_stop charon srv
ip -n srv route show default | grep -q . ||
	ip -n srv route add default via 203.0.113.1
if ! ls_pluto; then
	no "Libreswan's pluto starts in srv (unpacked in $LSW?)"
	dump "$LW/pluto.log" 30
else
	ok "Libreswan's pluto starts with contrib/libreswan/ipsec.conf"
	check "it loads the connection l2tp-mark" wait_until 30 ls_loaded ||
		dump "$LW/pluto.log" 30

	# --- the clients: IKEv1 from behind the NAT ------------------------
	for c in c1 c2; do
		check "$c: IKEv1 SA with Libreswan, transport mode, NAT-T" \
			ls_client $c ||
			{ dump "$LW/$c.init" 30; dump "$LW/pluto.log" 30; }
	done
	in_ns srv ip xfrm policy >"$LW/policy.txt"
	in_ns srv ip xfrm state >"$LW/state.txt"
	lmarks=$(grep -o 'mark 0x[0-9a-f]*/0xffffffff' "$LW/policy.txt" |
		sort -u | sed 's/^mark //; s|/.*||')
	check "mark=-1: a mark per client on the policies (got $(echo $lmarks))" \
		test "$(echo "$lmarks" | grep -c .)" -eq 2
	check "its SAs carry none, nor an output mark" sh -c \
		"! grep -q 'mark\\|output-mark' '$LW/state.txt'"
	check "NAT-T: ESP in UDP" grep -q 'encap type espinudp' "$LW/state.txt" ||
		{ ls_state srv >"$LW/state.show"; dump "$LW/state.show" 40;
		  ls_state c1 >"$LW/c1.state"; dump "$LW/c1.state" 20;
		  dump "$LW/pluto.log" 60; }

	# --- without --sa-marks: no mark, no tunnel -------------------------
	ls_daemon "$LW/daemon0.log" --tunnel-marks -d
	ls_xl2tpd
	sleep 20
	check "without --sa-marks: no tunnel comes up" sh -c \
		"! grep -q 'Connection established' '$LW/srv/xl2tpd.log' &&
		 [ $(ls_calls) -eq 0 ]" || dump "$LW/srv/xl2tpd.log" 20
	check "and l2tp-nfqd saw SCCRQs without a mark" \
		grep -q 'no mark' "$LW/daemon0.log"
	ls_xl2tpd_stop
	ls_daemon_stop

	# --- with --sa-marks --tunnel-marks: both clients at once -----------
	ls_daemon "$LW/daemon.log" --sa-marks --tunnel-marks -d -d
	reqids=$(in_ns srv nft list map inet l2tp-nfqd sa_reqids)
	check "--sa-marks: each client's reqid maps to its mark's chain" sh -c \
		"for m in $(echo $lmarks); do
			echo '$reqids' | grep -q \"jump sa-mark-\$(printf %08x \$m)\" || exit 1
		 done"
	ls_xl2tpd
	t=120
	while ! ls_links_up && [ $t -gt 0 ]; do sleep 1; t=$((t - 1)); done
	check "--sa-marks --tunnel-marks: both tunnels come up" test \
		"$(grep -c 'Connection established' "$LW/srv/xl2tpd.log")" -eq 2 ||
		{ dump "$LW/srv/xl2tpd.log" 30; dump "$LW/c1/xl2tpd.log" 20;
		  dump "$LW/daemon.log" 30;
		  in_ns srv nft list table inet l2tp-nfqd >"$LW/table.txt" 2>&1;
		  dump "$LW/table.txt" 60; }
	check "both calls up: two PPP links on the server, one on each client" \
		ls_links_up ||
		{ dump "$LW/srv/ppp.log" 20; dump "$LW/c1/ppp.log" 20; }
	check "both PPP links carry pings at the same time" ls_pings ||
		{ dump "$LW/c1.ping"; dump "$LW/c2.ping"; }
	status_check "Libreswan, --sa-marks" "$D" 203.0.113.1 -
	check "the SCCRQs' messages carried the clients' marks" sh -c \
		"for m in $(echo $lmarks); do
			grep -q \"SCCRQ from .*mark \$m\" '$LW/daemon.log' || exit 1
		 done" ||
		{ dump "$LW/daemon.log" 30; ip -n srv xfrm policy >"$LW/pol.txt";
		  dump "$LW/pol.txt" 40; ls_state srv >"$LW/state.show";
		  dump "$LW/state.show" 40; dump "$LW/pluto.log" 30; }

	# no key in the log: every key the kernel holds, 8 hex digits at a time
	ip -n srv xfrm state | sed -n 's/.* 0x\([0-9a-f]\{16,\}\).*/\1/p' |
		sort -u >"$LW/keys.txt"
	leak=
	while read -r k; do
		i=0
		while [ $i -le $((${#k} - 8)) ]; do
			part=$(echo "$k" | cut -c$((i + 1))-$((i + 8)))
			grep -qi "$part" "$LW/daemon.log" && leak="$leak $part"
			i=$((i + 8))
		done
	done <"$LW/keys.txt"
	check "the daemon's debug log holds no key ($(wc -l <"$LW/keys.txt") keys looked for)" \
		sh -c "[ -s '$LW/keys.txt' ] && [ -z '$leak' ]"

	ls_xl2tpd_stop
	ls_daemon_stop
	for c in c1 c2; do
		ls_swanctl $c --terminate --ike lsw --force >/dev/null 2>&1
	done
	ls_stop pluto srv
fi
