// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's own nftables table, through libnftnl and libmnl:
 *
 *   table inet l2tp-nfqd (owner) {
 *     chain input { type filter hook input priority -140;
 *       [--connmark: meta ipsec exists meta mark != 0 ct mark set meta mark]
 *       udp dport 1701 <L2TPv2 control, Tunnel ID 0> [meta ipsec exists]
 *       counter queue num N bypass }
 *     [--connmark: chain output { type route hook output priority mangle;
 *       meta mark 0 ct mark != 0 meta mark set ct mark }] }
 *
 * Installed in one transaction.  The owner flag ties the table to this
 * process's netlink socket: nobody else can delete it, `nft flush ruleset`
 * leaves it alone, and the kernel removes it when the process dies.  On
 * kernels without the flag the table is plain; then nftables events are
 * watched and a removed table is put back.  Nothing here touches packets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netfilter_ipv4.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "log.h"
#include "nft.h"

#define FAMILY		NFPROTO_INET

/* The L2TPv2 header's flags word: T, L, S set, O, P clear, version 2. */
#define L2TP_FLAGS_MASK		0xcb0f
#define L2TP_FLAGS_CONTROL	0xc802

struct nft {
	struct nft_cfg cfg;
	struct mnl_socket *nl;		/* owns the table: open for life */
	struct mnl_socket *events;	/* fallback mode only */
	uint32_t seq;
	uint32_t portid;
	enum nft_queue_form form;
};

/* Expressions ---------------------------------------------------------- */

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int add_th(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
			   NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	return 0;
}

static int add_cmp_op(struct nftnl_rule *r, uint32_t op, const void *data,
		      uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int add_cmp(struct nftnl_rule *r, const void *data, uint32_t len)
{
	return add_cmp_op(r, NFT_CMP_EQ, data, len);
}

/* meta mark set / ct mark set from register 1 */
static int add_meta_set(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	return 0;
}

static int add_ct(struct nftnl_rule *r, uint32_t key, int set)
{
	struct nftnl_expr *e = expr(r, "ct");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, set ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_CT_DREG,
			   NFT_REG_1);
	return 0;
}

static int add_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[4];
	struct nftnl_expr *e = expr(r, "bitwise");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return 0;
}

static int add_queue(struct nftnl_rule *r, uint16_t num,
		     enum nft_queue_form form)
{
	struct xt_NFQ_info_v3 *info;
	struct nftnl_expr *e;

	if (form == NFT_QUEUE_NATIVE) {
		e = expr(r, "queue");
		if (!e)
			return -1;
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, num);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
				   NFT_QUEUE_FLAG_BYPASS);
		return 0;
	}
	/* what iptables-nft -j NFQUEUE --queue-bypass produces */
	e = expr(r, "target");
	info = calloc(1, sizeof(*info));
	if (!e || !info) {
		free(info);
		return -1;
	}
	info->queuenum = num;
	info->queues_total = 1;
	info->flags = NFQ_FLAG_BYPASS;
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	/* libnftnl keeps and frees this buffer */
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, sizeof(*info));
	return 0;
}

/* the mark, masked: host order in the register, as nft does */
static int add_mark_mask(struct nftnl_rule *r, const struct nft_cfg *cfg)
{
	uint32_t mask = cfg->mark_mask;

	return mask == 0xffffffff ? 0 : add_mask(r, &mask, sizeof(mask));
}

/* meta ipsec exists meta mark & MASK != 0 ct mark set meta mark & MASK */
static int build_save_exprs(struct nftnl_rule *r, const struct nft_cfg *cfg)
{
	uint32_t zero = 0;
	uint8_t yes = 1;

	if (cfg->ipsec_check &&
	    (add_meta(r, NFT_META_SECPATH) || add_cmp(r, &yes, 1)))
		return -1;
	return add_meta(r, NFT_META_MARK) || add_mark_mask(r, cfg) ||
	       add_cmp_op(r, NFT_CMP_NEQ, &zero, 4) ||
	       add_ct(r, NFT_CT_MARK, 1);
}

/* meta mark 0 ct mark & MASK != 0 meta mark set ct mark & MASK */
static int build_restore_exprs(struct nftnl_rule *r, const struct nft_cfg *cfg)
{
	uint32_t zero = 0;

	return add_meta(r, NFT_META_MARK) || add_cmp(r, &zero, 4) ||
	       add_ct(r, NFT_CT_MARK, 0) || add_mark_mask(r, cfg) ||
	       add_cmp_op(r, NFT_CMP_NEQ, &zero, 4) ||
	       add_meta_set(r, NFT_META_MARK);
}

static int build_rule_exprs(struct nftnl_rule *r, const struct nft_cfg *cfg,
			    enum nft_queue_form form)
{
	uint8_t udp = IPPROTO_UDP, yes = 1;
	uint16_t port = htons(cfg->port), zero = 0;
	uint16_t mask = htons(L2TP_FLAGS_MASK), ctrl = htons(L2TP_FLAGS_CONTROL);

	if (add_meta(r, NFT_META_L4PROTO) || add_cmp(r, &udp, 1) ||
	    add_th(r, 2, 2) || add_cmp(r, &port, 2) ||
	    /* @th,64,16 & 0xcb0f == 0xc802: the L2TP flags word */
	    add_th(r, 8, 2) || add_mask(r, &mask, 2) || add_cmp(r, &ctrl, 2) ||
	    /* @th,96,16 0: Tunnel ID 0, a new tunnel */
	    add_th(r, 12, 2) || add_cmp(r, &zero, 2))
		return -1;
	if (cfg->ipsec_check &&
	    (add_meta(r, NFT_META_SECPATH) || add_cmp(r, &yes, 1)))
		return -1;
	if (!expr(r, "counter"))
		return -1;
	return add_queue(r, cfg->queue, form);
}

/* Batch building -------------------------------------------------------- */

static struct nlmsghdr *put_hdr(struct mnl_nlmsg_batch *b, uint16_t type,
				uint16_t flags, uint32_t seq)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), type, FAMILY,
				     flags | NLM_F_ACK, seq);
}

static int put_table(struct mnl_nlmsg_batch *b, const char *name,
		     uint16_t type, uint32_t flags, uint32_t seq)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, FAMILY);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = put_hdr(b, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return mnl_nlmsg_batch_next(b) ? 0 : -1;
}

static int put_chain(struct mnl_nlmsg_batch *b, const struct nft_cfg *cfg,
		     const char *name, const char *type, uint32_t hook,
		     int prio, uint32_t seq)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, cfg->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, FAMILY);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = put_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return mnl_nlmsg_batch_next(b) ? 0 : -1;
}

enum rule_kind { RULE_QUEUE, RULE_SAVE, RULE_RESTORE };

static int put_rule(struct mnl_nlmsg_batch *b, const struct nft_cfg *cfg,
		    enum rule_kind kind, enum nft_queue_form form, uint32_t seq)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret = -1, err;

	if (!r)
		return -1;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, cfg->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, kind == RULE_RESTORE ?
			   NFT_CHAIN_OUTPUT : NFT_CHAIN_INPUT);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, FAMILY);
	switch (kind) {
	case RULE_SAVE:
		err = build_save_exprs(r, cfg);
		break;
	case RULE_RESTORE:
		err = build_restore_exprs(r, cfg);
		break;
	default:
		err = build_rule_exprs(r, cfg, form);
	}
	if (!err) {
		nlh = put_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			      seq);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		ret = mnl_nlmsg_batch_next(b) ? 0 : -1;
	}
	nftnl_rule_free(r);
	return ret;
}

/* The next ACKed message of the batch, and what it does. */
static uint32_t next(struct nft_batch_seqs *s, uint32_t *seq, const char *what)
{
	uint32_t n = nl_seq(seq);

	if (s->n < NFT_BATCH_MSGS) {
		s->msg[s->n].seq = n;
		s->msg[s->n++].what = what;
	}
	s->last = n;
	return n;
}

size_t nft_build_install(char *buf, size_t size, const struct nft_cfg *cfg,
			 enum nft_queue_form form, uint32_t *seq,
			 struct nft_batch_seqs *s)
{
	uint32_t flags = cfg->owner ? NFT_TABLE_F_OWNER : 0;
	struct mnl_nlmsg_batch *b;
	size_t len = 0;

	/* libmnl writes a message before checking it against the limit:
	 * the buffer must be twice the limit */
	if (size < NFT_BATCH_MIN)
		return 0;
	b = mnl_nlmsg_batch_start(buf, size / 2);
	if (!b)
		return 0;
	memset(s, 0, sizeof(*s));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), nl_seq(seq));
	mnl_nlmsg_batch_next(b);
	/*
	 * add + delete + add: replaces a stale table of the same name, and
	 * the owner flag can only be set when a table is created.
	 */
	s->first = next(s, seq, "adding the table");
	if (put_table(b, cfg->table, NFT_MSG_NEWTABLE, 0, s->first) ||
	    put_table(b, cfg->table, NFT_MSG_DELTABLE, 0,
		      next(s, seq, "replacing the table")))
		goto out;
	s->table = next(s, seq, "adding the table");
	if (put_table(b, cfg->table, NFT_MSG_NEWTABLE, flags, s->table) ||
	    put_chain(b, cfg, NFT_CHAIN_INPUT, "filter", NF_INET_LOCAL_IN,
		      cfg->priority, next(s, seq, "adding the input chain")))
		goto out;
	/* before the queue rule: its verdict ends the chain */
	if (cfg->connmark &&
	    put_rule(b, cfg, RULE_SAVE, form,
		     next(s, seq, "adding the connmark save rule")))
		goto out;
	s->queue_rule = next(s, seq, "adding the queue rule");
	if (put_rule(b, cfg, RULE_QUEUE, form, s->queue_rule))
		goto out;
	/* a route chain: the IPsec policy lookup sees the restored mark */
	if (cfg->connmark &&
	    (put_chain(b, cfg, NFT_CHAIN_OUTPUT, "route", NF_INET_LOCAL_OUT,
		       NF_IP_PRI_MANGLE,
		       next(s, seq, "adding the output chain")) ||
	     put_rule(b, cfg, RULE_RESTORE, form,
		      next(s, seq, "adding the connmark restore rule"))))
		goto out;
	nftnl_batch_end(mnl_nlmsg_batch_current(b), nl_seq(seq));
	if (!mnl_nlmsg_batch_next(b))
		goto out;
	len = mnl_nlmsg_batch_size(b);
out:
	mnl_nlmsg_batch_stop(b);
	return len;
}

void nft_print(FILE *f, const struct nft_cfg *cfg)
{
	const char *ipsec = cfg->ipsec_check ? " meta ipsec exists" : "";
	char mask[24] = "";

	if (cfg->mark_mask != 0xffffffff)
		snprintf(mask, sizeof(mask), " & 0x%08x", cfg->mark_mask);
	fprintf(f,
		"# l2tp-nfqd --manage-rules creates this table with the owner flag:\n"
		"# it belongs to the daemon and goes away with it.\n"
		"table inet %s {\n"
		"\tchain %s {\n"
		"\t\ttype filter hook input priority %d; policy accept;\n",
		cfg->table, NFT_CHAIN_INPUT, cfg->priority);
	if (cfg->connmark)
		fprintf(f, "\t\t%smeta mark%s != 0 ct mark set meta mark%s\n",
			cfg->ipsec_check ? "meta ipsec exists " : "", mask, mask);
	fprintf(f,
		"\t\tudp dport %u @th,64,16 & 0x%04x == 0x%04x @th,96,16 0%s "
		"counter queue num %u bypass\n"
		"\t}\n", cfg->port, L2TP_FLAGS_MASK, L2TP_FLAGS_CONTROL, ipsec,
		cfg->queue);
	if (cfg->connmark)
		fprintf(f,
			"\n\tchain %s {\n"
			"\t\ttype route hook output priority mangle; "
			"policy accept;\n"
			"\t\tmeta mark 0 ct mark%s != 0 meta mark set ct mark%s\n"
			"\t}\n", NFT_CHAIN_OUTPUT, mask, mask);
	fputs("}\n", f);
}

/* Talking to the kernel ------------------------------------------------ */

struct table_info {
	int found;
	uint32_t flags, owner;
};

static void table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_info *ti = data;
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

static int get_table(struct nft *n, struct table_info *ti)
{
	char buf[512] __attribute__((aligned(8))) = { 0 };
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	struct nl_err err;
	int ret;

	if (!t)
		return -ENOMEM;
	memset(ti, 0, sizeof(*ti));
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, n->cfg.table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, FAMILY, NLM_F_ACK,
				    nl_seq(&n->seq));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	ret = nl_request(n->nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
			 nlh->nlmsg_seq, table_cb, ti, &err);
	return ret == -ENOENT ? 0 : ret;
}

/* Rules elsewhere that queue to our queue would queue SCCRQs twice. */
struct queue_scan {
	const struct nft_cfg *cfg;
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
	if (nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == FAMILY &&
	    table && !strcmp(table, qs->cfg->table))
		goto out;
	it = nftnl_expr_iter_create(r);
	if (!it)
		goto out;
	while ((e = nftnl_expr_iter_next(it))) {
		if (!expr_queues_to(e, qs->cfg->queue))
			continue;
		qs->found++;
		log_warnx("warning: table %s chain %s (rule handle %llu) "
			  "already queues to queue %u: SCCRQs would be queued "
			  "twice; remove that rule, or run with --no-rules",
			  table ? table : "?",
			  nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
			  (unsigned long long)nftnl_rule_get_u64(r,
							NFTNL_RULE_HANDLE),
			  qs->cfg->queue);
		break;
	}
	nftnl_expr_iter_destroy(it);
out:
	nftnl_rule_free(r);
}

static void warn_other_queue_rules(struct nft *n)
{
	char buf[256] __attribute__((aligned(8))) = { 0 };
	struct queue_scan qs = { .cfg = &n->cfg };
	struct nlmsghdr *nlh;
	struct nl_err err;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_UNSPEC,
				    NLM_F_DUMP, nl_seq(&n->seq));
	if (nl_request(n->nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
		       nlh->nlmsg_seq, rule_scan_cb, &qs, &err))
		log_debug("could not list rules to look for other queue rules");
}

static const char *what_failed(const struct nft_batch_seqs *s, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->msg[i].seq == seq)
			return s->msg[i].what;
	return "sending the batch";
}

static int commit(struct nft *n, struct nl_err *err,
		  struct nft_batch_seqs *s)
{
	char buf[NFT_BATCH_MIN] __attribute__((aligned(8))) = { 0 };
	size_t len;

	len = nft_build_install(buf, sizeof(buf), &n->cfg, n->form, &n->seq, s);
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
		break;
	}
	errno = -ret;
	if (err.seq == s.table && ret == -EPERM)
		log_warnx("cannot create table inet %s: another process owns "
			  "it (another l2tp-nfqd?); stop it, or choose another "
			  "name with --table", n->cfg.table);
	else
		log_warn("cannot install table inet %s: %s%s%s", n->cfg.table,
			 what_failed(&s, err.seq), err.msg[0] ? ": " : "",
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

int nft_open(struct nft **out, const struct nft_cfg *cfg)
{
	struct table_info ti;
	struct nft *n;
	int ret;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->form = NFT_QUEUE_NATIVE;
	n->nl = nl_open(NETLINK_NETFILTER);
	if (!n->nl) {
		ret = -errno;
		log_warn("cannot open a netlink socket for nftables");
		goto err_free;
	}
	n->portid = mnl_socket_get_portid(n->nl);

	ret = get_table(n, &ti);
	if (ret) {
		errno = -ret;
		log_warn("cannot read nftables (is nf_tables in this kernel? "
			 "otherwise run with --no-rules)");
		goto err_close;
	}
	if (ti.found && (ti.flags & NFT_TABLE_F_OWNER)) {
		log_warnx("table inet %s exists and belongs to another "
			  "process (netlink port %u: another l2tp-nfqd?); stop "
			  "it, or choose another name with --table",
			  n->cfg.table, ti.owner);
		ret = -EEXIST;
		goto err_close;
	}
	if (ti.found)
		log_warnx("replacing an existing table inet %s", n->cfg.table);
	warn_other_queue_rules(n);

	ret = install(n);
	if (ret)
		goto err_close;
	if (!n->cfg.owner) {
		ret = watch_events(n);
		if (ret)
			goto err_delete;
	}
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
	    nlh->nlmsg_pid == n->portid || nfg->nfgen_family != FAMILY)
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

void nft_close(struct nft *n)
{
	char buf[1024] __attribute__((aligned(8))) = { 0 };
	struct mnl_nlmsg_batch *b;
	struct nl_err err;
	uint32_t seq;

	if (!n)
		return;
	if (n->events)
		mnl_socket_close(n->events);
	/* an owned table would go with the socket; say so explicitly */
	b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), nl_seq(&n->seq));
	mnl_nlmsg_batch_next(b);
	seq = nl_seq(&n->seq);
	put_table(b, n->cfg.table, NFT_MSG_DELTABLE, 0, seq);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), nl_seq(&n->seq));
	mnl_nlmsg_batch_next(b);
	if (nl_request(n->nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b),
		       seq, seq, NULL, NULL, &err) && err.error != -ENOENT)
		log_warnx("could not remove table inet %s: %s", n->cfg.table,
			  strerror(-err.error));
	mnl_nlmsg_batch_stop(b);
	mnl_socket_close(n->nl);
	free(n);
}
