#!/bin/sh
# Tunnel set-up rate against L2TPNS, with and without l2tp-nfqd
# --tunnel-marks in the path (root, network namespaces; not a test).
# One LAC (tests/lac.c) opens 400 tunnels from one address and port 1701,
# one SCCRQ waiting for its SCCRP at a time, as L2TPNS requires; with PPP
# (LCP, PAP through freeradius, IPCP) or without.  L2TPNS is restarted for
# each run (its 499 tunnel slots).  Prints the median of three runs.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/l2tpns.sh"
N=${RATE_TUNNELS:-400}
trap 'l2tpns_kill; cleanup' EXIT
l2tpns_install
setup_net
# the stand-in SA: every packet of the client, as set_mark_in marks it
sim_mark 0x10000
radius_start || { echo "freeradius does not start"; exit 1; }
start_listener

# run DAEMON(0|1) LAC-ARGS...: $secs, seconds to the last tunnel up (not
# in a subshell: the processes it starts are stopped by the next run)
run() {
	with=$1
	shift
	l2tpns_kill
	l2tpns_start veth0 || exit 1
	if [ "$with" = 1 ]; then
		: >"$TMP/daemon.err"
		# one client, N tunnels at once: no per-SA limits
		start_daemon --ipsec-check none --tunnel-marks \
			--tunnels-per-mark 0 --sccrq-rate 0 || exit 1
	fi
	in_c "$LAC" -n $N -t 1 "$@" $S4 >"$TMP/lac.out"
	[ "$with" = 1 ] && stop daemon
	secs=$(sed -n "s/^summary: tunnels $N\/$N up.* after \([0-9.]*\) s.*/\1/p" \
		"$TMP/lac.out")
}

for ppp in "" "-u vpnuser:vpnpass"; do
	for with in 0 1; do
		runs=
		for i in 1 2 3; do
			# shellcheck disable=SC2086
			run $with $ppp
			runs="$runs ${secs:-failed}"
		done
		med=$(echo $runs | tr ' ' '\n' | sort -n | sed -n 2p)
		echo "$N tunnels${ppp:+ with PPP}, $([ $with = 1 ] &&
			echo 'l2tp-nfqd --tunnel-marks' || echo 'no l2tp-nfqd'):" \
			"median $med s ($(awk "BEGIN { printf \"%.0f\", $N / $med }") tunnels/s; runs:$runs)"
	done
done
