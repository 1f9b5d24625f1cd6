// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output: one AF_UNIX datagram per message to the L2TP daemon.
 *
 * Messages are queued in a bounded backlog (a ring of records) and sent with
 * sendmmsg() once per verdict batch, so the packet path never waits for
 * the receiver and pays one system call per batch, not per message.  The
 * receiver queues only net.unix.max_dgram_qlen datagrams (10 by default),
 * so a burst fills it at once: what does not fit waits for POLLOUT; a
 * missing receiver is retried.  Only a full backlog drops.
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

#define IPC_BATCH	64	/* messages per sendmmsg() */
/* Ring bytes per --backlog message: a typical message is 40-80 bytes. */
#define IPC_RING_PER_MSG	128
#define REC_HDR		4	/* u16 length, u16 padding */
#define REC_SIZE(len)	((REC_HDR + (size_t)(len) + 3) & ~(size_t)3)
#define REC_WRAP	0xffff	/* "continue at offset 0" */

struct ipc {
	struct sockaddr_un addr;
	int fd;
	int enabled;
	uid_t owner;
	time_t last_try;	/* last connect attempt that failed */
	struct ratelimit drop_rl, conn_rl;
	/*
	 * The backlog: a ring of records (length, message) that sendmmsg()
	 * reads in place.  At most @max messages, in @cap bytes.
	 */
	uint8_t *ring;
	size_t cap, head, tail;
	unsigned int count, max;
	struct ipc_stats stats;
	struct mmsghdr mm[IPC_BATCH];
	struct iovec iov[IPC_BATCH];
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
		ipc->max = backlog;
		/* room for the largest message twice, whatever --backlog */
		ipc->cap = (size_t)backlog * IPC_RING_PER_MSG;
		if (ipc->cap < 4 * REC_SIZE(MSG_BUF_SIZE))
			ipc->cap = 4 * REC_SIZE(MSG_BUF_SIZE);
		ipc->ring = malloc(ipc->cap);
		if (!ipc->ring) {
			free(ipc);
			return -ENOMEM;
		}
		try_connect(ipc);
	}
	*out = ipc;
	return 0;
}

/*
 * Send up to IPC_BATCH waiting messages, contiguous from head.  Returns how
 * many left (>= 0), -EAGAIN to try later, or another -errno for a message
 * the socket refuses for good.
 */
static uint16_t rec_len(const struct ipc *ipc, size_t off)
{
	uint16_t len;

	if (ipc->cap - off < REC_HDR)
		return REC_WRAP;
	memcpy(&len, ipc->ring + off, sizeof(len));
	return len;
}

static int send_batch(struct ipc *ipc)
{
	unsigned int k = 0;
	size_t off = ipc->head;
	int again, n;

	/* up to IPC_BATCH records, contiguous: stop at the wrap */
	while (k < ipc->count && k < IPC_BATCH) {
		uint16_t len = rec_len(ipc, off);

		if (len == REC_WRAP) {
			if (k)
				break;
			off = ipc->head = 0;
			continue;
		}
		ipc->iov[k].iov_base = ipc->ring + off + REC_HDR;
		ipc->iov[k].iov_len = len;
		ipc->mm[k].msg_hdr.msg_iov = &ipc->iov[k];
		ipc->mm[k].msg_hdr.msg_iovlen = 1;
		off += REC_SIZE(len);
		k++;
	}
	for (again = 0; again < 2; again++) {
		if (ipc->fd < 0) {
			/* a failed connect is retried once a second */
			if (ipc->last_try == now() || try_connect(ipc))
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

/* Drop @n records from the head; send_batch() left head at the first. */
static void backlog_pop(struct ipc *ipc, unsigned int n)
{
	while (n--) {
		ipc->head += REC_SIZE(rec_len(ipc, ipc->head));
		ipc->count--;
	}
	/* empty: start again at offset 0, where the pages are warm */
	if (!ipc->count)
		ipc->head = ipc->tail = 0;
}

/* Where a record of @need bytes can go, or (size_t)-1: the ring is full. */
static size_t ring_reserve(struct ipc *ipc, size_t need)
{
	if (!ipc->count)
		ipc->head = ipc->tail = 0;
	if (ipc->tail >= ipc->head && ipc->count) {
		if (ipc->cap - ipc->tail >= need)
			return ipc->tail;
		/* wrap: the head must stay ahead of the new record */
		if (ipc->head <= need)
			return (size_t)-1;
		if (ipc->cap - ipc->tail >= REC_HDR) {
			uint16_t wrap = REC_WRAP;

			memcpy(ipc->ring + ipc->tail, &wrap, sizeof(wrap));
		}
		ipc->tail = 0;
		return 0;
	}
	if (!ipc->count)
		return need <= ipc->cap ? 0 : (size_t)-1;
	/* tail < head: the free space is between them */
	return ipc->head - ipc->tail > need ? ipc->tail : (size_t)-1;
}

void ipc_flush(struct ipc *ipc)
{
	while (ipc->count) {
		int n = send_batch(ipc);

		if (n == -EAGAIN)
			return;
		/* sent, or one message the socket refuses for good */
		backlog_pop(ipc, n > 0 ? (unsigned int)n : 1);
	}
}

void ipc_send(struct ipc *ipc, const void *msg, size_t len)
{
	uint16_t len16 = (uint16_t)len;
	size_t off = (size_t)-1;

	if (!ipc->enabled || len > MSG_BUF_SIZE)
		return;
	if (ipc->count < ipc->max)
		off = ring_reserve(ipc, REC_SIZE(len));
	if (off == (size_t)-1) {
		ipc->stats.dropped++;
		if (log_ratelimit(&ipc->drop_rl))
			log_warnx("output %s: backlog of %u messages full, dropping "
				  "messages (%llu so far)", ipc->addr.sun_path,
				  ipc->max,
				  (unsigned long long)ipc->stats.dropped);
		return;
	}
	memcpy(ipc->ring + off, &len16, sizeof(len16));
	memcpy(ipc->ring + off + REC_HDR, msg, len);
	ipc->tail = off + REC_SIZE(len);
	ipc->count++;
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
	free(ipc->ring);
	free(ipc);
}
