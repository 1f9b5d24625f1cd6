/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_HANDLER_H
#define L2TP_NFQD_HANDLER_H

#include <stdint.h>

#include "base/report.h"
#include "packet/queue.h"

struct ct;
struct ipc;
struct xlate;

struct handler_cfg {
	uint32_t mark_mask;
	int format;		/* wire format of the messages */
	int tunnel_marks;	/* bind or drop (xlate.c, once it is set) */
};

struct handler;

/* @ct NULL: no conntrack lookups. */
int handler_open(struct handler **out, const struct handler_cfg *cfg,
		 struct ct *ct, struct ipc *ipc);
/* queue callbacks (struct queue_ops) */
void handler_packet(struct queue_pkt *pkt, void *data);
void handler_pause(void *data);
void handler_before_verdict(void *data);
void handler_after_verdict(void *data);
/* --tunnel-marks: each SCCRQ's tunnel gets its ID and map elements */
void handler_set_xlate(struct handler *h, struct xlate *x);
/* Counters: SCCRQs, where their marks came from, what was rejected. */
void handler_log_stats(const struct handler *h);
/* The same numbers, labelled (base/report.h). */
void handler_report(const struct handler *h, report_fn *fn, void *arg);
void handler_close(struct handler *h);

#endif
