#!/bin/sh
# Bad options exit 2 with one line and the usage; system errors exit 1
# with a message that names the cause.
. "$(dirname "$0")/../lib.sh"
setup_net

bad() {
	"$DAEMON" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && head -n1 "$TMP/err" | grep -q "^l2tp-nfqd: " &&
		grep -q '^Usage:' "$TMP/err"
}
check "--queue 70000 exits 2" bad --queue 70000
check "--queue names the range" grep -q 'out of range (0-65535)' "$TMP/err"
check "--queue abc exits 2" bad -n abc
check "--mark-mask 0 exits 2" bad --mark-mask 0
check "--backlog 0 exits 2" bad --backlog 0
check "unknown option exits 2" bad --frobnicate
check "missing argument exits 2" bad --queue
check "operand exits 2" bad extra
long=$(printf 'x%.0s' $(seq 1 120))
check "output path too long exits 2" bad -o "/tmp/$long"
check "--help exits 0" sh -c "'$DAEMON' --help >/dev/null"
check "--version" sh -c "'$DAEMON' --version | grep -q '^l2tp-nfqd [0-9]'"

start_daemon --no-rules || no "first daemon starts"
in_s "$DAEMON" --no-rules -n $QNUM >"$TMP/out" 2>"$TMP/err"
check "queue taken: exit 1" test $? -eq 1
check "queue taken: says so" grep -q 'another program' "$TMP/err"
check "first daemon still running" alive daemon

if command -v setpriv >/dev/null; then
	in_s setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
		"$DAEMON" --no-rules -n $((QNUM + 1)) >"$TMP/out" 2>"$TMP/err"
	check "no CAP_NET_ADMIN: exit 1" test $? -eq 1
	check "no CAP_NET_ADMIN: says so" grep -q 'no CAP_NET_ADMIN' "$TMP/err"
fi
[ -z "$FAILED" ]
