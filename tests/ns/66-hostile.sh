#!/bin/sh
# Hostile clients behind one NAT (--tunnel-marks): every client has the
# same address and udp/1701, only its SA (its mark) differs, and any of
# them may try to take a neighbour's tunnel.  Whatever one client sends,
# no answer for it may leave with another client's mark, no packet of it
# may reach the L2TP daemon's socket under a neighbour's tunnel ID, and
# well-behaved neighbours keep being served.  Full maps and quotas, every
# parser trick, SCCRQs of up to 60,000 bytes, IPv6 fragments,
# floods of IDs and of retransmissions, a restart, cleartext, conntrack
# marks, StopCCN tricks.
. "$(dirname "$0")/../lib.sh"
setup_net

# The stand-in SAs: the client's DSCP d (nettool send -T, TOS d << 2)
# gives mark 0x100 + d, whatever the payload; DSCP 0: no mark.
D_MAX=24
rules=$(d=1; while [ $d -le $D_MAX ]; do
	printf 'ip dscp %d meta mark set 0x%x\n' $d $((256 + d))
	printf 'ip6 dscp %d meta mark set 0x%x\n' $d $((256 + d))
	d=$((d + 1))
done)
sim_rules <<NFT
$rules
NFT
# what leaves the server's udp/1701, counted by mark
post=$(d=1; while [ $d -le $D_MAX ]; do
	printf 'udp sport 1701 meta mark 0x%x counter\n' $((256 + d))
	d=$((d + 1))
done)
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 1701 meta mark 0 counter
		$post
	}
}
NFT

# sa D ARGS...: nettool send from the client's udp/1701 through "SA" D
sa() {
	sa_tos=$(($1 << 2))
	shift
	in_c "$NETTOOL" send -T $sa_tos -s 1701 "$@"
}
sum_of() { sed -n 's/.* sum \([0-9a-f]*\)$/\1/p'; }	# of a summary line
lines() { grep -c "host $1 " "$TMP/${2:-lns}.out"; }	# lines HOST [DUMP]
# tid_of HOST [K [DUMP]]: the tunnel ID the L2TP daemon got in HOST's
# Kth SCCRQ
tid_of() {
	grep "host $1 " "$TMP/${3:-lns}.out" | sed -n "${2:-1}p" |
		sed -n 's/.* tid \([0-9]*\) .*/\1/p'
}

# L2TP control messages in hex: avp TYPE VALUE [VENDOR [FLAGS]] (M set
# by default), msg LENGTH TUNNEL AVP... (LENGTH -: its own), and an SCCRQ:
# sccrq_hex HOST AVP... (Message Type, Protocol Version, Host Name, AVPs)
avp() {
	printf '%04x%04x%04x%s' $((${4:-32768} | (6 + ${#2} / 2))) \
		"${3:-0}" "$1" "$2"
}
msg() {
	l=$1 t=$2
	shift 2
	body=$(printf '%s' "$@")
	[ "$l" = - ] && l=$((12 + ${#body} / 2))
	printf 'c802%04x%04x000000000000%s' "$l" "$t" "$body"
}
sccrq_hex() {
	h=$1
	shift
	msg - 0 "$(avp 0 0001)" "$(avp 2 0100)" "$(avp 7 "$(hexstr "$h")")" "$@"
}
stopccn_hex() {	# stopccn_hex TUNNEL AVP...: Message Type StopCCN, AVPs
	t=$1
	shift
	msg - "$t" "$(avp 0 0004)" "$(avp 1 0001)" "$@"
}

# counts: "MARK PACKETS" of each rule of the post chain, in order
counts() {
	in_s nft -j list chain inet marks post 2>/dev/null | jq -r '.nftables[] |
		select(.rule) | .rule.expr |
		"\(.[1].match.right) \(.[2].counter.packets)"'
}
counts_are() { [ "$(counts)" = "$1" ]; }
# answered DST "TID:D ...": the L2TP daemon answers each tunnel (by the
# ID it knows, decimal) once; each answer must leave with mark 0x100 + D
# (D 0: no mark), and nothing else may leave with any mark
answered() {
	exp=$(counts | awk -v add="$2" 'BEGIN { n = split(add, a, " ")
		for (i = 1; i <= n; i++) { split(a[i], p, ":")
			inc[p[2] ? 256 + p[2] : 0]++ } }
		{ print $1, $2 + inc[$1] }')
	for p in $2; do
		in_s "$NETTOOL" send -s 1701 "$1" 1701 hex \
			"c802000c$(printf %04x "${p%%:*}")00000000000000"
	done
	wait_until 3 counts_are "$exp" && return 0
	echo "expected (mark packets):" $exp
	echo "got:" $(counts)
	return 1
}
# bound_within D DST TID HOST [DUMP]: the client sends its SCCRQ and, as
# a real one does, retransmits once a second, at most 3 times, until it
# reaches the L2TP daemon; TRIES says how many it took
bound_within() {
	TRIES=0
	while [ $TRIES -lt 3 ]; do
		TRIES=$((TRIES + 1))
		sa "$1" $2 1701 sccrq "$3" "$4"
		wait_until 1 grep -q "host $4 " "$TMP/${5:-lns}.out" && return 0
	done
	return 1
}
# last NAME: the number after NAME in the daemon's last line that has it
last() {
	grep -o "$1 [0-9][0-9]*" "$TMP/daemon.err" | tail -n1 | sed 's/.* //'
}
# rule_count PATTERN: packets counted by the rule of the daemon's input
# chain that matches PATTERN
rule_count() {
	in_s nft list chain inet l2tp-nfqd input 2>/dev/null | grep -- "$1" |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n1
}
RATE_RULE=sccrq_rate
frag_drops() { rule_count 'exthdr frag exists'; }
QUEUE_RULE='@th,96,16 0x0 .*queue'
# stats [PID]: SIGUSR1, and wait until the counters are in daemon.err
# (for a PID of the stand-in service manager's: a copy of its log)
stats() {
	st_log=$TMP/daemon.err
	[ -n "$1" ] && st_log=$TMP/sup.err
	st_n=$(grep -c 'tunnels: ' "$st_log")
	kill -USR1 "${1:-$(pid_of daemon)}" 2>/dev/null || return 1
	wait_until 5 sh -c "[ \$(grep -c 'tunnels: ' '$st_log') -gt $st_n ]"
	sleep 0.05
	[ "$st_log" = "$TMP/daemon.err" ] || cp "$st_log" "$TMP/daemon.err"
}
no_sanitizer_report() { ! grep -q 'Sanitizer\|runtime error' "$@"; }
# there GROUP: the daemon still runs; if not, say so and end the group
# (its other checks could only wait and fail)
there() {
	alive daemon && return 0
	no "$1: the daemon is still running"
	tail -n 5 "$TMP/daemon.err"
	return 1
}
next_daemon() {	# keep the last daemon's log, start afresh
	cat "$TMP/daemon.err" >>"$TMP/all.err"
	: >"$TMP/daemon.err"
}

start_listener || no "listener starts"
# the L2TP daemon's sockets (what gets through), and the client's
start_bg lns $IN_S "$NETTOOL" dump -a 1701
start_bg lns6 $IN_S "$NETTOOL" dump -6 -a 1701
start_bg client $IN_C "$NETTOOL" dump -a 1701
wait_until 5 grep -q ready "$TMP/lns.out"
wait_until 5 grep -q ready "$TMP/lns6.out"
wait_until 5 grep -q ready "$TMP/client.out"
in_c "$NETTOOL" send -s 1701 $S4 1702 hex 00	# neighbour discovery
in_c "$NETTOOL" send -s 1701 $S6 1702 hex 00

# --- A full map (--tunnel-marks-max 2) -------------------------------
start_daemon --ipsec-check none --tunnel-marks --tunnel-marks-max 2 \
	--format 2 || no "A: daemon starts"
bound_within 1 $S4 1 a-nb1 && bound_within 2 $S4 2 a-nb2
check "A: two neighbours bound" test "$(lines a-nb1)$(lines a-nb2)" = 11
s1=$(sa 3 -p $S4 1701 sccrq 3 a-h3 | sum_of)
s2=$(sa 3 -p $S4 1701 sccrq 1 a-h3b | sum_of)
# a retransmission of a bound tunnel needs no new element
sa 1 $S4 1701 sccrq 1 a-nb1
wait_until 3 sh -c "[ \$(grep -c 'host a-nb1 ' '$TMP/lns.out') -eq 2 ]"
check "A: a neighbour's retransmission passes a full map" \
	test "$(lines a-nb1)" -eq 2
check "A: a third client's SCCRQs (a new ID, a neighbour's ID) dropped" \
	sh -c "! grep -q ' sum \\($s1\\|$s2\\)\$' '$TMP/lns.out'"
check "A: answers leave with their tunnels' marks, none for the third" \
	answered $C4 "1:1 2:2 3:0"
stats
check "A: counted: map full 2, logged with its hint" sh -c \
	"[ '$(last ', map full')' = 2 ] &&
	 grep -q 'tunnel 3 mark 0x103 dropped: map full (raise --tunnel-marks-max)' \
		'$TMP/daemon.err'"
stop daemon
check "A: daemon exits 0" test "$STATUS" -eq 0
next_daemon

# --- B: one daemon for quotas, parser tricks, long SCCRQs, IPv6 -------
start_daemon --ipsec-check none --tunnel-marks --tunnels-per-mark 3 \
	--format 2 || no "B: daemon starts"
group_b() {
	bound_within 1 $S4 1 nb1
	bound_within 2 $S4 2 nb2
	check "B: neighbours 1 and 2 bound, with their own IDs" \
		test "$(tid_of nb1):$(tid_of nb2)" = 1:2

	there B || return
	# quota: a hostile SA opens 10 tunnels, gets 3
	sa 4 -n 10 $S4 1701 sccrq 101 hq4
	bound_within 5 $S4 5 nb5
	check "B quota: a neighbour still gets its tunnel (try $TRIES of 3)" \
		test "$(lines nb5)" -eq 1
	stats
	check "B quota: counted: quota 7, the hint logged" sh -c \
		"[ '$(last quota)' = 7 ] &&
		 grep -q 'mark 0x104 dropped: quota (its SA has --tunnels-per-mark tunnels)' '$TMP/daemon.err'"
	check "B quota: the hostile SA got 3 tunnels, 101 to 103" test \
		"$(grep 'host hq4 ' "$TMP/lns.out" | sed 's/.* tid \([0-9]*\) .*/\1/' | tr '\n' ' ')" = \
		"101 102 103 "
	sa 4 $S4 1701 sccrq 101 hq4
	check "B quota: its retransmission of an existing tunnel passes" \
		wait_until 3 sh -c "[ \$(grep -c 'host hq4 ' '$TMP/lns.out') -eq 4 ]"
	sa 4 $S4 1701 sccrq 111 hq4
	stats
	check "B quota: one more new ID after it: quota 8" test "$(last quota)" = 8
	check "B quota: answers: hostile's tunnels its mark, refused ones none" \
		answered $C4 "101:4 103:4 104:0 110:0 5:5 1:1 2:2"

	there B || return
	# every parser trick, from hostile SA 6, each naming neighbour 1's
	# tunnel 1 in one reading or another
	n_inv=$(last invalid)
	tricks="
	t-dup9 $(sccrq_hex t-dup9 "$(avp 9 0007)" "$(avp 9 0001)")
	t-v311 $(sccrq_hex t-v311 "$(avp 9 000b)" "$(avp 9 0001 311)")
	t-only311 $(sccrq_hex t-only311 "$(avp 9 0001 311)")
	t-hidden $(sccrq_hex t-hidden "$(avp 9 0001 0 $((0x8000 | 0x4000)))")
	t-len9 $(sccrq_hex t-len9 "$(avp 9 000001)")
	t-len10 $(sccrq_hex t-len10 "$(avp 9 00000001)")
	t-host2 $(sccrq_hex t-host2 "$(avp 7 "$(hexstr nb1)")" "$(avp 9 0001)")
	t-zero $(sccrq_hex t-zero 800000000009 "$(avp 9 0001)")
	t-past $(sccrq_hex t-past "$(avp 9 0001)" 8014000000630000)
	t-hidhost $(msg - 0 "$(avp 0 0001)" "$(avp 2 0100)" "$(avp 7 "$(hexstr t-hidhost)" 0 $((0x8000 | 0x4000)))" "$(avp 9 0001)")
	t-length $(msg 200 0 "$(avp 0 0001)" "$(avp 2 0100)" "$(avp 7 "$(hexstr t-length)")" "$(avp 9 0001)")
	"
	echo "$tricks" | while read -r name hex; do
		[ -n "$name" ] || continue
		echo "$name $(sa 6 -p $S4 1701 hex "$hex" | sum_of)"
	done >"$TMP/tricks"
	# then a valid SCCRQ with neighbour 1's ID: translated; once it is
	# through, every trick before it has had its verdict
	sa 6 $S4 1701 sccrq 1 t-valid
	wait_until 3 grep -q 'host t-valid ' "$TMP/lns.out"
	sleep 0.2
	while read -r name s; do
		check "B trick $name: never reaches the L2TP daemon" \
			sh -c "[ -n '$s' ] && ! grep -q ' sum $s\$' '$TMP/lns.out'"
	done <"$TMP/tricks"
	tv=$(tid_of t-valid)
	check "B trick: a valid SCCRQ with a neighbour's ID is translated (to $tv)" \
		test "${tv:-0}" -ge 32768
	stats
	check "B tricks: each dropped as invalid (11), by reason" sh -c \
		"[ '$(last invalid)' -eq $((n_inv + 11)) ] &&
		 grep 'rejected:' '$TMP/daemon.err' | tail -n1 | grep -q \
		 'bad L2TP length 1, bad AVP length 4, hidden AVP 2, duplicate or vendor Assigned Tunnel ID or Host Name 4'" ||
		grep 'rejected:\|dropped:' "$TMP/daemon.err" | tail -n2
	check "B tricks: a drop is logged with its reason" \
		grep -q 'L2TP from 192.0.2.1 port 1701 dropped: invalid: duplicate or vendor' \
		"$TMP/daemon.err"
	# a hostile SA that claims the ID the L2TP daemon knows t-valid's tunnel
	# by, or a neighbour's ID from another port: translated as well
	sa 3 $S4 1701 sccrq "${tv:-1}" t-claim
	in_c "$NETTOOL" send -T 12 -s 1702 $S4 1701 sccrq 1 t-port
	wait_until 3 grep -q 'host t-claim ' "$TMP/lns.out"
	wait_until 3 grep -q 'host t-port ' "$TMP/lns.out"
	tc=$(tid_of t-claim) tp=$(tid_of t-port)
	check "B trick: a translated ID claimed by another SA is translated ($tc)" \
		sh -c "[ '${tc:-0}' -ge 32768 ] && [ '$tc' != '$tv' ]"
	check "B trick: a neighbour's ID from another source port is translated ($tp)" \
		sh -c "[ '${tp:-0}' -ge 32768 ] && [ '$tp' != '$tv' ] && [ '$tp' != '$tc' ]"
	got() { grep -c "^len 13 tunnel $1 " "$TMP/client.out"; }	# got TID
	c1=$(got 1) cv=$(got "$tv")
	check "B tricks: neighbour 1's answers keep its mark, t-valid's its own" \
		answered $C4 "1:1 $tv:6 ${tc:-1}:3 ${tp:-1}:3"
	check "B tricks: and reach the clients with their own IDs back (1, 1, $tv, 1)" \
		wait_until 3 sh -c "[ \$(grep -c '^len 13 tunnel 1 ' '$TMP/client.out') -eq $((c1 + 3)) ] &&
			[ \$(grep -c '^len 13 tunnel $tv ' '$TMP/client.out') -eq $((cv + 1)) ]"

	there B || return
	# long first SCCRQs, colliding with neighbour 1's tunnel: translated,
	# whole, with a valid UDP checksum (the kernel drops a bad one)
	# same_but_tid SENT GOT TID: GOT is SENT with its Assigned Tunnel ID TID
	same_but_tid() {
		[ -n "$1" ] && [ "${3:-0}" -ge 32768 ] &&
		[ "$(echo "$1" | sed "s/ tid [0-9]* / tid $3 /")" = "$2" ] && return 0
		echo "sent: $1"
		echo "got:  $2"
		return 1
	}
	nth() { grep "host $1 " "$TMP/lns.out" | sed -n "$2p"; }	# nth HOST K
	for d_pad in 7:3000 8:60000; do
		d=${d_pad%:*} pad=${d_pad#*:}
		sent=$(sa $d -p -P $pad $S4 1701 sccrq 1 long$d)
		wait_until 5 grep -q "host long$d " "$TMP/lns.out"
		tl=$(tid_of long$d)
		check "B long ($pad bytes of AVPs): whole, rewritten to $tl, checksum valid" \
			same_but_tid "$sent" "$(nth long$d 1)" "$tl"
		sa $d -P $pad $S4 1701 sccrq 1 long$d
		wait_until 5 sh -c "[ \$(grep -c 'host long$d ' '$TMP/lns.out') -ge 2 ]"
		check "B long ($pad): its retransmission gets the same ID" \
			same_but_tid "$sent" "$(nth long$d 2)" "$tl"
	done
	# IP options before UDP, 5,000 bytes: fragmented on the way
	sent=$(sa 23 -p -O -P 5000 $S4 1701 sccrq 1 long23)
	wait_until 5 grep -q 'host long23 ' "$TMP/lns.out"
	t23=$(tid_of long23)
	check "B long: with IP options (5,000 bytes): whole, rewritten to $t23" \
		same_but_tid "$sent" "$(nth long23 1)" "$t23"
	t7=$(tid_of long7) t8=$(tid_of long8)
	# a translated tunnel's SCCRQ, then a 60,000-byte retransmission of it
	sa 9 $S4 1701 sccrq 2 long9
	wait_until 3 grep -q 'host long9 ' "$TMP/lns.out"
	t9=$(tid_of long9)
	sent=$(sa 9 -p -P 60000 $S4 1701 sccrq 2 long9)
	wait_until 5 sh -c "[ \$(grep -c 'host long9 ' '$TMP/lns.out') -ge 2 ]"
	check "B long: a 60,000-byte retransmission of a translated tunnel: same ID" \
		same_but_tid "$sent" "$(nth long9 2)" "$t9"
	check "B long: the daemon is still there" alive daemon
	check "B long: answers keep their marks" \
		answered $C4 "$t7:7 $t8:8 $t9:9 ${t23:-1}:23 1:1 2:2"

	there B || return
	# IPv6: two neighbours with one ID, then a hostile SA's atomic fragment
	bound_within 10 $S6 5 nb6a lns6
	bound_within 11 $S6 5 nb6b lns6
	t6=$(tid_of nb6b 1 lns6)
	check "B IPv6: neighbours bound, the second translated ($(tid_of nb6a 1 lns6), $t6)" \
		sh -c "[ '$(tid_of nb6a 1 lns6)' = 5 ] && [ '${t6:-0}' -ge 32768 ]"
	# with a destination options header before UDP
	bound_within 21 "-D $S6" 5 nb6c lns6
	t6c=$(tid_of nb6c 1 lns6)
	check "B IPv6: with an extension header: translated too ($t6c)" \
		sh -c "[ '${t6c:-0}' -ge 32768 ] && [ '$t6c' != '$t6' ]"
	check "B IPv6: answers keep their marks" \
		answered $C6 "5:10 ${t6:-1}:11 ${t6c:-1}:21"
	there B || return
	# IPv6 fragments of an SCCRQ with nb6a's ID, from hostile SA 12: an
	# atomic fragment; two fragments, the first with the UDP header and the
	# L2TP header's first 8 bytes (16); two, the first with the UDP header
	# alone (8).  Without conntrack the kernel reassembles IPv6 after the
	# input hook: the daemon's rules see each fragment, and drop them.
	n_inv=$(last invalid)
	n_frag=$(frag_drops)
	sf0=$(sa 12 -p -F 0 $S6 1701 sccrq 5 hf6a | sum_of)
	sf16=$(sa 12 -p -F 16 $S6 1701 sccrq 5 hf6b | sum_of)
	sf8=$(sa 12 -p -F 8 $S6 1701 sccrq 5 hf6c | sum_of)
	sa 12 $S6 1701 sccrq 77 probe6
	wait_until 3 grep -q 'host probe6 ' "$TMP/lns6.out"
	check "B IPv6: an atomic fragment does not reach the L2TP daemon" \
		sh -c "! grep -q ' sum $sf0\$' '$TMP/lns6.out'"
	check "B IPv6: nor two fragments, the first with 8 bytes of L2TP" \
		sh -c "! grep -q ' sum $sf16\$' '$TMP/lns6.out'"
	check "B IPv6: nor two fragments, the first with the UDP header alone" \
		sh -c "! grep -q ' sum $sf8\$' '$TMP/lns6.out'" ||
		grep 'host hf6c ' "$TMP/lns6.out"
	stats
	check "B IPv6: dropped and counted by the fragment rule (3)" sh -c \
		"[ '$(frag_drops)' -eq $((n_frag + 3)) ] && [ '$(last invalid)' -eq $n_inv ]"

	there B || return
	# StopCCN tricks, from the translated client 9 (its own ID 2, which the
	# L2TP daemon knows as $t9): two Assigned Tunnel IDs, a vendor's type 9;
	# a valid one, for comparison, is rewritten
	n_inv=$(last invalid)
	s1=$(sa 9 -p $S4 1701 hex "$(stopccn_hex 2562 "$(avp 9 0002)" "$(avp 9 0001)")" | sum_of)
	s2=$(sa 9 -p $S4 1701 hex "$(stopccn_hex 2562 "$(avp 9 0002)" "$(avp 9 0001 311)")" | sum_of)
	s3=$(sa 9 -p $S4 1701 hex "$(stopccn_hex 2562 "$(avp 9 0002)")" | sum_of)
	check "B StopCCN: a valid one passes, rewritten to $t9" \
		wait_until 3 grep -q "tid $t9 at 34 sum $s3\$" "$TMP/lns.out"
	check "B StopCCN: two Assigned Tunnel IDs, a vendor's type 9: dropped" sh -c \
		"! grep -q ' sum \\($s1\\|$s2\\)\$' '$TMP/lns.out'"
	stats
	check "B StopCCN: counted invalid 2" test "$(last invalid)" -eq $((n_inv + 2))

	there B || return
	# marks only from the packet: a conntrack mark (shared by every client
	# behind the NAT) binds nothing
	in_s nft add rule inet marks pre ip dscp 40 ct mark set 0x77
	in_s nft add rule inet marks pre ip6 dscp 40 ct mark set 0x77
	n_nm=$(last 'no packet mark')
	sc=$(sa 40 -p $S4 1701 sccrq 40 ct40 | sum_of)
	sa 40 $S4 1701 sccrq 40 ct40
	wait_until 3 sh -c "[ \$(grep -c 'tunnel 40 has no mark' '$TMP/daemon.err') -ge 2 ]"
	stats
	check "B ct mark: counted: no packet mark 2" \
		test "$(last 'no packet mark')" -eq $((n_nm + 2))
	check "B ct mark: the SCCRQ does not reach the L2TP daemon" \
		sh -c "! grep -q ' sum $sc\$' '$TMP/lns.out'"
	# with conntrack in the namespace the kernel gathers IPv6 fragments
	# before the input hook: fragments are then a plain datagram, which may
	# be bound, but never under neighbour nb6a's ID
	sa 22 -F 0 $S6 1701 sccrq 5 hf6d
	sa 22 -F 8 $S6 1701 sccrq 5 hf6e
	sa 22 $S6 1701 sccrq 78 probe6b
	wait_until 3 grep -q 'host probe6b ' "$TMP/lns6.out"
	check "B IPv6 with conntrack: fragments never have tunnel 5" \
		sh -c "! grep -q 'host hf6[de] tid 5 ' '$TMP/lns6.out'"
	check "B IPv6 with conntrack: answers keep their marks" \
		answered $C6 "5:10 ${t6:-1}:11"
}
group_b
stop daemon
check "B: daemon exits 0" test "$STATUS" -eq 0
next_daemon

# --- C: floods and a restart (defaults: 64 tunnels per mark, 20 SCCRQs
# a second per mark), the daemon under a stand-in service manager -----
in_s nft delete table inet marks 2>/dev/null
sim_rules <<NFT
$rules
NFT
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 1701 meta mark 0 counter
		$post
	}
}
NFT
start_bg sup $IN_S "$NETTOOL" supervise -r 1000 "$TMP/notify.sock" \
	"$DAEMON" -n $QNUM -o "$SOCK" --format 2 --ipsec-check none \
	--tunnel-marks --fdstore -d
check "C: daemon ready under the stand-in service manager" \
	wait_until 10 grep -q '^ready' "$TMP/sup.out"
daemon_pid() { sed -n 's/^started //p' "$TMP/sup.out" | tail -n1; }
check "C: neighbour 13 bound" bound_within 13 $S4 1 nb13

# a flood of IDs from SA 14: 2,000 new tunnels at 1,000 a second
r0=$(rule_count $RATE_RULE)
sa 14 -n 2000 -r 1000 $S4 1701 sccrq 1000 fl14 &
fpid=$!
sleep 0.5
bound_within 15 $S4 7 nb15
check "C flood of IDs: a neighbour is bound meanwhile (try $TRIES of 3)" \
	test $? -eq 0
wait $fpid
sleep 0.3
n14=$(grep 'host fl14 ' "$TMP/lns.out" | sed 's/.* tid \([0-9]*\) .*/\1/' |
	sort -u | grep -c .)
stats "$(daemon_pid)"
check "C flood of IDs: the hostile SA got at most 64 tunnels ($n14)" \
	sh -c "[ $n14 -ge 1 ] && [ $n14 -le 64 ]"
check "C flood of IDs: the rest were refused: quota counted, SCCRQs rate-limited ($(last quota), $(($(rule_count $RATE_RULE) - r0)))" \
	sh -c "[ '$(last quota)' -ge 1 ] &&
	       [ $(($(rule_count $RATE_RULE) - r0)) -ge 1500 ]"

# a line-rate flood of one SCCRQ (a bound tunnel's retransmissions) from
# SA 16 for 3 s
r0=$(rule_count $RATE_RULE)
timeout 3 $IN_C "$NETTOOL" send -T 64 -s 1701 -n 1000000000 $S4 1701 hex \
	"$(sccrq_hex fl16 "$(avp 9 0003)")" &
fpid=$!
sleep 0.5
# (its ID is neighbour 13's: translated)
bound_within 17 $S4 1 nb17
check "C line-rate flood: a neighbour is bound meanwhile (try $TRIES of 3)" \
	test $? -eq 0
t17=$(tid_of nb17)
wait $fpid
sleep 0.3
r1=$(rule_count $RATE_RULE)
n16=$(lines fl16)
check "C line-rate flood: the kernel drops it ($((r1 - r0)) rate-limited), $n16 reach the L2TP daemon" \
	sh -c "[ $((r1 - r0)) -ge 5000 ] && [ $n16 -ge 1 ] && [ $n16 -le 150 ]"
check "C line-rate flood: all of them tunnel 3" \
	test "$(grep 'host fl16 ' "$TMP/lns.out" | grep -vc ' tid 3 ')" -eq 0

# a line-rate flood of StopCCNs from SA 16 for 3 s: no rate limit in the
# kernel, each one queued, refused (no Assigned Tunnel ID) by a verdict
# of its own
qdrops() {	# packets the kernel dropped at the queue: full, or unsent
	in_s cat /proc/net/netfilter/nfnetlink_queue |
		awk -v q=$QNUM '$1 == q { print $6 + $7 }'
}
n_inv=$(last invalid) k0=$(qdrops)
timeout 3 $IN_C "$NETTOOL" send -T 64 -s 1701 -n 1000000000 $S4 1701 hex \
	"$(stopccn_hex 2562)" &
fpid=$!
sleep 0.5
bound_within 21 $S4 13 nb21
check "C StopCCN flood: a neighbour is bound meanwhile (try $TRIES of 3)" \
	test $? -eq 0
wait $fpid
stats "$(daemon_pid)"
check "C StopCCN flood: the daemon refused them ($(($(last invalid) - n_inv)); the kernel dropped $(($(qdrops) - k0)) at the queue)" \
	test $(($(last invalid) - n_inv)) -ge 1000
check "C floods: every tunnel's answers keep their marks" \
	answered $C4 "1:13 7:15 ${t17:-1}:17 3:16 1000:14 13:21"

# a restart that keeps the table: while the daemon is away SCCRQs are
# dropped by the kernel (no bypass), bound tunnels keep their marks
n=$(grep -c '^exited' "$TMP/sup.out")
kill -KILL "$(daemon_pid)"
wait_until 5 sh -c "[ \$(grep -c '^exited' '$TMP/sup.out') -gt $n ]"
q0=$(rule_count "$QUEUE_RULE") n13=$(lines nb13)
g1=$(sa 18 -p $S4 1701 sccrq 11 nb18 | sum_of)
g2=$(sa 13 -p $S4 1701 sccrq 1 nb13 | sum_of)
sleep 0.3
check "C restart: during the gap (daemon not started yet)" \
	test "$(grep -c '^started' "$TMP/sup.out")" -eq 1
check "C restart: SCCRQs are queued to nobody and dropped, none passes" \
	sh -c "[ $(($(rule_count "$QUEUE_RULE") - q0)) -eq 2 ] &&
	       [ $(grep -c " sum $g1\$" "$TMP/lns.out") -eq 0 ] &&
	       [ $(grep -c " sum $g2\$" "$TMP/lns.out") -eq $n13 ]"
check "C restart: meanwhile the bound tunnels' answers keep their marks" \
	answered $C4 "1:13 7:15 ${t17:-1}:17"
wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -ge 2 ]"
check "C restart: the new daemon adopted the table" \
	grep -q 'adopting table inet l2tp-nfqd' "$TMP/sup.err"
bound_within 18 $S4 11 nb18
check "C restart: the neighbour's retransmission is bound (try $TRIES of 3)" \
	test $? -eq 0
sa 17 $S4 1701 sccrq 1 nb17
check "C restart: a translated tunnel's retransmission keeps its ID" \
	wait_until 3 sh -c "grep 'host nb17 ' '$TMP/lns.out' | sed -n 2p |
		grep -q ' tid ${t17:-1} '"
check "C restart: old tunnels and the new one keep their marks" \
	answered $C4 "1:13 7:15 ${t17:-1}:17 11:18"
# the new daemon counts the flooder's tunnels from the kept maps
sa 14 $S4 1701 sccrq 5000 fl14
stats "$(daemon_pid)"
check "C restart: the flooder's quota is still full: a new ID is refused" \
	sh -c "[ '$(last quota)' = 1 ] && ! grep -q 'host fl14 tid 5000 ' '$TMP/lns.out'"
kill -TERM "$(pid_of sup)"
wait "$(pid_of sup)"
check "C: the daemon exited twice: killed (137), stopped (0)" test \
	"$(sed -n 's/^exited //p' "$TMP/sup.out" | tr '\n' ' ')" = "137 0 "
cat "$TMP/sup.err" >>"$TMP/all.err"
# stats copied the supervised daemon's log into daemon.err: start afresh,
# or start_daemon would find that log's lines and not wait for the rules
: >"$TMP/daemon.err"

# --- E: cleartext: the default IPsec check drops every SCCRQ here ----
start_daemon --tunnel-marks --format 2 || no "E: daemon starts"
e1=$(sa 19 -p $S4 1701 sccrq 1 e19 | sum_of)
e2=$(sa 20 -p $S6 1701 sccrq 1 e20 | sum_of)
sleep 0.3
check "E cleartext: no SCCRQ reaches the L2TP daemon" sh -c \
	"! grep -q ' sum $e1\$' '$TMP/lns.out' && ! grep -q ' sum $e2\$' '$TMP/lns6.out'"
check "E cleartext: counted by the rule 'meta ipsec missing' (2)" \
	test "$(rule_count 'ipsec missing')" -eq 2
stats
check "E cleartext: the daemon never saw them" \
	grep -q "queue $QNUM: queued 0," "$TMP/daemon.err"
stop daemon
check "E: daemon exits 0" test "$STATUS" -eq 0
next_daemon

check "no sanitizer report in any daemon's log" no_sanitizer_report \
	"$TMP/all.err"

# Injection into a neighbour's tunnel under the L2TP daemon's own ID
# (learnt from its SCCRP): tests/ns/67-inbound.sh.
[ -z "$FAILED" ]
