/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XFRM_DB_H
#define L2TP_NFQD_XFRM_DB_H

/*
 * What --sa-marks' maps must hold (xfrm_db.c, pure): the policies and
 * SAs that xfrm_parse.h reads, turned into
 *   reqid -> mark              (inbound transport-mode marked policies)
 *   (peer, port, SPI) -> mark  (transport-mode marked ESP SAs)
 * and a chain per mark, each element counted.  Each change to the maps
 * comes out through the callback as an operation (nft_schema.h), in an
 * order that one transaction accepts; SA_SHARED says, once per mark,
 * that a second reqid stamps the same mark.  It never emits SA_FLUSH.
 */
#include <stddef.h>
#include <stdint.h>

#include "nft/nft_schema.h"
#include "xfrm/xfrm_parse.h"

struct xfrm_db;
typedef void (*xfrm_db_cb)(void *arg, const struct sa_op *op);

/* An empty database that tells @cb (with @arg) its changes; NULL. */
struct xfrm_db *xfrm_db_new(xfrm_db_cb cb, void *arg);
/* One event or dump reply: 0, or -ENOMEM (the maps may then lag). */
int xfrm_db_apply(struct xfrm_db *db, const struct xfrm_ev *ev);
/* Around a full dump: what it did not show goes. */
void xfrm_db_resync_begin(struct xfrm_db *db);
void xfrm_db_resync_end(struct xfrm_db *db);

struct xfrm_db_counts {
	size_t policies, sas;	/* that stamp a mark */
	size_t reqids, marks, esp;	/* map elements, chains */
	uint64_t conflicts;	/* reqids or ESP keys seen with two marks */
};
void xfrm_db_counts(const struct xfrm_db *db, struct xfrm_db_counts *c);
/* Frees @db, NULL included; it emits nothing. */
void xfrm_db_free(struct xfrm_db *db);

#endif
