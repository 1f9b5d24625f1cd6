// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (src/ctl/ctl.c): requests parsed, tunnel lines
 * written, whole replies built from stand-in sources and read back with
 * the client's parser (src/status/daemon.c), page after page; then the
 * socket itself in a temporary directory, a forked daemon side answering
 * the real client: stale sockets, a second daemon, clients over the
 * limit.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "base/log.h"
#include "ctl/ctl.h"
#include "status/daemon.h"
#include "status/view.h"
#include "tunnel/tunnels.h"
#include "unit.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

void test_ctl(void);

static int req(const char *s, size_t *first)
{
	return ctl_parse_request(s, strlen(s), "0.1.0", first);
}

static void test_request(void)
{
	char big[300];
	size_t first = 7;

	CHECK("ctl: request", !req("l2tp-nfqd 0.1.0 status 0", &first) &&
	      first == 0);
	CHECK("ctl: request with a newline, an index",
	      !req("l2tp-nfqd 0.1.0 status 1234\n", &first) && first == 1234);
	CHECK("ctl: another version", req("l2tp-nfqd 0.2 status 0", &first) ==
	      -EPROTO);
	CHECK("ctl: no such command", req("l2tp-nfqd 0.1.0 stop 0", &first) ==
	      -EINVAL);
	CHECK("ctl: another program", req("xl2tpd 0.1.0 status 0", &first) ==
	      -EINVAL);
	CHECK("ctl: no index", req("l2tp-nfqd 0.1.0 status", &first) ==
	      -EINVAL);
	CHECK("ctl: empty index", req("l2tp-nfqd 0.1.0 status ", &first) ==
	      -EINVAL);
	CHECK("ctl: negative index", req("l2tp-nfqd 0.1.0 status -1",
					 &first) == -EINVAL);
	CHECK("ctl: index and junk", req("l2tp-nfqd 0.1.0 status 1x",
					 &first) == -EINVAL);
	CHECK("ctl: a word too many", req("l2tp-nfqd 0.1.0 status 1 2",
					  &first) == -EINVAL);
	CHECK("ctl: two spaces", req("l2tp-nfqd  0.1.0 status 1", &first) ==
	      -EINVAL);
	CHECK("ctl: an index too large",
	      req("l2tp-nfqd 0.1.0 status 9999999999999999999", &first) ==
	      -EINVAL);
	CHECK("ctl: nothing", ctl_parse_request("", 0, "0.1.0", &first) ==
	      -EINVAL);
	CHECK("ctl: a NUL", ctl_parse_request("l2tp-nfqd 0.1.0\0status 0", 24,
					      "0.1.0", &first) == -EINVAL);
	CHECK("ctl: two lines", req("l2tp-nfqd 0.1.0 status 0\n\n", &first) ==
	      -EINVAL);
	memset(big, '1', sizeof(big));
	memcpy(big, "l2tp-nfqd 0.1.0 status ", 23);
	CHECK("ctl: a request too long",
	      ctl_parse_request(big, sizeof(big), "0.1.0", &first) == -EINVAL);
}

static void v4(struct tunnel *t, const char *addr, uint16_t id)
{
	memset(t, 0, sizeof(*t));
	t->family = AF_INET;
	inet_pton(AF_INET, addr, &t->peer);
	t->id = t->orig_id = id;
}

static void test_format(void)
{
	struct tunnel t;
	char buf[512];
	int n;

	v4(&t, "198.51.100.7", 50713);
	t.orig_id = 1;
	t.lns_id = 8;
	t.mark = 3;
	t.from_sccrq = 1;
	t.port = 4500;
	t.sccrq_at = 100;
	memcpy(t.host, "lap top\n\"", 9);
	t.host_len = 9;
	n = ctl_format_tunnel(buf, sizeof(buf), &t, 402);
	CHECK("ctl: a tunnel line, its host escaped last",
	      n > 0 && (size_t)n == strlen(buf) &&
	      !strcmp(buf, "tunnel 4 198.51.100.7 4500 1 50713 8 0x3 302 "
		      "lap top\\x0a\\x22\n"));
	memset(&t, 0, sizeof(t));
	t.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &t.peer);
	t.id = t.orig_id = 2;
	t.mark = 0xffffffff;
	n = ctl_format_tunnel(buf, sizeof(buf), &t, 5);
	CHECK("ctl: a tunnel listed from the kernel: port, age, host unknown",
	      n > 0 && !strcmp(buf, "tunnel 6 2001:db8::1 - 2 2 0 0xffffffff "
			       "- \n"));
	t.from_sccrq = 1;
	t.sccrq_at = 10;
	ctl_format_tunnel(buf, sizeof(buf), &t, 5);
	CHECK("ctl: an SCCRQ time after now is age 0",
	      strstr(buf, " 0xffffffff 0 ") != NULL);
	CHECK("ctl: a line that does not fit",
	      ctl_format_tunnel(buf, 20, &t, 5) == -ENOSPC);
}

/* Stand-in sources: what main.c's modules would report. */
struct fake {
	struct tunnel *t;
	size_t n;
	int calls;
};

static void fake_options(void *arg, ctl_option_fn *fn, void *fnarg)
{
	(void)arg;
	fn(fnarg, "queue", "1");
	fn(fnarg, "output", "/run/with space\n");
	fn(fnarg, "bad name", "x");	/* skipped */
}

static void fake_counters(void *arg, report_fn *fn, void *fnarg)
{
	(void)arg;
	fn(fnarg, "sccrqs_total", "", 7);
	fn(fnarg, "sccrqs_dropped_total", "reason=\"quota\"", UINT64_MAX);
	fn(fnarg, "bad", "a b", 1);	/* skipped */
}

static int fake_tunnels(void *arg, size_t first, ctl_tunnel_fn *fn,
			void *fnarg)
{
	struct fake *f = arg;
	size_t i;

	f->calls++;
	for (i = first; i < f->n; i++)
		if (fn(fnarg, &f->t[i]))
			return 1;
	return 0;
}

static const struct ctl_self self = { .version = "0.1.0", .pid = 42,
				      .started = 1000, .now = 1060 };

static size_t reply(char *buf, size_t size, struct fake *f, const char *r)
{
	struct ctl_source src = { fake_options, fake_counters, fake_tunnels,
				  f };

	return ctl_reply(buf, size, &src, &self, r, strlen(r));
}

static void test_reply_first(void)
{
	static char buf[CTL_REPLY_MAX];
	struct tunnel t[2];
	struct fake f = { t, 2, 0 };
	struct st_view v = { 0 };
	size_t n, next;

	v4(&t[0], "192.0.2.1", 1);
	v4(&t[1], "192.0.2.2", 1);
	n = reply(buf, sizeof(buf), &f, "l2tp-nfqd 0.1.0 status 0");
	CHECK("ctl: the first reply",
	      n < sizeof(buf) && !memcmp(buf, "version 0.1.0\npid 42\n"
					 "uptime 60\noption queue 1\n", 46));
	CHECK("ctl: an option's value escaped, a bad name left out",
	      memmem(buf, n, "option output /run/with space\\x0a\n", 34) &&
	      !memmem(buf, n, "bad name", 8));
	CHECK("ctl: counters, '-' without labels, bad labels left out",
	      memmem(buf, n, "counter sccrqs_total - 7\n", 25) &&
	      memmem(buf, n, "counter sccrqs_dropped_total reason=\"quota\" "
		     "18446744073709551615\n", 65) &&
	      !memmem(buf, n, "counter bad", 11));
	CHECK("ctl: every tunnel, then end",
	      memmem(buf, n, "tunnel 4 192.0.2.2 - 1 1 0 0x0 - \nend\n", 38) &&
	      !memcmp(buf + n - 4, "end\n", 4));
	CHECK("ctl: the client reads it all",
	      st_daemon_parse(buf, n, &v, &next) == 1 && v.n == 2 &&
	      v.pid == 42 && v.uptime == 60 && v.nopts == 2 &&
	      v.ncounters == 2);
	st_view_free(&v);

	n = reply(buf, sizeof(buf), &f, "l2tp-nfqd 0.1.0 status 1");
	CHECK("ctl: a later reply: tunnels only",
	      !strncmp(buf, "tunnel 4 192.0.2.2 ", 19) &&
	      !memmem(buf, n, "version", 7) && !memcmp(buf + n - 4, "end\n", 4));
	n = reply(buf, sizeof(buf), &f, "l2tp-nfqd 0.1.0 status 5");
	CHECK("ctl: past the last tunnel: end", n == 4 && !memcmp(buf, "end\n", 4));
	n = reply(buf, sizeof(buf), &f, "l2tp-nfqd 9 status 0");
	CHECK("ctl: another version: one line",
	      n == 20 && !memcmp(buf, "error version 0.1.0\n", 20));
	n = reply(buf, sizeof(buf), &f, "status");
	CHECK("ctl: a bad request: one line",
	      n == 14 && !memcmp(buf, "error request\n", 14));
}

/* Many tunnels with the longest host names: page after page, each
 * within CTL_REPLY_MAX, read back whole by the client. */
static void test_reply_pages(void)
{
	static char buf[CTL_REPLY_MAX];
	const size_t count = 3000;
	struct tunnel *t = calloc(count, sizeof(*t));
	struct fake f = { t, count, 0 };
	struct st_view v = { 0 };
	char r[64];
	size_t i, n, first = 0, next, pages = 0, fits = 1;
	int ret = 0;

	if (!t)
		return;
	for (i = 0; i < count; i++) {
		t[i].family = AF_INET6;
		memset(&t[i].peer, 0xff, 16);
		t[i].peer.v6.s6_addr[15] = (uint8_t)i;
		t[i].peer.v6.s6_addr[14] = (uint8_t)(i >> 8);
		t[i].id = t[i].orig_id = t[i].lns_id = 0xffff;
		t[i].mark = 0xffffffff;
		t[i].from_sccrq = 1;
		t[i].port = 65535;
		t[i].host_len = TUNNEL_HOST_MAX;
		memset(t[i].host, 0xff, TUNNEL_HOST_MAX);
	}
	do {
		snprintf(r, sizeof(r), "l2tp-nfqd 0.1.0 status %zu", first);
		n = reply(buf, sizeof(buf), &f, r);
		fits &= n <= sizeof(buf);
		next = 0;
		ret = st_daemon_parse(buf, n, &v, &next);
		pages++;
		if (ret == 0 && next <= first)
			break;
		first = next;
	} while (ret == 0 && pages < 100);
	CHECK("ctl: long tunnel lines take several pages, each read back",
	      ret == 1 && pages > 2 && fits);
	CHECK("ctl: every tunnel once, host names whole",
	      v.n == count && strlen(v.t[0].host) == 4 * TUNNEL_HOST_MAX);
	st_view_free(&v);
	free(t);
}

/* ---- the socket ---- */

static char dir[40], sub[60], path[80];

/* The daemon side, forked: answer for @ms milliseconds, then close. */
static void serve(struct ctl *c, int ms)
{
	struct pollfd pfd[CTL_POLLFDS];
	int waited = 0;

	while (waited < ms) {
		ctl_pollfds(c, pfd);
		if (poll(pfd, CTL_POLLFDS, 20) < 0)
			memset(pfd, 0, sizeof(pfd));
		ctl_dispatch(c, pfd);
		waited += 20;
	}
	ctl_close(c);
}

/* A socket nobody listens on, as a killed daemon leaves it. */
static void stale(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK("ctl: a stale socket made",
	      fd >= 0 && !bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);
}

static void test_socket(void)
{
	struct tunnel t[3];
	struct fake f = { t, 3, 0 };
	struct ctl_cfg cfg = { path, 1, (uid_t)-1, (gid_t)-1 };
	struct ctl_source src = { fake_options, fake_counters, fake_tunnels,
				  &f };
	struct st_view v = { 0 };
	struct ctl *c = NULL, *second = NULL;
	struct stat st;
	int status = -1, ret;
	pid_t pid;

	v4(&t[0], "192.0.2.1", 1);
	v4(&t[1], "192.0.2.2", 1);
	v4(&t[2], "192.0.2.3", 1);
	CHECK("ctl client: no socket file: -ENOENT",
	      st_read_daemon(&v, path) == -ENOENT);
	CHECK("ctl: listens, its directory made",
	      !ctl_open(&c, &cfg, &src) && c);
	CHECK("ctl: the socket is 0600",
	      !lstat(path, &st) && S_ISSOCK(st.st_mode) &&
	      (st.st_mode & 0777) == 0600);
	CHECK("ctl: the directory is 0755",
	      !stat(sub, &st) && (st.st_mode & 0777) == 0755);
	ctl_close(c);
	c = NULL;
	CHECK("ctl: the socket removed at close", lstat(path, &st) < 0);

	stale();
	CHECK("ctl client: a stale socket: -ECONNREFUSED",
	      st_read_daemon(&v, path) == -ECONNREFUSED);
	CHECK("ctl client: nothing read", !v.from_daemon && v.n == 0);
	CHECK("ctl: listens where a stale socket was",
	      !ctl_open(&c, &cfg, &src) && c);
	if (!c)
		return;
	pid = fork();
	if (pid == 0) {
		serve(c, 1500);
		_exit(0);
	}
	CHECK("ctl: a second daemon on the path: -EADDRINUSE",
	      ctl_open(&second, &cfg, &src) == -EADDRINUSE && !second);
	ret = st_read_daemon(&v, path);
	CHECK("ctl client: reads the forked daemon whole",
	      ret == 0 && v.from_daemon && v.n == 3 && v.pid == (long)pid &&
	      !strcmp(v.version, VERSION) && v.ncounters == 2 &&
	      v.nopts == 2);
	waitpid(pid, &status, 0);
	CHECK("ctl: the daemon side ended", WIFEXITED(status) &&
	      !WEXITSTATUS(status));
	CHECK("ctl: the daemon side removed its socket", lstat(path, &st) < 0);
	/* the parent's copy: its descriptors closed, nothing left to remove */
	ctl_close(c);
	st_view_free(&v);
}

void test_ctl(void)
{
	test_request();
	test_format();
	test_reply_first();
	test_reply_pages();
	snprintf(dir, sizeof(dir), "/tmp/l2nq-ctl.%ld", (long)getpid());
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/control", sub);
	if (mkdir(dir, 0700)) {
		CHECK("ctl: a temporary directory", 0);
		return;
	}
	test_socket();
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}
