#!/bin/sh
# The daemon under valgrind: packets with packet and conntrack marks, the
# managed table, --sa-marks following XFRM policies, SIGTERM; no memory
# error, no leak.
. "$(dirname "$0")/../lib.sh"
[ "$SANITIZE" = 1 ] && skip "valgrind does not run ASan builds"
command -v valgrind >/dev/null || skip "no valgrind"
setup_net
sim_rules <<NFT
udp sport 3001 meta mark set 0x901
udp sport 3002 ct mark set 0x902
NFT
xpol() {	# xpol add|delete PEER: an inbound policy, marked, with a reqid
	in_s ip xfrm policy "$1" src "$2/32" dst $S4/32 proto udp dir in \
		mark 0x10001 mask 0xffffffff ${3:+tmpl src $2 dst $S4 proto esp reqid $3 mode transport}
}
xpol add 198.51.100.1 5
start_listener || no "listener starts"
DAEMON="valgrind --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
--log-file=$TMP/valgrind.log $DAEMON"
start_bg daemon $IN_S $DAEMON -n $QNUM -o "$SOCK" -d --ipsec-check none \
	--format 2 --sa-marks
wait_until 60 grep -q 'SA marks: watching' "$TMP/daemon.err" || no "daemon starts"
xpol add 198.51.100.2 6
xpol delete 198.51.100.1
check "SA marks under valgrind" wait_until 30 sh -c \
	"$IN_S nft list map inet l2tp-nfqd sa_reqids | grep -q '6 : jump sa-mark-00010001'"
in_c "$NETTOOL" send -s 3001 $S4 1701 sccrq 1 "vg-packet"
in_c "$NETTOOL" send -s 3002 $S6 1701 sccrq 2 "vg-conntrack"
in_c "$NETTOOL" send -s 3003 $S4 1701 sccrq 3 "vg-nomark"
in_c "$NETTOOL" send -s 3001 -n 200 $S4 1701 random 3
wait_until 30 sh -c "[ \$(grep -c '^format' '$TMP/listen.out') -ge 2 ]"
check "messages under valgrind" test "$(messages)" -eq 2
kill -HUP "$(pid_of daemon)"
kill -USR1 "$(pid_of daemon)"
sleep 0.5
stop daemon
check "exit 0 under valgrind (99 = errors or leaks)" test "$STATUS" -eq 0
check "valgrind: no errors" grep -q 'ERROR SUMMARY: 0 errors' "$TMP/valgrind.log"
check "valgrind: nothing definitely or indirectly lost" sh -c \
	"! grep -qE '(definitely|indirectly) lost: [1-9]' '$TMP/valgrind.log'"

# --tunnel-marks: translation, StopCCN rewrite, sweeps, the guard table
sim_rules <<NFT
udp sport 3001 meta mark set 0x901
udp sport 3004 meta mark set 0x904
NFT
: >"$TMP/daemon.err"
start_bg daemon $IN_S $DAEMON -n $QNUM -o "$SOCK" -d --ipsec-check none \
	--format 2 --tunnel-marks --tunnel-mark-timeout 1 --require-ipsec
wait_until 60 grep -q 'installed' "$TMP/daemon.err" || no "daemon starts"
in_c "$NETTOOL" send -s 3001 $S4 1701 sccrq 1 "vg-first"
in_c "$NETTOOL" send -s 3004 $S4 1701 sccrq 1 "vg-second"
in_c "$NETTOOL" send -s 3004 $S4 1701 hex \
	c802001c0a020000000000008008000000000004800800000009000180080000000100
wait_until 30 grep -q 'translated' "$TMP/daemon.err" ||
	no "translated under valgrind"
sleep 3	# a sweep or two
kill -USR1 "$(pid_of daemon)"
sleep 0.5
stop daemon
check "--tunnel-marks: exit 0 under valgrind" test "$STATUS" -eq 0
check "--tunnel-marks: valgrind: no errors" \
	grep -q 'ERROR SUMMARY: 0 errors' "$TMP/valgrind.log"
check "--tunnel-marks: valgrind: nothing definitely or indirectly lost" sh -c \
	"! grep -qE '(definitely|indirectly) lost: [1-9]' '$TMP/valgrind.log'"
in_s nft delete table inet l2tp-nfqd-guard
[ -z "$FAILED" ]
