/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XFRM_H
#define L2TP_NFQD_XFRM_H

/*
 * --sa-marks: the kernel's IPsec policies and SAs (XFRM netlink) turned
 * into the marks of the daemon's table.  Libreswan's mark=-1 puts a mark
 * on each connection instance's policies but none on its SAs nor on the
 * packets they decrypt; strongSwan's ipsec.conf mark=%unique without the
 * connmark plugin does the same, except that its outbound SA carries the
 * mark.  An inbound SA may carry one too (swanctl's mark_in_sa = yes,
 * strongSwan before 5.5.2).  So:
 *   reqid -> mark       from inbound transport-mode policies with a mark,
 *                       stamped on packets the SA decrypted;
 *   (peer, port, SPI) -> mark  from transport-mode ESP SAs with a mark,
 *                       stamped on their ESP(-in-UDP) packets, before
 *                       decryption, so that the kernel finds the SA.
 * Key material never leaves the receive buffer, which is wiped.
 *
 * This is the runtime (xfrm.c: sockets, dumps, the table's socket); the
 * pure parts have their own headers: xfrm_parse.h reads the messages,
 * xfrm_db.h works out the maps.
 */
#include "base/report.h"

struct xfrm;
struct nft;
struct nft_adopt;

/*
 * xfrm_open - dump the policies and SAs, subscribe to their changes and
 * fill the table's SA maps, replacing the chains per mark @kept from
 * before (NULL: none).  Returns 0 or -errno (logged).
 */
int xfrm_open(struct xfrm **out, struct nft *nft,
	      const struct nft_adopt *kept);
/* The event socket to poll for reading; -1 for NULL. */
int xfrm_fd(const struct xfrm *x);
/* Read the events; lost ones (ENOBUFS) mean a full dump again. */
void xfrm_dispatch(struct xfrm *x);
void xfrm_log_stats(const struct xfrm *x);
/* The same numbers, labelled (base/report.h); nothing for NULL. */
void xfrm_report(const struct xfrm *x, report_fn *fn, void *arg);
void xfrm_close(struct xfrm *x);

#endif
