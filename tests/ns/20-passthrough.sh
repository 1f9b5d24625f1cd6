#!/bin/sh
# Every queued packet, valid or not, is accepted and reaches the UDP
# listener; malformed ones are counted and produce no message.
. "$(dirname "$0")/../lib.sh"
setup_net
queue_rule
sim_mark 0x77
start_listener || no "listener starts"
start_daemon --no-rules || no "daemon starts"
start_bg count $IN_S "$NETTOOL" count -t 1500 1701
wait_until 5 grep -q ready "$TMP/count.out"

sent=0
send() { in_c "$NETTOOL" send -s 1701 "$@" && sent=$((sent + 1)); }
send $S4 1701 hex ""					# empty
send $S4 1701 hex c802					# short
send $S4 1701 data					# data message
send $S4 1701 hex c802000c000500000000000000	# tunnel id 5
send $S4 1701 hex c8020014000000000000000080000000000000	# AVP len 0
send $S4 1701 hex c8020014000000000000000080ff0000000000	# AVP past end
send $S4 1701 hex c802001400000000000000000008000000000001	# bad bits
send $S4 1701 hex c8020014000000000000000080080000000000020000	# SCCRP
send $S4 1701 sccrq 0 "zero-tid"			# Assigned TID 0
in_c "$NETTOOL" send -s 1701 -n 500 $S4 1701 random 1
sent=$((sent + 500))
send $S4 1701 sccrq 21 "valid-after-garbage"

wait_messages 1
wait_until 10 sh -c "! kill -0 $(pid_of count) 2>/dev/null"
got=$(tail -n1 "$TMP/count.out")
check "all $sent packets reached the UDP listener (got $got)" \
	test "$got" -eq "$sent"
check "only the valid SCCRQ produced a message" test "$(messages)" -eq 1
check "the valid SCCRQ after garbage" \
	grep -q 'tunnel 21 mark 0x77 host "valid-after-garbage"' "$TMP/listen.out"
check "daemon alive" alive daemon
log=$(counters)
check "rejections counted by reason" sh -c "echo '$log' |
	grep 'rejected:' | grep -q 'non-zero Tunnel ID 1'"
check "queued count matches" sh -c "echo '$log' | grep -q 'queued $sent,'"
[ -z "$FAILED" ]
