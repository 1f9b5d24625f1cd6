#!/bin/sh
# Kernels without owned tables: a plain table, adopted at start when left
# from before (its chains replaced), put back within a second when
# flushed, removed at exit.
. "$(dirname "$0")/../lib.sh"
setup_net
sim_mark 0x55
T=l2tp-nfqd
# a stale table left by a daemon that died
in_s nft add table inet $T
in_s nft add chain inet $T stale
export L2TP_NFQD_NO_OWNER=1
start_listener || no "listener starts"
start_daemon --ipsec-check none || no "daemon starts"
check "logs the fallback mode" grep -q 'plain table, watched' "$TMP/daemon.err"
check "stale table adopted, its chains replaced" sh -c "! $IN_S nft list chain inet $T stale \
	2>/dev/null && $IN_S nft list chain inet $T input >/dev/null"
check "plain table, no owner flag" sh -c "! $IN_S nft list table inet $T 2>/dev/null |
	grep -q 'flags owner'"

in_s nft flush ruleset
check "flushed table put back within a second" \
	wait_until 1 has_table $T
check "and logged" wait_until 1 grep -q 'put back' "$TMP/daemon.err"
sim_mark 0x55
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 3 "after-restore"
wait_messages 1
check "queueing again after the restore" grep -q 'host "after-restore"' \
	"$TMP/listen.out"

in_s nft delete table inet $T
check "deleted table put back" wait_until 1 has_table $T

stop daemon
check "SIGTERM: exit 0" test "$STATUS" -eq 0
check "SIGTERM: plain table removed" sh -c "! $IN_S nft list table inet $T \
	2>/dev/null"
[ -z "$FAILED" ]
