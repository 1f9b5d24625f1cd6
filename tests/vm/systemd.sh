#!/bin/sh
# Inside the VM, under the real systemd as PID 1 (run.sh's boots on a
# Debian root of their own: 12-systemd, systemd 252; 13, systemd 257),
# with the project's Debian package installed as an admin installs it
# (apt install ./l2tp-nfqd_*.deb), the README's options in
# /etc/default/l2tp-nfqd (--tunnel-marks --require-ipsec --fdstore) and
# the unit enabled by run.sh as the admin.  The VM's own root namespace
# is the L2TP/IPsec server, set up by the README's Debian recipe from the
# package's copies of contrib/: strongswan.service (charon-systemd) with
# swanctl-l2tp-set-mark-in.conf and the connmark plugin off,
# xl2tpd.service with contrib/xl2tpd/ (PPP data in xl2tpd before Linux
# 6.10, in the kernel from 6.10), and l2tp-nfqd.service.  Behind a NAT
# router (namespace nat, masquerading): c1 and c2 like Windows (IKEv1
# main mode, transport mode, NAT-T, L2TP from udp/1701, their xl2tpd LACs
# both opening tunnel 1 with call 1), and c3, a neighbour with an SA of
# its own that floods.
#
# What it checks:
#  1. the unit as the package leaves it: the package made the system
#     user and installed the unit disabled; enabled, it came up at boot
#     (or `systemctl enable --now` starts it); the daemon runs as user
#     l2tp-nfqd with CAP_NET_ADMIN alone, no_new_privs, a seccomp
#     filter, a read-only root, no kernel modules in sight; stopped, its
#     queue modules unloaded, started: the kernel's autoload brings them
#     back (the daemon can load none);
#  2. the README's order (l2tp-nfqd, then strongswan and xl2tpd): no
#     strongSwan plugin that marks packets itself (connmark, forecast:
#     charon-no-connmark.conf, charon-no-forecast.conf in place),
#     both tunnels and calls up, both PPP links carry pings both ways at
#     the same time;
#  3. with pings running on both links all along: `systemctl restart`,
#     `systemctl kill -s KILL` (Restart=on-failure), a watchdog timeout
#     (the daemon stopped with SIGSTOP); then a flood of SCCRQs from c3's
#     SA (the kernel's rate limit, the daemon's quota), a restart again,
#     and both links carry pings at once after it.  Each time the same
#     table (its handle) and its tunnels' elements stay, the descriptor store holds the table's socket
#     (NFileDescriptorStore, and PID 1's own descriptors), the next
#     daemon adopts that socket, and systemd logs no descriptor store
#     warning; the links lose no more than two pings each way through
#     the restart, the crash and the watchdog;
#  4. `systemctl stop`: the table goes, the store is empty, the guard
#     stays and drops the server's answers, now unmarked;
#  5. no L2TP crossed the NAT unencrypted through all of that;
#  6. `apt purge l2tp-nfqd` removes the conffile, and apt installs the
#     package again from its file.
# It leaves the VM's root namespace with its services stopped and its
# namespaces' processes gone.
echo	# the console's last line may hold escape codes
B=$BUILD
N=$B/nettool
W=/tmp/vm-systemd
T=${TIER:-vm}
SRV=203.0.113.2
PEER=203.0.113.1
U=l2tp-nfqd
EX=/usr/share/doc/l2tp-nfqd/examples
export DEBIAN_FRONTEND=noninteractive
mkdir -p $W
pass=0 fail=0
started=$(date +%s)

ok() { echo "ok   $T: $*"; pass=$((pass + 1)); }
no() { echo "FAIL $T: $*"; fail=$((fail + 1)); return 1; }
info() { echo "info $T: $*"; }
check() { w=$1; shift; if "$@"; then ok "$w"; else no "$w"; fi; }
wait_until() {
	t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
# the same, once a second: for what reads the journal
wait_slow() {
	t=$1; shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 1; t=$((t - 1)); done
	return 1
}
finish() {
	info "systemd.sh: $(($(date +%s) - started)) s"
	echo "$T: $pass passed, $fail failed"
	exit 0
}
dump() { tail -n "${2:-15}" "$1" 2>/dev/null | sed "s|^|info $T: $(basename "$1"): |"; }
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }
sec_t=$(date +%s)
took() { info "$1 in $(($(date +%s) - sec_t)) s"; sec_t=$(date +%s); }
stamp() { date +%s.%N | cut -c1-14; }
since() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }

# --- systemd and the journal -------------------------------------------
prop() { systemctl show -p "$2" --value "$1" 2>/dev/null; }
main_pid() { prop $U MainPID; }
active() { [ "$(systemctl is-active $U 2>/dev/null)" = active ]; }
# a unit's journal of this boot (its own lines and systemd's about it)
jl() { journalctl -b -u "$1" -o short-monotonic --no-pager 2>/dev/null; }
jmark() { jl $U | wc -l; }
jsince() { jl $U | tail -n +$(($1 + 1)); }	# jsince MARK: lines after it
jdump() {	# jdump MARK [LINES]: the daemon's journal since MARK
	jsince "$1" | tail -n "${2:-15}" | sed "s/^/info $T: journal: /"
}
jhas() { jsince "$1" | grep -q "$2"; }	# jhas MARK PATTERN
# systemd's warnings about the descriptor store, this boot (252 and 257
# say "Cannot store more fds than FileDescriptorStoreMax=")
fdstore_warnings() { jl $U | grep -ciE 'store more fds|FileDescriptorStore'; }

# --- the daemon's table --------------------------------------------------
table_handle() {
	nft -a list table inet l2tp-nfqd 2>/dev/null |
		sed -n '1s/.*# handle \([0-9]*\).*/\1/p'
}
# the tunnels' elements: the maps and sets the daemon writes, in one line
elements() {
	for s in map:tunnels4 map:xlate4 map:lns4 set:own4 set:bound4; do
		printf '%s=' "${s#*:}"
		nft list "${s%%:*}" inet l2tp-nfqd "${s#*:}" 2>/dev/null |
			tr -d '\n\t ' | sed -n 's/.*elements={\([^}]*\)}.*/\1/p'
		printf ' '
	done
}
# elements of a set or map from the NAT's address, decimal: "ID VALUE"
elems_of() {
	nft list "$1" inet l2tp-nfqd "$2" 2>/dev/null | tr -d '\n\t' |
		grep -o "$PEER \. 0x[0-9a-f]* [.:] 0x[0-9a-f]*" |
		while read -r _ _ id _ v; do
			echo "$(printf %d "$id") $(printf %d "$v")"
		done | sort -n
}
rate_drops() {	# SCCRQs the per-mark rate limit dropped
	nft list chain inet l2tp-nfqd input 2>/dev/null |
		sed -n '/limit rate over/s/.*counter packets \([0-9]*\) .*/\1/p'
}
guard_out() {
	nft list counter inet l2tp-nfqd-guard cleartext_out 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
# netfilter netlink sockets (inodes) a process holds
nl_inodes() {
	ls -l "/proc/$1/fd" 2>/dev/null |
		sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | sort >$W/fds.$1
	awk 'NR > 1 && $2 == 12 { print $10 }' /proc/net/netlink | sort |
		comm -12 - $W/fds.$1 | tr '\n' ' ' | sed 's/ $//'
}
# those PID 1 holds for the descriptor store: all but the ones it held
# while the store was empty ($PID1_NL)
store_socks() {
	for i in $(nl_inodes 1); do
		case " $PID1_NL " in *" $i "*) ;; *) printf '%s ' "$i" ;; esac
	done | sed 's/ $//'
}
store_state() {
	s=$(store_socks)
	echo "NFileDescriptorStore=$(prop $U NFileDescriptorStore), PID 1 holds ${s:-no netfilter netlink socket} for it"
}
stored() {	# stored N: the store holds N descriptors, PID 1 N nfnetlink sockets
	[ "$(prop $U NFileDescriptorStore)" = "$1" ] &&
		[ "$(store_socks | wc -w)" -eq "$1" ]
}
# the daemon holds the very socket that the store keeps
holds_stored() {
	s=$(store_socks)
	[ -n "$s" ] && nl_inodes "$(main_pid)" | tr ' ' '\n' | grep -qx "$s"
}
store_ok() { stored 1 && holds_stored; }

# ======================================================================
# 1. The unit as the package leaves it
# ======================================================================
DEBF=
[ -n "${DEB:-}" ] && cp "$DEB" $W/ 2>/dev/null && DEBF=$W/$(basename "$DEB")
info "systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'), Linux $(uname -r), package l2tp-nfqd $(dpkg-query -W -f '${Version}' l2tp-nfqd 2>/dev/null)"
check "the package is installed (apt install ./l2tp-nfqd_*.deb)" sh -c \
	"dpkg-query -W -f '\${Status}' l2tp-nfqd 2>/dev/null | grep -q 'install ok installed'"
uid=$(id -u l2tp-nfqd 2>/dev/null) gid=$(id -g l2tp-nfqd 2>/dev/null)
check "the package made the system user and group l2tp-nfqd (uid ${uid:-none}, no login shell)" \
	sh -c "[ -n '$uid' ] && [ '$uid' -lt 1000 ] && getent group l2tp-nfqd >/dev/null &&
	       getent passwd l2tp-nfqd | grep -q 'nologin\$'"

# Leftovers of a scenario before this one in the same boot: its
# namespaces of the same names go (the VM's root namespace is ours)
for ns in nat c1 c2 c3; do
	ip netns list | awk '{ print $1 }' | grep -qx $ns || continue
	for p in $(ip netns pids $ns); do kill -9 "$p" 2>/dev/null; done
	ip netns del $ns
done
# The package leaves the unit disabled (README.Debian); run.sh, as the
# admin, sets the options and enables it before the boot, and says what
# the package left in /var/tmp/l2nq-enabled-by-package
pkg_en=$(head -n1 /var/tmp/l2nq-enabled-by-package 2>/dev/null)
en=$(systemctl is-enabled $U 2>&1)
act=$(systemctl is-active $U 2>&1)
info "the package left l2tp-nfqd.service ${pkg_en:-(not recorded)}; at boot it is $en, $act; $(grep '^L2TP_NFQD_OPTS' /etc/default/l2tp-nfqd)"
[ -n "$pkg_en" ] &&
	check "the package installs l2tp-nfqd.service disabled, not started (README.Debian: the admin sets the options, then enables it)" \
		test "$pkg_en" = disabled
if [ "$en" = enabled ]; then
	check "enabled, l2tp-nfqd.service came up at boot (active since before this scenario, no restart)" \
		sh -c "[ '$act' = active ] && [ '$(prop $U NRestarts)' = 0 ] &&
		       [ '$(prop $U ExecMainStartTimestampMonotonic)' -gt 0 ]" ||
		jdump 0 30
else
	check "disabled, l2tp-nfqd.service did not start at boot" \
		sh -c "[ '$act' = inactive ] &&
		       [ '$(prop $U ExecMainStartTimestampMonotonic)' = 0 ]"
	# the README: options in /etc/default/l2tp-nfqd, then this
	m0=$(jmark)
	systemctl enable --now $U >$W/enable.out 2>&1
	rc=$?
	check "systemctl enable --now l2tp-nfqd: active, enabled" \
		sh -c "[ $rc -eq 0 ] && [ \"\$(systemctl is-active $U)\" = active ] &&
		       [ \"\$(systemctl is-enabled $U)\" = enabled ]" ||
		{ dump $W/enable.out; jdump "$m0" 30; }
fi
PID=$(main_pid)
wait_slow 10 jhas 0 'table inet l2tp-nfqd installed'
check "its table inet l2tp-nfqd is there, owned by the daemon, native queue; and the guard inet l2tp-nfqd-guard" \
	sh -c "nft list table inet l2tp-nfqd >/dev/null 2>&1 &&
	       nft list table inet l2tp-nfqd-guard >/dev/null 2>&1 &&
	       journalctl -b -u $U -o cat | grep -q 'table inet l2tp-nfqd installed (owned by the daemon, native nft queue)'" ||
	jdump 0 30
ids=$(awk '$1 == "Uid:" || $1 == "Gid:" { print $2, $3, $4, $5 }' /proc/$PID/status | tr '\n' ' ')
check "the daemon (PID $PID) runs as user and group l2tp-nfqd: real, effective, saved, fs ($ids)" \
	test "$ids" = "$uid $uid $uid $uid $gid $gid $gid $gid "
caps=$(awk '$1 ~ /^Cap(Prm|Eff|Bnd|Amb):$/ { printf "%s%s ", $1, $2 }' /proc/$PID/status)
info "capabilities: $caps$(grep '^CapInh:' /proc/$PID/status | tr -d '\t')"
check "with CAP_NET_ADMIN alone: permitted, effective, bounding, ambient" test "$caps" = \
	"CapPrm:0000000000001000 CapEff:0000000000001000 CapBnd:0000000000001000 CapAmb:0000000000001000 "
check "NoNewPrivileges= and SystemCallFilter= in force: no_new_privs, a seccomp filter" \
	sh -c "grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$PID/status &&
	       grep -q '^Seccomp:[[:space:]]*2$' /proc/$PID/status"
# its mount namespace: per-mount options of the last mount on each path
mnt() { awk -v p="$1" '$5 == p { o = $6 } END { print o }' /proc/$PID/mountinfo; }
mods_mnt=$(mnt /usr/lib/modules)$(mnt /lib/modules)
info "the daemon's mounts: / $(mnt /), /proc/sys $(mnt /proc/sys), /usr/lib/modules ${mods_mnt:-none}, /tmp $(mnt /tmp), /dev $(mnt /dev)"
check "ProtectSystem=strict, ProtectKernelTunables=, ProtectKernelModules=, PrivateTmp=, PrivateDevices= in force: read-only / and /proc/sys, the modules' directory covered, a /tmp and /dev of its own" \
	sh -c "echo '$(mnt /)' | grep -q '^ro' && echo '$(mnt /proc/sys)' | grep -q '^ro' &&
	       [ -n '$mods_mnt' ] && [ -n '$(mnt /tmp)' ] && [ -n '$(mnt /dev)' ]"
# The modules its table needs come by the kernel's autoload, which
# ProtectKernelModules= leaves alone (the daemon itself could load
# none): stopped, its queue modules unloaded, started again
MODS="nft_queue nfnetlink_queue"
loaded() { for m in $MODS; do [ -d /sys/module/$m ] && printf ' %s' $m; done; }
info "loaded with the daemon running since $([ "$en" = enabled ] && echo boot || echo 'enable --now'):$(loaded)"
systemctl stop $U
for m in $MODS; do modprobe -r -q $m; done
gone=$(for m in $MODS; do [ -d /sys/module/$m ] || printf ' %s' $m; done)
PID1_NL=$(nl_inodes 1)	# PID 1's own, if any: the store is empty now
m0=$(jmark)
systemctl start $U
wait_slow 10 jhas "$m0" 'table inet l2tp-nfqd installed'
PID=$(main_pid)
autoloaded() { active && [ "$(loaded)" = " $(echo $MODS)" ]; }
if [ -n "$gone" ]; then
	check "ProtectKernelModules=: the daemon cannot load a module, yet$gone, unloaded while it was stopped, are loaded again once it started (the kernel's autoload)" \
		autoloaded || jdump "$m0" 20
else
	info "$MODS stay in use with the daemon stopped: the kernel's autoload is not shown here"
fi
systemd-analyze security $U 2>/dev/null | tail -n1 | sed "s/^/info $T: systemd-analyze security: /"
took "the unit as the package leaves it"

# ======================================================================
# 2. The server: the VM's root namespace; c1, c2, c3 behind a NAT
# ======================================================================
# Linux before 6.10 finds a received L2TP packet's tunnel from its socket
case $(uname -r) in
[0-5].*|6.[0-9].*) old_l2tp=yes mode=userspace ;;
*) old_l2tp=no mode=kernel ;;
esac
for m in veth bridge xfrm_user esp4 ppp_generic ppp_async; do
	modprobe "$m" || no "modprobe $m"
done
# c1..c3 -- br0 on nat (198.51.100.0/24) -- nat wan -- eth0 here
CLIENTS="c1 c2 c3"
for ns in nat $CLIENTS; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n nat link add br0 type bridge
ip -n nat link set br0 up
ip -n nat addr add 198.51.100.1/24 dev br0
i=0
for c in $CLIENTS; do
	i=$((i + 1))
	ip link add eth0 netns $c type veth peer name lan$i netns nat
	ip -n nat link set lan$i master br0 up
	ip -n $c addr add 198.51.100.1$i/24 dev eth0
	ip -n $c link set eth0 up
	ip -n $c route add default via 198.51.100.1
done
ip link add wan netns nat type veth peer name eth0
ip -n nat addr add $PEER/24 dev wan
ip addr add $SRV/24 dev eth0
ip -n nat link set wan up
ip link set eth0 up
in_ns nat sysctl -qw net.ipv4.ip_forward=1
# masquerading, and L2TP that crosses the NAT unencrypted, either way,
# from here to the end: every packet that reaches it from or for udp/1701
# (ESP travels in udp/4500)
in_ns nat nft -f - <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" masquerade
	}
}
table inet cleartext {
	counter l2tp {
	}
	chain pre {
		type filter hook prerouting priority raw;
		udp sport 1701 counter name "l2tp" accept
		udp dport 1701 counter name "l2tp"
	}
}
NFT
nat_clear() {
	in_ns nat nft list counter inet cleartext l2tp |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# the clients: one charon per namespace, its own configuration and sockets
for ns in $CLIENTS; do
	mkdir -p $W/$ns
	cat >$W/$ns/strongswan.conf <<CONF
charon {
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey hmac sha1 sha2 aes des gcm kdf kernel-netlink socket-default vici
	plugins {
		vici {
			socket = unix://$W/$ns/charon.vici
		}
	}
	filelog {
		charon {
			path = $W/$ns/charon.log
			default = 1
		}
	}
}
swanctl {
	load = random openssl pem pkcs1 pkcs8 x509 pubkey
}
CONF
	ip netns exec $ns sh -c "mount -t tmpfs none /run &&
		STRONGSWAN_CONF=$W/$ns/strongswan.conf exec /usr/lib/ipsec/charon" \
		>$W/$ns/charon.out 2>&1 &
done
swanctl_in() {	# swanctl_in NS ARGS...: swanctl against that namespace's charon
	ns=$1; shift
	STRONGSWAN_CONF=$W/$ns/strongswan.conf in_ns $ns swanctl "$@" \
		--uri unix://$W/$ns/charon.vici
}
# Windows 10/11's main mode and quick mode proposals for L2TP (ECP-256
# first: MODP is slow under emulation)
win_ike="aes256-sha1-ecp256, aes128-sha1-ecp256, aes256-sha1-ecp384, aes256-sha1-modp2048, aes128-sha1-modp2048, 3des-sha1-modp2048, 3des-sha1-modp1024"
win_esp="aes256-sha1, aes128-sha1, 3des-sha1"
for c in $CLIENTS; do
	cat >$W/$c/swanctl.conf <<CONF
connections {
	l2tp {
		version = 1
		aggressive = no
		remote_addrs = $SRV
		proposals = $win_ike
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp/1701]
				esp_proposals = $win_esp
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
done

# The server as the README's Debian recipe sets it up, from the
# package's copies of contrib/ (README.Debian: its examples), after
# l2tp-nfqd: then strongswan and xl2tpd
[ -d $EX ] || EX=$TOP/contrib
r=0
for f in strongswan/swanctl-l2tp-set-mark-in.conf strongswan/charon-no-connmark.conf \
	 xl2tpd/xl2tpd.conf xl2tpd/options.xl2tpd; do
	cmp -s "$EX/$f" "$TOP/contrib/$f" || r=1
done
check "the package's examples ($EX) are contrib/'s" test $r -eq 0
rm -f /etc/swanctl/conf.d/swanctl-l2tp-*.conf
cp $EX/strongswan/swanctl-l2tp-set-mark-in.conf /etc/swanctl/conf.d/
cp $EX/strongswan/charon-no-connmark.conf /etc/strongswan.d/charon/connmark.conf
# where libcharon-extra-plugins is installed, its forecast plugin off
# (contrib/strongswan/charon-no-forecast.conf in place of its file)
if [ -e /etc/strongswan.d/charon/forecast.conf ]; then
	f=$EX/strongswan/charon-no-forecast.conf
	[ -e "$f" ] || f=$TOP/contrib/strongswan/charon-no-forecast.conf
	cp "$f" /etc/strongswan.d/charon/forecast.conf
fi
mkdir -p /etc/xl2tpd
cp $EX/xl2tpd/xl2tpd.conf /etc/xl2tpd/xl2tpd.conf
cp $EX/xl2tpd/options.xl2tpd /etc/ppp/options.xl2tpd
cat >/etc/ppp/chap-secrets <<'EOF'
"user-c1" l2tp-server "secret-c1" *
"user-c2" l2tp-server "secret-c2" *
EOF
chmod 600 /etc/ppp/chap-secrets
if [ $old_l2tp = no ]; then
	# Linux 6.10 or later: the README's kernel data path
	echo l2tp_ppp >/etc/modules-load.d/l2tp.conf && modprobe l2tp_ppp
	sed -i '/^force userspace/d' /etc/xl2tpd/xl2tpd.conf
fi
for ns in $CLIENTS; do
	wait_until 60 test -S $W/$ns/charon.vici ||
		{ no "charon starts in $ns"; dump $W/$ns/charon.out; }
done
systemctl restart strongswan xl2tpd >$W/services.out 2>&1
rc=$?
check "systemctl restart strongswan xl2tpd (the README's order, after l2tp-nfqd): both active" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(systemctl is-active strongswan)\" = active ] &&
	       [ \"\$(systemctl is-active xl2tpd)\" = active ]" ||
	{ dump $W/services.out; jl strongswan | tail -n 20 | sed "s/^/info $T: strongswan: /"
	  jl xl2tpd | tail -n 10 | sed "s/^/info $T: xl2tpd: /"; }
swanctl --list-conns >$W/conns.out 2>&1
check "strongswan.service (charon-systemd) loaded the connection of contrib/strongswan/swanctl-l2tp-set-mark-in.conf" \
	grep -q '^l2tp: IKEv1/2' $W/conns.out || dump $W/conns.out
# strongSwan plugins that mark packets themselves, in legacy iptables'
# mangle table: connmark and forecast (in Debian's
# libcharon-extra-plugins, loaded by default), both turned off above.
# forecast gives every packet to a marked CHILD_SA's remote address, in
# OUTPUT, the SA's mark (-d REMOTE -j MARK, no other match): with clients
# behind one NAT, one client's mark for all of them, over the per-tunnel
# marks
marking_plugins() {
	swanctl --stats 2>/dev/null | sed -n 's/^loaded plugins: //p' >$W/plugins
	for p in connmark forecast; do
		grep -qw $p $W/plugins && printf ' %s' $p
	done
}
mp=$(marking_plugins)
check "strongswan.service as the README sets it up loads no plugin that marks packets with legacy iptables (connmark, forecast):${mp:- none}" \
	test -z "$mp"
if [ -n "$mp" ]; then
	info "charon-systemd's plugins: $(cat $W/plugins)"
	for p in $mp; do
		dpkg -S "libstrongswan-$p.so" 2>/dev/null | sed "s/^/info $T: /"
	done
	info "every CHILD_SA would mark all the server's packets to the NAT's address with one client's mark: turned off here (/etc/strongswan.d/charon/<plugin>.conf: load = no) to test the rest"
	for p in $mp; do
		printf '%s {\n\tload = no\n}\n' $p >/etc/strongswan.d/charon/$p.conf
	done
	systemctl restart strongswan
	wait_slow 20 sh -c 'swanctl --list-conns 2>/dev/null | grep -q "^l2tp: IKEv1/2"'
	mp=$(marking_plugins)
	info "charon-systemd's plugins that mark packets now:${mp:- none}"
fi
# the SAs, at once
for c in $CLIENTS; do
	( swanctl_in $c --load-all --file $W/$c/swanctl.conf >$W/$c/load.out 2>&1
	  swanctl_in $c --initiate --child l2tp --timeout 60 >$W/$c/initiate.out 2>&1 ) &
	eval "sa_$c=\$!"
done
for c in $CLIENTS; do
	eval "wait \$sa_$c"
	swanctl_in $c --list-sas >$W/$c/sas.out 2>&1
	check "$c: like Windows behind the NAT: IKEv1, its SA in transport mode with NAT-T" \
		sh -c "grep -q 'initiate completed successfully' $W/$c/initiate.out &&
		       grep -q 'ESTABLISHED, IKEv1' $W/$c/sas.out &&
		       grep -q 'TRANSPORT-in-UDP, ESP:AES_CBC-256/HMAC_SHA1_96' $W/$c/sas.out" ||
		{ dump $W/$c/initiate.out 30; dump $W/$c/sas.out; jl strongswan | tail -n 30 |
		  sed "s/^/info $T: strongswan: /"; }
done
# the marks (decimal) of the server's SAs with the SPIs of client C's own
marks_of() {
	ip -n "$1" xfrm state | awk '$1 == "proto" && $2 == "esp" { print $4 }' |
		sort -u >$W/spis
	ip xfrm state | awk -v f=$W/spis '
	BEGIN { while ((getline s < f) > 0) want[s] = 1 }
	$1 == "src" { keep = 0 }
	$1 == "proto" && $2 == "esp" { keep = ($4 in want) }
	keep && ($1 == "mark" || $1 == "output-mark") {
		m = $2; sub(/\/.*/, "", m); print m }' |
	while read -r m; do printf '%d\n' "$m"; done | sort -un | tr '\n' ' ' |
		sed 's/ $//'
}
m1=$(marks_of c1) m2=$(marks_of c2) m3=$(marks_of c3)
swanctl --list-sas >$W/server-sas.out 2>&1
info "the SAs' marks on the server: c1 $m1, c2 $m2, c3 $m3; its IKE SAs $(grep -c ESTABLISHED $W/server-sas.out), CHILD SAs $(grep -c INSTALLED $W/server-sas.out)"
check "c1, c2 and c3 each have an SA with a mark of its own" \
	sh -c "[ -n '$m1' ] && [ -n '$m2' ] && [ -n '$m3' ] &&
	       [ '$m1' != '$m2' ] && [ '$m1' != '$m3' ] && [ '$m2' != '$m3' ] &&
	       [ \$(echo '$m1 $m2 $m3' | wc -w) -eq 3 ]"
took "network, strongSwan, SAs"

# xl2tpd LACs on c1 and c2, from udp/1701 like Windows, both opening
# tunnel 1 with call 1: xl2tpd draws its IDs from /dev/urandom, and in
# each LAC's own mount namespace a file of bytes 01 00 is bound over it
LACS="c1 c2"
printf '\001\000%.0s' $(seq 512) >$W/ones
fu=yes
[ $mode = kernel ] && fu=no
for c in $LACS; do
	cat >$W/$c/ppp.opts <<OPTS
name user-$c
password secret-$c
noauth
refuse-pap
refuse-chap
refuse-mschap
refuse-eap
noccp
nodefaultroute
noipdefault
lcp-echo-interval 0
logfile $W/$c/ppp.log
OPTS
	cat >$W/$c/xl2tpd.conf <<CONF
[global]
port = 1701
force userspace = $fu
[lac server]
lns = $SRV
autodial = yes
redial = no
require authentication = no
pppoptfile = $W/$c/ppp.opts
length bit = yes
CONF
done
lac_start() {	# lac_start C: its LAC, every ID 1
	in_ns $1 unshare -m sh -c "mount --bind $W/ones /dev/urandom &&
		exec xl2tpd -D -c $W/$1/xl2tpd.conf -p $W/$1/xl2tpd.pid \
		-C $W/$1/xl2tpd.ctl" >$W/$1/xl2tpd.log 2>&1 &
}
# PPP links up on the server (its end holds the LNS's local ip)
calls() { ip -br addr | grep -c '^ppp.* 192\.168\.42\.1 peer'; }
wait_calls() {	# wait_calls N SECONDS
	t=$2
	while [ "$(calls)" -lt "$1" ] && [ $t -gt 0 ]; do sleep 1; t=$((t - 1)); done
}
xl() { jl xl2tpd; }
tunnels() { xl | grep -c 'Connection established'; }
# the tunnel IDs the server's xl2tpd established from the NAT
lns_remotes() {
	xl | sed -n 's/.*Connection established to 203\.0\.113\.1, 1701\.  Local: [0-9]*, Remote: \([0-9]*\) .*/\1/p' |
		tr '\n' ' ' | sed 's/ $//'
}
lac_ones() {	# tunnels, calls C's LAC opened with ID 1
	echo "$(grep -c "Connection established to $SRV, 1701\.  Local: 1, " $W/$1/xl2tpd.log)/$(grep -c "Call established with $SRV, Local: 1, " $W/$1/xl2tpd.log)"
}
ppp_addr() {	# the client's end of its PPP link
	ip -n "$1" -4 -o addr 2>/dev/null | awk '$2 ~ /^ppp/ { print $4; exit }'
}
xl2tpd_dump() {
	xl | tail -n 30 | sed "s/^/info $T: xl2tpd: /"
	jl xl2tpd | grep pppd | tail -n 10 | sed "s/^/info $T: pppd: /"
	for c in $LACS; do dump $W/$c/xl2tpd.log 10; dump $W/$c/ppp.log 10; done
	ip -br addr | sed "s/^/info $T: /"
}
# what the server, the NAT and the LACs' namespaces saw, for a tunnel
# that did not come up
l2tp_diag() {
	k=$(jmark)
	kill -USR1 "$(main_pid)"
	wait_slow 10 jhas "$k" 'inbound: tunnels bound'
	jsince "$k" | grep -E 'SCCRQs|SCCRPs|tunnels:|inbound:|dropped' |
		sed "s/^/info $T: journal: /"
	nft list ruleset | grep -E 'table|chain|counter packets [1-9]' |
		sed "s/^/info $T: nft: /"
	swanctl --list-sas 2>/dev/null | grep -E 'ESTABLISHED|INSTALLED|in  |out ' |
		sed "s/^/info $T: server SAs: /"
	ip -s xfrm state | grep -E '^src|mark|encap|packets\)' |
		sed "s/^/info $T: server xfrm: /"
	ip xfrm policy | grep -E '^src|mark' | sed "s/^/info $T: server policy: /"
	in_ns nat conntrack -L -p udp 2>/dev/null | sed "s/^/info $T: nat conntrack: /"
	for c in $LACS; do
		ip -n $c -s xfrm state | grep -E '^src|encap|packets\)' |
			sed "s/^/info $T: $c xfrm: /"
		dump $W/$c/charon.log 8
	done
}
lac_start c1
wait_until 60 grep -q "Connection established to $SRV\|Maximum retries" $W/c1/xl2tpd.log
grep -q "Connection established to $SRV" $W/c1/xl2tpd.log ||
	{ info "c1's tunnel did not come up"; l2tp_diag; }
lac_start c2
wait_calls 2 60
if [ $mode = userspace ]; then
	check "xl2tpd.service with contrib/xl2tpd as shipped (force userspace = yes, Linux < 6.10): PPP data in userspace" \
		sh -c "journalctl -b -u xl2tpd -o cat | grep -q 'Not looking for kernel support'"
else
	check "xl2tpd.service with force userspace deleted (Linux >= 6.10): PPP data in the kernel" \
		sh -c "journalctl -b -u xl2tpd -o cat | grep -q 'Using l2tp kernel support'"
fi
check "c1's and c2's LACs both open tunnel 1 with call 1 (tunnels/calls: c1 $(lac_ones c1), c2 $(lac_ones c2))" \
	test "$(lac_ones c1) $(lac_ones c2)" = "1/1 1/1" || xl2tpd_dump
check "l2tp-nfqd translates the second, xl2tpd.service establishes two tunnels from the NAT's address and port (their IDs: $(lns_remotes))" \
	sh -c "echo ' $(lns_remotes) ' | grep -q ' 1 ' && [ \$(echo '$(lns_remotes)' | wc -w) -eq 2 ]" ||
	{ xl2tpd_dump; jdump 0 20; }
check "two calls up (two PPP links on the server)" test "$(calls)" -eq 2 ||
	xl2tpd_dump
# which client is which: the package's l2tp-nfqd status, as root, asks
# the daemon (user l2tp-nfqd) on /run/l2tp-nfqd/control, the unit's
# RuntimeDirectory=
STATUS_IN=
. "$TOP/tests/vm/status.sh"
stx=$(echo "$(lns_remotes)" | tr ' ' '\n' | grep -vx 1 | head -n1)
check "the control socket: /run/l2tp-nfqd/control, of user l2tp-nfqd, mode 0600" \
	test "$(stat -c '%U %a' /run/l2tp-nfqd/control 2>&1)" = "l2tp-nfqd 600"
if [ $mode = kernel ]; then
	status_check "under systemd" /usr/sbin/l2tp-nfqd $PEER "$stx" ppp
else
	status_check "under systemd" /usr/sbin/l2tp-nfqd $PEER "$stx"
fi

# Pings over both PPP links at once, both ways, 5 a second: COUNT each
# or until pings_stop
NP=20
PIDS=
pings_start() {	# pings_start COUNT C...
	cnt=$1; shift
	for c in "$@"; do
		a=$(ppp_addr $c)
		rm -f $W/$c.ping-up $W/$c.ping-down
		[ -n "$a" ] || continue
		# not through a function: SIGINT must reach ping itself
		ip netns exec $c busybox ping -c $cnt -i 0.2 -W 5 192.168.42.1 \
			>$W/$c.ping-up 2>&1 &
		PIDS="$PIDS $!"
		busybox ping -c $cnt -i 0.2 -W 5 "$a" >$W/$c.ping-down 2>&1 &
		PIDS="$PIDS $!"
	done
}
pings_stop() {	# busybox ping prints its summary on SIGINT
	for p in $PIDS; do kill -INT $p 2>/dev/null; done
	[ -n "$PIDS" ] && wait $PIDS
	PIDS=
}
# busybox ping's output FILE: "SENT GOT LOST [lost seq...]", by seq
ping_stats() {
	awk '/ seq=/ { s = $0; sub(/.* seq=/, "", s); sub(/[^0-9].*/, "", s)
		       got[s + 0] = 1 }
	     / packets transmitted/ { sent = $1 }
	     END { if (!NR) exit
		   n = 0; lost = 0; miss = ""
		   for (i = 0; i < sent; i++)
			if (i in got) n++; else { lost++; miss = miss " " i }
		   print sent + 0, n, lost miss }' "$1" 2>/dev/null
}
pings_info() {	# pings_info C...: what each stream got
	for c in "$@"; do
		for d in up down; do
			info "$c $d: $(ping_stats $W/$c.ping-$d | awk '{ printf "%d of %d echo replies", $2, $1; if ($3) { printf ", lost seq"; for (i = 4; i <= NF; i++) printf " %s", $i } }')"
		done
	done
}
# lossy C MAX [stopped]: at least 10 sent each way, at most MAX lost (and
# with stopped, the last, which may have been in flight, not counted)
lossy() {
	for d in up down; do
		ping_stats $W/$1.ping-$d | awk -v max=$2 -v last=${3:+1} '
			BEGIN { bad = 1 }
			{ n = 0
			  for (i = 4; i <= NF; i++) if (!last || $i != $1 - 1) n++
			  bad = $1 < 10 || n > max }
			END { exit bad }' || return 1
	done
}
# both_links [WHEN]: NP pings each way on every link at once, none lost
both_links() {
	pings_start $NP $LACS
	[ -n "$PIDS" ] && wait $PIDS
	PIDS=
	pings_info $LACS
	for c in $LACS; do
		check "${1:+$1: }$c's PPP link carries $NP pings each way while the other's does" \
			lossy $c 0 || { xl2tpd_dump; jdump 0 30; break; }
	done
}
both_links
took "xl2tpd, tunnels 1 and 1, PPP"

# ======================================================================
# 3. Restarts, a crash, a hung daemon and a flood, with pings running
# ======================================================================
H0=$(table_handle) E0=$(elements)
info "table inet l2tp-nfqd handle ${H0:-?}; elements: $E0"
info "descriptor store: $(store_state)"
check "--fdstore: the table's socket in the store (NFileDescriptorStore=1, PID 1 holds it), the daemon uses that very socket" \
	store_ok || info "the store: $(store_state); the daemon: $(nl_inodes "$(main_pid)")"
TOL=2	# pings each stream may lose across all of it
tp=$(stamp)
pings_start 5000 $LACS
sleep 3
ev=

# after EVENT: the unit active with a new main PID, the same table and
# elements, the store holding the socket the new daemon adopted
same_table() {	# same_table WHAT MARK OLDPID
	what=$1 mk=$2 op=$3
	wait_until 20 sh -c "[ \"\$(systemctl is-active $U)\" = active ] &&
		[ \"\$(systemctl show -p MainPID --value $U)\" != $op ]"
	wait_slow 10 jhas "$mk" 'adopting table inet l2tp-nfqd from before (kept by the service manager)'
	h=$(table_handle) e=$(elements) np=$(main_pid)
	check "$what: active again (PID $op -> $np), the new daemon adopted the table the store kept (handle ${h:-none}, was $H0), the tunnels' elements unchanged" \
		adopted || { jdump "$mk" 25; info "elements now: $e"; }
	check "$what: the store still holds the table's socket, the new daemon uses it ($(store_state))" \
		store_ok || info "the daemon's nfnetlink sockets: $(nl_inodes "$(main_pid)")"
}
adopted() {
	active && [ "$np" != "$op" ] && [ -n "$h" ] && [ "$h" = "$H0" ] &&
		[ "$e" = "$E0" ] &&
		jhas "$mk" 'kept netlink socket from the service manager'
}

# (a) systemctl restart
mk=$(jmark) op=$(main_pid) nr0=$(prop $U NRestarts)
ev="$ev restart $(since $tp "$(stamp)")"
systemctl restart $U >$W/restart.out 2>&1 || dump $W/restart.out
same_table "systemctl restart" "$mk" "$op"
w=$(fdstore_warnings)
check "systemctl restart: no descriptor store warning from systemd this boot ($w lines with 'store more fds' or 'FileDescriptorStore')" \
	test "$w" -eq 0 || jl $U | grep -iE 'store more fds|FileDescriptorStore' | tail -n 5 |
	sed "s/^/info $T: journal: /"
sleep 3

# (b) a crash: Restart=on-failure
mk=$(jmark) op=$(main_pid)
ev="$ev KILL $(since $tp "$(stamp)")"
systemctl kill -s KILL $U
wait_until 20 sh -c "[ \$(systemctl show -p NRestarts --value $U) -gt $nr0 ]"
nr1=$(prop $U NRestarts)
check "systemctl kill -s KILL: Restart=on-failure starts it again (NRestarts $nr0 -> $nr1)" \
	test "$nr1" -gt "$nr0" || jdump "$mk" 20
same_table "after KILL" "$mk" "$op"
sleep 3

# (c) a hung main loop: WatchdogSec=30s, then the watchdog's SIGABRT
# (with SIGCONT) and Restart=on-failure
mk=$(jmark) op=$(main_pid)
ts=$(stamp)
ev="$ev STOP $(since $tp "$ts")"
kill -STOP "$op"
wait_slow 45 jhas "$mk" 'Watchdog timeout'
tw=$(stamp)
ev="$ev watchdog $(since $tp "$tw")"
wait_until 20 sh -c "[ \$(systemctl show -p NRestarts --value $U) -gt $nr1 ]"
nr2=$(prop $U NRestarts)
jsince "$mk" | grep -iE 'watchdog|killing|main process exited|failed with result|scheduled restart' |
	sed "s/^/info $T: journal: /"
watchdog_seen() {
	jhas "$mk" 'Watchdog timeout' && jhas "$mk" "Failed with result 'watchdog'" &&
		[ "$nr2" -gt "$nr1" ]
}
check "SIGSTOP: $(since "$ts" "$tw") s later systemd logs a watchdog timeout (WatchdogSec=30s), kills it and starts it again (NRestarts $nr1 -> $nr2)" \
	watchdog_seen || jdump "$mk" 25
same_table "after the watchdog" "$mk" "$op"
sleep 2

# the links through the restart, the crash and the hung daemon
sleep 3
pings_stop
info "events, seconds after the pings started (5 a second, seq = 5 x s):$ev"
pings_info $LACS
for c in $LACS; do
	check "$c's PPP link keeps carrying pings both ways through a restart, a crash and a watchdog timeout: at most $TOL lost each way" \
		lossy $c $TOL stopped || { xl2tpd_dump; jdump 0 30; }
done

# (d) a flood from c3's SA: 200 SCCRQs with IDs from 1000 up, 100 a
# second; the kernel's rate limit per mark (20 a second, burst 40) and
# the daemon's quota (64 tunnels a mark) drop what it cannot take
usr1() {	# the daemon's counters, into $W/stats
	k=$(jmark)
	kill -USR1 "$(main_pid)"
	wait_slow 10 jhas "$k" 'inbound: tunnels bound'
	jsince "$k" >$W/stats
}
stat_of() { sed -n "s/.*$1 \([0-9]*\).*/\1/p" $W/stats | tail -n1; }
usr1
q0=$(stat_of quota) r0=$(rate_drops)
mk=$(jmark) op=$(main_pid)
ev="$ev flood $(since $tp "$(stamp)")"
in_ns c3 "$N" send -s 1701 -n 200 -r 100 $SRV 1701 sccrq 1000 flood
sleep 2
usr1
q1=$(stat_of quota) r1=$(rate_drops)
n3=$(elems_of map tunnels4 | awk -v m="$m3" '$2 == m' | wc -l)
grep -E 'SCCRQs dropped|refused|dropped:' $W/stats | sed "s/^/info $T: flood: /"
jsince "$mk" | grep -vE 'tunnels: |inbound: |dropped: |rejected: |refused|queue: |--require-ipsec: ' |
	tail -n 8 | sed "s/^/info $T: flood: journal: /"
check "flood from c3's SA: the kernel's rate limit drops SCCRQs ($r0 -> $r1), the quota the rest ($q0 -> $q1), c3 holds 64 tunnels ($n3), the daemon (PID $op) carries on" \
	sh -c "[ ${r1:-0} -gt ${r0:-0} ] && [ ${q1:-0} -gt ${q0:-0} ] && [ $n3 -eq 64 ] &&
	       [ \"\$(systemctl show -p MainPID --value $U)\" = $op ]" || jdump "$mk" 20
check "after the flood: the store still holds the table's socket, the daemon uses it ($(store_state))" \
	store_ok
# c3's tunnels now among them; their bindings come with the server's
# answers (SCCRPs, queued to the daemon): the snapshot once they settle
settled() { e=$(elements); [ "$e" = "$E0" ] || { E0=$e; return 1; }; }
E0=$(elements)
wait_slow 10 settled
mk=$(jmark) op=$(main_pid)
ev="$ev restart $(since $tp "$(stamp)")"
systemctl restart $U >$W/restart2.out 2>&1 || dump $W/restart2.out
same_table "restart after the flood" "$mk" "$op"
usr1
info "after the restart: $(grep 'tunnels: ' $W/stats | sed 's/.*tunnels: /tunnels: /')"
check "after the restart: the new daemon knows c3's 64 tunnels from the adopted maps ($(stat_of 'tunnels:') IPv4 tunnels)" \
	test "$(stat_of 'tunnels:')" -ge 66
# both links after the flood and the restart, 20 pings each way at once
both_links "after the flood and a restart"
w=$(fdstore_warnings)
check "no descriptor store warning from systemd through all of it ($w)" test "$w" -eq 0 ||
	jl $U | grep -iE 'store more fds|FileDescriptorStore' | tail -n 5 |
	sed "s/^/info $T: journal: /"
took "restart, KILL, watchdog, flood, restart"

# ======================================================================
# 4. A stop: the store closed, the table gone; the guard stays
# ======================================================================
stopped_ok() {
	! nft list table inet l2tp-nfqd >/dev/null 2>&1 &&
		nft list table inet l2tp-nfqd-guard >/dev/null 2>&1 && stored 0
}
mk=$(jmark)
g0=$(guard_out)
systemctl stop $U
wait_until 20 sh -c "! nft list table inet l2tp-nfqd >/dev/null 2>&1"
check "systemctl stop: the daemon's table is gone, the descriptor store empty ($(store_state)), the guard stays" \
	stopped_ok || jdump "$mk" 20
# the server's answers now carry no mark: the guard drops them
r=0 got=
for c in $LACS; do
	in_ns $c busybox ping -c 3 -i 0.3 -W 1 192.168.42.1 >$W/$c.after-stop 2>&1
	n=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' $W/$c.after-stop)
	got="$got $c ${n:-no link}"
	[ "$n" = 0 ] || r=1
done
g1=$(guard_out)
info "after the stop: pings answered of 3:$got; the guard's cleartext_out $g0 -> $g1"
check "after the stop: no ping over c1's or c2's link is answered, the guard drops the server's unmarked answers" \
	sh -c "[ $r -eq 0 ] && [ ${g1:-0} -gt ${g0:-0} ]"
n=$(nat_clear)
info "L2TP crossing the NAT unencrypted: ${n:-?} packets"
check "no L2TP crossed the NAT unencrypted: not at the start, nor across the restarts, the crash, the watchdog, the flood, the stop" \
	test "${n:-x}" = 0
# the counter counts: cleartext L2TP to the NAT's address (from 1702,
# which the guard lets pass)
"$N" send -s 1702 $PEER 1701 hex c802000c000100000000000000
sleep 1
check "the NAT's counter sees cleartext L2TP when there is some" \
	test "$(nat_clear)" = "$((${n:-0} + 1))"
took "stop"

# ======================================================================
# 5. apt purge, and apt install from the package's file
# ======================================================================
apt-get purge -y l2tp-nfqd >$W/purge.out 2>&1
rc=$?
check "apt purge l2tp-nfqd: the package, its unit and its conffile /etc/default/l2tp-nfqd are gone" \
	sh -c "[ $rc -eq 0 ] && [ ! -e /etc/default/l2tp-nfqd ] &&
	       [ ! -e /lib/systemd/system/l2tp-nfqd.service ] &&
	       ! dpkg-query -W -f '\${Status}' l2tp-nfqd 2>/dev/null | grep -q installed" ||
	dump $W/purge.out
info "after the purge: user l2tp-nfqd $(id -u l2tp-nfqd 2>/dev/null || echo gone); l2tp-nfqd.service $(systemctl is-enabled $U 2>&1 | head -n1), links: $(ls /etc/systemd/system/*/l2tp-nfqd.service 2>/dev/null | tr '\n' ' ')"
if [ -n "$DEBF" ]; then
	# (apt 2.6 wants the package from a download, not --no-download)
	(cd $W && apt-get install -y "./$(basename "$DEBF")") \
		>$W/install.out 2>&1
	rc=$?
	check "apt-get install ./$(basename "$DEBF") in the VM: installed again, its unit and /etc/default/l2tp-nfqd back" \
		sh -c "[ $rc -eq 0 ] && [ -e /etc/default/l2tp-nfqd ] &&
		       [ -e /lib/systemd/system/l2tp-nfqd.service ] &&
		       dpkg-query -W -f '\${Status}' l2tp-nfqd | grep -q 'install ok installed'" ||
		dump $W/install.out 20
	info "after the install: l2tp-nfqd.service $(systemctl is-enabled $U 2>&1 | head -n1), $(systemctl is-active $U 2>&1)"
else
	no "apt-get install: no package file (DEB=${DEB:-unset})"
fi
took "purge and install"

# what this scenario started goes, for a scenario after it in the same
# boot; whatever still holds the console's pipe is named
systemctl stop xl2tpd strongswan
for ns in c1 c2 c3 nat; do
	for p in $(ip netns pids $ns); do kill "$p" 2>/dev/null; done
done
sleep 1
# and its namespaces: scenario.sh makes its own of the same names
for ns in c1 c2 c3 nat; do
	for p in $(ip netns pids $ns); do kill -9 "$p" 2>/dev/null; done
	ip netns del $ns 2>/dev/null
done
out=$(readlink /proc/$$/fd/1)
for p in /proc/[0-9]*; do
	[ "${p#/proc/}" = $$ ] && continue
	for fd in 1 2; do
		[ "$(readlink "$p/fd/$fd" 2>/dev/null)" = "$out" ] &&
			info "still writing to this scenario's output: ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline")"
	done
done
finish
