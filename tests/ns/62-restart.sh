#!/bin/sh
# State that survives a restart (--fdstore): the service manager keeps
# the table's socket, so the table and its tunnels outlive the daemon
# while it restarts (TERM or KILL), the next daemon adopts them, and a
# stop (the service manager closing its store) removes them.  The stand-in
# for systemd is nettool supervise: its side of sd_notify's FDSTORE and
# LISTEN_FDS, nothing else.  A plain table left by a killed daemon (no
# owned tables) is adopted as well, not wiped.
. "$(dirname "$0")/../lib.sh"
setup_net
sim_rules <<NFT
udp dport 1701 @th,376,8 0x31 meta mark set 0x101
udp dport 1701 @th,376,8 0x32 meta mark set 0x102
NFT
in_s nft -f - <<NFT
table inet marks {
	chain post {
		type filter hook postrouting priority 0;
		udp sport 1701 meta mark 0x101 counter
		udp sport 1701 meta mark 0x102 counter
	}
}
NFT
left() {
	in_s nft -j list chain inet marks post 2>/dev/null | jq "[.nftables[] |
		select(.rule) | .rule.expr | select(.[1].match.right == $1) |
		.[2].counter.packets] | add"
}
map() { in_s nft list map inet l2tp-nfqd "$1" 2>/dev/null; }
has() { map "$1" | grep -q "$2"; }	# has MAP TEXT
hasnt() { ! has "$@"; }
counts() { [ "$(left 257)" -eq "$1" ] && [ "$(left 258)" -eq "$2" ]; }
daemon_pid() { sed -n 's/^started //p' "$TMP/sup.out" | tail -n1; }
restarts() { grep -c '^started' "$TMP/sup.out"; }

start_listener || no "listener starts"
start_bg sup $IN_S "$NETTOOL" supervise "$TMP/notify.sock" \
	"$DAEMON" -n $QNUM -o "$SOCK" --format 2 --ipsec-check none \
	--tunnel-marks --tunnel-mark-timeout 6 --fdstore -d
check "daemon ready under the stand-in service manager" \
	wait_until 10 grep -q '^ready' "$TMP/sup.out"
check "it stores the table's socket" grep -q '^stored nft' "$TMP/sup.out"
start_bg client $IN_C "$NETTOOL" dump 1701
wait_until 5 grep -q ready "$TMP/client.out"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "win-01"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "win-02"
wait_messages 2
t2=$(sed -n 's/.*tunnel \([0-9]*\) mark 0x102 .*translated from 1 .*/\1/p' \
	"$TMP/listen.out")
check "two tunnels, one translated" test -n "$t2"
hex2=$(printf '%04x' "${t2:-0}")

# answers to both tunnels: marked and translated
answer() {	# answer N: the L2TP daemon writes to each tunnel once
	in_s "$NETTOOL" send -s 1701 $C4 1701 hex c802000c000100000000000000
	in_s "$NETTOOL" send -s 1701 $C4 1701 hex c802000c${hex2}00000000000000
	wait_until 5 sh -c "[ \$(grep -c '^c802000c0001' '$TMP/client.out') -ge $1 ]"
}
answer 2
check "before the restart: both tunnels marked" counts 1 1

for how in TERM KILL; do
	n=$(restarts)
	kill -$how "$(daemon_pid)"
	# the gap: the table, its marks and translations are still there
	check "$how: during the gap the tunnels are still in the table" \
		has xlate4 "0x$hex2 : 0x1"
	wait_until 10 sh -c "[ \$(grep -c '^started' '$TMP/sup.out') -gt $n ]"
	wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -gt $n ]"
	check "$how: restarted and adopted the table" sh -c \
		"grep -q 'adopting table inet l2tp-nfqd' '$TMP/sup.err'"
	before1=$(left 257) before2=$(left 258)
	answer $((2 * n + 2))
	check "$how: after the restart both tunnels are marked and translated" \
		counts $((before1 + 1)) $((before2 + 1))
	# the new daemon knows the translation: a retransmission keeps it
	in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "win-02"
	check "$how: a retransmitted SCCRQ gets the same ID as before" \
		wait_until 5 sh -c "[ \$(grep -c 'tunnel $t2 mark 0x102' '$TMP/listen.out') -ge 2 ]"
done
check "never a second table, never a replaced one" sh -c \
	"! grep -q 'replacing\\|cannot adopt' '$TMP/sup.err'"

# expiry goes on across restarts: keep tunnel 1 alive, let tunnel 2 go
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
	in_s "$NETTOOL" send -s 1701 $C4 1701 hex c802000c000100000000000000
	sleep 1
done
check "after a restart, a silent tunnel expires" hasnt tunnels4 "0x$hex2 :"
check "its translation too" hasnt xlate4 "0x$hex2 :"
check "and a live one stays" has tunnels4 "0x1 : 0x00000101"

# a stop: the service manager closes its store, the table goes
kill -TERM "$(pid_of sup)"
wait "$(pid_of sup)"
check "stop: the table is gone with the store" \
	wait_until 5 sh -c "! $IN_S nft list table inet l2tp-nfqd >/dev/null 2>&1"

# no owned tables: a plain table left by a killed daemon is adopted
: >"$TMP/daemon.err"
L2TP_NFQD_NO_OWNER=1 start_daemon --ipsec-check none --tunnel-marks ||
	no "daemon starts with a plain table"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 7 "win-01"
wait_until 5 has tunnels4 "0x7 :"
kill -KILL "$(pid_of daemon)"
wait "$(pid_of daemon)" 2>/dev/null
check "killed: the plain table stays, with its tunnel" \
	has tunnels4 "0x7 : 0x00000101"
: >"$TMP/daemon.err"
L2TP_NFQD_NO_OWNER=1 start_daemon --ipsec-check none --tunnel-marks ||
	no "daemon starts again"
check "the next daemon adopts it" grep -q 'adopting table' "$TMP/daemon.err"
check "and keeps its tunnel" has tunnels4 "0x7 : 0x00000101"
stop daemon
check "a plain table is removed at a stop (SIGTERM without --fdstore)" \
	sh -c "! $IN_S nft list table inet l2tp-nfqd >/dev/null 2>&1"
[ -z "$FAILED" ]
