/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_CT_H
#define L2TP_NFQD_CT_H

#include <stdint.h>

#include "wire/pkt.h"

struct ct;

/* 0, or -errno (logged). */
int ct_open(struct ct **out);
/*
 * ct_lookup_mark - the conntrack mark of the flow that @udp belongs to.
 * Returns 0 and sets @mark, -ENOENT when conntrack has no entry (yet), or
 * another -errno.
 */
int ct_lookup_mark(struct ct *ct, const struct pkt_udp *udp, uint32_t *mark);
void ct_close(struct ct *ct);

#endif
