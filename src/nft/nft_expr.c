// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftables expressions with libnftnl, one small function each, so that
 * the builders' rules read like the nft syntax they stand for; and the
 * two L2TP matches the input and output rules share (a control message,
 * its Message Type).  Pure: builds rule objects, talks to no kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/xfrm.h>
#include <libnftnl/expr.h>

#include "wire/l2tp.h"
#include "nft/nft_expr.h"

static struct nftnl_expr *add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

int nx_meta_to(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = add(r, "meta");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return 0;
}

int nx_meta(struct nftnl_rule *r, uint32_t key)
{
	return nx_meta_to(r, key, NFT_REG_1);
}

int nx_meta_set(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = add(r, "meta");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	return 0;
}

int nx_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset,
	       uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = add(r, "payload");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return 0;
}

int nx_th(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	return nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, offset, len,
			  NFT_REG_1);
}

int nx_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = add(r, "cmp");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

int nx_eq(struct nftnl_rule *r, const void *data, uint32_t len)
{
	return nx_cmp(r, NFT_CMP_EQ, data, len);
}

/* [ bitwise reg R = (reg R & @mask) ^ @xor ] */
static int bitwise(struct nftnl_rule *r, uint32_t reg, const void *mask,
		   const void *xor, uint32_t len)
{
	struct nftnl_expr *e = add(r, "bitwise");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	return 0;
}

int nx_and(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];

	return bitwise(r, NFT_REG_1, mask, zero, len);
}

int nx_ct(struct nftnl_rule *r, uint32_t key, int set)
{
	struct nftnl_expr *e = add(r, "ct");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, set ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_CT_DREG,
			   NFT_REG_1);
	return 0;
}

int nx_counter(struct nftnl_rule *r)
{
	return add(r, "counter") ? 0 : -1;
}

int nx_lookup_not(struct nftnl_rule *r, const char *set, uint32_t set_id)
{
	struct nftnl_expr *e = add(r, "lookup");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	return 0;
}

int nx_lookup(struct nftnl_rule *r, const char *set, uint32_t set_id,
	      uint32_t dreg)
{
	struct nftnl_expr *e = add(r, "lookup");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	if (dreg)	/* a map: the value to register @dreg */
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	return 0;
}

int nx_dynset(struct nftnl_rule *r, uint32_t op, const char *set,
	      uint32_t set_id, uint32_t data_reg)
{
	struct nftnl_expr *e = add(r, "dynset");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, op);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	if (data_reg)	/* a map: the value from register @data_reg */
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, data_reg);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, set_id);
	return 0;
}

int nx_update(struct nftnl_rule *r, const char *set, uint32_t set_id,
	      uint32_t data_reg)
{
	return nx_dynset(r, NFT_DYNSET_OP_UPDATE, set, set_id, data_reg);
}

/* what iptables-nft -j NFQUEUE [--queue-bypass] produces */
static int compat_queue(struct nftnl_rule *r, uint16_t num, int bypass)
{
	struct nftnl_expr *e = add(r, "target");
	struct xt_NFQ_info_v3 *info = calloc(1, sizeof(*info));

	if (!e || !info) {
		free(info);
		return -1;
	}
	info->queuenum = num;
	info->queues_total = 1;
	info->flags = bypass ? NFQ_FLAG_BYPASS : 0;
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	/* libnftnl keeps and frees this buffer */
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, sizeof(*info));
	return 0;
}

int nx_queue(struct nftnl_rule *r, uint16_t num, enum nft_queue_form form,
	     int bypass)
{
	struct nftnl_expr *e;

	if (form == NFT_QUEUE_COMPAT)
		return compat_queue(r, num, bypass);
	e = add(r, "queue");
	if (!e)
		return -1;
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, num);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
			   bypass ? NFT_QUEUE_FLAG_BYPASS : 0);
	return 0;
}

int nx_ipsec_exists(struct nftnl_rule *r)
{
	uint8_t yes = 1;

	return nx_meta(r, NFT_META_SECPATH) || nx_eq(r, &yes, 1);
}

/* exthdr frag exists (an IPv6 Fragment header) */
int nx_frag_exists(struct nftnl_rule *r)
{
	uint8_t v6 = NFPROTO_IPV6, yes = 1;
	struct nftnl_expr *e;

	if (nx_meta(r, NFT_META_NFPROTO) || nx_eq(r, &v6, 1))
		return -1;
	e = add(r, "exthdr");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, NFT_REG_1);
	nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, IPPROTO_FRAGMENT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 0);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_FLAGS, NFT_EXTHDR_F_PRESENT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6);
	return nx_eq(r, &yes, 1);
}

int nx_ipsec_missing(struct nftnl_rule *r)
{
	uint8_t no = 0;

	return nx_meta(r, NFT_META_SECPATH) || nx_eq(r, &no, 1);
}

/* update @set { <reg 1> limit rate over RATE/second burst BURST packets } */
int nx_limit_over(struct nftnl_rule *r, const char *set, uint32_t set_id,
		  uint32_t rate, uint32_t burst)
{
	struct nftnl_expr *e = add(r, "dynset");
	struct nftnl_expr *l = nftnl_expr_alloc("limit");

	if (!e || !l) {
		nftnl_expr_free(l);
		return -1;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, set_id);
	nftnl_expr_set_u64(l, NFTNL_EXPR_LIMIT_RATE, rate);
	nftnl_expr_set_u64(l, NFTNL_EXPR_LIMIT_UNIT, 1);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_BURST, burst);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	/* the dynset owns it from here */
	nftnl_expr_set(e, NFTNL_EXPR_DYNSET_EXPR, l, 0);
	return 0;
}

int nx_udp_port(struct nftnl_rule *r, uint32_t offset, uint16_t port)
{
	uint8_t udp = IPPROTO_UDP;
	uint16_t be = htons(port);

	return nx_meta(r, NFT_META_L4PROTO) || nx_eq(r, &udp, 1) ||
	       nx_th(r, offset, 2) || nx_eq(r, &be, 2);
}

int nx_mark_mask(struct nftnl_rule *r, uint32_t mask)
{
	return nx_mark_mask_reg(r, mask, NFT_REG_1);
}

int nx_mark_mask_reg(struct nftnl_rule *r, uint32_t mask, uint32_t reg)
{
	static const uint32_t zero;

	/* host order in the register, as nft does */
	return mask == 0xffffffff ? 0 :
	       bitwise(r, reg, &mask, &zero, sizeof(mask));
}

int nx_th_write(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = add(r, "payload");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
			   NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	/* the L4 checksum follows the change; a UDP checksum of 0 (none)
	 * stays 0, and one still to be computed is left to the stack */
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE,
			   NFT_PAYLOAD_CSUM_NONE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_FLAGS,
			   NFT_PAYLOAD_L4CSUM_PSEUDOHDR);
	return 0;
}

int nx_xfrm_in(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = add(r, "xfrm");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_XFRM_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_XFRM_KEY, key);
	nftnl_expr_set_u8(e, NFTNL_EXPR_XFRM_DIR, XFRM_POLICY_IN);
	nftnl_expr_set_u32(e, NFTNL_EXPR_XFRM_SPNUM, 0);
	return 0;
}

int nx_vmap(struct nftnl_rule *r, const char *set, uint32_t set_id)
{
	struct nftnl_expr *e = add(r, "lookup");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	return 0;
}

int nx_rt(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = add(r, "rt");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_RT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RT_DREG, NFT_REG_1);
	return 0;
}

int nx_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = add(r, "immediate");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	return 0;
}

int nx_jump(struct nftnl_rule *r, const char *chain)
{
	struct nftnl_expr *e = add(r, "immediate");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return 0;
}

int nx_imm(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr *e = add(r, "immediate");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	return 0;
}

int nx_mask_xor(struct nftnl_rule *r, uint32_t mask, uint32_t xor)
{
	return bitwise(r, NFT_REG_1, &mask, &xor, sizeof(mask));
}

/*
 * udp dport|sport 1701 @th,64,16 & 0xcb0f == 0xc802
 *
 * The flags word of an L2TPv2 control message: T, L, S set, O, P clear,
 * version 2.
 */
int nx_l2tp_ctrl(struct nftnl_rule *r, uint32_t port_off, uint16_t port)
{
	uint16_t mask = htons(L2TP_CTRL_MASK), ctrl = htons(L2TP_CTRL_FLAGS);

	return nx_udp_port(r, port_off, port) ||
	       nx_th(r, TH_L2TP_FLAGS, 2) || nx_and(r, &mask, 2) ||
	       nx_eq(r, &ctrl, 2);
}

/* @th,192,32 TYPE: the Message Type AVP (always the first), its attribute
 * type (0) and value */
int nx_msg_type(struct nftnl_rule *r, uint16_t type)
{
	uint32_t v = htonl(type);

	return nx_th(r, TH_L2TP(L2TP_CTRL_HDR_LEN + 4), 4) || nx_eq(r, &v, 4);
}
