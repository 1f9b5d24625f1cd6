/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_BYTES_H
#define L2TP_NFQD_BYTES_H

#include <stdint.h>

/* Network-order fields read and written byte by byte: packets from the
 * wire are not aligned. */
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
