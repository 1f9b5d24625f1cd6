#!/bin/sh
# tests/deb.sh: the Debian packages as an admin gets them.  Builds them
# with make deb (which fails on any lintian error or warning), then, for
# each release, in a fresh Debian root made by mmdebstrap (variant apt,
# cached as a tarball under /var/tmp/l2tp-nfqd/ for a week, unpacked
# afresh each run): apt install ./l2tp-nfqd_*.deb ./l2tp-nfqd-dev_*.deb,
# the system user, the files, the conffile, the service left disabled,
# the programs run; remove keeps the conffile, purge removes it and every
# file of the packages and keeps the user; an install after the purge.
#
# Each command in a root runs in its own mount and PID namespaces, so its
# /proc mount and any process it leaves go with it.  Needs root and the
# network (mmdebstrap, apt).  Environment: DEB_RELEASES (default
# "bookworm trixie"), MIRROR (default http://deb.debian.org/debian),
# CACHE (default /var/tmp/l2tp-nfqd).  Prints ok/FAIL lines and, last,
# "deb: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RELEASES=${DEB_RELEASES:-bookworm trixie}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${CACHE:-/var/tmp/l2tp-nfqd}
pass=0 fail=0

ok() {
	echo "ok   deb: $*"
	pass=$((pass + 1))
}
no() {
	echo "FAIL deb: $*"
	fail=$((fail + 1))
	return 1
}
# check "what" command...: one assertion
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else no "$what"; fi
}
finish() {
	echo "deb: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

[ "$(id -u)" = 0 ] || { no "needs root (apt, mmdebstrap, chroot)"; finish; }
command -v mmdebstrap >/dev/null ||
	EXTRA_PKGS=mmdebstrap "$TOP/tests/deps.sh" >/dev/null ||
	{ no "cannot install mmdebstrap"; finish; }
mkdir -p "$CACHE" && W=$(mktemp -d "$CACHE/deb.XXXXXX") ||
	{ no "cannot make a directory under $CACHE"; finish; }
R=$W/root
# the namespaces' mounts went with them; never delete through a mount
remove_root() {
	if grep -q " $R[/ ]" /proc/self/mountinfo; then
		echo "info deb: $R still has mounts, left in place" >&2
		return 1
	fi
	rm -rf --one-file-system "$R"
}
trap 'remove_root && rm -rf "$W"' EXIT
trap 'exit 130' INT TERM

# in_root command...: run in the root $R, with /proc of its own
in_root() {
	unshare --mount --propagation private --pid --fork --kill-child \
		sh -c 'r=$1; shift; mount -t proc proc "$r/proc" &&
		exec chroot "$r" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"' sh "$R" "$@"
}
# apt_root what apt-get-arguments...: one check, the log shown on failure
apt_root() {
	what=$1
	shift
	if in_root apt-get -y -q -o Dpkg::Use-Pty=0 "$@" >"$W/apt.log" 2>&1
	then
		ok "$what"
	else
		no "$what"
		tail -20 "$W/apt.log" | sed 's/^/    /'
	fi
}

# --- the packages
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
ARCH=$(dpkg --print-architecture)
DEB=l2tp-nfqd_${VERSION}_$ARCH.deb
DEV=l2tp-nfqd-dev_${VERSION}_all.deb
start=$(date +%s)
if make -C "$TOP" --no-print-directory deb >"$W/make-deb.log" 2>&1; then
	ok "make deb ($(($(date +%s) - start)) s)"
else
	no "make deb"
	tail -30 "$W/make-deb.log" | sed 's/^/    /'
fi
check "lintian: no error or warning" \
	sh -c "! grep -Eq '^[EW]: ' '$W/make-deb.log'"
grep -E '^[IPX]: ' "$W/make-deb.log" | sed 's/^/info deb: lintian /'
check "the tree has no debian/ of its own" test ! -e "$TOP/debian"
for f in "$DEB" "$DEV"; do
	check "build-deb/$f" test -s "$TOP/build-deb/$f" || finish
done

# --- each release
for rel in $RELEASES; do
	tar=$CACHE/$rel-apt.tar
	(
		flock 9
		if [ -z "$(find "$tar" -mtime -7 2>/dev/null)" ]; then
			echo "info deb: building $tar"
			mmdebstrap --quiet --format=tar --variant=apt "$rel" \
				"$tar.new" "$MIRROR" && mv "$tar.new" "$tar" ||
				{ rm -f "$tar.new"; exit 1; }
		fi
	) 9>"$CACHE/$rel-apt.lock" || { no "$rel: mmdebstrap"; continue; }
	remove_root || { no "$rel: the last root is still mounted"; break; }
	mkdir "$R" && tar -C "$R" -xf "$tar" &&
		cp -L /etc/resolv.conf "$R/etc/resolv.conf" &&
		mkdir -p "$R/tmp/debs" &&
		cp "$TOP/build-deb/$DEB" "$TOP/build-deb/$DEV" "$R/tmp/debs/" ||
		{ no "$rel: cannot unpack $tar"; continue; }
	start=$(date +%s)
	d="$rel $(cat "$R/etc/debian_version")"

	apt_root "$d: apt-get update" update
	apt_root "$d: apt install ./$DEB ./$DEV" install \
		--no-install-recommends "/tmp/debs/$DEB" "/tmp/debs/$DEV" ||
		continue
	echo "info deb: $d: systemd-sysusers from $(in_root dpkg-query -W \
		-f='${db:Status-Abbrev}${Package} ${Version}\n' systemd \
		systemd-standalone-sysusers opensysusers 2>/dev/null |
		sed -n 's/^ii *//p')"
	# the user of the unit: sysusers.d's, a system user without a login
	pw=$(in_root getent passwd l2tp-nfqd)
	uid=$(echo "$pw" | cut -d: -f3)
	check "$d: the system user l2tp-nfqd (uid ${uid:-none}), no login" \
		sh -c "[ -n '$uid' ] && [ '$uid' -gt 0 ] && [ '$uid' -lt 1000 ] &&
			[ '$(echo "$pw" | cut -d: -f7)' = /usr/sbin/nologin ]"
	check "$d: the group l2tp-nfqd" sh -c \
		"grep -q '^l2tp-nfqd:x:$(in_root id -g l2tp-nfqd):' '$R/etc/group'"
	for f in usr/sbin/l2tp-nfqd usr/bin/l2tp-nfq-listen \
		 lib/systemd/system/l2tp-nfqd.service \
		 lib/systemd/system/l2tp-nfqd-metrics.service \
		 lib/systemd/system/l2tp-nfqd-metrics.timer \
		 usr/lib/sysusers.d/l2tp-nfqd.conf etc/default/l2tp-nfqd \
		 usr/share/man/man8/l2tp-nfqd.8.gz \
		 usr/share/man/man1/l2tp-nfq-listen.1.gz \
		 usr/share/doc/l2tp-nfqd/copyright \
		 usr/include/l2tp-nfq/l2tp-nfqd.h \
		 usr/share/pkgconfig/l2tp-nfqd.pc; do
		check "$d: /$f" test -s "$R/$f"
	done
	check "$d: the unit runs /usr/sbin/l2tp-nfqd as l2tp-nfqd" sh -c \
		"grep -qx 'ExecStart=/usr/sbin/l2tp-nfqd \$L2TP_NFQD_OPTS' \
			'$R/lib/systemd/system/l2tp-nfqd.service' &&
		 grep -qx 'User=l2tp-nfqd' '$R/lib/systemd/system/l2tp-nfqd.service'"
	check "$d: systemd-analyze verify l2tp-nfqd.service" \
		in_root systemd-analyze verify --man=no l2tp-nfqd.service
	conffiles=$(in_root dpkg-query -W -f='${Conffiles}\n' l2tp-nfqd)
	check "$d: /etc/default/l2tp-nfqd is a conffile" sh -c \
		"echo '$conffiles' | grep -q '^ /etc/default/l2tp-nfqd [0-9a-f]\{32\}$'"
	enabled=$(in_root systemctl is-enabled l2tp-nfqd.service 2>&1)
	check "$d: the service is installed disabled ($enabled)" sh -c \
		"[ ! -e '$R/etc/systemd/system/multi-user.target.wants/l2tp-nfqd.service' ] &&
		 [ '$enabled' = disabled ]"
	check "$d: l2tp-nfqd --version" \
		test "$(in_root l2tp-nfqd --version)" = "l2tp-nfqd $VERSION"
	in_root l2tp-nfqd --print-rules >"$W/rules" 2>&1
	check "$d: l2tp-nfqd --print-rules" \
		grep -q '^table inet l2tp-nfqd {' "$W/rules"
	in_root l2tp-nfq-listen --help >"$W/help" 2>&1
	check "$d: l2tp-nfq-listen --help" \
		grep -q '^Usage: l2tp-nfq-listen' "$W/help"

	# what the packages put on the system, for after the purge
	in_root dpkg-query -L l2tp-nfqd l2tp-nfqd-dev >"$W/files"
	apt_root "$d: apt remove l2tp-nfqd" remove l2tp-nfqd
	check "$d: removed: the programs and the unit are gone" sh -c \
		"[ ! -e '$R/usr/sbin/l2tp-nfqd' ] && [ ! -e '$R/usr/bin/l2tp-nfq-listen' ] &&
		 [ ! -e '$R/lib/systemd/system/l2tp-nfqd.service' ]"
	check "$d: removed: /etc/default/l2tp-nfqd is kept" \
		test -s "$R/etc/default/l2tp-nfqd"
	check "$d: removed: dpkg keeps its conffile (config-files)" test \
		"$(in_root dpkg-query -W -f='${db:Status-Status}' l2tp-nfqd)" = \
		config-files
	apt_root "$d: apt purge l2tp-nfqd l2tp-nfqd-dev" purge \
		l2tp-nfqd l2tp-nfqd-dev
	check "$d: purged: /etc/default/l2tp-nfqd is gone" \
		test ! -e "$R/etc/default/l2tp-nfqd"
	left=
	while read -r f; do
		[ -e "$R$f" ] && [ ! -d "$R$f" ] && left="$left $f"
	done <"$W/files"
	check "$d: purged: no file of the packages left${left:+ (left:$left)}" \
		test -z "$left"
	known=
	for p in l2tp-nfqd l2tp-nfqd-dev; do
		in_root dpkg -s $p >/dev/null 2>&1 && known="$known $p"
	done
	check "$d: purged: dpkg knows neither package${known:+ (knows:$known)}" \
		test -z "$known"
	check "$d: purged: the system user is kept, as Debian does" \
		test "$(in_root id -u l2tp-nfqd)" = "$uid"
	apt_root "$d: apt install ./$DEB again after the purge" install \
		--no-install-recommends "/tmp/debs/$DEB"
	check "$d: again: the same user" \
		test "$(in_root id -u l2tp-nfqd)" = "$uid"
	check "$d: again: /etc/default/l2tp-nfqd as shipped" \
		cmp -s "$TOP/contrib/l2tp-nfqd.default" "$R/etc/default/l2tp-nfqd"
	echo "info deb: $d: $(($(date +%s) - start)) s"
done
finish
