// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of --tunnel-marks (see the table in nft_build.c): the output
 * side that marks and translates what the L2TP daemon sends on each
 * tunnel and keeps the tunnel live, and the input side that binds the
 * L2TP daemon's IDs to their SAs (the SCCRP queue, the inbound chain).
 * One function per rule, each reading like its nft syntax (nft_print.c
 * prints the same).  Pure.
 */
#include <stddef.h>
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4.h>
#include <libnftnl/rule.h>

#include "wire/l2tp.h"
#include "nft/nft_batch.h"
#include "nft/nft_expr.h"

/*
 * A tunnel set's key as nft loads it: the address at @addr_off in the
 * network header into register 1, then the Tunnel ID, which follows the
 * flags word and, with the L bit, the Length field.
 */
static int nx_key(struct nftnl_rule *r, const struct tunnel_family *f,
		  uint32_t addr_off, int lbit)
{
	uint32_t tid = lbit ? L2TP_OFF_TUNNEL : L2TP_OFF_TUNNEL - 2;
	uint8_t proto = f->addr_len == 16 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	return nx_meta(r, NFT_META_NFPROTO) || nx_eq(r, &proto, 1) ||
	       nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, addr_off,
			  f->addr_len, NFT_REG_1) ||
	       nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, TH_L2TP(tid), 2,
			  f->tid_reg);
}

/* The output rules' key: the peer is the destination. */
static int nx_tunnel_key(struct nftnl_rule *r, const struct tunnel_family *f,
			 int lbit)
{
	return nx_key(r, f, f->addr_off, lbit);
}

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
int put_tunnel_rules(struct batch *ctx, const struct tunnel_family *f)
{
	return put_mark_rule(ctx, f, 0) || put_mark_rule(ctx, f, 1) ||
	       put_live_rule(ctx, f, 0, 1) || put_live_rule(ctx, f, 1, 0) ||
	       put_live_rule(ctx, f, 1, 1) ||
	       put_xlate_rule(ctx, f, 0) || put_xlate_rule(ctx, f, 1);
}

/* udp dport|sport 1701 jump CHAIN, from @from */
static int put_port_jump(struct batch *ctx, const char *from,
			 uint32_t port_off, const char *chain, const char *what)
{
	struct nftnl_rule *r = rule_new(ctx, from);
	int err = !r || nx_udp_port(r, port_off, ctx->cfg->port) ||
		nx_jump(r, chain);

	return rule_put(ctx, r, err, what);
}

/* udp sport 1701 jump tunnels: the tunnel rules share this one test */
int put_jump_rule(struct batch *ctx)
{
	return put_port_jump(ctx, NFT_CHAIN_OUTPUT,
			     offsetof(struct udphdr, source), NFT_CHAIN_TUNNELS,
			     "adding the tunnel jump rule");
}

/*
 * The key of the input rules: what the peer sends names the tunnel by the
 * L2TP daemon's ID, after the flags word and, with the L bit, the Length.
 * ip saddr . @th,96,16|@th,80,16 [. meta mark [& MASK]]
 */
static int nx_inbound_key(struct nftnl_rule *r, const struct tunnel_family *f,
			  int lbit, int mark, uint32_t mask)
{
	return nx_key(r, f, f->saddr_off, lbit) ||
	       (mark && (nx_meta_to(r, NFT_META_MARK, f->mark_reg) ||
			 nx_mark_mask_reg(r, mask, f->mark_reg)));
}

/*
 * @th,64,16 & 0xc000 == 0|0x4000 ip saddr . @th,80|96,16 . meta mark
 *	@own4 accept
 * @th,64,16 & 0xc000 == 0xc000 ip saddr . @th,96,16 . meta mark
 *	@own4 return
 * @th,64,16 & 0x4000 == 0|0x4000 ip saddr . @th,80|96,16 @bound4
 *	counter drop
 *
 * Clients behind one NAT share address and port: only the SA tells their
 * packets apart.  A packet naming a tunnel the L2TP daemon opened for
 * another SA (control or data) is a neighbour's injection.  A tunnel's
 * own data passes with one lookup, and is done with the input chain (no
 * SCCRQ or StopCCN rule concerns it); its own control messages go on to
 * the StopCCN rule.  Tunnels the daemon never saw are in neither set.
 */
static int put_own_rule(struct batch *ctx, const struct tunnel_family *f,
			uint16_t flags)
{
	int lbit = flags & L2TP_L;
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INBOUND);
	int err = !r ||
		nx_flags(r, 0, L2TP_T | L2TP_L, flags) ||
		nx_inbound_key(r, f, lbit, 1, ctx->cfg->mark_mask) ||
		nx_lookup(r, f->name[TS_OWN], f->id[TS_OWN], 0) ||
		nx_verdict(r, flags & L2TP_T ? NFT_RETURN : NF_ACCEPT);

	return rule_put(ctx, r, err, "adding an inbound rule");
}

static int put_bound_rule(struct batch *ctx, const struct tunnel_family *f,
			  int lbit)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_INBOUND);
	int err = !r ||
		nx_flags(r, 0, L2TP_L, lbit ? L2TP_L : 0) ||
		nx_inbound_key(r, f, lbit, 0, ctx->cfg->mark_mask) ||
		nx_lookup(r, f->name[TS_BOUND], f->id[TS_BOUND], 0) ||
		nx_counter(r) || nx_verdict(r, NF_DROP);

	return rule_put(ctx, r, err, "adding an inbound rule");
}

/* the sets and the inbound chain, which the input chain jumps to */
int put_inbound(struct batch *ctx)
{
	const struct tunnel_family *f = tunnel_families;
	int i;

	if (put_tunnel_sets(ctx, &f[0]) || put_tunnel_sets(ctx, &f[1]) ||
	    put_chain(ctx, NFT_CHAIN_INBOUND, NULL, 0, 0,
		      "adding the inbound chain"))
		return -1;
	/* data messages without the L bit (the kernel's) first */
	for (i = 0; i < 2; i++)
		if (put_own_rule(ctx, &f[i], 0) ||
		    put_bound_rule(ctx, &f[i], 0) ||
		    put_own_rule(ctx, &f[i], L2TP_L) ||
		    put_own_rule(ctx, &f[i], L2TP_T | L2TP_L) ||
		    put_bound_rule(ctx, &f[i], 1))
			return -1;
	return 0;
}

/* udp dport 1701 jump inbound */
int put_inbound_jump(struct batch *ctx)
{
	return put_port_jump(ctx, NFT_CHAIN_INPUT,
			     offsetof(struct udphdr, dest), NFT_CHAIN_INBOUND,
			     "adding the inbound jump rule");
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
int put_sccrp(struct batch *ctx)
{
	const struct nft_cfg *cfg = ctx->cfg;
	struct nftnl_rule *r;
	int err;

	if (put_chain(ctx, NFT_CHAIN_SCCRP, "filter", NF_INET_LOCAL_OUT,
		      NF_IP_PRI_MANGLE + 1, "adding the SCCRP chain"))
		return -1;
	r = rule_new(ctx, NFT_CHAIN_SCCRP);
	err = !r ||
		nx_l2tp_ctrl(r, offsetof(struct udphdr, source), cfg->port) ||
		nx_msg_type(r, L2TP_MSG_SCCRP) || nx_counter(r) || nx_queue(r, cfg->queue, ctx->form, 0);
	return rule_put(ctx, r, err, "adding the SCCRP queue rule");
}
