/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_STATUS_VIEW_H
#define L2TP_NFQD_STATUS_VIEW_H

/*
 * What `l2tp-nfqd status` shows: the tunnels, each with its SA, and the
 * daemon's counters.  Filled from two sources: the running daemon (its
 * control socket: status/daemon.c) and the kernel (the table's maps,
 * XFRM, kernel L2TP: status/kernel.c); status.c merges and prints.
 */
#include <stddef.h>
#include <stdint.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "wire/escape.h"

#define ST_HOST_MAX	64		/* host name bytes kept per tunnel */
#define ST_UNKNOWN	(-1L)

/* The IPsec SA behind a mark (XFRM). */
struct st_sa {
	int found;
	uint32_t reqid;
	uint32_t spi_in, spi_out;	/* host order; 0: not found */
};

struct st_tunnel {
	int family;			/* AF_INET, AF_INET6 */
	union l2tp_nfq_addr peer;
	uint16_t id;			/* the ID the L2TP daemon sees */
	uint16_t orig_id;		/* the client's own (differs if
					 * translated) */
	uint16_t lns_id;		/* the L2TP daemon's own, 0: unknown */
	uint32_t mark;
	long port;			/* the client's UDP port, ST_UNKNOWN */
	long age;			/* seconds since its SCCRQ, ST_UNKNOWN */
	long idle;			/* seconds since it last spoke (the
					 * live set), ST_UNKNOWN */
	char host[ESCAPE_MAX(ST_HOST_MAX)];	/* escaped; "" unknown */
	struct st_sa sa;
	char ppp[16];			/* kernel PPP interface, "" none */
	unsigned int sources;		/* ST_FROM_* that listed it */
};

#define ST_FROM_DAEMON	1u
#define ST_FROM_KERNEL	2u

/* One counter or gauge: name (Prometheus style, without the prefix),
 * labels ("" or `reason="quota"`), value. */
struct st_counter {
	char name[64];
	char labels[96];
	uint64_t value;
};

struct st_option {
	char name[32];
	char value[96];
};

struct st_view {
	char table[256];
	/* from the daemon; from_daemon 0: it did not answer */
	int from_daemon;
	char version[32];
	long pid, uptime;
	struct st_option *opts;
	size_t nopts, opts_cap;
	struct st_counter *counters;
	size_t ncounters, counters_cap;
	/* from the kernel */
	int table_found;
	/* both */
	struct st_tunnel *t;
	size_t n, cap;
	size_t *bucket, *next;		/* index by (family, peer, id) */
	size_t nbuckets;		/* a power of two, or 0 */
};

/* view.c: growing arrays; each returns NULL / -ENOMEM when out of memory. */
struct st_tunnel *st_tunnel_find(struct st_view *v, int family,
				 const void *peer, uint16_t id);
/* The tunnel (family, peer, id), added (zeroed, unknowns set) if new. */
struct st_tunnel *st_tunnel_get(struct st_view *v, int family,
				const void *peer, uint16_t id);
int st_counter_add(struct st_view *v, const char *name, const char *labels,
		   uint64_t value);
int st_option_add(struct st_view *v, const char *name, const char *value);
void st_view_free(struct st_view *v);

#endif
