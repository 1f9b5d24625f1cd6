/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_ESCAPE_H
#define L2TP_NFQD_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * escape - copy @n bytes from the wire into @dst as printable text, for
 * host names that a remote peer chose: printable ASCII stays, everything
 * else, the backslash and the double quote become \xHH.  Always
 * NUL-terminates; cuts with "..." when @dst is too small.  Pure.
 */
void escape(char *dst, size_t size, const uint8_t *src, size_t n);

/* Escaping @n bytes in full takes 4 bytes per byte and the NUL. */
#define ESCAPE_MAX(n)	(4 * (n) + 4)

#endif
