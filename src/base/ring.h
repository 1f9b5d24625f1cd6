/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_RING_H
#define L2TP_NFQD_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * A bounded FIFO of variable-length records (up to 65534 bytes each) in
 * one buffer, read in place: the output's backlog.  At most @max records
 * in @cap bytes.  Pure: no system calls but malloc.
 */
struct ring {
	uint8_t *buf;
	size_t cap, head, tail;
	unsigned int count, max;
};

int ring_init(struct ring *r, unsigned int max, size_t cap);
void ring_free(struct ring *r);
/* Copy a record in: 0, or -ENOSPC when @max records or @cap bytes are used. */
int ring_push(struct ring *r, const void *rec, size_t len);
/* Point @iov at up to @n records from the oldest on; returns how many. */
unsigned int ring_peek(const struct ring *r, struct iovec *iov, unsigned int n);
/* Forget the @n oldest records. */
void ring_pop(struct ring *r, unsigned int n);

static inline unsigned int ring_count(const struct ring *r)
{
	return r->count;
}

/* Bytes a record of @len bytes takes: a 4-byte header, 4-byte aligned. */
#define RING_REC_SIZE(len)	((4 + (size_t)(len) + 3) & ~(size_t)3)

#endif
