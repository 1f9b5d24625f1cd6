/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_H
#define L2TP_NFQD_NFT_H

/*
 * The daemon's table at run time: the one netlink socket that installs
 * it, owns it and writes to it, as nftables' own mnl.c does for nft.
 * tmap.c and xfrm.c build their batches (nft_build.h) and send them
 * here; what the table is made of is nft_schema.h's.
 */
#include <stddef.h>
#include <stdint.h>

#include "base/nl.h"
#include "nft/nft_schema.h"

struct nft;

/*
 * nft_open - install the table; on failure log why and return -errno.
 * Also warns about rules elsewhere that queue to the same queue.  A
 * table kept from before is adopted; @kept (NULL: not wanted) gets what
 * it held that other modules replace: the chains per mark of --sa-marks
 * (free it with nft_adopt_free()).
 */
int nft_open(struct nft **out, const struct nft_cfg *cfg,
	     struct nft_adopt *kept);
/* The fd to watch (fallback mode: nftables events), or -1. */
int nft_fd(const struct nft *n);
/* Events arrived: put the table back if someone removed it. */
void nft_dispatch(struct nft *n);
/* The configuration in force, and the socket's sequence numbers, for
 * building a batch. */
const struct nft_cfg *nft_cfg(const struct nft *n);
uint32_t *nft_seq(struct nft *n);
/*
 * nft_send - send a batch of @nmsg messages without ACKs, numbered from
 * @first on, and collect the failures (the kernel has answered when the
 * send returns): @failed (NULL, or @nmsg entries) gets each message's
 * -errno, or 0.  Returns how many failed, or -errno if it was not sent.
 */
int nft_send(struct nft *n, const void *buf, size_t len, uint32_t first,
	     unsigned int nmsg, int *failed);
/* nft_dump - the table's objects of @type (NFT_MSG_GETCHAIN, ...;
 * NFT_MSG_GETSETELEM: of @set), each to @cb.  0 or -errno. */
int nft_dump(struct nft *n, uint16_t type, const char *set, nl_data_cb cb,
	     void *data);
/* Remove the table (rules go first at exit). */
void nft_close(struct nft *n);

#endif
