/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_IPC_H
#define L2TP_NFQD_IPC_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#include "base/report.h"

#define IPC_DEFAULT_BACKLOG	32768
#define IPC_PATH_MAX		(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

struct ipc_cfg {
	const char *path;	/* --output; NULL: nothing is sent */
	unsigned int backlog;	/* --backlog */
	uid_t owner;		/* --output-owner, (uid_t)-1 if none */
};

struct ipc;
struct pollfd;

/*
 * ipc_open - the output to the AF_UNIX datagram socket @cfg->path.  Never
 * fails for an absent receiver.  The socket file must belong to root or
 * to the owner: anyone could bind a path in a world-writable directory
 * and read the marks and host names.  0 or -errno (logged).
 */
int ipc_open(struct ipc **out, const struct ipc_cfg *cfg);
/* What to poll: POLLOUT while messages wait on a connected socket. */
void ipc_pollfd(const struct ipc *ipc, struct pollfd *pfd);
/* After poll (revents 0 on a timeout): send what waits if it can. */
void ipc_dispatch(struct ipc *ipc, short revents);
/* Queue a message (dropped, counted, when the backlog is full); it is held
 * until the next ipc_flush(). */
void ipc_send(struct ipc *ipc, const void *msg, size_t len);
/* Release what is held and send what waits, as far as the receiver takes
 * it; never blocks.  Called after each verdict batch. */
void ipc_flush(struct ipc *ipc);
/* Send what earlier flushes released, not what is held: in the middle of
 * a long batch, whose own messages must wait for its verdict. */
void ipc_send_released(struct ipc *ipc);
/* Drop the connection and connect again (SIGHUP, a restarted receiver). */
void ipc_reconnect(struct ipc *ipc);
void ipc_log_stats(const struct ipc *ipc);
/* The same numbers, labelled (base/report.h); nothing without --output. */
void ipc_report(const struct ipc *ipc, report_fn *fn, void *arg);
void ipc_close(struct ipc *ipc);

#endif
