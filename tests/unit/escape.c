// SPDX-License-Identifier: GPL-2.0-or-later
/* Host names from the wire made printable (src/wire/escape.c). */
#include "wire/escape.h"
#include "unit.h"

void test_escape(void)
{
	static const uint8_t all[] = { 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80,
				       0xff, '\\', '"', 'A' };
	char out[64], big[ESCAPE_MAX(sizeof(all))];
	uint8_t worst[15];

	escape(out, sizeof(out), (const uint8_t *)"a\x1b[2J\\\n", 7);
	CHECK("escape", !strcmp(out, "a\\x1b[2J\\x5c\\x0a"));
	escape(out, sizeof(out), (const uint8_t *)"a\"b", 3);
	CHECK("escape a double quote", !strcmp(out, "a\\x22b"));
	escape(big, sizeof(big), all, sizeof(all));
	CHECK("escape: space and tilde stay, the rest in hex, a NUL too",
	      !strcmp(big, "\\x00\\x1f ~\\x7f\\x80\\xff\\x5c\\x22A"));
	memset(out, 'z', sizeof(out));
	escape(out, sizeof(out), all, 0);
	CHECK("escape: nothing, an empty string", out[0] == 0);

	memset(worst, 0xff, sizeof(worst));
	memset(out, 'z', sizeof(out));
	escape(out, ESCAPE_MAX(sizeof(worst)), worst, sizeof(worst));
	CHECK("escape: ESCAPE_MAX holds the worst case whole",
	      strlen(out) == 4 * sizeof(worst) && !strstr(out, "..."));

	escape(out, 8, (const uint8_t *)"abcdefghij", 10);
	CHECK("escape cut", !strcmp(out, "abcd..."));
	escape(out, 10, (const uint8_t *)"ab\x01\x02", 4);
	CHECK("escape: a cut never splits an escape",
	      !strcmp(out, "ab\\x01..."));
	escape(out, 8, (const uint8_t *)"abc", 3);
	CHECK("escape: what fits with room to spare is not cut",
	      !strcmp(out, "abc"));
	escape(out, 8, (const uint8_t *)"abcdefg", 7);
	CHECK("escape: what fits exactly is not cut", !strcmp(out, "abcdefg"));
	escape(out, 4, (const uint8_t *)"abc", 3);
	CHECK("escape: three in four bytes, whole", !strcmp(out, "abc"));
	escape(out, 9, (const uint8_t *)"ab\x01", 3);
	CHECK("escape: an escape that fits exactly", !strcmp(out, "ab\\x01"));
	escape(out, 4, (const uint8_t *)"abcdef", 6);
	CHECK("escape: four bytes hold only the dots", !strcmp(out, "..."));
	memset(out, 'z', sizeof(out));
	escape(out, 3, (const uint8_t *)"abcdef", 6);
	CHECK("escape: three hold nothing, still terminated", out[0] == 0);
	memset(out, 'z', sizeof(out));
	escape(out, 1, (const uint8_t *)"a", 1);
	CHECK("escape: one byte, the NUL", out[0] == 0 && out[1] == 'z');
	memset(out, 'z', sizeof(out));
	escape(out, 0, (const uint8_t *)"a", 1);
	CHECK("escape: no room, nothing written", out[0] == 'z');
}
