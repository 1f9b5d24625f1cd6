// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "base/log.h"
#include "base/notify.h"

/* Like logging, the service manager is one per process. */
static struct {
	int fd;
	struct sockaddr_un addr;
	socklen_t len;
	uint64_t watchdog_usec;
	struct timespec last_ping;
	int listen_fds;		/* $LISTEN_FDS, if passed to us */
	char fdnames[256];	/* $LISTEN_FDNAMES */
} nt = { .fd = -1 };

#define LISTEN_FDS_START	3	/* sd_listen_fds(3) */

/* The descriptors the service manager passed (its store, at a restart). */
static void listen_init(void)
{
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return;
	nt.listen_fds = (int)strtol(fds, NULL, 10);
	if (nt.listen_fds < 0 || nt.listen_fds > 64)
		nt.listen_fds = 0;
	if (names && strlen(names) < sizeof(nt.fdnames))
		strcpy(nt.fdnames, names);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

void notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wdpid = getenv("WATCHDOG_PID");
	size_t n;

	if (wd && (!wdpid || strtol(wdpid, NULL, 10) == (long)getpid()))
		nt.watchdog_usec = strtoull(wd, NULL, 10);
	listen_init();
	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	n = strlen(path);
	if (n >= sizeof(nt.addr.sun_path))
		return;
	nt.addr.sun_family = AF_UNIX;
	memcpy(nt.addr.sun_path, path, n);
	if (path[0] == '@')
		nt.addr.sun_path[0] = '\0';	/* abstract namespace */
	nt.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* children must not talk to the service manager in our name */
	unsetenv("NOTIFY_SOCKET");
}

void notify_send(const char *state)
{
	if (nt.fd < 0)
		return;
	if (sendto(nt.fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&nt.addr, nt.len) < 0)
		log_debug("sd_notify %s: %s", state, strerror(errno));
}

void notify_tick(struct timespec *tick)
{
	uint64_t half = nt.watchdog_usec / 2;
	uint64_t usec = (uint64_t)tick->tv_sec * 1000000 +
			(uint64_t)tick->tv_nsec / 1000;

	if (half && usec > half) {
		tick->tv_sec = (time_t)(half / 1000000);
		tick->tv_nsec = (long)(half % 1000000 * 1000);
	}
}

void notify_watchdog(void)
{
	struct timespec now;
	uint64_t since;

	/* without a watchdog the clock is not even read */
	if (!nt.watchdog_usec)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	since = (uint64_t)(now.tv_sec - nt.last_ping.tv_sec) * 1000000 +
		(uint64_t)((now.tv_nsec - nt.last_ping.tv_nsec) / 1000);
	if (since >= nt.watchdog_usec / 2) {
		notify_send("WATCHDOG=1");
		nt.last_ping = now;
	}
}

int notify_listen_fd(const char *name)
{
	const char *p = nt.fdnames;
	size_t n = strlen(name);
	int i;

	for (i = 0; i < nt.listen_fds && *p; i++) {
		if (!strncmp(p, name, n) && (p[n] == ':' || !p[n]))
			return LISTEN_FDS_START + i;
		p = strchr(p, ':');
		if (!p)
			break;
		p++;
	}
	return -1;
}

/* Closes the passed descriptors we did not take: nobody else will. */
void notify_listen_done(int taken)
{
	int i;

	for (i = 0; i < nt.listen_fds; i++)
		if (LISTEN_FDS_START + i != taken)
			close(LISTEN_FDS_START + i);
	nt.listen_fds = 0;
}

int notify_fdstore(int fd, const char *name)
{
	char state[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	if (nt.fd < 0)
		return -ENOTCONN;
	/* FDPOLL=0: systemd would close a stored socket that polls POLLERR
	 * or POLLHUP, and a netlink socket may (an overrun, a failed dump) */
	snprintf(state, sizeof(state), "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", name);
	iov.iov_base = state;
	iov.iov_len = strlen(state);
	mh.msg_name = &nt.addr;
	mh.msg_namelen = nt.len;
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(nt.fd, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}
