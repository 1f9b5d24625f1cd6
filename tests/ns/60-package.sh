#!/bin/sh
# What packagers and L2TP daemon authors get: make install into a DESTDIR,
# a consumer compiled against the installed header both ways, the man page
# in step with --help, the systemd unit, sd_notify readiness and watchdog.
. "$(dirname "$0")/../lib.sh"
ROOT=$TMP/root
make -s -C "$TOP" install DESTDIR="$ROOT" PREFIX=/usr >"$TMP/install.log" 2>&1
check "make install" test $? -eq 0
for f in usr/sbin/l2tp-nfqd usr/bin/l2tp-nfq-listen \
	 usr/include/l2tp-nfq/l2tp-nfqd.h usr/lib/pkgconfig/l2tp-nfqd.pc \
	 usr/share/man/man8/l2tp-nfqd.8 usr/share/man/man1/l2tp-nfq-listen.1 \
	 lib/systemd/system/l2tp-nfqd.service \
	 lib/systemd/system/l2tp-nfqd-metrics.service \
	 lib/systemd/system/l2tp-nfqd-metrics.timer \
	 usr/lib/sysusers.d/l2tp-nfqd.conf; do
	check "installed $f" test -s "$ROOT/$f"
done

# files that name install paths follow that make install's variables,
# whatever the build had
make -s -C "$TOP" install DESTDIR="$TMP/root2" PREFIX=/opt/l2 \
	>"$TMP/install2.log" 2>&1
check "make install PREFIX=/opt/l2 after a build: the unit and .pc follow" sh -c \
	"grep -qx 'ExecStart=/opt/l2/sbin/l2tp-nfqd \$L2TP_NFQD_OPTS' \
		'$TMP/root2/lib/systemd/system/l2tp-nfqd.service' &&
	 grep -qx 'prefix=/opt/l2' '$TMP/root2/opt/l2/lib/pkgconfig/l2tp-nfqd.pc'"
rm -rf "$TMP/root2"
check "the unit starts after the IKE daemons, before the L2TP daemons" sh -c \
	"grep -q '^After=.*strongswan.service.*strongswan-starter.service.*ipsec.service' \
		'$ROOT/lib/systemd/system/l2tp-nfqd.service' &&
	 grep -qx 'Before=xl2tpd.service l2tpns.service' \
		'$ROOT/lib/systemd/system/l2tp-nfqd.service'"

# the unit's User= and Group= are what the installed sysusers.d file makes
unit=$ROOT/lib/systemd/system/l2tp-nfqd.service
user=$(sed -n 's/^User=//p' "$unit")
group=$(sed -n 's/^Group=//p' "$unit")
check "the unit runs as l2tp-nfqd, not root" \
	test "$user" = l2tp-nfqd -a "$group" = l2tp-nfqd
check "the unit keeps CAP_NET_ADMIN alone" sh -c \
	"grep -qx 'AmbientCapabilities=CAP_NET_ADMIN' '$unit' &&
	 grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' '$unit'"
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$ROOT/etc"
	systemd-sysusers --root="$ROOT" >/dev/null 2>&1
	check "systemd-sysusers makes the unit's user: a system user, no login" \
		grep -q "^$user:x:[1-9][0-9]\{0,2\}:[0-9]*:.*:/usr/sbin/nologin$" \
			"$ROOT/etc/passwd"
	check "and its group" grep -q "^$group:x:" "$ROOT/etc/group"
	rm -rf "$ROOT/etc"
else
	no "systemd-sysusers: missing"
fi

# a consumer written as the original l2tp-nfqd's README shows
cat >"$TMP/consumer.c" <<'C'
#include CONSUMER_HEADER
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

int main(void)
{
	/* format 1, little-endian: 192.0.2.1, tunnel 0x1234, mark 0x12345678 */
	static const unsigned char wire[] = {
		0x01, 0x00, 0x14, 0x00, 0xc0, 0x00, 0x02, 0x01,
		0x34, 0x12, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12,
		'l', 'a', 'c', '1' };
	unsigned char buf[L2TP_NFQ_MSG_MAX_SIZE];
	struct l2tp_nfq_msg *msg = (struct l2tp_nfq_msg *)buf;

	memcpy(buf, wire, sizeof(wire));
	if (l2tp_nfq_msg_valid(buf, sizeof(wire)) != 1)
		return 1;
	printf("%u %u %s %u %#x %.*s\n", msg->reserved, msg->len,
	       inet_ntoa(msg->peer_ip), msg->peer_tid, msg->mark,
	       (int)(msg->len - sizeof(*msg)), msg->hostname);
	return 0;
}
C
want="1 20 192.0.2.1 4660 0x12345678 lac1"
cc -Wall -Werror -I"$ROOT/usr/include" \
	-DCONSUMER_HEADER='<l2tp-nfq/l2tp-nfqd.h>' \
	-o "$TMP/consumer1" "$TMP/consumer.c" &&
	check "consumer: #include <l2tp-nfq/l2tp-nfqd.h>" \
		test "$("$TMP/consumer1")" = "$want" ||
	no "consumer: #include <l2tp-nfq/l2tp-nfqd.h> compiles"
cflags=$(PKG_CONFIG_PATH="$ROOT/usr/lib/pkgconfig" \
	PKG_CONFIG_SYSROOT_DIR="$ROOT" pkg-config --cflags l2tp-nfqd)
cc -Wall -Werror $cflags -DCONSUMER_HEADER='<l2tp-nfqd.h>' \
	-o "$TMP/consumer2" "$TMP/consumer.c" &&
	check "consumer: pkg-config and #include <l2tp-nfqd.h>" \
		test "$("$TMP/consumer2")" = "$want" ||
	no "consumer: pkg-config and #include <l2tp-nfqd.h> compiles"

make -s -C "$TOP" uninstall DESTDIR="$ROOT" PREFIX=/usr >/dev/null 2>&1
check "make uninstall leaves no file" \
	test -z "$(find "$ROOT" -type f)"

# the man page documents exactly the options --help lists
"$DAEMON" --help | grep -v '^ *l2tp-nfqd \(status\|metrics\)' |
	grep -oE -- '--[a-z-]+' | sort -u >"$TMP/help.opts"
sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$TOP/doc/l2tp-nfqd.8" |
	sed 's/\\-/-/g' | grep -oE -- '--[a-z-]+' | sort -u >"$TMP/man.opts"
check "man page OPTIONS = --help options" cmp -s "$TMP/help.opts" "$TMP/man.opts"
sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$TOP/doc/l2tp-nfqd.8" |
	sed 's/\\-/-/g' | grep -oE -- '-(-[a-z-]+|[a-zA-Z])\b' | sort -u >"$TMP/man.syn"
"$DAEMON" --help | sed -n '1,/^$/p' | grep -oE -- '-(-[a-z-]+|[a-zA-Z])\b' |
	sort -u >"$TMP/help.syn"
check "man page SYNOPSIS = --help usage" cmp -s "$TMP/help.syn" "$TMP/man.syn"
# ... and its STATUS section those of status --help and metrics --help
{ "$DAEMON" status --help; "$DAEMON" metrics --help; } |
	grep -oE -- '--[a-z-]+' | grep -vx -- --help | sort -u >"$TMP/shelp.opts"
sed -n '/^\.SH STATUS/,/^\.SH SIGNALS/p' "$TOP/doc/l2tp-nfqd.8" |
	sed 's/\\-/-/g' | grep -oE -- '--[a-z-]+' | sort -u >"$TMP/sman.opts"
check "man page STATUS names every option of status and metrics --help" sh -c \
	"[ -s '$TMP/shelp.opts' ] && [ -z \"\$(comm -23 '$TMP/shelp.opts' '$TMP/sman.opts')\" ]" ||
	comm -23 "$TMP/shelp.opts" "$TMP/sman.opts"
# and the receiver's
"$B/l2tp-nfq-listen" --help | grep -oE -- '-(-[a-z-]+|[a-zA-Z])\b' |
	sort -u >"$TMP/lhelp.opts"
sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$TOP/doc/l2tp-nfq-listen.1" |
	sed 's/\\-/-/g' | grep -oE -- '-(-[a-z-]+|[a-zA-Z])\b' |
	sort -u >"$TMP/lman.opts"
check "l2tp-nfq-listen(1) OPTIONS = its --help options" \
	sh -c "cmp -s '$TMP/lhelp.opts' '$TMP/lman.opts' && [ -s '$TMP/lman.opts' ]"

if command -v systemd-analyze >/dev/null; then
	sed "s|@SBINDIR@|$B|" "$TOP/contrib/l2tp-nfqd.service" \
		>"$TMP/l2tp-nfqd.service"
	check "systemd-analyze verify" \
		systemd-analyze verify --man=no "$TMP/l2tp-nfqd.service"
	sed "s|@SBINDIR@|$B|" "$TOP/contrib/l2tp-nfqd-metrics.service" \
		>"$TMP/l2tp-nfqd-metrics.service"
	cp "$TOP/contrib/l2tp-nfqd-metrics.timer" "$TMP/"
	check "systemd-analyze verify the metrics service and timer" \
		systemd-analyze verify --man=no "$TMP/l2tp-nfqd-metrics.service" \
		"$TMP/l2tp-nfqd-metrics.timer"
else
	no "systemd-analyze verify: systemd-analyze missing"
fi

# the map of the code names every module, and only modules there are
missing=
for f in $(cd "$TOP/src" && ls *.c */*.c); do
	grep -q "^| $f |" "$TOP/doc/design.md" || missing="$missing $f"
done
check "doc/design.md lists every .c under src/${missing:+ (missing:$missing)}" \
	test -z "$missing"
stale=
for f in $(sed -n 's/^| \([a-z0-9_/]*\.c\) |.*/\1/p' "$TOP/doc/design.md"); do
	test -f "$TOP/src/$f" || stale="$stale $f"
done
check "doc/design.md names no file that is gone${stale:+ (gone:$stale)}" \
	test -z "$stale"

# no circles: who calls whom, from the daemon's objects (file -> file,
# and subsystem -> subsystem), must sort topologically
( cd "$B" && for f in $(cd "$TOP" && ls src/*.c src/*/*.c); do
	o=${f%.c}.o
	[ "$f" = src/listen.c ] || [ ! -f "$o" ] || echo "$o"
  done ) >"$TMP/objs"
( cd "$B" && nm -A --defined-only $(cat "$TMP/objs") ) |
	awk '$2 ~ /^[TDRB]$/ { sub(/:.*/, "", $1); print $3, $1 }' |
	sort >"$TMP/defs"
( cd "$B" && nm -A -u $(cat "$TMP/objs") ) |
	awk '{ sub(/:.*/, "", $1); print $NF, $1 }' | sort >"$TMP/uses"
join "$TMP/uses" "$TMP/defs" | awk '$2 != $3 { print $2, $3 }' |
	sort -u >"$TMP/calls"
check "the daemon's objects were found and call each other" sh -c \
	"[ \$(wc -l <'$TMP/objs') -ge 30 ] && [ \$(wc -l <'$TMP/calls') -ge 30 ]"
check "no two source files call each other, directly or round a circle" \
	tsort "$TMP/calls"
awk '{ na = split($1, a, "/"); nb = split($2, b, "/")
       x = na > 2 ? a[2] : "main"; y = nb > 2 ? b[2] : "main"
       if (x != y) print x, y }' "$TMP/calls" | sort -u \
	>"$TMP/subsystems"
check "nor two subsystems (src/ folders)" tsort "$TMP/subsystems"

# sd_notify: READY once the rules are in, the watchdog fed, STOPPING
setup_net
start_bg notify "$NETTOOL" unixrecv "$TMP/notify.sock"
wait_until 5 test -S "$TMP/notify.sock"
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=200000 \
	start_bg daemon $IN_S "$DAEMON" -n $QNUM --ipsec-check none
check "READY=1 sent" wait_until 5 grep -q 'READY=1' "$TMP/notify.out"
check "table installed before READY=1" grep -q 'installed' "$TMP/daemon.err"
sleep 1
check "watchdog fed from the loop (>= 4 pings in 1 s)" \
	test "$(grep -c 'WATCHDOG=1' "$TMP/notify.out")" -ge 4
stop daemon
check "STOPPING=1 at exit" grep -q 'STOPPING=1' "$TMP/notify.out"
[ -z "$FAILED" ]
