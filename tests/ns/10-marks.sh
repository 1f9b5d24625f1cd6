#!/bin/sh
# SCCRQs queued by a hand-written rule (--no-rules): the packet mark, the
# conntrack mark, no mark; the exact bytes of a format-1 message.
. "$(dirname "$0")/../lib.sh"
setup_net
queue_rule
# stand-ins for the IPsec SA marks: by client source port
sim_rules <<NFT
udp sport 1001 meta mark set 0x1001
udp sport 1002 ct mark set 0x2002
udp sport 1004 meta mark set 0xff0f
NFT
start_listener || no "listener starts"
start_daemon --no-rules || no "daemon starts"

in_c "$NETTOOL" send -s 1001 $S4 1701 sccrq 4660 "lac-packet"
wait_messages 1
line=$(grep -A1 'host "lac-packet"' "$TMP/listen.out")
want="0100$(le16 26)c0000201$(le32 4660)$(le32 0x1001)$(hexstr lac-packet)"
check "packet mark: exact format-1 bytes" \
	sh -c "echo '$line' | grep -q 'bytes $want'"
check "packet mark: fields" sh -c "echo '$line' |
	grep -q 'peer $C4 tunnel 4660 mark 0x1001'"

in_c "$NETTOOL" send -s 1002 $S4 1701 sccrq 7 "lac-conntrack"
wait_messages 2
check "conntrack mark found by lookup after the verdict" \
	grep -q 'tunnel 7 mark 0x2002 host "lac-conntrack"' "$TMP/listen.out"
check "daemon says where the mark came from" \
	grep -q 'lac-conntrack.*mark 0x2002 (conntrack-lookup)' "$TMP/daemon.err"

in_c "$NETTOOL" send -s 1003 $S4 1701 sccrq 8 "lac-nomark"
sleep 0.5
check "no mark: no message" sh -c "! grep -q lac-nomark '$TMP/listen.out'"
log=$(counters)
check "no mark: counted" sh -c "echo '$log' | grep -q 'no mark 1,'"

check "messages so far" test "$(messages)" -eq 2

stop daemon
check "SIGTERM: exit 0" test "$STATUS" -eq 0

# --mark-mask applies to the packet mark
: >"$TMP/daemon.err"
start_daemon --no-rules --mark-mask 0xff00 || no "daemon restarts"
in_c "$NETTOOL" send -s 1004 $S4 1701 sccrq 9 "lac-masked"
wait_messages 3
check "--mark-mask applied" grep -q 'tunnel 9 mark 0xff00 host "lac-masked"' \
	"$TMP/listen.out"

# --no-ct-lookup: a conntrack-only mark is not looked up
stop daemon
: >"$TMP/daemon.err"
in_s conntrack -F >/dev/null 2>&1
start_daemon --no-rules --no-ct-lookup || no "daemon restarts"
in_c "$NETTOOL" send -s 1002 $S4 1701 sccrq 10 "lac-nolookup"
sleep 0.5
check "--no-ct-lookup: no message" \
	sh -c "! grep -q lac-nolookup '$TMP/listen.out'"
[ -z "$FAILED" ]
