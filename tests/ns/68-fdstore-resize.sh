#!/bin/sh
# The table's owner socket across a restart that changes the options
# (--fdstore): the service manager keeps the socket, the next daemon
# adopts the table and, with a larger --tunnel-marks-max, gives its maps
# the new size with every tunnel kept; the tunnels beyond the old size
# are then accepted by the kernel.  The stand-in service manager
# (nettool supervise) applies systemd's rule to what it stores: a
# descriptor that shows POLLERR or POLLHUP is closed unless it was
# stored with FDPOLL=0 (the daemon sends it; a netlink socket whose
# receive queue overruns would show POLLERR, and the table would vanish
# at the next restart).  Only the owner socket may write to an owned
# table and the daemon counts its elements before it writes, so the
# kernel has no reason here to refuse one; the socket must show no error
# through the restarts and the burst of writes.
. "$(dirname "$0")/../lib.sh"
setup_net
sim_mark 0x101
echo 8 >"$TMP/max"
# the options are read at each start, as from /etc/default
cat >"$TMP/run.sh" <<SH
exec "$DAEMON" -n $QNUM --ipsec-check none --tunnel-marks \
	--tunnels-per-mark 0 --sccrq-rate 0 --fdstore -d \
	--tunnel-marks-max \$(cat "$TMP/max")
SH
started() { grep -c '^started' "$TMP/sup.out"; }
daemon_pid() { sed -n 's/^started //p' "$TMP/sup.out" | tail -n1; }
handle() { in_s nft -a list table inet l2tp-nfqd 2>/dev/null | sed -n 's/^table .* # handle //p'; }
tunnels() { in_s nft list map inet l2tp-nfqd tunnels4 2>/dev/null | grep -o '0x[0-9a-f]* : 0x' | wc -l; }
restart() {	# restart: TERM, then the next daemon is ready
	n=$(started)
	kill -TERM "$(daemon_pid)"
	wait_until 10 sh -c "[ \$(grep -c '^started' '$TMP/sup.out') -gt $n ]" &&
	wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -gt $n ]"
}

start_bg sup $IN_S "$NETTOOL" supervise "$TMP/notify.sock" sh "$TMP/run.sh"
check "daemon ready under the stand-in service manager" \
	wait_until 10 grep -q '^ready' "$TMP/sup.out"
check "it stores the table's socket" grep -q '^stored nft' "$TMP/sup.out"
h0=$(handle)
for i in 1 2 3 4 5 6; do
	in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq $i "c-$i"
done
check "six tunnels in the map" wait_until 5 sh -c \
	"[ \$($IN_S nft list map inet l2tp-nfqd tunnels4 | grep -o '0x[0-9a-f]* : 0x' | wc -l) -eq 6 ]"

# a larger limit for the next start
echo 64 >"$TMP/max"
check "restart with --tunnel-marks-max 64" restart
check "it adopted the kept table" sh -c \
	"[ -n '$h0' ] && [ '$(handle)' = '$h0' ] && grep -q 'adopting table inet l2tp-nfqd' '$TMP/sup.err'"
i=7
while [ $i -le 60 ]; do
	in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq $i "c-$i"
	i=$((i + 1))
done
check "60 tunnels in the map" wait_until 5 sh -c \
	"[ \$($IN_S nft list map inet l2tp-nfqd tunnels4 | grep -o '0x[0-9a-f]* : 0x' | wc -l) -eq 60 ]"
check "the adopted map has the new size" sh -c \
	"$IN_S nft list map inet l2tp-nfqd tunnels4 | grep -qx '[[:space:]]*size 64'"
kill -USR1 "$(daemon_pid)"
wait_until 5 grep -q 'tunnel maps:' "$TMP/sup.err"
check "no element refused" grep -q 'tunnel maps: .* refused 0 (map full 0)' "$TMP/sup.err"
sleep 0.3
check "the stored socket showed no POLLERR and stays stored" sh -c \
	"! grep -qE '^(pollerr|dropped)' '$TMP/sup.out'" || cat "$TMP/sup.out"
check "the next restart adopts it again" restart
check "after it: the same table handle and the 60 tunnels" \
	test "$(handle)/$(tunnels)" = "$h0/60"
stop sup
check "a stop (the store closed) removes the table" sh -c \
	"! $IN_S nft list table inet l2tp-nfqd >/dev/null 2>&1"
[ -z "$FAILED" ]
