// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output (src/packet/ipc.c) against a real AF_UNIX receiver: a batch's
 * messages are held until its flush, while those of earlier batches may
 * go in its middle.  The handler's tests stand in for this module, so it
 * is compiled here under other names.
 */
#define ipc_open		real_ipc_open
#define ipc_pollfd		real_ipc_pollfd
#define ipc_dispatch		real_ipc_dispatch
#define ipc_send		real_ipc_send
#define ipc_flush		real_ipc_flush
#define ipc_send_released	real_ipc_send_released
#define ipc_reconnect		real_ipc_reconnect
#define ipc_log_stats		real_ipc_log_stats
#define ipc_close		real_ipc_close
#include "../../src/packet/ipc.c"

#include <stdlib.h>

#include "unit.h"

/* Messages waiting at the receiver, checked to be @first, @first + 1... */
static unsigned int drain(int fd, unsigned int first, int *in_order)
{
	unsigned int n = 0, v;

	while (recv(fd, &v, sizeof(v), MSG_DONTWAIT) == (ssize_t)sizeof(v)) {
		if (v != first + n)
			*in_order = 0;
		n++;
	}
	return n;
}

static void send_n(struct ipc *ipc, unsigned int first, unsigned int n)
{
	unsigned int i, v;

	for (i = 0; i < n; i++) {
		v = first + i;
		ipc_send(ipc, &v, sizeof(v));
	}
}

/* The receiver's queue: net.unix.max_dgram_qlen when its socket was made. */
static unsigned int qlen(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	unsigned int q = 10;

	if (f) {
		if (fscanf(f, "%u", &q) != 1)
			q = 10;
		fclose(f);
	}
	return q;
}

void test_ipc(void)
{
	char dir[] = "/tmp/l2nq-unit.XXXXXX", path[64];
	struct ipc_cfg cfg = { .path = path, .backlog = 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ipc *ipc = NULL;
	unsigned int q = qlen(), k;
	int fd, ok = 1;

	if (!mkdtemp(dir) || q > 500) {
		CHECK("ipc: a temporary directory, a queue under 500", 0);
		return;
	}
	snprintf(path, sizeof(path), "%s/out.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cfg.owner = getuid();
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK("ipc: a receiver", fd >= 0 &&
	      !bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK("ipc: open", ipc_open(&ipc, &cfg) == 0 && ipc);
	if (!ipc)
		goto out;

	send_n(ipc, 0, 3);
	ipc_send_released(ipc);
	CHECK("ipc: a batch's messages are held until its flush",
	      drain(fd, 0, &ok) == 0);
	ipc_flush(ipc);
	CHECK("ipc: the flush sends them, in order",
	      drain(fd, 0, &ok) == 3 && ok);

	/* a full receiver: k go, the rest wait, released; then 2 held */
	send_n(ipc, 100, q + 5);
	ipc_flush(ipc);
	send_n(ipc, 100 + q + 5, 2);
	k = drain(fd, 100, &ok);
	CHECK("ipc: the receiver takes its queue's worth, no more",
	      k >= q && k < q + 5 && ok);
	ipc_send_released(ipc);
	CHECK("ipc: in a batch's middle, what earlier flushes released goes, "
	      "not the batch's own", drain(fd, 100 + k, &ok) == q + 5 - k && ok);
	ipc_flush(ipc);
	CHECK("ipc: the batch's own go at its flush",
	      drain(fd, 100 + q + 5, &ok) == 2 && ok);
	ipc_close(ipc);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
}
