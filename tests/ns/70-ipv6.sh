#!/bin/sh
# L2TP over IPv6 and message format 2: packet and conntrack marks over
# IPv6 (with an extension header in place), format 2 over IPv4, and the
# format-1 limit.
. "$(dirname "$0")/../lib.sh"
setup_net
sim_rules <<NFT
udp sport 2001 meta mark set 0x601
udp sport 2002 ct mark set 0x602
udp sport 2004 meta mark set 0x604
NFT
start_listener || no "listener starts"
start_daemon --format 2 --ipsec-check none || no "daemon starts"

in_c "$NETTOOL" send -s 2001 $S6 1701 sccrq 61 "v6-packet"
wait_messages 1
check "IPv6, packet mark: format 2 message" grep -q \
	"format 2 inet6 peer \[$C6\] port 2001 local \[$S6\] port 1701 tunnel 61 mark 0x601 source packet host \"v6-packet\"" \
	"$TMP/listen.out"

in_c "$NETTOOL" send -s 2002 $S6 1701 sccrq 62 "v6-conntrack"
wait_messages 2
check "IPv6, conntrack mark: format 2 message, source conntrack-lookup" \
	grep -q "peer \[$C6\] port 2002 .* tunnel 62 mark 0x602 source conntrack-lookup host \"v6-conntrack\"" \
	"$TMP/listen.out"

in_c "$NETTOOL" send -D -s 2004 $S6 1701 sccrq 64 "v6-dstopts"
wait_messages 3
check "IPv6 with a destination options header" \
	grep -q 'tunnel 64 mark 0x604 source packet host "v6-dstopts"' \
	"$TMP/listen.out"

in_c "$NETTOOL" send -s 2001 $S4 1701 sccrq 41 "v4-format2"
wait_messages 4
check "format 2 over IPv4" grep -q \
	"format 2 inet peer $C4 port 2001 local $S4 port 1701 tunnel 41 mark 0x601 source packet host \"v4-format2\"" \
	"$TMP/listen.out"
line=$(grep -A1 'v4-format2' "$TMP/listen.out" | tail -n1)
want="bytes 0200$(le16 67)0200$(le16 1)$(le32 41)$(le32 0x601)$(le16 2001)$(le16 1701)00000000c0000201000000000000000000000000c0000202000000000000000000000000$(hexstr v4-format2)00"
check "format 2 over IPv4: exact bytes" test "$line" = "$want"
stop daemon

# format 1 cannot carry IPv6: counted, warned once, nothing sent
: >"$TMP/daemon.err"
start_daemon --ipsec-check none || no "daemon restarts in format 1"
in_c "$NETTOOL" send -s 2001 $S6 1701 sccrq 65 "v6-format1"
in_c "$NETTOOL" send -s 2001 $S6 1701 sccrq 66 "v6-format1"
sleep 0.5
check "format 1, IPv6: no message" sh -c "! grep -q v6-format1 '$TMP/listen.out'"
check "format 1, IPv6: warned once, pointing to --format 2" test \
	"$(grep -c 'IPv6 SCCRQ cannot be sent in format 1: use --format 2' \
	"$TMP/daemon.err")" -eq 1
log=$(counters)
check "format 1, IPv6: counted" sh -c "echo '$log' | grep -q 'unsupported 2'"
in_c "$NETTOOL" send -s 2001 $S4 1701 sccrq 42 "v4-format1"
wait_messages 5
check "format 1 over IPv4 still sent" grep -q \
	"format 1 peer $C4 tunnel 42 mark 0x601 host \"v4-format1\"" "$TMP/listen.out"
[ -z "$FAILED" ]
