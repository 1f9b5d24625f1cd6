// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness over everything that reads packet bytes: the IP/UDP
 * checks, the L2TP header and AVP walk of SCCRQs and StopCCNs, the
 * encoding of what they found in both message formats, and what
 * --tunnel-marks does with a parsed message: the Assigned Tunnel ID
 * rewritten in place with a fresh UDP checksum (pkt_udp_write16), then
 * read back.
 *
 * Input: an IP packet.  The last byte, when present, also cuts the copy
 * short to exercise packets longer than the queue's copy range.  Each
 * copy is a buffer of its own, exactly as long as the bytes copied, so
 * that a read or write past them is caught.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "bytes.h"
#include "l2tp.h"
#include "msg.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() on a broken property, even where NDEBUG would drop assert() */
#define must(cond) do { if (!(cond)) abort(); } while (0)

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

/* The UDP checksum of the datagram @u describes (header at @udp) holds:
 * the one's complement sum over pseudo-header and datagram is 0xffff. */
static int checksum_ok(const struct pkt_udp *u, const uint8_t *udp)
{
	size_t alen = u->family == AF_INET ? 4 : 16, i, n = u->len + 8;
	const uint8_t *s = (const uint8_t *)&u->saddr;
	const uint8_t *d = (const uint8_t *)&u->daddr;
	uint32_t sum = IPPROTO_UDP + (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff);

	for (i = 0; i < alen; i += 2)
		sum += get_be16(s + i) + get_be16(d + i);
	for (i = 0; i + 1 < n; i += 2)
		sum += get_be16(udp + i);
	if (n & 1)
		sum += (uint32_t)udp[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff && get_be16(udp + 6) != 0;
}

/*
 * Rewrite the 16-bit ID at @off in the payload of @u (pointing into
 * @pkt, @caplen bytes, the packet's real length @len), as xlate.c does.
 * A datagram held whole takes it, with a valid checksum, and nothing
 * else changes; any other is refused (-EMSGSIZE) and left alone.
 * Returns the ID written, or 0.
 */
static uint16_t rewrite(uint8_t *pkt, size_t caplen, const struct pkt_udp *u,
			size_t off, uint16_t old)
{
	uint8_t *payload = pkt + (u->payload - pkt);
	size_t at = (size_t)(u->payload - pkt) + off;
	uint16_t v = (uint16_t)(L2TP_XLATE_MIN | (old ^ 0x5a5a));
	uint8_t *before = malloc(caplen);
	size_t i;
	int ret;

	must(before);
	memcpy(before, pkt, caplen);
	ret = pkt_udp_write16(u, payload, off, v);
	if (u->caplen != u->len) {
		must(ret == -EMSGSIZE);
		must(!memcmp(before, pkt, caplen));
		free(before);
		return 0;
	}
	must(ret == 0);
	must(get_be16(pkt + at) == v);
	must(checksum_ok(u, payload - 8));
	/* only the ID and the UDP checksum changed */
	for (i = 0; i < caplen; i++) {
		if (i == at || i == at + 1 ||
		    pkt + i == payload - 2 || pkt + i == payload - 1)
			continue;
		must(pkt[i] == before[i]);
	}
	free(before);
	return v;
}

/* An SCCRQ: encode its message, rewrite its ID, read it back. */
static void sccrq(uint8_t *pkt, size_t caplen, size_t len,
		  const struct pkt_udp *u)
{
	struct l2tp_sccrq s, again;
	struct pkt_udp u2;
	uint16_t v;

	memset(&s, 0, sizeof(s));
	if (l2tp_parse_sccrq(u->payload, u->caplen, u->len, &s))
		return;
	must(s.hostname >= u->payload &&
	     s.hostname + s.hostname_len <= u->payload + u->caplen);
	/* the rewrite writes 2 bytes there: they must be held */
	must(s.tunnel_id_off + 2 <= u->caplen);
	must(get_be16(u->payload + s.tunnel_id_off) == s.tunnel_id);
	encode(u, &s);
	v = rewrite(pkt, caplen, u, s.tunnel_id_off, s.tunnel_id);
	if (!v)
		return;
	/* the L2TP daemon reads the new ID, at the same place */
	must(pkt_parse_udp(pkt, caplen, len, &u2) == 0);
	must(u2.payload == u->payload && u2.len == u->len);
	memset(&again, 0, sizeof(again));
	must(l2tp_parse_sccrq(u2.payload, u2.caplen, u2.len, &again) == 0);
	must(again.tunnel_id == v && again.tunnel_id_off == s.tunnel_id_off);
	must(again.hostname == s.hostname &&
	     again.hostname_len == s.hostname_len);
}

/* A StopCCN: its Assigned Tunnel ID rewritten, read back. */
static void stopccn(uint8_t *pkt, size_t caplen, size_t len,
		    const struct pkt_udp *u)
{
	struct l2tp_stopccn st, again;
	struct pkt_udp u2;
	uint16_t v;

	if (l2tp_parse_stopccn(u->payload, u->caplen, u->len, &st))
		return;
	must(st.tunnel_id && st.assigned_id);
	must(st.assigned_id_off + 2 <= u->caplen);
	must(get_be16(u->payload + st.assigned_id_off) == st.assigned_id);
	v = rewrite(pkt, caplen, u, st.assigned_id_off, st.assigned_id);
	if (!v)
		return;
	must(pkt_parse_udp(pkt, caplen, len, &u2) == 0);
	must(l2tp_parse_stopccn(u2.payload, u2.caplen, u2.len, &again) == 0);
	must(again.assigned_id == v &&
	     again.assigned_id_off == st.assigned_id_off &&
	     again.tunnel_id == st.tunnel_id);
}

/* @caplen bytes of a packet of @len, in a buffer of exactly @caplen */
static void one(const uint8_t *data, size_t caplen, size_t len)
{
	struct pkt_udp u;
	uint8_t *pkt;

	if (!caplen)
		return;
	pkt = malloc(caplen);
	must(pkt);
	memcpy(pkt, data, caplen);
	if (pkt_parse_udp(pkt, caplen, len, &u) == 0) {
		must(u.caplen <= u.len);
		must(u.payload >= pkt + 8 && u.payload + u.caplen <= pkt + caplen);
		/* each on the packet as the queue gave it */
		sccrq(pkt, caplen, len, &u);
		memcpy(pkt, data, caplen);
		stopccn(pkt, caplen, len, &u);
	}
	free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct l2tp_stopccn st;
	struct l2tp_sccrq s;
	uint8_t *copy;

	one(data, size, size);
	if (size > 1)
		one(data, size - data[size - 1] % size, size);
	/* the L2TP parsers alone, on the raw bytes, cut or not */
	if (!size)
		return 0;
	copy = malloc(size);
	must(copy);
	memcpy(copy, data, size);
	if (l2tp_parse_sccrq(copy, size, size, &s) == 0)
		must(s.hostname + s.hostname_len <= copy + size &&
		     s.tunnel_id_off + 2 <= size);
	if (l2tp_parse_stopccn(copy, size, size, &st) == 0)
		must(st.assigned_id_off + 2 <= size);
	free(copy);
	/* cut by one byte, in a buffer of its own: the AVP that would
	 * complete the message is missing */
	if (size > 1) {
		copy = malloc(size - 1);
		must(copy);
		memcpy(copy, data, size - 1);
		if (l2tp_parse_sccrq(copy, size - 1, size, &s) == 0)
			must(s.tunnel_id_off + 2 <= size - 1);
		if (l2tp_parse_stopccn(copy, size - 1, size, &st) == 0)
			must(st.assigned_id_off + 2 <= size - 1);
		free(copy);
	}
	return 0;
}
