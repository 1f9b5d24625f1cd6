// SPDX-License-Identifier: GPL-2.0-or-later
/* The install and removal batches (src/nft/nft_build.c), parsed back with
 * libnftnl: no kernel needed. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "nft/nft_batch.h"
#include "unit.h"

struct batch_seen {
	int begin, end, tables, deltables, chains, delchains, rules;
	uint32_t owner_flags, hook, policy, out_hook;
	int32_t prio, out_prio;
	int out_type;
	char exprs[512];
	char deleted[128];	/* the chains deleted, in order */
	uint16_t qnum, qflags;
	char tg[16];
};

static void seen_rule(const struct nlmsghdr *nlh, struct batch_seen *b)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	const uint16_t *info;
	uint32_t len;

	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		strcat(b->exprs, name);
		strcat(b->exprs, " ");
		if (!strcmp(name, "queue")) {
			b->qnum = nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_NUM);
			b->qflags = nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_FLAGS);
		} else if (!strcmp(name, "target")) {
			info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
			snprintf(b->tg, sizeof(b->tg), "%s/%u",
				 nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME),
				 nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV));
			if (len == sizeof(struct xt_NFQ_info_v3)) {
				b->qnum = info[0];
				b->qflags = info[2];
			}
		}
	}
	nftnl_expr_iter_destroy(it);
	b->rules++;
out:
	nftnl_rule_free(r);
}

static void parse_batch(const char *buf, size_t len, struct batch_seen *b)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;

	memset(b, 0, sizeof(*b));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			b->begin++;
		} else if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			b->end++;
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWTABLE) {
			struct nftnl_table *t = nftnl_table_alloc();

			nftnl_table_nlmsg_parse(nlh, t);
			b->owner_flags |= nftnl_table_get_u32(t,
							NFTNL_TABLE_FLAGS);
			b->tables++;
			nftnl_table_free(t);
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE) {
			b->deltables++;
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			nftnl_chain_nlmsg_parse(nlh, c);
			strcat(b->deleted, nftnl_chain_get_str(c,
							NFTNL_CHAIN_NAME));
			strcat(b->deleted, " ");
			nftnl_chain_free(c);
			b->delchains++;
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			nftnl_chain_nlmsg_parse(nlh, c);
			if (b->chains) {	/* the second: output */
				b->out_hook = nftnl_chain_get_u32(c,
							NFTNL_CHAIN_HOOKNUM);
				b->out_type = !strcmp(nftnl_chain_get_str(c,
							NFTNL_CHAIN_TYPE), "route");
				b->out_prio = nftnl_chain_get_s32(c,
							NFTNL_CHAIN_PRIO);
				b->chains++;
				nftnl_chain_free(c);
				continue;
			}
			b->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
			b->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
			b->policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
			b->chains++;
			nftnl_chain_free(c);
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWRULE) {
			seen_rule(nlh, b);
		}
	}
}

static void test_nft_install(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .owner = 1,
	};
	struct nft_batch_seqs seqs;
	struct batch_seen b;
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	uint32_t seq = 100, ack = 0;
	const struct nlmsghdr *nlh;
	size_t len;

	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	parse_batch(buf, len, &b);
	CHECK("batch: begin, end", len && b.begin == 1 && b.end == 1);
	CHECK("batch: add, delete, add owned table", b.tables == 2 &&
	      b.deltables == 1 && (b.owner_flags & NFT_TABLE_F_OWNER));
	CHECK("batch: input chain at -140, accept", b.chains == 1 &&
	      b.hook == NF_INET_LOCAL_IN && b.prio == -140 &&
	      b.policy == NF_ACCEPT);
	CHECK("batch: rule expressions", b.rules == 1 && !strcmp(b.exprs,
	      "meta cmp payload cmp payload bitwise cmp payload cmp meta cmp "
	      "counter queue "));
	CHECK("batch: native queue 7 bypass", b.qnum == 7 &&
	      b.qflags == NFT_QUEUE_FLAG_BYPASS);
	CHECK("batch: ACKed messages numbered in order",
	      seqs.n == 5 && seqs.first < seqs.table &&
	      seqs.table < seqs.queue_rule && seqs.last == seqs.queue_rule);

	cfg.ipsec_check = 0;
	cfg.owner = 0;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_COMPAT, NULL,
				&seq, &seqs);
	parse_batch(buf, len, &b);
	CHECK("batch: compat NFQUEUE target rev 3", !strcmp(b.tg, "NFQUEUE/3") &&
	      b.qnum == 7 && b.qflags == NFQ_FLAG_BYPASS);
	CHECK("batch: no ipsec check, plain table", !(b.owner_flags &
	      NFT_TABLE_F_OWNER) && !strcmp(b.exprs,
	      "meta cmp payload cmp payload bitwise cmp payload cmp "
	      "counter target "));
	CHECK("batch: too small a buffer", nft_build_install(buf, 200, &cfg,
	      NFT_QUEUE_NATIVE, NULL, &seq, &seqs) == 0);

	cfg.connmark = 1;
	cfg.ipsec_check = 1;
	cfg.mark_mask = 0xffff;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	parse_batch(buf, len, &b);
	CHECK("batch: --connmark save rule before the queue rule",
	      b.rules == 3 && !strncmp(b.exprs,
	      "meta cmp meta bitwise cmp meta bitwise ct meta cmp payload ", 59));
	CHECK("batch: --connmark restore in a route output chain",
	      b.chains == 2 && b.out_type && b.out_hook == NF_INET_LOCAL_OUT &&
	      b.out_prio == -150 && strstr(b.exprs,
	      "queue meta cmp ct bitwise cmp ct bitwise meta "));
	{
		struct nft_adopt adopt = { .adopt = 1, .n = 1,
					   .chains = { NFT_CHAIN_OUTPUT } };

		len = nft_build_install(buf, sizeof(buf), &cfg,
					NFT_QUEUE_NATIVE, &adopt, &seq, &seqs);
		parse_batch(buf, len, &b);
		CHECK("adopt: the table kept (no flags), no delete, the "
		      "existing chain replaced", b.tables == 1 &&
		      b.deltables == 0 && b.owner_flags == 0 &&
		      b.delchains == 1 && b.chains == 2 && b.rules == 3);
		CHECK("adopt: the table's message is the one kept",
		      seqs.table == seqs.first);
		memset(&adopt, 0, sizeof(adopt));
		adopt.adopt = 1;
		CHECK("adopt: chains listed in the kept table",
		      !nft_adopt_chain(&adopt, NFT_CHAIN_TUNNELS, 0) &&
		      !nft_adopt_chain(&adopt, NFT_CHAIN_INPUT, 1) &&
		      !nft_adopt_chain(&adopt, "sa-mark-00000001", 0) &&
		      !nft_adopt_chain(&adopt, NFT_CHAIN_OUTPUT, 1));
		len = nft_build_install(buf, sizeof(buf), &cfg,
					NFT_QUEUE_NATIVE, &adopt, &seq, &seqs);
		parse_batch(buf, len, &b);
		CHECK("adopt: base chains deleted before the chains they jump "
		      "to; chains per mark left to xfrm.c", len &&
		      !strcmp(b.deleted, "output input tunnels "));
		nft_adopt_free(&adopt);
		len = nft_build_install(buf, sizeof(buf), &cfg,
					NFT_QUEUE_NATIVE, NULL, &seq, &seqs);
		parse_batch(buf, len, &b);
	}
	CHECK("batch: every message named for errors",
	      seqs.n == 8 && seqs.queue_rule > seqs.table &&
	      seqs.last == seqs.msg[seqs.n - 1].seq);

	len = nft_build_delete(buf, sizeof(buf), "l2tp-nfqd", &seq, &ack);
	parse_batch(buf, len, &b);
	nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
	CHECK("delete batch: begin, one DELTABLE, end", len && b.begin == 1 &&
	      b.end == 1 && b.deltables == 1 && b.tables == 0 &&
	      NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE &&
	      nlh->nlmsg_seq == ack && (nlh->nlmsg_flags & NLM_F_ACK));
	CHECK("delete batch: too small a buffer",
	      nft_build_delete(buf, 16, "l2tp-nfqd", &seq, &ack) == 0);
}

void test_nft_build(void)
{
	test_nft_install();
}
