// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading nftables: one query for any object type (the dumps of nft.c,
 * tmap.c and nft_guard.c), and what the kernel has before the daemon
 * installs its table: the table itself (ours from before, another's, a
 * plain one), its chains (to replace when adopting it, and the chains
 * per mark that xfrm.c replaces), and rules elsewhere that queue to our
 * queue (they would queue SCCRQs twice).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "base/log.h"
#include "nft/nft_scan.h"

int nft_query(struct mnl_socket *nl, uint32_t *seq, uint16_t type,
	      const char *table, const char *set, nl_data_cb cb, void *data)
{
	char buf[512] __attribute__((aligned(8))) = { 0 };
	uint16_t flags = type == NFT_MSG_GETTABLE ? NLM_F_ACK : NLM_F_DUMP;
	struct nlmsghdr *nlh;
	struct nl_err err;

	nlh = nftnl_nlmsg_build_hdr(buf, type, table ? NFT_FAMILY :
				    NFPROTO_UNSPEC, flags, nl_seq(seq));
	/* the table's name is attribute 1 of every object type */
	if (table)
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	if (set)
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return nl_request(nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
			  nlh->nlmsg_seq, cb, data, &err);
}

static void table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_table_info *ti = data;
	struct nftnl_table *t;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWTABLE)
		return;
	t = nftnl_table_alloc();
	if (!t)
		return;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		ti->found = 1;
		ti->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
		if (nftnl_table_is_set(t, NFTNL_TABLE_OWNER))
			ti->owner = nftnl_table_get_u32(t, NFTNL_TABLE_OWNER);
	}
	nftnl_table_free(t);
}

int nft_scan_table(struct mnl_socket *nl, uint32_t *seq, const char *table,
		   struct nft_table_info *ti)
{
	int ret;

	memset(ti, 0, sizeof(*ti));
	ret = nft_query(nl, seq, NFT_MSG_GETTABLE, table, NULL, table_cb, ti);
	return ret == -ENOENT ? 0 : ret;
}

struct chain_scan {
	const char *table;
	struct nft_adopt *adopt;
	int err;
};

static void chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chain_scan *cs = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *table, *name;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	if (table && name && !strcmp(table, cs->table) &&
	    nft_adopt_chain(cs->adopt, name,
			    nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)))
		cs->err = -ENOMEM;
out:
	nftnl_chain_free(c);
}

int nft_scan_chains(struct mnl_socket *nl, uint32_t *seq, const char *table,
		    struct nft_adopt *adopt)
{
	struct chain_scan cs = { table, adopt, 0 };
	int ret;

	adopt->n = 0;
	ret = nft_query(nl, seq, NFT_MSG_GETCHAIN, table, NULL, chain_cb, &cs);
	return ret ? ret : cs.err;
}

/* Rules elsewhere that queue to our queue would queue SCCRQs twice. */
struct queue_scan {
	const char *table;
	uint16_t queue;
	int found;
};

static int expr_queues_to(struct nftnl_expr *e, uint16_t num)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t len = 0;
	const uint16_t *info;
	uint16_t lo, total = 1;

	if (!name)
		return 0;
	if (!strcmp(name, "queue")) {
		if (!nftnl_expr_is_set(e, NFTNL_EXPR_QUEUE_NUM))
			return 0;	/* queue number from a register */
		lo = nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_NUM);
		if (nftnl_expr_is_set(e, NFTNL_EXPR_QUEUE_TOTAL))
			total = nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_TOTAL);
	} else if (!strcmp(name, "target")) {
		name = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);
		info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
		if (!name || strcmp(name, "NFQUEUE") || !info || len < 2)
			return 0;
		/* every revision of xt_NFQ_info starts with queuenum */
		lo = info[0];
		if (len >= 4 && info[1])
			total = info[1];
	} else {
		return 0;
	}
	return num >= lo && num < lo + total;
}

static void rule_scan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct queue_scan *qs = data;
	struct nftnl_expr_iter *it;
	struct nftnl_rule *r;
	struct nftnl_expr *e;
	const char *table;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
		return;
	r = nftnl_rule_alloc();
	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	if (nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == NFT_FAMILY &&
	    table && !strcmp(table, qs->table))
		goto out;
	it = nftnl_expr_iter_create(r);
	if (!it)
		goto out;
	while ((e = nftnl_expr_iter_next(it))) {
		if (!expr_queues_to(e, qs->queue))
			continue;
		qs->found++;
		log_warnx("warning: table %s chain %s (rule handle %llu) "
			  "already queues to queue %u: SCCRQs would be queued "
			  "twice; remove that rule, or run with --no-rules",
			  table ? table : "?",
			  nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
			  (unsigned long long)nftnl_rule_get_u64(r,
							NFTNL_RULE_HANDLE),
			  qs->queue);
		break;
	}
	nftnl_expr_iter_destroy(it);
out:
	nftnl_rule_free(r);
}

void nft_scan_queue_rules(struct mnl_socket *nl, uint32_t *seq,
			  const char *table, uint16_t queue)
{
	struct queue_scan qs = { .table = table, .queue = queue };

	if (nft_query(nl, seq, NFT_MSG_GETRULE, NULL, NULL, rule_scan_cb, &qs))
		log_debug("could not list rules to look for other queue rules");
}
