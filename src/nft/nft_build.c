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
 *       [--tunnel-marks: exthdr frag exists udp dport 1701 counter drop
 *                        udp dport 1701 jump inbound]
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

#include "wire/l2tp.h"
#include "nft/nft_batch.h"
#include "nft/nft_expr.h"


#define SCCRQ_RATE_SET		"sccrq_rate"
#define SCCRQ_RATE_SET_ID	20
#define SCCRQ_RATE_SIZE		65535	/* marks */
#define SCCRQ_RATE_TIMEOUT	60000	/* ms: a quiet mark is forgotten */

/* <control message> @th,96,16 0: Tunnel ID 0, a new tunnel */
static int nx_sccrq(struct nftnl_rule *r, const struct nft_cfg *cfg)
{
	uint16_t zero = 0;

	return nx_l2tp_ctrl(r, offsetof(struct udphdr, dest), cfg->port) ||
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
 * exthdr frag exists udp dport 1701 counter drop
 *
 * --tunnel-marks: IPv6 reassembles after the input hook (IPv4 before
 * it, and IPv6 before prerouting only where conntrack is loaded), so the
 * rules see each fragment, and a first fragment that ends before the
 * L2TP header escapes every L2TP match: the queue, the inbound chain.
 * L2TP that IPsec carries is not fragmented inside the SA when the PPP
 * MTU fits the path; what is, is dropped here.
 */
static int put_fragment_rule(struct batch *ctx)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r || nx_frag_exists(r) ||
		nx_udp_port(r, offsetof(struct udphdr, dest), ctx->cfg->port) ||
		nx_counter(r) || nx_verdict(r, NF_DROP);

	return rule_put(ctx, r, err, "adding the IPv6 fragment rule");
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
 * udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 @th,192,32 0x4
 * [meta ipsec exists] counter queue num N
 *
 * A peer's StopCCN (Message Type 4, always the first AVP) names the
 * tunnel by the peer's ID: a translated one must be rewritten.
 */
static int put_stopccn_rule(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INPUT);
	int err = !r ||
		nx_l2tp_ctrl(r, offsetof(struct udphdr, dest), cfg->port) ||
		nx_msg_type(r, L2TP_MSG_STOPCCN) ||
		(cfg->ipsec_check && nx_ipsec_exists(r)) ||
		nx_counter(r) || nx_queue(r, cfg->queue, ctx->form, 0);

	return rule_put(ctx, r, err, "adding the StopCCN queue rule");
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
	       (cfg->tunnel_marks && put_fragment_rule(ctx)) ||
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
