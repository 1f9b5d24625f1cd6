/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NOTIFY_H
#define L2TP_NFQD_NOTIFY_H

#include <stdint.h>

/*
 * The systemd notification protocol, without libsystemd: a datagram to
 * $NOTIFY_SOCKET.  Without that variable every call does nothing, so the
 * daemon needs no #ifdef for it.
 */
void notify_init(void);
void notify_send(const char *state);
/* Watchdog interval from $WATCHDOG_USEC, 0 if none; ping twice as often. */
uint64_t notify_watchdog_usec(void);

#endif
