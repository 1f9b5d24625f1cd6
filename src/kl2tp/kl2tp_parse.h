/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_KL2TP_PARSE_H
#define L2TP_NFQD_KL2TP_PARSE_H

/* The kernel L2TP watch's pure half (kl2tp_parse.c): the release check,
 * the messages it reads and sends, tunnels sharing a 4-tuple. */
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/* The fix: "l2tp: Support several sockets with same IP/port quadruple". */
#define KL2TP_FIXED_MAJOR	6
#define KL2TP_FIXED_MINOR	10

/* 1 if kernel @release (uname -r) mixes up such tunnels, 0 if not, or
 * -EINVAL when it does not start with "major.minor". */
int kl2tp_release_affected(const char *release);

/* A UDP-encapsulated kernel tunnel and its socket's addresses. */
struct kl2tp_tunnel {
	uint32_t id;		/* our tunnel ID (L2TP_ATTR_CONN_ID) */
	uint16_t family;	/* AF_INET, also for v4-mapped IPv6 */
	uint16_t sport, dport;	/* host order */
	uint8_t saddr[16], daddr[16];	/* network order, zero-padded */
};

/*
 * kl2tp_parse_tunnel - a tunnel message of the l2tp family (dump reply or
 * event).  Returns 0, -ENOENT for a tunnel without a UDP 4-tuple (L2TP
 * over IP, or its socket is gone), or -EINVAL.
 */
int kl2tp_parse_tunnel(const struct nlmsghdr *nlh, struct kl2tp_tunnel *t);

/* Order by 4-tuple, then ID: tunnels that share one become neighbours. */
void kl2tp_sort(struct kl2tp_tunnel *t, size_t n);
int kl2tp_same_quad(const struct kl2tp_tunnel *a, const struct kl2tp_tunnel *b);

/*
 * kl2tp_next_shared - in a sorted array, the next run of two or more
 * tunnels sharing a 4-tuple at or after *@start: moves *@start to its
 * first tunnel and returns its length, or returns 0 when there is none.
 *	for (i = 0; (len = kl2tp_next_shared(t, n, &i)); i += len)
 */
size_t kl2tp_next_shared(const struct kl2tp_tunnel *t, size_t n,
			 size_t *start);

/* The warning for @n tunnels sharing one 4-tuple, cut to @size. */
void kl2tp_describe(char *buf, size_t size, const struct kl2tp_tunnel *t,
		    size_t n);

/* A kernel L2TP session, as the status reads it. */
struct kl2tp_session {
	uint32_t conn_id;	/* its tunnel's ID (L2TP_ATTR_CONN_ID) */
	uint32_t session_id;
	char ifname[16];	/* L2TP_ATTR_IFNAME, "" without one (PPP
				 * sessions have none: l2tp_eth's do) */
};

/*
 * kl2tp_parse_session - a session message of the l2tp family (dump
 * reply).  An interface name that is too long or not printable is left
 * out.  Returns 0, or -EINVAL without the tunnel and session IDs.
 */
int kl2tp_parse_session(const struct nlmsghdr *nlh, struct kl2tp_session *s);

/* A generic netlink family, from CTRL_CMD_GETFAMILY or its events. */
struct kl2tp_family {
	char name[16];		/* GENL_NAMSIZ */
	uint16_t id;
	uint32_t group;		/* the requested multicast group, 0 if none */
};

/* Returns 0, or -EINVAL when the message lacks the family's name or ID.
 * @group may be NULL. */
int kl2tp_parse_family(const struct nlmsghdr *nlh, const char *group,
		       struct kl2tp_family *f);

/* Requests; they return the message length, or 0 if @size is too small. */
size_t kl2tp_build_getfamily(void *buf, size_t size, const char *name,
			     uint32_t seq);
size_t kl2tp_build_dump(void *buf, size_t size, uint16_t family,
			uint32_t seq);
/* ... of the sessions (L2TP_CMD_SESSION_GET) */
size_t kl2tp_build_session_dump(void *buf, size_t size, uint16_t family,
				uint32_t seq);

/* What an event means to the watch. */
enum kl2tp_event {
	KL2TP_EV_NONE,
	KL2TP_EV_FAMILY_NEW,	/* nlctrl: the l2tp family registered */
	KL2TP_EV_FAMILY_DEL,	/* nlctrl: ... and unregistered */
	KL2TP_EV_TUNNEL,	/* l2tp: a tunnel was created over netlink */
	KL2TP_EV_PPP_LINK,	/* rtnetlink: a PPP link appeared or changed */
};

/* A generic netlink event; @family is the l2tp family's ID, 0 if unknown. */
enum kl2tp_event kl2tp_genl_event(const struct nlmsghdr *nlh,
				  uint16_t family);
/* An rtnetlink link event (the two buses reuse message types). */
enum kl2tp_event kl2tp_link_event(const struct nlmsghdr *nlh);

#endif
