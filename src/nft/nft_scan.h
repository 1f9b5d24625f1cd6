/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_SCAN_H
#define L2TP_NFQD_NFT_SCAN_H

/* Reading nftables (nft_scan.c): one query for every object type, and
 * what nft.c looks at before it installs the table. */
#include <stdint.h>

#include "base/nl.h"
#include "nft/nft_schema.h"

/*
 * nft_query - ask for the objects of @type (NFT_MSG_GETTABLE, GETCHAIN,
 * GETRULE, GETSETELEM, GETOBJ) of @table, or of every table of every
 * family (@table NULL); GETSETELEM lists @set; GETTABLE asks for that
 * one table (-ENOENT if there is none), the others dump.  Each object
 * goes to @cb.  0 or -errno.
 */
int nft_query(struct mnl_socket *nl, uint32_t *seq, uint16_t type,
	      const char *table, const char *set, nl_data_cb cb, void *data);

struct nft_table_info {
	int found;
	uint32_t flags, owner;	/* owner: the owning socket's port id */
};
int nft_scan_table(struct mnl_socket *nl, uint32_t *seq, const char *table,
		   struct nft_table_info *ti);
/* The chains of a table kept from before, sorted into @adopt. */
int nft_scan_chains(struct mnl_socket *nl, uint32_t *seq, const char *table,
		    struct nft_adopt *adopt);
/* Warns about rules outside @table that queue to @queue. */
void nft_scan_queue_rules(struct mnl_socket *nl, uint32_t *seq,
			  const char *table, uint16_t queue);

#endif
