#!/bin/sh
# tests/vm/root.sh RELEASE: print the directory of a root file system of
# that Debian release (bookworm, trixie) for the VM tier, made from
# Debian's archive with mmdebstrap: its kernel, systemd, strongSwan,
# xl2tpd, pppd, L2TPNS, freeradius and the daemon's libraries, and
# Libreswan unpacked beside it (it conflicts with strongSwan's packages)
# under ROOT.libreswan.  The root is kept under $VM_CACHE
# (/var/tmp/l2tp-nfqd) and made again when the package list changes or it
# is more than a week old; the VM reads it through 9p under an overlay and
# never writes to it.
set -eu
REL=${1:?usage: root.sh bookworm|trixie}
CACHE=${VM_CACHE:-/var/tmp/l2tp-nfqd}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TOP=$(cd "$(dirname "$0")/../.." && pwd)

PKGS="linux-image-amd64 systemd systemd-sysv dbus kmod udev iproute2
nftables iptables conntrack procps busybox mount less
libmnl0 libnftnl11 libnetfilter-queue1 libnetfilter-conntrack3
strongswan-charon strongswan-swanctl strongswan-pki strongswan-starter
libstrongswan-standard-plugins libstrongswan-extra-plugins
xl2tpd ppp l2tpns freeradius libnss3-tools"
# Libreswan's own libraries, so that the unpacked pluto runs
# charon-systemd (strongswan.service, as the README runs it) beside the
# plain charon that the scenarios start in each namespace: Debian 13's
# packages conflict (one IKE daemon per machine), their files do not, so
# there it is unpacked, not installed.
UNPACK=
case $REL in
bookworm) PKGS="$PKGS charon-systemd libldns3 libevent-pthreads-2.1-7 libevent-core-2.1-7
libcurl3-nss libunbound8 libcap-ng0" ;;
trixie) UNPACK=charon-systemd PKGS="$PKGS libldns3t64 libevent-pthreads-2.1-7t64
libevent-core-2.1-7t64 libcurl3t64-gnutls libunbound8 libcap-ng0" ;;
*) echo "root.sh: unknown release $REL" >&2; exit 2 ;;
esac

DIR=$CACHE/vm-$REL
want=$(echo "$REL $MIRROR $PKGS" | cksum | cut -d' ' -f1)
if [ -f "$DIR.ok" ] && [ "$(cat "$DIR.ok")" = "$want" ] &&
   [ -n "$(find "$DIR.ok" -mtime -7)" ]; then
	echo "$DIR"
	exit 0
fi

[ -x /usr/bin/mmdebstrap ] || EXTRA_PKGS=mmdebstrap "$TOP/tests/deps.sh" >&2
rm -rf "$DIR" "$DIR.libreswan" "$DIR.ok"
mkdir -p "$CACHE"
# Nothing starts during the build; at boot the VM enables only what
# a scenario starts itself.  A policy-rc.d would be left in the root.
hook=$(mktemp)
trap 'rm -f "$hook"' EXIT
cat >"$hook" <<HOOK
#!/bin/sh
set -e
rm -f "\$1"/etc/systemd/system/multi-user.target.wants/*
cd "\$1/tmp"
chroot "\$1" sh -c 'cd /tmp && apt-get download libreswan $UNPACK'
mv libreswan_*.deb "$CACHE/"
for p in $UNPACK; do dpkg-deb -x \${p}_*.deb "\$1" && rm \${p}_*.deb; done
HOOK
chmod +x "$hook"
mmdebstrap --variant=minbase --include="$(echo $PKGS | tr ' ' ,)" \
	--customize-hook="$hook" "$REL" "$DIR" "$MIRROR" >&2
mkdir -p "$DIR.libreswan"
dpkg-deb -x "$CACHE"/libreswan_*.deb "$DIR.libreswan"
rm -f "$CACHE"/libreswan_*.deb
echo "$want" >"$DIR.ok"
echo "$DIR"
