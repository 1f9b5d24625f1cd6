// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's own nftables table: installed in one transaction (the
 * batch from nft_build.c), adopted from before, watched, removed at
 * exit; and the one socket on which tmap.c and xfrm.c write to it.
 *
 * The owner flag ties the table to this process's netlink socket: nobody
 * else can delete it, `nft flush ruleset` leaves it alone, and the kernel
 * removes it when the process dies.  On kernels without the flag the
 * table is plain; then nftables events are watched and a removed table
 * is put back.  Nothing here touches packets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "base/log.h"
#include "nft/nft.h"
#include "nft/nft_build.h"
#include "nft/nft_scan.h"
#include "base/notify.h"

struct nft {
	struct nft_cfg cfg;
	struct nft_adopt adopt;		/* a table kept from before */
	int stored;			/* the service manager holds n->nl */
	struct mnl_socket *nl;		/* owns the table: open for life */
	struct mnl_socket *events;	/* fallback mode only */
	uint32_t seq;
	uint32_t portid;
	enum nft_queue_form form;
};

static int commit(struct nft *n, struct nl_err *err,
		  struct nft_batch_seqs *s)
{
	char buf[NFT_BATCH_MIN] __attribute__((aligned(8))) = { 0 };
	size_t len;

	len = nft_build_install(buf, sizeof(buf), &n->cfg, n->form, &n->adopt,
				&n->seq, s);
	if (!len)
		return -ENOMEM;
	return nl_request(n->nl, buf, len, s->first, s->last, NULL, NULL, err);
}

/* Install, falling back to what the kernel has: owner flag, queue form. */
static int install(struct nft *n)
{
	struct nft_batch_seqs s;
	struct nl_err err;
	int ret;

	for (;;) {
		ret = commit(n, &err, &s);
		if (!ret)
			return 0;

		if (n->cfg.owner && err.seq == s.table &&
		    (ret == -EOPNOTSUPP || ret == -EINVAL)) {
			log_info("this kernel has no owned tables (Linux < "
				 "5.12): using a plain table, removed at "
				 "exit and put back if flushed");
			n->cfg.owner = 0;
			continue;
		}
		if (n->form == NFT_QUEUE_NATIVE && err.seq == s.queue_rule &&
		    (ret == -ENOENT || ret == -EOPNOTSUPP)) {
			n->form = NFT_QUEUE_COMPAT;
			continue;
		}
		if (n->adopt.adopt) {
			/* sets kept from before that no longer fit */
			log_warnx("cannot adopt table inet %s (%s%s%s): "
				  "replacing it, its tunnels are lost",
				  n->cfg.table, nft_batch_what(&s, err.seq),
				  err.msg[0] ? ": " : "", err.msg);
			n->adopt.adopt = 0;
			continue;
		}
		break;
	}
	errno = -ret;
	if (err.seq == s.table && ret == -EPERM)
		log_warnx("cannot create table inet %s: another process owns "
			  "it (another l2tp-nfqd?); stop it, or choose another "
			  "name with --table", n->cfg.table);
	else
		log_warn("cannot install table inet %s: %s%s%s", n->cfg.table,
			 nft_batch_what(&s, err.seq), err.msg[0] ? ": " : "",
			 err.msg);
	return ret;
}

static int watch_events(struct nft *n)
{
	int grp = NFNLGRP_NFTABLES;

	n->events = nl_open(NETLINK_NETFILTER);
	if (!n->events ||
	    mnl_socket_setsockopt(n->events, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		log_warn("cannot watch nftables events");
		return -errno;
	}
	return 0;
}

/*
 * The socket that owns the table: the one the service manager kept for
 * us across a restart (--fdstore), or a new one.
 */
static int open_socket(struct nft *n)
{
	int fd = n->cfg.fdstore ? notify_listen_fd("nft") : -1, one = 1;

	notify_listen_done(fd);
	if (fd >= 0) {
		n->nl = mnl_socket_fdopen(fd);
		if (!n->nl) {
			close(fd);
		} else {
			/* still in the store: storing it again would be
			 * a second copy the service manager refuses */
			n->stored = 1;
			log_info("kept netlink socket from the service manager: "
				 "port %u", mnl_socket_get_portid(n->nl));
		}
	}
	if (!n->nl)
		n->nl = nl_open(NETLINK_NETFILTER);
	if (!n->nl) {
		log_warn("cannot open a netlink socket for nftables");
		return -errno;
	}
	/*
	 * An overrun sets an error on the socket, which polls as POLLERR:
	 * the service manager would close the stored socket, and the table
	 * would go at the next restart.  Every answer it could lose is a
	 * failure report the daemon reads back by sequence number anyway.
	 */
	setsockopt(mnl_socket_get_fd(n->nl), SOL_NETLINK, NETLINK_NO_ENOBUFS,
		   &one, sizeof(one));
	n->portid = mnl_socket_get_portid(n->nl);
	return 0;
}

/* What is there already: ours from before (adopt), another's, or nothing.
 * Adopting, its chains are listed once: ours to replace, and --sa-marks'
 * chains per mark, which xfrm.c replaces. */
static int check_table(struct nft *n)
{
	struct nft_table_info ti;
	int ret = nft_scan_table(n->nl, &n->seq, n->cfg.table, &ti);

	if (ret) {
		errno = -ret;
		log_warn("cannot read nftables (is nf_tables in this kernel? "
			 "otherwise run with --no-rules)");
		return ret;
	}
	if (ti.found && (ti.flags & NFT_TABLE_F_OWNER) &&
	    ti.owner != n->portid) {
		log_warnx("table inet %s exists and belongs to another "
			  "process (netlink port %u: another l2tp-nfqd?); stop "
			  "it, or choose another name with --table",
			  n->cfg.table, ti.owner);
		return -EEXIST;
	}
	if (!ti.found)
		return 0;
	/* kept for us across a restart, or plain and left by a daemon that
	 * was killed: its tunnels live on, its rules are replaced */
	n->adopt.adopt = 1;
	if (!(ti.flags & NFT_TABLE_F_OWNER))
		n->cfg.owner = 0;
	log_info("adopting table inet %s from before (%s): its tunnels are "
		 "kept", n->cfg.table, (ti.flags & NFT_TABLE_F_OWNER) ?
		 "kept by the service manager" : "a plain table");
	return nft_scan_chains(n->nl, &n->seq, n->cfg.table, &n->adopt);
}

/* --fdstore: the service manager keeps the table's socket, and so the
 * table, until the service stops for good. */
static void store_socket(struct nft *n)
{
	int ret;

	if (!n->cfg.fdstore || n->stored)
		return;
	ret = notify_fdstore(mnl_socket_get_fd(n->nl), "nft");
	if (ret) {
		errno = -ret;
		log_warn("--fdstore: cannot hand the table's socket to the "
			 "service manager; a restart loses the tunnels");
		return;
	}
	n->stored = 1;
}

/* Hand the kept table's chains per mark to the caller. */
static void hand_over(struct nft *n, struct nft_adopt *kept)
{
	if (kept && n->adopt.adopt) {
		*kept = n->adopt;
		n->adopt.sa = NULL;
	}
	nft_adopt_free(&n->adopt);
}

int nft_open(struct nft **out, const struct nft_cfg *cfg,
	     struct nft_adopt *kept)
{
	struct nft *n;
	int ret;

	if (kept)
		memset(kept, 0, sizeof(*kept));
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->form = NFT_QUEUE_NATIVE;
	ret = open_socket(n);
	if (ret)
		goto err_free;
	ret = check_table(n);
	if (ret)
		goto err_close;
	nft_scan_queue_rules(n->nl, &n->seq, n->cfg.table, n->cfg.queue);

	ret = install(n);
	if (ret)
		goto err_close;
	hand_over(n, kept);
	/* if someone removes the table now, it comes back new */
	n->adopt.adopt = 0;
	if (!n->cfg.owner) {
		ret = watch_events(n);
		if (ret)
			goto err_delete;
	}
	store_socket(n);
	log_info("table inet %s installed (%s, %s)", n->cfg.table,
		 n->cfg.owner ? "owned by the daemon" : "plain table, watched",
		 n->form == NFT_QUEUE_NATIVE ? "native nft queue" :
		 "xtables NFQUEUE target: this kernel has no nft_queue");
	*out = n;
	return 0;

err_delete:
	*out = n;
	nft_close(n);
	return ret;
err_close:
	nft_adopt_free(&n->adopt);
	mnl_socket_close(n->nl);
err_free:
	free(n);
	return ret;
}

int nft_fd(const struct nft *n)
{
	return n && n->events ? mnl_socket_get_fd(n->events) : -1;
}

/* Does this event remove (part of) our table?  Attribute 1 is the table
 * name in table, chain, rule and set messages alike. */
static int removes_ours(const struct nft *n, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	struct nlattr *a;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    nlh->nlmsg_pid == n->portid || nfg->nfgen_family != NFT_FAMILY)
		return 0;
	if (type != NFT_MSG_DELTABLE && type != NFT_MSG_DELCHAIN &&
	    type != NFT_MSG_DELRULE)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*nfg)) {
		if (mnl_attr_get_type(a) == 1 &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			return !strcmp(mnl_attr_get_str(a), n->cfg.table);
	}
	return 0;
}

void nft_dispatch(struct nft *n)
{
	char buf[16384] __attribute__((aligned(8)));
	int lost = 0;
	ssize_t len;

	while ((len = mnl_socket_recvfrom(n->events, buf, sizeof(buf))) != 0) {
		const struct nlmsghdr *nlh = (const void *)buf;
		int left = (int)len;

		if (len < 0) {
			/* missed events: check by reinstalling */
			if (errno == ENOBUFS)
				lost = 1;
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			lost |= removes_ours(n, nlh);
	}
	if (!lost)
		return;
	if (install(n) == 0)
		log_warnx("table inet %s was removed or changed by another "
			  "program: put back", n->cfg.table);
}

static void msg_failed(void *data, uint32_t i, int error)
{
	int *failed = data;

	failed[i] = error;
}

int nft_send(struct nft *n, const void *buf, size_t len, uint32_t first,
	     unsigned int nmsg, int *failed)
{
	if (failed)
		memset(failed, 0, nmsg * sizeof(*failed));
	if (mnl_socket_sendto(n->nl, buf, len) < 0)
		return -errno;
	return (int)nl_drain_errors(n->nl, first, nmsg,
				    failed ? msg_failed : NULL, failed);
}

int nft_dump(struct nft *n, uint16_t type, const char *set, nl_data_cb cb,
	     void *data)
{
	return nft_query(n->nl, &n->seq, type, n->cfg.table, set, cb, data);
}

uint32_t *nft_seq(struct nft *n)
{
	return &n->seq;
}

const struct nft_cfg *nft_cfg(const struct nft *n)
{
	return &n->cfg;
}

void nft_close(struct nft *n)
{
	char buf[1024] __attribute__((aligned(8))) = { 0 };
	struct nl_err err;
	uint32_t seq;
	size_t len;

	if (!n)
		return;
	if (n->events)
		mnl_socket_close(n->events);
	if (n->stored) {
		/* a stop closes the stored socket: the kernel removes the
		 * table then; a restart hands it to the next daemon */
		log_info("table inet %s left to the service manager",
			 n->cfg.table);
		mnl_socket_close(n->nl);
		free(n);
		return;
	}
	/* an owned table would go with the socket; say so explicitly */
	len = nft_build_delete(buf, sizeof(buf), n->cfg.table, &n->seq, &seq);
	if (len && nl_request(n->nl, buf, len, seq, seq, NULL, NULL, &err) &&
	    err.error != -ENOENT)
		log_warnx("could not remove table inet %s: %s", n->cfg.table,
			  strerror(-err.error));
	mnl_socket_close(n->nl);
	free(n);
}
