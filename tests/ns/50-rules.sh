#!/bin/sh
# --manage-rules: the daemon's own owned table, what it matches, how it
# survives a flush and goes with the daemon.
. "$(dirname "$0")/../lib.sh"
setup_net
sim_mark 0x31
start_listener || no "listener starts"
start_daemon --ipsec-check none || no "daemon starts"
T=l2tp-nfqd

# rule_netlink TABLE: its rules' expressions as this nft's --debug=netlink
# lists them, without counter values and the verdict
rule_netlink() {
	in_s nft --debug=netlink list table inet "$1" 2>/dev/null |
		sed 's/\[ counter pkts [0-9]* bytes [0-9]* \]/[ counter ]/' |
		awk '/^  *\[/ { if (held != "") print held; held = $0; next }
		     { held = "" }'
}

# same_rules TABLE1 TABLE2: the same rules, verdicts aside, both in nft's
# JSON and expression by expression
same_rules() {
	[ -n "$(rule_netlink "$1")" ] &&
	[ "$(rule_exprs "$1")" = "$(rule_exprs "$2")" ] &&
	[ "$(rule_netlink "$1")" = "$(rule_netlink "$2")" ]
}

check "table installed, owned" sh -c "$IN_S nft list table inet $T \
	2>/dev/null | grep -q 'flags owner'"
check "chain: filter, input, priority -140, accept" \
	test "$(chain_info $T)" = '["filter","input",-140,"accept"]'
dump=$(in_s "$NFTDUMP" $T)
check "libnftnl dump: queue $QNUM, bypass" sh -c "echo '$dump' |
	grep -q '| queue $QNUM total 1 flags 1'"
check "compat target on this kernel (no nft_queue), logged" \
	grep -q 'xtables NFQUEUE target' "$TMP/daemon.err"
# The expected rule, in nft's syntax, loaded by this machine's nft into a
# scratch table (a regular chain: no hook, no traffic) and compared as this
# nft shows both tables: never one nft version's text.
in_s nft -f - <<'NFT' || no "the expected rule loads"
table inet want {
	chain input {
		udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0 counter accept
	}
}
NFT
check "match: udp dport, L2TP control, Tunnel ID 0, counter" \
	same_rules want $T
in_s nft delete table inet want

# --print-rules describes the same table, queue statement aside
"$DAEMON" --print-rules --ipsec-check none -n $QNUM --table printed |
	sed 's/queue num [0-9]* bypass/accept/' | in_s nft -f - ||
	no "--print-rules output loads"
check "--print-rules matches the installed table" same_rules printed $T
check "--print-rules chain matches" \
	test "$(chain_info printed)" = "$(chain_info $T)"
in_s nft delete table inet printed

in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 "managed"
wait_messages 1
check "SCCRQ queued by the managed rule: message" \
	grep -q 'tunnel 5 mark 0x31 host "managed"' "$TMP/listen.out"
in_c "$NETTOOL" send -s 1701 $S4 1701 data
in_c "$NETTOOL" send -s 1701 $S4 1701 hex c802000c000700000000000000
in_c "$NETTOOL" send -s 1701 $S4 1702 sccrq 6 "other-port"
sleep 0.3
check "data, non-zero Tunnel ID, other port: not queued" \
	test "$(rule_packets $T)" -eq 1

in_s nft flush ruleset
check "nft flush ruleset: table still there" has_table $T
sim_mark 0x31
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 7 "after-flush"
wait_messages 2
check "still queueing after the flush" grep -q 'host "after-flush"' \
	"$TMP/listen.out"

start_bg second $IN_S "$DAEMON" -n $((QNUM + 1))
wait "$(pid_of second)"
check "second daemon, same table: exit 1" test $? -eq 1
check "second daemon says another process owns the table" \
	grep -q 'belongs to another process' "$TMP/second.err"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 8 "first-still-works"
wait_messages 3
check "first daemon keeps working" grep -q 'first-still-works' \
	"$TMP/listen.out"

stop daemon
check "SIGTERM: exit 0" test "$STATUS" -eq 0
check "SIGTERM: table gone" sh -c "! $IN_S nft list table inet $T 2>/dev/null"

: >"$TMP/daemon.err"
start_daemon --ipsec-check none || no "daemon restarts"
kill -KILL "$(pid_of daemon)"
wait "$(pid_of daemon)" 2>/dev/null
check "SIGKILL: table gone with the daemon" \
	wait_until 2 sh -c "! $IN_S nft list table inet $T 2>/dev/null"

# the default: only packets that came through IPsec are queued
: >"$TMP/daemon.err"
start_daemon || no "daemon starts with --ipsec-check secpath"
check "secpath check in the rule" sh -c "$IN_S nft list table inet $T 2>/dev/null |
	grep -q 'meta ipsec exists'"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 9 "no-ipsec"
sleep 0.3
check "SCCRQ without IPsec: not queued" test "$(rule_packets $T)" -eq 0
stop daemon

# a rule from --no-rules days that queues to the same queue
queue_rule
: >"$TMP/daemon.err"
start_daemon --ipsec-check none || no "daemon starts next to a queue rule"
check "warns about another rule queueing to queue $QNUM" \
	grep -q "table mangle chain INPUT .*already queues to queue $QNUM" \
	"$TMP/daemon.err"
stop daemon

# rules/: the printed defaults, and the --no-rules example, load (with the
# queue statement swapped for accept: this kernel has no nft_queue)
check "rules/l2tp-nfqd.nft is what --print-rules prints" \
	sh -c "'$DAEMON' --print-rules | cmp -s - '$TOP/rules/l2tp-nfqd.nft'"
for f in "$TOP"/rules/*.nft; do
	sed 's/queue num [0-9]* bypass/accept/' "$f" |
		in_s nft -f - && ok "rules/$(basename "$f") loads" ||
		no "rules/$(basename "$f") loads"
done
in_s nft flush ruleset
[ -z "$FAILED" ]
