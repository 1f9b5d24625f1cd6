#!/bin/sh
# Fault drills: floods of garbage, a receiver that vanishes or is replaced,
# signal storms while packets flow.  The daemon lives, every packet is
# accepted, nothing bogus is sent.
. "$(dirname "$0")/../lib.sh"
setup_net
queue_rule
sim_mark 0x80
start_listener || no "listener starts"
# a backlog larger than any burst here: a lost message would be a bug
start_daemon --no-rules --backlog 30000 || no "daemon starts"

# 100,000 random payloads and every truncation of an SCCRQ
start_bg count $IN_S "$NETTOOL" count -t 3000 1701
wait_until 5 grep -q ready "$TMP/count.out"
in_c "$NETTOOL" send -s 1701 -n 100000 $S4 1701 random 7
in_c "$NETTOOL" send -s 1701 $S4 1701 cuts
cuts=$(($(printf "%s" truncated | wc -c) + 42))
wait_until 60 sh -c "! kill -0 $(pid_of count) 2>/dev/null"
got=$(tail -n1 "$TMP/count.out")
check "100,000 random + $cuts truncated payloads: all reached the UDP listener ($got)" \
	test "$got" -eq $((100000 + cuts))
check "no message for any of them" test "$(messages)" -eq 0
check "daemon alive after the flood" alive daemon

# the receiver's socket deleted, then replaced by a regular file (the
# counter waits out the gap between the two sends on a loaded machine)
stop listen
rm -f "$SOCK"
start_bg count $IN_S "$NETTOOL" count -t 4000 1701
wait_until 5 grep -q ready "$TMP/count.out"
in_c "$NETTOOL" send -s 1701 -n 50 $S4 1701 sccrq 1 "no-socket"
echo "not a socket" >"$SOCK"
in_c "$NETTOOL" send -s 1701 -n 50 $S4 1701 sccrq 100 "regular-file"
wait_until 10 sh -c "! kill -0 $(pid_of count) 2>/dev/null"
check "socket deleted, then a regular file: every packet accepted" \
	test "$(tail -n1 "$TMP/count.out")" -eq 100
check "daemon alive" alive daemon
rm -f "$SOCK"
mv "$TMP/listen.out" "$TMP/listen-old.out"
start_listener || no "listener restarts"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 7 "recovered"
wait_until 10 grep -q 'host "recovered"' "$TMP/listen.out"
check "receiver back: messages flow again" grep -q 'host "recovered"' \
	"$TMP/listen.out"

# host names are escaped wherever they are printed
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 8 'evil\x1b[31m\x0aline'
wait_until 5 grep -q 'evil' "$TMP/daemon.err"
check "host name escaped in the daemon's log" \
	grep -q 'host "evil\\x1b\[31m\\x0aline"' "$TMP/daemon.err"
check "no raw control byte in the log" sh -c \
	"! grep -q \"\$(printf '\\033')\" '$TMP/daemon.err'"
check "host name escaped by the receiver" \
	grep -q 'host "evil\\x1b\[31m\\x0aline"' "$TMP/listen.out"

# signal storms while packets flow
: >"$TMP/daemon.err"
start_bg count $IN_S "$NETTOOL" count -t 2000 1701
wait_until 5 grep -q ready "$TMP/count.out"
dpid=$(pid_of daemon)
(
	i=0
	while [ $i -lt 400 ]; do
		kill -HUP "$dpid"; kill -USR1 "$dpid"; i=$((i + 1))
	done
) &
storm=$!
# paced: the drill is about signals, not about outrunning the queue
in_c "$NETTOOL" send -s 1701 -n 20000 -r 10000 $S4 1701 sccrq 1 "storm"
wait $storm
wait_until 30 sh -c "! kill -0 $(pid_of count) 2>/dev/null"
check "SIGHUP/SIGUSR1 storm: all 20,000 packets accepted" \
	test "$(tail -n1 "$TMP/count.out")" -eq 20000
check "daemon alive after the storm" alive daemon
wait_until 10 sh -c "[ \$(grep -c 'host \"storm\"' '$TMP/listen.out') -ge 20000 ]"
check "and every SCCRQ's message delivered" \
	test "$(grep -c 'host "storm"' "$TMP/listen.out")" -eq 20000
stop daemon
check "SIGTERM after the storm: exit 0" test "$STATUS" -eq 0
[ -z "$FAILED" ]
