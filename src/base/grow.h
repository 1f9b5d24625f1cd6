/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_GROW_H
#define L2TP_NFQD_GROW_H

#include <stdlib.h>

/*
 * grow - room for element @n of an array @p of *@cap elements of @size
 * bytes: @p itself while there is room, else the array reallocated to
 * twice as many (64 at first), *@cap updated; NULL when out of memory
 * (@p is then still valid and unchanged).
 */
static inline void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 64;
	void *q;

	if (n < *cap)
		return p;
	q = realloc(p, c * size);
	if (q)
		*cap = c;
	return q;
}

#endif
