// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the pure code: IP/UDP checks, the SCCRQ parser, message
 * bytes, escaping.  No root, no kernel.  Prints "N passed, N failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "l2tp.h"
#include "log.h"
#include "msg.h"
#include "nft.h"
#include "pkt.h"
#include "reject.h"

static int passed, failed;

#define CHECK(name, cond)						\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s (%s:%d): %s\n", name, __FILE__,	\
			       __LINE__, #cond);			\
		}							\
	} while (0)

/* An L2TP control message under construction. */
struct b {
	uint8_t buf[4096];
	size_t n;
};

static void put16(struct b *m, uint16_t v)
{
	m->buf[m->n++] = (uint8_t)(v >> 8);
	m->buf[m->n++] = (uint8_t)v;
}

static void hdr(struct b *m, uint16_t flags, uint16_t tid, uint16_t sid,
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

static void avp_raw(struct b *m, uint16_t word, uint16_t vendor, uint16_t type,
		    const void *val, size_t len)
{
	put16(m, word);
	put16(m, vendor);
	put16(m, type);
	if (len)
		memcpy(m->buf + m->n, val, len);
	m->n += len;
}

static void avp(struct b *m, uint16_t fl, uint16_t vendor, uint16_t type,
		const void *val, size_t len)
{
	avp_raw(m, (uint16_t)(fl | (6 + len)), vendor, type, val, len);
}

static void avp16(struct b *m, uint16_t fl, uint16_t type, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	avp(m, fl, 0, type, x, 2);
}

static void avps(struct b *m, const char *s)
{
	avp(m, 0x8000, 0, 7, s, strlen(s));
}

static void fin(struct b *m)
{
	m->buf[2] = (uint8_t)(m->n >> 8);
	m->buf[3] = (uint8_t)m->n;
}

#define CTRL	0xc802
#define M	0x8000
#define H	0x4000

/* The usual SCCRQ: Message Type, Host Name, Assigned Tunnel ID. */
static void sccrq(struct b *m, uint16_t tid, const char *host)
{
	hdr(m, CTRL, 0, 0, 0, 0);
	avp16(m, M, 0, 1);
	avps(m, host);
	avp16(m, M, 9, tid);
	fin(m);
}

static int parse(const struct b *m, struct l2tp_sccrq *s)
{
	memset(s, 0, sizeof(*s));
	return l2tp_parse_sccrq(m->buf, m->n, m->n, s);
}

static int host_is(const struct l2tp_sccrq *s, const char *h)
{
	return s->hostname_len == strlen(h) &&
	       !memcmp(s->hostname, h, s->hostname_len);
}

static void test_valid(void)
{
	struct l2tp_sccrq s;
	struct b m;
	uint8_t caps[4] = { 0, 0, 0, 3 }, tb[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	sccrq(&m, 42, "lac1");
	CHECK("minimal", parse(&m, &s) == 0 && s.tunnel_id == 42 &&
	      host_is(&s, "lac1"));

	/* xl2tpd's order: version, framing, bearer, firmware, host, vendor,
	 * tunnel id, receive window */
	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp16(&m, M, 2, 0x0100);
	avp(&m, M, 0, 3, caps, 4);
	avp(&m, M, 0, 4, caps, 4);
	avp16(&m, 0, 6, 0x0690);
	avps(&m, "xl2tpd-client");
	avp(&m, 0, 0, 8, "xelerance.com", 13);
	avp16(&m, M, 9, 0x1234);
	avp16(&m, M, 10, 4);
	fin(&m);
	CHECK("xl2tpd shape", parse(&m, &s) == 0 && s.tunnel_id == 0x1234 &&
	      host_is(&s, "xl2tpd-client"));

	/* Windows: tunnel id 1, tie breaker, Microsoft vendor AVPs */
	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp16(&m, M, 2, 0x0100);
	avp(&m, M, 0, 3, caps, 4);
	avp(&m, M, 0, 5, tb, 8);
	avp(&m, 0, 311, 7, "vendor-host", 11);
	avp(&m, M, 0, 7, "WIN-CLIENT", 10);
	avp16(&m, M, 9, 1);
	avp16(&m, M, 10, 8);
	fin(&m);
	CHECK("windows shape", parse(&m, &s) == 0 && s.tunnel_id == 1 &&
	      host_is(&s, "WIN-CLIENT"));

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp16(&m, M, 9, 7);
	avps(&m, "tid-first");
	fin(&m);
	CHECK("tunnel id before host", parse(&m, &s) == 0 &&
	      s.tunnel_id == 7 && host_is(&s, "tid-first"));

	/* bytes after the L2TP Length, inside the UDP datagram */
	sccrq(&m, 9, "trail");
	m.buf[m.n++] = 0xff;
	m.buf[m.n++] = 0xff;
	CHECK("trailing bytes", parse(&m, &s) == 0 && s.tunnel_id == 9);
}

static void test_header(void)
{
	static const struct {
		const char *name;
		uint16_t flags, tid, sid, ns, nr;
		int want;
	} t[] = {
		{ "data message", 0x4802, 0, 0, 0, 0, -REJ_NOT_CONTROL },
		{ "version 3", 0xc803, 0, 0, 0, 0, -REJ_VERSION },
		{ "version 1", 0xc801, 0, 0, 0, 0, -REJ_VERSION },
		{ "L clear", 0x8802, 0, 0, 0, 0, -REJ_HEADER_BITS },
		{ "S clear", 0xc002, 0, 0, 0, 0, -REJ_HEADER_BITS },
		{ "O set", 0xca02, 0, 0, 0, 0, -REJ_HEADER_BITS },
		{ "P set", 0xc902, 0, 0, 0, 0, -REJ_HEADER_BITS },
		{ "tunnel id", CTRL, 5, 0, 0, 0, -REJ_TUNNEL_ID },
		{ "session id", CTRL, 0, 5, 0, 0, -REJ_SESSION_ID },
		{ "Ns", CTRL, 0, 0, 1, 0, -REJ_SEQUENCE },
		{ "Nr", CTRL, 0, 0, 0, 1, -REJ_SEQUENCE },
	};
	struct l2tp_sccrq s;
	struct b m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hdr(&m, t[i].flags, t[i].tid, t[i].sid, t[i].ns, t[i].nr);
		avp16(&m, M, 0, 1);
		avps(&m, "h");
		avp16(&m, M, 9, 3);
		fin(&m);
		CHECK(t[i].name, parse(&m, &s) == t[i].want);
	}

	sccrq(&m, 3, "h");
	m.buf[3] += 1;
	CHECK("Length past datagram", parse(&m, &s) == -REJ_LENGTH);
	sccrq(&m, 3, "h");
	m.buf[2] = 0;
	m.buf[3] = 11;
	CHECK("Length below header", parse(&m, &s) == -REJ_LENGTH);
	hdr(&m, CTRL, 0, 0, 0, 0);
	fin(&m);
	CHECK("no AVPs", parse(&m, &s) == -REJ_NO_MSG_TYPE);
}

static void test_avps(void)
{
	struct l2tp_sccrq s;
	struct b m;
	char big[L2TP_HOSTNAME_MAX + 1];

	hdr(&m, CTRL, 0, 0, 0, 0);
	avps(&m, "h");
	avp16(&m, M, 0, 1);
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("message type not first", parse(&m, &s) == -REJ_NO_MSG_TYPE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 2);
	avps(&m, "h");
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("SCCRP", parse(&m, &s) == -REJ_NOT_SCCRQ);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M | H, 0, 1);
	avps(&m, "h");
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("hidden message type", parse(&m, &s) == -REJ_HIDDEN);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp(&m, M, 0, 0, "\0\1\0", 3);
	avps(&m, "h");
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("message type length 9", parse(&m, &s) == -REJ_AVP_LENGTH);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp(&m, M, 11, 0, "\0\1", 2);
	avps(&m, "h");
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("vendor message type", parse(&m, &s) == -REJ_NO_MSG_TYPE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "h");
	fin(&m);
	CHECK("no tunnel id", parse(&m, &s) == -REJ_NO_TUNNEL_ID);

	sccrq(&m, 0, "h");
	CHECK("tunnel id 0", parse(&m, &s) == -REJ_NO_TUNNEL_ID);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("no host name", parse(&m, &s) == -REJ_NO_HOSTNAME);

	sccrq(&m, 3, "");
	CHECK("empty host name", parse(&m, &s) == -REJ_NO_HOSTNAME);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp(&m, M | H, 0, 7, "secret", 6);
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("hidden host name", parse(&m, &s) == -REJ_HIDDEN);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "h");
	avp16(&m, M | H, 9, 3);
	fin(&m);
	CHECK("hidden tunnel id", parse(&m, &s) == -REJ_HIDDEN);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "h");
	avp(&m, M, 0, 9, "\0\3\0\0", 4);
	fin(&m);
	CHECK("tunnel id length 10", parse(&m, &s) == -REJ_AVP_LENGTH);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp_raw(&m, M | 0, 0, 7, "", 0);
	fin(&m);
	CHECK("AVP length 0", parse(&m, &s) == -REJ_AVP_LENGTH);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp_raw(&m, M | 5, 0, 7, "", 0);
	fin(&m);
	CHECK("AVP length 5", parse(&m, &s) == -REJ_AVP_LENGTH);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp_raw(&m, M | 40, 0, 7, "abc", 3);
	fin(&m);
	CHECK("AVP past the end", parse(&m, &s) == -REJ_AVP_LENGTH);

	sccrq(&m, 3, "h");
	m.buf[m.n++] = 0x80;
	m.buf[m.n++] = 0x06;
	m.buf[m.n++] = 0;
	fin(&m);
	CHECK("3 bytes left over", parse(&m, &s) == -REJ_AVP_LENGTH);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "first");
	avp16(&m, M, 9, 11);
	avps(&m, "second");
	avp16(&m, M, 9, 22);
	fin(&m);
	CHECK("duplicates: first wins", parse(&m, &s) == 0 &&
	      s.tunnel_id == 11 && host_is(&s, "first"));

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp(&m, 0, 9, 9, "\0\5", 2);
	avp(&m, 0, 9, 7, "vendor", 6);
	avps(&m, "ietf");
	avp16(&m, M, 9, 6);
	fin(&m);
	CHECK("vendor AVPs skipped", parse(&m, &s) == 0 &&
	      s.tunnel_id == 6 && host_is(&s, "ietf"));

	memset(big, 'a', L2TP_HOSTNAME_MAX);
	big[L2TP_HOSTNAME_MAX] = '\0';
	sccrq(&m, 3, big);
	CHECK("1017-byte host name", parse(&m, &s) == 0 &&
	      s.hostname_len == L2TP_HOSTNAME_MAX);

	/* a 1018-byte value needs a length of 1024: wraps to 0 in 10 bits */
	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp_raw(&m, M | ((6 + 1018) & 0x3ff), 0, 7, big, 1017);
	fin(&m);
	CHECK("oversized host name", parse(&m, &s) == -REJ_AVP_LENGTH);
}

/* Every cut of a valid SCCRQ: by the datagram, or by the copy range. */
static void test_truncations(void)
{
	struct l2tp_sccrq s;
	struct b m;
	size_t k;
	int bad_dgram = 0, bad_copy = 0, ret;

	sccrq(&m, 77, "truncate-me");
	for (k = 0; k < m.n; k++) {
		ret = l2tp_parse_sccrq(m.buf, k, k, &s);
		if (ret != (k < 12 ? -REJ_L2TP_SHORT : -REJ_LENGTH))
			bad_dgram++;
		ret = l2tp_parse_sccrq(m.buf, k, m.n, &s);
		if (ret != -REJ_TRUNCATED)
			bad_copy++;
	}
	CHECK("cut datagrams rejected", bad_dgram == 0);
	CHECK("cut copies are truncated", bad_copy == 0);

	/* the copy ends after the needed AVPs: still an SCCRQ */
	sccrq(&m, 78, "enough");
	k = m.n;
	avp(&m, 0, 0, 8, "vendor name that the copy cut", 29);
	fin(&m);
	CHECK("copy cut after needed AVPs",
	      l2tp_parse_sccrq(m.buf, k + 3, m.n, &s) == 0 &&
	      s.tunnel_id == 78);
}

/* An IPv4/UDP packet around an L2TP payload. */
static size_t ip4udp(uint8_t *p, const struct b *m, uint16_t sport)
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

static size_t ip6udp(uint8_t *p, const struct b *m, const uint8_t *ext,
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

static void test_pkt(void)
{
	uint8_t p[4200], ext[8] = { IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 };
	struct pkt_udp u;
	struct b m;
	size_t n;

	sccrq(&m, 5, "ip");
	n = ip4udp(p, &m, 1701);
	CHECK("ipv4 udp", pkt_parse_udp(p, n, n, &u) == 0 &&
	      u.family == AF_INET && u.sport == 1701 && u.dport == 1701 &&
	      u.len == m.n && u.caplen == m.n &&
	      u.saddr.v4.s_addr == htonl(0xc0000201) &&
	      u.daddr.v4.s_addr == htonl(0xc0000202));
	CHECK("ipv4 copy cut", pkt_parse_udp(p, 40, n, &u) == 0 &&
	      u.len == m.n && u.caplen == 12);
	p[0] = 0x44;
	CHECK("ihl 4", pkt_parse_udp(p, n, n, &u) == -REJ_IP);
	n = ip4udp(p, &m, 1701);
	CHECK("ipv4 total length past packet",
	      pkt_parse_udp(p, n - 1, n - 1, &u) == -REJ_IP);
	p[6] = 0x20;
	CHECK("ipv4 fragment", pkt_parse_udp(p, n, n, &u) == -REJ_FRAGMENT);
	p[6] = 0;
	p[9] = IPPROTO_TCP;
	CHECK("ipv4 tcp", pkt_parse_udp(p, n, n, &u) == -REJ_NOT_UDP);
	p[9] = IPPROTO_UDP;
	p[25] += 1;
	CHECK("udp length past ip", pkt_parse_udp(p, n, n, &u) == -REJ_UDP);
	p[24] = 0;
	p[25] = 7;
	CHECK("udp length 7", pkt_parse_udp(p, n, n, &u) == -REJ_UDP);
	CHECK("empty packet", pkt_parse_udp(p, 0, 0, &u) == -REJ_IP);

	n = ip6udp(p, &m, NULL, 0, IPPROTO_UDP);
	CHECK("ipv6 udp", pkt_parse_udp(p, n, n, &u) == 0 &&
	      u.family == AF_INET6 && u.len == m.n && u.saddr.v6.s6_addr[15] == 1);
	n = ip6udp(p, &m, ext, 8, IPPROTO_DSTOPTS);
	CHECK("ipv6 dest options", pkt_parse_udp(p, n, n, &u) == 0 &&
	      u.len == m.n);
	n = ip6udp(p, &m, ext, 8, IPPROTO_FRAGMENT);
	CHECK("ipv6 fragment", pkt_parse_udp(p, n, n, &u) == -REJ_FRAGMENT);
	ext[1] = 200;
	n = ip6udp(p, &m, ext, 8, IPPROTO_HOPOPTS);
	CHECK("ipv6 ext header past end",
	      pkt_parse_udp(p, n, n, &u) == -REJ_IP);
}

static void test_msg(void)
{
	/* format 1, little-endian host: reserved, len, ip, tid, mark, name */
	static const uint8_t want[] = {
		0x01, 0x00, 0x14, 0x00, 0xc0, 0x00, 0x02, 0x01,
		0x34, 0x12, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12,
		'l', 'a', 'c', '1',
	};
	struct sccrq_info info = {
		.family = AF_INET,
		.tunnel_id = 0x1234,
		.mark = 0x12345678,
		.hostname = (const uint8_t *)"lac1",
		.hostname_len = 4,
	};
	uint8_t buf[MSG_BUF_SIZE];
	uint16_t one = 1;
	ssize_t n;

	info.peer.v4.s_addr = htonl(0xc0000201);
	n = msg_encode(1, &info, buf, sizeof(buf));
	if (*(uint8_t *)&one == 1)
		CHECK("format 1 bytes", n == (ssize_t)sizeof(want) &&
		      !memcmp(buf, want, sizeof(want)));
	CHECK("format 1 validates", l2tp_nfq_msg_valid(buf, (size_t)n) == 1);
	CHECK("format 1 short", !l2tp_nfq_msg_valid(buf, 15));
	CHECK("format 1 length mismatch",
	      !l2tp_nfq_msg_valid(buf, (size_t)n - 1));
	buf[0] = 9;
	CHECK("unknown format", !l2tp_nfq_msg_valid(buf, (size_t)n));
	info.family = AF_INET6;
	CHECK("format 1 has no IPv6",
	      msg_encode(1, &info, buf, sizeof(buf)) == -EAFNOSUPPORT);
}

static void test_msg2(void)
{
	/* little-endian host */
	static const uint8_t want4[] = {
		0x02, 0x00, 0x3d, 0x00, 0x02, 0x00, 0x03, 0x00,	/* ver len fam src */
		0x34, 0x12, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12,	/* tid, mark */
		0xa5, 0x06, 0xa5, 0x06, 0x00, 0x00, 0x00, 0x00,	/* ports, flags */
		0xc0, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xc0, 0x00, 0x02, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'l', 'a', 'c', '1', 0,
	};
	static const uint8_t want6_head[] = {
		0x02, 0x00, 0x3b, 0x00, 0x0a, 0x00, 0x01, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
		0x39, 0x30, 0xa5, 0x06, 0x00, 0x00, 0x00, 0x00,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		'v', '6', 0,
	};
	struct sccrq_info info = {
		.family = AF_INET, .peer_port = 1701, .local_port = 1701,
		.tunnel_id = 0x1234, .mark = 0x12345678,
		.mark_src = MARK_CT_LOOKUP,
		.hostname = (const uint8_t *)"lac1", .hostname_len = 4,
	};
	uint8_t buf[MSG_BUF_SIZE], name[L2TP_HOSTNAME_MAX];
	uint16_t one = 1;
	ssize_t n;

	info.peer.v4.s_addr = htonl(0xc0000201);
	info.local.v4.s_addr = htonl(0xc0000202);
	n = msg_encode(2, &info, buf, sizeof(buf));
	if (*(uint8_t *)&one == 1)
		CHECK("format 2 IPv4 bytes", n == (ssize_t)sizeof(want4) &&
		      !memcmp(buf, want4, sizeof(want4)));
	CHECK("format 2 IPv4 validates", l2tp_nfq_msg_valid(buf, (size_t)n) == 2);
	buf[n - 1] = 'x';
	CHECK("format 2 without NUL", !l2tp_nfq_msg_valid(buf, (size_t)n));

	memset(&info, 0, sizeof(info));
	info.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &info.peer.v6);
	inet_pton(AF_INET6, "2001:db8::2", &info.local.v6);
	info.peer_port = 12345;
	info.local_port = 1701;
	info.tunnel_id = 1;
	info.mark = 16;
	info.mark_src = MARK_PACKET;
	info.hostname = (const uint8_t *)"v6";
	info.hostname_len = 2;
	n = msg_encode(2, &info, buf, sizeof(buf));
	if (*(uint8_t *)&one == 1)
		CHECK("format 2 IPv6 bytes", n == (ssize_t)sizeof(want6_head) &&
		      !memcmp(buf, want6_head, sizeof(want6_head)));
	CHECK("format 2 IPv6 validates", l2tp_nfq_msg_valid(buf, (size_t)n) == 2);
	buf[4] = 99;
	CHECK("format 2 unknown family", !l2tp_nfq_msg_valid(buf, (size_t)n));
	info.hostname_len = L2TP_HOSTNAME_MAX;
	memset(name, 'n', sizeof(name));
	info.hostname = name;
	n = msg_encode(2, &info, buf, sizeof(buf));
	CHECK("format 2 longest host name fits",
	      n == (ssize_t)(sizeof(struct l2tp_nfq_msg2) + L2TP_HOSTNAME_MAX + 1) &&
	      n <= (ssize_t)L2TP_NFQ_MSG2_MAX_SIZE);
}

static void test_escape(void)
{
	char out[64];

	log_escape(out, sizeof(out), (const uint8_t *)"a\x1b[2J\\\n", 7);
	CHECK("escape", !strcmp(out, "a\\x1b[2J\\x5c\\x0a"));
	log_escape(out, 8, (const uint8_t *)"abcdefghij", 10);
	CHECK("escape cut", !strcmp(out, "abc...") || !strcmp(out, "abcd..."));
}

/* The install batch, parsed back with libnftnl: no kernel needed. */
struct batch_seen {
	int begin, end, tables, deltables, chains, rules;
	uint32_t owner_flags, hook, policy, out_hook;
	int32_t prio, out_prio;
	int out_type;
	char exprs[512];
	uint16_t qnum, qflags;
	char tg[16];
};

static void seen_rule(const struct nlmsghdr *nlh, struct batch_seen *b)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	const uint16_t *info;
	uint32_t len;

	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		strcat(b->exprs, name);
		strcat(b->exprs, " ");
		if (!strcmp(name, "queue")) {
			b->qnum = nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_NUM);
			b->qflags = nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_FLAGS);
		} else if (!strcmp(name, "target")) {
			info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
			snprintf(b->tg, sizeof(b->tg), "%s/%u",
				 nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME),
				 nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV));
			if (len == sizeof(struct xt_NFQ_info_v3)) {
				b->qnum = info[0];
				b->qflags = info[2];
			}
		}
	}
	nftnl_expr_iter_destroy(it);
	b->rules++;
out:
	nftnl_rule_free(r);
}

static void parse_batch(const char *buf, size_t len, struct batch_seen *b)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;

	memset(b, 0, sizeof(*b));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			b->begin++;
		} else if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			b->end++;
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWTABLE) {
			struct nftnl_table *t = nftnl_table_alloc();

			nftnl_table_nlmsg_parse(nlh, t);
			b->owner_flags |= nftnl_table_get_u32(t,
							NFTNL_TABLE_FLAGS);
			b->tables++;
			nftnl_table_free(t);
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE) {
			b->deltables++;
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			nftnl_chain_nlmsg_parse(nlh, c);
			if (b->chains) {	/* the second: output */
				b->out_hook = nftnl_chain_get_u32(c,
							NFTNL_CHAIN_HOOKNUM);
				b->out_type = !strcmp(nftnl_chain_get_str(c,
							NFTNL_CHAIN_TYPE), "route");
				b->out_prio = nftnl_chain_get_s32(c,
							NFTNL_CHAIN_PRIO);
				b->chains++;
				nftnl_chain_free(c);
				continue;
			}
			b->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
			b->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
			b->policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
			b->chains++;
			nftnl_chain_free(c);
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWRULE) {
			seen_rule(nlh, b);
		}
	}
}

static void test_nft_batch(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .owner = 1,
	};
	struct nft_batch_seqs seqs;
	struct batch_seen b;
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	uint32_t seq = 100;
	size_t len;

	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE,
				&seq, &seqs);
	parse_batch(buf, len, &b);
	CHECK("batch: begin, end", len && b.begin == 1 && b.end == 1);
	CHECK("batch: add, delete, add owned table", b.tables == 2 &&
	      b.deltables == 1 && (b.owner_flags & NFT_TABLE_F_OWNER));
	CHECK("batch: input chain at -140, accept", b.chains == 1 &&
	      b.hook == NF_INET_LOCAL_IN && b.prio == -140 &&
	      b.policy == NF_ACCEPT);
	CHECK("batch: rule expressions", b.rules == 1 && !strcmp(b.exprs,
	      "meta cmp payload cmp payload bitwise cmp payload cmp meta cmp "
	      "counter queue "));
	CHECK("batch: native queue 7 bypass", b.qnum == 7 &&
	      b.qflags == NFT_QUEUE_FLAG_BYPASS);
	CHECK("batch: ACKed messages numbered in order",
	      seqs.n == 5 && seqs.first < seqs.table &&
	      seqs.table < seqs.queue_rule && seqs.last == seqs.queue_rule);

	cfg.ipsec_check = 0;
	cfg.owner = 0;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_COMPAT,
				&seq, &seqs);
	parse_batch(buf, len, &b);
	CHECK("batch: compat NFQUEUE target rev 3", !strcmp(b.tg, "NFQUEUE/3") &&
	      b.qnum == 7 && b.qflags == NFQ_FLAG_BYPASS);
	CHECK("batch: no ipsec check, plain table", !(b.owner_flags &
	      NFT_TABLE_F_OWNER) && !strcmp(b.exprs,
	      "meta cmp payload cmp payload bitwise cmp payload cmp "
	      "counter target "));
	CHECK("batch: too small a buffer", nft_build_install(buf, 200, &cfg,
	      NFT_QUEUE_NATIVE, &seq, &seqs) == 0);

	cfg.connmark = 1;
	cfg.ipsec_check = 1;
	cfg.mark_mask = 0xffff;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE,
				&seq, &seqs);
	parse_batch(buf, len, &b);
	CHECK("batch: --connmark save rule before the queue rule",
	      b.rules == 3 && !strncmp(b.exprs,
	      "meta cmp meta bitwise cmp ct meta cmp payload ", 46));
	CHECK("batch: --connmark restore in a route output chain",
	      b.chains == 2 && b.out_type && b.out_hook == NF_INET_LOCAL_OUT &&
	      b.out_prio == -150 && strstr(b.exprs,
	      "queue meta cmp ct bitwise cmp meta "));
	CHECK("batch: every message named for errors",
	      seqs.n == 8 && seqs.queue_rule > seqs.table &&
	      seqs.last == seqs.msg[seqs.n - 1].seq);
}

/* The element batches of --tunnel-marks, parsed back. */
static int elem_msg(const struct nlmsghdr *nlh, uint8_t *key, uint32_t *klen,
		    uint32_t *mark, uint64_t *timeout)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	const void *p;
	uint32_t len;
	int ok = 0;

	if (nftnl_set_elems_nlmsg_parse(nlh, set) == 0) {
		it = nftnl_set_elems_iter_create(set);
		e = nftnl_set_elems_iter_next(it);
		if (e) {
			p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, klen);
			memcpy(key, p, *klen);
			p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
			*mark = 0;
			if (p && len == 4)
				memcpy(mark, p, 4);
			*timeout = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT) ?
				   nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT) : 0;
			ok = 1;
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(set);
	return ok;
}

static void test_nft_elements(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .tunnel_marks = 1, .tunnel_timeout = 300,
	};
	static const uint8_t want4[] = { 192, 0, 2, 1, 0x12, 0x34, 0, 0 };
	static char buf[4096] __attribute__((aligned(8)));
	uint8_t key[32], v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint32_t seq = 7, first, last, klen = 0, mark = 0, ack;
	const struct nlmsghdr *nlh;
	struct in_addr peer = { htonl(0xc0000201) };
	uint64_t timeout = 0;
	int left, types[4], n = 0;
	size_t len;

	len = nft_build_tunnel_elem(buf, sizeof(buf), &cfg, AF_INET, &peer,
				    0x1234, 0x105, 0, &seq, &first, &last);
	nlh = (const void *)buf;
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left) && n < 4; nlh = mnl_nlmsg_next(nlh, &left)) {
		types[n++] = NFNL_MSG_TYPE(nlh->nlmsg_type);
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWSETELEM)
			elem_msg(nlh, key, &klen, &mark, &timeout);
	}
	CHECK("element batch: begin, add, end", len && n == 3 &&
	      types[1] == NFT_MSG_NEWSETELEM && first == last);
	CHECK("element key: address . tunnel ID in its own register",
	      klen == sizeof(want4) && !memcmp(key, want4, sizeof(want4)));
	CHECK("element data: the mark in host order, with timeout",
	      mark == 0x105 && timeout == 300000);

	len = nft_build_tunnel_elem(buf, sizeof(buf), &cfg, AF_INET6, v6,
				    9, 0x106, 1, &seq, &first, &last);
	nlh = (const void *)buf;
	left = (int)len;
	n = 0;
	for (; mnl_nlmsg_ok(nlh, left) && n < 4; nlh = mnl_nlmsg_next(nlh, &left)) {
		types[n++] = NFNL_MSG_TYPE(nlh->nlmsg_type);
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWSETELEM)
			elem_msg(nlh, key, &klen, &mark, &timeout);
	}
	CHECK("replace: delete, then add, in one batch", n == 4 &&
	      types[1] == NFT_MSG_DELSETELEM && types[2] == NFT_MSG_NEWSETELEM &&
	      last == first + 1);
	CHECK("IPv6 element key: 16 bytes, then the tunnel ID", klen == 20 &&
	      !memcmp(key, v6, 16) && key[16] == 0 && key[17] == 9 &&
	      mark == 0x106);

	len = nft_build_delete(buf, sizeof(buf), "l2tp-nfqd", &seq, &ack);
	nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
	CHECK("delete batch: one DELTABLE", len &&
	      NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE &&
	      nlh->nlmsg_seq == ack);
}

int main(void)
{
	test_valid();
	test_header();
	test_avps();
	test_truncations();
	test_pkt();
	test_msg();
	test_msg2();
	test_escape();
	test_nft_batch();
	test_nft_elements();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
