#!/bin/sh
# The VM's scenarios, on the overlay root (writable: /tmp needs no tmpfs,
# and must not hide a project tree under /tmp): as PID 1 it mounts what
# an init would first; then the stock kernel's modules under /lib/modules
# (when the root does not hold them), the scenarios of l2nq.run, in order;
# powers off at the end.
if [ $$ = 1 ]; then
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev 2>/dev/null
	# ptys for pppd, which xl2tpd starts for each call
	mkdir -p /dev/pts
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	ln -sf pts/ptmx /dev/ptmx
	mount -t tmpfs tmpfs /run
fi
mods= run=scenario
for a in $(cat /proc/cmdline); do
	case $a in
	l2nq.top=*) export TOP=${a#l2nq.top=} ;;
	l2nq.build=*) export BUILD=${a#l2nq.build=} ;;
	l2nq.rel=*) rel=${a#l2nq.rel=} ;;
	l2nq.mods=*) mods=${a#l2nq.mods=} ;;
	l2nq.tier=*) export TIER=${a#l2nq.tier=} ;;
	l2nq.lsw=*) export LSW=${a#l2nq.lsw=} ;;
	l2nq.deb=*) export DEB=${a#l2nq.deb=} ;;
	l2nq.run=*) run=$(echo "${a#l2nq.run=}" | tr , ' ') ;;
	esac
done
if [ -n "$mods" ]; then
	mkdir -p /lib/modules
	rm -rf "/lib/modules/$rel"
	ln -s "$mods" "/lib/modules/$rel"
fi
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo 1 >/proc/sys/kernel/sysrq
# each scenario prints "TIER: N passed, N failed"; the tier's line sums them
out=/tmp/vm-scenarios.out
for s in $run; do
	sh "$TOP/tests/vm/$s.sh" 2>&1 | tee -a $out
done
awk -v t="$TIER" '$1 == t ":" && $3 == "passed," { p += $2; f += $4; n++ }
	END { if (n > 1) printf "%s: %d passed, %d failed\n", t, p, f }' $out
sync
echo o >/proc/sysrq-trigger
sleep 10
