#!/bin/sh
# --sa-marks against this kernel's XFRM tables.  It has xfrm and nft's
# ipsec expression but no ESP transform: policies with marks and reqids
# can be added, and SPIs allocated (larval SAs: a mark, no keys), but no
# SA decrypts anything.  So here: the reqid map and the per-mark chains
# follow the policies as `ip xfrm policy` adds, updates, deletes and
# flushes them; the shared-mark warning; a resync after lost events, at
# the scale of 10,000 clients; plain ESP packets of a marked SA get its
# mark, by the daemon's element.  Decrypted packets and ESP in UDP (an SA
# with keys and NAT-T) are the VM tier's (tests/vm/libreswan.sh,
# tests/vm/marked-sa.sh).
. "$(dirname "$0")/../lib.sh"
setup_net
in_s ip xfrm policy list >/dev/null 2>&1 || skip "no XFRM netlink (xfrm_user)"
T=l2tp-nfqd
check "--sa-marks --no-rules: exit 2, with the reason" sh -c \
	"'$DAEMON' --sa-marks --no-rules 2>&1 >/dev/null |
	 grep -q 'sa-marks: needs the daemon'; [ \$? -eq 0 ] &&
	 { '$DAEMON' --sa-marks --no-rules >/dev/null 2>&1; [ \$? -eq 2 ]; }"

# pol add|update|delete in|out PEER MARK REQID [MODE]: a policy for the
# client PEER, as Libreswan's mark=-1 makes them (both directions marked)
pol() {
	if [ "$2" = in ]; then src=$3 dst=$S4; else src=$S4 dst=$3; fi
	set -- "$1" "$2" "$src" "$dst" "$4" "$5" "${6:-transport}"
	if [ "$1" = delete ]; then
		in_s ip xfrm policy delete src "$3/32" dst "$4/32" proto udp \
			dir "$2" mark "$5" mask 0xffffffff
	else
		in_s ip xfrm policy "$1" src "$3/32" dst "$4/32" proto udp \
			dir "$2" mark "$5" mask 0xffffffff tmpl src "$3" \
			dst "$4" proto esp reqid "$6" mode "$7"
	fi
}
client() {	# client add|delete PEER MARK REQID: both policies
	pol "$1" in "$2" "$3" "$4" && pol "$1" out "$2" "$3" "$4"
}
# reqids: "reqid:chain" per element of the reqid map, sorted
reqids() {
	in_s nft -j list map inet $T sa_reqids 2>/dev/null |
		jq -r '.nftables[] | select(.map) | .map.elem // [] | .[] |
			"\(.[0]):\(.[1].jump.target)"' | sort | tr '\n' ' '
}
marks() {	# the per-mark chains (nft 1.0.6 lists a family's, not a table's)
	in_s nft list chains inet 2>/dev/null |
		grep -o 'chain sa-mark-[0-9a-f-]*' | cut -c7- | sort | tr '\n' ' '
}
esp() {		# esp MAP: its elements, "addr . spi : mark"
	in_s nft -j list map inet $T "$1" 2>/dev/null |
		jq -r '.nftables[] | select(.map) | .map.elem // [] | .[] |
			"\(.[0].concat | map(tostring) | join(" . ")) : \(.[1])"' |
		tr '\n' ' '
}
# the daemon reacts to each change within milliseconds; under load (ASan,
# a busy machine) give it time, and check what it did, not the clock
is_reqids() { [ "$(reqids)" = "$1" ]; }
is_marks() { [ "$(marks)" = "$1" ]; }
no_esp() { [ -z "$(esp "$1")" ]; }
spi_of() {	# spi_of SRC: the larval SA's SPI from SRC, as a number
	printf '%d' "$(in_s ip xfrm state list src "$1" |
		sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | head -n1)"
}

# before the daemon: one marked client, what must not count, two SPIs
client add 198.51.100.1 0x10001 16389
pol add in 198.51.100.2 0 100			# no mark
pol add in 198.51.100.3 0x10005 101 tunnel	# tunnel mode
in_s ip xfrm state allocspi src $C4 dst $S4 proto esp mode transport \
	mark 0x20001 mask 0xffffffff reqid 16390 >/dev/null &&
in_s ip -6 xfrm state allocspi src $C6 dst $S6 proto esp mode transport \
	mark 0x20002 mask 0xffffffff reqid 16391 >/dev/null ||
	skip "cannot allocate an SPI (no XFRM states)"
spi4=$(spi_of $C4)
spi6=$(spi_of $C6)

start_listener || no "listener starts"
start_daemon --sa-marks --ipsec-check none --tunnel-marks || no "daemon starts"
wait_until 10 grep -q 'SA marks: watching' "$TMP/daemon.err" ||
	no "the daemon reads the policies and SAs"
check "starting: the dump's marked client in the reqid map" \
	wait_until 10 is_reqids "16389:sa-mark-00010001 "
check "starting: its chain sets the mark" sh -c \
	"$IN_S nft list chain inet $T sa-mark-00010001 | grep -q 'meta mark set 0x00010001'"
check "starting: unmarked and tunnel-mode policies left out" \
	wait_until 10 is_marks "sa-mark-00010001 "
check "starting: the marked SAs' ESP keys" sh -c \
	"[ '$(esp sa_espp4)' = '$C4 . $spi4 : 131073 ' ] &&
	 [ '$(esp sa_espp6)' = '$C6 . $spi6 : 131074 ' ]" ||
	{ esp sa_espp4; esp sa_espp6; }

# plain ESP from the client: marked by the SA's element, before ESP
# would look the SA up (here nothing does, there is no esp4)
in_s nft -f - <<NFT
table inet seen {
	chain pre {
		type filter hook prerouting priority 0;
		meta l4proto esp meta mark 0x00020001 counter
		meta l4proto esp meta mark 0x00020002 counter
		meta l4proto esp meta mark 0 counter
	}
}
NFT
seen() {	# seen MARK: ESP packets that reached prerouting with MARK
	in_s nft -j list chain inet seen pre | jq "[.nftables[] |
		select(.rule) | .rule.expr | select(.[1].match.right == $1) |
		.[2].counter.packets] | add"
}
in_c "$NETTOOL" esp $S4 "$spi4"
in_c "$NETTOOL" esp $S4 "$((spi4 + 1))"
in_c "$NETTOOL" esp $S6 "$spi6"
both_seen() { [ "$(seen 131073)" = 1 ] && [ "$(seen 131074)" = 1 ]; }
check "plain ESP with the SA's SPI gets its mark, IPv4 and IPv6" \
	wait_until 3 both_seen
check "another SPI gets none" test "$(seen 0)" = 1

# the maps follow the policies
client add 198.51.100.9 0x10002 16392
check "a new client: its reqid and chain" wait_until 10 is_reqids \
	"16389:sa-mark-00010001 16392:sa-mark-00010002 "
check "its outbound policy added nothing more" \
	wait_until 10 is_marks "sa-mark-00010001 sa-mark-00010002 "
pol update in 198.51.100.9 0x10002 16393
check "a policy updated with a new reqid: the old one goes" \
	wait_until 10 is_reqids "16389:sa-mark-00010001 16393:sa-mark-00010002 "

client add 198.51.100.10 0x10002 16394
client add 198.51.100.11 0x10002 16395
check "each reqid still maps to the one chain" wait_until 10 is_reqids \
	"16389:sa-mark-00010001 16393:sa-mark-00010002 16394:sa-mark-00010002 16395:sa-mark-00010002 "
check "two clients with one mark: warned" \
	grep -q 'mark 0x10002/0xffffffff of reqid 16394 is also the mark of reqid 16393' \
	"$TMP/daemon.err"
check "warned once for that mark, not at the third" \
	test "$(grep -c 'also the mark of' "$TMP/daemon.err")" -eq 1
pol delete in 198.51.100.9 0x10002
pol delete in 198.51.100.10 0x10002
left_two() {
	is_reqids "16389:sa-mark-00010001 16395:sa-mark-00010002 " &&
	is_marks "sa-mark-00010001 sa-mark-00010002 "
}
check "deleted policies leave; the chain stays while used" \
	wait_until 10 left_two
pol delete in 198.51.100.11 0x10002
check "the last reqid of a mark takes its chain along" \
	wait_until 10 is_marks "sa-mark-00010001 "

in_s ip xfrm state delete src $C4 dst $S4 proto esp spi "$spi4" \
	mark 0x20001 mask 0xffffffff
check "a deleted SA's ESP key goes" wait_until 10 no_esp sa_espp4
in_c "$NETTOOL" esp $S4 "$spi4"
unmarked_again() { [ "$(seen 0)" = 2 ] && [ "$(seen 131073)" = 1 ]; }
check "and its packets are no longer marked" wait_until 3 unmarked_again
in_s ip xfrm state flush
check "state flush: the IPv6 one too" wait_until 10 no_esp sa_espp6 ||
	{ esp sa_espp6; in_s ip -6 xfrm state; grep "ESP\|SA marks" "$TMP/daemon.err"; }
in_s ip xfrm policy flush
none_left() { is_reqids "" && is_marks ""; }
check "policy flush: no reqid, no chain" wait_until 10 none_left

# lost events: the daemon stopped while 10,000 clients come (20,000
# policy events, more than its socket holds) and one goes
client add 198.51.100.1 0x10001 16389
wait_until 10 is_reqids "16389:sa-mark-00010001 " ||
	no "a client before the daemon stops"
kill -STOP "$(pid_of daemon)"
i=0
while [ $i -lt 10000 ]; do
	a=10.$((i / 65536)).$((i / 256 % 256)).$((i % 256))
	m=$(printf '0x%x' $((0x100000 + i)))
	r=$((20000 + i))
	echo "xfrm policy add src $a/32 dst $S4/32 proto udp dir in mark $m mask 0xffffffff tmpl src $a dst $S4 proto esp reqid $r mode transport"
	echo "xfrm policy add src $S4/32 dst $a/32 proto udp dir out mark $m mask 0xffffffff tmpl src $S4 dst $a proto esp reqid $r mode transport"
	i=$((i + 1))
done >"$TMP/batch"
echo "xfrm policy delete src 198.51.100.1/32 dst $S4/32 proto udp dir in mark 0x10001 mask 0xffffffff" >>"$TMP/batch"
in_s ip -batch "$TMP/batch" || no "ip -batch adds 20,000 policies"
t0=$(date +%s%N)
kill -CONT "$(pid_of daemon)"
n_reqids() {
	in_s nft -j list map inet $T sa_reqids 2>/dev/null |
		jq '[.nftables[] | select(.map) | .map.elem // [] | .[]] | length'
}
wait_until 60 sh -c "[ \"\$($IN_S nft -j list map inet $T sa_reqids |
	jq '[.nftables[] | select(.map) | .map.elem // [] | .[]] | length')\" = 10000 ]"
t1=$(date +%s%N)
check "events lost: a full dump again" \
	grep -q 'XFRM events were lost' "$TMP/daemon.err"
check "after it, the 10,000 clients' reqids ($(( (t1 - t0) / 1000000 )) ms)" \
	test "$(n_reqids)" = 10000
check "and their 10,000 chains" test "$(in_s nft list chains inet |
	grep -c 'chain sa-mark-')" = 10000
check "the client deleted meanwhile is gone" sh -c \
	"! $IN_S nft list map inet $T sa_reqids | grep -q 'sa-mark-00010001'"
check "client 4711: reqid 24711 jumps to mark 0x101267" sh -c \
	"$IN_S nft list map inet $T sa_reqids | grep -q '24711 : jump sa-mark-00101267'"
counters >/dev/null
check "counters: 10,000 policies give 10,000 reqids and marks, nothing refused" \
	grep -q 'SA marks: 10000 policies give 10000 reqids 10000 marks, .* refused 0' \
	"$TMP/daemon.err" || grep 'SA marks: [0-9]' "$TMP/daemon.err" | tail -n1

stop daemon
check "daemon exits 0" test "$STATUS" -eq 0
check "its table with the SA maps goes with it" sh -c \
	"! $IN_S nft list table inet $T >/dev/null 2>&1"

# a restart that keeps the table (--fdstore, nettool supervise playing
# systemd): the maps and chains of the last run give way to what the
# kernel holds now, in one go
in_s ip xfrm policy flush
client add 198.51.100.1 0x10001 16389
client add 198.51.100.2 0x10002 16390
start_bg sup $IN_S "$NETTOOL" supervise "$TMP/notify.sock" \
	"$DAEMON" -n $QNUM --ipsec-check none --sa-marks --fdstore -d
wait_until 10 grep -q '^ready' "$TMP/sup.out"
check "under a service manager: the two clients" wait_until 10 is_reqids \
	"16389:sa-mark-00010001 16390:sa-mark-00010002 "
kill -KILL "$(sed -n 's/^started //p' "$TMP/sup.out" | tail -n1)"
pol delete in 198.51.100.1 0x10001
client add 198.51.100.3 0x10003 16391
wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -ge 2 ]"
check "restarted: the table adopted, not replaced" sh -c \
	"grep -q 'adopting table' '$TMP/sup.err' &&
	 ! grep -q 'replacing\\|cannot adopt' '$TMP/sup.err'"
check "its SA maps follow the policies of now" wait_until 10 is_reqids \
	"16390:sa-mark-00010002 16391:sa-mark-00010003 "
check "and so do its chains, each with its one rule" sh -c \
	"[ '$(marks)' = 'sa-mark-00010002 sa-mark-00010003 ' ] &&
	 [ \$($IN_S nft list chain inet $T sa-mark-00010002 | grep -c 'meta mark set') = 1 ]"
kill -TERM "$(pid_of sup)"
wait "$(pid_of sup)"
[ -z "$FAILED" ]
