// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (protocol in ctl.h): a non-blocking SOCK_SEQPACKET
 * listener and a few clients, each request answered at once with one
 * datagram built from memory (the modules' counters, the tunnels), sent
 * without waiting; a client that cannot take it, or stays idle, is
 * dropped.  Its contents come through main.c's callbacks: nothing here
 * calls a module.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "base/log.h"
#include "ctl/ctl.h"
#include "tunnel/tunnels.h"
#include "wire/escape.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

/* Room kept at the end of a reply for "next N\n". */
#define TAIL_ROOM	32
#define LINE_MAX_LEN	512
#define ACCEPTS_PER_WAKE	8

struct client {
	int fd;			/* -1: free */
	time_t last;		/* mono_sec() of its last request */
};

struct ctl {
	int fd;
	char *path;
	struct ctl_source src;
	time_t started;
	struct client clients[CTL_CLIENTS];
	struct ratelimit rl;
	char reply[CTL_REPLY_MAX];
};

/* ---- the pure part: requests, lines, replies ---- */

/* "123" within [0, SIZE_MAX / 2]: 0, or -EINVAL */
static int parse_index(const char *s, size_t len, size_t *out)
{
	size_t v = 0, i;

	if (!len || len > 18)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The next space-separated word of [*p, end): its start and length. */
static const char *word(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *e;

	e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	*len = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	return s;
}

static int is_word(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(w, lit, n);
}

int ctl_parse_request(const char *req, size_t len, const char *version,
		      size_t *first)
{
	const char *p = req, *end, *w;
	size_t n;

	if (len && req[len - 1] == '\n')
		len--;
	end = req + len;
	if (!len || len > CTL_REQUEST_MAX || memchr(req, '\0', len) ||
	    memchr(req, '\n', len))
		return -EINVAL;
	w = word(&p, end, &n);
	if (!is_word(w, n, "l2tp-nfqd"))
		return -EINVAL;
	w = word(&p, end, &n);
	if (!n)
		return -EINVAL;
	if (!is_word(w, n, version))
		return -EPROTO;
	w = word(&p, end, &n);
	if (!is_word(w, n, "status"))
		return -EINVAL;
	w = word(&p, end, &n);
	if (p != end || w + n != end)
		return -EINVAL;
	return parse_index(w, n, first);
}

int ctl_format_tunnel(char *buf, size_t size, const struct tunnel *t,
		      time_t now)
{
	char addr[INET6_ADDRSTRLEN] = "?", port[8] = "-", age[24] = "-";
	char host[ESCAPE_MAX(TUNNEL_HOST_MAX)] = "";
	int n;

	inet_ntop(t->family, &t->peer, addr, sizeof(addr));
	if (t->from_sccrq) {
		snprintf(port, sizeof(port), "%u", t->port);
		snprintf(age, sizeof(age), "%lld",
			 (long long)(now > t->sccrq_at ? now - t->sccrq_at : 0));
		escape(host, sizeof(host), t->host, t->host_len);
	}
	n = snprintf(buf, size, "tunnel %d %s %s %u %u %u 0x%x %s %s\n",
		     t->family == AF_INET6 ? 6 : 4, addr, port, t->orig_id,
		     t->id, t->lns_id, t->mark, age, host);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

/* A reply under construction: lines are added whole or not at all. */
struct out {
	char *buf;
	size_t size, len;	/* @size less TAIL_ROOM */
	int full;
	time_t now;
	size_t tunnels;
};

static void PRINTF(2, 3) line(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = 1;
		return;
	}
	o->len += (size_t)n;
}

/* Neither empty nor holding a space or a control character. */
static int plain(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void add_option(void *arg, const char *name, const char *value)
{
	char v[ESCAPE_MAX(128)];

	if (!plain(name))
		return;
	escape(v, sizeof(v), (const uint8_t *)value, strlen(value));
	line(arg, "option %s %s\n", name, *v ? v : "-");
}

static void add_counter(void *arg, const char *name, const char *labels,
			uint64_t value)
{
	if (!plain(name) || (*labels && !plain(labels)))
		return;
	line(arg, "counter %s %s %" PRIu64 "\n", name, *labels ? labels : "-",
	     value);
}

static int add_tunnel(void *arg, const struct tunnel *t)
{
	struct out *o = arg;
	int n;

	n = ctl_format_tunnel(o->buf + o->len, o->size - o->len, t, o->now);
	if (n < 0)
		return 1;
	o->len += (size_t)n;
	o->tunnels++;
	return 0;
}

/* Only what one error line says. */
static size_t error_reply(char *buf, size_t size, int err, const char *v)
{
	int n = err == -EPROTO ? snprintf(buf, size, "error version %s\n", v) :
		snprintf(buf, size, "error request\n");

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

size_t ctl_reply(char *buf, size_t size, const struct ctl_source *src,
		 const struct ctl_self *self, const char *req, size_t len)
{
	struct out o = { .buf = buf, .size = size - TAIL_ROOM,
			 .now = self->now };
	size_t first;
	int err, more = 0;

	err = ctl_parse_request(req, len, self->version, &first);
	if (err)
		return error_reply(buf, size, err, self->version);
	if (!first) {
		line(&o, "version %s\n", self->version);
		line(&o, "pid %ld\n", self->pid);
		line(&o, "uptime %lld\n", (long long)(self->now - self->started));
		if (src->options)
			src->options(src->arg, add_option, &o);
		if (src->counters)
			src->counters(src->arg, add_counter, &o);
	}
	/* the first lines take a few KiB: never all of CTL_REPLY_MAX */
	if (!o.full && src->tunnels)
		more = src->tunnels(src->arg, first, add_tunnel, &o);
	/* the tail room is there for the last line */
	o.size = size;
	o.full = 0;
	if (more)
		line(&o, "next %zu\n", first + o.tunnels);
	else
		line(&o, "end\n");
	return o.len;
}

/* ---- the runtime: sockets ---- */

static int set_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

/* The socket file's directory, made if missing (0755, then the --user's:
 * the daemon removes its socket as that user). */
static int make_dir(const struct ctl_cfg *cfg)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", cfg->path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	/* whatever the umask */
	if (chmod(dir, 0755) < 0 ||
	    (cfg->owner != (uid_t)-1 && chown(dir, cfg->owner, cfg->group)))
		return -errno;
	return 0;
}

/* What is at the path: 0 nothing or a stale socket (removed), -EADDRINUSE
 * a daemon answers, -ENOTSOCK not a socket, or -errno. */
static int clear_path(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	/* EAGAIN: a listener whose backlog is full still answers */
	ret = !ret || errno == EAGAIN || errno == EINPROGRESS ? -EADDRINUSE :
	      errno == ECONNREFUSED ? 0 : -errno;
	close(fd);
	if (!ret && unlink(path) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

/* Bound, 0600 (and the --user's), listening. */
static int listen_on(const struct ctl_cfg *cfg, const struct sockaddr_un *sun)
{
	mode_t old;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	ret = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (ret < 0)
		goto err;
	if (chmod(cfg->path, 0600) < 0 ||
	    (cfg->owner != (uid_t)-1 &&
	     chown(cfg->path, cfg->owner, cfg->group) < 0) ||
	    listen(fd, CTL_CLIENTS) < 0) {
		ret = -errno;
		unlink(cfg->path);
		close(fd);
		return ret;
	}
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

/* The socket, or -errno (logged). */
static int open_socket(const struct ctl_cfg *cfg)
{
	struct sockaddr_un sun;
	int ret;

	ret = set_addr(&sun, cfg->path);
	if (!ret)
		ret = make_dir(cfg);
	if (!ret)
		ret = clear_path(cfg->path, &sun);
	if (!ret)
		ret = listen_on(cfg, &sun);
	if (ret >= 0)
		return ret;
	if (ret == -EADDRINUSE)
		log_warnx("another l2tp-nfqd answers on %s (--control PATH "
			  "for a second one)", cfg->path);
	else if (ret == -ENOTSOCK)
		log_warnx("control socket %s: something else is there",
			  cfg->path);
	else {
		errno = -ret;
		log_warn("control socket %s", cfg->path);
	}
	return ret;
}

/* The default path where the daemon may not make it: only a warning. */
static int optional(const struct ctl_cfg *cfg, int err)
{
	return !cfg->required && (err == -EACCES || err == -EPERM ||
				  err == -EROFS || err == -ENOENT);
}

int ctl_open(struct ctl **out, const struct ctl_cfg *cfg,
	     const struct ctl_source *src)
{
	struct ctl *c;
	unsigned int i;
	int fd;

	*out = NULL;
	if (!cfg->path)
		return 0;
	fd = open_socket(cfg);
	if (fd < 0) {
		if (!optional(cfg, fd))
			return fd;
		log_warnx("no control socket: l2tp-nfqd status will show the "
			  "kernel's view only");
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->path = strdup(cfg->path);
	if (!c || !c->path) {
		log_warnx("control socket: out of memory");
		close(fd);
		unlink(cfg->path);
		free(c);
		return -ENOMEM;
	}
	c->fd = fd;
	c->src = *src;
	c->started = mono_sec();
	c->rl = (struct ratelimit)RATELIMIT_INIT("control socket", 5, 60);
	for (i = 0; i < CTL_CLIENTS; i++)
		c->clients[i].fd = -1;
	log_info("control socket %s", cfg->path);
	*out = c;
	return 0;
}

void ctl_pollfds(const struct ctl *c, struct pollfd *pfd)
{
	unsigned int i;

	pfd[0] = (struct pollfd){ c ? c->fd : -1, POLLIN, 0 };
	for (i = 0; i < CTL_CLIENTS; i++)
		pfd[1 + i] = (struct pollfd){ c ? c->clients[i].fd : -1,
					      POLLIN, 0 };
}

static void drop_client(struct client *cl)
{
	close(cl->fd);
	cl->fd = -1;
}

/* One request, one reply; the client goes if it cannot take it. */
static void answer(struct ctl *c, struct client *cl)
{
	char req[CTL_REQUEST_MAX + 2];
	struct ctl_self self = { .version = VERSION, .pid = (long)getpid(),
				 .started = c->started, .now = mono_sec() };
	ssize_t n;
	size_t len;

	n = recv(cl->fd, req, sizeof(req), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_client(cl);
		return;
	}
	cl->last = self.now;
	/* a longer request is malformed: the parser sees it too long */
	len = (size_t)n < sizeof(req) ? (size_t)n : sizeof(req);
	len = ctl_reply(c->reply, sizeof(c->reply), &c->src, &self, req, len);
	if (send(cl->fd, c->reply, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)len) {
		if (log_ratelimit(&c->rl))
			log_warn("control socket: reply not taken, client "
				 "dropped");
		drop_client(cl);
	}
}

/* New clients into free slots; the rest are closed at once. */
static void accept_clients(struct ctl *c, time_t now)
{
	int sndbuf = CTL_REPLY_MAX + 4096;
	unsigned int k, i;
	int fd;

	for (k = 0; k < ACCEPTS_PER_WAKE; k++) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < CTL_CLIENTS && c->clients[i].fd >= 0; i++)
			;
		if (i == CTL_CLIENTS) {
			close(fd);
			continue;
		}
		/* a whole reply fits, whatever net.core.wmem_default says */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		c->clients[i].fd = fd;
		c->clients[i].last = now;
	}
}

void ctl_dispatch(struct ctl *c, const struct pollfd *pfd)
{
	time_t now;
	unsigned int i;

	if (!c)
		return;
	now = mono_sec();
	/* the clients first: their slots' revents are theirs */
	for (i = 0; i < CTL_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd < 0)
			continue;
		if (pfd[1 + i].revents & (POLLIN | POLLERR | POLLHUP))
			answer(c, cl);
		if (cl->fd >= 0 && now - cl->last >= CTL_IDLE_SEC)
			drop_client(cl);
	}
	if (pfd[0].revents & POLLIN)
		accept_clients(c, now);
}

void ctl_close(struct ctl *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < CTL_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			close(c->clients[i].fd);
	close(c->fd);
	/* as --user, from a directory of root's: the next start replaces it */
	if (unlink(c->path) < 0 && errno != ENOENT)
		log_debug("control socket %s not removed: %s", c->path,
			  strerror(errno));
	free(c->path);
	free(c);
}
