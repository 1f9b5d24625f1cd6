/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_TMAP_H
#define L2TP_NFQD_TMAP_H

#include "base/report.h"
#include "nft/nft.h"
#include "tunnel/tunnels.h"

/*
 * The kernel side of --tunnel-marks: the elements of the tunnel maps in
 * the daemon's table.  New tunnels' elements are gathered while a batch
 * of queued packets is read and added in one transaction before its
 * verdict, without waiting for an answer (only failures answer, and the
 * kernel has answered by the time the send returns).
 */
struct tmap;

/* Called for each element of tmap_add() the kernel did not take, with
 * its @tag. */
typedef void tmap_failed_fn(void *tag, void *data);

int tmap_open(struct tmap **out, struct nft *nft, tmap_failed_fn *failed,
	      void *data);
/* Gather the elements of a new tunnel (mark; translation if any). */
void tmap_add(struct tmap *m, struct tunnel *t, void *tag);
/* Gather the removal of a tunnel's elements. */
void tmap_del(struct tmap *m, const struct tunnel *t);
/* Gather the elements that bind the L2TP daemon's ID of @t (t->lns_id)
 * to its mark, or (unbind) remove them; @keep_bound: another tunnel
 * takes the ID over. */
void tmap_bind(struct tmap *m, const struct tunnel *t, void *tag);
void tmap_unbind(struct tmap *m, const struct tunnel *t, int keep_bound);
/* A known tunnel again (a retransmitted SCCRQ): keep it live. */
void tmap_refresh(struct tmap *m, struct tunnel *t);
/* Add what was gathered: one transaction, one send. */
void tmap_commit(struct tmap *m);
/* List the kernel's elements into @ts (a sweep, see tunnels.h). */
int tmap_list(struct tmap *m, struct tunnels *ts);
void tmap_log_stats(const struct tmap *m);
/* The same numbers, labelled; nothing for NULL. */
void tmap_report(const struct tmap *m, report_fn *fn, void *arg);
void tmap_close(struct tmap *m);

#endif
