// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --sa-marks: the XFRM watch (see xfrm.h).  One socket subscribed to the
 * policy, SA and expiry groups, which main polls, and one for the dumps,
 * so that a dump never mixes with events.  The order at start: subscribe,
 * then dump; events queued meanwhile are applied after the dump, in
 * order, and so end where the kernel is.  Lost events (ENOBUFS) cost a
 * full dump: what it does not show is removed.
 *
 * The changes to the maps go to the daemon's table in one transaction
 * per wake-up, on the socket that owns it, without waiting: only
 * failures answer, and they have by the time the send returns.  SA
 * messages carry the SAs' keys: they are parsed in place (xfrm_parse.c
 * reads no key), and every receive buffer is wiped once read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/xfrm.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>

#include "base/log.h"
#include "nft/nft.h"
#include "nft/nft_build.h"
#include "base/nl.h"
#include "xfrm/xfrm.h"
#include "xfrm/xfrm_db.h"
#include "xfrm/xfrm_parse.h"

#define XFRM_OPS	256	/* map operations per transaction */
#define XFRM_TRIES	4
#define XFRM_RCVBUF	(4 << 20)	/* a busy IKE daemon's events */
#define XFRM_RBUF	65536

struct watch_stats {
	uint64_t events, malformed, lost, dumps;
	uint64_t ops, commits, refused;
};

struct xfrm {
	struct nft *nft;
	struct mnl_socket *ev;		/* events: what main polls */
	struct mnl_socket *req;		/* dumps */
	uint32_t seq;
	struct xfrm_db *db;
	struct watch_stats st;
	struct ratelimit rl;
	int resync;			/* events were lost, or memory */
	unsigned int n;
	struct sa_op ops[XFRM_OPS];
	int failed[2 * XFRM_OPS + 4];	/* per message */
	unsigned int msgs[2 * XFRM_OPS + 4];	/* its operation */
	char rbuf[XFRM_RBUF] __attribute__((aligned(8)));
	char buf[NFT_SA_OPS_BUF(XFRM_OPS)] __attribute__((aligned(8)));
};

static void commit(struct xfrm *x);

static void db_op(void *arg, const struct sa_op *op)
{
	struct xfrm *x = arg;
	char what[160];

	xfrm_describe_op(what, sizeof(what), op);
	if (op->kind == SA_SHARED) {
		log_warnx("SA marks: %s: the mark tells these clients apart no "
			  "more (Libreswan 5.3 and later take mark=-1 as "
			  "0xffffffff for every connection)", what);
		return;
	}
	log_debug("SA marks: %s", what);
	if (x->n == XFRM_OPS)
		commit(x);
	x->ops[x->n++] = *op;
}

/* One message, event or dump reply. */
static void apply(struct xfrm *x, const struct nlmsghdr *nlh)
{
	struct xfrm_ev ev;

	if (xfrm_parse(nlh, &ev)) {
		x->st.malformed++;
		log_debug("SA marks: malformed XFRM message (type %u)",
			  nlh->nlmsg_type);
		return;
	}
	if (ev.type != XEV_NONE && xfrm_db_apply(x->db, &ev)) {
		/* the next dump puts it right */
		x->resync = 1;
		if (log_ratelimit(&x->rl))
			log_warnx("SA marks: out of memory");
	}
}

/* Drop the operations of the failed messages; the rest go again. */
static void drop_failed(struct xfrm *x, unsigned int nmsg)
{
	int failed[XFRM_OPS] = { 0 };
	const struct sa_op *op;
	char what[160];
	unsigned int i, k = 0;

	for (i = 0; i < nmsg; i++)
		if (x->failed[i])
			failed[x->msgs[i]] = x->failed[i];
	for (i = 0; i < x->n; i++) {
		op = &x->ops[i];
		if (!failed[i]) {
			x->ops[k++] = *op;
			continue;
		}
		/* removed already: with the table, or twice */
		if (failed[i] == -ENOENT && (op->kind == SA_CHAIN_DEL ||
		    op->kind == SA_REQID_DEL || op->kind == SA_ESP_DEL))
			continue;
		x->st.refused++;
		if (log_ratelimit(&x->rl)) {
			xfrm_describe_op(what, sizeof(what), op);
			errno = -failed[i];
			log_warn("SA marks: %s", what);
		}
	}
	x->n = k;
}

static void commit(struct xfrm *x)
{
	uint32_t first = 0;
	unsigned int nmsg = 0;
	size_t len;
	int tries, ret;

	for (tries = 0; x->n && tries < XFRM_TRIES; tries++) {
		len = nft_build_sa_ops(x->buf, sizeof(x->buf), nft_cfg(x->nft),
				       x->ops, x->n, nft_seq(x->nft), &first,
				       x->msgs, &nmsg);
		if (len && !nmsg)	/* nothing for nft */
			break;
		ret = len ? nft_send(x->nft, x->buf, len, first, nmsg,
				     x->failed) : -ENOSPC;
		if (ret < 0) {
			errno = -ret;
			log_warn("SA marks: cannot send %u map changes", x->n);
			x->st.refused += x->n;
			break;
		}
		x->st.commits++;
		if (!ret) {
			x->st.ops += x->n;
			break;
		}
		drop_failed(x, nmsg);
	}
	x->n = 0;
}

static void apply_cb(const struct nlmsghdr *nlh, void *data)
{
	apply(data, nlh);
}

/* One dump, applied as it comes; the buffer is wiped after each read. */
static int dump(struct xfrm *x, uint16_t type)
{
	uint32_t seq = nl_seq(&x->seq);
	size_t len = xfrm_build_dump(x->rbuf, sizeof(x->rbuf), type, seq);

	if (mnl_socket_sendto(x->req, x->rbuf, len) < 0)
		return -errno;
	return nl_dump_wiped(x->req, seq, x->rbuf, sizeof(x->rbuf), apply_cb,
			     x);
}

/*
 * A table kept from before (--fdstore) still has the maps and chains of
 * the last run (@kept: its chains per mark): they go, in the transaction
 * that puts back what the dump shows.  On a new table this empties empty
 * maps.
 */
static void forget_kept(struct xfrm *x, const struct nft_adopt *kept)
{
	unsigned int i;

	x->ops[x->n++] = (struct sa_op){ .kind = SA_FLUSH };
	for (i = 0; kept && i < kept->nsa; i++)
		db_op(x, &(struct sa_op){ .kind = SA_CHAIN_DEL,
					  .mark = kept->sa[i].mark,
					  .mask = kept->sa[i].mask });
}

/* Both tables again; what they no longer hold leaves the maps. */
static int resync(struct xfrm *x)
{
	int ret;

	x->resync = 0;
	x->st.dumps++;
	xfrm_db_resync_begin(x->db);
	ret = dump(x, XFRM_MSG_GETPOLICY);
	if (!ret)
		ret = dump(x, XFRM_MSG_GETSA);
	if (!ret)
		xfrm_db_resync_end(x->db);
	commit(x);
	return ret;
}

void xfrm_dispatch(struct xfrm *x)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left, ret;

	if (!x)
		return;
	for (;;) {
		n = mnl_socket_recvfrom(x->ev, x->rbuf, sizeof(x->rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				x->st.lost++;
				x->resync = 1;
				continue;
			}
			if (errno != EAGAIN && log_ratelimit(&x->rl))
				log_warn("SA marks: reading XFRM events");
			break;
		}
		nlh = (const struct nlmsghdr *)x->rbuf;
		left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			x->st.events++;
			apply(x, nlh);
		}
		explicit_bzero(x->rbuf, (size_t)n);
	}
	if (x->resync) {
		log_info("SA marks: XFRM events were lost: reading all "
			 "policies and SAs again");
		ret = resync(x);
		if (ret) {
			errno = -ret;
			log_warn("SA marks: cannot read the policies and SAs");
		}
	}
	commit(x);
}

static int subscribe(struct xfrm *x)
{
	static const int groups[] = {
		XFRMNLGRP_POLICY, XFRMNLGRP_SA, XFRMNLGRP_EXPIRE,
	};
	int fd = mnl_socket_get_fd(x->ev), size = XFRM_RCVBUF, g;
	unsigned int i;

	/* past the default limit with CAP_NET_ADMIN; else what it allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		g = groups[i];
		if (mnl_socket_setsockopt(x->ev, NETLINK_ADD_MEMBERSHIP, &g,
					  sizeof(g)) < 0)
			return -errno;
	}
	return 0;
}

int xfrm_open(struct xfrm **out, struct nft *nft,
	      const struct nft_adopt *kept)
{
	const char *what = "allocating memory";
	struct xfrm_db_counts c;
	struct xfrm *x;
	int ret = -ENOMEM;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		goto err_log;
	x->nft = nft;
	x->rl = (struct ratelimit)RATELIMIT_INIT("SA marks", 5, 60);
	x->db = xfrm_db_new(db_op, x);
	if (!x->db)
		goto err_close;
	what = "opening XFRM netlink sockets (is xfrm_user in this kernel?)";
	x->ev = nl_open(NETLINK_XFRM);
	x->req = nl_open(NETLINK_XFRM);
	if (!x->ev || !x->req) {
		ret = -errno;
		goto err_close;
	}
	what = "subscribing to XFRM events";
	ret = subscribe(x);
	if (ret)
		goto err_close;
	forget_kept(x, kept);
	what = "reading the IPsec policies and SAs";
	ret = resync(x);
	if (ret)
		goto err_close;
	xfrm_db_counts(x->db, &c);
	log_info("SA marks: watching IPsec policies and SAs; %zu policies "
		 "give %zu reqids %zu marks, %zu SAs %zu ESP keys", c.policies,
		 c.reqids, c.marks, c.sas, c.esp);
	*out = x;
	return 0;

err_close:
	xfrm_close(x);
err_log:
	errno = -ret;
	log_warn("--sa-marks: %s", what);
	return ret;
}

int xfrm_fd(const struct xfrm *x)
{
	return x ? mnl_socket_get_fd(x->ev) : -1;
}

void xfrm_log_stats(const struct xfrm *x)
{
	struct xfrm_db_counts c;

	if (!x)
		return;
	xfrm_db_counts(x->db, &c);
	log_info("SA marks: %zu policies give %zu reqids %zu marks, %zu SAs "
		 "%zu ESP keys (%llu with a second mark, ignored); events %llu "
		 "(malformed %llu), lost %llu times, dumps %llu; map changes "
		 "%llu in %llu transactions, refused %llu", c.policies,
		 c.reqids, c.marks, c.sas, c.esp,
		 (unsigned long long)c.conflicts,
		 (unsigned long long)x->st.events,
		 (unsigned long long)x->st.malformed,
		 (unsigned long long)x->st.lost,
		 (unsigned long long)x->st.dumps,
		 (unsigned long long)x->st.ops,
		 (unsigned long long)x->st.commits,
		 (unsigned long long)x->st.refused);
}

void xfrm_report(const struct xfrm *x, report_fn *fn, void *arg)
{
	struct xfrm_db_counts c;

	if (!x)
		return;
	xfrm_db_counts(x->db, &c);
	fn(arg, "sa_marks_policies", "", c.policies);
	fn(arg, "sa_marks_reqids", "", c.reqids);
	fn(arg, "sa_marks_marks", "", c.marks);
	fn(arg, "sa_marks_sas", "", c.sas);
	fn(arg, "sa_marks_esp_keys", "", c.esp);
	fn(arg, "sa_marks_conflicts_total", "", c.conflicts);
	fn(arg, "sa_marks_events_total", "", x->st.events);
	fn(arg, "sa_marks_events_malformed_total", "", x->st.malformed);
	fn(arg, "sa_marks_events_lost_total", "", x->st.lost);
	fn(arg, "sa_marks_dumps_total", "", x->st.dumps);
	fn(arg, "sa_marks_map_changes_total", "", x->st.ops);
	fn(arg, "sa_marks_transactions_total", "", x->st.commits);
	fn(arg, "sa_marks_map_changes_refused_total", "", x->st.refused);
}

void xfrm_close(struct xfrm *x)
{
	if (!x)
		return;
	if (x->ev)
		mnl_socket_close(x->ev);
	if (x->req)
		mnl_socket_close(x->req);
	xfrm_db_free(x->db);
	explicit_bzero(x->rbuf, sizeof(x->rbuf));
	free(x);
}
