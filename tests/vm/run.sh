#!/bin/sh
# make check-vm: boot Debian's kernels (unpacked from their packages, never
# installed) under qemu with TCG, the host's root file system shared
# read-only through 9p under a tmpfs overlay, and run scenario.sh inside:
# real IPsec (strongSwan, ESP, NAT-T), the native nft queue, NFQA_CT, and
# Debian's xl2tpd, pppd and L2TPNS end to end.  One boot per kernel:
#   6-1   Debian 12's stock kernel (linux-image-amd64 from the machine's
#         own apt sources)
#   6-12  the newer one from bookworm-backports, read through a private
#         sources list made from the machine's own (same archive, other
#         suite); the machine's apt configuration is left as it is
#   13    Debian 13: a root of its own packages (tests/vm/root.sh, kept
#         under /var/tmp/l2tp-nfqd), its kernel, systemd 257 as PID 1
#   12-systemd  the same made of Debian 12's packages, systemd 252
# The first two run from the host's root, under a shell as PID 1.  13 runs
# systemd.sh, then every scenario; 12-systemd runs systemd.sh.  Each
# kernel is kept under build-vm/<name>/.  Prints one tier line per
# boot, "vm-<name>: N passed, N failed"; a kernel whose package cannot be
# had, or a machine that cannot run qemu, gets its tier as skipped, never
# as passed.  By default 6-1, 13 and 12-systemd boot (6.12 is Debian 13's
# kernel); VM_KERNELS="6-12" runs only the boots named.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$TOP/build}
VM=$TOP/build-vm
TIMEOUT=${VM_TIMEOUT:-}
KERNELS=${VM_KERNELS:-6-1 13 12-systemd}
status=0

skip_tier() {	# skip_tier NAME REASON
	echo "skip vm-$1: $2"
	echo "vm-$1: 0 passed, 0 failed, 1 skipped"
}
skip_all() {
	for k in $KERNELS; do skip_tier "$k" "$*"; done
	exit 0
}

# strongSwan, xl2tpd, ppp, l2tpns and freeradius are installed on the
# host only for their files: the VM runs them.
# Keep package scripts from starting any service here (a plain install
# would start freeradius and l2tpns).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
EXTRA_PKGS="qemu-system-x86 busybox-static kmod cpio xz-utils strongswan-charon
strongswan-swanctl strongswan-pki strongswan-starter
libstrongswan-standard-plugins xl2tpd ppp l2tpns freeradius" \
	"$TOP/tests/deps.sh" ||
	skip_all "cannot install qemu, strongSwan, L2TPNS and freeradius"
[ -x /usr/bin/qemu-system-x86_64 ] || skip_all "no qemu-system-x86_64"
# Libreswan for its scenario: unpacked, as it conflicts with strongSwan
sh "$TOP/tests/vm/libreswan.sh" prepare "$VM/libreswan" >/dev/null 2>&1 ||
	echo "info vm: cannot unpack Libreswan: its checks will fail"
# the daemon and the test tools must be built (make check-vm does it)
[ -x "$B/l2tp-nfqd" ] && [ -x "$B/nettool" ] || skip_all "not built"

# The URI (and keyring) of the machine's Debian archive, the one that
# serves bookworm, read from its own apt sources (deb822 or one-line): a
# suite of the same archive can then be added without naming a mirror.
debian_archive() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ / bookworm / &&
			    enabled != "no" && uris != "") {
				split(uris, u, " ")
				if (key !~ /^\//)
					key = ""
				print u[1], key
			}
			types = suites = uris = key = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[A-Za-z-]+:/ {
			f = tolower($1); sub(/:$/, "", f)
			v = $0; sub(/^[^:]*:[ \t]*/, "", v)
			if (f == "types") types = v
			else if (f == "uris") uris = v
			else if (f == "suites") suites = v
			else if (f == "signed-by") key = v
			else if (f == "enabled") enabled = tolower(v)
		}
		END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" {
			i = 2; key = ""
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					o = $i; sub(/^\[/, "", o); sub(/\]$/, "", o)
					if (o ~ /^signed-by=\//)
						key = substr(o, 11)
					if ($i ~ /\]$/) { i++; break }
				}
			}
			if ($(i + 1) == "bookworm")
				print $i, key
		}' "$f"
	done
}

# private_apt DIR SUITE: apt options ($APT) that see SUITE of the machine's
# Debian archive and nothing else, with lists and caches under DIR
private_apt() {
	d=$1 suite=$2
	# shellcheck disable=SC2046
	set -- $(debian_archive | head -n1)
	[ $# -ge 1 ] || return 1
	mkdir -p "$d/lists/partial"
	echo "deb ${2:+[signed-by=$2] }$1 $suite main" >"$d/sources.list"
	APT="-o Dir::Etc::SourceList=$d/sources.list
	     -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$d/lists
	     -o Dir::Cache::pkgcache=$d/pkgcache.bin
	     -o Dir::Cache::srcpkgcache=$d/srcpkgcache.bin"
	# shellcheck disable=SC2086
	apt-get $APT update >"$d/update.log" 2>&1
}

# kernel_conf NAME: where the kernel comes from (SUITE, empty: the
# machine's own sources; or the root of Debian release ROOTREL), which
# release it must be (WANT), the modules the initramfs loads to reach the
# host's root (INITMODS, with their dependencies from the kernel's own
# modules.dep), PID 1 (INIT: sh or systemd) and the scenarios (RUN)
kernel_conf() {
	ROOTREL= INIT=sh RUN=scenario
	case $1 in
	6-1)	SUITE= WANT=6.1.
		INITMODS="virtio_pci 9pnet_virtio 9p overlay" ;;
	# virtio core is built in; 9pnet needs netfs loaded first
	6-12)	SUITE=bookworm-backports WANT=6.12.
		INITMODS="netfs 9pnet_virtio 9p overlay" ;;
	13)	ROOTREL=trixie WANT=6.12. INIT=systemd RUN="systemd scenario"
		INITMODS="netfs 9pnet_virtio 9p overlay" ;;
	12-systemd)
		ROOTREL=bookworm WANT=6.1. INIT=systemd RUN=systemd
		INITMODS="virtio_pci 9pnet_virtio 9p overlay" ;;
	*)	return 1 ;;
	esac
}

# root_kernel: the kernel of the root of $ROOTREL (made or kept by
# root.sh); sets ROOT, KDIR, REL, or WHY and fails
root_kernel() {
	mkdir -p "$K"
	ROOT=$(sh "$TOP/tests/vm/root.sh" "$ROOTREL" 2>"$K.root.log") || {
		WHY="cannot make a Debian $ROOTREL root (see $K.root.log)"
		return 1
	}
	KDIR=$ROOT LSWDIR=$ROOT.libreswan
	REL=$(ls "$ROOT/lib/modules" | head -n1)
	case $REL in
	"$WANT"*) ;;
	*) WHY="the $ROOTREL root has Linux $REL, not $WANT"; return 1 ;;
	esac
}

# install_deb: the systemd boots start from a copy of the root with the
# package installed as an admin installs it (apt install ./l2tp-nfqd_*.deb
# on that release, here in a chroot) and the README's options in
# /etc/default/l2tp-nfqd, so that the machine boots with the unit as the
# package leaves it; sets ROOT to the copy, or WHY and fails
install_deb() {
	[ "$INIT" = systemd ] || return 0
	DEB=${DEB:-$(ls "$TOP"/build-deb/l2tp-nfqd_*_amd64.deb 2>/dev/null | tail -n1)}
	if [ -z "$DEB" ]; then
		make -s -C "$TOP" deb >"$K.deb.log" 2>&1
		DEB=$(ls "$TOP"/build-deb/l2tp-nfqd_*_amd64.deb 2>/dev/null | tail -n1)
	fi
	[ -n "$DEB" ] || { WHY="no package: make deb failed (see $K.deb.log)"; return 1; }
	rm -rf "$K/root"
	cp -a "$ROOT" "$K/root"
	cp "$DEB" "$K/root/tmp/"
	mount -t proc proc "$K/root/proc"
	chroot "$K/root" apt-get install -y -o Dpkg::Use-Pty=0 "/tmp/$(basename "$DEB")" \
		>"$K.install.log" 2>&1
	rc=$?
	# the package installs the unit disabled; the admin sets the options
	# and enables it (the README's recipe, less its --now: the boot
	# starts it)
	chroot "$K/root" systemctl is-enabled l2tp-nfqd \
		>"$K/root/var/tmp/l2nq-enabled-by-package" 2>/dev/null
	umount "$K/root/proc"
	[ $rc -eq 0 ] || { WHY="apt install of the package failed (see $K.install.log)"; return 1; }
	cat >"$K/root/etc/default/l2tp-nfqd" <<'OPTS'
L2TP_NFQD_OPTS="--tunnel-marks --require-ipsec --fdstore"
OPTS
	chroot "$K/root" systemctl enable l2tp-nfqd >>"$K.install.log" 2>&1 ||
		{ WHY="systemctl enable l2tp-nfqd failed (see $K.install.log)"; return 1; }
	ROOT=$K/root
}

# fetch_kernel NAME: the kernel package unpacked under $K/kernel; sets REL,
# or WHY and fails
fetch_kernel() {
	if [ ! -f "$K/kernel.ok" ]; then
		rm -rf "$K/kernel" "$K"/*.deb
		mkdir -p "$K"
		APT=
		if [ -n "$SUITE" ]; then
			private_apt "$K/apt" "$SUITE" || {
				WHY="cannot read $SUITE from the machine's Debian archive"
				return 1
			}
		fi
		# shellcheck disable=SC2086
		pkg=$(apt-cache $APT depends linux-image-amd64 2>/dev/null |
			sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -n1)
		if [ -z "$pkg" ] && [ -z "$SUITE" ]; then
			apt-get update -qq
			pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
				sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' |
				head -n1)
		fi
		[ -n "$pkg" ] || { WHY="no linux-image-amd64 package"; return 1; }
		case $pkg in
		linux-image-"$WANT"*) ;;
		*) WHY="$pkg is not Linux $WANT"; return 1 ;;
		esac
		# shellcheck disable=SC2086
		(cd "$K" && apt-get $APT download "$pkg" >/dev/null 2>&1) ||
			{ WHY="cannot download $pkg"; return 1; }
		dpkg-deb -x "$K"/linux-image-*.deb "$K/kernel" ||
			{ WHY="bad package $pkg"; return 1; }
		rm -f "$K"/*.deb
		touch "$K/kernel.ok"
	fi
	KDIR=$K/kernel
	REL=$(ls "$K/kernel/lib/modules" | head -n1)
	depmod -b "$K/kernel" "$REL" || { WHY="depmod failed"; return 1; }
}

# make_initrd: busybox, the modules to reach the host's root (uncompressed:
# busybox's insmod reads plain .ko only) and the list init loads them
# from, in order; then tests/vm/init
make_initrd() {
	IR=$K/initramfs
	rm -rf "$IR" "$K/deps"
	mkdir -p "$IR/bin" "$IR/lib/modules"
	cp /bin/busybox "$IR/bin/busybox"
	for m in $INITMODS; do
		modprobe -d "$KDIR" -S "$REL" --show-depends "$m" \
			>>"$K/deps" || { WHY="no module $m"; return 1; }
	done
	: >"$IR/modules"
	for f in $(awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$K/deps"); do
		n=$(basename "$f")
		n=${n%.xz} n=${n%.zst}
		case $f in
		*.xz)	xz -dc "$f" ;;
		*.zst)	zstd -dcq "$f" ;;
		*)	cat "$f" ;;
		esac >"$IR/lib/modules/$n" || { WHY="cannot unpack $f"; return 1; }
		echo "$n" >>"$IR/modules"
	done
	cp "$TOP/tests/vm/init" "$IR/init"
	chmod +x "$IR/init"
	(cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip -1) \
		>"$K/initrd.gz"
}

boot() {	# boot NAME: one boot, every scenario of that kernel
	boot_once "$1"
	rc=$?
	# a guest that died before its first check (seen: a rare oops in
	# early boot under software emulation) has tested nothing: once more
	if ! tr -d '\r' <"$K/console.log" | grep -qE '^(ok|FAIL) '; then
		echo "info vm-$1: the guest stopped before any check; booting again"
		tr -d '\r' <"$K/console.log" | grep -iE 'panic|oops' | head -n 3 |
			sed "s/^/info vm-$1: /"
		boot_once "$1"
		rc=$?
	fi
	return $rc
}

boot_once() {
	t=$(date +%s)
	log=$K/console.log
	# every scenario, then systemd's: Debian 13's boot runs both
	to=${TIMEOUT:-$((600 + 300 * $(echo $RUN | wc -w)))}
	echo "booting $REL under qemu (TCG), up to ${to}s"
	args="l2nq.top=$TOP l2nq.build=$B l2nq.rel=$REL l2nq.tier=vm-$1"
	args="$args l2nq.init=$INIT l2nq.run=$(echo $RUN | tr ' ' ,)"
	if [ -n "$ROOTREL" ]; then
		# the root's own modules; the host's root under /host
		args="$args l2nq.root=$ROOT l2nq.lsw=/host$LSWDIR"
	else
		args="$args l2nq.mods=$K/kernel/lib/modules/$REL"
	fi
	[ "$INIT" = systemd ] && args="$args l2nq.deb=/host$DEB"
	timeout "$to" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 \
		-nographic -no-reboot -nic none \
		-kernel "$KDIR/boot/vmlinuz-$REL" -initrd "$K/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet $args" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		</dev/null >"$log" 2>&1
	rc=$?
	# the scenario's own lines, without the console's carriage returns
	tr -d '\r' <"$log" | grep -E '^(ok|FAIL|skip|info) '
	echo "info vm-$1: $REL, $(($(date +%s) - t)) s from boot to power-off"
	line=$(tr -d '\r' <"$log" | grep -E "^vm-$1: [0-9]+ passed" | tail -n1)
	if [ -z "$line" ]; then
		echo "FAIL vm-$1: no result from the VM (qemu exit $rc); last console lines:"
		tr -d '\r' <"$log" | tail -n 30
		echo "vm-$1: 0 passed, 1 failed"
		return 1
	fi
	echo "$line"
	echo "$line" | grep -q ' 0 failed'
}

for k in $KERNELS; do
	K=$VM/$k
	WHY=
	if ! kernel_conf "$k"; then
		echo "FAIL vm-$k: unknown kernel name"
		echo "vm-$k: 0 passed, 1 failed"
		status=1
		continue
	fi
	if [ -n "$ROOTREL" ]; then
		root_kernel || { skip_tier "$k" "$WHY"; continue; }
		install_deb || {
			echo "FAIL vm-$k: $WHY"
			echo "vm-$k: 0 passed, 1 failed"
			status=1
			continue
		}
	elif ! fetch_kernel "$k"; then
		skip_tier "$k" "$WHY"
		continue
	fi
	if ! make_initrd; then
		echo "FAIL vm-$k: initramfs: $WHY"
		echo "vm-$k: 0 passed, 1 failed"
		status=1
		continue
	fi
	boot "$k" || status=1
done
exit $status
