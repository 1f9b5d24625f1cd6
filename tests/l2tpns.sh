# L2TPNS and freeradius for the namespace tests and the benchmark:
# sourced after lib.sh, not run.  Both run in the server namespace,
# configured from contrib/l2tpns/ with the test's addresses; their logs are
# in $TMP/l2tpns/log and $TMP/radius.out.

LAC=$B/lac
L=$TMP/l2tpns
R=$TMP/raddb

# Debian's l2tpns and freeradius, only for the tests that use them; their
# services are not started (a plain install would start both).
l2tpns_install() {
	if [ ! -x /usr/sbin/l2tpns ] || [ ! -x /usr/sbin/freeradius ]; then
		rc=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod +x /usr/sbin/policy-rc.d
			rc=1
		fi
		EXTRA_PKGS="l2tpns freeradius" "$TOP/tests/deps.sh" >/dev/null
		[ -n "$rc" ] && rm -f /usr/sbin/policy-rc.d
	fi
	[ -x /usr/sbin/l2tpns ] && [ -x /usr/sbin/freeradius ] ||
		skip "cannot install l2tpns and freeradius"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	[ -x "$LAC" ] || { no "build/lac is built"; exit 1; }
}

# A minimal FreeRADIUS on 127.0.0.1: PAP and CHAP against the users file,
# with contrib's client entry (the secret L2TPNS uses) and users.
radius_start() {
	mkdir -p "$R"
	cp "$TOP/contrib/l2tpns/freeradius-authorize" "$R/authorize"
	cat >"$R/radiusd.conf" <<EOF
prefix = /usr
localstatedir = $R
raddbdir = $R
confdir = $R
run_dir = $R
logdir = $R
libdir = /usr/lib/freeradius
dictdir = /usr/share/freeradius
pidfile = $R/radiusd.pid
name = radiusd
max_requests = 16384
cleanup_delay = 2
\$INCLUDE $TOP/contrib/l2tpns/freeradius-clients.conf
modules {
	files {
		filename = $R/authorize
	}
	pap {
	}
	chap {
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = 1812
	}
	authorize {
		files
		chap
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type CHAP {
			chap
		}
	}
}
EOF
	start_bg radius $IN_S /usr/sbin/freeradius -f -d "$R" -n radiusd \
		-l stdout
	wait_until 10 sh -c "$IN_S ss -lun | grep -q '127.0.0.1:1812 '" ||
		{ cat "$TMP/radius.out"; return 1; }
}

# l2tpns_start IFACE: L2TPNS on $S4, cluster interface IFACE; returns
# once it has made itself the master (it answers nothing before)
l2tpns_start() {
	mkdir -p "$L"
	: >"$L/log"
	{
		cat "$TOP/contrib/l2tpns/startup-config"
		# the tests' own: later lines win
		echo "set bind_address $S4"
		echo "set cluster_interface \"$1\""
		# master after 1.5 s (the least L2TPNS accepts), not 15 s
		echo 'set cluster_hb_interval 1'
		echo 'set cluster_hb_timeout 15'
		echo 'set allow_duplicate_users yes'
		echo 'set debug 3'
		echo "set log_file \"$L/log\""
		echo "set pid_file \"$L/pid\""
	} >"$L/startup-config"
	# 508 addresses; the pool file's path is built in
	printf '198.51.100.0/24\n203.0.113.0/24\n' >"$L/ip_pool"
	# its own session: on exit L2TPNS signals its whole process group
	start_bg l2tpns $IN_S setsid unshare -m sh -c "mount --bind \
'$L/ip_pool' /etc/l2tpns/ip_pool && exec /usr/sbin/l2tpns -c \
'$L/startup-config'"
	wait_until 15 grep -q 'I am declaring myself the master' "$L/log" ||
		{ tail -n 20 "$L/log" "$TMP/l2tpns.err"; return 1; }
}

# L2TPNS takes a minute to exit on SIGTERM; nothing of it is kept.  It
# leads its own session (setsid): its process group goes with it.
l2tpns_kill() {
	p=$(pid_of l2tpns)
	[ -n "$p" ] || return 0
	kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	PID_l2tpns=
}
