#!/bin/sh
# The shipped unit's way: the daemon started as an unprivileged system user
# with CAP_NET_ADMIN alone, ambient (User=, AmbientCapabilities=,
# CapabilityBoundingSet=, NoNewPrivileges=, SecureBits=), never root.  It
# installs its tables, reads the queue, writes to a receiver socket whose
# group it is in, is told clearly when it may not, refuses a socket of
# another user, runs without an output (--tunnel-marks, --require-ipsec)
# and keeps its table across a restart (--fdstore).
. "$(dirname "$0")/../lib.sh"
command -v setpriv >/dev/null || skip "no setpriv"
command -v useradd >/dev/null || skip "no useradd"
id nobody >/dev/null 2>&1 || skip "no user nobody"
# a system user of its own, as contrib/l2tp-nfqd.sysusers declares
U=l2nq-u$ID
useradd --system --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin "$U" || skip "useradd $U"
trap 'cleanup; userdel "$U" 2>/dev/null; groupdel "$U" 2>/dev/null' EXIT
UID_U=$(id -u "$U")
# the unit's credentials, as setpriv gives them (no word has a space)
AS_U="setpriv --reuid=$U --regid=$U --init-groups"
AS_U="$AS_U --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin"
AS_U="$AS_U --bounding-set=-all,+net_admin --no-new-privs"
AS_U="$AS_U --securebits=+noroot,+noroot_locked"
start_user() {	# start_user ARGS...: the daemon as $U, ready
	: >"$TMP/daemon.err"
	start_bg daemon $IN_S $AS_U "$DAEMON" -n $QNUM -d "$@"
	wait_until 5 grep -q "queue $QNUM" "$TMP/daemon.err" &&
	wait_until 5 grep -q "installed" "$TMP/daemon.err" ||
		{ cat "$TMP/daemon.err"; return 1; }
}
gone() { ! in_s nft list table inet l2tp-nfqd >/dev/null 2>&1; }

setup_net
sim_mark 0x86
# the receiver, root, binds its socket in a directory the daemon's group
# may enter (/run/... in real life); the daemon may not write to it yet
chmod 711 "$TMP"
R=$TMP/run
mkdir -m 750 "$R" && chgrp "$U" "$R"
SOCK=$R/nfq.sock
start_listener -u "$UID_U" || no "listener starts"
echo secret >"$TMP/root-only" && chmod 600 "$TMP/root-only"

start_user --ipsec-check none --sa-marks -o "$SOCK" ||
	no "daemon starts as $U"
st=/proc/$(pid_of daemon)/status
check "runs as $U: every uid $UID_U, none 0" \
	grep -q "^Uid:	$UID_U	$UID_U	$UID_U	$UID_U$" "$st"
for set in CapEff CapPrm CapBnd CapAmb; do
	check "$set = CAP_NET_ADMIN only" \
		grep -q "^$set:	0000000000001000$" "$st"
done
check "no_new_privs set" grep -q '^NoNewPrivs:	1$' "$st"
check "its credentials read no root-only file" \
	sh -c "! $AS_U cat '$TMP/root-only' 2>/dev/null"
check "its table installed (owner flag) without root" sh -c \
	"$IN_S nft list table inet l2tp-nfqd 2>/dev/null | grep -q 'flags owner'"
check "a socket it may not write to: said so, with its uid" grep -q \
	"output $SOCK: uid $UID_U may not write to it; the receiver must let" \
	"$TMP/daemon.err"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "before-chmod"
sleep 0.3
check "and nothing sent" test "$(messages)" -eq 0
# the receiver lets group $U write to its socket (root keeps it)
chgrp "$U" "$SOCK" && chmod 660 "$SOCK"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 2 "after-chmod"
wait_messages 2
check "socket writable by its group: the kept message, then the new" sh -c \
	"grep -q 'tunnel 1 mark 0x86 host \"before-chmod\"' '$TMP/listen.out' &&
	 grep -q 'tunnel 2 mark 0x86 host \"after-chmod\"' '$TMP/listen.out'"
check "the receiver took them from uid $UID_U (-u)" sh -c \
	"! grep -q 'untrusted sender' '$TMP/listen.err'"
in_s ip xfrm policy add src 198.51.100.1/32 dst $S4/32 proto udp dir in \
	mark 0x10001 mask 0xffffffff tmpl src 198.51.100.1 dst $S4 proto esp \
	reqid 86 mode transport
check "--sa-marks: XFRM dump and events, the SA map filled" \
	wait_until 5 sh -c "$IN_S nft list map inet l2tp-nfqd sa_reqids 2>&1 |
		grep -q '86 : jump sa-mark-00010001'"
check "--user needs root: refused, not half-done" sh -c \
	"$AS_U '$DAEMON' --user nobody -n $QNUM 2>&1 |
		grep -q 'only root can switch users'"
check "--user naming the user it runs as: nothing to switch, it runs" \
	sh -c "timeout 2 $IN_S $AS_U '$DAEMON' --user $U -n $((QNUM + 1)) \
		--no-rules 2>&1 | grep -q 'queue the SCCRQs to queue'"
stop daemon
check "exits 0" test "$STATUS" -eq 0
check "and removes its table" gone

# a socket of another user is refused; one of its own user is not
chown nobody "$SOCK" && chmod 666 "$SOCK"
start_user --ipsec-check none -o "$SOCK" || no "daemon starts again"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 3 "other-user"
sleep 0.3
check "socket of another user: nothing sent" test "$(messages)" -eq 2
why="output $SOCK belongs to uid $(id -u nobody), not to root,"
why="$why to the daemon's own user (uid $UID_U) or to the --output-owner"
check "socket of another user: refused, said why" \
	grep -q "$why: refusing to send to it" "$TMP/daemon.err"
chown "$U" "$SOCK" && chmod 600 "$SOCK"
kill -HUP "$(pid_of daemon)"
wait_messages 3
check "socket of its own user: trusted, the kept message sent" \
	grep -q 'tunnel 3 mark 0x86 host "other-user"' "$TMP/listen.out"
stop daemon

# no output at all: --tunnel-marks, the guard of --require-ipsec
start_user --ipsec-check none --tunnel-marks --require-ipsec ||
	no "--tunnel-marks --require-ipsec: starts"
check "--require-ipsec: the guard table installed" \
	sh -c "$IN_S nft list table inet l2tp-nfqd-guard >/dev/null"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 4 "cleartext"
check "--require-ipsec: a cleartext SCCRQ dropped and counted" \
	wait_until 5 sh -c "$IN_S nft list counter inet l2tp-nfqd-guard \
		cleartext_in | grep -q 'packets 1 '"
stop daemon
in_s nft delete table inet l2tp-nfqd-guard

# --fdstore under a stand-in for systemd: the table outlives a restart.
# Its notify socket is writable by every user, as systemd's is.
mask=$(umask)
umask 0
start_bg sup $IN_S "$NETTOOL" supervise "$TMP/notify.sock" $AS_U \
	"$DAEMON" -n $QNUM --ipsec-check none --tunnel-marks --fdstore -d
umask "$mask"
check "--fdstore: ready, socket stored" wait_until 10 sh -c \
	"grep -q '^ready' '$TMP/sup.out' && grep -q '^stored nft' '$TMP/sup.out'"
in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 5 "kept"
check "--tunnel-marks: the tunnel in the map" wait_until 5 sh -c \
	"$IN_S nft list map inet l2tp-nfqd tunnels4 | grep -q '0x5 : 0x00000086'"
kill -KILL "$(sed -n 's/^started //p' "$TMP/sup.out" | tail -n1)"
wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -ge 2 ]"
check "--fdstore: killed and restarted, the table adopted, its tunnel kept" \
	sh -c "grep -q 'adopting table inet l2tp-nfqd' '$TMP/sup.err' &&
	       $IN_S nft list map inet l2tp-nfqd tunnels4 |
			grep -q '0x5 : 0x00000086'"
kill -TERM "$(pid_of sup)"
wait "$(pid_of sup)"
check "--fdstore: a stop removes the table" wait_until 5 gone
[ -z "$FAILED" ]
