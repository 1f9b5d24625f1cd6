// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table's part for --sa-marks (see nft_sa.h): its maps, described
 * as nft 1.0.6 describes them (typeof), its prerouting chain, and the
 * batches that follow the kernel's policies and SAs.  Pure.
 *
 * Why prerouting, and why there: a packet an SA decrypted in transport
 * mode passes PREROUTING again (xfrm4_transport_finish), with its secpath
 * set, before the input hooks and the inbound policy check, which both
 * need the mark; an ESP packet must carry the mark before the input hook
 * hands it to ESP, where the SA is looked up by it.  Priority mangle + 5
 * comes after the mangle table's own rules (iptables' mangle PREROUTING,
 * strongSwan's connmark plugin): for an SA the daemon knows, its mark is
 * the last word.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "nft/nft_batch.h"
#include "nft/nft_expr.h"

#define IPPROTO_ESP_		50

/* the set IDs within an install batch (the tunnel sets use 1-8 and
 * 21-26: nft_schema.c) */
#define ID_REQIDS		11

/* The ESP maps: IPv4, IPv6; in UDP (saddr . sport . SPI), plain. */
static const struct sa_map {
	const char *name;
	uint32_t id;
	int v6, udp;
	uint32_t sport_reg, spi_reg;	/* where nft 1.0.6 loads them */
} sa_maps[4] = {
	{ NFT_SA_ESP4, 12, 0, 1, NFT_REG32_01, NFT_REG32_02 },
	{ NFT_SA_ESP6, 13, 1, 1, NFT_REG_2, NFT_REG32_05 },
	{ NFT_SA_ESPP4, 14, 0, 0, 0, NFT_REG32_01 },
	{ NFT_SA_ESPP6, 15, 1, 0, 0, NFT_REG_2 },
};

static const struct sa_map *esp_map(int family, int udp)
{
	return &sa_maps[(family == AF_INET6) + (udp ? 0 : 2)];
}

/* typeof ipsec in reqid : verdict */
static void ud_reqids(struct nftnl_udata_buf *ud)
{
	/* key reqid, direction in, secpath entry 0 */
	static const uint32_t xfrm[3] = { NFT_XFRM_KEY_REQID, 0, 0 };

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER,
			    UD_BYTEORDER_HOST);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER, 0);
	ud_expr(ud, NFTNL_UDATA_SET_KEY_TYPEOF, UD_EXPR_XFRM, xfrm, 3);
	ud_expr(ud, NFTNL_UDATA_SET_DATA_TYPEOF, UD_EXPR_VERDICT, NULL, 0);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
}

/* typeof ip saddr . udp sport . @th,64,32 : meta mark (or esp spi) */
static void ud_esp(struct nftnl_udata_buf *ud, const struct sa_map *m)
{
	static const uint32_t mark[1] = { NFT_META_MARK };
	struct nftnl_udata *cat[2];

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 0);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER,
			    UD_BYTEORDER_HOST);
	ud_concat_start(ud, NFTNL_UDATA_SET_KEY_TYPEOF, cat);
	ud_payload(ud, 0, m->v6 ? UD_PROTO_IP6 : UD_PROTO_IP,
		   m->v6 ? UD_IP6HDR_SADDR : UD_IPHDR_SADDR, 0, 0);
	if (m->udp) {
		ud_payload(ud, 1, UD_PROTO_UDP, 1, 0, 0);	/* sport */
		ud_payload(ud, 2, 0, 0, 64, 32);
	} else {
		ud_payload(ud, 1, UD_PROTO_ESP, 1, 0, 32);	/* spi */
	}
	ud_concat_end(ud, cat);
	ud_expr(ud, NFTNL_UDATA_SET_DATA_TYPEOF, UD_EXPR_META, mark, 1);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
}

/* One map: @m, or the reqid verdict map when @m is NULL. */
static int put_map(struct batch *ctx, const struct sa_map *m)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	uint32_t alen = m && m->v6 ? 16 : 4, type;
	struct nftnl_set *set;

	if (ud && m)
		ud_esp(ud, m);
	else if (ud)
		ud_reqids(ud);
	set = set_new(ctx, m ? m->name : NFT_SA_REQIDS, m ? m->id : ID_REQIDS,
		      ud);
	if (!set)
		return -1;
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS, NFT_SET_MAP);
	if (m) {
		/* address . [port .] integer, each part 32-bit aligned */
		type = m->v6 ? UD_TYPE_IP6ADDR : UD_TYPE_IPADDR;
		if (m->udp)
			type = type << UD_TYPE_BITS | UD_TYPE_SERVICE;
		type = type << UD_TYPE_BITS | UD_TYPE_INTEGER;
		nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, type);
		nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN,
				  alen + (m->udp ? 8 : 4));
		nftnl_set_set_u32(set, NFTNL_SET_DATA_TYPE, UD_TYPE_MARK);
		nftnl_set_set_u32(set, NFTNL_SET_DATA_LEN, 4);
	} else {
		nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, UD_TYPE_INTEGER);
		nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, 4);
		nftnl_set_set_u32(set, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(set, NFTNL_SET_DATA_LEN, 16);
	}
	return set_put(ctx, set, "adding an SA map");
}

/* ipsec in reqid vmap @sa_reqids */
static int put_reqid_rule(struct batch *ctx)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_SA);
	int err = !r || nx_xfrm_in(r, NFT_XFRM_KEY_REQID) ||
		nx_vmap(r, NFT_SA_REQIDS, ID_REQIDS);

	return rule_put(ctx, r, err, "adding the SA reqid rule");
}

/*
 * udp dport 4500 meta mark set ip saddr . udp sport . @th,64,32 map @m
 * meta mark set ip saddr . esp spi map @m			(plain ESP)
 *
 * In the order nft 1.0.6 puts the tests, so that both list alike.
 */
static int put_esp_rule(struct batch *ctx, const struct sa_map *m)
{
	struct nftnl_rule *r = rule_new(ctx, NFT_CHAIN_SA);
	uint8_t proto = m->v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, esp = IPPROTO_ESP_;
	uint32_t saddr = m->v6 ? offsetof(struct ip6_hdr, ip6_src) :
			 offsetof(struct iphdr, saddr);
	int err = !r ||
		(m->udp && nx_udp_port(r, offsetof(struct udphdr, dest),
				       NFT_SA_NATT_PORT)) ||
		nx_meta(r, NFT_META_NFPROTO) || nx_eq(r, &proto, 1) ||
		(!m->udp && (nx_meta(r, NFT_META_L4PROTO) ||
			     nx_eq(r, &esp, 1))) ||
		nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, saddr,
			   m->v6 ? 16 : 4, NFT_REG_1) ||
		(m->udp && nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER,
				      offsetof(struct udphdr, source), 2,
				      m->sport_reg)) ||
		/* the SPI: after the UDP header, or the ESP header's start */
		nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER,
			   m->udp ? sizeof(struct udphdr) : 0, 4, m->spi_reg) ||
		nx_lookup(r, m->name, m->id, NFT_REG_1) ||
		nx_meta_set(r, NFT_META_MARK);

	return rule_put(ctx, r, err, "adding an SA mark rule");
}

int put_sa_part(struct batch *ctx)
{
	int i;

	if (put_map(ctx, NULL))
		return -1;
	for (i = 0; i < 4; i++)
		if (put_map(ctx, &sa_maps[i]))
			return -1;
	if (put_chain(ctx, NFT_CHAIN_SA, "filter", NF_INET_PRE_ROUTING,
		      NFT_SA_PRIORITY, "adding the prerouting chain") ||
	    put_reqid_rule(ctx))
		return -1;
	for (i = 0; i < 4; i++)
		if (put_esp_rule(ctx, &sa_maps[i]))
			return -1;
	return 0;
}

/* A message of an operation batch: no ACK asked, only failures answer. */
static struct nlmsghdr *op_hdr(struct batch *ctx, uint16_t type,
			       uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(ctx->b), type,
				     NFT_FAMILY, flags, batch_seq(ctx, "SA"));
}

/* chain sa-mark-M { meta mark set M } (and its removal) */
static int put_mark_chain(struct batch *ctx, const struct sa_op *op)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	char name[NFT_SA_CHAIN_MAX];
	int add = op->kind == SA_CHAIN_ADD;

	if (!c)
		return -1;
	nft_sa_chain_name(name, sizeof(name), op->mark, op->mask);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ctx->cfg->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFT_FAMILY);
	nftnl_chain_nlmsg_build_payload(op_hdr(ctx, add ? NFT_MSG_NEWCHAIN :
					       NFT_MSG_DELCHAIN,
					       add ? NLM_F_CREATE : 0), c);
	nftnl_chain_free(c);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* meta mark set M, or with a mask: meta mark set meta mark & ~m | M */
static int put_mark_rule(struct batch *ctx, const struct sa_op *op)
{
	char name[NFT_SA_CHAIN_MAX];
	struct nftnl_rule *r;
	int err;

	nft_sa_chain_name(name, sizeof(name), op->mark, op->mask);
	r = rule_new(ctx, name);
	err = !r || (op->mask == 0xffffffff ?
		     nx_imm(r, &op->mark, sizeof(op->mark)) :
		     nx_meta(r, NFT_META_MARK) ||
		     nx_mask_xor(r, ~op->mask, op->mark)) ||
	      nx_meta_set(r, NFT_META_MARK);
	if (err) {
		nftnl_rule_free(r);
		return -1;
	}
	nftnl_rule_nlmsg_build_payload(op_hdr(ctx, NFT_MSG_NEWRULE,
					      NLM_F_CREATE | NLM_F_APPEND), r);
	nftnl_rule_free(r);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* reqid : jump sa-mark-M, or (saddr . [port .] SPI) : M */
static int put_op_elem(struct batch *ctx, const struct sa_op *op)
{
	const struct sa_map *m = esp_map(op->family, op->sport);
	int add = op->kind == SA_REQID_ADD || op->kind == SA_ESP_ADD;
	int reqid = op->kind == SA_REQID_ADD || op->kind == SA_REQID_DEL;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint32_t alen = m->v6 ? 16 : 4, spi = htonl(op->spi);
	uint16_t port = htons(op->sport);
	char name[NFT_SA_CHAIN_MAX];
	uint8_t key[24] = { 0 };

	if (!set || !e) {
		nftnl_set_free(set);
		nftnl_set_elem_free(e);
		return -1;
	}
	nftnl_set_set_str(set, NFTNL_SET_TABLE, ctx->cfg->table);
	if (reqid) {
		nftnl_set_set_str(set, NFTNL_SET_NAME, NFT_SA_REQIDS);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &op->reqid, 4);
		nft_sa_chain_name(name, sizeof(name), op->mark, op->mask);
		if (add) {
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT,
					       NFT_JUMP);
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, name);
		}
	} else {
		/* the address, [the port in 32 bits,] the SPI as on the wire */
		memcpy(key, op->saddr, alen);
		if (m->udp)
			memcpy(key + alen, &port, 2);
		memcpy(key + alen + (m->udp ? 4 : 0), &spi, 4);
		nftnl_set_set_str(set, NFTNL_SET_NAME, m->name);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key,
				   alen + (m->udp ? 8 : 4));
		if (add)
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &op->mark,
					   4);
	}
	nftnl_set_elem_add(set, e);
	nftnl_set_elems_nlmsg_build_payload(op_hdr(ctx, add ?
		NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
		add ? NLM_F_CREATE : 0), set);
	nftnl_set_free(set);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* Every SA map emptied: DELSETELEM without elements, one per map. */
static int put_flush(struct batch *ctx, unsigned int *msgs, unsigned int *k,
		     unsigned int op)
{
	struct nftnl_set *set;
	int i;

	for (i = -1; i < 4; i++) {
		set = nftnl_set_alloc();
		if (!set)
			return -1;
		nftnl_set_set_str(set, NFTNL_SET_TABLE, ctx->cfg->table);
		nftnl_set_set_str(set, NFTNL_SET_NAME, i < 0 ? NFT_SA_REQIDS :
				  sa_maps[i].name);
		nftnl_set_elems_nlmsg_build_payload(op_hdr(ctx,
						NFT_MSG_DELSETELEM, 0), set);
		nftnl_set_free(set);
		msgs[(*k)++] = op;
		if (!mnl_nlmsg_batch_next(ctx->b))
			return -1;
	}
	return 0;
}

size_t nft_build_sa_ops(char *buf, size_t size, const struct nft_cfg *cfg,
			const struct sa_op *ops, unsigned int n,
			uint32_t *seq, uint32_t *first, unsigned int *msgs,
			unsigned int *nmsg)
{
	struct nft_batch_seqs seqs;
	struct batch ctx = { .cfg = cfg, .seq = seq, .seqs = &seqs };
	unsigned int i, k = 0;
	int err = 0;

	if (batch_start(&ctx, buf, size, NFT_SA_OPS_BUF(n)))
		return 0;
	for (i = 0; i < n && !err; i++) {
		switch (ops[i].kind) {
		case SA_CHAIN_ADD:
			msgs[k++] = i;
			err = put_mark_chain(&ctx, &ops[i]);
			msgs[k++] = i;
			err = err || put_mark_rule(&ctx, &ops[i]);
			break;
		case SA_CHAIN_DEL:
			msgs[k++] = i;
			err = put_mark_chain(&ctx, &ops[i]);
			break;
		case SA_SHARED:
			break;
		case SA_FLUSH:
			err = put_flush(&ctx, msgs, &k, i);
			break;
		default:
			msgs[k++] = i;
			err = put_op_elem(&ctx, &ops[i]);
			break;
		}
	}
	*first = seqs.first;
	*nmsg = k;
	return batch_finish(&ctx, err);
}
