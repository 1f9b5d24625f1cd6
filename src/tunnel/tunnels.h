/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_TUNNELS_H
#define L2TP_NFQD_TUNNELS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#define TUNNEL_HOST_MAX	64	/* host name bytes kept per tunnel */

/*
 * The tunnel IDs the L2TP daemon sees, per peer address: like a NAT owns
 * ports, l2tp-nfqd owns this namespace.  Each tunnel is known by (peer
 * address, ID the daemon sees); it belongs to an IPsec SA (its mark) and
 * has the peer's own ID, which differs when two SAs behind one address
 * chose the same ID.  The port is not part of the key: xl2tpd compares
 * only the address.  Pure: memory only, no kernel.
 */
struct tunnel {
	struct tunnel *next_id, *next_orig, *next_lns;	/* hash chains */
	uint8_t family;
	union l2tp_nfq_addr peer;
	uint16_t id;		/* the ID the L2TP daemon sees */
	uint16_t orig_id;	/* the peer's own Assigned Tunnel ID */
	uint32_t mark;		/* the SA's mark */
	uint32_t sweep;		/* last sweep that found it in the kernel */
	uint32_t live_at;	/* tmap's: when it last wrote its liveness */
	uint16_t lns_id;	/* the L2TP daemon's own ID for it (its
				 * SCCRP), 0 while not known */
	/* what its SCCRQ said, for the control socket (xlate.c fills it
	 * in); a tunnel listed from the kernel's maps has none */
	uint8_t from_sccrq;	/* 1: port, sccrq_at and host are known */
	uint8_t host_len;
	uint16_t port;		/* the peer's UDP port */
	time_t sccrq_at;	/* mono_sec() when it was assigned */
	uint8_t host[TUNNEL_HOST_MAX];	/* its Host Name, raw, cut there */
};

/* How many tunnels one SA (mark) has: its quota. */
struct mark_count {
	struct mark_count *next;
	uint32_t mark;
	unsigned int n;
};

struct tunnels {
	struct tunnel **by_id, **by_orig, **by_lns;
	struct mark_count **by_mark;
	size_t mask;		/* buckets - 1 */
	unsigned int count[2], max;	/* per family: IPv4, IPv6 */
	unsigned int per_mark;	/* tunnels one mark may open, both families */
	uint32_t sweep;		/* the sweep in progress */
	uint32_t rnd;		/* state of the ID picker */
};

/* What tunnels_assign() decided for an SCCRQ. */
struct tunnel_assign {
	struct tunnel *t;
	int is_new;		/* a new tunnel: map elements to add */
	int translated;		/* t->id != t->orig_id */
};

int tunnels_init(struct tunnels *ts, unsigned int max_per_family,
		 unsigned int per_mark);
void tunnels_free(struct tunnels *ts);

/*
 * tunnels_assign - the ID under which the L2TP daemon will know the
 * tunnel that the peer @orig_id opens through the SA @mark.  The same
 * (peer, orig_id, mark) again (a retransmitted SCCRQ) gets the same
 * answer; the peer's own ID when no other SA's tunnel holds it; else a
 * free ID for this peer from L2TP_XLATE_MIN up, unless !@may_translate
 * (then -EEXIST).  0, or -ENOSPC (@max tunnels), -EDQUOT (the mark has
 * its quota of tunnels) or -EADDRINUSE (no free ID found for this peer
 * in a bounded number of tries).  Never evicts a tunnel.
 */
int tunnels_assign(struct tunnels *ts, int family, const void *peer,
		   uint16_t orig_id, uint32_t mark, int may_translate,
		   struct tunnel_assign *out);

/* The tunnel the peer calls @orig_id on the SA @mark, or NULL. */
const struct tunnel *tunnels_find_orig(const struct tunnels *ts, int family,
				       const void *peer, uint16_t orig_id,
				       uint32_t mark);
/*
 * The L2TP daemon's own ID for a tunnel, from its SCCRP: what the peer
 * puts in the header of everything it sends on the tunnel.  One tunnel
 * per (peer, lns_id): tunnels_find_lns() says who holds it; unbind that
 * one first.  @lns_id 0 unbinds.
 */
void tunnels_bind_lns(struct tunnels *ts, struct tunnel *t, uint16_t lns_id);
struct tunnel *tunnels_find_lns(const struct tunnels *ts, int family,
				const void *peer, uint16_t lns_id);

/* Forget @t (its map elements could not be added). */
void tunnels_remove(struct tunnels *ts, struct tunnel *t);

/* The tunnel the L2TP daemon calls @id for @peer, or NULL. */
const struct tunnel *tunnels_find(const struct tunnels *ts, int family,
				  const void *peer, uint16_t id);

/*
 * A sweep: the kernel's map elements expire with their tunnels, so the
 * daemon lists them now and then.  tunnels_sweep_begin(), then
 * tunnels_seen() for each element listed (a tunnel not known yet, e.g.
 * after a restart, is added, over its mark's quota if need be: a
 * binding is never undone), then tunnels_sweep_end() forgets the
 * tunnels that were not listed and were added before the sweep began.
 * Returns how many it forgot.
 */
void tunnels_sweep_begin(struct tunnels *ts);
int tunnels_seen(struct tunnels *ts, int family, const void *peer,
		 uint16_t id, uint16_t orig_id, uint32_t mark);
unsigned int tunnels_sweep_end(struct tunnels *ts);

static inline unsigned int tunnels_count(const struct tunnels *ts, int v6)
{
	return ts->count[v6];
}

/* How many tunnels the SA @mark has. */
unsigned int tunnels_of_mark(const struct tunnels *ts, uint32_t mark);

#endif
