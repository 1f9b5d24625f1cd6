/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_EXPR_H
#define L2TP_NFQD_NFT_EXPR_H

#include <stdint.h>
#include <netinet/udp.h>
#include <libnftnl/rule.h>

#include "nft/nft_schema.h"

/*
 * nftables expressions appended to a rule, as nft itself would build
 * them: loads go to register 1 unless said otherwise.  Each returns 0,
 * or -1 when out of memory (the rule is then dropped whole).  Pure.
 */
int nx_meta(struct nftnl_rule *r, uint32_t key);		/* load */
int nx_meta_set(struct nftnl_rule *r, uint32_t key);		/* from reg 1 */
int nx_meta_to(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
int nx_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset,
	       uint32_t len, uint32_t dreg);
/* the transport header, into register 1 */
int nx_th(struct nftnl_rule *r, uint32_t offset, uint32_t len);
int nx_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);
int nx_eq(struct nftnl_rule *r, const void *data, uint32_t len);
/* register 1 &= @mask */
int nx_and(struct nftnl_rule *r, const void *mask, uint32_t len);
int nx_ct(struct nftnl_rule *r, uint32_t key, int set);
int nx_counter(struct nftnl_rule *r);
/* @dreg / @data_reg 0: a set (membership), not a map */
int nx_lookup(struct nftnl_rule *r, const char *set, uint32_t set_id,
	      uint32_t dreg);
int nx_update(struct nftnl_rule *r, const char *set, uint32_t set_id,
	      uint32_t data_reg);
/* the key in register 1 is not in @set */
int nx_lookup_not(struct nftnl_rule *r, const char *set, uint32_t set_id);
/* NFT_DYNSET_OP_ADD, _UPDATE */
int nx_dynset(struct nftnl_rule *r, uint32_t op, const char *set,
	      uint32_t set_id, uint32_t data_reg);
/* write register 1 into the transport header, the L4 checksum following */
int nx_th_write(struct nftnl_rule *r, uint32_t offset, uint32_t len);
/* @bypass: accept when no program listens (else the kernel drops) */
int nx_queue(struct nftnl_rule *r, uint16_t num, enum nft_queue_form form,
	     int bypass);

int nx_rt(struct nftnl_rule *r, uint32_t key);			/* load */
int nx_verdict(struct nftnl_rule *r, int verdict);	/* accept, drop */
int nx_jump(struct nftnl_rule *r, const char *chain);

/* meta ipsec exists: the packet came through an IPsec SA (a secpath) */
int nx_ipsec_exists(struct nftnl_rule *r);
int nx_ipsec_missing(struct nftnl_rule *r);
int nx_frag_exists(struct nftnl_rule *r);
/* update @set { <reg 1> limit rate over @rate/second burst @burst packets }:
 * true once the key's packets go over the rate */
int nx_limit_over(struct nftnl_rule *r, const char *set, uint32_t set_id,
		  uint32_t rate, uint32_t burst);
/* udp and the UDP port at @offset is @port (host order) */
int nx_udp_port(struct nftnl_rule *r, uint32_t offset, uint16_t port);
/* register 1 &= the mark mask, unless it is all ones */
int nx_mark_mask(struct nftnl_rule *r, uint32_t mask);
/* the same on register @reg */
int nx_mark_mask_reg(struct nftnl_rule *r, uint32_t mask, uint32_t reg);

/* ipsec in reqid|spi|...: the inbound SA's (secpath entry 0) @key */
int nx_xfrm_in(struct nftnl_rule *r, uint32_t key);
/* vmap @set: the verdict that register 1 maps to */
int nx_vmap(struct nftnl_rule *r, const char *set, uint32_t set_id);
/* register 1 = @data */
int nx_imm(struct nftnl_rule *r, const void *data, uint32_t len);
/* register 1 = (register 1 & @mask) ^ @xor, 32 bits in host order */
int nx_mask_xor(struct nftnl_rule *r, uint32_t mask, uint32_t xor);

/* Where the L2TP header's fields sit in the transport header. */
#define TH_L2TP(off)		(sizeof(struct udphdr) + (off))
#define TH_L2TP_FLAGS		TH_L2TP(0)

/* Matches shared by the input and output rules: an L2TPv2 control
 * message to or from the L2TP port (@port_off: where in the UDP
 * header), and its Message Type. */
int nx_l2tp_ctrl(struct nftnl_rule *r, uint32_t port_off, uint16_t port);
int nx_msg_type(struct nftnl_rule *r, uint16_t type);

#endif
