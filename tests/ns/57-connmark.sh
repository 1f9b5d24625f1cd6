#!/bin/sh
# --connmark with simulated SA marks: an inbound packet's mark is saved in
# its conntrack entry, and a reply from a socket without SO_MARK leaves
# with it.  The same exchange without --connmark is the control.
. "$(dirname "$0")/../lib.sh"
setup_net
sim_rules <<NFT
udp dport 5000 meta mark set 0x1234
NFT
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 5000 meta mark 0x1234 counter
		udp sport 5000 meta mark 0x1200 counter
		udp sport 5000 meta mark 0 counter
	}
}
NFT
post_count() {	# post_count MARK: packets seen leaving with MARK
	in_s nft -j list chain inet marks post 2>/dev/null | jq "[.nftables[] |
		select(.rule) | .rule.expr | select(.[1].match.right == $1) |
		.[2].counter.packets] | add"
}
exchange() {	# one datagram from client port $1 and its echo
	start_bg echo $IN_S "$NETTOOL" echo 5000 1
	wait_until 5 grep -q ready "$TMP/echo.out"
	in_c "$NETTOOL" send -s "$1" -w 3000 $S4 5000 hex 68656c6c6f \
		>"$TMP/reply.out"
	wait "$(pid_of echo)"
}

# control: without --connmark the reply leaves unmarked
start_daemon --ipsec-check none || no "daemon starts"
exchange 40001
check "control, no --connmark: the reply leaves without a mark" \
	test "$(post_count 0)" -eq 1
stop daemon
in_s conntrack -F >/dev/null 2>&1

: >"$TMP/daemon.err"
start_daemon --ipsec-check none --connmark || no "daemon starts"
check "--connmark: output chain installed" sh -c \
	"$IN_S nft list chain inet l2tp-nfqd output >/dev/null 2>&1"
exchange 40002
check "the echo came back" grep -q hello "$TMP/reply.out"
check "inbound mark saved in the conntrack entry" sh -c \
	"$IN_S conntrack -L -p udp --dport 5000 --sport 40002 2>/dev/null |
	grep -q 'mark=4660'"
check "reply from a socket without SO_MARK leaves with the mark" \
	test "$(post_count 4660)" -eq 1
stop daemon
in_s conntrack -F >/dev/null 2>&1

# the mask applies to both directions
: >"$TMP/daemon.err"
start_daemon --ipsec-check none --connmark --mark-mask 0xff00 ||
	no "daemon starts"
exchange 40003
check "--mark-mask: conntrack mark masked" sh -c \
	"$IN_S conntrack -L -p udp --dport 5000 --sport 40003 2>/dev/null |
	grep -q 'mark=4608'"
check "--mark-mask: reply mark masked" test "$(post_count 4608)" -eq 1
stop daemon

out=$("$DAEMON" --print-rules --connmark)
check "--print-rules shows the save rule" sh -c "echo '$out' |
	grep -q 'meta ipsec exists meta mark != 0 ct mark set meta mark'"
check "--print-rules shows the restore chain" sh -c "echo '$out' |
	grep -q 'meta mark 0 ct mark != 0 meta mark set ct mark'"
check "--print-rules --connmark loads (queue swapped for accept)" sh -c \
	"echo '$out' | sed 's/queue num [0-9]* bypass/accept/' |
	$IN_S nft -f - && $IN_S nft delete table inet l2tp-nfqd"
check "--connmark --no-rules: exit 2" sh -c \
	"'$DAEMON' --connmark --no-rules >/dev/null 2>&1; [ \$? -eq 2 ]"
[ -z "$FAILED" ]
