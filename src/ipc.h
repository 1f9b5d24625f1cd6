/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_IPC_H
#define L2TP_NFQD_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#define IPC_DEFAULT_BACKLOG	32768
#define IPC_PATH_MAX		(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

struct ipc_stats {
	uint64_t sent;
	uint64_t dropped;	/* backlog full */
	uint64_t send_errors;
	uint64_t connects;
	uint64_t refused;	/* socket file of an untrusted owner */
};

struct ipc;

/*
 * @path NULL: nothing is sent.  Never fails for an absent receiver.
 * The socket file must belong to root or to @owner ((uid_t)-1: root only):
 * anyone could bind a path in a world-writable directory and read the
 * marks and host names.
 */
int ipc_open(struct ipc **out, const char *path, unsigned int backlog,
	     uid_t owner);
/* The fd to poll for POLLOUT, or -1 when nothing waits to be written. */
int ipc_poll_fd(const struct ipc *ipc);
/* Queue a message (dropped, counted, when the backlog is full). */
void ipc_send(struct ipc *ipc, const void *msg, size_t len);
/* Send what waits, as far as the receiver takes it; never blocks.  Called
 * after each verdict batch, on POLLOUT, and once a second. */
void ipc_flush(struct ipc *ipc);
/* Drop the connection and connect again (SIGHUP, a restarted receiver). */
void ipc_reconnect(struct ipc *ipc);
unsigned int ipc_backlog_len(const struct ipc *ipc);
const struct ipc_stats *ipc_stats(const struct ipc *ipc);
void ipc_close(struct ipc *ipc);

#endif
