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
 * @sweep_sec: how often to list the kernel's map elements, which expire
 * with their tunnels.  @translate 0 (--no-translate): a colliding tunnel
 * gets no element instead.  0, or -errno (logged).
 */
int xlate_open(struct xlate **out, struct nft *nft, unsigned int max,
	       unsigned int sweep_sec, int translate);

/* What became of an SCCRQ. */
struct xlate_result {
	uint16_t id;		/* the ID the L2TP daemon sees */
	int translated;
};

/*
 * xlate_sccrq - give the tunnel of this SCCRQ (@s, in @pkt, @u) its ID
 * and its map elements.  With @late (the mark was known only after the
 * verdict) the packet can no longer be changed.  0, or -errno: no
 * element for this tunnel (full, or it needed a rewrite it cannot get).
 */
int xlate_sccrq(struct xlate *x, struct queue_pkt *pkt,
		const struct pkt_udp *u, const struct l2tp_sccrq *s,
		uint32_t mark, int late, struct xlate_result *res);
/* A StopCCN from a peer: its Assigned Tunnel ID back to ours. */
void xlate_stopccn(struct xlate *x, struct queue_pkt *pkt,
		   const struct pkt_udp *u, const struct l2tp_stopccn *s,
		   uint32_t mark);
/* Before a batch's verdict: add the gathered elements. */
void xlate_commit(struct xlate *x);
/* From the poll loop: the sweep, when due. */
void xlate_tick(struct xlate *x);
void xlate_log_stats(const struct xlate *x);
void xlate_close(struct xlate *x);

#endif
