// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's nftables table as netlink batches, built with libnftnl.
 * Pure: builds into a buffer, talks to no kernel, so the unit tests parse
 * every batch back.  What the table looks like is told in nft.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netfilter_ipv4.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft.h"

#define FAMILY		NFT_FAMILY


/* The L2TPv2 header's flags word: T, L, S set, O, P clear, version 2. */
#define L2TP_FLAGS_MASK		0xcb0f
#define L2TP_FLAGS_CONTROL	0xc802

/*
 * nft's datatypes, so that `nft list` can show the maps: the Tunnel ID is
 * typed inet_service, a 16-bit number nft prints (a bare integer has no
 * length without nft's own typeof metadata, and nft cannot list it).
 */
#define NFT_TYPE_INET_SERVICE	13
#define NFT_TYPE_IPADDR		7
#define NFT_TYPE_IP6ADDR	8
#define NFT_TYPE_MARK		19
#define NFT_BYTEORDER_HOST	1	/* nft's enum byteorder */
#define NFT_BYTEORDER_BIG	2
#define NFT_TYPE_BITS		6
#define L2TP_L_BIT		0x4000

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

static int add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset,
		       uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return 0;
}

static int add_th(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	return add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, offset, len,
			   NFT_REG_1);
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

/*
 * The tunnel map's key, as the output rule builds it in registers: the
 * peer's address, then the Tunnel ID in the next 32-bit register.
 */
static uint32_t key_len(int v6)
{
	return v6 ? 16 + 4 : 4 + 4;
}

/* daddr . <Tunnel ID at @tid_off in the L2TP header> into the registers */
static int add_key(struct nftnl_rule *r, int v6, uint32_t tid_off)
{
	return add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16,
			   v6 ? 16 : 4, NFT_REG_1) ||
	       add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8 + tid_off, 2,
			   NFT_REG32_00 + (v6 ? 4 : 1));
}

/*
 * udp sport PORT meta mark 0 [L bit set|clear] meta nfproto ipv4|ipv6
 * meta mark set <daddr . Tunnel ID> map @tunnelsN
 * update @tunnelsN { <daddr . Tunnel ID> : meta mark }
 *
 * The Tunnel ID follows the flags word and, when the L bit is set, the
 * Length field.  The update refreshes the element's timeout: a tunnel's
 * mark lives as long as the tunnel sends.
 */
static int build_tunnel_exprs(struct nftnl_rule *r, const struct nft_cfg *cfg,
			      int v6, int lbit)
{
	const char *map = v6 ? NFT_MAP_V6 : NFT_MAP_V4;
	uint16_t port = htons(cfg->port), lmask = htons(L2TP_L_BIT);
	uint16_t lval = lbit ? lmask : 0;
	uint8_t udp = IPPROTO_UDP, proto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	uint32_t zero = 0, tid_off = lbit ? 4 : 2;
	struct nftnl_expr *e;

	if (add_meta(r, NFT_META_L4PROTO) || add_cmp(r, &udp, 1) ||
	    add_th(r, 0, 2) || add_cmp(r, &port, 2) ||
	    add_meta(r, NFT_META_MARK) || add_cmp(r, &zero, 4) ||
	    add_th(r, 8, 2) || add_mask(r, &lmask, 2) || add_cmp(r, &lval, 2) ||
	    add_meta(r, NFT_META_NFPROTO) || add_cmp(r, &proto, 1) ||
	    add_key(r, v6, tid_off))
		return -1;
	e = expr(r, "lookup");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, map);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, v6 ? 2 : 1);
	if (add_meta_set(r, NFT_META_MARK) || add_key(r, v6, tid_off))
		return -1;
	e = expr(r, "meta");
	if (!e)
		return -1;
	/* past the key: an IPv6 key fills 32-bit registers 0-4 */
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_3);
	e = expr(r, "dynset");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, NFT_REG_3);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, map);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, v6 ? 2 : 1);
	return 0;
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

enum rule_kind {
	RULE_QUEUE, RULE_SAVE, RULE_RESTORE,
	RULE_TUNNEL4_L, RULE_TUNNEL4, RULE_TUNNEL6_L, RULE_TUNNEL6,
};

static int put_rule(struct mnl_nlmsg_batch *b, const struct nft_cfg *cfg,
		    enum rule_kind kind, enum nft_queue_form form, uint32_t seq)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret = -1, err;

	if (!r)
		return -1;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, cfg->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, kind == RULE_QUEUE ||
			   kind == RULE_SAVE ? NFT_CHAIN_INPUT :
			   NFT_CHAIN_OUTPUT);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, FAMILY);
	switch (kind) {
	case RULE_SAVE:
		err = build_save_exprs(r, cfg);
		break;
	case RULE_RESTORE:
		err = build_restore_exprs(r, cfg);
		break;
	case RULE_TUNNEL4_L:
	case RULE_TUNNEL4:
	case RULE_TUNNEL6_L:
	case RULE_TUNNEL6:
		err = build_tunnel_exprs(r, cfg, kind >= RULE_TUNNEL6_L,
					 kind == RULE_TUNNEL4_L ||
					 kind == RULE_TUNNEL6_L);
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

static int put_map(struct mnl_nlmsg_batch *b, const struct nft_cfg *cfg,
		   int v6, uint32_t seq)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	struct nlmsghdr *nlh;
	uint32_t keytype;

	if (!set || !ud) {
		nftnl_set_free(set);
		if (ud)
			nftnl_udata_buf_free(ud);
		return -1;
	}
	/* how nft should print them: the key in network order, the mark in
	 * host order (without this nft shows the marks byte-swapped) */
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, NFT_BYTEORDER_BIG);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER,
			    NFT_BYTEORDER_HOST);
	nftnl_set_set_data(set, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	keytype = (v6 ? NFT_TYPE_IP6ADDR : NFT_TYPE_IPADDR) << NFT_TYPE_BITS |
		  NFT_TYPE_INET_SERVICE;
	nftnl_set_set_str(set, NFTNL_SET_TABLE, cfg->table);
	nftnl_set_set_str(set, NFTNL_SET_NAME, v6 ? NFT_MAP_V6 : NFT_MAP_V4);
	nftnl_set_set_u32(set, NFTNL_SET_FAMILY, FAMILY);
	/* a map, with timeouts, updated from the packet path */
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS,
			  NFT_SET_MAP | NFT_SET_TIMEOUT | NFT_SET_EVAL);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, keytype);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, key_len(v6));
	nftnl_set_set_u32(set, NFTNL_SET_DATA_TYPE, NFT_TYPE_MARK);
	nftnl_set_set_u32(set, NFTNL_SET_DATA_LEN, 4);
	nftnl_set_set_u64(set, NFTNL_SET_TIMEOUT,
			  (uint64_t)cfg->tunnel_timeout * 1000);
	nftnl_set_set_u32(set, NFTNL_SET_DESC_SIZE, cfg->tunnel_max);
	nftnl_set_set_u32(set, NFTNL_SET_ID, v6 ? 2 : 1);
	nlh = put_hdr(b, NFT_MSG_NEWSET, NLM_F_CREATE, seq);
	nftnl_set_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);
	return mnl_nlmsg_batch_next(b) ? 0 : -1;
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
	/* a route chain: the IPsec policy lookup sees the new mark */
	if ((cfg->connmark || cfg->tunnel_marks) &&
	    put_chain(b, cfg, NFT_CHAIN_OUTPUT, "route", NF_INET_LOCAL_OUT,
		      NF_IP_PRI_MANGLE, next(s, seq, "adding the output chain")))
		goto out;
	/* tunnel marks first: they are per tunnel, conntrack's per flow */
	if (cfg->tunnel_marks) {
		enum rule_kind k;

		if (put_map(b, cfg, 0, next(s, seq, "adding the IPv4 tunnel map")) ||
		    put_map(b, cfg, 1, next(s, seq, "adding the IPv6 tunnel map")))
			goto out;
		for (k = RULE_TUNNEL4_L; k <= RULE_TUNNEL6; k++)
			if (put_rule(b, cfg, k, form, next(s, seq,
				     "adding a tunnel mark rule")))
				goto out;
	}
	if (cfg->connmark &&
	    put_rule(b, cfg, RULE_RESTORE, form,
		     next(s, seq, "adding the connmark restore rule")))
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
	if (cfg->tunnel_marks) {
		static const struct { const char *map, *type; } m[] = {
			{ NFT_MAP_V4, "ipv4_addr" }, { NFT_MAP_V6, "ipv6_addr" },
		};
		int i;

		for (i = 0; i < 2; i++)
			fprintf(f,
				"\n\tmap %s {\n"
				"\t\ttype %s . inet_service : mark\n"
				"\t\tflags dynamic,timeout\n"
				"\t\ttimeout %us\n"
				"\t\tsize %u\n"
				"\t}\n", m[i].map, m[i].type, cfg->tunnel_timeout,
				cfg->tunnel_max);
	}
	if (cfg->connmark || cfg->tunnel_marks)
		fprintf(f,
			"\n\tchain %s {\n"
			"\t\ttype route hook output priority mangle; "
			"policy accept;\n%s", NFT_CHAIN_OUTPUT,
			cfg->tunnel_marks ?
			"\t\t# nft 1.0.6 cannot load the two ip6 rules from "
			"text (an assertion\n\t\t# in nft); the daemon installs "
			"them through libnftnl\n" : "");
	if (cfg->tunnel_marks) {
		static const struct { const char *map, *addr, *l; int off; } t[] = {
			{ NFT_MAP_V4, "ip daddr", "0x4000", 96 },
			{ NFT_MAP_V4, "ip daddr", "0", 80 },
			{ NFT_MAP_V6, "ip6 daddr", "0x4000", 96 },
			{ NFT_MAP_V6, "ip6 daddr", "0", 80 },
		};
		int i;

		for (i = 0; i < 4; i++)
			fprintf(f,
				"\t\tudp sport %u meta mark 0 "
				"@th,64,16 & 0x4000 == %s "
				"meta mark set %s . @th,%d,16 map @%s "
				"update @%s { %s . @th,%d,16 : meta mark }\n",
				cfg->port, t[i].l, t[i].addr, t[i].off, t[i].map,
				t[i].map, t[i].addr, t[i].off);
	}
	if (cfg->connmark)
		fprintf(f, "\t\tmeta mark 0 ct mark%s != 0 meta mark set ct "
			"mark%s\n", mask, mask);
	if (cfg->connmark || cfg->tunnel_marks)
		fputs("\t}\n", f);
	fputs("}\n", f);
}

/* Talking to the kernel ------------------------------------------------ */

size_t nft_build_delete(char *buf, size_t size, const char *table,
			uint32_t *seq, uint32_t *ack)
{
	struct mnl_nlmsg_batch *b;
	size_t len = 0;

	if (size < 1024)
		return 0;
	b = mnl_nlmsg_batch_start(buf, size / 2);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), nl_seq(seq));
	mnl_nlmsg_batch_next(b);
	*ack = nl_seq(seq);
	if (!put_table(b, table, NFT_MSG_DELTABLE, 0, *ack)) {
		nftnl_batch_end(mnl_nlmsg_batch_current(b), nl_seq(seq));
		if (mnl_nlmsg_batch_next(b))
			len = mnl_nlmsg_batch_size(b);
	}
	mnl_nlmsg_batch_stop(b);
	return len;
}

size_t nft_build_tunnel_elem(char *buf, size_t size, const struct nft_cfg *cfg,
			     int family, const void *peer, uint16_t tunnel_id,
			     uint32_t mark, int replace, uint32_t *seq,
			     uint32_t *first, uint32_t *last)
{
	int v6 = family == AF_INET6, i, ok = 1;
	uint16_t tid = htons(tunnel_id);
	struct mnl_nlmsg_batch *b;
	uint8_t key[20] = { 0 };
	size_t len = 0;

	if (size < 2048)
		return 0;
	/* the address, then the Tunnel ID in its own 32-bit register */
	memcpy(key, peer, v6 ? 16 : 4);
	memcpy(key + (v6 ? 16 : 4), &tid, 2);
	b = mnl_nlmsg_batch_start(buf, size / 2);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), nl_seq(seq));
	mnl_nlmsg_batch_next(b);
	*first = 0;
	/* replace: delete, then add, in one transaction */
	for (i = replace ? 0 : 1; ok && i < 2; i++) {
		struct nftnl_set *set = nftnl_set_alloc();
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		struct nlmsghdr *nlh;

		if (!set || !e) {
			nftnl_set_free(set);
			nftnl_set_elem_free(e);
			ok = 0;
			break;
		}
		nftnl_set_set_str(set, NFTNL_SET_TABLE, cfg->table);
		nftnl_set_set_str(set, NFTNL_SET_NAME,
				  v6 ? NFT_MAP_V6 : NFT_MAP_V4);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, key_len(v6));
		if (i) {
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &mark, 4);
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
				(uint64_t)cfg->tunnel_timeout * 1000);
		}
		nftnl_set_elem_add(set, e);
		*last = nl_seq(seq);
		if (!*first)
			*first = *last;
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
					    i ? NFT_MSG_NEWSETELEM :
					    NFT_MSG_DELSETELEM, FAMILY,
					    (i ? NLM_F_CREATE : 0) | NLM_F_ACK,
					    *last);
		nftnl_set_elems_nlmsg_build_payload(nlh, set);
		nftnl_set_free(set);
		ok = mnl_nlmsg_batch_next(b);
	}
	if (ok) {
		nftnl_batch_end(mnl_nlmsg_batch_current(b), nl_seq(seq));
		if (mnl_nlmsg_batch_next(b))
			len = mnl_nlmsg_batch_size(b);
	}
	mnl_nlmsg_batch_stop(b);
	return len;
}
