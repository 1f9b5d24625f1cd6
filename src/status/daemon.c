// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The running daemon's part of `l2tp-nfqd status`: its control socket
 * (protocol in ctl/ctl.h), asked from tunnel 0 until "end", each reply
 * read line by line into the view.  The reader trusts nothing it reads:
 * st_daemon_parse() is pure and checks every field.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "ctl/ctl.h"
#include "status/daemon.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define LINE_MAX_LEN	1024
#define LONG_MAX_U	((uint64_t)LONG_MAX)
/* more than any daemon's tunnels need: a reply stream that never ends
 * is cut */
#define MAX_REQUESTS	(1u << 16)

/* A line cut into words: at most @max, the last one the rest. */
struct words {
	const char *w[10];
	size_t n[10];
	size_t count;
};

static void split(const char *s, size_t len, size_t max, struct words *out)
{
	const char *end = s + len, *sp;

	out->count = 0;
	while (out->count < max) {
		sp = out->count + 1 < max ? memchr(s, ' ', (size_t)(end - s)) :
		     NULL;
		out->w[out->count] = s;
		out->n[out->count] = (size_t)((sp ? sp : end) - s);
		out->count++;
		if (!sp)
			return;
		s = sp + 1;
	}
}

/* Decimal digits only, at most @max: 0, or -EBADMSG. */
static int num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 20)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -EBADMSG;
	*out = v;
	return 0;
}

/* "0x1f": 0, or -EBADMSG */
static int hex32(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;
	int d;

	if (n < 3 || n > 10 || s[0] != '0' || s[1] != 'x')
		return -EBADMSG;
	for (i = 2; i < n; i++) {
		char c = s[i];

		d = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -EBADMSG;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* "-" (ST_UNKNOWN) or a number up to @max */
static int num_or_unknown(const char *s, size_t n, uint64_t max, long *out)
{
	uint64_t v;

	if (n == 1 && s[0] == '-') {
		*out = ST_UNKNOWN;
		return 0;
	}
	if (num(s, n, max, &v))
		return -EBADMSG;
	*out = (long)v;
	return 0;
}

/* A word into @dst of @size: -EBADMSG if it does not fit. */
static int copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -EBADMSG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int is(const struct words *w, size_t i, const char *lit)
{
	return w->n[i] == strlen(lit) && !memcmp(w->w[i], lit, w->n[i]);
}

/* The fields of one tunnel, checked before the view is touched. */
struct rec {
	int family;
	union l2tp_nfq_addr peer;
	long port, age;
	uint16_t orig_id, id, lns_id;
	uint32_t mark;
	char host[sizeof(((struct st_tunnel *)0)->host)];
};

static int id16(const char *s, size_t n, uint64_t min, uint16_t *out)
{
	uint64_t v;

	if (num(s, n, 0xffff, &v) || v < min)
		return -EBADMSG;
	*out = (uint16_t)v;
	return 0;
}

/* tunnel FAMILY PEER PORT ORIG_ID ID LNS_ID MARK AGE HOST */
static int tunnel_rec(const struct words *w, struct rec *r)
{
	char addr[INET6_ADDRSTRLEN];

	if (w->count < 9)
		return -EBADMSG;
	if (is(w, 1, "4"))
		r->family = AF_INET;
	else if (is(w, 1, "6"))
		r->family = AF_INET6;
	else
		return -EBADMSG;
	if (copy(addr, sizeof(addr), w->w[2], w->n[2]) ||
	    inet_pton(r->family, addr, &r->peer) != 1)
		return -EBADMSG;
	if (num_or_unknown(w->w[3], w->n[3], 0xffff, &r->port) ||
	    id16(w->w[4], w->n[4], 1, &r->orig_id) ||
	    id16(w->w[5], w->n[5], 1, &r->id) ||
	    id16(w->w[6], w->n[6], 0, &r->lns_id) ||
	    hex32(w->w[7], w->n[7], &r->mark) ||
	    num_or_unknown(w->w[8], w->n[8], LONG_MAX_U, &r->age))
		return -EBADMSG;
	r->host[0] = '\0';
	if (w->count == 10 && copy(r->host, sizeof(r->host), w->w[9], w->n[9]))
		return -EBADMSG;
	return 0;
}

static int tunnel_line(const struct words *w, struct st_view *v)
{
	struct rec r;
	struct st_tunnel *t;

	memset(&r, 0, sizeof(r));
	if (tunnel_rec(w, &r))
		return -EBADMSG;
	t = st_tunnel_get(v, r.family, &r.peer, r.id);
	if (!t)
		return -ENOMEM;
	t->orig_id = r.orig_id;
	t->lns_id = r.lns_id;
	t->mark = r.mark;
	if (r.port != ST_UNKNOWN)
		t->port = r.port;
	if (r.age != ST_UNKNOWN)
		t->age = r.age;
	if (r.host[0])
		memcpy(t->host, r.host, sizeof(t->host));
	t->sources |= ST_FROM_DAEMON;
	return 0;
}

/* option NAME VALUE, counter NAME LABELS VALUE */
static int option_line(const struct words *w, struct st_view *v)
{
	char name[sizeof(v->opts->name)], value[sizeof(v->opts->value)];

	if (w->count != 3 || !w->n[1] ||
	    copy(name, sizeof(name), w->w[1], w->n[1]) ||
	    copy(value, sizeof(value), w->w[2], w->n[2]))
		return -EBADMSG;
	return st_option_add(v, name, value);
}

static int counter_line(const struct words *w, struct st_view *v)
{
	char name[sizeof(v->counters->name)];
	char labels[sizeof(v->counters->labels)];
	uint64_t value;

	if (w->count != 4 || !w->n[1] || !w->n[2] ||
	    copy(name, sizeof(name), w->w[1], w->n[1]) ||
	    copy(labels, sizeof(labels), w->w[2], w->n[2]) ||
	    num(w->w[3], w->n[3], UINT64_MAX, &value))
		return -EBADMSG;
	return st_counter_add(v, name, strcmp(labels, "-") ? labels : "",
			      value);
}

/* version, pid, uptime, error */
static int self_line(const struct words *w, struct st_view *v)
{
	uint64_t n;

	if (is(w, 0, "version"))
		return w->count == 2 && w->n[1] ?
		       copy(v->version, sizeof(v->version), w->w[1], w->n[1]) :
		       -EBADMSG;
	if (w->count != 2 || num(w->w[1], w->n[1], LONG_MAX_U, &n))
		return -EBADMSG;
	if (is(w, 0, "pid"))
		v->pid = (long)n;
	else
		v->uptime = (long)n;
	return 0;
}

static int error_line(const struct words *w, struct st_view *v)
{
	if (w->count == 3 && is(w, 1, "version") && w->n[2] &&
	    !copy(v->version, sizeof(v->version), w->w[2], w->n[2]))
		return -EPROTO;
	return -EBADMSG;
}

/* One line of a reply: 0; 1 "end" and 2 "next" (*@next set), both only
 * as the last line; -errno. */
static int reply_line(const char *s, size_t len, struct st_view *v,
		      size_t *next)
{
	struct words w;
	uint64_t n;

	split(s, len, 2, &w);
	if (is(&w, 0, "tunnel")) {
		split(s, len, 10, &w);
		return tunnel_line(&w, v);
	}
	if (is(&w, 0, "option")) {
		split(s, len, 3, &w);
		return option_line(&w, v);
	}
	if (is(&w, 0, "counter")) {
		split(s, len, 4, &w);
		return counter_line(&w, v);
	}
	if (is(&w, 0, "version") || is(&w, 0, "pid") || is(&w, 0, "uptime"))
		return self_line(&w, v);
	if (is(&w, 0, "error")) {
		split(s, len, 3, &w);
		return error_line(&w, v);
	}
	if (is(&w, 0, "end"))
		return w.count == 1 ? 1 : -EBADMSG;
	if (is(&w, 0, "next")) {
		if (w.count != 2 || num(w.w[1], w.n[1], SIZE_MAX / 2, &n))
			return -EBADMSG;
		*next = (size_t)n;
		return 2;
	}
	return 0;	/* a kind of line a later version may add */
}

/* Printable ASCII only: what the daemon escaped. */
static int printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int st_daemon_parse(const char *buf, size_t len, struct st_view *v,
		    size_t *next)
{
	const char *p = buf, *end = buf + len, *nl;
	int ret;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || (size_t)(nl - p) > LINE_MAX_LEN ||
		    !printable(p, (size_t)(nl - p)))
			return -EBADMSG;
		ret = reply_line(p, (size_t)(nl - p), v, next);
		if (ret < 0)
			return ret;
		p = nl + 1;
		if (ret)
			/* "end" or "next" closes the reply */
			return p == end ? (ret == 1 ? 1 : 0) : -EBADMSG;
	}
	return -EBADMSG;
}

/* ---- the socket ---- */

static int connect_to(const char *path)
{
	struct timeval tv = { .tv_sec = ST_DAEMON_TIMEOUT_MS / 1000,
			      .tv_usec = ST_DAEMON_TIMEOUT_MS % 1000 * 1000 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* the send timeout bounds connect() too, on a full backlog */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = errno;
		close(fd);
		if (err == EAGAIN || err == EINPROGRESS)
			return -ETIMEDOUT;
		return err == EPERM ? -EACCES : -err;
	}
	return fd;
}

/* One request and its reply, parsed: 1 end, 0 next, -errno. */
static int ask(int fd, char *buf, size_t first, struct st_view *v,
	       size_t *next)
{
	char req[CTL_REQUEST_MAX + 1];
	struct iovec iov = { buf, CTL_REPLY_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int len;

	len = snprintf(req, sizeof(req), "l2tp-nfqd %s status %zu", VERSION,
		       first);
	if (len < 0 || (size_t)len >= sizeof(req))
		return -EINVAL;
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (mh.msg_flags & MSG_TRUNC)
		return -EBADMSG;
	return st_daemon_parse(buf, (size_t)n, v, next);
}

/* From tunnel 0 until "end"; each "next" must move on. */
static int ask_all(int fd, char *buf, struct st_view *v)
{
	size_t first = 0, next;
	unsigned int k;
	int ret;

	for (k = 0; k < MAX_REQUESTS; k++) {
		next = 0;
		ret = ask(fd, buf, first, v, &next);
		if (ret)
			return ret < 0 ? ret : 0;
		if (next <= first)
			return -EBADMSG;
		first = next;
	}
	return -EBADMSG;
}

int st_read_daemon(struct st_view *v, const char *path)
{
	char *buf;
	int fd, ret;

	fd = connect_to(path);
	if (fd < 0)
		return fd;
	buf = malloc(CTL_REPLY_MAX);
	ret = buf ? ask_all(fd, buf, v) : -ENOMEM;
	free(buf);
	close(fd);
	if (!ret)
		v->from_daemon = 1;
	return ret;
}
