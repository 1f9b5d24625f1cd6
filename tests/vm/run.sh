#!/bin/sh
# make check-vm: boot Debian's stock kernel (linux-image-amd64, unpacked,
# never installed) under qemu with TCG, the host's root file system shared
# read-only through 9p under a tmpfs overlay, and run scenario.sh inside:
# real IPsec (strongSwan, ESP, NAT-T), the native nft queue, NFQA_CT.
# Everything comes from Debian's packages.  Prints the tier line
# "vm: N passed, N failed, N skipped"; a machine that cannot run qemu gets
# the tier as skipped, never as passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$TOP/build}
VM=$TOP/build-vm
TIMEOUT=${VM_TIMEOUT:-420}

skip() {
	echo "skip vm: $*"
	echo "vm: 0 passed, 0 failed, 1 skipped"
	exit 0
}

# strongSwan and xl2tpd are installed on the host only for their files:
# the VM runs them.
# Keep package scripts from starting any service here.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
EXTRA_PKGS="qemu-system-x86 busybox-static kmod cpio strongswan-charon
strongswan-swanctl libstrongswan-standard-plugins xl2tpd ppp" "$TOP/tests/deps.sh" ||
	skip "cannot install qemu and strongSwan"
[ -x /usr/bin/qemu-system-x86_64 ] || skip "no qemu-system-x86_64"

# the stock kernel and its modules, from the package
mkdir -p "$VM"
if [ ! -f "$VM/kernel.ok" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -n1)
	[ -n "$pkg" ] || { apt-get update -qq; pkg=$(apt-cache depends \
		linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' |
		head -n1); }
	[ -n "$pkg" ] || skip "no linux-image-amd64 package"
	rm -rf "$VM/kernel" "$VM"/*.deb
	(cd "$VM" && apt-get download "$pkg" >/dev/null 2>&1) ||
		skip "cannot download $pkg"
	dpkg-deb -x "$VM"/linux-image-*.deb "$VM/kernel" || skip "bad package"
	rm -f "$VM"/*.deb
	touch "$VM/kernel.ok"
fi
REL=$(ls "$VM/kernel/lib/modules" | head -n1)
depmod -b "$VM/kernel" "$REL" || skip "depmod failed"

# the initramfs: busybox, the virtio/9p/overlay modules, tests/vm/init
IR=$VM/initramfs
rm -rf "$IR"
mkdir -p "$IR/bin" "$IR/lib/modules/$REL"
cp /bin/busybox "$IR/bin/busybox"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	for f in $(modprobe -d "$VM/kernel" -S "$REL" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'); do
		rel=${f#"$VM/kernel/lib/modules/$REL/"}
		mkdir -p "$IR/lib/modules/$REL/$(dirname "$rel")"
		cp "$f" "$IR/lib/modules/$REL/$rel"
	done
done
cp "$VM/kernel/lib/modules/$REL/modules.dep" "$IR/lib/modules/$REL/"
cp "$TOP/tests/vm/init" "$IR/init"
chmod +x "$IR/init"
(cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$VM/initrd.gz"

# the daemon and the test tools must be built (make check-vm does it)
[ -x "$B/l2tp-nfqd" ] && [ -x "$B/nettool" ] || skip "not built"

log=$VM/console.log
echo "booting $REL under qemu (TCG), up to ${TIMEOUT}s"
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$VM/kernel/boot/vmlinuz-$REL" -initrd "$VM/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet l2nq.top=$TOP l2nq.build=$B l2nq.rel=$REL l2nq.mods=$VM/kernel/lib/modules/$REL" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	</dev/null >"$log" 2>&1
rc=$?
# the scenario's own lines, without the console's carriage returns
tr -d '\r' <"$log" | grep -E '^(ok|FAIL|skip|info) ' 
line=$(tr -d '\r' <"$log" | grep -E '^vm: [0-9]+ passed' | tail -n1)
if [ -z "$line" ]; then
	echo "FAIL vm: no result from the VM (qemu exit $rc); last console lines:"
	tr -d '\r' <"$log" | tail -n 30
	echo "vm: 0 passed, 1 failed"
	exit 1
fi
echo "$line"
echo "$line" | grep -q ' 0 failed'
