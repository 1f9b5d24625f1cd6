/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the pure code, one file per module.  No root, no kernel.
 * CHECK() counts; main.c prints "unit: N passed, N failed".
 */
#ifndef L2TP_NFQD_UNIT_H
#define L2TP_NFQD_UNIT_H

#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

extern int unit_passed, unit_failed;

#define CHECK(name, cond)						\
	do {								\
		if (cond) {						\
			unit_passed++;					\
		} else {						\
			unit_failed++;					\
			printf("FAIL %s (%s:%d): %s\n", name, __FILE__,	\
			       __LINE__, #cond);			\
		}							\
	} while (0)

void test_l2tp(void);
void test_pkt(void);
void test_msg(void);
void test_escape(void);
void test_ring(void);
void test_ipc(void);
void test_nft_build(void);
void test_nft_sets(void);
void test_nft_tunnel_rules(void);
void test_nft_schema(void);
void test_nft_guard(void);
void test_nft_print(void);
void test_tmap(void);
void test_htab(void);
void test_nl(void);
void test_handler(void);
void test_tunnels(void);
void test_kl2tp(void);
void test_xfrm_parse(void);
void test_xfrm_db(void);
void test_nft_sa(void);
void test_ctl(void);
void test_status_daemon(void);
void test_status_kernel(void);

/* An L2TP control message under construction. */
struct b {
	uint8_t buf[4096];
	size_t n;
};

static inline void put16(struct b *m, uint16_t v)
{
	m->buf[m->n++] = (uint8_t)(v >> 8);
	m->buf[m->n++] = (uint8_t)v;
}

static inline void hdr(struct b *m, uint16_t flags, uint16_t tid, uint16_t sid,
		uint16_t ns, uint16_t nr)
{
	m->n = 0;
	put16(m, flags);
	put16(m, 0);		/* Length, set by fin() */
	put16(m, tid);
	put16(m, sid);
	put16(m, ns);
	put16(m, nr);
}

static inline void avp_raw(struct b *m, uint16_t word, uint16_t vendor, uint16_t type,
		    const void *val, size_t len)
{
	put16(m, word);
	put16(m, vendor);
	put16(m, type);
	if (len)
		memcpy(m->buf + m->n, val, len);
	m->n += len;
}

static inline void avp(struct b *m, uint16_t fl, uint16_t vendor, uint16_t type,
		const void *val, size_t len)
{
	avp_raw(m, (uint16_t)(fl | (6 + len)), vendor, type, val, len);
}

static inline void avp16(struct b *m, uint16_t fl, uint16_t type, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	avp(m, fl, 0, type, x, 2);
}

static inline void avps(struct b *m, const char *s)
{
	avp(m, 0x8000, 0, 7, s, strlen(s));
}

static inline void fin(struct b *m)
{
	m->buf[2] = (uint8_t)(m->n >> 8);
	m->buf[3] = (uint8_t)m->n;
}

#define CTRL	0xc802
#define M	0x8000
#define H	0x4000

/* The usual SCCRQ: Message Type, Host Name, Assigned Tunnel ID. */
static inline void sccrq(struct b *m, uint16_t tid, const char *host)
{
	hdr(m, CTRL, 0, 0, 0, 0);
	avp16(m, M, 0, 1);
	avps(m, host);
	avp16(m, M, 9, tid);
	fin(m);
}

/* An IPv4/UDP packet around an L2TP payload. */
static inline size_t ip4udp(uint8_t *p, const struct b *m, uint16_t sport)
{
	size_t n = 28 + m->n;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = 1701 >> 8;
	p[23] = 1701 & 0xff;
	p[24] = (uint8_t)((n - 20) >> 8);
	p[25] = (uint8_t)(n - 20);
	memcpy(p + 28, m->buf, m->n);
	return n;
}

static inline size_t ip6udp(uint8_t *p, const struct b *m, const uint8_t *ext,
		     size_t extlen, uint8_t first)
{
	size_t plen = extlen + 8 + m->n;

	memset(p, 0, 48);
	p[0] = 0x60;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = first;
	p[7] = 64;
	p[8] = 0x20;
	p[9] = 0x01;
	p[23] = 1;
	p[24] = 0x20;
	p[25] = 0x01;
	p[39] = 2;
	if (extlen)
		memcpy(p + 40, ext, extlen);
	p += 40 + extlen;
	p[0] = 1701 >> 8;
	p[1] = 1701 & 0xff;
	p[2] = 1701 >> 8;
	p[3] = 1701 & 0xff;
	p[4] = (uint8_t)((8 + m->n) >> 8);
	p[5] = (uint8_t)(8 + m->n);
	p[6] = p[7] = 0;
	memcpy(p + 8, m->buf, m->n);
	return 40 + plen;
}

#endif
