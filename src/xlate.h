/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XLATE_H
#define L2TP_NFQD_XLATE_H

#include <stdint.h>

#include "l2tp.h"
#include "pkt.h"
#include "queue.h"

struct nft;
struct xlate;

/*
 * --tunnel-marks: each new tunnel's return-path mark, and the tunnel ID
 * the L2TP daemon sees.  When two SAs behind one address open tunnels
 * with the same ID (Windows and Apple clients count from 1), the second
 * SCCRQ's Assigned Tunnel ID is rewritten to a free ID before the
 * packet is accepted, and the daemon's table writes the peer's own ID
 * back into what the L2TP daemon sends.  The peer's StopCCN, which names
 * the tunnel by the peer's ID, is rewritten too.
 *
 * Bound or dropped: an SCCRQ passes only once its tunnel's elements are
 * in the kernel (translated when it collides); else the handler drops it
 * and the client retransmits.  Nothing here ever evicts a binding.
 *
 * @max: tunnels per family; @per_mark: tunnels one SA may have (0: no
 * limit); @sweep_sec: how often to list the kernel's map elements, which
 * expire with their tunnels.  @translate 0 (--no-translate): a colliding
 * tunnel is refused instead.  0, or -errno (logged).
 */
struct xlate_cfg {
	unsigned int max, per_mark, sweep_sec;
	int translate;
};

int xlate_open(struct xlate **out, struct nft *nft,
	       const struct xlate_cfg *cfg);

/* Why an SCCRQ's tunnel could not be bound: its drop reason. */
enum xlate_refusal {
	XR_NONE,
	XR_TAKEN,		/* ID held by another SA, --no-translate */
	XR_FULL,		/* no room for another tunnel */
	XR_QUOTA,		/* its SA has --tunnels-per-mark tunnels */
	XR_NO_ID,		/* no free ID for its address */
	XR_NOT_WHOLE,		/* needs a rewrite, not copied whole */
	XR_UNCOMMITTED,		/* the kernel refused its elements */
	XR_MAX
};

/* What became of an SCCRQ. */
struct xlate_result {
	uint16_t id;		/* the ID the L2TP daemon sees */
	int translated;
};

/*
 * xlate_sccrq - give the tunnel of this SCCRQ (@s, in @pkt, @u) its ID
 * and its map elements, rewriting the packet if it is translated.  0, or
 * -XR_* (counted): the packet is to be dropped.  A new tunnel's elements
 * go at the next xlate_commit(), which drops @pkt if they fail.
 */
int xlate_sccrq(struct xlate *x, struct queue_pkt *pkt,
		const struct pkt_udp *u, const struct l2tp_sccrq *s,
		uint32_t mark, struct xlate_result *res);
/* A StopCCN from a peer: its Assigned Tunnel ID back to ours.  0, or
 * -XR_NOT_WHOLE. */
int xlate_stopccn(struct xlate *x, struct queue_pkt *pkt,
		  const struct pkt_udp *u, const struct l2tp_stopccn *s,
		  uint32_t mark);
/*
 * The L2TP daemon's SCCRP (@s; queued on its way out, with the tunnel's
 * @mark, the peer's own ID in its header): bind the daemon's ID for the
 * tunnel to the tunnel's SA, so that only that SA may send on it.  The
 * binding goes at the next xlate_commit(), which drops @pkt if it fails
 * (the L2TP daemon sends it again).  A new SCCRP for an ID another
 * tunnel of the peer held replaces that binding.
 */
void xlate_sccrp(struct xlate *x, struct queue_pkt *pkt,
		 const struct pkt_udp *u, const struct l2tp_stopccn *s,
		 uint32_t mark);
/* Before a batch's verdict: add the gathered elements; the packets of
 * tunnels whose elements failed are dropped and their tunnels forgotten. */
void xlate_commit(struct xlate *x);
/* From the poll loop: the sweep, when due. */
void xlate_tick(struct xlate *x);
void xlate_log_stats(const struct xlate *x);
void xlate_close(struct xlate *x);

#endif
