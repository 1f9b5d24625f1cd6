/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_SA_H
#define L2TP_NFQD_NFT_SA_H

#include <stddef.h>
#include <stdint.h>

#include "nft.h"

/*
 * The table's part for --sa-marks (nft_sa.c), all in the chain
 * "prerouting" (priority mangle + 5):
 *   ipsec in reqid vmap @sa_reqids          reqid : jump sa-mark-<mark>
 *   udp dport 4500 meta mark set ip saddr . udp sport . @th,64,32
 *	map @sa_esp4                          ESP in UDP, by SPI (and v6)
 *   meta mark set ip saddr . esp spi map @sa_espp4      plain ESP (and v6)
 * and one small chain per mark, "sa-mark-00010001" (with a mask that is
 * not all ones: "sa-mark-00010001-ffff0000"), that sets it.  nft 1.0.6
 * cannot load `meta mark set ipsec in reqid map @m`, hence the verdicts.
 */
#define NFT_CHAIN_SA		"prerouting"
#define NFT_SA_PRIORITY		(-150 + 5)	/* mangle + 5 */
#define NFT_SA_REQIDS		"sa_reqids"
#define NFT_SA_ESP4		"sa_esp4"
#define NFT_SA_ESP6		"sa_esp6"
#define NFT_SA_ESPP4		"sa_espp4"
#define NFT_SA_ESPP6		"sa_espp6"
#define NFT_SA_NATT_PORT	4500	/* ESP in UDP (RFC 3948) */
#define NFT_SA_CHAIN_MAX	32
#define NFT_SA_CHAIN_PREFIX	"sa-mark-"

/* A change to the SA maps, as xfrm_db.c works them out. */
enum sa_op_kind {
	SA_CHAIN_ADD,	/* the chain that stamps mark/mask */
	SA_CHAIN_DEL,
	SA_REQID_ADD,	/* reqid : jump to that chain */
	SA_REQID_DEL,
	SA_ESP_ADD,	/* (saddr, sport, spi) : mark; sport 0: plain ESP */
	SA_ESP_DEL,
	SA_SHARED,	/* not for nft: reqid2 is the second to use mark */
	SA_FLUSH,	/* empty every SA map (a table kept from before) */
};

struct sa_op {
	enum sa_op_kind kind;
	uint32_t mark, mask;
	uint32_t reqid, reqid2;
	uint16_t family;	/* SA_ESP_*: AF_INET, AF_INET6 */
	uint16_t sport;		/* host order */
	uint32_t spi;		/* host order */
	uint8_t saddr[16];	/* network order */
};

/* The name of the chain that stamps @mark/@mask (NFT_SA_CHAIN_MAX). */
void nft_sa_chain_name(char *buf, size_t size, uint32_t mark, uint32_t mask);
/* ... and back: 0, or -EINVAL for a name no such chain has. */
int nft_sa_chain_mark(const char *name, uint32_t *mark, uint32_t *mask);

#define NFT_SA_OPS_BUF(n)	(2 * (512 + (size_t)(n) * 512))

/*
 * The batch that carries out @n operations (SA_SHARED ones are skipped):
 * *@nmsg messages (a chain and its rule are two), numbered from *@first
 * on; none asks for an ACK.  @buf must hold NFT_SA_OPS_BUF(@n) bytes.
 * Returns the length, 0 if it did not fit.  @msgs (2 * @n + 4 entries) gets,
 * for each message, the index of its operation.
 */
size_t nft_build_sa_ops(char *buf, size_t size, const struct nft_cfg *cfg,
			const struct sa_op *ops, unsigned int n,
			uint32_t *seq, uint32_t *first, unsigned int *msgs,
			unsigned int *nmsg);

struct batch;
/* For nft_build.c: the maps and the prerouting chain in the install. */
int put_sa_part(struct batch *ctx);

#endif
