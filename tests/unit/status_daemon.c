// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's client (src/status/daemon.c): st_daemon_parse()
 * on replies as the daemon writes them and on hostile ones (long lines,
 * missing fields, numbers out of range, no end, NULs), into a real view.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "status/daemon.h"
#include "status/view.h"
#include "unit.h"

static int parse(struct st_view *v, const char *s, size_t *next)
{
	size_t n = 0;
	int ret;

	ret = st_daemon_parse(s, strlen(s), v, next ? next : &n);
	return ret;
}

static const char good[] =
	"version 0.1.0\n"
	"pid 812\n"
	"uptime 3605\n"
	"option queue 1\n"
	"option output /run/x l2tp.sock\n"
	"counter sccrqs_total - 7\n"
	"counter sccrqs_dropped_total reason=\"quota\" 18446744073709551615\n"
	"tunnel 4 198.51.100.7 1701 1 50713 8 0x3 302 laptop 7\n"
	"tunnel 6 2001:db8::1 - 2 2 0 0xffffffff - \n"
	"some-later-kind with words\n"
	"end\n";

static void test_good(void)
{
	struct st_view v = { 0 };
	struct in_addr a4;
	struct in6_addr a6;
	struct st_tunnel *t;
	size_t next = 99;

	CHECK("status daemon: a whole reply ends", parse(&v, good, &next) == 1);
	CHECK("status daemon: version, pid, uptime",
	      !strcmp(v.version, "0.1.0") && v.pid == 812 &&
	      v.uptime == 3605);
	CHECK("status daemon: options, the value the rest of the line",
	      v.nopts == 2 && !strcmp(v.opts[1].name, "output") &&
	      !strcmp(v.opts[1].value, "/run/x l2tp.sock"));
	CHECK("status daemon: counters, '-' for no labels, 64-bit values",
	      v.ncounters == 2 && !strcmp(v.counters[0].labels, "") &&
	      v.counters[0].value == 7 &&
	      !strcmp(v.counters[1].labels, "reason=\"quota\"") &&
	      v.counters[1].value == UINT64_MAX);
	inet_pton(AF_INET, "198.51.100.7", &a4);
	t = st_tunnel_find(&v, AF_INET, &a4, 50713);
	CHECK("status daemon: an IPv4 tunnel, all its fields",
	      t && t->orig_id == 1 && t->lns_id == 8 && t->mark == 3 &&
	      t->port == 1701 && t->age == 302 &&
	      !strcmp(t->host, "laptop 7") && t->sources == ST_FROM_DAEMON);
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	t = st_tunnel_find(&v, AF_INET6, &a6, 2);
	CHECK("status daemon: a tunnel from the kernel's maps: unknowns",
	      t && t->port == ST_UNKNOWN && t->age == ST_UNKNOWN &&
	      t->host[0] == '\0' && t->mark == 0xffffffff);
	CHECK("status daemon: two tunnels", v.n == 2);
	CHECK("status daemon: the same tunnel again is merged",
	      parse(&v, "tunnel 4 198.51.100.7 1701 1 50713 8 0x3 303 "
		    "laptop 7\nnext 5\n", &next) == 0 && next == 5 &&
	      v.n == 2);
	st_view_free(&v);
}

/* Each of these is malformed as a whole reply. */
static const char *const bad[] = {
	"",
	"version 0.1.0\n",				/* no end */
	"end",						/* no newline */
	"end\nend\n",					/* after end */
	"next 3\ntunnel 4 192.0.2.1 1 1 1 0 0x1 0 h\n",	/* after next */
	"next\n",
	"next x\n",
	"next -1\n",
	"end now\n",
	"pid\n",
	"pid 12a\n",
	"pid -3\n",
	"uptime 99999999999999999999999\n",
	"version\n",
	"error request\n",
	"error\n",
	"option\nend\n",
	"option name\nend\n",
	"counter a b\nend\n",
	"counter a - 18446744073709551616\nend\n",	/* 2^64 */
	"counter a - 1x\nend\n",
	"counter a  1\nend\n",
	"tunnel\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 0 0x1\nend\n",	/* no AGE */
	"tunnel 5 192.0.2.1 1701 1 1 0 0x1 0 h\nend\n",
	"tunnel 4 2001:db8::1 1701 1 1 0 0x1 0 h\nend\n",
	"tunnel 4 192.0.2.256 1701 1 1 0 0x1 0 h\nend\n",
	"tunnel 4  192.0.2.1 1701 1 1 0 0x1 0 h\nend\n",
	"tunnel 4 192.0.2.1 65536 1 1 0 0x1 0 h\nend\n",
	"tunnel 4 192.0.2.1 17a1 1 1 0 0x1 0 h\nend\n",
	"tunnel 4 192.0.2.1 1701 0 1 0 0x1 0 h\nend\n",	/* ID 0 */
	"tunnel 4 192.0.2.1 1701 1 0 0 0x1 0 h\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 70000 0x1 0 h\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 0 1 0 h\nend\n",	/* not 0x */
	"tunnel 4 192.0.2.1 1701 1 1 0 0x 0 h\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 0 0xg 0 h\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 0 0x123456789 0 h\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 0 0x1 -5 h\nend\n",
	"tunnel 4 192.0.2.1 1701 1 1 0 0x1 0 h\tx\nend\n",	/* a tab */
	"tunnel 4 192.0.2.1 1701 1 1 0 0x1 0 h\x80\nend\n",
};

static void test_bad(void)
{
	struct st_view v = { 0 };
	char buf[4096];
	size_t i, next;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = parse(&v, bad[i], &next);
		if (ret != -EBADMSG)
			printf("  reply %zu: %d\n", i, ret);
		CHECK("status daemon: a malformed reply is refused",
		      ret == -EBADMSG);
	}
	/* a NUL in the middle of a line */
	memcpy(buf, "pid 1\0 2\nend\n", 13);
	CHECK("status daemon: an embedded NUL",
	      st_daemon_parse(buf, 13, &v, &next) == -EBADMSG);
	/* a line longer than any the daemon writes */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "option x ", 9);
	memcpy(buf + sizeof(buf) - 5, "\nend\n", 5);
	CHECK("status daemon: a line of 4 KiB",
	      st_daemon_parse(buf, sizeof(buf), &v, &next) == -EBADMSG);
	/* a host name longer than an escaped one can be */
	i = (size_t)snprintf(buf, sizeof(buf), "tunnel 4 192.0.2.1 1 1 1 0 "
			     "0x1 0 ");
	memset(buf + i, 'h', 300);
	memcpy(buf + i + 300, "\nend\n", 5);
	CHECK("status daemon: a host name too long",
	      st_daemon_parse(buf, i + 305, &v, &next) == -EBADMSG);
	CHECK("status daemon: nothing was added from malformed tunnels",
	      v.n == 0);
	st_view_free(&v);
}

static void test_errors(void)
{
	struct st_view v = { 0 };

	CHECK("status daemon: another version: -EPROTO and its version",
	      parse(&v, "error version 9.9.9\n", NULL) == -EPROTO &&
	      !strcmp(v.version, "9.9.9"));
	CHECK("status daemon: a version too long for the view",
	      parse(&v, "error version 0123456789012345678901234567890123\n",
		    NULL) == -EBADMSG);
	CHECK("status daemon: an empty tunnel host, no trailing space",
	      parse(&v, "tunnel 4 192.0.2.9 1701 1 1 0 0x1 0\nend\n",
		    NULL) == 1 && v.n == 1 && v.t[0].host[0] == '\0');
	st_view_free(&v);
}

void test_status_daemon(void)
{
	test_good();
	test_bad();
	test_errors();
}
