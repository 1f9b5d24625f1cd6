/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NFT_SCHEMA_H
#define L2TP_NFQD_NFT_SCHEMA_H

/*
 * The daemon's table as data: its names, its configuration, the tunnel
 * sets of --tunnel-marks, the SA maps of --sa-marks and their changes,
 * and what a table kept from before holds.  The pure builders, the
 * runtime modules and the tests all read the table's shape from here
 * (nft_schema.c holds the tunnel sets' table); nothing here opens a
 * socket.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/netfilter.h>

#define NFT_FAMILY		NFPROTO_INET
#define NFT_DEFAULT_TABLE	"l2tp-nfqd"
#define NFT_DEFAULT_PRIORITY	(-150 + 10)	/* mangle + 10 */
#define NFT_CHAIN_INPUT		"input"
#define NFT_CHAIN_OUTPUT	"output"
#define NFT_CHAIN_TUNNELS	"tunnels"	/* jumped to from output */
#define NFT_CHAIN_INBOUND	"inbound"	/* jumped to from input */
#define NFT_CHAIN_SCCRP		"sccrp"		/* the L2TP daemon's SCCRPs */
#define NFT_TABLE_NAME_MAX	255
/* --require-ipsec: the guard table is named after the table */
#define NFT_GUARD_SUFFIX	"-guard"

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

enum nft_queue_form {
	NFT_QUEUE_NATIVE,	/* the nft queue expression (nft_queue) */
	NFT_QUEUE_COMPAT,	/* xt NFQUEUE through nft_compat */
};

/* The guard table's name (NFT_TABLE_NAME_MAX + the suffix). */
void nft_guard_name(char *buf, size_t size, const char *table);

/*
 * The sets of --tunnel-marks, per address family, all keyed (peer
 * address . Tunnel ID) as the output rules load it:
 *   tunnels: -> the SA's mark;
 *   live:    the tunnels that spoke lately (a timeout, refreshed by the
 *            L2TP daemon's control messages: hellos every 60 s);
 *   xlate:   -> the peer's own Tunnel ID, for translated tunnels;
 *   fresh:   the tunnels whose data refreshed them lately (a quarter of
 *            the timeout): the other data packets need no write;
 *   lns:     -> the L2TP daemon's own ID for the tunnel (from its SCCRP);
 * and, keyed (peer address . the L2TP daemon's ID) as the input rules
 * load it from what the peer sends:
 *   own:     . mark: the SA the tunnel belongs to;
 *   bound:   the tunnels that belong to some SA.
 */
enum tunnel_set { TS_TUNNELS, TS_LIVE, TS_XLATE, TS_FRESH, TS_LNS, TS_OWN,
		  TS_BOUND, TS_MAX };

struct tunnel_family {
	const char *name[TS_MAX];	/* "tunnels4", ... */
	uint32_t id[TS_MAX];		/* set IDs within the batch */
	const char *daddr, *saddr;	/* nft's names: "ip daddr" */
	uint32_t addr_off, addr_len;	/* daddr in the network header */
	uint32_t saddr_off;
	uint32_t tid_reg;		/* where nft loads the Tunnel ID */
	uint32_t mark_reg;		/* and the mark, after it */
};

extern const struct tunnel_family tunnel_families[2];	/* IPv4, IPv6 */

/* The live set's refresh: the fresh sets time out after a quarter of the
 * tunnel timeout (at least a second), and the daemon writes a tunnel's
 * liveness again only after as long. */
#define NFT_FRESH_DIV		4
uint64_t nft_fresh_ms(const struct nft_cfg *cfg);

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

/*
 * A table kept from before (a restart): the install keeps it and its
 * sets' elements and replaces its chains, whatever they are; the chains
 * per mark of --sa-marks are xfrm.c's to replace, so the one listing of
 * the table's chains hands them over in @sa.
 */
#define NFT_ADOPT_CHAINS	16
struct nft_adopt {
	int adopt;
	unsigned int n;
	char chains[NFT_ADOPT_CHAINS][64];
	unsigned int nsa;
	struct nft_sa_chain {
		uint32_t mark, mask;
	} *sa;
};

/* Sort a listed chain of the table into @a; -ENOMEM. */
int nft_adopt_chain(struct nft_adopt *a, const char *name, int base);
void nft_adopt_free(struct nft_adopt *a);

#endif
