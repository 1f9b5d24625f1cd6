// SPDX-License-Identifier: GPL-2.0-or-later
/* The control message parser (src/wire/l2tp.c): valid shapes, every header
 * rule, AVPs, truncation by datagram and by copy range, which Message
 * Types a header can carry. */
#include <l2tp-nfq/l2tp-nfqd.h>

#include "wire/l2tp.h"
#include "wire/reject.h"
#include "unit.h"

#define W(type)		L2TP_WANT(L2TP_MSG_##type)

/* 0 for an SCCRQ, as the daemon reads a peer's packet without
 * --tunnel-marks, or -REJ_* */
static int parse_sccrq(const uint8_t *buf, size_t caplen, size_t len,
		       struct l2tp_ctrl *s)
{
	int ret = l2tp_parse(buf, caplen, len, W(SCCRQ), s);

	return ret == L2TP_MSG_SCCRQ ? 0 : ret;
}

/* 0 for a StopCCN, as the daemon reads a peer's packet with
 * --tunnel-marks, or -REJ_* */
static int parse_stopccn(const uint8_t *buf, size_t caplen, size_t len,
			 struct l2tp_ctrl *st)
{
	int ret = l2tp_parse(buf, caplen, len, W(SCCRQ) | W(STOPCCN), st);

	return ret == L2TP_MSG_STOPCCN ? 0 : ret;
}

static int parse(const struct b *m, struct l2tp_ctrl *s)
{
	memset(s, 0, sizeof(*s));
	return parse_sccrq(m->buf, m->n, m->n, s);
}

static int host_is(const struct l2tp_ctrl *s, const char *h)
{
	return s->hostname_len == strlen(h) &&
	       !memcmp(s->hostname, h, s->hostname_len);
}

static void test_valid(void)
{
	struct l2tp_ctrl s;
	struct b m;
	uint8_t caps[4] = { 0, 0, 0, 3 }, tb[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	sccrq(&m, 42, "lac1");
	CHECK("minimal", parse(&m, &s) == 0 && s.assigned.id == 42 &&
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
	CHECK("xl2tpd shape", parse(&m, &s) == 0 && s.assigned.id == 0x1234 &&
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
	CHECK("windows shape", parse(&m, &s) == 0 && s.assigned.id == 1 &&
	      host_is(&s, "WIN-CLIENT"));

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp16(&m, M, 9, 7);
	avps(&m, "tid-first");
	fin(&m);
	CHECK("tunnel id before host", parse(&m, &s) == 0 &&
	      s.assigned.id == 7 && host_is(&s, "tid-first"));

	/* bytes after the L2TP Length, inside the UDP datagram */
	sccrq(&m, 9, "trail");
	m.buf[m.n++] = 0xff;
	m.buf[m.n++] = 0xff;
	CHECK("trailing bytes", parse(&m, &s) == 0 && s.assigned.id == 9);
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
	struct l2tp_ctrl s;
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
	struct l2tp_ctrl s;
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
	CHECK("duplicates: refused, no reading wins",
	      parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avp(&m, 0, 9, 8, "\0\5", 2);
	avp(&m, 0, 9, 7, "vendor", 6);
	avps(&m, "ietf");
	avp16(&m, M, 9, 6);
	fin(&m);
	CHECK("vendor AVPs skipped", parse(&m, &s) == 0 &&
	      s.assigned.id == 6 && host_is(&s, "ietf"));

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
	struct l2tp_ctrl s;
	struct b m;
	size_t k;
	int bad_dgram = 0, bad_copy = 0, ret;

	sccrq(&m, 77, "truncate-me");
	for (k = 0; k < m.n; k++) {
		ret = parse_sccrq(m.buf, k, k, &s);
		if (ret != (k < 12 ? -REJ_L2TP_SHORT : -REJ_LENGTH))
			bad_dgram++;
		ret = parse_sccrq(m.buf, k, m.n, &s);
		if (ret != -REJ_TRUNCATED)
			bad_copy++;
	}
	CHECK("cut datagrams rejected", bad_dgram == 0);
	CHECK("cut copies are truncated", bad_copy == 0);

	/* the copy ends after the needed AVPs: what was cut could hold a
	 * second Assigned Tunnel ID, so it is no SCCRQ to act on */
	sccrq(&m, 78, "enough");
	k = m.n;
	avp16(&m, M, 9, 1);
	fin(&m);
	CHECK("copy cut after needed AVPs",
	      parse_sccrq(m.buf, k + 3, m.n, &s) == -REJ_TRUNCATED);
	CHECK("what it cut: a second ID",
	      parse_sccrq(m.buf, m.n, m.n, &s) == -REJ_DUPLICATE);
}

/*
 * One reading: what L2TP daemons read differently is refused (xl2tpd
 * takes the last type-9 AVP of any vendor, L2TPNS the last of vendor 0).
 */
static void test_readings(void)
{
	struct l2tp_ctrl st;
	struct l2tp_ctrl s;
	struct b m;

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "two-ids");
	avp16(&m, M, 9, 7);
	avp16(&m, M, 9, 1);
	fin(&m);
	CHECK("two Assigned Tunnel IDs", parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "same-twice");
	avp16(&m, M, 9, 7);
	avp16(&m, M, 9, 7);
	fin(&m);
	CHECK("the same ID twice", parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "vendor-after");
	avp16(&m, M, 9, 11);
	avp(&m, 0, 311, 9, "\x00\x01", 2);
	fin(&m);
	CHECK("a vendor's type 9 after the ID", parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "vendor-only");
	avp(&m, 0, 311, 9, "\x00\x01", 2);
	fin(&m);
	CHECK("only a vendor's type 9", parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "hidden-second");
	avp16(&m, M, 9, 7);
	avp16(&m, M | H, 9, 1);
	fin(&m);
	CHECK("a hidden second ID", parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "host-one");
	avps(&m, "host-two");
	avp16(&m, M, 9, 7);
	fin(&m);
	CHECK("two Host Names", parse(&m, &s) == -REJ_DUPLICATE);

	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 1);
	avps(&m, "bad-then-good");
	avp_raw(&m, M | 9, 0, 9, "\x00\x05\x00", 3);
	avp16(&m, M, 9, 7);
	fin(&m);
	CHECK("a wrongly sized ID first", parse(&m, &s) == -REJ_AVP_LENGTH);

	hdr(&m, CTRL, 0x4242, 0, 3, 5);
	avp16(&m, M, 0, 4);
	avp16(&m, M, 9, 7);
	avp16(&m, M, 9, 1);
	fin(&m);
	CHECK("stopccn: two Assigned Tunnel IDs",
	      parse_stopccn(m.buf, m.n, m.n, &st) == -REJ_DUPLICATE);
}

/* A StopCCN: header Tunnel ID of the receiver, the sender's ID in AVP 9. */
static void test_stopccn(void)
{
	struct l2tp_ctrl st;
	struct l2tp_ctrl s;
	struct b m;
	uint8_t rc[2] = { 0, 1 };

	hdr(&m, CTRL, 0x4242, 0, 3, 5);
	avp16(&m, M, 0, 4);
	avp16(&m, M, 9, 7);
	avp(&m, M, 0, 1, rc, 2);
	fin(&m);
	CHECK("stopccn: parsed, IDs and where the peer's one is",
	      parse_stopccn(m.buf, m.n, m.n, &st) == 0 &&
	      st.tunnel_id == 0x4242 && st.assigned.id == 7 &&
	      st.assigned.off == 12 + 8 + 6 &&
	      m.buf[st.assigned.off + 1] == 7);
	CHECK("stopccn: not an SCCRQ", parse_sccrq(m.buf, m.n, m.n, &s) ==
	      -REJ_TUNNEL_ID);
	hdr(&m, CTRL, 0x4242, 0, 3, 5);
	avp16(&m, M, 0, 4);
	avp16(&m, M | H, 9, 7);
	fin(&m);
	CHECK("stopccn: hidden Assigned Tunnel ID",
	      parse_stopccn(m.buf, m.n, m.n, &st) == -REJ_HIDDEN);
	hdr(&m, CTRL, 0, 0, 0, 0);
	avp16(&m, M, 0, 4);
	avp16(&m, M, 9, 7);
	fin(&m);
	CHECK("stopccn: header Tunnel ID 0 is not ours",
	      l2tp_parse(m.buf, m.n, m.n, W(STOPCCN), &st) == -REJ_TUNNEL_ID);
	CHECK("stopccn: header Tunnel ID 0, read for an SCCRQ too",
	      parse_stopccn(m.buf, m.n, m.n, &st) == -REJ_NOT_SCCRQ);
	hdr(&m, CTRL, 9, 0, 0, 0);
	avp16(&m, M, 0, 6);	/* HELLO */
	fin(&m);
	CHECK("stopccn: another message type",
	      parse_stopccn(m.buf, m.n, m.n, &st) == -REJ_NOT_SCCRQ);
	sccrq(&m, 9, "lac");
	CHECK("sccrq: where its Assigned Tunnel ID is",
	      parse(&m, &s) == 0 && s.assigned.off == m.n - 2 &&
	      m.buf[s.assigned.off + 1] == 9);
}

/* Which Message Types each header can carry, and what is read of each. */
static void test_types(void)
{
	const unsigned int all = W(SCCRQ) | W(STOPCCN) | W(SCCRP);
	struct l2tp_ctrl c;
	struct b m;

	sccrq(&m, 5, "lac");
	CHECK("types: an SCCRQ, read for anything",
	      l2tp_parse(m.buf, m.n, m.n, all, &c) == L2TP_MSG_SCCRQ &&
	      c.type == L2TP_MSG_SCCRQ && c.tunnel_id == 0 &&
	      c.assigned.id == 5 && c.hostname_len == 3);
	CHECK("types: an SCCRQ where only an SCCRP is read",
	      l2tp_parse(m.buf, m.n, m.n, W(SCCRP), &c) == -REJ_TUNNEL_ID);

	hdr(&m, CTRL, 0x1234, 0, 1, 1);
	avp16(&m, M, 0, 2);
	avps(&m, "lns");
	avp16(&m, M, 9, 0x77);
	fin(&m);
	CHECK("types: an SCCRP: both IDs, its Host Name",
	      l2tp_parse(m.buf, m.n, m.n, W(SCCRP), &c) == L2TP_MSG_SCCRP &&
	      c.tunnel_id == 0x1234 && c.assigned.id == 0x77 &&
	      c.assigned.off == m.n - 2 && host_is(&c, "lns"));
	CHECK("types: an SCCRP where an SCCRQ or StopCCN is read",
	      l2tp_parse(m.buf, m.n, m.n, W(SCCRQ) | W(STOPCCN), &c) ==
	      -REJ_NOT_SCCRQ);
	CHECK("types: a tunnel's message where only SCCRQs are read",
	      l2tp_parse(m.buf, m.n, m.n, W(SCCRQ), &c) == -REJ_TUNNEL_ID);

	hdr(&m, CTRL, 0x1234, 0, 1, 1);
	avp16(&m, M, 0, 1);
	avps(&m, "late");
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("types: an SCCRQ inside a tunnel is none",
	      l2tp_parse(m.buf, m.n, m.n, all, &c) == -REJ_NOT_SCCRQ);

	hdr(&m, CTRL, 0x1234, 0, 1, 1);
	avp16(&m, M, 0, 0x8004);	/* 1 << type would overflow */
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("types: a large Message Type is another",
	      l2tp_parse(m.buf, m.n, m.n, all, &c) == -REJ_NOT_SCCRQ);

	hdr(&m, CTRL, 0x1234, 0, 1, 1);
	avp16(&m, M, 0, 4);
	avp16(&m, M, 9, 3);
	avps(&m, "");
	fin(&m);
	CHECK("types: a StopCCN's empty Host Name is refused too",
	      l2tp_parse(m.buf, m.n, m.n, all, &c) == -REJ_NO_HOSTNAME);
	hdr(&m, CTRL, 0x1234, 5, 1, 1);
	avp16(&m, M, 0, 4);
	avp16(&m, M, 9, 3);
	fin(&m);
	CHECK("types: a StopCCN with a Session ID, no Host Name",
	      l2tp_parse(m.buf, m.n, m.n, all, &c) == L2TP_MSG_STOPCCN &&
	      c.hostname_len == 0 && c.assigned.id == 3);
	hdr(&m, CTRL, 0x1234, 0, 1, 1);
	avp16(&m, M, 0, 4);
	fin(&m);
	CHECK("types: a StopCCN without its Assigned Tunnel ID",
	      l2tp_parse(m.buf, m.n, m.n, all, &c) == -REJ_NO_TUNNEL_ID);
}

void test_l2tp(void)
{
	test_types();
	test_stopccn();
	test_valid();
	test_header();
	test_avps();
	test_truncations();
	test_readings();
}
