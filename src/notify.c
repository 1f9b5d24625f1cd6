// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"
#include "notify.h"

/* Like logging, the service manager is one per process. */
static struct {
	int fd;
	struct sockaddr_un addr;
	socklen_t len;
	uint64_t watchdog_usec;
	struct timespec last_ping;
} nt = { .fd = -1 };

void notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wdpid = getenv("WATCHDOG_PID");
	size_t n;

	if (wd && (!wdpid || strtol(wdpid, NULL, 10) == (long)getpid()))
		nt.watchdog_usec = strtoull(wd, NULL, 10);
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
