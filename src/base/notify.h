/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NOTIFY_H
#define L2TP_NFQD_NOTIFY_H

#include <time.h>

/*
 * The systemd notification protocol, without libsystemd: a datagram to
 * $NOTIFY_SOCKET.  Without that variable every call does nothing, so the
 * daemon needs no #ifdef for it.
 */
void notify_init(void);
void notify_send(const char *state);
/* Shorten the poll loop's @tick so that the watchdog ($WATCHDOG_USEC) is
 * fed twice per interval. */
void notify_tick(struct timespec *tick);
/* Feed the watchdog if half its interval has passed; once per loop. */
void notify_watchdog(void);

/*
 * The service manager's file descriptor store (systemd's
 * FileDescriptorStoreMax=): notify_fdstore() hands it @fd under @name;
 * at the next start it passes the descriptor back ($LISTEN_FDS,
 * $LISTEN_FDNAMES), which notify_listen_fd() finds (-1 if none).  The
 * store lives as long as the service: across restarts and crashes, not
 * past a stop.  notify_listen_done() closes the passed ones not taken.
 */
int notify_fdstore(int fd, const char *name);
int notify_listen_fd(const char *name);
void notify_listen_done(int taken);

#endif
