/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_BATCH_H
#define L2TP_NFQD_NFT_BATCH_H

/*
 * The builders' toolkit (nft_batch.c), for the files that build the
 * table's batches: nft_build.c, nft_tunnel_rules.c, nft_sets.c,
 * nft_sa.c and nft_guard.c.  A batch under construction, its tables,
 * chains, rules and sets, and nft's description of set keys; the names
 * and the tunnel sets' schema are nft_schema.h's.
 */
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>

#include "nft/nft_build.h"
#include "nft/nft_schema.h"

/* One batch under construction: every message numbered and named. */
struct batch {
	struct mnl_nlmsg_batch *b;
	const struct nft_cfg *cfg;
	enum nft_queue_form form;
	uint32_t *seq;
	struct nft_batch_seqs *seqs;
};

/* BEGIN in @buf (at least @min bytes); 0 or -1. */
int batch_start(struct batch *ctx, char *buf, size_t size, size_t min);
/* END unless @err; the batch's length, or 0 (@err, or it did not fit). */
size_t batch_finish(struct batch *ctx, int err);
/* The next message's sequence number, recorded with what it does. */
uint32_t batch_seq(struct batch *ctx, const char *what);
/* A message header at the batch's end, asking for an ACK. */
struct nlmsghdr *batch_hdr(struct batch *ctx, uint16_t type, uint16_t flags,
			   const char *what);

/* Tables, chains, rules of ctx->cfg->table. */
#define KEEP_FLAGS	0xffffffffu	/* NEWTABLE without flags */
int put_table(struct batch *ctx, uint16_t type, uint32_t flags,
	      const char *what);
/* @type NULL: a regular chain (no hook), for jumps */
int put_chain(struct batch *ctx, const char *name, const char *type,
	      uint32_t hook, int prio, const char *what);
/* A new rule at the end of @chain; rule_put() puts it in the batch
 * unless building it failed (@err), and frees it. */
struct nftnl_rule *rule_new(struct batch *ctx, const char *chain);
int rule_put(struct batch *ctx, struct nftnl_rule *r, int err,
	     const char *what);

/*
 * Sets: set_new() names a set of ctx->cfg->table, with its ID within the
 * batch and @ud, nft's description of its key and data, which it frees
 * (NULL: out of memory); set_put() puts it in the batch and frees it.
 */
struct nftnl_set;
struct nftnl_udata_buf;
struct nftnl_udata;
struct nftnl_set *set_new(struct batch *ctx, const char *name, uint32_t id,
			  struct nftnl_udata_buf *ud);
int set_put(struct batch *ctx, struct nftnl_set *set, const char *what);

/* nft's numbers for what it stores in a set's user data */
#define UD_TYPE_INTEGER		4	/* datatypes */
#define UD_TYPE_IPADDR		7
#define UD_TYPE_IP6ADDR		8
#define UD_TYPE_SERVICE		13
#define UD_TYPE_MARK		19
#define UD_TYPE_BITS		6	/* concatenated key types */
#define UD_BYTEORDER_HOST	1
#define UD_BYTEORDER_BIG	2
#define UD_EXPR_VERDICT		1	/* expression types */
#define UD_EXPR_PAYLOAD		7
#define UD_EXPR_META		9
#define UD_EXPR_CONCAT		13
#define UD_EXPR_XFRM		27
#define UD_PROTO_ESP		2	/* protocol descriptions */
#define UD_PROTO_UDP		6
#define UD_PROTO_IP		12
#define UD_PROTO_IP6		13
#define UD_IPHDR_SADDR		11	/* their fields */
#define UD_IPHDR_DADDR		12
#define UD_IP6HDR_SADDR		8
#define UD_IP6HDR_DADDR		9

/* An expression of @type with u32 attributes 0.. @n-1 (a verdict has
 * none, but still the empty nest). */
void ud_expr(struct nftnl_udata_buf *ud, uint8_t attr, uint32_t type,
	     const uint32_t *v, int n);
/* A payload expression: a header field (@desc, @type), or a raw one
 * (@desc 0) at @off in the transport header; integers carry @len. */
void ud_payload(struct nftnl_udata_buf *ud, uint8_t attr, uint32_t desc,
		uint32_t type, uint32_t off, uint32_t len);
/* A concatenation: its parts are put between start and end, numbered
 * from 0. */
void ud_concat_start(struct nftnl_udata_buf *ud, uint8_t attr,
		     struct nftnl_udata *nest[2]);
void ud_concat_end(struct nftnl_udata_buf *ud, struct nftnl_udata *nest[2]);

/* The rules of --tunnel-marks (nft_tunnel_rules.c): a family's rules of
 * the tunnels chain, the output chain's jump to it, the sets and the
 * inbound chain, the input chain's jump to it, the SCCRP chain. */
int put_tunnel_rules(struct batch *ctx, const struct tunnel_family *f);
int put_jump_rule(struct batch *ctx);
int put_inbound(struct batch *ctx);
int put_inbound_jump(struct batch *ctx);
int put_sccrp(struct batch *ctx);

/* The sets of one family, declared as nft declares them. */
int put_tunnel_sets(struct batch *ctx, const struct tunnel_family *f);
/* --sa-marks (nft_sa.c): the maps and the prerouting chain. */
int put_sa_part(struct batch *ctx);

#endif
