// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One nftables batch under construction (see nft_batch.h): BEGIN, the
 * messages, END, each message numbered and named so that an error from
 * the kernel says which one failed; the table, chain, rule and set
 * messages that nft_build.c, nft_sets.c and nft_sa.c put in it; and the
 * description of a set's key and data that nft keeps in its user data.
 * Pure.
 */
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft/nft_batch.h"
#include "base/nl.h"

uint32_t batch_seq(struct batch *ctx, const char *what)
{
	struct nft_batch_seqs *s = ctx->seqs;
	uint32_t n = nl_seq(ctx->seq);

	if (s->n < NFT_BATCH_MSGS) {
		s->msg[s->n].seq = n;
		s->msg[s->n++].what = what;
	}
	if (!s->first)
		s->first = n;
	s->last = n;
	return n;
}

struct nlmsghdr *batch_hdr(struct batch *ctx, uint16_t type, uint16_t flags,
			   const char *what)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(ctx->b), type,
				     NFT_FAMILY, flags | NLM_F_ACK,
				     batch_seq(ctx, what));
}

int batch_start(struct batch *ctx, char *buf, size_t size, size_t min)
{
	/* libmnl writes a message before checking it against the limit:
	 * the buffer must be twice the limit */
	if (size < min)
		return -1;
	ctx->b = mnl_nlmsg_batch_start(buf, size / 2);
	if (!ctx->b)
		return -1;
	memset(ctx->seqs, 0, sizeof(*ctx->seqs));
	nftnl_batch_begin(mnl_nlmsg_batch_current(ctx->b), nl_seq(ctx->seq));
	mnl_nlmsg_batch_next(ctx->b);
	return 0;
}

size_t batch_finish(struct batch *ctx, int err)
{
	size_t len = 0;

	if (!err) {
		nftnl_batch_end(mnl_nlmsg_batch_current(ctx->b),
				nl_seq(ctx->seq));
		if (mnl_nlmsg_batch_next(ctx->b))
			len = mnl_nlmsg_batch_size(ctx->b);
	}
	mnl_nlmsg_batch_stop(ctx->b);
	return len;
}

int put_table(struct batch *ctx, uint16_t type, uint32_t flags,
		     const char *what)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, ctx->cfg->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFT_FAMILY);
	/* no flags at all: an existing table stays as it is (the owner
	 * flag cannot be changed, only set at creation) */
	if (type == NFT_MSG_NEWTABLE && flags != KEEP_FLAGS)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = batch_hdr(ctx, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
		      what);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

int put_chain(struct batch *ctx, const char *name, const char *type,
	      uint32_t hook, int prio, const char *what)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ctx->cfg->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFT_FAMILY);
	if (type) {	/* a base chain; without a type, a regular one */
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = batch_hdr(ctx, NFT_MSG_NEWCHAIN, NLM_F_CREATE, what);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* A new rule at the end of @chain, for the put_*_rule() functions. */
struct nftnl_rule *rule_new(struct batch *ctx, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ctx->cfg->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFT_FAMILY);
	return r;
}

/* Put the rule in the batch (unless building it failed: @err) and free it. */
int rule_put(struct batch *ctx, struct nftnl_rule *r, int err,
	     const char *what)
{
	struct nlmsghdr *nlh;

	if (r && !err) {
		nlh = batch_hdr(ctx, NFT_MSG_NEWRULE,
			      NLM_F_CREATE | NLM_F_APPEND, what);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		err = mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
	}
	nftnl_rule_free(r);
	return r ? err : -1;
}

struct nftnl_set *set_new(struct batch *ctx, const char *name, uint32_t id,
			  struct nftnl_udata_buf *ud)
{
	struct nftnl_set *set = nftnl_set_alloc();

	if (set && ud) {
		nftnl_set_set_data(set, NFTNL_SET_USERDATA,
				   nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_set_set_str(set, NFTNL_SET_TABLE, ctx->cfg->table);
		nftnl_set_set_str(set, NFTNL_SET_NAME, name);
		nftnl_set_set_u32(set, NFTNL_SET_FAMILY, NFT_FAMILY);
		nftnl_set_set_u32(set, NFTNL_SET_ID, id);
	} else {
		nftnl_set_free(set);
		set = NULL;
	}
	if (ud)
		nftnl_udata_buf_free(ud);
	return set;
}

int set_put(struct batch *ctx, struct nftnl_set *set, const char *what)
{
	struct nlmsghdr *nlh = batch_hdr(ctx, NFT_MSG_NEWSET, NLM_F_CREATE,
					 what);

	nftnl_set_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* attributes of a payload expression's description */
enum { UD_PL_DESC, UD_PL_TYPE, UD_PL_BASE, UD_PL_OFFSET, UD_PL_LEN };
#define UD_BASE_TRANSPORT	3

void ud_expr(struct nftnl_udata_buf *ud, uint8_t attr, uint32_t type,
	     const uint32_t *v, int n)
{
	struct nftnl_udata *e = nftnl_udata_nest_start(ud, attr), *d;
	int i;

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_TYPEOF_EXPR, type);
	d = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_TYPEOF_DATA);
	for (i = 0; i < n; i++)
		nftnl_udata_put_u32(ud, (uint8_t)i, v[i]);
	nftnl_udata_nest_end(ud, d);
	nftnl_udata_nest_end(ud, e);
}

void ud_payload(struct nftnl_udata_buf *ud, uint8_t attr, uint32_t desc,
		uint32_t type, uint32_t off, uint32_t len)
{
	struct nftnl_udata *e = nftnl_udata_nest_start(ud, attr), *d;

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_TYPEOF_EXPR, UD_EXPR_PAYLOAD);
	d = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_TYPEOF_DATA);
	nftnl_udata_put_u32(ud, UD_PL_DESC, desc);
	nftnl_udata_put_u32(ud, UD_PL_TYPE, type);
	if (!desc) {
		nftnl_udata_put_u32(ud, UD_PL_BASE, UD_BASE_TRANSPORT);
		nftnl_udata_put_u32(ud, UD_PL_OFFSET, off);
	}
	if (len)
		nftnl_udata_put_u32(ud, UD_PL_LEN, len);
	nftnl_udata_nest_end(ud, d);
	nftnl_udata_nest_end(ud, e);
}

void ud_concat_start(struct nftnl_udata_buf *ud, uint8_t attr,
		     struct nftnl_udata *nest[2])
{
	nest[0] = nftnl_udata_nest_start(ud, attr);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_TYPEOF_EXPR, UD_EXPR_CONCAT);
	nest[1] = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_TYPEOF_DATA);
}

void ud_concat_end(struct nftnl_udata_buf *ud, struct nftnl_udata *nest[2])
{
	nftnl_udata_nest_end(ud, nest[1]);
	nftnl_udata_nest_end(ud, nest[0]);
}

const char *nft_batch_what(const struct nft_batch_seqs *s, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->msg[i].seq == seq)
			return s->msg[i].what;
	return "sending the batch";
}
