// SPDX-License-Identifier: GPL-2.0-or-later
/* Host names from the wire, made safe to print.  Pure. */
#include <string.h>

#include "wire/escape.h"

void escape(char *dst, size_t size, const uint8_t *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!size)
		return;
	for (i = 0; i < n; i++) {
		uint8_t c = src[i];
		int plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '"';

		/* keep room for "..." and the NUL */
		if (o + (plain ? 1 : 4) + 4 > size) {
			if (o + 4 <= size) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}
