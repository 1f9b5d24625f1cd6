// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's own nftables table, through libnftnl and libmnl:
 *
 *   table inet l2tp-nfqd (owner) {
 *     chain input { type filter hook input priority -140;
 *       [--connmark: meta ipsec exists meta mark != 0 ct mark set meta mark]
 *       udp dport 1701 <L2TPv2 control, Tunnel ID 0> [meta ipsec exists]
 *       counter queue num N bypass }
 *     [--tunnel-marks: maps (peer address . peer's tunnel ID) : mark]
 *     [--connmark, --tunnel-marks: chain output { type route hook output
 *       priority mangle;
 *       udp sport 1701 meta mark 0 meta mark set <daddr . Tunnel ID> map
 *         @tunnels4 update @tunnels4 { ... }   (and IPv6, L bit or not)
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

#include "log.h"
#include "nft.h"

#define FAMILY		NFPROTO_INET

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

struct nft {
	struct nft_cfg cfg;
	struct ratelimit full_rl;
	uint64_t map_full;
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
	n->full_rl = (struct ratelimit)RATELIMIT_INIT("tunnel map", 1, 60);
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

/* One batch: [delete the element,] add it with @mark. */
static int put_elem(struct nft *n, const char *map, const void *key,
		    uint32_t klen, uint32_t mark, int replace)
{
	char buf[2048] __attribute__((aligned(8))) = { 0 };
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	uint32_t first = 0, seq;
	struct nl_err err;
	int i, ret;

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), nl_seq(&n->seq));
	mnl_nlmsg_batch_next(b);
	for (i = replace ? 0 : 1; i < 2; i++) {
		struct nftnl_set *set = nftnl_set_alloc();
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		struct nlmsghdr *nlh;

		if (!set || !e) {
			nftnl_set_free(set);
			nftnl_set_elem_free(e);
			mnl_nlmsg_batch_stop(b);
			return -ENOMEM;
		}
		nftnl_set_set_str(set, NFTNL_SET_TABLE, n->cfg.table);
		nftnl_set_set_str(set, NFTNL_SET_NAME, map);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, klen);
		if (i) {
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &mark, 4);
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
				(uint64_t)n->cfg.tunnel_timeout * 1000);
		}
		nftnl_set_elem_add(set, e);
		seq = nl_seq(&n->seq);
		if (!first)
			first = seq;
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
					    i ? NFT_MSG_NEWSETELEM :
					    NFT_MSG_DELSETELEM, FAMILY,
					    (i ? NLM_F_CREATE : 0) | NLM_F_ACK,
					    seq);
		nftnl_set_elems_nlmsg_build_payload(nlh, set);
		nftnl_set_free(set);
		mnl_nlmsg_batch_next(b);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), nl_seq(&n->seq));
	mnl_nlmsg_batch_next(b);
	ret = nl_request(n->nl, mnl_nlmsg_batch_head(b),
			 mnl_nlmsg_batch_size(b), first, seq, NULL, NULL, &err);
	mnl_nlmsg_batch_stop(b);
	return ret;
}

int nft_tunnel_mark(struct nft *n, int family, const void *peer,
		    uint16_t tunnel_id, uint32_t mark)
{
	uint8_t key[20] = { 0 };
	uint16_t tid = htons(tunnel_id);
	int v6 = family == AF_INET6, ret;
	const char *map = v6 ? NFT_MAP_V6 : NFT_MAP_V4;

	if (!n || !n->cfg.tunnel_marks)
		return 0;
	/* the address, then the Tunnel ID in its own 32-bit register */
	memcpy(key, peer, v6 ? 16 : 4);
	memcpy(key + (v6 ? 16 : 4), &tid, 2);
	ret = put_elem(n, map, key, key_len(v6), mark, 0);
	if (ret == -EEXIST)	/* mapped to another mark: replace it */
		ret = put_elem(n, map, key, key_len(v6), mark, 1);
	log_debug("tunnel map %s: tunnel %u mark 0x%x: %s", map, tunnel_id,
		  mark, ret ? strerror(-ret) : "set");
	if (ret == -ENFILE || ret == -ENOSPC) {
		n->map_full++;
		if (log_ratelimit(&n->full_rl))
			log_warnx("tunnel map %s full (%u elements, %llu "
				  "refused so far): raise --tunnel-marks-max",
				  map, n->cfg.tunnel_max,
				  (unsigned long long)n->map_full);
	} else if (ret && log_ratelimit(&n->full_rl)) {
		errno = -ret;
		log_warn("tunnel map %s", map);
	}
	return ret;
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
