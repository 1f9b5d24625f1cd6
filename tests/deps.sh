#!/bin/sh
# Install the Debian packages that building, testing and the demo need,
# when some are missing.  Needs root (apt-get) only if something is missing.
# A minimal root (mmdebstrap's minbase with gcc and make, tests/chroot.sh)
# lacks even the C library's headers (libc6-dev, only recommended by gcc),
# mount (tests/l2tpns.sh) and systemd (systemd-analyze, systemd-sysusers).
set -e
pkgs="gcc make libc6-dev pkg-config libmnl-dev libnftnl-dev libnetfilter-queue-dev
libnetfilter-conntrack-dev iproute2 nftables iptables conntrack procps jq valgrind
ethtool mount systemd
$EXTRA_PKGS"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "run as root, or install them by hand: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
