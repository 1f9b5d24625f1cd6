// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output's backlog: records (u16 length, u16 padding, bytes) one after
 * the other; when one does not fit before the end, a wrap marker sends the
 * reader back to offset 0.  Records are never split, so sendmmsg() reads
 * each message in place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/ring.h"

#define REC_HDR		4
#define REC_WRAP	0xffff	/* "continue at offset 0" */

int ring_init(struct ring *r, unsigned int max, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = malloc(cap);
	if (!r->buf)
		return -ENOMEM;
	r->cap = cap;
	r->max = max;
	return 0;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* The length of the record at @off, or REC_WRAP. */
static uint16_t rec_len(const struct ring *r, size_t off)
{
	uint16_t len;

	if (r->cap - off < REC_HDR)
		return REC_WRAP;
	memcpy(&len, r->buf + off, sizeof(len));
	return len;
}

/* Where the record after the one at @off starts, following a wrap. */
static size_t rec_next(const struct ring *r, size_t off)
{
	off += RING_REC_SIZE(rec_len(r, off));
	/* past the newest record lies nothing written yet */
	if (off == r->tail)
		return off;
	return rec_len(r, off) == REC_WRAP ? 0 : off;
}

/* Where @need bytes can go, or (size_t)-1. */
static size_t reserve(struct ring *r, size_t need)
{
	uint16_t wrap = REC_WRAP;

	if (!r->count)
		return need <= r->cap ? 0 : (size_t)-1;
	if (r->tail > r->head) {
		if (r->cap - r->tail >= need)
			return r->tail;
		/* wrap, keeping tail short of head: full is never empty */
		if (need >= r->head)
			return (size_t)-1;
		if (r->cap - r->tail >= REC_HDR)
			memcpy(r->buf + r->tail, &wrap, sizeof(wrap));
		return 0;
	}
	/* wrapped: the free space lies between tail and head */
	return r->head - r->tail > need ? r->tail : (size_t)-1;
}

int ring_push(struct ring *r, const void *rec, size_t len)
{
	uint16_t len16 = (uint16_t)len;
	size_t off;

	if (len >= REC_WRAP || r->count >= r->max)
		return -ENOSPC;
	off = reserve(r, RING_REC_SIZE(len));
	if (off == (size_t)-1)
		return -ENOSPC;
	memcpy(r->buf + off, &len16, sizeof(len16));
	memcpy(r->buf + off + REC_HDR, rec, len);
	r->tail = off + RING_REC_SIZE(len);
	r->count++;
	return 0;
}

unsigned int ring_peek(const struct ring *r, struct iovec *iov, unsigned int n)
{
	size_t off = r->head;
	unsigned int k;

	for (k = 0; k < n && k < r->count; k++) {
		iov[k].iov_base = r->buf + off + REC_HDR;
		iov[k].iov_len = rec_len(r, off);
		off = rec_next(r, off);
	}
	return k;
}

void ring_pop(struct ring *r, unsigned int n)
{
	while (n-- && r->count) {
		r->head = rec_next(r, r->head);
		r->count--;
	}
	/* empty: start again at offset 0, where the pages are warm */
	if (!r->count)
		r->head = r->tail = 0;
}
