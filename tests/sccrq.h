/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: build an SCCRQ as L2TP clients send it (Message Type,
 * Protocol Version, Host Name, Assigned Tunnel ID).  Shared by nettool
 * and the benchmark sender.
 */
#ifndef L2TP_NFQD_TESTS_SCCRQ_H
#define L2TP_NFQD_TESTS_SCCRQ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t sccrq_put16(uint8_t *p, size_t n, unsigned int v)
{
	p[n] = (uint8_t)(v >> 8);
	p[n + 1] = (uint8_t)v;
	return n + 2;
}

static inline size_t sccrq_avp(uint8_t *p, size_t n, unsigned int type,
			       const void *v, size_t len)
{
	n = sccrq_put16(p, n, 0x8000 | (unsigned int)(6 + len));
	n = sccrq_put16(p, n, 0);
	n = sccrq_put16(p, n, type);
	memcpy(p + n, v, len);
	return n + len;
}

/* Returns the message's length; @p needs 42 + strlen(@host) bytes. */
static inline size_t sccrq_build(uint8_t *p, unsigned int tid,
				 const char *host)
{
	uint8_t v[2];
	size_t n = 0;
	int i;

	n = sccrq_put16(p, n, 0xc802);	/* T, L, S, version 2 */
	for (i = 0; i < 5; i++)		/* Length, tunnel, session, Ns, Nr */
		n = sccrq_put16(p, n, 0);
	sccrq_put16(v, 0, 1);
	n = sccrq_avp(p, n, 0, v, 2);	/* Message Type: SCCRQ */
	sccrq_put16(v, 0, 0x100);
	n = sccrq_avp(p, n, 2, v, 2);	/* Protocol Version 1.0 */
	n = sccrq_avp(p, n, 7, host, strlen(host));
	sccrq_put16(v, 0, tid);
	n = sccrq_avp(p, n, 9, v, 2);	/* Assigned Tunnel ID */
	sccrq_put16(p, 2, (unsigned int)n);
	return n;
}

#endif
