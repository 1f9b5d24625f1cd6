# Sourced by scenario.sh and systemd.sh: `l2tp-nfqd status` on the server, against what
# the kernel holds, on the server: the namespace srv, or with STATUS_IN
# empty (systemd.sh) the VM itself.  status_check WHAT DAEMON PEER TX
# [ppp]: two tunnels
# from PEER (behind the NAT), each with the mark its element in tunnels4
# has, one of them translated to TX (the client's own ID 1; TX "-": none
# translated), each with
# the reqid and SPIs of an SA pair in `ip xfrm state` (different ones:
# one SA per client); with "ppp", each names a kernel PPP interface of
# the server.  Parses the aligned text (the VM roots have no jq); the
# columns up to SPI-OUT never hold spaces.
st_in() { ${STATUS_IN-ip netns exec srv} "$@"; }
st_dump() { sed "s|^|info $T: $(basename "$1"): |" "$1"; }
status_col() {	# status_col FILE PEER COLUMN: that column of PEER's rows
	awk -v c="$3" -v p="$2" '
		/^PEER / { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		k && $1 == p { print $k }' "$1"
}

status_check() {
	sw=$1 sd=$2 sp=$3 stx=$4 sf=$W/status.txt
	st_in "$sd" status >"$sf" 2>$W/status.err
	check "$sw: l2tp-nfqd status exits 0, from the daemon" sh -c \
		"[ $? -eq 0 ] && head -n1 '$sf' | grep -q 'source: daemon'" ||
		st_dump $W/status.err
	info "$sw: status: $(sed -n '/^PEER /,/^$/p' "$sf" | tr -s ' ' | tr '\n' '|')"
	check "$sw: status lists two tunnels from $sp" \
		test "$(grep -c "^$sp " "$sf")" -eq 2 || st_dump "$sf"
	sids=$(status_col "$sf" "$sp" ID | tr '\n' ' ')
	sorig=$(status_col "$sf" "$sp" CLIENT-ID | tr '\n' ' ')
	if [ "$stx" = - ]; then
		check "$sw: status: two tunnels, neither translated ($sids)" \
			test "$sids" = "$sorig"
	else
		check "$sw: status: the clients' own tunnel 1 twice, one seen as ${stx:-?}* ($sids)" \
			sh -c "[ '$sorig' = '1 1 ' ] &&
			       echo ' $sids' | grep -q ' 1 ' &&
			       echo ' $sids' | grep -q ' $stx\\* '"
	fi
	smap=$(st_in nft list map inet l2tp-nfqd tunnels4 2>/dev/null)
	sok=yes
	for r in $(awk -v p="$sp" '
		/^PEER / { for (i = 1; i <= NF; i++) h[$i] = i; next }
		h["ID"] && $1 == p { id = $h["ID"]; sub(/\*/, "", id)
			print id ":" $h["MARK"] ":" $h["REQID"] ":" \
			      $h["SPI-IN"] ":" $h["SPI-OUT"] ":" $h["PPP"] }' "$sf"); do
		IFS=: read -r sid smark sreq sin sout sppp <<EOF
$r
EOF
		echo "$smap" | grep -q "$sp \. $(printf '0x%x' "$sid") : $(printf '0x%08x' "$smark")" ||
			{ info "$sw: tunnel $sid mark $smark not in tunnels4"; sok=no; }
		st_in ip xfrm state | grep -q "spi 0x$sin reqid $sreq " &&
		st_in ip xfrm state | grep -q "spi 0x$sout reqid $sreq " ||
			{ info "$sw: tunnel $sid: no SAs $sin/$sout reqid $sreq"; sok=no; }
		if [ "$5" = ppp ]; then
			[ "$sppp" != - ] && st_in ip link show "$sppp" >/dev/null 2>&1 ||
				{ info "$sw: tunnel $sid: PPP '$sppp'"; sok=no; }
		fi
	done
	check "$sw: status: each tunnel's mark as in tunnels4, its SA's reqid and SPIs as in ip xfrm state${5:+, its PPP interface}" \
		test $sok = yes || { st_dump "$sf"; st_in ip xfrm state | grep 'spi' | sed "s/^/info $T: /"; }
	check "$sw: status: two clients, two SAs (reqids $(status_col "$sf" "$sp" REQID | tr '\n' ' '))" \
		test "$(status_col "$sf" "$sp" REQID | sort -u | grep -vc '^-$')" -eq 2
}
