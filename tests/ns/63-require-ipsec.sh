#!/bin/sh
# --require-ipsec: L2TP to or from udp/1701 that IPsec did not protect is
# dropped and counted, both ways, by a plain table that stays when the
# daemon stops or dies: an answer whose tunnel has no mark never leaves
# in the clear.  (There is no IPsec here: everything is cleartext.)
. "$(dirname "$0")/../lib.sh"
setup_net
G=l2tp-nfqd-guard
counter() {	# counter NAME: its packets
	in_s nft -j list counter inet $G "$1" 2>/dev/null |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
received() { grep -c '^c802' "$TMP/$1.out"; }
counted() { [ "$(counter cleartext_in)" -eq "$1" ] && [ "$(counter cleartext_out)" -eq "$2" ]; }

start_listener || no "listener starts"
start_daemon --ipsec-check none --tunnel-marks --require-ipsec ||
	no "daemon starts"
check "guard table installed, plain, announced" sh -c \
	"$IN_S nft list table inet $G >/dev/null 2>&1 &&
	 ! $IN_S nft list table inet $G | grep -q 'flags owner' &&
	 grep -q 'stays when the daemon stops' '$TMP/daemon.err'"
start_bg lns $IN_S "$NETTOOL" dump 1701
start_bg client $IN_C "$NETTOOL" dump 1701
wait_until 5 grep -q ready "$TMP/lns.out"
wait_until 5 grep -q ready "$TMP/client.out"

# the SCCRQs have no mark: the daemon drops them; a tunnel's control
# messages are not queued: the guard drops them
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 "plain"
in_c "$NETTOOL" send -s 1701 $S6 1701 sccrq 6 "plain6"
in_c "$NETTOOL" send -s 1701 $S4 1701 hex c802000c000900000000000000
in_c "$NETTOOL" send -s 1701 $S6 1701 hex c802000c000900000000000000
in_s "$NETTOOL" send -s 1701 $C4 1701 hex c802000c000500000000000000
wait_until 5 counted 2 1
check "cleartext L2TP in: dropped before the L2TP daemon's socket" \
	test "$(received lns)" -eq 0
check "cleartext L2TP out: dropped before it leaves" \
	test "$(received client)" -eq 0
check "counted: 2 in (IPv4, IPv6), 1 out" wait_until 5 counted 2 1
in_c "$NETTOOL" send -s 1702 $S4 1702 hex c802000c000500000000000000
sleep 0.3
check "other ports pass" counted 2 1
log=$(counters)
check "SIGUSR1 logs the counts" sh -c \
	"echo '$log' | grep -q 'cleartext L2TP dropped: in 2, out 1 packets'"

for how in TERM KILL; do
	kill -$how "$(pid_of daemon)"
	wait "$(pid_of daemon)" 2>/dev/null
	in_s "$NETTOOL" send -s 1701 $C4 1701 hex c802000c000500000000000000
	in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 7 "after-$how"
	sleep 0.3
	check "$how: the daemon's table is gone, the guard stays and drops" \
		sh -c "! $IN_S nft list table inet l2tp-nfqd >/dev/null 2>&1 &&
		       [ $(received client) -eq 0 ] && [ $(received lns) -eq 0 ]"
	: >"$TMP/daemon.err"
	start_daemon --ipsec-check none --tunnel-marks --require-ipsec ||
		no "$how: daemon starts again"
done
check "a start replaces the guard (counters anew), never removes it" \
	test "$(counter cleartext_in)" -eq 0
stop daemon

# what it installs is what --print-rules and rules/require-ipsec.nft say
in_c nft -f "$TOP/rules/require-ipsec.nft"
check "rules/require-ipsec.nft lists as the installed guard" sh -c \
	"[ \"\$($IN_S nft list table inet $G | sed 's/packets [0-9]* bytes [0-9]*/packets 0 bytes 0/')\" = \
	   \"\$($IN_C nft list table inet $G)\" ]"
check "and has the same expressions" sh -c \
	"[ \"\$($IN_S nft --debug=netlink list table inet $G 2>/dev/null | sed -n '/^table/q;p' | sed 's/^\\(inet [^ ]* [^ ]*\\) .*/\\1/')\" = \
	   \"\$($IN_C nft --debug=netlink list table inet $G 2>/dev/null | sed -n '/^table/q;p' | sed 's/^\\(inet [^ ]* [^ ]*\\) .*/\\1/')\" ]"
in_c nft delete table inet $G
"$DAEMON" --print-rules --require-ipsec | sed -n "/^table inet $G/,\$p" |
	in_c nft -f -
check "--print-rules --require-ipsec prints it" sh -c \
	"[ \"\$($IN_C nft list table inet $G)\" = \"\$($IN_S nft list table inet $G | sed 's/packets [0-9]* bytes [0-9]*/packets 0 bytes 0/')\" ]"
in_s nft delete table inet $G
[ -z "$FAILED" ]
