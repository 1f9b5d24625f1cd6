// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness over everything that reads packet bytes: the IP/UDP
 * checks, the L2TP header and AVP walk, and the encoding of what they
 * found in both message formats.
 *
 * Input: an IP packet.  The last byte, when present, also cuts the copy
 * short to exercise packets longer than the queue's copy range.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "l2tp.h"
#include "msg.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode(const struct pkt_udp *u, const struct l2tp_sccrq *s)
{
	struct sccrq_info info = {
		.family = u->family, .peer = u->saddr, .local = u->daddr,
		.peer_port = u->sport, .local_port = u->dport,
		.tunnel_id = s->tunnel_id, .mark = 1,
		.mark_src = MARK_PACKET,
		.hostname = s->hostname, .hostname_len = s->hostname_len,
	};
	uint8_t buf[MSG_BUF_SIZE];
	ssize_t n;

	assert(s->tunnel_id != 0);
	assert(s->hostname_len >= 1 && s->hostname_len <= L2TP_HOSTNAME_MAX);
	n = msg_encode(1, &info, buf, sizeof(buf));
	if (u->family == AF_INET)
		assert(n > 0 && l2tp_nfq_msg_valid(buf, (size_t)n) == 1);
	else
		assert(n < 0);
	n = msg_encode(2, &info, buf, sizeof(buf));
	assert(n > 0 && l2tp_nfq_msg_valid(buf, (size_t)n) == 2);
}

static void stopccn(const struct pkt_udp *u)
{
	struct l2tp_stopccn st;
	uint8_t copy[4096];

	if (l2tp_parse_stopccn(u->payload, u->caplen, u->len, &st))
		return;
	assert(st.tunnel_id && st.assigned_id);
	assert(st.assigned_id_off + 2 <= u->caplen);
	/* a rewrite and a fresh checksum stay within the datagram */
	if (u->caplen == u->len && u->len + 8 <= sizeof(copy)) {
		struct pkt_udp c = *u;

		memcpy(copy + 8, u->payload, u->len);
		c.payload = copy + 8;
		copy[8 + st.assigned_id_off] = 0x80;
		pkt_udp_checksum(&c, copy);
	}
}

static void one(const uint8_t *data, size_t caplen, size_t len)
{
	struct l2tp_sccrq s;
	struct pkt_udp u;

	memset(&s, 0, sizeof(s));
	if (pkt_parse_udp(data, caplen, len, &u))
		return;
	assert(u.caplen <= u.len);
	assert(u.payload >= data && u.payload + u.caplen <= data + caplen);
	if (l2tp_parse_sccrq(u.payload, u.caplen, u.len, &s) == 0) {
		assert(s.hostname >= u.payload &&
		       s.hostname + s.hostname_len <= u.payload + u.caplen);
		/* the rewrite writes 2 bytes there: they must be held */
		assert(s.tunnel_id_off + 2 <= u.caplen);
		encode(&u, &s);
	}
	stopccn(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct l2tp_sccrq s;

	one(data, size, size);
	if (size > 1)
		one(data, size - data[size - 1] % size, size);
	/* the L2TP parser alone, on the raw bytes */
	if (l2tp_parse_sccrq(data, size, size, &s) == 0)
		assert(s.hostname + s.hostname_len <= data + size);
	return 0;
}
