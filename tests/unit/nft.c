// SPDX-License-Identifier: GPL-2.0-or-later
/* The nftables batches (src/nft_build.c), parsed back with libnftnl. */
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

#include "nft_batch.h"
#include "unit.h"

/* The install batch, parsed back with libnftnl: no kernel needed. */
struct batch_seen {
	int begin, end, tables, deltables, chains, delchains, rules;
	uint32_t owner_flags, hook, policy, out_hook;
	int32_t prio, out_prio;
	int out_type;
	char exprs[512];
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

static void test_nft_batch(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .owner = 1,
	};
	struct nft_batch_seqs seqs;
	struct batch_seen b;
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	uint32_t seq = 100;
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
		len = nft_build_install(buf, sizeof(buf), &cfg,
					NFT_QUEUE_NATIVE, NULL, &seq, &seqs);
		parse_batch(buf, len, &b);
	}
	CHECK("batch: every message named for errors",
	      seqs.n == 8 && seqs.queue_rule > seqs.table &&
	      seqs.last == seqs.msg[seqs.n - 1].seq);
}

/* The element batches of --tunnel-marks, parsed back. */
static int elem_msg(const struct nlmsghdr *nlh, uint8_t *key, uint32_t *klen,
		    uint32_t *mark, uint64_t *timeout)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	const void *p;
	uint32_t len;
	int ok = 0;

	if (nftnl_set_elems_nlmsg_parse(nlh, set) == 0) {
		it = nftnl_set_elems_iter_create(set);
		e = nftnl_set_elems_iter_next(it);
		if (e) {
			p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, klen);
			memcpy(key, p, *klen);
			p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
			*mark = 0;
			if (p && len == 4)
				memcpy(mark, p, 4);
			*timeout = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT) ?
				   nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT) : 0;
			ok = 1;
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(set);
	return ok;
}

static void test_nft_elements(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .tunnel_marks = 1, .tunnel_timeout = 300,
	};
	static const uint8_t want4[] = { 192, 0, 2, 1, 0x12, 0x34, 0, 0 };
	static char buf[NFT_ELEM_BUF(3)] __attribute__((aligned(8)));
	uint8_t key[32], v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint32_t seq = 7, first = 0, klen = 0, mark = 0, ack, flags[4];
	const struct nlmsghdr *nlh;
	struct in_addr peer = { htonl(0xc0000201) };
	struct nft_elem el[3] = {
		{ AF_INET, &peer, 0x1234, TS_TUNNELS, 0, 0x105, 0, NULL },
		{ AF_INET6, v6, 9, TS_XLATE, 0, 0, 1, NULL },
		{ AF_INET, &peer, 0x1234, TS_LIVE, 1, 0, 0, NULL },
	};
	uint64_t timeout = 0;
	int left, types[5], n = 0;
	uint32_t seqs[5];
	size_t len;

	len = nft_build_elems(buf, sizeof(buf), &cfg, el, 3, 0, &seq, &first);
	nlh = (const void *)buf;
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left) && n < 5; nlh = mnl_nlmsg_next(nlh, &left)) {
		seqs[n] = nlh->nlmsg_seq;
		flags[n < 4 ? n : 3] = nlh->nlmsg_flags;
		types[n++] = NFNL_MSG_TYPE(nlh->nlmsg_type);
		if (n == 2)
			elem_msg(nlh, key, &klen, &mark, &timeout);
	}
	CHECK("elements: begin, add, add, delete, end", len && n == 5 &&
	      types[1] == NFT_MSG_NEWSETELEM && types[2] == NFT_MSG_NEWSETELEM &&
	      types[3] == NFT_MSG_DELSETELEM);
	CHECK("elements: numbered from first, no ACK asked",
	      seqs[1] == first && seqs[3] == first + 2 &&
	      !(flags[1] & NLM_F_ACK) && !(flags[3] & NLM_F_ACK));
	CHECK("element key: address . tunnel ID in its own register",
	      klen == sizeof(want4) && !memcmp(key, want4, sizeof(want4)));
	CHECK("element data: the mark in host order, no timeout of its own",
	      mark == 0x105 && timeout == 0);
	nlh = mnl_nlmsg_next(mnl_nlmsg_next((const void *)buf, &(int){ (int)len }),
			     &(int){ (int)len });
	elem_msg(nlh, key, &klen, &mark, &timeout);
	CHECK("IPv6 translation: 16 bytes, the tunnel ID, the peer's ID",
	      klen == 20 && !memcmp(key, v6, 16) && key[16] == 0 &&
	      key[17] == 9);
	{
		struct nft_elem two[2] = { el[0], el[0] };

		two[1].id = 0x99;
		len = nft_build_elems(buf, sizeof(buf), &cfg, two, 2, 1, &seq,
				      &first);
		nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
		CHECK("grouped: one message for a run of one set",
		      NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWSETELEM &&
		      NFNL_MSG_TYPE(mnl_nlmsg_next(nlh, &(int){ (int)len })->
				    nlmsg_type) == NFNL_MSG_BATCH_END);
	}
	CHECK("elements: too small a buffer", nft_build_elems(buf, 100, &cfg,
	      el, 3, 0, &seq, &first) == 0);

	len = nft_build_delete(buf, sizeof(buf), "l2tp-nfqd", &seq, &ack);
	nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
	CHECK("delete batch: one DELTABLE", len &&
	      NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE &&
	      nlh->nlmsg_seq == ack);
}

/* The inbound binding's elements: keyed by the L2TP daemon's ID. */
static void test_nft_bindings(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .tunnel_marks = 1, .tunnel_timeout = 300,
	};
	static const uint8_t own4[] = { 192, 0, 2, 1, 0x0a, 0x01, 0, 0 };
	static char buf[NFT_ELEM_BUF(3)] __attribute__((aligned(8)));
	struct in_addr peer = { htonl(0xc0000201) };
	struct nft_elem el[3] = {
		{ AF_INET, &peer, 0x0a01, TS_OWN, 0, 0x105, 0, NULL },
		{ AF_INET, &peer, 0x0a01, TS_BOUND, 0, 0, 0, NULL },
		{ AF_INET, &peer, 1, TS_LNS, 0, 0, 0x0a01, NULL },
	};
	uint32_t seq = 1, first, klen = 0, mark, m;
	const struct nlmsghdr *nlh;
	uint64_t timeout;
	uint8_t key[32];
	size_t len;
	int left;

	len = nft_build_elems(buf, sizeof(buf), &cfg, el, 3, 0, &seq, &first);
	nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
	elem_msg(nlh, key, &klen, &mark, &timeout);
	memcpy(&m, key + 8, 4);
	CHECK("own: address . the L2TP daemon's ID . the mark, host order",
	      len && klen == 12 && !memcmp(key, own4, 8) && m == 0x105);
	left = (int)len;
	nlh = mnl_nlmsg_next(mnl_nlmsg_next((const void *)buf, &left), &left);
	elem_msg(nlh, key, &klen, &mark, &timeout);
	CHECK("bound: address . the L2TP daemon's ID",
	      klen == 8 && !memcmp(key, own4, 8));
}

void test_nft(void)
{
	test_nft_batch();
	test_nft_elements();
	test_nft_bindings();
}
