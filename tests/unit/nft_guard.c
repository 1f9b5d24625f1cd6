// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --require-ipsec's guard table (src/nft/nft_guard.c): its batch parsed back
 * with libnftnl (the table replaced in one step, two counters, two
 * chains, a rule each) and its text.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "nft/nft_batch.h"
#include "unit.h"

struct guard_seen {
	int begin, end, msgs, acked;
	char ops[128];		/* message types in order */
	char tables[4][64];
	int ntables, table_flags;
	char counters[2][96];	/* table/name */
	int ncounters;
	struct {
		char name[16], type[16];
		uint32_t hook;
		int32_t prio;
		uint32_t policy;
	} chain[2];
	int nchains;
	struct {
		char chain[16], exprs[128], ref[32];
		uint32_t key;		/* meta or rt key */
		uint16_t port;		/* host order */
		uint32_t port_off;
		uint8_t missing;
		int verdict;
	} rule[2];
	int nrules;
};

static void seen_rule(const struct nlmsghdr *nlh, struct guard_seen *g)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	int cmps = 0;

	if (g->nrules == 2 || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	snprintf(g->rule[g->nrules].chain, sizeof(g->rule[0].chain), "%s",
		 nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		typeof(g->rule[0]) *x = &g->rule[g->nrules];
		const uint8_t *d;
		uint32_t len = 0;

		strcat(x->exprs, name);
		strcat(x->exprs, " ");
		if (!strcmp(name, "meta") &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) != NFT_META_L4PROTO)
			x->key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
		else if (!strcmp(name, "rt"))
			x->key = nftnl_expr_get_u32(e, NFTNL_EXPR_RT_KEY);
		else if (!strcmp(name, "payload"))
			x->port_off = nftnl_expr_get_u32(e,
						NFTNL_EXPR_PAYLOAD_OFFSET);
		else if (!strcmp(name, "objref"))
			snprintf(x->ref, sizeof(x->ref), "%u:%s",
				 nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE),
				 nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME));
		else if (!strcmp(name, "immediate"))
			x->verdict = (int)nftnl_expr_get_u32(e,
						NFTNL_EXPR_IMM_VERDICT);
		else if (!strcmp(name, "cmp")) {
			d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
			if (cmps == 1 && len == 2)
				x->port = (uint16_t)(d[0] << 8 | d[1]);
			if (cmps == 2 && len == 1 &&
			    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ)
				x->missing = d[0] ? 2 : 1;
			cmps++;
		}
	}
	nftnl_expr_iter_destroy(it);
	g->nrules++;
out:
	nftnl_rule_free(r);
}

static void parse_guard(const char *buf, size_t len, struct guard_seen *g)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;

	memset(g, 0, sizeof(*g));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			g->begin++;
			continue;
		}
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			g->end++;
			continue;
		}
		g->msgs++;
		g->acked += !!(nlh->nlmsg_flags & NLM_F_ACK);
		if (type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE) {
			struct nftnl_table *t = nftnl_table_alloc();

			strcat(g->ops, type == NFT_MSG_NEWTABLE ? "T+ " : "T- ");
			if (!nftnl_table_nlmsg_parse(nlh, t) && g->ntables < 4) {
				snprintf(g->tables[g->ntables++],
					 sizeof(g->tables[0]), "%s",
					 nftnl_table_get_str(t, NFTNL_TABLE_NAME));
				if (nftnl_table_is_set(t, NFTNL_TABLE_FLAGS))
					g->table_flags |= (int)nftnl_table_get_u32(
						t, NFTNL_TABLE_FLAGS);
			}
			nftnl_table_free(t);
		} else if (type == NFT_MSG_NEWOBJ) {
			struct nftnl_obj *o = nftnl_obj_alloc();

			strcat(g->ops, "O ");
			if (!nftnl_obj_nlmsg_parse(nlh, o) && g->ncounters < 2 &&
			    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) ==
			    NFT_OBJECT_COUNTER)
				snprintf(g->counters[g->ncounters++],
					 sizeof(g->counters[0]), "%s/%s",
					 nftnl_obj_get_str(o, NFTNL_OBJ_TABLE),
					 nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
			nftnl_obj_free(o);
		} else if (type == NFT_MSG_NEWCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			strcat(g->ops, "C ");
			if (!nftnl_chain_nlmsg_parse(nlh, c) && g->nchains < 2) {
				typeof(g->chain[0]) *x = &g->chain[g->nchains++];

				snprintf(x->name, sizeof(x->name), "%s",
					 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
				snprintf(x->type, sizeof(x->type), "%s",
					 nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE));
				x->hook = nftnl_chain_get_u32(c,
							NFTNL_CHAIN_HOOKNUM);
				x->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
				x->policy = nftnl_chain_get_u32(c,
							NFTNL_CHAIN_POLICY);
			}
			nftnl_chain_free(c);
		} else if (type == NFT_MSG_NEWRULE) {
			strcat(g->ops, "R ");
			seen_rule(nlh, g);
		} else {
			strcat(g->ops, "? ");
		}
	}
}

static void test_guard_build(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .owner = 1, .require_ipsec = 1,
	};
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	struct nft_batch_seqs seqs;
	struct guard_seen g;
	uint32_t seq = 10;
	size_t len;

	len = nft_guard_build(buf, sizeof(buf), &cfg, &seq, &seqs);
	parse_guard(buf, len, &g);
	CHECK("guard: one batch, every message asks for an ACK",
	      len && g.begin == 1 && g.end == 1 && g.msgs == 9 &&
	      g.acked == 9);
	CHECK("guard: add, delete, add the table, counters, chain and rule "
	      "per direction", !strcmp(g.ops, "T+ T- T+ O O C R C R "));
	CHECK("guard: named after the daemon's table, plain (no owner)",
	      g.ntables == 3 && !strcmp(g.tables[0], "l2tp-nfqd-guard") &&
	      !strcmp(g.tables[2], "l2tp-nfqd-guard") && g.table_flags == 0);
	CHECK("guard: two counters in the guard table", g.ncounters == 2 &&
	      !strcmp(g.counters[0], "l2tp-nfqd-guard/cleartext_in") &&
	      !strcmp(g.counters[1], "l2tp-nfqd-guard/cleartext_out"));
	CHECK("guard: input chain, filter, priority filter, accept",
	      g.nchains == 2 && !strcmp(g.chain[0].name, NFT_CHAIN_INPUT) &&
	      !strcmp(g.chain[0].type, "filter") &&
	      g.chain[0].hook == NF_INET_LOCAL_IN &&
	      g.chain[0].prio == NF_IP_PRI_FILTER &&
	      g.chain[0].policy == NF_ACCEPT);
	CHECK("guard: output chain, filter, priority filter",
	      !strcmp(g.chain[1].name, NFT_CHAIN_OUTPUT) &&
	      !strcmp(g.chain[1].type, "filter") &&
	      g.chain[1].hook == NF_INET_LOCAL_OUT &&
	      g.chain[1].prio == NF_IP_PRI_FILTER);
	CHECK("guard: input: udp dport 1701 meta ipsec missing counter drop",
	      g.nrules == 2 && !strcmp(g.rule[0].chain, NFT_CHAIN_INPUT) &&
	      !strcmp(g.rule[0].exprs,
		      "meta cmp payload cmp meta cmp objref immediate ") &&
	      g.rule[0].port == 1701 &&
	      g.rule[0].port_off == offsetof(struct udphdr, dest) &&
	      g.rule[0].key == NFT_META_SECPATH && g.rule[0].missing == 1 &&
	      g.rule[0].verdict == NF_DROP);
	/* libnftnl writes the name without its NUL (the kernel reads it
	 * by length) and reads it back as a C string: a name of a multiple
	 * of four bytes runs on into the next attribute */
	CHECK("guard: input counts in cleartext_in",
	      !strncmp(g.rule[0].ref, "1:cleartext_in", 14));
	CHECK("guard: output: udp sport 1701 rt ipsec missing counter drop",
	      !strcmp(g.rule[1].chain, NFT_CHAIN_OUTPUT) &&
	      !strcmp(g.rule[1].exprs,
		      "meta cmp payload cmp rt cmp objref immediate ") &&
	      g.rule[1].port == 1701 &&
	      g.rule[1].port_off == offsetof(struct udphdr, source) &&
	      g.rule[1].key == NFT_RT_XFRM && g.rule[1].missing == 1 &&
	      g.rule[1].verdict == NF_DROP &&
	      !strncmp(g.rule[1].ref, "1:cleartext_out", 15));
	CHECK("guard: every message named for errors", seqs.n == 9 &&
	      seqs.last == seqs.msg[8].seq && seqs.first == seqs.msg[0].seq &&
	      nft_batch_what(&seqs, seqs.msg[3].seq) &&
	      strstr(nft_batch_what(&seqs, seqs.msg[3].seq), "counter"));

	cfg.port = 1702;
	cfg.table = "other";
	len = nft_guard_build(buf, sizeof(buf), &cfg, &seq, &seqs);
	parse_guard(buf, len, &g);
	CHECK("guard: another port and table", len &&
	      !strcmp(g.tables[0], "other-guard") &&
	      !strcmp(g.counters[1], "other-guard/cleartext_out") &&
	      g.rule[0].port == 1702 && g.rule[1].port == 1702);
	CHECK("guard: too small a buffer",
	      nft_guard_build(buf, 1024, &cfg, &seq, &seqs) == 0);
}

static void test_guard_print(void)
{
	struct nft_cfg cfg = { .table = "l2tp-nfqd", .port = 1701 };
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f) {
		CHECK("guard print: a memory stream", 0);
		return;
	}
	nft_guard_print(f, &cfg);
	fclose(f);
	CHECK("guard print: the table", text &&
	      strstr(text, "table inet l2tp-nfqd-guard {\n"));
	CHECK("guard print: the counters", text &&
	      strstr(text, "\tcounter cleartext_in {\n\t}\n") &&
	      strstr(text, "\tcounter cleartext_out {\n\t}\n"));
	CHECK("guard print: the input rule", text && strstr(text,
	      "\t\ttype filter hook input priority filter; policy accept;\n"
	      "\t\tudp dport 1701 meta ipsec missing counter name "
	      "\"cleartext_in\" drop\n"));
	CHECK("guard print: the output rule", text && strstr(text,
	      "\t\ttype filter hook output priority filter; policy accept;\n"
	      "\t\tudp sport 1701 rt ipsec missing counter name "
	      "\"cleartext_out\" drop\n"));
	CHECK("guard print: the table closed last", text &&
	      size > 2 && !strcmp(text + size - 2, "}\n"));
	free(text);
}

void test_nft_guard(void)
{
	test_guard_build();
	test_guard_print();
}
