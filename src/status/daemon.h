/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_STATUS_DAEMON_H
#define L2TP_NFQD_STATUS_DAEMON_H

/*
 * The running daemon's side of `l2tp-nfqd status`: its control socket
 * (protocol in ctl/ctl.h) read into the view.
 */
#include <stddef.h>

#include "status/view.h"

#define ST_DAEMON_TIMEOUT_MS	2000	/* per reply */

/*
 * st_read_daemon - ask the daemon at @path for everything, from tunnel 0
 * until "end", into @v (v->from_daemon 1, version, pid, uptime, options,
 * counters, tunnels with ST_FROM_DAEMON).  Returns 0, or -ENOENT (no
 * socket there), -ECONNREFUSED (a stale socket: nobody listens), -EACCES
 * (not allowed: not root), -EPROTO (another version: the daemon's in
 * v->version), -ETIMEDOUT (no reply within ST_DAEMON_TIMEOUT_MS),
 * -EBADMSG (a reply not understood, or "error request"), -ECONNRESET
 * (the daemon closed the connection: busy with other clients), -ENOMEM,
 * or another -errno of the socket.
 */
int st_read_daemon(struct st_view *v, const char *path);

/*
 * st_daemon_parse - one reply datagram @buf of @len bytes into @v.
 * Returns 1 when it ends with "end", 0 with "next N" (N in *@next), or
 * -EPROTO ("error version V": V in v->version), -EBADMSG (anything
 * malformed: a line too long, not ended, with a NUL, a field missing or
 * out of range, no "next" or "end" last, "error request"), -ENOMEM.
 * Lines of unknown kinds are skipped.  Pure.
 */
int st_daemon_parse(const char *buf, size_t len, struct st_view *v,
		    size_t *next);

#endif
