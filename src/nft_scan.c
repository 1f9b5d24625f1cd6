// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the kernel has before the daemon installs its table: the table
 * itself (ours from before, another's, a plain one), its chains (to
 * replace when adopting it), and rules elsewhere that queue to our queue
 * (they would queue SCCRQs twice).
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

#include "log.h"
#include "nft.h"
#include "nft_sa.h"

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
	char buf[512] __attribute__((aligned(8))) = { 0 };
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	struct nl_err err;
	int ret;

	if (!t)
		return -ENOMEM;
	memset(ti, 0, sizeof(*ti));
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFT_FAMILY, NLM_F_ACK,
				    nl_seq(seq));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	ret = nl_request(nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
			 nlh->nlmsg_seq, table_cb, ti, &err);
	return ret == -ENOENT ? 0 : ret;
}

struct chain_scan {
	const char *table;
	struct nft_adopt *adopt;
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
	/* --sa-marks' chains per mark are xfrm.c's to replace */
	if (!table || !name || strcmp(table, cs->table) ||
	    !strncmp(name, NFT_SA_CHAIN_PREFIX, strlen(NFT_SA_CHAIN_PREFIX)) ||
	    strlen(name) >= sizeof(cs->adopt->chains[0]) ||
	    cs->adopt->n == NFT_ADOPT_CHAINS)
		goto out;
	/* base chains first: deleting them drops their jumps, so that the
	 * chains they jump to can go after them in the same transaction */
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		memmove(cs->adopt->chains[1], cs->adopt->chains[0],
			cs->adopt->n * sizeof(cs->adopt->chains[0]));
		strcpy(cs->adopt->chains[0], name);
		cs->adopt->n++;
	} else {
		strcpy(cs->adopt->chains[cs->adopt->n++], name);
	}
out:
	nftnl_chain_free(c);
}

/* The chains of a table kept from before: they are replaced. */
int nft_scan_chains(struct mnl_socket *nl, uint32_t *seq, const char *table,
		    struct nft_adopt *adopt)
{
	struct chain_scan cs = { table, adopt };
	char buf[512] __attribute__((aligned(8))) = { 0 };
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	struct nl_err err;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFT_FAMILY,
				    NLM_F_DUMP, nl_seq(seq));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	adopt->n = 0;
	return nl_request(nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
			  nlh->nlmsg_seq, chain_cb, &cs, &err);
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
	char buf[256] __attribute__((aligned(8))) = { 0 };
	struct queue_scan qs = { .table = table, .queue = queue };
	struct nlmsghdr *nlh;
	struct nl_err err;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_UNSPEC,
				    NLM_F_DUMP, nl_seq(seq));
	if (nl_request(nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
		       nlh->nlmsg_seq, rule_scan_cb, &qs, &err))
		log_debug("could not list rules to look for other queue rules");
}
