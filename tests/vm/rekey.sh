# A client's IPsec SA renewed under live L2TP traffic: a CHILD_SA rekey,
# an IKE re-authentication and a reconnect of c1, while its PPP link
# carries pings.  Sourced, not run, by the VM scenario inside the VM,
# after hostile.sh.
#
# What it expects from its caller, as tests/vm/scenario.sh sets them up:
#   variables   W, T, SRV;
#   functions   ok, no, info, check, wait_until, dump, in_ns, swanctl_in,
#               pings_start, pings_stop, pings_info, ping_stats, steady,
#               xl2tpd_dump,
#               hs_marks_of, hs_inbound_drops, hs_own, hs_tunnels (from
#               hostile.sh);
#   running     what hostile.sh expects, c1's tunnel 1 bound (L1: the
#               server's ID for it, m1: c1's mark).
# c1's tunnel may be gone when it is done (the re-authentication).
#
# What it checks.  The server's connection gives each SA its mark with
# mark_in = mark_out = %unique.  A CHILD_SA rekey (swanctl --rekey
# --child on c1, a quick mode on its IKE SA) must leave c1 with the same
# mark on the server, and its link with every ping.  A re-authentication
# (swanctl --rekey --ike --reauth on c1: IKEv1 main mode and quick mode
# anew, the old IKE SA deleted) is what an IKEv1 client does when its
# IKE SA ages; the tunnel must survive it too: pings on c1's link across
# it.  A reconnect (swanctl --terminate, then --initiate: the old IKE
# SA and its CHILD_SAs gone before the new ones come) gives the client a
# new SA, and strongSwan a new mark (%unique): l2tp-nfqd cannot tell the
# same client on a new SA from a neighbour, so the old tunnel's packets
# from the new SA must be dropped as another SA's (the client's L2TP
# opens a new tunnel, bound to its new mark); with the same mark, the
# link must carry pings again.
# What the server's SAs, the daemon's sets and its counters hold before
# and after is printed.

RK=$W/rekey
mkdir -p "$RK"

rk_sas() {	# rk_sas TAG: the server's SAs and l2tp-nfqd's sets, for the console
	swanctl_in srv --list-sas >"$RK/sas-$1" 2>&1
	in_ns srv ip xfrm state | sed -E 's/0x[0-9a-f]{16,}/<key>/g' \
		>"$RK/state-$1"
	hs_own >"$RK/own-$1"
	hs_tunnels >"$RK/tunnels-$1"
}
rk_ike() {	# c1's established IKE SAs, by unique ID: "#1 #3"
	swanctl_in c1 --list-sas 2>/dev/null |
		sed -n 's/^l2tp: \(#[0-9]*\), ESTABLISHED.*/\1/p' | tr '\n' ' ' |
		sed 's/ $//'
}
rk_reauthed() { [ -n "$(rk_ike)" ] && [ "$(rk_ike)" != "$i0" ] && [ "$(rk_ike | wc -w)" -eq 1 ]; }
rk_spis() { ip -n c1 xfrm state | grep -c '^src'; }

# the kernel's XFRM error counters that are not zero, "Name N ..."
rk_xstat() { in_ns "$1" cat /proc/net/xfrm_stat | awk '$2 != 0' | tr -s ' \n' '  '; }
# the sum of the server's and c1's XFRM error counters
rk_xsum() {
	for ns in srv c1; do in_ns $ns cat /proc/net/xfrm_stat; done |
		awk '{ s += $2 } END { print s + 0 }'
}
# rk_lost C: C's pings lost either way, but the last of each stream (in
# flight when ping was stopped); empty if a stream sent fewer than 10
rk_lost() {
	for d in up down; do ping_stats $W/$1.ping-$d; done |
		awk '$1 < 10 { bad = 1 }
		     { for (i = 4; i <= NF; i++) if ($i != $1 - 1) n++ }
		     END { if (!bad) print n + 0 }'
}

# --- a CHILD_SA rekey ----------------------------------------------------
rk_sas before
d0=$(hs_inbound_drops)
x0=$(rk_xstat srv)
e0=$(rk_xsum)
s0=$(rk_spis)
info "rekey: c1's mark on the server before: $m1; c1's SAs: $s0"
pings_start 1000 c1
sleep 2
swanctl_in c1 --rekey --child l2tp >"$RK/rekey.out" 2>&1
wait_until 30 sh -c "[ \$(ip -n c1 xfrm state | grep -c '^src') -gt $s0 ]"
sleep 4
pings_stop
pings_info c1
rk_sas rekeyed
mr=$(hs_marks_of c1)
info "rekey: c1's SAs $s0 -> $(rk_spis); their marks on the server: $mr"
check "CHILD_SA rekey (swanctl --rekey --child on c1): new SAs, each with c1's mark $m1 on the server" \
	sh -c "[ $(rk_spis) -gt $s0 ] && [ '$mr' = '$m1' ]" ||
	{ dump "$RK/rekey.out"; dump "$RK/sas-rekeyed" 30; }
d1=$(hs_inbound_drops)
info "rekey: the server's XFRM errors before: ${x0:-none}; after: $(rk_xstat srv)"
info "rekey: inbound chain drops $d0 -> $d1"
check "CHILD_SA rekey: l2tp-nfqd drops none of c1's packets" test "$d0" = "$d1"
# strongSwan changes the SAs under the link: a packet sent in the instant
# the kernel has no SA for it is lost, and XFRM counts it (seen once on
# 6.12: XfrmAcquireError +1, one ping lost); any other loss fails
lost=$(rk_lost c1)
xe=$(($(rk_xsum) - e0))
info "rekey: c1's pings lost either way: ${lost:-?}; the server's and c1's XFRM errors: +$xe"
check "CHILD_SA rekey: c1's link loses no ping either way but those the kernel's XFRM counts as errors while the SAs change (lost ${lost:-?}, XFRM errors +$xe)" \
	sh -c "[ -n '$lost' ] && [ '$lost' -le $xe ]" ||
	{ xl2tpd_dump ids; dump "$W/daemon5.out" 20; }

# --- a re-authentication ----------------------------------------------
d0=$(hs_inbound_drops)
pings_start 1000 c1
sleep 2
i0=$(rk_ike)
swanctl_in c1 --rekey --ike l2tp --reauth >"$RK/reauth.out" 2>&1
# a new IKE SA, the old one deleted
t=60
until rk_reauthed || [ $t -le 0 ]; do sleep 1; t=$((t - 1)); done
info "reauth: c1's IKE SA $i0 -> $(rk_ike)"
sleep 5
pings_stop
pings_info c1
rk_sas reauth
ma=$(hs_marks_of c1)
d1=$(hs_inbound_drops)
kill -USR1 "$(pidof l2tp-nfqd)"
sleep 1
info "reauth: c1's marks on the server: before $m1, after $ma; inbound chain drops $d0 -> $d1"
info "reauth: own4 for c1's tunnel ${L1:-?} (server's ID, mark): before: $(grep "^${L1:-x} " "$RK/own-before" | tr '\n' ',') after: $(grep "^${L1:-x} " "$RK/own-reauth" | tr '\n' ',')"
info "reauth: tunnels4 for c1's tunnel 1 (ID, mark) after: $(grep '^1 ' "$RK/tunnels-reauth" | tr '\n' ',')"
grep -E 'cleartext L2TP dropped' "$W/daemon5.out" | tail -n1 | sed "s/^/info $T: reauth: /"
grep -E 'mark|remote|ESTABLISHED|INSTALLED' "$RK/sas-reauth" | head -n 20 |
	sed "s/^/info $T: reauth: srv: /"
check "IKE re-authentication (swanctl --rekey --ike --reauth on c1): c1's link carries its pings across it (marks $m1 -> $ma)" \
	steady c1 stopped ||
	{ dump "$RK/reauth.out"; dump "$W/daemon5.out" 20; }

# --- a reconnect: the IKE SA deleted, then a new one ------------------------
# What a client does whose IKE SA was lost (DPD, a NAT rebinding) and
# who keeps sending on its L2TP tunnel: its packets stop while it has no
# SA; on the new one they carry the new SA's mark.
rk_recovered() {	# rk_recovered C K: the last K pings (but the last) came back
	for d in up down; do
		ping_stats $W/$1.ping-$d | awk -v k=$2 '$1 < k + 2 { exit 1 }
			{ for (i = 4; i <= NF; i++)
				if ($i >= $1 - 1 - k && $i != $1 - 1) exit 1 }' ||
			return 1
	done
}
# c1 sends no L2TP in the clear while it has no SA (a client that
# requires IPsec for L2TP, as the built-in ones do)
in_ns c1 nft -f - <<'NFT'
table inet rk-guard {
	chain post {
		type filter hook postrouting priority filter;
		udp dport 1701 rt ipsec missing counter drop
	}
}
NFT
d0=$(hs_inbound_drops)
pings_start 1000 c1
sleep 2
swanctl_in c1 --terminate --ike l2tp >"$RK/terminate.out" 2>&1
swanctl_in c1 --initiate --child l2tp --timeout 60 >"$RK/initiate.out" 2>&1
sleep 6
pings_stop
pings_info c1
rk_sas reconnect
mc=$(hs_marks_of c1)
d1=$(hs_inbound_drops)
kill -USR1 "$(pidof l2tp-nfqd)"
sleep 1
info "reconnect: c1's IKE SA $(rk_ike); its marks on the server: before $ma, after $mc; inbound chain drops $d0 -> $d1"
info "reconnect: own4 for c1's tunnel ${L1:-?}: $(grep "^${L1:-x} " "$RK/own-reconnect" | tr '\n' ','); tunnels4 for tunnel 1: $(grep '^1 ' "$RK/tunnels-reconnect" | tr '\n' ',')"
grep -E 'cleartext L2TP dropped' "$W/daemon5.out" | tail -n1 | sed "s/^/info $T: reconnect: /"
grep -E 'remote .198|reqid' "$RK/sas-reconnect" | sed "s/^/info $T: reconnect: srv: /"
info "reconnect: c1 held back $(in_ns c1 nft list chain inet rk-guard post | sed -n 's/.*counter packets \([0-9]*\).*/\1/p') L2TP packets without an SA"
in_ns c1 nft delete table inet rk-guard
rk_reconnected() {
	if [ -n "$mc" ] && [ "$mc" = "$ma" ]; then
		rk_recovered c1 10
	else
		# bound to the old SA: dropped inbound, not passed to xl2tpd
		[ -n "$mc" ] && [ "$d1" -gt "$d0" ] &&
		grep -qx "${L1:-x} $ma" "$RK/own-reconnect"
	fi
}
check "IKE SA reconnected (swanctl --terminate, --initiate on c1), marks $ma -> $mc: the old tunnel's packets from the new SA are dropped as another SA's (inbound drops $d0 -> $d1), or, with the same mark, pings again" \
	rk_reconnected ||
	{ dump "$RK/initiate.out"; dump "$W/daemon5.out" 20; }
