# Shared helpers of the namespace tests: sourced, not run.
#
# Each test script sets up its own namespaces (client and server joined by
# a veth pair, documentation addresses), records each assertion with ok/no
# in $RESULTS, and cleans up on exit.  Exit 77 means the kernel lacks
# something the test needs: skipped, never passed.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$TOP/build}
DAEMON=${DAEMON:-$B/l2tp-nfqd}
LISTEN=$B/l2tp-nfq-listen
NETTOOL=$B/nettool
RESULTS=${RESULTS:-/dev/null}
TEST=$(basename "$0" .sh)

ID=$$
NS_C=l2nq-c-$ID
NS_S=l2nq-s-$ID
C4=192.0.2.1
S4=192.0.2.2
C6=2001:db8::1
S6=2001:db8::2
QNUM=$((ID % 60000 + 100))
TMP=$(mktemp -d /tmp/l2nq-test.XXXXXX)
SOCK=$TMP/nfq.sock
# the daemons' control socket: theirs, not the host's /run/l2tp-nfqd/control
L2TP_NFQD_CONTROL=$TMP/control
export L2TP_NFQD_CONTROL
PIDS=

ok() {
	echo "ok   $TEST: $*"
	echo "pass $TEST: $*" >>"$RESULTS"
}

no() {
	echo "FAIL $TEST: $*"
	echo "fail $TEST: $*" >>"$RESULTS"
	FAILED=1
	return 1
}

# check "what" command...: one assertion
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else no "$what"; fi
}

skip() {
	echo "skip $TEST: $*"
	echo "skip $TEST: $*" >>"$RESULTS"
	exit 77
}

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# in_c / in_s: run in the client / server namespace.  Not functions:
# `$IN_S cmd &` must leave the command's own pid in $!.
IN_C="ip netns exec $NS_C"
IN_S="ip netns exec $NS_S"
in_c() { $IN_C "$@"; }
in_s() { $IN_S "$@"; }

setup_net() {
	ip netns add "$NS_C" && ip netns add "$NS_S" || skip "no netns"
	ip link add veth0 netns "$NS_C" type veth peer name veth0 \
		netns "$NS_S" || skip "no veth"
	ip -n "$NS_C" link set lo up
	ip -n "$NS_S" link set lo up
	ip -n "$NS_C" addr add $C4/24 dev veth0
	ip -n "$NS_S" addr add $S4/24 dev veth0
	ip -n "$NS_C" addr add $C6/64 dev veth0 nodad
	ip -n "$NS_S" addr add $S6/64 dev veth0 nodad
	ip -n "$NS_C" link set veth0 up
	ip -n "$NS_S" link set veth0 up
}

# wait_until SECONDS command...: poll for a condition
wait_until() {
	t=$(($1 * 20))
	shift
	while [ $t -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		t=$((t - 1))
	done
	return 1
}

# start_bg NAME command...: run in the background, output in $TMP/NAME
start_bg() {
	name=$1
	shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	eval "PID_$name=$!"
	PIDS="$PIDS $!"
}

pid_of() { eval "echo \$PID_$1"; }

alive() { kill -0 "$(pid_of "$1")" 2>/dev/null; }

# stop NAME: SIGTERM and wait; sets STATUS to its exit status
stop() {
	p=$(pid_of "$1")
	kill -TERM "$p" 2>/dev/null
	wait "$p"
	STATUS=$?
}

start_listener() {
	start_bg listen "$LISTEN" -x "$@" "$SOCK"
	wait_until 5 test -S "$SOCK"
}

# start_daemon ARGS...: the daemon in the server namespace
start_daemon() {
	start_bg daemon $IN_S "$DAEMON" -n $QNUM -o "$SOCK" -d "$@"
	# ready once its rules are in (or it says it installs none)
	wait_until 5 grep -q "queue $QNUM" "$TMP/daemon.err" &&
	wait_until 5 grep -q "installed\|--no-rules" "$TMP/daemon.err" ||
		{ cat "$TMP/daemon.err"; return 1; }
}

messages() { grep -c '^format' "$TMP/listen.out" 2>/dev/null; }

# wait_messages N: until the listener printed N messages
wait_messages() { wait_until 5 sh -c "[ \$(grep -c '^format' '$TMP/listen.out') -ge $1 ]"; }

# counters: ask the daemon to log them, then print its log
counters() {
	kill -USR1 "$(pid_of daemon)"
	sleep 0.2
	cat "$TMP/daemon.err"
}

# A queue rule written by hand (the --no-rules setup), as iptables-nft
# writes it: this kernel has no native nft queue.
queue_rule() {
	in_s iptables-nft -t mangle -A INPUT -p udp --dport 1701 \
		-j NFQUEUE --queue-num $QNUM --queue-bypass "$@"
}

# le32 N / le16 N: little-endian hex, as the host order of the messages
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { printf '%s%s' "$(le16 $(($1 & 65535)))" "$(le16 $(($1 >> 16)))"; }
hexstr() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

NFTDUMP=$B/nftdump

# rule_packets TABLE: the packet counter of the table's rule
rule_packets() {
	in_s nft -j list table inet "$1" 2>/dev/null |
		jq '[.nftables[] | select(.rule) | .rule.expr[] |
			select(.counter) | .counter.packets] | add'
}

# rule_exprs TABLE: the rule's match, without counter values and the verdict
rule_exprs() {
	in_s nft -j list table inet "$1" 2>/dev/null |
		jq -c '[.nftables[] | select(.rule) | .rule.expr[:-1][] |
			if .counter then "counter" else . end]'
}

# chain_info TABLE: type, hook, priority and policy of the input chain
chain_info() {
	in_s nft -j list table inet "$1" 2>/dev/null |
		jq -c '.nftables[] | select(.chain) | .chain |
			[.type, .hook, .prio, .policy]'
}

has_table() { in_s nft list table inet "$1" >/dev/null 2>&1; }

# sim_rules: the stand-in for the marks that strongSwan's set_mark_in gives
# IPsec traffic: nft rules, one a line on standard input, in the
# prerouting chain of the server's table inet marks
sim_rules() {
	{
		echo 'table inet marks { chain pre {'
		echo 'type filter hook prerouting priority mangle - 10;'
		cat
		echo '}'
		echo '}'
	} | in_s nft -f - || skip "nft"
}

# sim_mark MARK: every packet reaching the server gets MARK (a here-document,
# not a pipe: skip must end the test, not a subshell)
sim_mark() {
	sim_rules <<NFT
meta mark set $1
NFT
}
