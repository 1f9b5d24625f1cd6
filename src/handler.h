/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_HANDLER_H
#define L2TP_NFQD_HANDLER_H

#include <stdint.h>

#include "msg.h"
#include "queue.h"
#include "reject.h"

struct ct;
struct ipc;
struct nft;

struct handler_cfg {
	uint32_t mark_mask;
	int format;		/* wire format of the messages */
};

struct handler_stats {
	uint64_t sccrq;		/* valid SCCRQs */
	uint64_t forwarded;	/* handed to the output */
	uint64_t no_mark;
	uint64_t unsupported;	/* cannot be said in the chosen format */
	uint64_t by_src[MARK_CT_LOOKUP + 1];
	uint64_t rejected[REJ_MAX];
	uint64_t ct_deferred;	/* looked up again after the verdict */
	uint64_t ct_errors;
};

struct handler;

/* @ct NULL: no conntrack lookups. */
int handler_open(struct handler **out, const struct handler_cfg *cfg,
		 struct ct *ct, struct ipc *ipc);
/* queue callbacks */
void handler_packet(const struct queue_pkt *pkt, void *data);
void handler_after_verdict(void *data);
/* --tunnel-marks: map each forwarded SCCRQ's tunnel to its mark in @nft */
void handler_set_nft(struct handler *h, struct nft *nft);
const struct handler_stats *handler_stats(const struct handler *h);
void handler_close(struct handler *h);

#endif
