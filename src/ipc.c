// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output: one AF_UNIX datagram per message to the L2TP daemon.
 *
 * The receiver queues only net.unix.max_dgram_qlen datagrams (10 by
 * default), so a burst fills it at once.  Messages that do not fit wait in
 * a bounded backlog of fixed slots and go out when the socket is writable
 * again; a missing receiver is retried.  Only a full backlog drops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ipc.h"
#include "log.h"
#include "msg.h"

struct slot {
	uint16_t len;
	uint8_t buf[MSG_BUF_SIZE];
};

struct ipc {
	struct sockaddr_un addr;
	int fd;
	int enabled;
	uid_t owner;
	time_t last_try;	/* last connect attempt that failed */
	struct ratelimit drop_rl, conn_rl;
	unsigned int size, head, count;
	struct slot *slots;	/* touched only when messages wait */
	struct ipc_stats stats;
};

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void disconnect(struct ipc *ipc)
{
	if (ipc->fd >= 0)
		close(ipc->fd);
	ipc->fd = -1;
}

/* The receiver's socket file: a socket, of root or the allowed owner. */
static int trusted(struct ipc *ipc, struct stat *st)
{
	if (lstat(ipc->addr.sun_path, st))
		return -errno;
	if (!S_ISSOCK(st->st_mode))
		return -ENOTSOCK;
	if (st->st_uid != 0 && st->st_uid != ipc->owner) {
		ipc->stats.refused++;
		if (log_ratelimit(&ipc->conn_rl))
			log_warnx("output %s belongs to uid %u, not to root or "
				  "the --output-owner: refusing to send to it",
				  ipc->addr.sun_path, (unsigned int)st->st_uid);
		return -EPERM;
	}
	return 0;
}

static int try_connect(struct ipc *ipc)
{
	struct stat before, after;
	int fd, ret;

	if (ipc->fd >= 0)
		return 0;
	ipc->last_try = now();
	ret = trusted(ipc, &before);
	if (ret)
		goto err;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ipc->addr, sizeof(ipc->addr))) {
		ret = -errno;
		close(fd);
		goto err;
	}
	/* the file checked must be the one connected to */
	ret = trusted(ipc, &after);
	if (!ret && (after.st_ino != before.st_ino ||
		     after.st_dev != before.st_dev))
		ret = -EAGAIN;
	if (ret) {
		close(fd);
		goto err;
	}
	ipc->fd = fd;
	ipc->stats.connects++;
	log_debug("output %s connected", ipc->addr.sun_path);
	return 0;
err:
	if (ret != -EPERM && log_ratelimit(&ipc->conn_rl))
		log_warnx("output %s: %s; retrying", ipc->addr.sun_path,
			  strerror(-ret));
	return ret;
}

int ipc_open(struct ipc **out, const char *path, unsigned int backlog,
	     uid_t owner)
{
	struct ipc *ipc;

	ipc = calloc(1, sizeof(*ipc));
	if (!ipc)
		return -ENOMEM;
	ipc->fd = -1;
	ipc->owner = owner;
	ipc->drop_rl = (struct ratelimit)RATELIMIT_INIT("backlog-full", 1, 60);
	ipc->conn_rl = (struct ratelimit)RATELIMIT_INIT("output", 1, 60);
	if (path) {
		if (strlen(path) > IPC_PATH_MAX) {
			free(ipc);
			return -ENAMETOOLONG;
		}
		ipc->enabled = 1;
		ipc->addr.sun_family = AF_UNIX;
		strcpy(ipc->addr.sun_path, path);
		ipc->size = backlog;
		/* calloc of a large block maps zero pages: no RSS until used */
		ipc->slots = calloc(backlog ? backlog : 1, sizeof(struct slot));
		if (!ipc->slots) {
			free(ipc);
			return -ENOMEM;
		}
		try_connect(ipc);
	}
	*out = ipc;
	return 0;
}

/* 0 sent, -EAGAIN try later, other -errno: the message cannot go. */
static int send_one(struct ipc *ipc, const void *msg, size_t len)
{
	int again;

	for (again = 0; again < 2; again++) {
		if (ipc->fd < 0) {
			/* a failed connect is retried once a second */
			if (ipc->last_try == now())
				return -EAGAIN;
			if (try_connect(ipc))
				return -EAGAIN;
		}
		if (send(ipc->fd, msg, len, MSG_NOSIGNAL) >= 0) {
			ipc->stats.sent++;
			return 0;
		}
		switch (errno) {
		case EAGAIN:
		case ENOBUFS:
			return -EAGAIN;
		case EINTR:
			continue;
		case ECONNREFUSED:
		case ENOTCONN:
		case EPIPE:
		case ENOENT:
			/* the receiver went away or was restarted */
			disconnect(ipc);
			continue;
		default:
			ipc->stats.send_errors++;
			return -errno;
		}
	}
	return -EAGAIN;
}

static void backlog_push(struct ipc *ipc, const void *msg, size_t len)
{
	struct slot *s;

	if (ipc->count == ipc->size) {
		ipc->stats.dropped++;
		if (log_ratelimit(&ipc->drop_rl))
			log_warnx("output %s: backlog of %u full, dropping "
				  "messages (%llu so far)", ipc->addr.sun_path,
				  ipc->size,
				  (unsigned long long)ipc->stats.dropped);
		return;
	}
	s = &ipc->slots[(ipc->head + ipc->count) % ipc->size];
	s->len = (uint16_t)len;
	memcpy(s->buf, msg, len);
	ipc->count++;
	ipc->stats.queued++;
}

void ipc_flush(struct ipc *ipc)
{
	while (ipc->count) {
		struct slot *s = &ipc->slots[ipc->head];
		int ret = send_one(ipc, s->buf, s->len);

		if (ret == -EAGAIN)
			return;
		/* sent, or a message the socket refuses for good */
		ipc->head = (ipc->head + 1) % ipc->size;
		ipc->count--;
	}
}

void ipc_send(struct ipc *ipc, const void *msg, size_t len)
{
	if (!ipc->enabled || len > MSG_BUF_SIZE)
		return;
	if (ipc->count)
		ipc_flush(ipc);
	/* keep the order: nothing overtakes what already waits */
	if (!ipc->count && send_one(ipc, msg, len) != -EAGAIN)
		return;
	backlog_push(ipc, msg, len);
}

int ipc_poll_fd(const struct ipc *ipc)
{
	return ipc->count && ipc->fd >= 0 ? ipc->fd : -1;
}

void ipc_reconnect(struct ipc *ipc)
{
	if (!ipc->enabled)
		return;
	disconnect(ipc);
	ipc->last_try = 0;
	try_connect(ipc);
	ipc_flush(ipc);
}

unsigned int ipc_backlog_len(const struct ipc *ipc)
{
	return ipc->count;
}

const struct ipc_stats *ipc_stats(const struct ipc *ipc)
{
	return &ipc->stats;
}

void ipc_close(struct ipc *ipc)
{
	if (!ipc)
		return;
	disconnect(ipc);
	free(ipc->slots);
	free(ipc);
}
