// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output: one AF_UNIX datagram per message to the L2TP daemon.
 *
 * Messages are queued in a bounded backlog (a ring of records) and sent with
 * sendmmsg() once per verdict batch, so the packet path never waits for
 * the receiver and pays one system call per batch, not per message.  The
 * receiver queues only net.unix.max_dgram_qlen datagrams (10 by default),
 * so a burst fills it at once: what does not fit waits for POLLOUT, and
 * for the chances a long batch gives in its middle (ipc_send_released());
 * a missing receiver is retried.  Only a full backlog drops.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "packet/ipc.h"
#include "base/log.h"
#include "wire/msg.h"
#include "base/ring.h"

#define IPC_BATCH	64	/* messages per sendmmsg() */
/* Ring bytes per --backlog message: a typical message is 40-80 bytes. */
#define IPC_RING_PER_MSG	128

struct ipc_stats {
	uint64_t sent;
	uint64_t dropped;	/* backlog full */
	uint64_t send_errors;
	uint64_t connects;
	uint64_t refused;	/* socket file of an untrusted owner */
};

struct ipc {
	struct sockaddr_un addr;
	int fd;
	int enabled;
	uid_t owner;
	time_t last_try;	/* last connect attempt that failed */
	struct ratelimit drop_rl, conn_rl;
	struct ring backlog;	/* messages not yet taken by the receiver */
	unsigned int held;	/* the newest of them, until ipc_flush() */
	struct ipc_stats stats;
	struct mmsghdr mm[IPC_BATCH];
	struct iovec iov[IPC_BATCH];
};

static void disconnect(struct ipc *ipc)
{
	if (ipc->fd >= 0)
		close(ipc->fd);
	ipc->fd = -1;
}

/*
 * The receiver's socket file: a socket of root, of the daemon's own user or
 * of the allowed owner.  Anyone may bind a socket at a path in a
 * world-writable directory; only they can make one that is theirs.  The
 * own user is read at each check: --user switches after the first one.
 */
static int trusted(struct ipc *ipc, struct stat *st)
{
	uid_t self = geteuid();

	if (lstat(ipc->addr.sun_path, st))
		return -errno;
	if (!S_ISSOCK(st->st_mode))
		return -ENOTSOCK;
	if (st->st_uid != 0 && st->st_uid != self &&
	    st->st_uid != ipc->owner) {
		ipc->stats.refused++;
		if (log_ratelimit(&ipc->conn_rl))
			log_warnx("output %s belongs to uid %u, not to root, "
				  "to the daemon's own user (uid %u) or to the "
				  "--output-owner: refusing to send to it",
				  ipc->addr.sun_path, (unsigned int)st->st_uid,
				  (unsigned int)self);
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
	ipc->last_try = mono_sec();
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
	if (ret == -EPERM || !log_ratelimit(&ipc->conn_rl))
		return ret;
	if (ret == -EACCES)
		log_warnx("output %s: uid %u may not write to it; the receiver "
			  "must let this user or group write to its socket; "
			  "retrying", ipc->addr.sun_path,
			  (unsigned int)geteuid());
	else
		log_warnx("output %s: %s; retrying", ipc->addr.sun_path,
			  strerror(-ret));
	return ret;
}

int ipc_open(struct ipc **out, const struct ipc_cfg *cfg)
{
	unsigned int backlog = cfg->backlog;
	const char *path = cfg->path;
	struct ipc *ipc;
	size_t cap;

	ipc = calloc(1, sizeof(*ipc));
	if (!ipc)
		return -ENOMEM;
	ipc->fd = -1;
	ipc->owner = cfg->owner;
	ipc->drop_rl = (struct ratelimit)RATELIMIT_INIT("backlog-full", 1, 60);
	ipc->conn_rl = (struct ratelimit)RATELIMIT_INIT("output", 1, 60);
	if (path) {
		if (strlen(path) > IPC_PATH_MAX) {
			free(ipc);
			log_warnx("output %s: path too long for AF_UNIX", path);
			return -ENAMETOOLONG;
		}
		ipc->enabled = 1;
		ipc->addr.sun_family = AF_UNIX;
		strcpy(ipc->addr.sun_path, path);
		/* room for the largest message twice, whatever --backlog */
		cap = (size_t)backlog * IPC_RING_PER_MSG;
		if (cap < 4 * RING_REC_SIZE(MSG_BUF_SIZE))
			cap = 4 * RING_REC_SIZE(MSG_BUF_SIZE);
		if (ring_init(&ipc->backlog, backlog, cap)) {
			free(ipc);
			log_warnx("output %s: no memory for a backlog of %u "
				  "messages", path, backlog);
			return -ENOMEM;
		}
		try_connect(ipc);
	}
	*out = ipc;
	return 0;
}

/*
 * Send up to IPC_BATCH of the @max oldest messages.  Returns how many went
 * (>= 0), -EAGAIN to try later, or another -errno for a message the socket
 * refuses for good.
 */
static int send_batch(struct ipc *ipc, unsigned int max)
{
	unsigned int k, i;
	int again, n;

	k = ring_peek(&ipc->backlog, ipc->iov,
		      max < IPC_BATCH ? max : IPC_BATCH);
	for (i = 0; i < k; i++) {
		ipc->mm[i].msg_hdr.msg_iov = &ipc->iov[i];
		ipc->mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (again = 0; again < 2; again++) {
		if (ipc->fd < 0) {
			/* a failed connect is retried once a second */
			if (ipc->last_try == mono_sec() || try_connect(ipc))
				return -EAGAIN;
		}
		n = sendmmsg(ipc->fd, ipc->mm, k, MSG_NOSIGNAL);
		if (n >= 0) {
			ipc->stats.sent += (unsigned int)n;
			return n;
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

void ipc_send_released(struct ipc *ipc)
{
	while (ring_count(&ipc->backlog) > ipc->held) {
		int n = send_batch(ipc, ring_count(&ipc->backlog) - ipc->held);

		if (n == -EAGAIN)
			return;
		/* sent, or one message the socket refuses for good */
		ring_pop(&ipc->backlog, n > 0 ? (unsigned int)n : 1);
	}
}

void ipc_flush(struct ipc *ipc)
{
	ipc->held = 0;
	ipc_send_released(ipc);
}

void ipc_send(struct ipc *ipc, const void *msg, size_t len)
{
	if (!ipc->enabled)
		return;
	if (len <= MSG_BUF_SIZE && !ring_push(&ipc->backlog, msg, len)) {
		ipc->held++;
		return;
	}
	ipc->stats.dropped++;
	if (log_ratelimit(&ipc->drop_rl))
		log_warnx("output %s: backlog of %u messages full, dropping "
			  "messages (%llu so far)", ipc->addr.sun_path,
			  ipc->backlog.max,
			  (unsigned long long)ipc->stats.dropped);
}

void ipc_pollfd(const struct ipc *ipc, struct pollfd *pfd)
{
	pfd->fd = ring_count(&ipc->backlog) && ipc->fd >= 0 ? ipc->fd : -1;
	pfd->events = POLLOUT;
}

void ipc_dispatch(struct ipc *ipc, short revents)
{
	/*
	 * The verdict path already flushed: send again when the socket has
	 * room, or, disconnected, to retry a receiver that was away (once a
	 * second at most).
	 */
	if (ring_count(&ipc->backlog) && (ipc->fd < 0 || revents))
		ipc_flush(ipc);
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

void ipc_log_stats(const struct ipc *ipc)
{
	if (!ipc->enabled)
		return;
	log_info("output: sent %llu, backlog %u, dropped %llu, send failures "
		 "%llu, connects %llu, refused %llu",
		 (unsigned long long)ipc->stats.sent,
		 ring_count(&ipc->backlog),
		 (unsigned long long)ipc->stats.dropped,
		 (unsigned long long)ipc->stats.send_errors,
		 (unsigned long long)ipc->stats.connects,
		 (unsigned long long)ipc->stats.refused);
}

void ipc_report(const struct ipc *ipc, report_fn *fn, void *arg)
{
	if (!ipc->enabled)
		return;
	fn(arg, "output_messages_sent_total", "", ipc->stats.sent);
	fn(arg, "output_backlog", "", ring_count(&ipc->backlog));
	fn(arg, "output_dropped_total", "", ipc->stats.dropped);
	fn(arg, "output_send_errors_total", "", ipc->stats.send_errors);
	fn(arg, "output_connects_total", "", ipc->stats.connects);
	fn(arg, "output_refused_total", "", ipc->stats.refused);
}

void ipc_close(struct ipc *ipc)
{
	if (!ipc)
		return;
	disconnect(ipc);
	ring_free(&ipc->backlog);
	free(ipc);
}
