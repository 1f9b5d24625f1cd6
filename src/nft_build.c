// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's nftables table as netlink batches, built with libnftnl:
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
 * One function per rule, each reading like the nft syntax above
 * (nft_print.c prints the same table as text).  Pure: builds into a
 * buffer, talks to no kernel, so the unit tests parse every batch back.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "l2tp.h"
#include "nft.h"
#include "nft_expr.h"

/* Where the L2TP header's fields sit in the transport header. */
#define TH_L2TP(off)		(sizeof(struct udphdr) + (off))
#define TH_L2TP_FLAGS		TH_L2TP(0)

/*
 * nft's datatypes, so that `nft list` can show the maps: the Tunnel ID is
 * typed inet_service, a 16-bit number nft prints.
 */
#define NFT_TYPE_INET_SERVICE	13
#define NFT_TYPE_IPADDR		7
#define NFT_TYPE_IP6ADDR	8
#define NFT_TYPE_MARK		19
#define NFT_BYTEORDER_HOST	1	/* nft's enum byteorder */
#define NFT_BYTEORDER_BIG	2
#define NFT_TYPE_BITS		6

/* The tunnel maps, one per address family; IDs tie rules to new sets. */
static const struct tunnel_map {
	const char *name;
	uint32_t id;
	uint32_t addr_type;
	uint32_t addr_off, addr_len;	/* daddr in the network header */
} tunnel_maps[2] = {
	{ NFT_MAP_V4, 1, NFT_TYPE_IPADDR,
	  offsetof(struct iphdr, daddr), 4 },
	{ NFT_MAP_V6, 2, NFT_TYPE_IP6ADDR,
	  offsetof(struct ip6_hdr, ip6_dst), 16 },
};

/* One batch under construction: every message numbered and named. */
struct batch {
	struct mnl_nlmsg_batch *b;
	const struct nft_cfg *cfg;
	enum nft_queue_form form;
	uint32_t *seq;
	struct nft_batch_seqs *seqs;
};

/* The next ACKed message of the batch, and what it does. */
static uint32_t next_seq(struct batch *ctx, const char *what)
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

static struct nlmsghdr *put_hdr(struct batch *ctx, uint16_t type,
				uint16_t flags, const char *what)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(ctx->b), type,
				     NFT_FAMILY, flags | NLM_F_ACK,
				     next_seq(ctx, what));
}

static int put_table(struct batch *ctx, uint16_t type, uint32_t flags,
		     const char *what)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, ctx->cfg->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFT_FAMILY);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = put_hdr(ctx, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
		      what);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

static int put_chain(struct batch *ctx, const char *name, const char *type,
		     uint32_t hook, int prio, const char *what)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ctx->cfg->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFT_FAMILY);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = put_hdr(ctx, NFT_MSG_NEWCHAIN, NLM_F_CREATE, what);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* A new rule at the end of @chain, for the put_*_rule() functions. */
static struct nftnl_rule *rule_new(struct batch *ctx, const char *chain)
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
static int rule_put(struct batch *ctx, struct nftnl_rule *r, int err,
		    const char *what)
{
	struct nlmsghdr *nlh;

	if (r && !err) {
		nlh = put_hdr(ctx, NFT_MSG_NEWRULE,
			      NLM_F_CREATE | NLM_F_APPEND, what);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		err = mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
	}
	nftnl_rule_free(r);
	return r ? err : -1;
}

/*
 * udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0
 * [meta ipsec exists] counter queue num N bypass
 *
 * The flags word of an L2TPv2 control message (T, L, S set, O, P clear,
 * version 2) and Tunnel ID 0: a new tunnel.
 */
static int put_queue_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	uint16_t mask = htons(L2TP_CTRL_MASK), ctrl = htons(L2TP_CTRL_FLAGS);
	uint16_t zero = 0;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r ||
		nx_udp_port(r, offsetof(struct udphdr, dest), cfg->port) ||
		nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &mask, 2) ||
		nx_eq(r, &ctrl, 2) ||
		nx_th(r, TH_L2TP(L2TP_OFF_TUNNEL), 2) || nx_eq(r, &zero, 2) ||
		(cfg->ipsec_check && nx_ipsec_exists(r)) ||
		nx_counter(r) || nx_queue(r, cfg->queue, ctx->form);

	err = rule_put(ctx, r, err, "adding the queue rule");
	/* the message to look at when the kernel has no nft_queue */
	ctx->seqs->queue_rule = ctx->seqs->last;
	return err;
}

/* [meta ipsec exists] meta mark & MASK != 0 ct mark set meta mark & MASK */
static int put_save_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	uint32_t zero = 0;
	int err = !r || (cfg->ipsec_check && nx_ipsec_exists(r)) ||
		nx_meta(r, NFT_META_MARK) || nx_mark_mask(r, cfg->mark_mask) ||
		nx_cmp(r, NFT_CMP_NEQ, &zero, 4) || nx_ct(r, NFT_CT_MARK, 1);

	return rule_put(ctx, r, err, "adding the connmark save rule");
}

/* meta mark 0 ct mark & MASK != 0 meta mark set ct mark & MASK */
static int put_restore_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_OUTPUT);
	uint32_t zero = 0;
	int err = !r ||
		nx_meta(r, NFT_META_MARK) || nx_eq(r, &zero, 4) ||
		nx_ct(r, NFT_CT_MARK, 0) || nx_mark_mask(r, cfg->mark_mask) ||
		nx_cmp(r, NFT_CMP_NEQ, &zero, 4) ||
		nx_meta_set(r, NFT_META_MARK);

	return rule_put(ctx, r, err, "adding the connmark restore rule");
}

/*
 * The map key in registers, as the elements are built: the peer's
 * address (daddr), then the Tunnel ID in the next 32-bit register.  The
 * Tunnel ID follows the flags word and, with the L bit, the Length field.
 */
static int nx_tunnel_key(struct nftnl_rule *r, const struct tunnel_map *m,
			 int lbit)
{
	uint32_t tid = lbit ? L2TP_OFF_TUNNEL : L2TP_OFF_TUNNEL - 2;

	return nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, m->addr_off,
			  m->addr_len, NFT_REG_1) ||
	       nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, TH_L2TP(tid), 2,
			  NFT_REG32_00 + m->addr_len / 4);
}

/*
 * udp sport 1701 meta mark 0 @th,64,16 & 0x4000 == [0x4000|0]
 * meta nfproto ipv4|ipv6
 * meta mark set <daddr . Tunnel ID> map @tunnelsN
 * update @tunnelsN { <daddr . Tunnel ID> : meta mark }
 *
 * The update refreshes the element's timeout: a tunnel's mark lives as
 * long as the tunnel sends.
 */
static int put_tunnel_rule(struct batch *ctx, int v6, int lbit)
{
	const struct tunnel_map *m = &tunnel_maps[v6];
	uint16_t lmask = htons(L2TP_L), lval = lbit ? lmask : 0;
	uint8_t proto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_OUTPUT);
	uint32_t zero = 0;
	int err = !r ||
		nx_udp_port(r, offsetof(struct udphdr, source), ctx->cfg->port) ||
		nx_meta(r, NFT_META_MARK) || nx_eq(r, &zero, 4) ||
		nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &lmask, 2) ||
		nx_eq(r, &lval, 2) ||
		nx_meta(r, NFT_META_NFPROTO) || nx_eq(r, &proto, 1) ||
		nx_tunnel_key(r, m, lbit) ||
		nx_lookup(r, m->name, m->id, NFT_REG_1) ||
		nx_meta_set(r, NFT_META_MARK) ||
		nx_tunnel_key(r, m, lbit) ||
		/* past the key: an IPv6 key fills 32-bit registers 0-4 */
		nx_meta_to(r, NFT_META_MARK, NFT_REG_3) ||
		nx_update(r, m->name, m->id, NFT_REG_3);

	return rule_put(ctx, r, err, "adding a tunnel mark rule");
}

static int put_map(struct batch *ctx, const struct tunnel_map *m)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	struct nlmsghdr *nlh;

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
	nftnl_set_set_str(set, NFTNL_SET_TABLE, cfg->table);
	nftnl_set_set_str(set, NFTNL_SET_NAME, m->name);
	nftnl_set_set_u32(set, NFTNL_SET_FAMILY, NFT_FAMILY);
	/* a map, with timeouts, updated from the packet path */
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS,
			  NFT_SET_MAP | NFT_SET_TIMEOUT | NFT_SET_EVAL);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE,
			  m->addr_type << NFT_TYPE_BITS | NFT_TYPE_INET_SERVICE);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, m->addr_len + 4);
	nftnl_set_set_u32(set, NFTNL_SET_DATA_TYPE, NFT_TYPE_MARK);
	nftnl_set_set_u32(set, NFTNL_SET_DATA_LEN, 4);
	nftnl_set_set_u64(set, NFTNL_SET_TIMEOUT,
			  (uint64_t)cfg->tunnel_timeout * 1000);
	nftnl_set_set_u32(set, NFTNL_SET_DESC_SIZE, cfg->tunnel_max);
	nftnl_set_set_u32(set, NFTNL_SET_ID, m->id);
	nlh = put_hdr(ctx, NFT_MSG_NEWSET, NLM_F_CREATE, "adding a tunnel map");
	nftnl_set_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* input chain: [save rule], queue rule (its verdict ends the chain) */
static int put_input(struct batch *ctx)
{
	return put_chain(ctx, NFT_CHAIN_INPUT, "filter", NF_INET_LOCAL_IN,
			 ctx->cfg->priority, "adding the input chain") ||
	       (ctx->cfg->connmark && put_save_rule(ctx)) ||
	       put_queue_rule(ctx);
}

/*
 * A route chain, so that the IPsec policy lookup sees the new mark:
 * tunnel marks first, as they are per tunnel and conntrack's per flow.
 */
static int put_output(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	int v6, lbit;

	if (!cfg->connmark && !cfg->tunnel_marks)
		return 0;
	if (put_chain(ctx, NFT_CHAIN_OUTPUT, "route", NF_INET_LOCAL_OUT,
		      NF_IP_PRI_MANGLE, "adding the output chain"))
		return -1;
	if (cfg->tunnel_marks) {
		if (put_map(ctx, &tunnel_maps[0]) || put_map(ctx, &tunnel_maps[1]))
			return -1;
		for (v6 = 0; v6 < 2; v6++)
			for (lbit = 1; lbit >= 0; lbit--)
				if (put_tunnel_rule(ctx, v6, lbit))
					return -1;
	}
	return cfg->connmark ? put_restore_rule(ctx) : 0;
}

size_t nft_build_install(char *buf, size_t size, const struct nft_cfg *cfg,
			 enum nft_queue_form form, uint32_t *seq,
			 struct nft_batch_seqs *seqs)
{
	struct batch ctx = { .cfg = cfg, .form = form, .seq = seq,
			     .seqs = seqs };
	size_t len = 0;

	/* libmnl writes a message before checking it against the limit:
	 * the buffer must be twice the limit */
	if (size < NFT_BATCH_MIN)
		return 0;
	ctx.b = mnl_nlmsg_batch_start(buf, size / 2);
	if (!ctx.b)
		return 0;
	memset(seqs, 0, sizeof(*seqs));
	nftnl_batch_begin(mnl_nlmsg_batch_current(ctx.b), nl_seq(seq));
	mnl_nlmsg_batch_next(ctx.b);
	/*
	 * add + delete + add: replaces a stale table of the same name, and
	 * the owner flag can only be set when a table is created.
	 */
	if (put_table(&ctx, NFT_MSG_NEWTABLE, 0, "adding the table") ||
	    put_table(&ctx, NFT_MSG_DELTABLE, 0, "replacing the table"))
		goto out;
	if (put_table(&ctx, NFT_MSG_NEWTABLE,
		      cfg->owner ? NFT_TABLE_F_OWNER : 0, "adding the table"))
		goto out;
	/* the message that fails when the kernel has no owned tables */
	seqs->table = seqs->last;
	if (put_input(&ctx) || put_output(&ctx))
		goto out;
	nftnl_batch_end(mnl_nlmsg_batch_current(ctx.b), nl_seq(seq));
	if (mnl_nlmsg_batch_next(ctx.b))
		len = mnl_nlmsg_batch_size(ctx.b);
out:
	mnl_nlmsg_batch_stop(ctx.b);
	return len;
}

size_t nft_build_delete(char *buf, size_t size, const char *table,
			uint32_t *seq, uint32_t *ack)
{
	struct nft_cfg cfg = { .table = table };
	struct nft_batch_seqs seqs;
	struct batch ctx = { .cfg = &cfg, .seq = seq, .seqs = &seqs };
	size_t len = 0;

	if (size < 1024)
		return 0;
	memset(&seqs, 0, sizeof(seqs));
	ctx.b = mnl_nlmsg_batch_start(buf, size / 2);
	nftnl_batch_begin(mnl_nlmsg_batch_current(ctx.b), nl_seq(seq));
	mnl_nlmsg_batch_next(ctx.b);
	if (!put_table(&ctx, NFT_MSG_DELTABLE, 0, "removing the table")) {
		*ack = seqs.last;
		nftnl_batch_end(mnl_nlmsg_batch_current(ctx.b), nl_seq(seq));
		if (mnl_nlmsg_batch_next(ctx.b))
			len = mnl_nlmsg_batch_size(ctx.b);
	}
	mnl_nlmsg_batch_stop(ctx.b);
	return len;
}

size_t nft_build_tunnel_elem(char *buf, size_t size, const struct nft_cfg *cfg,
			     int family, const void *peer, uint16_t tunnel_id,
			     uint32_t mark, int replace, uint32_t *seq,
			     uint32_t *first, uint32_t *last)
{
	const struct tunnel_map *m = &tunnel_maps[family == AF_INET6];
	int i, ok = 1;
	uint16_t tid = htons(tunnel_id);
	struct mnl_nlmsg_batch *b;
	uint8_t key[20] = { 0 };
	size_t len = 0;

	if (size < 2048)
		return 0;
	/* the address, then the Tunnel ID in its own 32-bit register */
	memcpy(key, peer, m->addr_len);
	memcpy(key + m->addr_len, &tid, 2);
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
		nftnl_set_set_str(set, NFTNL_SET_NAME, m->name);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, m->addr_len + 4);
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
					    NFT_MSG_DELSETELEM, NFT_FAMILY,
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
