/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_CTL_H
#define L2TP_NFQD_CTL_H

/*
 * The control socket: what only the running daemon knows (its options,
 * counters and the tunnels it bound), for `l2tp-nfqd status` (the client
 * is status/daemon.c).  An AF_UNIX SOCK_SEQPACKET socket, mode 0600.
 *
 * Protocol: text, one request datagram, one reply datagram, lines ended
 * by "\n".  VERSION is the build's version string on both sides.
 *
 *   request:  "l2tp-nfqd VERSION status FIRST"   (a final "\n" may follow)
 *             FIRST: decimal index of the first tunnel record wanted, 0
 *             in the first request.
 *   reply:    "error version V"   the daemon is version V (the request
 *                                 named another); nothing else follows
 *             "error request"     the request was not understood
 *   or, when FIRST is 0, first:
 *             "version V"
 *             "pid N"
 *             "uptime SECONDS"
 *             "option NAME VALUE"           each option in force; VALUE,
 *                                           the rest of the line, escaped
 *                                           as host names are
 *             "counter NAME LABELS VALUE"   each counter or gauge of the
 *                                           modules (base/report.h);
 *                                           LABELS "-" when there are none
 *   then, in every reply, as many tunnel records as fit:
 *             "tunnel FAMILY PEER PORT ORIG_ID ID LNS_ID MARK AGE HOST"
 *                 FAMILY 4 or 6; PEER the numeric address; PORT the
 *                 client's UDP port; ORIG_ID the client's own tunnel ID,
 *                 ID the one the L2TP daemon sees, LNS_ID the L2TP
 *                 daemon's own (0: not known yet), all decimal; MARK the
 *                 SA's mark, 0x-hex; AGE seconds since its SCCRQ; PORT
 *                 and AGE "-" for a tunnel listed from the kernel's maps
 *                 (a restart); HOST the rest of the line after one space,
 *                 its host name escaped (wire/escape.h: printable, may
 *                 hold spaces), empty when not known
 *   and last: "next N"   ask again with FIRST = N
 *             "end"      no more tunnels
 *
 * Tunnels are records by index in an order that holds while none comes
 * or goes: between two requests a tunnel may be skipped or sent twice.
 * The client merges by (FAMILY, PEER, ID).  Without --tunnel-marks the
 * daemon keeps no tunnels: every reply ends with "end".
 *
 * Nothing here blocks the packet path: every socket is non-blocking,
 * each request is answered from memory with one datagram of at most
 * CTL_REPLY_MAX bytes sent with MSG_DONTWAIT, a client that cannot take
 * it is dropped, and so is one idle for CTL_IDLE_SEC.  CTL_CLIENTS at
 * a time; more are closed as they connect.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>

#include "base/report.h"

#define CTL_DEFAULT_PATH	"/run/l2tp-nfqd/control"
/* The default path, unless the environment names another (absolute) one
 * in L2TP_NFQD_CONTROL: the tests' daemons keep off the host's. */
static inline const char *ctl_default_path(void)
{
	const char *env = getenv("L2TP_NFQD_CONTROL");

	return env && env[0] == '/' ? env : CTL_DEFAULT_PATH;
}
#define CTL_REPLY_MAX		65536
#define CTL_REQUEST_MAX		128
#define CTL_CLIENTS		4
#define CTL_IDLE_SEC		5
#define CTL_POLLFDS		(1 + CTL_CLIENTS)	/* listener, clients */

struct ctl_cfg {
	const char *path;	/* --control; NULL: none */
	int required;		/* given on the command line: any failure
				 * stops the daemon; the default path only
				 * for another daemon answering there */
	uid_t owner;		/* --user's: may remove the socket once the
				 * daemon runs as it; (uid_t)-1 none */
	gid_t group;
};

struct tunnel;

typedef void ctl_option_fn(void *arg, const char *name, const char *value);
/* One tunnel record; nonzero: no room, stop. */
typedef int ctl_tunnel_fn(void *arg, const struct tunnel *t);

/* Where the replies' contents come from (main.c's modules), read at
 * each request. */
struct ctl_source {
	void (*options)(void *arg, ctl_option_fn *fn, void *fnarg);
	void (*counters)(void *arg, report_fn *fn, void *fnarg);
	/* @fn for each tunnel from the @first-th on, until it returns
	 * nonzero; returns 1 if @fn stopped it, 0 at the end */
	int (*tunnels)(void *arg, size_t first, ctl_tunnel_fn *fn,
		       void *fnarg);
	void *arg;
};

struct ctl;
struct pollfd;

/*
 * ctl_open - listen on @cfg->path: its directory is made (0755) if
 * missing, a stale socket (nobody answers) replaced; another daemon
 * answering there is an error.  0 with *@out NULL when there is no path,
 * or when the default path cannot be made (not allowed: logged), else 0
 * or -errno (logged).
 */
int ctl_open(struct ctl **out, const struct ctl_cfg *cfg,
	     const struct ctl_source *src);
/* Fill CTL_POLLFDS entries (fd -1 where nothing is open; all for NULL). */
void ctl_pollfds(const struct ctl *c, struct pollfd *pfd);
/* After poll, with the same entries (revents 0 on a timeout): accept,
 * answer, close idle clients. */
void ctl_dispatch(struct ctl *c, const struct pollfd *pfd);
/* Close everything and remove the socket. */
void ctl_close(struct ctl *c);

/* The pure parts, for the tests. */

/* What the reply's first lines say of the daemon itself. */
struct ctl_self {
	const char *version;
	long pid;
	time_t started, now;	/* mono_sec() */
};

/* The request's FIRST: 0; -EPROTO another version; -EINVAL malformed. */
int ctl_parse_request(const char *req, size_t len, const char *version,
		      size_t *first);
/* One "tunnel ..." line with its "\n" into @buf: its length, or -ENOSPC
 * (@buf unchanged but for its first byte). */
int ctl_format_tunnel(char *buf, size_t size, const struct tunnel *t,
		      time_t now);
/* The reply to @req (not NUL-terminated): its length, at most @size
 * (at least 256). */
size_t ctl_reply(char *buf, size_t size, const struct ctl_source *src,
		 const struct ctl_self *self, const char *req, size_t len);

#endif
