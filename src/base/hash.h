/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_HASH_H
#define L2TP_NFQD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * What the hash tables share (htab.c, the tunnel table, the status
 * view): FNV-1a, a byte at a time or a whole value at once, and the
 * length of an address of a family.  Pure.
 */
#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

static inline uint32_t fnv_bytes(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

static inline uint32_t fnv_word(uint32_t h, uint32_t v)
{
	return (h ^ v) * FNV_PRIME;
}

/* the bytes of an IPv4 or IPv6 address */
static inline size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

#endif
