// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pure part of src/base/nl.c: a big-endian u32 attribute found in a run
 * of attributes (the conntrack mark), and the sequence numbers.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "base/nl.h"
#include "unit.h"

/* A run of attributes under construction, as the kernel lays them. */
struct attrs {
	uint8_t buf[256] __attribute__((aligned(4)));
	size_t n;
};

static void put_attr(struct attrs *a, uint16_t type, const void *val,
		     uint16_t len)
{
	struct nlattr *at = (struct nlattr *)(a->buf + a->n);

	at->nla_type = type;
	at->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
	memcpy(a->buf + a->n + MNL_ATTR_HDRLEN, val, len);
	a->n += MNL_ALIGN(MNL_ATTR_HDRLEN + len);
}

static void put_u32be(struct attrs *a, uint16_t type, uint32_t v)
{
	v = htonl(v);
	put_attr(a, type, &v, 4);
}

static void test_attr_u32be(void)
{
	struct attrs a = { .n = 0 };
	uint16_t u16 = 0x1234;
	uint64_t u64 = 0;
	uint32_t v = 0;

	put_attr(&a, 1, &u16, 2);
	put_u32be(&a, 8, 0x00010001);
	put_u32be(&a, 9, 0xdeadbeef);
	CHECK("nl attr: found, in host order",
	      nl_attr_u32be(a.buf, a.n, 8, &v) == 0 && v == 0x00010001);
	CHECK("nl attr: after another u32",
	      nl_attr_u32be(a.buf, a.n, 9, &v) == 0 && v == 0xdeadbeef);
	v = 7;
	CHECK("nl attr: missing, the value left alone",
	      nl_attr_u32be(a.buf, a.n, 3, &v) == -ENOENT && v == 7);
	CHECK("nl attr: a 16-bit one of that type is no u32",
	      nl_attr_u32be(a.buf, a.n, 1, &v) == -ENOENT && v == 7);
	CHECK("nl attr: none in no bytes",
	      nl_attr_u32be(a.buf, 0, 8, &v) == -ENOENT);
	CHECK("nl attr: one cut short is not read",
	      nl_attr_u32be(a.buf, a.n - 2, 9, &v) == -ENOENT && v == 7);

	a.n = 0;
	put_attr(&a, 8, &u64, 8);		/* too long */
	put_u32be(&a, 8, 42);
	put_u32be(&a, 8, 43);
	CHECK("nl attr: a malformed one skipped, the first good one taken",
	      nl_attr_u32be(a.buf, a.n, 8, &v) == 0 && v == 42);

	a.n = 0;
	put_u32be(&a, 8 | NLA_F_NET_BYTEORDER, 0x105);
	CHECK("nl attr: the type without its flag bits",
	      nl_attr_u32be(a.buf, a.n, 8, &v) == 0 && v == 0x105);
}

static void test_seq(void)
{
	uint32_t seq = 5, first;

	CHECK("nl seq: the next", nl_seq(&seq) == 6 && seq == 6);
	seq = 0xffffffff;
	CHECK("nl seq: never 0, which events use", nl_seq(&seq) == 1);
	seq = 0;
	first = nl_seq(&seq);
	CHECK("nl seq: started from somewhere, not 0",
	      first != 0 && nl_seq(&seq) == first + 1);
}

void test_nl(void)
{
	test_attr_u32be();
	test_seq();
}
