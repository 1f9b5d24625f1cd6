#!/bin/sh
# The receiver is absent, starts late, restarts: nothing is lost within
# the backlog, and the verdicts never wait.
. "$(dirname "$0")/../lib.sh"
setup_net
queue_rule
sim_mark 0x42
SOCK=$TMP/later/dir/nfq.sock
start_daemon --no-rules || no "daemon starts without receiver or directory"
start_bg count $IN_S "$NETTOOL" count -t 4000 1701
wait_until 5 grep -q ready "$TMP/count.out"

in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "while-absent"
sleep 1.2
mkdir -p "$TMP/later/dir"
start_listener || no "listener starts"
wait_messages 1
check "message from while the receiver was absent arrives" \
	grep -q 'host "while-absent"' "$TMP/listen.out"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 2 "after-start"
wait_messages 2
check "later SCCRQ arrives" grep -q 'host "after-start"' "$TMP/listen.out"

# restart the receiver: the daemon reconnects
stop listen
mv "$TMP/listen.out" "$TMP/listen1.out"
start_listener || no "listener restarts"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 3 "after-restart"
wait_messages 1
check "SCCRQ after a receiver restart arrives" \
	grep -q 'host "after-restart"' "$TMP/listen.out"

# a burst larger than the receiver's queue (10 datagrams): the backlog
kill -STOP "$(pid_of listen)"
in_c "$NETTOOL" send -s 1701 -n 200 $S4 1701 sccrq 100 "burst"
sleep 0.5
kill -CONT "$(pid_of listen)"
wait_until 10 sh -c "[ \$(grep -c 'host \"burst\"' '$TMP/listen.out') -ge 200 ]"
check "200 SCCRQs to a stalled receiver: all delivered" \
	test "$(grep -c 'host "burst"' "$TMP/listen.out")" -eq 200
wait_until 15 sh -c "! kill -0 $(pid_of count) 2>/dev/null"
check "all packets reached the UDP listener" \
	test "$(tail -n1 "$TMP/count.out")" -eq 203
[ -z "$FAILED" ]
