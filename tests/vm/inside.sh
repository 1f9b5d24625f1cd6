#!/bin/sh
# PID 1 in the VM, on the overlay root (writable: /tmp needs no tmpfs, and
# must not hide a project tree under /tmp): mounts, the stock kernel's modules
# under /lib/modules, then the scenario; powers off at the end.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
# ptys for pppd, which xl2tpd starts for each call
mkdir -p /dev/pts
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs tmpfs /run
for a in $(cat /proc/cmdline); do
	case $a in
	l2nq.top=*) export TOP=${a#l2nq.top=} ;;
	l2nq.build=*) export BUILD=${a#l2nq.build=} ;;
	l2nq.rel=*) rel=${a#l2nq.rel=} ;;
	l2nq.mods=*) mods=${a#l2nq.mods=} ;;
	l2nq.tier=*) export TIER=${a#l2nq.tier=} ;;
	esac
done
mkdir -p /lib/modules
rm -rf "/lib/modules/$rel"
ln -s "$mods" "/lib/modules/$rel"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo 1 >/proc/sys/kernel/sysrq
sh "$TOP/tests/vm/scenario.sh" 2>&1
sync
echo o >/proc/sysrq-trigger
sleep 10
