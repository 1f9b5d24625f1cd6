/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_HANDLER_H
#define L2TP_NFQD_HANDLER_H

#include <stdint.h>

#include "queue.h"

struct ct;
struct ipc;
struct nft;

struct handler_cfg {
	uint32_t mark_mask;
	int format;		/* wire format of the messages */
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
/* Counters: SCCRQs, where their marks came from, what was rejected. */
void handler_log_stats(const struct handler *h);
void handler_close(struct handler *h);

#endif
