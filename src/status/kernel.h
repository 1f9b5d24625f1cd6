/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_STATUS_KERNEL_H
#define L2TP_NFQD_STATUS_KERNEL_H

/*
 * What the kernel knows, for `l2tp-nfqd status` (kernel.c): the tunnel
 * maps of the daemon's table, its rules' counters, the SAs behind the
 * tunnels' marks, their PPP interfaces.  It works with the daemon
 * running, and without it (a restart gap, a crash: the table stays with
 * --fdstore).  Each function opens its own netlink socket(s) and closes
 * them, prints nothing, and returns 0 or -errno (-EPERM without
 * CAP_NET_ADMIN).  The pure half is kernel_parse.c.
 */
#include "status/view.h"

/*
 * st_read_maps - the tunnel sets of @table, both families: each element
 * of tunnels4/6 (peer . the ID the L2TP daemon sees) -> mark is a tunnel
 * (st_tunnel_get(), its mark, sources |= ST_FROM_KERNEL); xlate4/6 give
 * its orig_id, lns4/6 its lns_id, live4/6 its idle time (seconds since
 * it last spoke: (the element's timeout - its time left) / 1000; the
 * timeout is the set's when the kernel leaves the element's out).
 * v->table_found: 1 if the table exists, else 0 and -ENOENT.  A table
 * without tunnel sets (no --tunnel-marks) has no tunnels: 0.
 */
int st_read_maps(struct st_view *v, const char *table);

/*
 * st_read_nft_counters - the packet counters of @table's rules and of
 * the guard table @guard_table (NULL: none), added with st_counter_add()
 * as follows (a counter is there only if its rule is):
 *
 *   nft_sccrqs_queued_packets_total          input: SCCRQs queued
 *   nft_stopccns_queued_packets_total        input: StopCCNs queued
 *                                            (--tunnel-marks)
 *   nft_sccrps_queued_packets_total          sccrp: the L2TP daemon's
 *                                            SCCRPs queued
 *   nft_dropped_packets_total{reason="cleartext"}  input: SCCRQs that
 *                                            did not come through IPsec
 *   nft_dropped_packets_total{reason="fragment"}   input: IPv6
 *                                            fragments to the L2TP port
 *   nft_dropped_packets_total{reason="rate"}       input: SCCRQs over
 *                                            --sccrq-rate for their mark
 *   nft_dropped_packets_total{reason="other_sa"}   inbound: packets
 *                                            naming a tunnel bound to
 *                                            another SA (all four rules)
 *   nft_guard_dropped_packets_total{direction="in"}   guard table:
 *   nft_guard_dropped_packets_total{direction="out"}  cleartext_in/out
 *
 * A missing guard table gives no guard counters; a missing @table gives
 * -ENOENT (the guard's counters are added first).
 */
int st_read_nft_counters(struct st_view *v, const char *table,
			 const char *guard_table);

/*
 * st_read_xfrm - the SA behind each tunnel's mark (t->sa): from one dump
 * of the XFRM SAs and one of the policies, read without keys (the
 * receive buffer is wiped); kernel_parse.h's stk_sa_match() says how.
 */
int st_read_xfrm(struct st_view *v);

/*
 * st_read_ppp - the PPP interface of each tunnel (t->ppp) from kernel
 * L2TP: the kernel tunnel whose ID is the tunnel's lns_id and whose
 * remote address is its peer, and that tunnel's first session's
 * interface (its L2TP_ATTR_IFNAME, or for PPP sessions, which have none
 * there, /proc/net/pppol2tp's).  No l2tp netlink family (the modules not
 * loaded, a userspace L2TP daemon): 0 and nothing.
 */
int st_read_ppp(struct st_view *v);

#endif
