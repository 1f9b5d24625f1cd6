/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_BUILD_H
#define L2TP_NFQD_NFT_BUILD_H

/*
 * The table as netlink batches and as text: pure functions of the
 * configuration (nft_schema.h) into a caller's buffer.  nft.c sends the
 * install and the removal, tmap.c the tunnel sets' elements, xfrm.c the
 * SA maps' changes, nft_guard.c the guard table; --print-rules prints.
 */
#include <stdint.h>
#include <stdio.h>

#include "nft/nft_schema.h"

#define NFT_BATCH_MIN		65536	/* bytes for an install batch */

/* Sequence numbers of the messages of an install batch. */
#define NFT_BATCH_MSGS	16
struct nft_batch_seqs {
	uint32_t first, last;	/* every message with an ACK */
	uint32_t table;		/* the table that is kept */
	uint32_t queue_rule;
	unsigned int n;
	struct {
		uint32_t seq;
		const char *what;	/* "adding the input chain" */
	} msg[NFT_BATCH_MSGS];
};

/* What message @seq of a batch did, for an error message. */
const char *nft_batch_what(const struct nft_batch_seqs *s, uint32_t seq);

/*
 * nft_build_install - the batch that installs the table, replacing a
 * stale one of the same name in the same transaction (add, delete, add),
 * or, with @adopt, taking over a table kept from before.
 * Builds into @buf (at least NFT_BATCH_MIN bytes), returns the batch
 * length or 0 when it does not fit.  @seq is advanced.
 */
size_t nft_build_install(char *buf, size_t size, const struct nft_cfg *cfg,
			 enum nft_queue_form form,
			 const struct nft_adopt *adopt, uint32_t *seq,
			 struct nft_batch_seqs *seqs);

/* The batch that removes the table; @ack gets its ACKed message. */
size_t nft_build_delete(char *buf, size_t size, const char *table,
			uint32_t *seq, uint32_t *ack);

/* One element of a tunnel set: (peer . @id) -> mark, or -> the peer's
 * ID, or just alive. */
struct nft_elem {
	int family;
	const void *peer;
	uint16_t id;		/* the ID the L2TP daemon sees */
	enum tunnel_set set;	/* TS_TUNNELS (@mark), TS_LIVE, TS_XLATE
				 * (@orig_id), TS_LNS (@orig_id: the L2TP
				 * daemon's ID); TS_OWN, TS_BOUND: @id is the
				 * L2TP daemon's ID (and @mark for TS_OWN) */
	int del;		/* delete it rather than add it */
	uint32_t mark;
	uint16_t orig_id;
	void *tag;		/* the caller's, told back if it fails */
};

/* One element of a tunnel set as the kernel lists it: (peer . ID) and
 * what it holds. */
struct nft_elem_read {
	int family;			/* AF_INET, AF_INET6 */
	uint8_t peer[16];		/* network order, zero-padded */
	uint16_t id;
	uint32_t data;			/* tunnels: the mark (as the kernel
					 * holds it); xlate, lns: an ID */
	int has_timeout, has_expiration;
	uint64_t timeout, expiration;	/* ms */
};

/*
 * nft_elem_read - one listed element of set @set (TS_TUNNELS, TS_XLATE,
 * TS_LNS, TS_LIVE) of @family: its key must be the address and a 16-bit
 * ID (each padded to 4 bytes, as the kernel keeps concatenations), its
 * data 4 bytes (tunnels) or one ID (xlate, lns), none for live.  0, or
 * -EINVAL for an element of any other shape.  For tmap.c's sweeps and
 * the status alike.
 */
struct nftnl_set_elem;
int nft_elem_read(struct nftnl_set_elem *e, int family, enum tunnel_set set,
		  struct nft_elem_read *x);

#define NFT_ELEM_BUF(n)	(2 * (512 + (size_t)(n) * 256))

/*
 * The batch that adds (or deletes) @n elements: one message each, or,
 * @grouped, one per run of elements of the same set and operation (far
 * cheaper for the kernel, but a failure then names only the run).
 * Messages are numbered from @first on; none asks for an ACK, so only
 * failures answer.  @buf must hold NFT_ELEM_BUF(@n) bytes.  Returns the
 * length, 0 if it did not fit.
 */
size_t nft_build_elems(char *buf, size_t size, const struct nft_cfg *cfg,
		       const struct nft_elem *el, unsigned int n, int grouped,
		       uint32_t *seq, uint32_t *first);

#define NFT_SA_OPS_BUF(n)	(2 * (512 + (size_t)(n) * 512))

/*
 * The batch that carries out @n operations (SA_SHARED ones are skipped):
 * *@nmsg messages (a chain and its rule are two), numbered from *@first
 * on; none asks for an ACK.  @buf must hold NFT_SA_OPS_BUF(@n) bytes.
 * Returns the length, 0 if it did not fit.  @msgs (2 * @n + 4 entries)
 * gets, for each message, the index of its operation.
 */
size_t nft_build_sa_ops(char *buf, size_t size, const struct nft_cfg *cfg,
			const struct sa_op *ops, unsigned int n,
			uint32_t *seq, uint32_t *first, unsigned int *msgs,
			unsigned int *nmsg);

/* The table in `nft -f` syntax, with the native queue statement. */
void nft_print(FILE *f, const struct nft_cfg *cfg);

/* --require-ipsec: the guard table (nft_guard.c). */
size_t nft_guard_build(char *buf, size_t size, const struct nft_cfg *cfg,
		       uint32_t *seq, struct nft_batch_seqs *seqs);
void nft_guard_print(FILE *f, const struct nft_cfg *cfg);

#endif
