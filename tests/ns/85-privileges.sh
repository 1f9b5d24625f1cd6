#!/bin/sh
# --user: the running daemon holds CAP_NET_ADMIN and nothing else, and
# still works; --output-owner: a receiver socket of another user is
# refused unless named.
. "$(dirname "$0")/../lib.sh"
id nobody >/dev/null 2>&1 || skip "no user nobody"
setup_net
sim_mark 0x85
# the receiver trusts the daemon's user and lets it write
start_listener -u "$(id -u nobody)" || no "listener starts"
chmod 666 "$SOCK"
start_daemon --user nobody --ipsec-check none --sa-marks ||
	no "daemon starts"
check "says it dropped privileges" grep -q \
	'running as nobody with CAP_NET_ADMIN only' "$TMP/daemon.err"
st=/proc/$(pid_of daemon)/status
check "runs as nobody" sh -c "grep '^Uid:' $st | grep -qw $(id -u nobody)"
check "no supplementary groups" sh -c "grep -q '^Groups:\s*$' $st"
for set in CapEff CapPrm CapBnd; do
	check "$set = CAP_NET_ADMIN only" \
		grep -q "^$set:	0000000000001000$" "$st"
done
check "CapInh and CapAmb empty" sh -c "grep -q '^CapInh:	0000000000000000$' $st &&
	grep -q '^CapAmb:	0000000000000000$' $st"
check "no_new_privs set" grep -q '^NoNewPrivs:	1$' "$st"

in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 3 "unprivileged"
wait_messages 1
check "unprivileged daemon: SCCRQ queued, conntrack and output work" \
	grep -q 'tunnel 3 mark 0x85 host "unprivileged"' "$TMP/listen.out"
# --sa-marks: XFRM events and map changes with CAP_NET_ADMIN alone
in_s ip xfrm policy add src 198.51.100.1/32 dst $S4/32 proto udp dir in \
	mark 0x10001 mask 0xffffffff tmpl src 198.51.100.1 dst $S4 proto esp \
	reqid 85 mode transport
check "unprivileged daemon: a new IPsec policy's reqid in the SA map" \
	wait_until 5 sh -c "$IN_S nft list map inet l2tp-nfqd sa_reqids |
		grep -q '85 : jump sa-mark-00010001'"
# a socket of its own user is trusted: the owner is checked again after
# the switch (the daemon reaches the socket only through a searchable $TMP)
chmod 711 "$TMP"
chown nobody "$SOCK"
kill -HUP "$(pid_of daemon)"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 6 "own-user"
wait_messages 2
check "--user nobody: a socket of nobody's is trusted" \
	grep -q 'host "own-user"' "$TMP/listen.out"
stop daemon
check "exits 0" test "$STATUS" -eq 0
check "and still removes its table" sh -c \
	"! $IN_S nft list table inet l2tp-nfqd 2>/dev/null"

# a receiver socket that belongs to someone else is not trusted
: >"$TMP/daemon.err"
start_daemon --ipsec-check none || no "daemon starts"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 4 "untrusted"
sleep 0.5
check "socket of another user: refused" sh -c \
	"! grep -q untrusted '$TMP/listen.out'"
check "socket of another user: warned" grep -q \
	"belongs to uid $(id -u nobody), not to root, to the daemon's own user" \
	"$TMP/daemon.err"
stop daemon
: >"$TMP/daemon.err"
start_daemon --ipsec-check none --output-owner nobody || no "daemon starts"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 "trusted-owner"
wait_messages 3
check "--output-owner nobody: sent" grep -q 'host "trusted-owner"' \
	"$TMP/listen.out"
stop daemon

check "--user unknown: exit 2" sh -c \
	"'$DAEMON' --user no-such-user-here >/dev/null 2>&1; [ \$? -eq 2 ]"
[ -z "$FAILED" ]
