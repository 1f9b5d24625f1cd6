/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_QUEUE_H
#define L2TP_NFQD_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "base/report.h"

/*
 * Bytes copied from each queued packet: all of it (the IP length field
 * allows no more).  A packet the daemon acts on or rewrites must be read
 * whole: what a shorter copy cut could hold a second reading of it.
 */
#define QUEUE_COPY_RANGE		0xffff
#define QUEUE_DEFAULT_MAXLEN	32768
#define QUEUE_BATCH		64	/* packets per receive and verdict */
#define QUEUE_SLICE		8	/* packets between pauses in a batch */

/* One queued packet, valid until the batch's verdict. */
struct queue_pkt {
	uint8_t *data;
	size_t caplen;		/* bytes copied */
	size_t len;		/* the packet's real length */
	uint32_t id;
	unsigned int hook;	/* NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, ... */
	uint32_t mark;		/* skb mark, 0 if none */
	int has_ct;		/* the kernel attached its conntrack (NFQA_CT) */
	uint32_t ct_mark;
	int rewritten;		/* set by the handler: @data was changed */
	int drop;		/* set by the handler: drop it */
};

/*
 * What the queue calls: each packet of a batch, and every QUEUE_SLICE
 * packets a pause (for work of earlier batches that should not wait for
 * this one's end), then once before the batch's verdict (the last moment
 * to prepare what its packets will meet), then once after it.  The
 * handler may set a packet's drop flag until its batch's verdict, or
 * rewrite it in place: it is then accepted with its new bytes (a packet
 * not copied whole is dropped instead, when the queue fails closed).
 */
struct queue_ops {
	void (*packet)(struct queue_pkt *pkt, void *data);
	void (*pause)(void *data);
	void (*before_verdict)(void *data);
	void (*after_verdict)(void *data);
};

struct queue_cfg {
	uint16_t num;		/* --queue */
	uint32_t maxlen;	/* --queue-maxlen */
	int fail_closed;	/* --tunnel-marks: no FAIL_OPEN; a packet the
				 * daemon cannot read is dropped */
};

struct queue;

/*
 * queue_open - bind queue @cfg->num and configure it (copy range, maxlen,
 * FAIL_OPEN unless @cfg->fail_closed, CONNTRACK when the kernel has it)
 * in one message.
 * Returns 0 or -errno, having logged why (-EPERM: no CAP_NET_ADMIN, or
 * the queue is bound by another socket).
 */
int queue_open(struct queue **out, const struct queue_cfg *cfg,
	       const struct queue_ops *ops, void *data);
int queue_fd(const struct queue *q);
int queue_has_ct(const struct queue *q);
/* Read what is queued, hand it over, give each packet its verdict: the
 * dropped and rewritten ones one by one, the rest in one batch.  0, or
 * -errno (logged) when the socket is broken for good. */
int queue_dispatch(struct queue *q);
void queue_log_stats(const struct queue *q);
/* The same numbers, labelled (base/report.h). */
void queue_report(const struct queue *q, report_fn *fn, void *arg);
void queue_close(struct queue *q);

#endif
