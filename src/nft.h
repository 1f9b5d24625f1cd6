/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_H
#define L2TP_NFQD_NFT_H

#include <stdint.h>
#include <stdio.h>
#include <linux/netfilter.h>

#include "nl.h"

#define NFT_FAMILY		NFPROTO_INET
#define NFT_DEFAULT_TABLE	"l2tp-nfqd"
#define NFT_DEFAULT_PRIORITY	(-150 + 10)	/* mangle + 10 */
#define NFT_CHAIN_INPUT		"input"
#define NFT_CHAIN_OUTPUT	"output"
#define NFT_CHAIN_TUNNELS	"tunnels"	/* jumped to from output */
#define NFT_TABLE_NAME_MAX	255
#define NFT_BATCH_MIN		65536	/* bytes for an install batch */

/* What the daemon's table looks like. */
struct nft_cfg {
	const char *table;
	int priority;
	uint16_t port;
	uint16_t queue;
	int ipsec_check;	/* match only packets that came through IPsec */
	int owner;		/* create the table with the owner flag */
	int connmark;		/* save the mark in conntrack, restore it */
	uint32_t mark_mask;
	int tunnel_marks;	/* (peer . tunnel ID) -> mark maps */
	uint32_t tunnel_timeout;	/* seconds an idle tunnel's mark lives */
	uint32_t tunnel_max;	/* elements per map */
	uint32_t sccrq_rate;	/* per mark and second (0: no limit) */
	int sa_marks;		/* marks from XFRM policies and SAs */
	int fdstore;		/* keep the table across restarts: the
				 * service manager holds its socket */
	int require_ipsec;	/* the guard table (nft_guard.c) */
};

/* A table kept from before (a restart): keep it and its sets' elements,
 * replace its chains, whatever they are. */
#define NFT_ADOPT_CHAINS	16
struct nft_adopt {
	int adopt;
	unsigned int n;
	char chains[NFT_ADOPT_CHAINS][64];
};

#define NFT_MAP_V4		"tunnels4"
#define NFT_MAP_V6		"tunnels6"
/* (peer . ID the L2TP daemon sees) : the peer's own ID, when they differ */
#define NFT_XLATE_V4		"xlate4"
#define NFT_XLATE_V6		"xlate6"
/* the tunnels that spoke lately */
#define NFT_LIVE_V4		"live4"
#define NFT_LIVE_V6		"live6"
/* the tunnels whose data refreshed them lately */
#define NFT_FRESH_V4		"fresh4"
#define NFT_FRESH_V6		"fresh6"
/* (peer . ID the L2TP daemon sees) : the L2TP daemon's own ID for it */
#define NFT_LNS_V4		"lns4"
#define NFT_LNS_V6		"lns6"
/* (peer . the L2TP daemon's ID . mark): the tunnel's own SA */
#define NFT_OWN_V4		"own4"
#define NFT_OWN_V6		"own6"
/* (peer . the L2TP daemon's ID): bound to some SA */
#define NFT_BOUND_V4		"bound4"
#define NFT_BOUND_V6		"bound6"
#define NFT_CHAIN_INBOUND	"inbound"	/* jumped to from input */
#define NFT_CHAIN_SCCRP		"sccrp"		/* the L2TP daemon's SCCRPs */

enum nft_queue_form {
	NFT_QUEUE_NATIVE,	/* the nft queue expression (nft_queue) */
	NFT_QUEUE_COMPAT,	/* xt NFQUEUE through nft_compat */
};

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

/*
 * nft_build_install - the batch that installs the table, replacing a
 * stale one of the same name in the same transaction (add, delete, add),
 * or, with @adopt, taking over a table kept from before.
 * Pure: builds into @buf (at least NFT_BATCH_MIN bytes), returns the
 * batch length or 0 when it does not fit.  @seq is advanced.
 */
size_t nft_build_install(char *buf, size_t size, const struct nft_cfg *cfg,
			 enum nft_queue_form form,
			 const struct nft_adopt *adopt, uint32_t *seq,
			 struct nft_batch_seqs *seqs);

/* The batch that removes the table; @ack gets its ACKed message. */
size_t nft_build_delete(char *buf, size_t size, const char *table,
			uint32_t *seq, uint32_t *ack);

/* One element of a tunnel set (nft_batch.h): (peer . @id) -> mark, or
 * -> the peer's ID, or just alive. */
struct nft_elem {
	int family;
	const void *peer;
	uint16_t id;		/* the ID the L2TP daemon sees */
	int set;		/* TS_TUNNELS (@mark), TS_LIVE, TS_XLATE
				 * (@orig_id), TS_LNS (@orig_id: the L2TP
				 * daemon's ID); TS_OWN, TS_BOUND: @id is the
				 * L2TP daemon's ID (and @mark for TS_OWN) */
	int del;		/* delete it rather than add it */
	uint32_t mark;
	uint16_t orig_id;
	void *tag;		/* the caller's, told back if it fails */
};

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

/* What is there already (nft_scan.c). */
struct nft_table_info {
	int found;
	uint32_t flags, owner;	/* owner: the owning socket's port id */
};
int nft_scan_table(struct mnl_socket *nl, uint32_t *seq, const char *table,
		   struct nft_table_info *ti);
int nft_scan_chains(struct mnl_socket *nl, uint32_t *seq, const char *table,
		    struct nft_adopt *adopt);
/* Warns about rules outside @table that queue to @queue. */
void nft_scan_queue_rules(struct mnl_socket *nl, uint32_t *seq,
			  const char *table, uint16_t queue);

/* The table in `nft -f` syntax, with the native queue statement. */
void nft_print(FILE *f, const struct nft_cfg *cfg);

/* --require-ipsec: the guard table, named after @table (nft_guard.c) */
#define NFT_GUARD_SUFFIX	"-guard"
void nft_guard_name(char *buf, size_t size, const char *table);
size_t nft_guard_build(char *buf, size_t size, const struct nft_cfg *cfg,
		       uint32_t *seq, struct nft_batch_seqs *seqs);
void nft_guard_print(FILE *f, const struct nft_cfg *cfg);
/* Install (replace) the guard table; 0 or -errno (logged). */
int nft_guard_install(const struct nft_cfg *cfg);
/* Log how much cleartext L2TP it dropped. */
void nft_guard_log_stats(const struct nft_cfg *cfg);

struct nft;

/*
 * nft_open - install the table; on failure log why and return -errno.
 * Also warns about rules elsewhere that queue to the same queue.
 */
int nft_open(struct nft **out, const struct nft_cfg *cfg);
/* The fd to watch (fallback mode: nftables events), or -1. */
int nft_fd(const struct nft *n);
/* Events arrived: put the table back if someone removed it. */
void nft_dispatch(struct nft *n);
/* For tmap.c: the socket that owns the table (an owned table takes
 * changes only from it), its sequence numbers, the configuration. */
struct mnl_socket *nft_sock(struct nft *n);
uint32_t *nft_seq(struct nft *n);
const struct nft_cfg *nft_cfg(const struct nft *n);
/* Remove the table (rules go first at exit). */
void nft_close(struct nft *n);

#endif
