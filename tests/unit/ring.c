// SPDX-License-Identifier: GPL-2.0-or-later
/* The output's backlog (src/base/ring.c): order, limits, wrap-around. */
#include <errno.h>

#include "base/ring.h"
#include "unit.h"

/* Record @i: @len bytes of the value i, so that order and content show. */
static int push(struct ring *r, unsigned int i, size_t len)
{
	uint8_t buf[256];

	memset(buf, (int)i, len);
	return ring_push(r, buf, len);
}

static int rec_is(const struct iovec *v, unsigned int i, size_t len)
{
	const uint8_t *p = v->iov_base;
	size_t k;

	if (v->iov_len != len)
		return 0;
	for (k = 0; k < len; k++)
		if (p[k] != (uint8_t)i)
			return 0;
	return 1;
}

static void test_ring_basic(void)
{
	struct iovec v[8];
	struct ring r;
	unsigned int n;

	CHECK("ring: init", ring_init(&r, 4, 256) == 0 && ring_count(&r) == 0);
	CHECK("ring: empty peek", ring_peek(&r, v, 8) == 0);
	CHECK("ring: push three", !push(&r, 1, 10) && !push(&r, 2, 0) &&
	      !push(&r, 3, 30) && ring_count(&r) == 3);
	n = ring_peek(&r, v, 8);
	CHECK("ring: peek in order, lengths kept", n == 3 &&
	      rec_is(&v[0], 1, 10) && rec_is(&v[1], 2, 0) &&
	      rec_is(&v[2], 3, 30));
	CHECK("ring: peek at most n", ring_peek(&r, v, 2) == 2);
	CHECK("ring: record limit", !push(&r, 4, 1) &&
	      push(&r, 5, 1) == -ENOSPC && ring_count(&r) == 4);
	ring_pop(&r, 2);
	n = ring_peek(&r, v, 8);
	CHECK("ring: pop the oldest", n == 2 && rec_is(&v[0], 3, 30) &&
	      rec_is(&v[1], 4, 1));
	ring_pop(&r, 9);
	CHECK("ring: pop past the end empties", ring_count(&r) == 0 &&
	      r.head == 0 && r.tail == 0);
	CHECK("ring: record larger than the ring", push(&r, 6, 253) == -ENOSPC);
	ring_free(&r);
}

/* Records of varied sizes through a small ring, many times around. */
static void test_ring_wrap(void)
{
	unsigned int next_in = 0, next_out = 0, n, k, bad = 0, wraps = 0;
	struct iovec v[16];
	struct ring r;
	size_t last_tail = 0;

	ring_init(&r, 16, 200);
	while (next_out < 500) {
		/* fill until full */
		while (!push(&r, next_in, next_in % 37))
			next_in++;
		if (r.tail < last_tail)
			wraps++;
		last_tail = r.tail;
		/* take one to three */
		n = ring_peek(&r, v, 1 + next_out % 3);
		for (k = 0; k < n; k++)
			bad += !rec_is(&v[k], next_out + k, (next_out + k) % 37);
		ring_pop(&r, n);
		next_out += n;
	}
	CHECK("ring: 500 records in order through wrap-arounds",
	      !bad && wraps > 10);
	CHECK("ring: full is never empty", ring_count(&r) == next_in - next_out);
	n = ring_peek(&r, v, 16);
	for (k = 0; k < n; k++)
		bad += !rec_is(&v[k], next_out + k, (next_out + k) % 37);
	CHECK("ring: what is left reads back", !bad && n == ring_count(&r));
	ring_free(&r);
}

void test_ring(void)
{
	test_ring_basic();
	test_ring_wrap();
}
