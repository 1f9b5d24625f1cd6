#!/bin/sh
# tests/chroot.sh RELEASE [TARGET...]: make's targets (default: check, then
# demo) as root in a fresh minimal Debian root of RELEASE (trixie or
# bookworm), on this machine's kernel: mmdebstrap's minbase with only gcc
# and make, what a new user starts from.  Each TARGET is one make command
# line ("check WERROR=1").  The base root is kept as a tarball under
# /var/tmp/l2tp-nfqd/ (CACHE) for a week; every run unpacks it afresh,
# copies the working tree in and removes it all at the end, also after a
# failure or Ctrl-C.
#
# The chroot runs in its own mount and PID namespaces: its mounts (proc,
# sys, dev, a tmpfs on run) and any process left behind go with them.  The
# targets' tier lines come out renamed ("debian13 unit: ..."), and the
# last line, "debian13: N passed, N failed, N skipped", sums them (totals
# aside), so that CI counts each test once.  A target that prints no tier
# line (make demo) counts as one test, a target that fails without a failed
# test as one failure.  MIRROR: the Debian mirror (deb.debian.org).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# inside W TIER TARGET...: the mounts and the targets, in the namespaces
inside() {
	W=$1 TIER=$2
	shift 2
	R=$W/root
	trap 'exit 130' INT TERM
	# its root a mount point, as a booted system's (ip netns exec makes
	# / a slave mount)
	mount --bind "$R" "$R" &&
	mount -t proc proc "$R/proc" &&
	mount -t sysfs sysfs "$R/sys" &&
	mount --rbind /dev "$R/dev" &&
	mount -t tmpfs -o mode=755 tmpfs "$R/run" || exit 1
	mkdir -p "$R/run/lock"
	n=0
	for t in "$@"; do
		n=$((n + 1))
		t0=$(date +%s)
		{
			# shellcheck disable=SC2086
			chroot "$R" /usr/bin/env -i HOME=/root TERM=dumb \
				PATH="$PATH" /bin/sh -c \
				'cd /root/l2tp-nfqd && exec make "$@"' sh $t
			echo $? >"$W/rc.$n"
		} 2>&1 |
			sed -u "s/^[a-z0-9-]*: [0-9]* passed, [0-9]* failed/$TIER &/" |
			tee "$W/out.$n"
		echo "chroot: make $t: $(($(date +%s) - t0)) s"
	done
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
	exit 0
fi

RELEASE=${1:-}
case $RELEASE in
bookworm) TIER=debian12 ;;
trixie) TIER=debian13 ;;
*)	echo "usage: tests/chroot.sh trixie|bookworm [make target...]" >&2
	exit 2 ;;
esac
shift
[ $# -gt 0 ] || set -- check demo
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${CACHE:-/var/tmp/l2tp-nfqd}
TAR=$CACHE/$RELEASE-minbase.tar
T0=$(date +%s)

fail() {
	echo "chroot: $*" >&2
	echo "$TIER: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (mmdebstrap, chroot, mounts)"
command -v mmdebstrap >/dev/null ||
	EXTRA_PKGS=mmdebstrap "$TOP/tests/deps.sh" ||
	fail "cannot install mmdebstrap"
mkdir -p "$CACHE" || fail "cannot make $CACHE"

# the base root: made when missing or a week old, by one run at a time
(
	flock 9
	if [ -z "$(find "$TAR" -mtime -7 2>/dev/null)" ]; then
		echo "chroot: making $TAR"
		mmdebstrap --quiet --format=tar --variant=minbase \
			--include=gcc,make "$RELEASE" "$TAR.new" "$MIRROR" &&
			mv "$TAR.new" "$TAR" || { rm -f "$TAR.new"; exit 1; }
	fi
) 9>"$CACHE/$RELEASE.lock" || fail "mmdebstrap $RELEASE failed"

W=$(mktemp -d "$CACHE/chroot.XXXXXX") || fail "mktemp"
R=$W/root
cleanup() {
	# the mounts were the namespaces' own; never delete through one
	if awk -v r="$R" '$5 == r || index($5, r "/") == 1 { m = 1 }
	    END { exit !m }' /proc/self/mountinfo; then
		echo "chroot: $R still has mounts; left in place" >&2
	else
		rm -rf --one-file-system "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$R" && tar -C "$R" -xf "$TAR" || fail "cannot unpack $TAR"
cp -L /etc/resolv.conf "$R/etc/resolv.conf" || fail "no /etc/resolv.conf"
# the working tree as git sees it (tracked and new files, without the
# ignored build directories), or all of it but those
mkdir -p "$R/root/l2tp-nfqd"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$TOP" ls-files -z --cached --others --exclude-standard |
		(cd "$TOP" && xargs -0 sh -c \
			'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			tar --null -T - -cf -)
else
	tar -C "$TOP" --exclude=./.git --exclude=./build --exclude=./build-san \
		--exclude=./build-fuzz --exclude=./build-vm -cf - .
fi | tar -C "$R/root/l2tp-nfqd" -xf - || fail "cannot copy the tree"

echo "chroot: Debian $RELEASE $(cat "$R/etc/debian_version"), kernel $(uname -r)"
# in the background, so that a signal here can end it at once: unshare
# waits out INT and TERM, its child (the PID namespace's init) goes with
# SIGKILL, and every process of the namespace with it
unshare --mount --propagation private --pid --fork --kill-child \
	sh "$TOP/tests/chroot.sh" --inside "$W" "$TIER" "$@" &
UPID=$!
stop_chroot() {
	for c in $(ps -o pid= --ppid "$UPID"); do kill -KILL "$c"; done
	wait "$UPID"
	echo "chroot: interrupted"
	echo "$TIER: 0 passed, 1 failed"
	exit 130
}
trap stop_chroot INT TERM
wait "$UPID"
trap 'exit 130' INT TERM

# the targets' tier lines, totals aside, summed
p=0 f=0 s=0 n=0
for t in "$@"; do
	n=$((n + 1))
	rc=$(cat "$W/rc.$n" 2>/dev/null || echo 1)
	read -r lines tp tf ts <<EOF
$(sed -n "s/^$TIER \([a-z0-9-]*\): \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}.*/\1 \2 \3 \5/p" \
	"$W/out.$n" 2>/dev/null |
	awk '$1 != "total" { n++; p += $2; f += $3; s += $4 }
	     END { print n + 0, p + 0, f + 0, s + 0 }')
EOF
	p=$((p + tp)) f=$((f + tf)) s=$((s + ts))
	if [ "$lines" -eq 0 ] && [ "$rc" -eq 0 ]; then
		p=$((p + 1))
	elif [ "$rc" -ne 0 ] && [ "$tf" -eq 0 ]; then
		echo "fail make $t: exited $rc"
		f=$((f + 1))
	fi
done
echo "chroot: $RELEASE: $(($(date +%s) - T0)) s"
echo "$TIER: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
