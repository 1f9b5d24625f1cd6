/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XLATE_H
#define L2TP_NFQD_XLATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/report.h"
#include "wire/l2tp.h"
#include "wire/pkt.h"

struct nft;
struct tunnel;
struct xlate;

/* New tunnels whose elements are not committed yet: at most a batch's
 * SCCRQs, as each batch of queued packets ends with a commit (the
 * handler checks that two batches fit); more commit early. */
#define XLATE_UNCOMMITTED	128

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

/*
 * Each function below works on one queued packet, of which it takes the
 * datagram @u (rewritten in place through pkt_udp_write16() when the
 * tunnel is translated) and, where elements are gathered for it, @drop:
 * the packet's drop flag, which the next xlate_commit() sets when the
 * kernel refuses them; it must live until then.  @mark: the SA's, as the
 * handler chose it.
 */

/*
 * xlate_sccrq - give the tunnel that the SCCRQ @m opens with the peer's
 * Assigned Tunnel ID (m->assigned) its ID and map elements, translated
 * (the packet rewritten at m->assigned.off) when another SA's tunnel
 * holds the peer's own; a new tunnel keeps the peer's port, the time
 * and m->hostname for the control socket.  Returns the ID the L2TP
 * daemon sees, or -XR_* (counted, said): the packet is to be dropped.
 */
int xlate_sccrq(struct xlate *x, struct pkt_udp *u,
		const struct l2tp_ctrl *m, uint32_t mark, int *drop);
/* A StopCCN from a peer (@tid: its Assigned Tunnel ID) names the tunnel
 * by the peer's own ID: the ID the L2TP daemon knows is written there.
 * 0, or -XR_NOT_WHOLE. */
int xlate_stopccn(struct xlate *x, struct pkt_udp *u,
		  const struct l2tp_tid *tid, uint32_t mark);
/*
 * The L2TP daemon's SCCRP, queued on its way out with the tunnel's
 * @mark: @peer_id (its header) is the peer's own ID, @lns_id (its
 * Assigned Tunnel ID) the daemon's.  Binds @lns_id to the tunnel's SA,
 * so that only that SA may send on it; the binding goes at the next
 * xlate_commit() (the L2TP daemon sends the SCCRP again if it fails).
 * A new SCCRP for an ID another tunnel of the peer held replaces that
 * binding.
 */
void xlate_sccrp(struct xlate *x, const struct pkt_udp *u, uint16_t peer_id,
		 uint16_t lns_id, uint32_t mark, int *drop);
/* Before a batch's verdict: add the gathered elements; the packets that
 * wait for elements the kernel refused are dropped, their new tunnels
 * forgotten, their bindings undone. */
void xlate_commit(struct xlate *x);
/* From the poll loop: the sweep, when due. */
void xlate_tick(struct xlate *x);
void xlate_log_stats(const struct xlate *x);
/* The same numbers as xlate_log_stats(), tmap.c's too; nothing for NULL. */
void xlate_report(const struct xlate *x, report_fn *fn, void *arg);
/*
 * xlate_tunnels - @fn for each tunnel from the @first-th on, in an order
 * that holds while no tunnel comes or goes, until @fn returns nonzero.
 * Returns 1 if @fn stopped it, 0 at the end (at once for NULL).
 */
typedef int xlate_tunnel_fn(void *arg, const struct tunnel *t);
int xlate_tunnels(const struct xlate *x, size_t first, xlate_tunnel_fn *fn,
		  void *arg);
void xlate_close(struct xlate *x);

#endif
