// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel L2TP watch.  Linux before 6.10 finds the tunnel of a received
 * L2TP data packet from the UDP socket it came in on.  An L2TP daemon in
 * kernel mode (xl2tpd's default once l2tp_ppp loads) gives each tunnel a
 * socket of its own, bound to 1701 and connected to the peer, so two
 * clients behind one NAT that both use udp/1701 get two sockets with one
 * address and port quadruple: the kernel hands every packet to one of them
 * and the other tunnel carries no data.  Nothing here can change that, but
 * the generic netlink family "l2tp" lists the kernel's tunnels with their
 * sockets' addresses and ports, so the admin can be told.
 *
 * When to look again: a tunnel created over netlink is announced on the
 * family's multicast group, but one created through a PPPoL2TP socket
 * (xl2tpd, pppd's pppol2tp plugin) is announced nowhere.  Its sessions do
 * end in PPP units, so a new PPP link (rtnetlink) is the other cue.  The
 * family itself appears only when the l2tp modules load, which nlctrl
 * announces.  The two event sockets sit in one epoll set so that the main
 * loop polls one descriptor; requests use a third socket, so that a dump
 * never mixes with events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/genetlink.h>
#include <linux/l2tp.h>
#include <linux/rtnetlink.h>

#include "kl2tp/kl2tp.h"
#include "kl2tp/kl2tp_parse.h"
#include "base/log.h"
#include "base/nl.h"

#define NLCTRL_NAME	"nlctrl"
#define NLCTRL_GROUP	"notify"

/* Far above any real server; only bounds memory against a confused dump. */
#define MAX_TUNNELS	(1u << 20)

/* What the events of one wake-up ask for, done in this order. */
#define DO_FORGET	1u	/* the l2tp family went away */
#define DO_RESOLVE	2u	/* it (re)appeared, or events were lost */
#define DO_SCAN		4u	/* a tunnel may have been created */

struct kl2tp {
	struct mnl_socket *req;		/* requests and dumps */
	struct mnl_socket *ev;		/* nlctrl and l2tp events */
	struct mnl_socket *link;	/* rtnetlink link events */
	int epfd;			/* ev and link: what main polls */
	int dead;			/* gave up: stay quiet */
	uint32_t seq;
	uint16_t family;		/* l2tp family ID, 0 while absent */
	struct kl2tp_tunnel *tun;	/* the last dump */
	size_t ntun, captun;
	int nomem;
	struct kl2tp_tunnel *warned;	/* one per shared 4-tuple reported */
	size_t nwarned;
	struct ratelimit rl;
};

struct family_req {
	const char *name, *group;
	int found;
	struct kl2tp_family f;
};

static void family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_req *r = data;
	struct kl2tp_family f;

	if (nlh->nlmsg_type == GENL_ID_CTRL &&
	    !kl2tp_parse_family(nlh, r->group, &f) &&
	    !strcmp(f.name, r->name)) {
		r->f = f;
		r->found = 1;
	}
}

/* Returns 0, -ENOENT when no such family is registered, or -errno. */
static int get_family(struct kl2tp *k, const char *name, const char *group,
		      struct kl2tp_family *out)
{
	char buf[128] __attribute__((aligned(8)));
	struct family_req r = { .name = name, .group = group };
	struct nl_err err;
	uint32_t seq = nl_seq(&k->seq);
	size_t len;
	int ret;

	len = kl2tp_build_getfamily(buf, sizeof(buf), name, seq);
	if (!len)
		return -EINVAL;
	ret = nl_request(k->req, buf, len, seq, seq, family_cb, &r, &err);
	if (ret)
		return ret;
	if (!r.found)
		return -ENOENT;
	*out = r.f;
	return 0;
}

static int join(struct mnl_socket *nl, uint32_t group)
{
	int g = (int)group;

	if (!group)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g,
				  sizeof(g)) < 0)
		return -errno;
	return 0;
}

/* Find the l2tp family and join its group; not loaded is no error. */
static int resolve_l2tp(struct kl2tp *k)
{
	struct kl2tp_family f;
	int ret;

	ret = get_family(k, L2TP_GENL_NAME, L2TP_GENL_MCGROUP, &f);
	if (ret == -ENOENT) {
		k->family = 0;
		return 0;
	}
	if (ret)
		return ret;
	/* without the group, new PPP links still prompt a look */
	if (f.group) {
		ret = join(k->ev, f.group);
		if (ret)
			return ret;
	}
	if (k->family != f.id)
		log_debug("kernel L2TP: netlink family %u, group %u: watching "
			  "for tunnels that share one socket address",
			  f.id, f.group);
	k->family = f.id;
	return 0;
}

/* The module was unloaded: its tunnels went with it. */
static void forget(struct kl2tp *k)
{
	k->family = 0;
	k->ntun = 0;
	k->nwarned = 0;
}

static void tunnel_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kl2tp *k = data;
	struct kl2tp_tunnel t, *n;
	size_t cap;

	if (nlh->nlmsg_type != k->family || kl2tp_parse_tunnel(nlh, &t))
		return;
	if (k->ntun == k->captun) {
		if (k->captun >= MAX_TUNNELS)
			return;
		cap = k->captun ? 2 * k->captun : 64;
		n = realloc(k->tun, cap * sizeof(*n));
		if (!n) {
			k->nomem = 1;
			return;
		}
		k->tun = n;
		k->captun = cap;
	}
	k->tun[k->ntun++] = t;
}

static int was_warned(const struct kl2tp *k, const struct kl2tp_tunnel *t)
{
	size_t i;

	for (i = 0; i < k->nwarned; i++)
		if (kl2tp_same_quad(&k->warned[i], t))
			return 1;
	return 0;
}

/*
 * Warn once per shared 4-tuple for as long as it stays shared, and again
 * if it is shared anew later.  A warning the rate limit held back is tried
 * again on the next scan.
 */
static int report(struct kl2tp *k)
{
	struct kl2tp_tunnel *now = NULL;
	size_t i, len, n = 0;
	char msg[512];

	for (i = 0; (len = kl2tp_next_shared(k->tun, k->ntun, &i)); i += len)
		n++;
	if (n) {
		now = calloc(n, sizeof(*now));
		if (!now)
			return -ENOMEM;
	}
	n = 0;
	for (i = 0; (len = kl2tp_next_shared(k->tun, k->ntun, &i)); i += len) {
		if (!was_warned(k, &k->tun[i])) {
			if (!log_ratelimit(&k->rl))
				continue;
			kl2tp_describe(msg, sizeof(msg), &k->tun[i], len);
			log_warnx("%s", msg);
		}
		now[n++] = k->tun[i];
	}
	free(k->warned);
	k->warned = now;
	k->nwarned = n;
	return 0;
}

static int scan(struct kl2tp *k)
{
	char buf[64] __attribute__((aligned(8)));
	uint32_t seq = nl_seq(&k->seq);
	struct nl_err err;
	size_t len;
	int ret;

	k->ntun = 0;
	k->nomem = 0;
	len = kl2tp_build_dump(buf, sizeof(buf), k->family, seq);
	if (!len)
		return -EINVAL;
	ret = nl_request(k->req, buf, len, seq, seq, tunnel_cb, k, &err);
	if (ret == -ENOENT) {
		/* unloaded in the meantime; nlctrl says so too */
		forget(k);
		return 0;
	}
	if (!ret && k->nomem)
		ret = -ENOMEM;
	if (ret)
		return ret;
	kl2tp_sort(k->tun, k->ntun);
	return report(k);
}

static unsigned int todo_for(enum kl2tp_event ev)
{
	switch (ev) {
	case KL2TP_EV_FAMILY_NEW:
		return DO_RESOLVE | DO_SCAN;
	case KL2TP_EV_FAMILY_DEL:
		return DO_FORGET;
	case KL2TP_EV_TUNNEL:
	case KL2TP_EV_PPP_LINK:
		return DO_SCAN;
	default:
		return 0;
	}
}

static int drain(struct kl2tp *k, struct mnl_socket *nl, int genl,
		 unsigned int *todo)
{
	char buf[32768] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left;

	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* events lost (ENOBUFS) or one cut short (ENOSPC):
			 * look at everything again */
			if (errno == ENOBUFS || errno == ENOSPC) {
				*todo |= DO_RESOLVE | DO_SCAN;
				continue;
			}
			return -errno;
		}
		nlh = (const struct nlmsghdr *)buf;
		left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			*todo |= todo_for(genl ?
					  kl2tp_genl_event(nlh, k->family) :
					  kl2tp_link_event(nlh));
	}
}

static void close_sockets(struct kl2tp *k)
{
	/* closing a socket also takes it out of the epoll set */
	if (k->req)
		mnl_socket_close(k->req);
	if (k->ev)
		mnl_socket_close(k->ev);
	if (k->link)
		mnl_socket_close(k->link);
	k->req = k->ev = k->link = NULL;
}

/* Never fatal: say why once, then stay quiet for good. */
static void give_up(struct kl2tp *k, const char *what, int err)
{
	close_sockets(k);
	k->dead = 1;
	errno = -err;
	log_warn("kernel L2TP watch stopped: %s", what);
}

void kl2tp_dispatch(struct kl2tp *k)
{
	const char *what = "reading netlink events";
	unsigned int todo = 0;
	int ret;

	if (!k || k->dead)
		return;
	ret = drain(k, k->ev, 1, &todo);
	if (!ret)
		ret = drain(k, k->link, 0, &todo);
	if (!ret && (todo & DO_FORGET))
		forget(k);
	if (!ret && (todo & DO_RESOLVE)) {
		what = "looking up the l2tp netlink family";
		ret = resolve_l2tp(k);
	}
	if (!ret && (todo & DO_SCAN) && k->family) {
		what = "listing the kernel's L2TP tunnels";
		ret = scan(k);
	}
	if (ret)
		give_up(k, what, ret);
}

static int watch_fd(struct kl2tp *k, struct mnl_socket *nl)
{
	struct epoll_event ee = { .events = EPOLLIN };

	ee.data.fd = mnl_socket_get_fd(nl);
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, ee.data.fd, &ee) < 0)
		return -errno;
	return 0;
}

static int open_sockets(struct kl2tp *k, const char **what)
{
	struct kl2tp_family ctrl;
	int ret;

	*what = "opening netlink sockets";
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k->epfd < 0)
		return -errno;
	k->req = nl_open(NETLINK_GENERIC);
	if (!k->req)
		return -errno;
	k->ev = nl_open(NETLINK_GENERIC);
	if (!k->ev)
		return -errno;
	k->link = nl_open(NETLINK_ROUTE);
	if (!k->link)
		return -errno;

	/* nlctrl first: a family that registers while we look for it is
	 * then still announced */
	*what = "subscribing to netlink events";
	ret = get_family(k, NLCTRL_NAME, NLCTRL_GROUP, &ctrl);
	if (!ret)
		ret = join(k->ev, ctrl.group);
	if (!ret)
		ret = join(k->link, RTNLGRP_LINK);
	if (!ret)
		ret = watch_fd(k, k->ev);
	if (!ret)
		ret = watch_fd(k, k->link);
	return ret;
}

int kl2tp_open(struct kl2tp **out)
{
	const char *what = "allocating memory";
	struct utsname u;
	struct kl2tp *k;
	int ret;

	*out = NULL;
	/* an unreadable release is watched: a needless watch costs little */
	if (uname(&u) == 0 && kl2tp_release_affected(u.release) == 0) {
		log_debug("Linux %s keeps L2TP tunnels with one socket address "
			  "apart: no kernel L2TP watch", u.release);
		return -EOPNOTSUPP;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		ret = -ENOMEM;
		goto err_log;
	}
	k->epfd = -1;
	k->rl = (struct ratelimit)RATELIMIT_INIT("kernel L2TP", 10, 3600);
	ret = open_sockets(k, &what);
	if (ret)
		goto err_close;
	what = "looking up the l2tp netlink family";
	ret = resolve_l2tp(k);
	if (ret)
		goto err_close;
	what = "listing the kernel's L2TP tunnels";
	if (k->family)
		ret = scan(k);
	if (ret)
		goto err_close;
	if (!k->family)
		log_debug("kernel L2TP: no l2tp netlink family yet: waiting "
			  "for the modules to load");
	*out = k;
	return 0;

err_close:
	kl2tp_close(k);
err_log:
	errno = -ret;
	log_warn("kernel L2TP watch not started: %s", what);
	return ret;
}

int kl2tp_fd(const struct kl2tp *k)
{
	return k && !k->dead ? k->epfd : -1;
}

void kl2tp_close(struct kl2tp *k)
{
	if (!k)
		return;
	close_sockets(k);
	if (k->epfd >= 0)
		close(k->epfd);
	free(k->tun);
	free(k->warned);
	free(k);
}
