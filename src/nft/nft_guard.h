/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_GUARD_H
#define L2TP_NFQD_NFT_GUARD_H

/* --require-ipsec at run time: the guard table (nft_guard.c) is plain,
 * on a socket of its own, and outlives the daemon. */
#include "nft/nft_schema.h"

/* Install (replace) the guard table; 0 or -errno (logged). */
int nft_guard_install(const struct nft_cfg *cfg);
/* Log how much cleartext L2TP it dropped. */
void nft_guard_log_stats(const struct nft_cfg *cfg);

#endif
