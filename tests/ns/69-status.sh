#!/bin/sh
# `l2tp-nfqd status` and `metrics`: which client is which.  Three clients
# behind one address through their own (simulated) SAs, two of them with
# tunnel 1 (one translated), an SA in XFRM behind one of the marks, the
# L2TP daemon's SCCRP binding its own ID; the status must equal the
# kernel's maps, name the SA as `ip xfrm state` does, carry what only the
# daemon knows (ports, host names, ages), validate against the schema of
# l2tp-nfqd(8) with jq, and survive an --fdstore restart gap from the
# kernel's maps alone.  Then the Prometheus text, and every error case.
. "$(dirname "$0")/../lib.sh"
setup_net
# the stand-in SAs: the source port says which client
sim_rules <<NFT
udp sport 1701 meta mark set 0x101
udp sport 1702 meta mark set 0x102
udp sport 1703 meta mark set 0x103
NFT
CTL=$TMP/control
VERSION=$("$DAEMON" -V | awk '{ print $2 }')
# promtool: on PATH, or unpacked (not installed: it is a whole Prometheus
# server) from Debian's prometheus package into a cache
promtool_path() {
	command -v promtool && return 0
	p=/var/tmp/l2tp-nfqd/promtool/usr/bin/promtool
	[ -x "$p" ] || (d=$(mktemp -d) && cd "$d" &&
		apt-get -o APT::Sandbox::User=root download prometheus \
			>/dev/null 2>&1 &&
		mkdir -p /var/tmp/l2tp-nfqd/promtool &&
		dpkg-deb -x prometheus_*.deb /var/tmp/l2tp-nfqd/promtool
		rm -rf "$d")
	[ -x "$p" ] && echo "$p"
}
hello() { echo "c8020014${1}0000000100018008000000000006"; }
# the L2TP daemon's hellos keep the tunnels live (timeout 10 s)
keepalive() {
	for tid in "$@"; do
		in_s "$NETTOOL" send -s 1701 $C4 1701 hex "$(hello "$tid")" \
			2>/dev/null
	done
}
status() { in_s "$DAEMON" status --control "$CTL" "$@"; }
lns_tid() {	# lns_tid N: the Assigned Tunnel ID of hst-0N's SCCRQ as the
	# L2TP daemon got it
	grep "6873742d303$1" "$TMP/lns.out" | sed -n 1p | cut -c93-96
}
sccrp() {	# sccrp DST TID LNS: the L2TP daemon's SCCRP
	in_s "$NETTOOL" send -s 1701 "$1" 1701 hex \
		"c802001c${2}0000000000018008000000000002800800000009${3}"
}
# (peer . ID) -> data of one of the table's maps, as "peer id data" lines
map_lines() {
	in_s nft -j list map inet l2tp-nfqd "$1" 2>/dev/null | jq -r '
		.nftables[] | select(.map) | .map.elem // [] | .[] |
		"\(.[0].concat[0]) \(.[0].concat[1]) \(.[1])"' | sort
}
# the same from the status's JSON
json_lines() {	# json_lines FILE JQ-EXPR-OF-THE-DATA
	jq -r ".tunnels[] | select(.family == \"ipv4\") |
		\"\(.peer) \(.tunnel_id) \($2)\"" "$1" | sort
}

start_listener || no "listener starts"
start_bg sup $IN_S "$NETTOOL" supervise -r 3000 "$TMP/notify.sock" \
	"$DAEMON" -n $QNUM -o "$SOCK" --format 2 --ipsec-check none \
	--tunnel-marks --tunnel-mark-timeout 10 --fdstore --control "$CTL" -d
wait_until 10 grep -q '^ready' "$TMP/sup.out" || no "daemon ready"
start_bg lns $IN_S "$NETTOOL" dump 1701
wait_until 5 grep -q ready "$TMP/lns.out"

# the SAs behind marks 0x102 (SAs with the mark, as strongSwan's
# mark_in/mark_out give them) and 0x103 (a marked inbound policy, SAs
# without: Libreswan's mark=-1): larval SAs, as this kernel has no ESP
# transform (64-sa-marks says more)
larval() {	# larval SRC DST REQID [MARK]
	in_s ip xfrm state allocspi src "$1" dst "$2" proto esp \
		mode transport reqid "$3" ${4:+mark $4 mask 0xffffffff} \
		>/dev/null
}
spi() {		# spi SRC DST: as ip xfrm state shows it
	in_s ip xfrm state list src "$1" dst "$2" |
		sed -n 's/.* spi \(0x[0-9a-f]*\) reqid.*/\1/p' | head -n1
}
larval $C4 $S4 42 0x102 && larval $S4 $C4 42 0x102 ||
	no "larval SAs with marks"
in_s ip xfrm policy add src $C4/32 dst $S4/32 proto udp dir in \
	mark 0x103 mask 0xffffffff tmpl src $C4 dst $S4 proto esp reqid 43 \
	mode transport
# reqid 43's SAs with another peer: not this tunnel's
larval 192.0.2.99 $S4 43 && larval $S4 192.0.2.99 43 ||
	no "larval SAs without marks"
spi_in2=$(spi $C4 $S4) spi_out2=$(spi $S4 $C4)

in_c "$NETTOOL" send -s 1701 $S4 1701 sccrq 1 "hst-01"
in_c "$NETTOOL" send -s 1702 $S4 1701 sccrq 1 "hst-02"
in_c "$NETTOOL" send -s 1703 $S4 1701 sccrq 7 "hst-03"
wait_until 5 sh -c "[ \$(grep -c 6873742d303 '$TMP/lns.out') -ge 3 ]"
t2=$(lns_tid 2)
keepalive 0001 "$t2" 0007
sccrp $C4 0001 0a01
sccrp $C4 "$t2" 0a02
lns_bound() { [ "$(map_lines lns4 | wc -l)" -ge 2 ]; }
wait_until 5 lns_bound || no "both SCCRPs bound"

keepalive 0001 "$t2" 0007
status --json >"$TMP/s.json" 2>"$TMP/s.err"
check "status --json exits 0" test $? -eq 0
check "three tunnels, from the daemon and the kernel, as in the maps" sh -c \
	"[ \$(jq '.tunnels | length' '$TMP/s.json') = 3 ] &&
	 [ \$(jq -r .source '$TMP/s.json') = daemon ] &&
	 [ $(map_lines tunnels4 | wc -l) = 3 ] &&
	 [ \$(jq '[.tunnels[] | select(.sources == [\"daemon\",\"kernel\"])] |
	   length' '$TMP/s.json') = 3 ]" || cat "$TMP/s.json" "$TMP/s.err"
check "marks: as the kernel's map tunnels4 holds them" test \
	"$(json_lines "$TMP/s.json" '.mark' | awk '{ printf "%s %s 0x%08x\n", $1, $2, $3 }')" = \
	"$(map_lines tunnels4 | awk '{ printf "%s %s 0x%08x\n", $1, $2, $3 }')"
check "the translated tunnel: the client's ID as the map xlate4 holds it" test \
	"$(json_lines "$TMP/s.json" '.client_tunnel_id' | grep -v ' 1 1$\| 7 7$')" = \
	"$(map_lines xlate4)"
check "the L2TP daemon's IDs as the map lns4 holds them" test \
	"$(jq -r '.tunnels[] | select(.lns_tunnel_id) | "\(.peer) \(.tunnel_id) \(.lns_tunnel_id)"' "$TMP/s.json" | sort)" = \
	"$(map_lines lns4)"
check "ports, host names, translation as the clients sent them" sh -c "
	jq -e '[.tunnels[] | \"\(.port) \(.host) \(.client_tunnel_id) \(.translated)\"] | sort ==
	  [\"1701 hst-01 1 false\", \"1702 hst-02 1 true\", \"1703 hst-03 7 false\"]' \
	  '$TMP/s.json' >/dev/null"
spis=$(jq -r '.tunnels[] | select(.mark == 258) | .sa |
	"\(.reqid) \(.spi_in) \(.spi_out)"' "$TMP/s.json")
check "the SA behind mark 0x102: reqid and SPIs as ip xfrm state has them ($spis)" \
	test "$spis" = "42 $spi_in2 $spi_out2"
spis=$(jq -r '.tunnels[] | select(.mark == 259) | .sa |
	"\(.reqid) \(.spi_in) \(.spi_out)"' "$TMP/s.json")
check "behind mark 0x103, by its policy: reqid 43, whose SAs are another peer's ($spis)" \
	test "$spis" = "43 null null"
check "no SA behind mark 0x101" test \
	"$(jq -c '.tunnels[] | select(.mark == 257) | .sa' "$TMP/s.json")" = null
check "ages and idle times known, small" sh -c "
	jq -e '[.tunnels[] | .age, .idle] | all(type == \"number\" and . >= 0 and . < 30)' \
	  '$TMP/s.json' >/dev/null"

# the schema of l2tp-nfqd(8), field by field
schema='
def num_or_null: type == "number" or type == "null";
def str_or_null: type == "string" or type == "null";
(.schema == 1) and (.version | type == "string") and
(.source == "daemon" or .source == "kernel") and (.table | type == "string") and
(.daemon == null or ((.daemon.version | type == "string") and
  (.daemon.pid | type == "number") and (.daemon.uptime | type == "number") and
  (.daemon.options | type == "object") and
  (.daemon.options | to_entries | all(.value | type == "string")))) and
(.tunnels | type == "array") and
(.tunnels | all(
  (.family == "ipv4" or .family == "ipv6") and (.peer | type == "string") and
  (.port | num_or_null) and (.client_tunnel_id | type == "number") and
  (.tunnel_id | type == "number") and (.translated | type == "boolean") and
  (.lns_tunnel_id | num_or_null) and (.mark | type == "number") and
  (.sa == null or ((.sa.reqid | type == "number") and
    (.sa.spi_in | str_or_null) and (.sa.spi_out | str_or_null))) and
  (.host | str_or_null) and (.age | num_or_null) and (.idle | num_or_null) and
  (.ppp | str_or_null) and (.sources | type == "array" and length > 0) and
  (keys | length == 14))) and
(.counters | type == "array") and
(.counters | all((.name | test("^[a-z_][a-z0-9_]*$")) and
  (.labels | type == "object") and (.value | type == "number")))'
check "the JSON validates against the schema" \
	jq -e "$schema" "$TMP/s.json"
check "the daemon's counters are there: SCCRQs, translations" sh -c "
	jq -e '[.counters[] | .name] | index(\"sccrqs_total\") != null' \
	  '$TMP/s.json' >/dev/null"

keepalive 0001 "$t2" 0007
status >"$TMP/s.txt"
mcol() { awk -v w="$1" '{ print index($0, w) }'; }	# where WORD starts
hdr=$(grep '^PEER ' "$TMP/s.txt")
check "text: a header, one line per tunnel, the columns aligned" sh -c "
	head -n1 '$TMP/s.txt' | grep -q 'source: daemon' &&
	[ \$(grep -c '^$C4 ' '$TMP/s.txt') = 3 ] &&
	[ $(echo "$hdr" | mcol MARK) = $(grep "^$C4 .*0x101" "$TMP/s.txt" | mcol 0x101) ] &&
	[ $(echo "$hdr" | mcol HOST) = $(grep "^$C4 .*hst-03" "$TMP/s.txt" | mcol hst-03) ]" ||
	cat "$TMP/s.txt"
check "text: the translated ID is starred, the SA's SPIs shown" sh -c "
	grep -q '^$C4  *1702  *1  *$((0x$t2))\\*' '$TMP/s.txt' &&
	grep -q ' ${spi_in2#0x}  *${spi_out2#0x} ' '$TMP/s.txt'"

# Prometheus text
keepalive 0001 "$t2" 0007
in_s "$DAEMON" metrics --control "$CTL" >"$TMP/m.prom"
check "metrics exits 0" test $? -eq 0
check "metrics: up, tunnel gauges" sh -c "
	grep -qx 'l2tp_nfqd_up 1' '$TMP/m.prom' &&
	grep -qx 'l2tp_nfqd_tunnels{family=\"ipv4\",translated=\"true\"} 1' '$TMP/m.prom' &&
	grep -qx 'l2tp_nfqd_tunnels{family=\"ipv4\",translated=\"false\"} 2' '$TMP/m.prom' &&
	grep -qx 'l2tp_nfqd_tunnels_bound{family=\"ipv4\"} 2' '$TMP/m.prom'"
# the format: HELP and TYPE once before each metric's samples, counters
# end in _total, names and labels well formed, no sample twice
prom_check() {
	awk '
	/^# HELP / { if (help[$3]++) { print "HELP twice: " $3; bad = 1 }; next }
	/^# TYPE / { if (type[$3]) { print "TYPE twice: " $3; bad = 1 }
		     type[$3] = $4
		     if ($4 != "counter" && $4 != "gauge") { print "type " $4; bad = 1 }
		     if (($3 ~ /_total$/) != ($4 == "counter")) { print "counter name " $3; bad = 1 }
		     next }
	/^#/ { next }
	{ if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? [0-9]+(\.[0-9]+)?$/) {
		print "sample: " $0; bad = 1 }
	  name = $0; sub(/[{ ].*/, "", name)
	  if (!help[name] || !type[name]) { print "no HELP/TYPE before " name; bad = 1 }
	  if (seen[$1]++) { print "twice: " $1; bad = 1 }
	  if (last != "" && name != last && done[name]) { print "not grouped: " name; bad = 1 }
	  done[last] = 1; last = name }
	END { exit bad }' "$1"
}
check "metrics: the Prometheus text format (parsed by the test)" \
	prom_check "$TMP/m.prom"
check "metrics: every metric has a help text of its own" sh -c \
	"! grep '^# HELP .*see l2tp-nfqd(8)' '$TMP/m.prom'"
in_s "$DAEMON" metrics --control "$CTL" -o "$TMP/l2tp-nfqd.prom"
check "metrics -o FILE: written whole, nothing left beside it" sh -c "
	grep -q '^l2tp_nfqd_up 1' '$TMP/l2tp-nfqd.prom' &&
	[ \$(ls '$TMP' | grep -c 'l2tp-nfqd.prom') = 1 ]"

# a restart gap (--fdstore; the next start comes 3 s later): the kernel's
# maps alone, said so
keepalive 0001 "$t2" 0007
kill -KILL "$(sed -n 's/^started //p' "$TMP/sup.out" | tail -n1)"
wait_until 5 grep -q '^exited' "$TMP/sup.out"
status --json >"$TMP/k.json" 2>"$TMP/k.err"
check "restart gap: exits 0, source kernel, a warning for the stale socket" sh -c "
	[ \$(jq -r .source '$TMP/k.json') = kernel ] &&
	jq -e '.daemon == null' '$TMP/k.json' >/dev/null &&
	grep -q 'stale control socket' '$TMP/k.err'" || cat "$TMP/k.err"
check "restart gap: the same tunnels, marks, IDs and SA as the maps" test \
	"$(jq -c '[.tunnels[] | [.peer, .tunnel_id, .client_tunnel_id, .lns_tunnel_id, .mark, .sa]]' "$TMP/k.json")" = \
	"$(jq -c '[.tunnels[] | [.peer, .tunnel_id, .client_tunnel_id, .lns_tunnel_id, .mark, .sa]]' "$TMP/s.json")"
check "restart gap: what only the daemon knew is null" sh -c "
	jq -e '.tunnels | all(.port == null and .host == null and .age == null)' \
	  '$TMP/k.json' >/dev/null"
check "restart gap: the JSON validates against the schema" \
	jq -e "$schema" "$TMP/k.json"
status >"$TMP/k.txt" 2>/dev/null
check "restart gap, text: says so" grep -q 'source: kernel' "$TMP/k.txt"
wait_until 10 sh -c "[ \$(grep -c '^ready' '$TMP/sup.out') -ge 2 ]"
wait_until 5 sh -c "$IN_S '$DAEMON' status --control '$CTL' --json 2>/dev/null |
	jq -e '.source == \"daemon\"' >/dev/null"
keepalive 0001 "$t2" 0007
status --json >"$TMP/r.json"
check "restarted: back from the daemon, the kept tunnels with it" sh -c "
	[ \$(jq -r .source '$TMP/r.json') = daemon ] &&
	[ \$(jq '.tunnels | length' '$TMP/r.json') = 3 ]"

# a StopCCN of the translated client, then expiry: the status follows
# the maps (the L2TP daemon's hellos keep tunnel 1's mark alive)
in_c "$NETTOOL" send -s 1702 $S4 1701 hex \
	c802001c0a020000000000008008000000000004800800000009000180080000000100
sleep 1
keepalive 0001 "$t2" 0007
status --json >"$TMP/c.json"
check "after a StopCCN: still what the maps hold" test \
	"$(json_lines "$TMP/c.json" '.mark' | awk '{ printf "%s %s 0x%08x\n", $1, $2, $3 }')" = \
	"$(map_lines tunnels4 | awk '{ printf "%s %s 0x%08x\n", $1, $2, $3 }')"
i=0
while [ $i -lt 30 ]; do
	keepalive 0001
	sleep 1
	i=$((i + 1))
	[ "$(map_lines tunnels4 | wc -l)" -le 1 ] && break
done
status --json >"$TMP/e.json"
check "after expiry: only the tunnel that kept talking, as in the maps" test \
	"$(json_lines "$TMP/e.json" '.mark' | awk '{ printf "%s %s 0x%08x\n", $1, $2, $3 }')" = \
	"$(map_lines tunnels4 | awk '{ printf "%s %s 0x%08x\n", $1, $2, $3 }')" ||
	cat "$TMP/e.json"
check "... which is tunnel 1" test \
	"$(jq -c '[.tunnels[] | .tunnel_id]' "$TMP/e.json")" = "[1]"

# errors: one line, exit status
status --bogus >"$TMP/o" 2>"$TMP/e"
check "bad option: exit 2, a reason, the usage" sh -c \
	"[ $? -eq 2 ] && head -n1 '$TMP/e' | grep -q 'l2tp-nfqd status: ' &&
	 grep -q '^Usage: l2tp-nfqd status' '$TMP/e'"
in_s setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$DAEMON" status --control "$CTL" >"$TMP/o" 2>"$TMP/e"
check "not root: exit 1, says so" sh -c \
	"[ $? -eq 1 ] && [ \$(wc -l <'$TMP/e') = 1 ] && grep -q 'run it as root' '$TMP/e'" ||
	cat "$TMP/e"
start_bg fake $IN_S "$NETTOOL" seqanswer "$TMP/fake" 'error version 9.9\n'
wait_until 5 grep -q ready "$TMP/fake.out"
in_s "$DAEMON" status --control "$TMP/fake" >"$TMP/o" 2>"$TMP/e"
check "a daemon of another version: exit 1, names both versions" sh -c \
	"[ $? -eq 1 ] && [ \$(wc -l <'$TMP/e') = 1 ] &&
	 grep -q 'version 9.9, this is $VERSION' '$TMP/e'" || cat "$TMP/e"
kill -TERM "$(pid_of sup)"
wait "$(pid_of sup)"
status >"$TMP/o" 2>"$TMP/e"
check "no daemon and no table: exit 1, says so" sh -c \
	"[ $? -eq 1 ] && grep -q 'no l2tp-nfqd is running .* no table inet l2tp-nfqd' '$TMP/e'" ||
	cat "$TMP/e"
# last: a test without promtool ends here, as skipped, after the rest
if PROMTOOL=$(promtool_path); then
	check "metrics: promtool check metrics" sh -c \
		"'$PROMTOOL' check metrics <'$TMP/m.prom'"
else
	skip "promtool check metrics: no promtool (apt-get download prometheus failed)"
fi
[ -z "$FAILED" ]
