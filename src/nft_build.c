// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's nftables table as netlink batches, built with libnftnl:
 *
 *   table inet l2tp-nfqd (owner) {
 *     [--tunnel-marks --sccrq-rate: set sccrq_rate, a rate per mark]
 *     [--tunnel-marks: the tunnel sets (nft_batch.h)]
 *     [--tunnel-marks: chain inbound {
 *       <saddr . Tunnel ID . meta mark> @own4 return
 *       <saddr . Tunnel ID> @bound4 counter drop
 *       (the same for IPv6; each with the L bit and without) }]
 *     chain input { type filter hook input priority -140;
 *       [--connmark: meta ipsec exists meta mark != 0 ct mark set meta mark]
 *       [--tunnel-marks: udp dport 1701 jump inbound]
 *       [--tunnel-marks: <SCCRQ> meta ipsec missing counter drop
 *                        <SCCRQ> update @sccrq_rate { meta mark limit
 *                        rate over R/second burst 2R packets } counter drop]
 *       udp dport 1701 <L2TPv2 control, Tunnel ID 0> [meta ipsec exists]
 *       counter queue num N [bypass: not with --tunnel-marks] }
 *     [--tunnel-marks: chain tunnels {
 *       meta mark 0 meta mark set <daddr . Tunnel ID> map @tunnels4
 *       <liveness: control messages; data once per quarter timeout>
 *       <translated IDs (from 32768 up) back to the peer's>
 *       (the same for IPv6; each with the L bit and without) }]
 *     [--connmark, --tunnel-marks: chain output { type route hook output
 *       priority mangle;
 *       [udp sport 1701 jump tunnels]
 *       [meta mark 0 ct mark != 0 meta mark set ct mark] }]
 *     [--tunnel-marks: chain sccrp { type filter hook output priority
 *       mangle + 1; udp sport 1701 <SCCRP> counter queue num N }]
 *     [--sa-marks: maps and a prerouting chain, see nft_sa.c] }
 *
 * One function per rule, each reading like the nft syntax above
 * (nft_print.c prints the same table as text), on the batch of
 * nft_batch.c.  Pure: builds into a buffer, talks to no kernel, so the
 * unit tests parse every batch back.
 */
#include <errno.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "l2tp.h"
#include "nft.h"
#include "nft_batch.h"
#include "nft_expr.h"
#include "nft_sa.h"

/* Where the L2TP header's fields sit in the transport header. */
#define TH_L2TP(off)		(sizeof(struct udphdr) + (off))
#define TH_L2TP_FLAGS		TH_L2TP(0)

#define SCCRQ_RATE_SET		"sccrq_rate"
#define SCCRQ_RATE_SET_ID	20
#define SCCRQ_RATE_SIZE		65535	/* marks */
#define SCCRQ_RATE_TIMEOUT	60000	/* ms: a quiet mark is forgotten */

/*
 * udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,96,16 0
 *
 * The flags word of an L2TPv2 control message (T, L, S set, O, P clear,
 * version 2) and Tunnel ID 0: a new tunnel.
 */
static int nx_sccrq(struct nftnl_rule *r, const struct nft_cfg *cfg)
{
	uint16_t mask = htons(L2TP_CTRL_MASK), ctrl = htons(L2TP_CTRL_FLAGS);
	uint16_t zero = 0;

	return nx_udp_port(r, offsetof(struct udphdr, dest), cfg->port) ||
	       nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &mask, 2) ||
	       nx_eq(r, &ctrl, 2) ||
	       nx_th(r, TH_L2TP(L2TP_OFF_TUNNEL), 2) || nx_eq(r, &zero, 2);
}

/*
 * <SCCRQ> [meta ipsec exists] counter queue num N [bypass]
 *
 * Without --tunnel-marks only messages are at stake: with no daemon
 * listening the kernel accepts (bypass).  With it, an SCCRQ the daemon
 * did not bind must not reach the L2TP daemon: it is dropped.
 */
static int put_queue_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r || nx_sccrq(r, cfg) ||
		(cfg->ipsec_check && nx_ipsec_exists(r)) ||
		nx_counter(r) ||
		nx_queue(r, cfg->queue, ctx->form, !cfg->tunnel_marks);

	err = rule_put(ctx, r, err, "adding the queue rule");
	/* the message to look at when the kernel has no nft_queue */
	ctx->seqs->queue_rule = ctx->seqs->last;
	return err;
}

/*
 * <SCCRQ> meta ipsec missing counter drop
 *
 * --tunnel-marks with the IPsec check: an SCCRQ that did not come
 * through IPsec is not queued, so it must not pass either.
 */
static int put_cleartext_rule(struct batch *ctx)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r || nx_sccrq(r, ctx->cfg) || nx_ipsec_missing(r) ||
		nx_counter(r) || nx_verdict(r, NF_DROP);

	return rule_put(ctx, r, err, "adding the cleartext SCCRQ rule");
}

/*
 * set sccrq_rate { typeof meta mark; size 65535; flags dynamic,timeout;
 *		    timeout 1m; }
 */
static int put_rate_set(struct batch *ctx)
{
	static const uint32_t mark[1] = { NFT_META_MARK };
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	struct nftnl_set *set;

	if (ud) {
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER,
				    UD_BYTEORDER_HOST);
		ud_expr(ud, NFTNL_UDATA_SET_KEY_TYPEOF, UD_EXPR_META, mark, 1);
	}
	set = set_new(ctx, SCCRQ_RATE_SET, SCCRQ_RATE_SET_ID, ud);
	if (!set)
		return -1;
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, UD_TYPE_MARK);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, 4);
	nftnl_set_set_u32(set, NFTNL_SET_DESC_SIZE, SCCRQ_RATE_SIZE);
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
	nftnl_set_set_u64(set, NFTNL_SET_TIMEOUT, SCCRQ_RATE_TIMEOUT);
	return set_put(ctx, set, "adding the SCCRQ rate set");
}

/*
 * <SCCRQ> update @sccrq_rate { meta mark limit rate over R/second
 *	burst 2R packets } counter drop
 *
 * One SA flooding SCCRQs must not starve its neighbours: past its rate,
 * the kernel drops them before the queue.
 */
static int put_rate_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r || nx_sccrq(r, cfg) || nx_meta(r, NFT_META_MARK) ||
		nx_limit_over(r, SCCRQ_RATE_SET, SCCRQ_RATE_SET_ID,
			      cfg->sccrq_rate, 2 * cfg->sccrq_rate) ||
		nx_counter(r) || nx_verdict(r, NF_DROP);

	return rule_put(ctx, r, err, "adding the SCCRQ rate rule");
}

/* [meta ipsec exists] meta mark & MASK != 0 ct mark set meta mark & MASK */
static int put_save_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	uint32_t zero = 0;
	/* the mark is loaded again for the statement, as nft does */
	int err = !r || (cfg->ipsec_check && nx_ipsec_exists(r)) ||
		nx_meta(r, NFT_META_MARK) || nx_mark_mask(r, cfg->mark_mask) ||
		nx_cmp(r, NFT_CMP_NEQ, &zero, 4) ||
		nx_meta(r, NFT_META_MARK) || nx_mark_mask(r, cfg->mark_mask) ||
		nx_ct(r, NFT_CT_MARK, 1);

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
		nx_ct(r, NFT_CT_MARK, 0) || nx_mark_mask(r, cfg->mark_mask) ||
		nx_meta_set(r, NFT_META_MARK);

	return rule_put(ctx, r, err, "adding the connmark restore rule");
}

/*
 * The map key as nft loads it: the peer's address (daddr) into register
 * 1, then the Tunnel ID, which follows the flags word and, with the L
 * bit, the Length field.
 */
static int nx_tunnel_key(struct nftnl_rule *r, const struct tunnel_family *f,
			 int lbit)
{
	uint32_t tid = lbit ? L2TP_OFF_TUNNEL : L2TP_OFF_TUNNEL - 2;
	uint8_t proto = f->addr_len == 16 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	return nx_meta(r, NFT_META_NFPROTO) || nx_eq(r, &proto, 1) ||
	       nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, f->addr_off,
			  f->addr_len, NFT_REG_1) ||
	       nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, TH_L2TP(tid), 2,
			  f->tid_reg);
}

/* udp sport 1701 [meta mark 0] @th,64,16 & MASK == VAL */
/* [meta mark 0] @th,64,16 & MASK == VAL (in the tunnels chain, which
 * only UDP from the L2TP port reaches) */
static int nx_flags(struct nftnl_rule *r, int unmarked, uint16_t mask,
		    uint16_t val)
{
	uint16_t m = htons(mask), v = htons(val);
	uint32_t zero = 0;

	return (unmarked && (nx_meta(r, NFT_META_MARK) ||
			     nx_eq(r, &zero, 4))) ||
	       nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &m, 2) ||
	       nx_eq(r, &v, 2);
}

/*
 * meta mark 0 @th,64,16 & 0x4000 == 0x4000|0
 *	meta mark set ip daddr . @th,96,16|@th,80,16 map @tunnels4
 *
 * Packets of a socket with its own mark (an L2TP daemon that reads the
 * messages) keep it.
 */
static int put_mark_rule(struct batch *ctx, const struct tunnel_family *f,
			 int lbit)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_TUNNELS);
	int err = !r ||
		nx_flags(r, 1, L2TP_L, lbit ? L2TP_L : 0) ||
		nx_tunnel_key(r, f, lbit) ||
		nx_lookup(r, f->name[TS_TUNNELS], f->id[TS_TUNNELS], NFT_REG_1) ||
		nx_meta_set(r, NFT_META_MARK);

	return rule_put(ctx, r, err, "adding a tunnel mark rule");
}

/* The key again, for the next statement: nft loads it anew each time. */
static int nx_key_again(struct nftnl_rule *r, const struct tunnel_family *f,
			int lbit)
{
	uint32_t tid = lbit ? L2TP_OFF_TUNNEL : L2TP_OFF_TUNNEL - 2;

	return nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, f->addr_off,
			  f->addr_len, NFT_REG_1) ||
	       nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, TH_L2TP(tid), 2,
			  f->tid_reg);
}

/*
 * Control:	@th,64,16 & 0xc000 == 0xc000
 *		ip daddr . @th,96,16 @live4 update @live4 { ip daddr . @th,96,16 }
 * Data:	@th,64,16 & 0xc000 == 0x4000|0 K != @fresh4 K @live4
 *		add @fresh4 { K } update @live4 { K }
 *		(K: ip daddr . @th,96,16 or @th,80,16)
 *
 * What keeps a tunnel live: the L2TP daemon's control messages (T and L
 * set), and its data (an LNS such as L2TPNS sends no hello while data
 * flows).  A write per data packet would cost more than the lookups: the
 * first data message of a tunnel in each quarter of the timeout writes,
 * and puts the tunnel in the fresh set, whose lookup spares the others.
 * A tunnel silent past the timeout stays lapsed, and the next sweep
 * removes it.  (The tests are on sets: Linux 6.1 refuses a membership
 * test on a map.)
 */
static int put_live_rule(struct batch *ctx, const struct tunnel_family *f,
			 int data, int lbit)
{
	const char *live = f->name[TS_LIVE], *fresh = f->name[TS_FRESH];
	uint32_t live_id = f->id[TS_LIVE], fresh_id = f->id[TS_FRESH];
	uint16_t flags = (data ? 0 : L2TP_T) | (lbit ? L2TP_L : 0);
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_TUNNELS);
	int err = !r ||
		nx_flags(r, 0, L2TP_T | L2TP_L, flags) ||
		nx_tunnel_key(r, f, lbit) ||
		(data && (nx_lookup_not(r, fresh, fresh_id) ||
			  nx_key_again(r, f, lbit))) ||
		nx_lookup(r, live, live_id, 0) ||
		(data && (nx_key_again(r, f, lbit) ||
			  nx_dynset(r, NFT_DYNSET_OP_ADD, fresh, fresh_id, 0))) ||
		nx_key_again(r, f, lbit) ||
		nx_update(r, live, live_id, 0);

	return rule_put(ctx, r, err, "adding a tunnel refresh rule");
}

/*
 * @th,64,16 & 0x4000 == 0x4000|0 @th,96,16|@th,80,16 & 0x8000 == 0x8000
 *	@th,96,16|@th,80,16 set ip daddr . @th,96,16|@th,80,16 map @xlate4
 *
 * A translated tunnel's packets get the peer's own Tunnel ID back; the
 * UDP checksum follows (a raw @th write in nft leaves it alone).
 * Translated IDs are all in the upper half (L2TP_XLATE_MIN): the
 * small IDs of Windows and Apple clients skip the lookup.
 */
static int put_xlate_rule(struct batch *ctx, const struct tunnel_family *f,
			  int lbit)
{
	uint32_t tid = lbit ? L2TP_OFF_TUNNEL : L2TP_OFF_TUNNEL - 2;
	uint16_t high = htons(L2TP_XLATE_MIN);
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_TUNNELS);
	int err = !r ||
		nx_flags(r, 0, L2TP_L, lbit ? L2TP_L : 0) ||
		nx_th(r, TH_L2TP(tid), 2) || nx_and(r, &high, 2) ||
		nx_eq(r, &high, 2) ||
		nx_tunnel_key(r, f, lbit) ||
		nx_lookup(r, f->name[TS_XLATE], f->id[TS_XLATE], NFT_REG_1) ||
		nx_th_write(r, TH_L2TP(tid), 2);

	return rule_put(ctx, r, err, "adding a tunnel translation rule");
}

/* Every rule of --tunnel-marks for one family, marks first: the
 * translation changes the key.  Data messages without the L bit (the
 * kernel's) are the most frequent: their rules come first. */
static int put_tunnel_rules(struct batch *ctx, const struct tunnel_family *f)
{
	return put_mark_rule(ctx, f, 0) || put_mark_rule(ctx, f, 1) ||
	       put_live_rule(ctx, f, 0, 1) || put_live_rule(ctx, f, 1, 0) ||
	       put_live_rule(ctx, f, 1, 1) ||
	       put_xlate_rule(ctx, f, 0) || put_xlate_rule(ctx, f, 1);
}

/* udp sport 1701 jump tunnels: the tunnel rules share this one test */
static int put_jump_rule(struct batch *ctx)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_OUTPUT);
	int err = !r ||
		nx_udp_port(r, offsetof(struct udphdr, source), ctx->cfg->port) ||
		nx_jump(r, NFT_CHAIN_TUNNELS);

	return rule_put(ctx, r, err, "adding the tunnel jump rule");
}

/*
 * udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,192,32 0x4
 * [meta ipsec exists] counter queue num N
 *
 * A peer's StopCCN (Message Type 4, always the first AVP) names the
 * tunnel by the peer's ID: a translated one must be rewritten.
 */
static int put_stopccn_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	uint16_t mask = htons(L2TP_CTRL_MASK), ctrl = htons(L2TP_CTRL_FLAGS);
	/* the Message Type AVP's attribute type (0) and value */
	uint32_t stopccn = htonl(L2TP_MSG_STOPCCN);
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r ||
		nx_udp_port(r, offsetof(struct udphdr, dest), cfg->port) ||
		nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &mask, 2) ||
		nx_eq(r, &ctrl, 2) ||
		nx_th(r, TH_L2TP(L2TP_CTRL_HDR_LEN + 4), 4) ||
		nx_eq(r, &stopccn, 4) ||
		(cfg->ipsec_check && nx_ipsec_exists(r)) ||
		nx_counter(r) || nx_queue(r, cfg->queue, ctx->form, 0);

	return rule_put(ctx, r, err, "adding the StopCCN queue rule");
}

/*
 * The key of the input rules: what the peer sends names the tunnel by the
 * L2TP daemon's ID, after the flags word and, with the L bit, the Length.
 * ip saddr . @th,96,16|@th,80,16 [. meta mark]
 */
static int nx_inbound_key(struct nftnl_rule *r, const struct tunnel_family *f,
			  int lbit, int mark)
{
	uint32_t tid = lbit ? L2TP_OFF_TUNNEL : L2TP_OFF_TUNNEL - 2;
	uint8_t proto = f->addr_len == 16 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	return nx_meta(r, NFT_META_NFPROTO) || nx_eq(r, &proto, 1) ||
	       nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, f->saddr_off,
			  f->addr_len, NFT_REG_1) ||
	       nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, TH_L2TP(tid), 2,
			  f->tid_reg) ||
	       (mark && nx_meta_to(r, NFT_META_MARK, f->mark_reg));
}

/*
 * @th,64,16 & 0x4000 == 0|0x4000 ip saddr . @th,80|96,16 . meta mark
 *	@own4 return
 * @th,64,16 & 0x4000 == 0|0x4000 ip saddr . @th,80|96,16 @bound4
 *	counter drop
 *
 * Clients behind one NAT share address and port: only the SA tells their
 * packets apart.  A packet naming a tunnel the L2TP daemon opened for
 * another SA (control or data) is a neighbour's injection.  Its own
 * tunnel's packets pass with one lookup; tunnels the daemon never saw
 * are in neither set.
 */
static int put_inbound_rule(struct batch *ctx, const struct tunnel_family *f,
			    int lbit, int own)
{
	enum tunnel_set ts = own ? TS_OWN : TS_BOUND;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INBOUND);
	int err = !r ||
		nx_flags(r, 0, L2TP_L, lbit ? L2TP_L : 0) ||
		nx_inbound_key(r, f, lbit, own) ||
		nx_lookup(r, f->name[ts], f->id[ts], 0) ||
		(!own && nx_counter(r)) ||
		nx_verdict(r, own ? NFT_RETURN : NF_DROP);

	return rule_put(ctx, r, err, "adding an inbound rule");
}

/* the sets and the inbound chain, which the input chain jumps to */
static int put_inbound(struct batch *ctx)
{
	const struct tunnel_family *f = tunnel_families;
	int i, lbit;

	if (put_tunnel_sets(ctx, &f[0]) || put_tunnel_sets(ctx, &f[1]) ||
	    put_chain(ctx, NFT_CHAIN_INBOUND, NULL, 0, 0,
		      "adding the inbound chain"))
		return -1;
	/* data messages without the L bit (the kernel's) first */
	for (i = 0; i < 2; i++)
		for (lbit = 0; lbit < 2; lbit++)
			if (put_inbound_rule(ctx, &f[i], lbit, 1) ||
			    put_inbound_rule(ctx, &f[i], lbit, 0))
				return -1;
	return 0;
}

/* udp dport 1701 jump inbound */
static int put_inbound_jump(struct batch *ctx)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r ||
		nx_udp_port(r, offsetof(struct udphdr, dest), ctx->cfg->port) ||
		nx_jump(r, NFT_CHAIN_INBOUND);

	return rule_put(ctx, r, err, "adding the inbound jump rule");
}

/*
 * chain sccrp { type filter hook output priority mangle + 1;
 *	udp sport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,192,32 0x2
 *	counter queue num N }
 *
 * The L2TP daemon's SCCRP says its own ID for the tunnel (what the peer
 * will put in every header): the daemon binds it to the tunnel's SA
 * before the SCCRP leaves.  After the route chain, which gave the SCCRP
 * its tunnel's mark and route (a verdict from the queue would skip the
 * rest of that chain and the reroute).
 */
static int put_sccrp(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	uint16_t mask = htons(L2TP_CTRL_MASK), ctrl = htons(L2TP_CTRL_FLAGS);
	uint32_t sccrp = htonl(L2TP_MSG_SCCRP);
	struct nftnl_rule *r;
	int err;

	if (put_chain(ctx, NFT_CHAIN_SCCRP, "filter", NF_INET_LOCAL_OUT,
		      NF_IP_PRI_MANGLE + 1, "adding the SCCRP chain"))
		return -1;
	r = rule_new(ctx, NFT_CHAIN_SCCRP);
	err = !r ||
		nx_udp_port(r, offsetof(struct udphdr, source), cfg->port) ||
		nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &mask, 2) ||
		nx_eq(r, &ctrl, 2) ||
		nx_th(r, TH_L2TP(L2TP_CTRL_HDR_LEN + 4), 4) ||
		nx_eq(r, &sccrp, 4) ||
		nx_counter(r) || nx_queue(r, cfg->queue, ctx->form, 0);
	return rule_put(ctx, r, err, "adding the SCCRP queue rule");
}

/* input chain: [save rule], [drops], queue rule (its verdict ends the
 * chain) */
static int put_input(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	int rate = cfg->tunnel_marks && cfg->sccrq_rate;

	return (rate && put_rate_set(ctx)) ||
	       (cfg->tunnel_marks && put_inbound(ctx)) ||
	       put_chain(ctx, NFT_CHAIN_INPUT, "filter", NF_INET_LOCAL_IN,
			 cfg->priority, "adding the input chain") ||
	       (cfg->connmark && put_save_rule(ctx)) ||
	       (cfg->tunnel_marks && put_inbound_jump(ctx)) ||
	       (cfg->tunnel_marks && cfg->ipsec_check &&
		put_cleartext_rule(ctx)) ||
	       (rate && put_rate_rule(ctx)) ||
	       put_queue_rule(ctx) ||
	       (cfg->tunnel_marks && put_stopccn_rule(ctx));
}

/*
 * A route chain, so that the IPsec policy lookup sees the new mark:
 * tunnel marks first, as they are per tunnel and conntrack's per flow.
 */
static int put_output(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	const struct tunnel_family *f = tunnel_families;

	if (!cfg->connmark && !cfg->tunnel_marks)
		return 0;
	if (cfg->tunnel_marks &&
	    (put_chain(ctx, NFT_CHAIN_TUNNELS, NULL, 0, 0,
		       "adding the tunnels chain") ||
	     put_tunnel_rules(ctx, &f[0]) || put_tunnel_rules(ctx, &f[1])))
		return -1;
	if (put_chain(ctx, NFT_CHAIN_OUTPUT, "route", NF_INET_LOCAL_OUT,
		      NF_IP_PRI_MANGLE, "adding the output chain"))
		return -1;
	if (cfg->tunnel_marks && put_jump_rule(ctx))
		return -1;
	if (cfg->connmark && put_restore_rule(ctx))
		return -1;
	return cfg->tunnel_marks ? put_sccrp(ctx) : 0;
}

static int del_chain(struct batch *ctx, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ctx->cfg->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nlh = batch_hdr(ctx, NFT_MSG_DELCHAIN, 0, "replacing a chain");
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/*
 * The table's head: add + delete + add replaces a stale table of the
 * same name (the owner flag can only be set when a table is created);
 * adopting a table kept from before keeps it and its sets, and replaces
 * its chains, rules and all.
 */
static int put_head(struct batch *ctx, const struct nft_adopt *adopt)
{
	unsigned int i;

	if (adopt && adopt->adopt) {
		if (put_table(ctx, NFT_MSG_NEWTABLE, KEEP_FLAGS,
			      "adopting the table"))
			return -1;
		ctx->seqs->table = ctx->seqs->last;
		for (i = 0; i < adopt->n; i++)
			if (del_chain(ctx, adopt->chains[i]))
				return -1;
		return 0;
	}
	/* no flags: an owned table of ours cannot lose its flag */
	if (put_table(ctx, NFT_MSG_NEWTABLE, KEEP_FLAGS, "adding the table") ||
	    put_table(ctx, NFT_MSG_DELTABLE, 0, "replacing the table") ||
	    put_table(ctx, NFT_MSG_NEWTABLE,
		      ctx->cfg->owner ? NFT_TABLE_F_OWNER : 0,
		      "adding the table"))
		return -1;
	/* the message that fails when the kernel has no owned tables */
	ctx->seqs->table = ctx->seqs->last;
	return 0;
}

size_t nft_build_install(char *buf, size_t size, const struct nft_cfg *cfg,
			 enum nft_queue_form form,
			 const struct nft_adopt *adopt, uint32_t *seq,
			 struct nft_batch_seqs *seqs)
{
	struct batch ctx = { .cfg = cfg, .form = form, .seq = seq,
			     .seqs = seqs };

	if (batch_start(&ctx, buf, size, NFT_BATCH_MIN))
		return 0;
	return batch_finish(&ctx, put_head(&ctx, adopt) || put_input(&ctx) ||
				  put_output(&ctx) ||
				  (cfg->sa_marks && put_sa_part(&ctx)));
}

size_t nft_build_delete(char *buf, size_t size, const char *table,
			uint32_t *seq, uint32_t *ack)
{
	struct nft_cfg cfg = { .table = table };
	struct nft_batch_seqs seqs;
	struct batch ctx = { .cfg = &cfg, .seq = seq, .seqs = &seqs };
	int err;

	if (batch_start(&ctx, buf, size, 1024))
		return 0;
	err = put_table(&ctx, NFT_MSG_DELTABLE, 0, "removing the table");
	*ack = seqs.last;
	return batch_finish(&ctx, err);
}
