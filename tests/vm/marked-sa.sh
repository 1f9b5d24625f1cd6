# strongSwan without the connmark plugin on an nft-only server, end to
# end: l2tp-nfqd --sa-marks --tunnel-marks.  Sourced, not run, by the VM
# scenario inside the VM, after tests/vm/libreswan.sh.
#
# What it expects from its caller, as tests/vm/scenario.sh sets them up:
#   namespaces  srv (203.0.113.2) with no IKE daemon running, nat
#               (203.0.113.1, masquerading), c1 and c2 behind it;
#   variables   W, D (the daemon), TOP, T, SRV;
#   functions   ok, no, info, check, wait_until, dump, in_ns, swanctl_in,
#               stop_daemon, and the xl2tpd ones: xl2tpd_conf, lns_start,
#               lac_start, xl2tpd_stop, tunnels, calls, wait_calls,
#               traffic, full, xl2tpd_dump;
#   c1 and c2   Windows-like strongSwan IKEv1 clients (connection and
#               child l2tp in $W/<c>/swanctl.conf, PSK "change-me") and
#               xl2tpd LACs whose users are in /etc/ppp/chap-secrets.
# It deletes the guard table of an earlier --require-ipsec, and leaves
# charon, xl2tpd, pppd and the daemon stopped.
#
# What it checks.  The server as an admin sets it up: Debian's legacy
# starter (`ipsec start`) with contrib/strongswan/ipsec.conf-l2tp-sa-marks
# as /etc/ipsec.conf, the PSK in /etc/ipsec.secrets, the connmark plugin
# off (charon-no-connmark.conf), and forecast where strongswan-pki brought
# it (charon-no-forecast.conf), no legacy iptables, contrib/xl2tpd/ as
# shipped.  strongSwan (since 5.5.2) puts mark=%unique on the policies
# and the outbound SA only: the inbound SA is found by its SPI, and
# --sa-marks marks what it decrypted by reqid, as for Libreswan.
# Without --sa-marks the SCCRQs arrive unmarked, and l2tp-nfqd
# --tunnel-marks drops them (bound or dropped): none reaches xl2tpd, no
# answer leaves, no tunnel comes up.  Then inbound SAs that carry
# their mark (the shipped swanctl configuration with mark_in_sa = yes
# for set_mark_in, in the same charon): without --sa-marks the clients'
# ESP finds no SA (XfrmInNoStates); with it the daemon marks ESP in UDP
# by peer address, NAT-T port and SPI before decryption, and each inbound
# SA decrypts.  Each time with --sa-marks --tunnel-marks both tunnels and
# both PPP calls come up and both links carry pings both ways at once;
# the elements leave with their SAs (ipsec down, a client's disconnect);
# the daemon's debug log holds none of the SAs' keys.

MS=$W/marked-sa
mkdir -p "$MS"

# the server's SAs, one a line: SRC DST SPI MARK SPORT PACKETS (SPI and
# MARK in decimal, MARK 0 for none, SPORT - without NAT-T)
ms_sas() {
	in_ns srv ip -s xfrm state | awk '
	function out() { if (spi != "") print src, dst, spi, mark, sport, pk }
	$1 == "src" { out(); src = $2; dst = $4; spi = ""; mark = "0"
		      sport = "-"; pk = 0; cur = 0 }
	$1 == "proto" && $2 == "esp" { spi = $4; sub(/\(.*/, "", spi) }
	$1 == "mark" { mark = $2; sub(/\/.*/, "", mark) }
	$1 == "encap" { sport = $5 }
	/lifetime current:/ { cur = 1; next }
	cur { pk = $2; sub(/\(.*/, "", pk); cur = 0 }
	END { out() }' | while read -r s d spi m p n; do
		echo "$s $d $(printf %d "$spi") $(printf %d "$m") $p $n"
	done
}
ms_in() { ms_sas | awk -v srv=$SRV '$2 == srv'; }	# inbound SAs
ms_out() { ms_sas | awk -v srv=$SRV '$1 == srv'; }	# outbound SAs
# the inbound policies: REQID MARK (decimal), sorted
ms_pols() {
	in_ns srv ip xfrm policy | awk '
	$1 == "src" { d = ""; m = "" }
	$1 == "dir" { d = $2 }
	$1 == "mark" { m = $2; sub(/\/.*/, "", m) }
	$1 == "proto" && d == "in" && m != "" {
		for (i = 1; i < NF; i++) if ($i == "reqid") print $(i + 1), m }' |
	while read -r r m; do echo "$r $(printf %d "$m")"; done | sort -u
}
# the daemon's maps: sa_reqids as REQID MARK, sa_esp4 as ADDR PORT SPI
# MARK (decimal), sorted
ms_reqids() {
	in_ns srv nft list map inet l2tp-nfqd sa_reqids 2>/dev/null |
		tr -d '\n\t' | grep -o '[0-9]* : jump sa-mark-[0-9a-f]*' |
		while read -r r _ _ c; do
			echo "$r $(printf %d "0x${c#sa-mark-}")"
		done | sort
}
ms_esp() {
	in_ns srv nft list map inet l2tp-nfqd sa_esp4 2>/dev/null |
		tr -d '\n\t' |
		grep -o '[0-9.]* \. [0-9]* \. 0x[0-9a-f]* : 0x[0-9a-f]*' |
		while read -r a _ p _ s _ m; do
			echo "$a $p $(printf %d "$s") $(printf %d "$m")"
		done | sort
}
# for the console: the maps' elements as nft writes them
ms_reqids_show() {
	ms_reqids | while read -r r m; do printf 'reqid %s -> 0x%x; ' "$r" "$m"
	done | sed 's/; $//'
}
ms_esp_show() {	# ms_esp_show [ADDR]: sa_esp4's elements (from ADDR)
	ms_esp | grep "^${1:-}" | while read -r a p s m; do
		printf '%s . %s . 0x%08x : 0x%x; ' "$a" "$p" "$s" "$m"
	done | sed 's/; $//'
}
# what the maps should hold: each inbound policy's reqid, each marked
# SA's ESP key
ms_want_reqids() { ms_pols | sort; }
ms_want_esp() {
	ms_sas | awk '$4 != 0 && $5 != "-" { print $1, $5, $3, $4 }' | sort
}
ms_maps_follow() {
	[ "$(ms_reqids)" = "$(ms_want_reqids)" ] &&
	[ "$(ms_esp)" = "$(ms_want_esp)" ]
}
ms_maps_empty() { [ -z "$(ms_reqids)$(ms_esp)" ]; }
ms_all_gone() { [ -z "$(ms_sas)" ] && ms_maps_empty; }
ms_stat() {	# ms_stat NAME: a counter of the server's /proc/net/xfrm_stat
	in_ns srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xfrm_stat
}
ms_queued() {	# SCCRQs the daemon's queue rules saw
	in_ns srv nft list chain inet l2tp-nfqd input 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}
ms_clear() {	# L2TP from the server that reached the NAT unencrypted
	in_ns nat nft list chain ip ms-clear pre |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
# ms_wait SECONDS CMD...: wait_until by the clock (CMD may be slow)
ms_wait() {
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
ms_daemon() {	# ms_daemon LOG OPTIONS...: l2tp-nfqd in srv
	log=$1
	shift
	in_ns srv "$D" -n 1 "$@" >"$log" 2>&1 &
	wait_until 30 grep -q installed "$log" ||
		{ no "l2tp-nfqd $* installs its table"; dump "$log"; }
}
ms_up() {	# ms_up C: C's IKEv1 SA with the server, anew
	swanctl_in "$1" --load-all --file "$W/$1/swanctl.conf" \
		>"$MS/$1.load" 2>&1
	swanctl_in "$1" --initiate --child l2tp --timeout 90 \
		>"$MS/$1.init" 2>&1
	grep -q 'initiate completed successfully' "$MS/$1.init"
}
ms_show() {	# ms_show: the server's SAs and policies, keys blanked out
	in_ns srv ip -s xfrm state | sed -E 's/0x[0-9a-f]{16,}/<key>/g' \
		>"$MS/state.show"
	dump "$MS/state.show" 80
	in_ns srv ip xfrm policy >"$MS/policy.show"
	dump "$MS/policy.show" 40
}
ms_dump() {	# ms_dump TAG LOG: what a failed tunnel check needs
	xl2tpd_dump "$1"
	dump "$2" 30
	in_ns srv nft list table inet l2tp-nfqd >"$MS/table.show" 2>&1
	dump "$MS/table.show" 80
	ms_show
}
# none of the server's SA keys, 8 hex digits at a time, in LOG
ms_no_keys() {
	in_ns srv ip xfrm state | sed -n 's/.* 0x\([0-9a-f]\{16,\}\).*/\1/p' |
		sort -u >"$MS/keys"
	fold -w 8 "$MS/keys" | grep -x '[0-9a-f]\{8\}' >"$MS/key-parts"
	[ -s "$MS/key-parts" ] && ! grep -qiF -f "$MS/key-parts" "$1"
}
ms_nkeys() { wc -l <"$MS/keys"; }
ms_running() {	# ms_running NAME: a process called NAME runs in srv
	for p in $(ip netns pids srv); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && return 0
	done
	return 1
}
ms_stopped() { ! ms_running starter && ! ms_running charon; }
ms_loaded() {
	in_ns srv ipsec statusall >"$MS/status.out" 2>&1 &&
	grep -q '^ *l2tp: .*IKEv1/2' "$MS/status.out" &&
	grep -q '^ *l2tp: .*child: .*TRANSPORT' "$MS/status.out"
}
ms_no_connmark() {
	grep -q 'loaded plugins:' "$MS/status.out" &&
	! grep -q 'loaded plugins:.* connmark' "$MS/status.out"
}
ms_count() { echo $# ; }
ms_list() { tr '\n' ' ' | sed 's/ $//'; }	# lines as one line
# ms_marks WHICH: the marks the inbound or outbound SAs carry
ms_marks() { ms_$1 | awk '{ print $4 }' | sort -u | ms_list; }
ms_natt() {	# both inbound SAs ESP in UDP from the NAT, different ports
	[ "$(ms_in | awk '$1 == "203.0.113.1" && $5 != "-" { print $5 }' |
	     sort -u | wc -l)" -eq 2 ]
}
ms_nomark() {	# ms_nomark LOG: 6 SCCRQs or more without a mark in LOG
	[ "$(grep -c 'SCCRQ from .* has no mark' "$1")" -ge 6 ]
}
# ms_nostates N [stays]: XfrmInNoStates at N at least (exactly N)
ms_nostates() {
	n=$(ms_stat XfrmInNoStates)
	[ -n "$n" ] && [ "$n" -ge "$1" ] && { [ -z "${2:-}" ] || [ "$n" -eq "$1" ]; }
}
ms_decrypted() {	# ms_decrypted N: of the two inbound SAs, N decrypted
	[ "$(ms_in | wc -l)" -eq 2 ] &&
	[ "$(ms_in | awk '$6 > 0' | wc -l)" -eq "$1" ]
}
ms_nothing() {	# ms_nothing TAG: no tunnel, no call
	[ "$(tunnels "$1")" -eq 0 ] && [ "$(calls)" -eq 0 ]
}
ms_peer_esp() { ms_esp | grep '^203\.0\.113\.1 '; }
ms_both() { full c1 && full c2; }
ms_one() { [ "$(ms_in | wc -l)" -eq 1 ] && ms_maps_follow; }
ms_sccrq_marks() {	# the SCCRQs carried the policies' marks, $pm
	for m in $pm; do
		grep -q "SCCRQ from .* mark $(printf 0x%x "$m") (packet)" \
			"$1" || return 1
	done
}
# ms_tunnels TAG LOG WHAT: both tunnels, both calls, pings at once
ms_tunnels() {
	lns_start "$1"
	lac_start "$1" c1 c2
	wait_calls 2 90
	check "$3: both tunnels come up" test "$(tunnels "$1")" -eq 2 ||
		ms_dump "$1" "$2"
	check "$3: both calls up (two PPP links on the server)" \
		test "$(calls)" -eq 2 || xl2tpd_dump "$1"
	traffic c1 c2
	check "$3: c1's and c2's PPP links carry $NP pings each way at the same time" \
		ms_both || ms_dump "$1" "$2"
}
ms_passed() {	# SCCRQs that got past l2tp-nfqd to the L2TP daemon's socket
	in_ns srv nft list chain inet ms-pass in |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
ms_counted() {	# ms_counted LOG NAME: the daemon's last counter NAME (SIGUSR1)
	n=$(grep -c 'dropped: invalid' "$1")
	kill -USR1 "$(pidof l2tp-nfqd)"
	wait_until 10 sh -c "[ \$(grep -c 'dropped: invalid' '$1') -gt $n ]"
	sed -n "s/.*dropped: .*$2 \([0-9]*\).*/\1/p" "$1" | tail -n1
}
# the checks' conditions, on the variables set below
ms_a_dropped() {
	[ "$(ms_passed)" -eq 0 ] && [ "${nm:-0}" -ge 6 ] && ms_nothing msa0
}
ms_a_reqids() {
	[ "$(ms_reqids)" = "$(ms_want_reqids)" ] &&
	[ "$(ms_reqids | wc -l)" -eq 2 ]
}
ms_a_esp() {
	[ "$(ms_esp)" = "$(ms_want_esp)" ] &&
	[ "$(ms_esp | grep -c "^$SRV 4500 ")" -eq 2 ]
}
ms_b_conf() {
	grep -q 'mark_in_sa = yes' "$MS/mark-in-sa.conf" &&
	! grep -q set_mark_in "$MS/mark-in-sa.conf" &&
	grep -q "loaded connection 'l2tp'" "$MS/load.out"
}
ms_b_sas() {
	[ "$(ms_count $pm)" -eq 2 ] && [ "$(ms_marks in)" = "$pm" ] && ms_natt
}
ms_b_lost() { [ "$(ms_queued)" -eq 0 ] && ms_nothing msb0; }
ms_b_esp() {
	[ "$(ms_esp)" = "$(ms_want_esp)" ] && [ "$(ms_peer_esp | wc -l)" -eq 2 ]
}
ms_c1_gone() {
	ms_one && [ "$(ms_peer_esp | wc -l)" -eq 1 ] &&
	[ "$(ms_reqids | wc -l)" -eq 1 ]
}

# --- the server: the legacy starter, as an admin sets it up ---------------
ms_running charon && no "no IKE daemon runs in srv before the starter"
# a server that never ran --require-ipsec: without its guard, which
# outlives the daemon, what leaves unencrypted is seen at the NAT
in_ns srv nft delete table inet l2tp-nfqd-guard 2>/dev/null
cp "$TOP/contrib/strongswan/ipsec.conf-l2tp-sa-marks" /etc/ipsec.conf
echo ': PSK "change-me"' >/etc/ipsec.secrets
chmod 600 /etc/ipsec.secrets
cp "$TOP/contrib/strongswan/charon-no-connmark.conf" \
   /etc/strongswan.d/charon/connmark.conf
# where strongswan-pki brought the forecast plugin (Debian 12 and 13)
[ -e /etc/strongswan.d/charon/forecast.conf ] &&
	cp "$TOP/contrib/strongswan/charon-no-forecast.conf" \
	   /etc/strongswan.d/charon/forecast.conf
# no syslog in the VM: charon logs to a file
cat >/etc/strongswan.d/vm-filelog.conf <<CONF
charon {
	filelog {
		vm {
			path = $MS/charon.log
			default = 1
		}
	}
}
CONF
in_ns srv ipsec start >"$MS/start.out" 2>&1
ms_wait 60 ms_loaded
check "legacy starter (ipsec start): charon loads contrib/strongswan/ipsec.conf-l2tp-sa-marks, IKEv1 and IKEv2, transport mode" \
	ms_loaded ||
	{ dump "$MS/start.out"; dump "$MS/status.out" 30; dump "$MS/charon.log" 30; }
check "the connmark plugin is off (charon-no-connmark.conf): not among charon's loaded plugins" \
	ms_no_connmark
check "no forecast plugin (charon-no-forecast.conf where it is installed): not among charon's loaded plugins" \
	sh -c "! grep -q 'loaded plugins:.* forecast' '$MS/status.out'"
# cleartext L2TP from the server that reaches the NAT
in_ns nat nft -f - <<'NFT'
table ip ms-clear {
	chain pre {
		type filter hook prerouting priority raw;
		ip saddr 203.0.113.2 udp sport 1701 counter
	}
}
NFT

for c in c1 c2; do
	check "$c: IKEv1 SA with the legacy server (Windows' proposals, transport mode)" \
		ms_up $c || { dump "$MS/$c.init" 30; dump "$MS/charon.log" 30; }
done
pm=$(ms_pols | awk '{ print $2 }' | sort -u | ms_list)
check "mark=%unique: each client's policies carry a mark of their own (inbound: $pm)" \
	test "$(ms_count $pm)" -eq 2 || ms_show
check "NAT-T: both inbound SAs are ESP in UDP from the NAT, from different ports ($(ms_in | awk '{ print $5 }' | ms_list))" \
	ms_natt || ms_show
check "the outbound SAs carry the marks, the inbound SAs none (strongSwan >= 5.5.2: found by SPI alone)" \
	test "$(ms_marks out)/$(ms_marks in)" = "$pm/0" || ms_show
check "nft only: no legacy iptables table in srv (/proc/net/ip_tables_names empty)" \
	test -z "$(in_ns srv cat /proc/net/ip_tables_names 2>/dev/null)"

# --- ipsec.conf without --sa-marks: what happens -----------------------------
msw="ipsec.conf, without --sa-marks"
xl2tpd_conf userspace
nos=$(ms_stat XfrmInNoStates)
cl0=$(ms_clear)
# SCCRQs that pass l2tp-nfqd's input chain (priority -140) and the rest
in_ns srv nft -f - <<'NFT'
table inet ms-pass {
	chain in {
		type filter hook input priority filter + 10;
		udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 counter
	}
}
NFT
ms_daemon "$MS/a0.log" --tunnel-marks -d
lns_start msa0
lac_start msa0 c1 c2
# each LAC sends its SCCRQ three times (no answer reaches it)
wait_until 30 ms_nomark "$MS/a0.log"
check "$msw: the SCCRQs arrive decrypted but unmarked (l2tp-nfqd: no mark)" \
	ms_nomark "$MS/a0.log" || dump "$MS/a0.log"
check "$msw: the inbound SAs decrypt them all the same (XfrmInNoStates stays at $nos)" \
	ms_nostates "$nos" stays || ms_show
nm=$(ms_counted "$MS/a0.log" 'no packet mark')
check "$msw: l2tp-nfqd drops them (SIGUSR1: no packet mark ${nm:-?}): none reaches xl2tpd ($(ms_passed) passed), no tunnel comes up" \
	ms_a_dropped || { dump "$MS/a0.log"; xl2tpd_dump msa0; }
cl1=$(ms_clear)
check "$msw: so nothing leaves for the clients, unencrypted or not (the NAT saw $((cl1 - cl0)) cleartext L2TP packets from the server)" \
	test "$cl1" -eq "$cl0"
xl2tpd_stop
stop_daemon
in_ns srv nft delete table inet ms-pass

# --- ipsec.conf with --sa-marks --tunnel-marks: marked by reqid -------------
msw="ipsec.conf, --sa-marks --tunnel-marks"
ms_daemon "$MS/a.log" --sa-marks --tunnel-marks -d -d
ms_wait 10 ms_maps_follow
check "$msw: sa_reqids maps each inbound policy's reqid to its mark ($(ms_reqids_show))" \
	ms_a_reqids || { dump "$MS/a.log"; ms_show; }
check "$msw: sa_esp4 holds the marked SAs, here the outbound ones, which no packet matches ($(ms_esp_show))" \
	ms_a_esp || { dump "$MS/a.log"; ms_show; }
ms_tunnels msa "$MS/a.log" "$msw"
check "$msw: the SCCRQs carried each client's mark, stamped after decryption by reqid" \
	ms_sccrq_marks "$MS/a.log" || dump "$MS/a.log" 30
ms_no_keys "$MS/a.log"
check "$msw: the daemon's debug log holds none of the SAs' keys ($(ms_nkeys) keys looked for)" \
	ms_no_keys "$MS/a.log"
xl2tpd_stop
# every IKE SA of the connection ("l2tp" alone names one)
in_ns srv ipsec down 'l2tp[*]' >"$MS/down.out" 2>&1
ms_wait 30 ms_all_gone
check "ipsec down 'l2tp[*]': both clients' SAs go, and their elements (reqids, ESP keys) with them" \
	ms_all_gone || { dump "$MS/down.out"; dump "$MS/a.log"; }
stop_daemon

# --- inbound SAs that carry their mark: ESP marked before decryption ------
# The shipped swanctl configuration with mark_in_sa = yes in place of
# set_mark_in (ipsec.conf cannot ask for it), in the same charon once
# ipsec.conf's connection is deleted
in_ns srv /usr/lib/ipsec/stroke delete l2tp >"$MS/delete.out" 2>&1
sed 's/set_mark_in = %same/mark_in_sa = yes/' \
	"$TOP/contrib/strongswan/swanctl-l2tp-set-mark-in.conf" >"$MS/mark-in-sa.conf"
in_ns srv swanctl --load-all --file "$MS/mark-in-sa.conf" >"$MS/load.out" 2>&1
check "swanctl-l2tp-set-mark-in.conf with mark_in_sa = yes for set_mark_in loads into the starter's charon (ipsec.conf's connection deleted)" \
	ms_b_conf || { dump "$MS/delete.out"; dump "$MS/load.out"; }
for c in c1 c2; do
	check "$c: IKEv1 SA with mark_in_sa = yes" ms_up $c ||
		{ dump "$MS/$c.init" 30; dump "$MS/charon.log" 30; }
done
pm=$(ms_pols | awk '{ print $2 }' | sort -u | ms_list)
check "mark_in_sa = yes: each inbound SA carries its client's mark, distinct ($(ms_marks in)), ESP in UDP" \
	ms_b_sas || ms_show

# without --sa-marks: the ESP carries no mark and finds no SA
msw="marked inbound SAs, without --sa-marks"
nos=$(ms_stat XfrmInNoStates)
ms_daemon "$MS/b0.log" --tunnel-marks -d
lns_start msb0
lac_start msb0 c1 c2
# three SCCRQs from each LAC, at least
ms_wait 30 ms_nostates $((nos + 6))
check "$msw: the clients' ESP carries no mark and finds no SA (XfrmInNoStates $nos -> $(ms_stat XfrmInNoStates))" \
	ms_nostates $((nos + 6)) || ms_show
check "$msw: neither inbound SA decrypts a packet" ms_decrypted 0 || ms_show
check "$msw: no SCCRQ reaches the daemon's queue, no tunnel comes up" \
	ms_b_lost || { dump "$MS/b0.log"; xl2tpd_dump msb0; }
xl2tpd_stop
stop_daemon

# with --sa-marks: ESP in UDP marked by peer address, NAT-T port and SPI
msw="marked inbound SAs, --sa-marks --tunnel-marks"
nos=$(ms_stat XfrmInNoStates)
ms_daemon "$MS/b.log" --sa-marks --tunnel-marks -d -d
ms_wait 10 ms_maps_follow
check "$msw: sa_esp4 maps each inbound SA's NAT-T source and SPI to its mark ($(ms_esp_show 203.0.113.1))" \
	ms_b_esp || { dump "$MS/b.log"; ms_show; }
ms_tunnels msb "$MS/b.log" "$msw"
check "$msw: the ESP was marked before decryption: each inbound SA, which only a packet with its mark finds, decrypted packets ($(ms_in | awk '{ print $6 }' | ms_list))" \
	ms_decrypted 2 || ms_show
check "$msw: XfrmInNoStates stays at $nos" ms_nostates "$nos" stays || ms_show
ms_no_keys "$MS/b.log"
check "$msw: the daemon's debug log holds none of the SAs' keys ($(ms_nkeys) keys looked for)" \
	ms_no_keys "$MS/b.log"
xl2tpd_stop
# c1 goes, and its SAs' elements with them; c2's stay
swanctl_in c1 --terminate --ike l2tp >"$MS/c1.down" 2>&1
ms_wait 30 ms_c1_gone
check "c1 disconnects: its SAs go, and their elements (ESP keys, reqid) with them; c2's stay ($(ms_esp_show 203.0.113.1))" \
	ms_c1_gone || { dump "$MS/c1.down"; dump "$MS/b.log"; ms_show; }
stop_daemon
swanctl_in c2 --terminate --ike l2tp >/dev/null 2>&1
in_ns srv ipsec stop >/dev/null 2>&1
ms_wait 20 ms_stopped
check "ipsec stop: no starter, no charon left in srv" ms_stopped
in_ns nat nft delete table ip ms-clear
