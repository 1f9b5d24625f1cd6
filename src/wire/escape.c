// SPDX-License-Identifier: GPL-2.0-or-later
/* Host names from the wire, made safe to print.  Pure. */
#include <string.h>

#include "wire/escape.h"

static int plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
}

static size_t escaped_len(const uint8_t *c, size_t n)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++)
		len += plain(c[i]) ? 1 : 4;
	return len;
}

void escape(char *dst, size_t size, const uint8_t *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int cut;
	size_t o = 0, end, i;

	if (!size)
		return;
	/* all of it if it fits, else what fits before "..." and the NUL */
	cut = escaped_len(src, n) >= size;
	end = !cut ? size - 1 : size >= 4 ? size - 4 : 0;
	for (i = 0; i < n; i++) {
		uint8_t c = src[i];

		if (o + (plain(c) ? 1 : 4) > end)
			break;
		if (plain(c)) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (cut && size >= 4) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}
