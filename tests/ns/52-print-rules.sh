#!/bin/sh
# --print-rules tells the truth: for each combination of the options that
# shape the table, the printed text loads with the distribution's nft and
# lists exactly as the table the daemon installs.  (--sa-marks: no IPsec
# policy exists here, so there is no per-mark chain, which --print-rules
# leaves out as the daemon adds them as policies come.)
. "$(dirname "$0")/../lib.sh"
setup_net

# listing TABLE NS: the table as nft lists it, without what differs by
# nature (the owner flag and its comment, iptables-nft's warning about the
# compat target, which nft shows as the queue statement)
listing() {
	ip netns exec "$2" nft list table inet "$1" 2>/dev/null |
		sed -e 's/ # progname .*//' -e '/^\tflags owner$/d' \
		    -e '/^# Warning/d' -e '/^$/d' \
		    -e 's/queue num [0-9]*\( bypass\)\{0,1\}/accept/'
}

# bytecode TABLE NS: the expressions nft lists, without rule handles; the
# queue is compared above; the daemon's @th write also updates the UDP
# checksum (csum_flags 0x1), which nft's text cannot say
bytecode() {
	ip netns exec "$2" nft --debug=netlink list table inet "$1" 2>/dev/null |
		sed -n '/^table inet/q;p' |
		sed -e 's/^\(inet [^ ]* [^ ]*\) [0-9 ]*$/\1/' \
		    -e 's/target name NFQUEUE rev 3/QUEUE/' \
		    -e 's/immediate reg 0 accept/QUEUE/' \
		    -e 's/queue num [0-9]*\( bypass\)\{0,1\}/QUEUE/' \
		    -e 's/csum_flags 0x1/csum_flags 0x0/'
}

variant() {	# variant NAME OPTIONS...: one combination
	vname=$1
	shift
	: >"$TMP/daemon.err"
	start_bg daemon $IN_S "$DAEMON" -n $QNUM --no-ct-lookup "$@"
	if ! wait_until 5 grep -q installed "$TMP/daemon.err"; then
		no "$vname: daemon installs its table"
		cat "$TMP/daemon.err"
		stop daemon
		return
	fi
	table=$(sed -n 's/.*table inet \([^ ]*\) installed.*/\1/p' \
		"$TMP/daemon.err")
	listing "$table" "$NS_S" >"$TMP/installed"
	bytecode "$table" "$NS_S" >"$TMP/installed.bc"
	# bypass only where messages alone are at stake
	case " $* " in
	*" --tunnel-marks "*)
		check "$vname: installed queue rules queue to $QNUM, no bypass" \
			sh -c "$IN_S nft list table inet $table 2>/dev/null |
			grep 'queue num' | grep -c 'queue num $QNUM\$' | grep -qx 3" ;;
	*)
		check "$vname: installed queue rule queues to $QNUM, bypass" \
			sh -c "$IN_S nft list table inet $table 2>/dev/null |
			grep -q 'queue num $QNUM bypass'" ;;
	esac
	stop daemon
	# this kernel has no nft_queue: the printed queue statement cannot
	# load, so it is compared as accept on both sides
	"$DAEMON" -n $QNUM "$@" --print-rules >"$TMP/printed.nft"
	sed 's/queue num [0-9]*\( bypass\)\{0,1\}/accept/' "$TMP/printed.nft" |
		in_c nft -f - 2>"$TMP/nft.err"
	check "$vname: printed rules load with nft -f" test $? -eq 0 ||
		cat "$TMP/nft.err"
	listing "$table" "$NS_C" >"$TMP/printed"
	check "$vname: printed rules list as the installed table" \
		cmp -s "$TMP/installed" "$TMP/printed" ||
		diff "$TMP/installed" "$TMP/printed"
	bytecode "$table" "$NS_C" >"$TMP/printed.bc"
	check "$vname: and have the same expressions" \
		cmp -s "$TMP/installed.bc" "$TMP/printed.bc" ||
		diff "$TMP/installed.bc" "$TMP/printed.bc"
	in_c nft flush ruleset
}

variant "default"
variant "no ipsec check" --ipsec-check none
variant "connmark" --connmark
variant "connmark, mark mask, no ipsec check" --connmark --mark-mask 0xff00 \
	--ipsec-check none
variant "port, priority, table" --port 1702 --priority -200 --table other
variant "connmark, port, priority 0" --connmark --port 1799 --priority 0
variant "tunnel marks" --tunnel-marks
variant "tunnel marks, connmark, mask, no ipsec check, limits" --tunnel-marks \
	--connmark --mark-mask 0xffff --ipsec-check none \
	--tunnel-mark-timeout 60 --tunnel-marks-max 1000
variant "tunnel marks, port, table, priority, queue" --tunnel-marks \
	--port 1799 --table tm --priority -300
variant "tunnel marks, SCCRQ rate, no ipsec check" --tunnel-marks \
	--sccrq-rate 7 --ipsec-check none
variant "tunnel marks, no SCCRQ rate" --tunnel-marks --sccrq-rate 0
variant "sa marks" --sa-marks
variant "sa marks, tunnel marks, connmark" --sa-marks --tunnel-marks --connmark
variant "sa marks, connmark, mask, no ipsec check, table" --sa-marks \
	--connmark --mark-mask 0xffff0000 --ipsec-check none --table sa
[ -z "$FAILED" ]
