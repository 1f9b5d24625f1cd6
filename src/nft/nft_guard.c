// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --require-ipsec: a second table that drops L2TP to or from the L2TP
 * port that IPsec did not protect, in both directions, and counts it:
 *
 *   table inet l2tp-nfqd-guard {
 *     counter cleartext_in { }  counter cleartext_out { }
 *     chain input { type filter hook input priority filter;
 *       udp dport 1701 meta ipsec missing counter name "cleartext_in" drop }
 *     chain output { type filter hook output priority filter;
 *       udp sport 1701 rt ipsec missing counter name "cleartext_out" drop } }
 *
 * The output rule runs after the route chain's marks picked the SA, so
 * `rt ipsec` sees the route the packet will take.  The table is plain
 * and outlives the daemon: an answer whose tunnel has no mark (the daemon
 * down or restarting, an expired tunnel) is dropped, never sent in the
 * clear.  Each start replaces it in one transaction, without a gap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "base/log.h"
#include "nft/nft_batch.h"
#include "base/nl.h"
#include "nft/nft_expr.h"
#include "nft/nft_guard.h"
#include "nft/nft_scan.h"

#define GUARD_IN	"cleartext_in"
#define GUARD_OUT	"cleartext_out"

static int put_counter(struct batch *ctx, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!o)
		return -1;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, ctx->cfg->table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFT_FAMILY);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = batch_hdr(ctx, NFT_MSG_NEWOBJ, NLM_F_CREATE,
			"adding a guard counter");
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* udp [dport|sport] 1701 [meta|rt] ipsec missing counter name N drop */
static int put_guard_rule(struct batch *ctx, int out)
{
	struct nftnl_rule *r = rule_new(ctx, out ? NFT_CHAIN_OUTPUT :
					NFT_CHAIN_INPUT);
	struct nftnl_expr *e;
	uint8_t missing = 0;
	int err;

	err = !r ||
	      nx_udp_port(r, out ? offsetof(struct udphdr, source) :
			  offsetof(struct udphdr, dest), ctx->cfg->port) ||
	      (out ? nx_rt(r, NFT_RT_XFRM) : nx_meta(r, NFT_META_SECPATH)) ||
	      nx_eq(r, &missing, 1);
	if (!err) {
		e = nftnl_expr_alloc("objref");
		err = !e;
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE,
					   NFT_OBJECT_COUNTER);
			nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME,
					   out ? GUARD_OUT : GUARD_IN);
			nftnl_rule_add_expr(r, e);
			err = nx_verdict(r, NF_DROP);
		}
	}
	return rule_put(ctx, r, err, "adding a guard rule");
}

size_t nft_guard_build(char *buf, size_t size, const struct nft_cfg *cfg,
		       uint32_t *seq, struct nft_batch_seqs *seqs)
{
	char name[NFT_TABLE_NAME_MAX + 16];
	struct nft_cfg gc = *cfg;
	struct batch ctx = { .cfg = &gc, .seq = seq, .seqs = seqs };

	nft_guard_name(name, sizeof(name), cfg->table);
	gc.table = name;
	if (batch_start(&ctx, buf, size, NFT_BATCH_MIN))
		return 0;
	/* add + delete + add: replaced in one step, never absent */
	return batch_finish(&ctx,
		put_table(&ctx, NFT_MSG_NEWTABLE, 0, "adding the guard table") ||
		put_table(&ctx, NFT_MSG_DELTABLE, 0, "replacing the guard table") ||
		put_table(&ctx, NFT_MSG_NEWTABLE, 0, "adding the guard table") ||
		put_counter(&ctx, GUARD_IN) || put_counter(&ctx, GUARD_OUT) ||
		put_chain(&ctx, NFT_CHAIN_INPUT, "filter", NF_INET_LOCAL_IN,
			  NF_IP_PRI_FILTER, "adding the guard input chain") ||
		put_guard_rule(&ctx, 0) ||
		put_chain(&ctx, NFT_CHAIN_OUTPUT, "filter", NF_INET_LOCAL_OUT,
			  NF_IP_PRI_FILTER, "adding the guard output chain") ||
		put_guard_rule(&ctx, 1));
}

void nft_guard_print(FILE *f, const struct nft_cfg *cfg)
{
	char name[NFT_TABLE_NAME_MAX + 16];

	nft_guard_name(name, sizeof(name), cfg->table);
	fprintf(f,
		"\n# --require-ipsec: a plain table that outlives the daemon;\n"
		"# the same as rules/require-ipsec.nft\n"
		"table inet %s {\n"
		"\tcounter %s {\n\t}\n\n"
		"\tcounter %s {\n\t}\n\n"
		"\tchain %s {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tudp dport %u meta ipsec missing counter name \"%s\" drop\n"
		"\t}\n\n"
		"\tchain %s {\n"
		"\t\ttype filter hook output priority filter; policy accept;\n"
		"\t\tudp sport %u rt ipsec missing counter name \"%s\" drop\n"
		"\t}\n"
		"}\n", name, GUARD_IN, GUARD_OUT, NFT_CHAIN_INPUT, cfg->port,
		GUARD_IN, NFT_CHAIN_OUTPUT, cfg->port, GUARD_OUT);
}

int nft_guard_install(const struct nft_cfg *cfg)
{
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER);
	struct nft_batch_seqs s;
	struct nl_err err;
	uint32_t seq = 0;
	size_t len;
	int ret = -ENOMEM;

	if (!nl) {
		log_warn("--require-ipsec: cannot open a netlink socket");
		return -errno;
	}
	len = nft_guard_build(buf, sizeof(buf), cfg, &seq, &s);
	if (len)
		ret = nl_request(nl, buf, len, s.first, s.last, NULL, NULL,
				 &err);
	mnl_socket_close(nl);
	if (ret) {
		errno = -ret;
		log_warn("--require-ipsec: cannot install the guard table%s%s",
			 len && err.msg[0] ? ": " : "", len ? err.msg : "");
		return ret;
	}
	log_info("--require-ipsec: table inet %s%s drops L2TP that IPsec did "
		 "not protect, and stays when the daemon stops", cfg->table,
		 NFT_GUARD_SUFFIX);
	return 0;
}

struct guard_count {
	uint64_t pkts[2];
};

static void counter_cb(const struct nlmsghdr *nlh, void *data)
{
	struct guard_count *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	const char *name;

	if (o && nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER &&
	    (name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME)))
		c->pkts[!strcmp(name, GUARD_OUT)] =
			nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	nftnl_obj_free(o);
}

void nft_guard_log_stats(const struct nft_cfg *cfg)
{
	char name[NFT_TABLE_NAME_MAX + 16];
	struct guard_count c = { { 0, 0 } };
	struct mnl_socket *nl;
	uint32_t seq = 0;

	if (!cfg->require_ipsec || !(nl = nl_open(NETLINK_NETFILTER)))
		return;
	nft_guard_name(name, sizeof(name), cfg->table);
	if (!nft_query(nl, &seq, NFT_MSG_GETOBJ, name, NULL, counter_cb, &c))
		log_info("--require-ipsec: cleartext L2TP dropped: in %llu, "
			 "out %llu packets", (unsigned long long)c.pkts[0],
			 (unsigned long long)c.pkts[1]);
	mnl_socket_close(nl);
}
