// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness over everything that reads packet bytes: the IP/UDP
 * checks, the L2TP header and AVP walk of SCCRQs, StopCCNs and SCCRPs
 * (for every set of Message Types a caller reads for), the encoding of
 * what an SCCRQ says in both message formats, and what --tunnel-marks
 * does with a parsed message: its Assigned Tunnel ID rewritten in place
 * with a fresh UDP checksum (pkt_udp_write16), then read back.
 *
 * The same bytes also go, as a reply datagram of the daemon's control
 * socket, to the status command's parser (st_daemon_parse): whatever it
 * keeps is NUL-terminated and within its fields.
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
#include <sys/socket.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "status/daemon.h"
#include "status/view.h"
#include "wire/bytes.h"
#include "wire/l2tp.h"
#include "wire/msg.h"
#include "wire/pkt.h"
#include "wire/reject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() on a broken property, even where NDEBUG would drop assert() */
#define must(cond) do { if (!(cond)) abort(); } while (0)

/* Every set of Message Types a caller reads for. */
#define ALL_TYPES	(L2TP_WANT(L2TP_MSG_SCCRQ) | \
			 L2TP_WANT(L2TP_MSG_STOPCCN) | \
			 L2TP_WANT(L2TP_MSG_SCCRP))

static void encode(const struct pkt_udp *u, const struct l2tp_ctrl *c)
{
	struct sccrq_info info = {
		.family = u->family, .peer = u->saddr, .local = u->daddr,
		.peer_port = u->sport, .local_port = u->dport,
		.tunnel_id = c->assigned.id, .mark = 1,
		.mark_src = MARK_PACKET,
		.hostname = c->hostname, .hostname_len = c->hostname_len,
	};
	uint8_t buf[MSG_BUF_SIZE];
	ssize_t n;

	assert(c->assigned.id != 0);
	assert(c->hostname_len >= 1 && c->hostname_len <= L2TP_HOSTNAME_MAX);
	n = msg_encode(1, &info, buf, sizeof(buf));
	if (u->family == AF_INET)
		assert(n > 0 && l2tp_nfq_msg_valid(buf, (size_t)n) == 1);
	else
		assert(n < 0);
	n = msg_encode(2, &info, buf, sizeof(buf));
	assert(n > 0 && l2tp_nfq_msg_valid(buf, (size_t)n) == 2);
}

/*
 * l2tp_parse() of @buf for every set of Message Types: a reading is
 * within the bytes copied, the same whatever else was asked for, and a
 * refusal the same as the narrowest set's.  Returns the reading for
 * all types (-REJ_* or the Message Type).
 */
static int parse_all(const uint8_t *buf, size_t caplen, size_t len,
		     struct l2tp_ctrl *out)
{
	struct l2tp_ctrl c;
	unsigned int want;
	int all, ret;

	memset(out, 0, sizeof(*out));
	all = l2tp_parse(buf, caplen, len, ALL_TYPES, out);
	if (all > 0) {
		must(out->type == all && out->assigned.id != 0);
		must(out->assigned.off + 2 <= caplen);
		must(get_be16(buf + out->assigned.off) == out->assigned.id);
		must(!out->hostname_len ||
		     (out->hostname >= buf &&
		      out->hostname + out->hostname_len <= buf + caplen));
		must((all == L2TP_MSG_SCCRQ) == !out->tunnel_id);
	}
	for (want = 1; want < (1u << 5); want++) {
		if (want & ~ALL_TYPES)
			continue;
		memset(&c, 0, sizeof(c));
		ret = l2tp_parse(buf, caplen, len, want, &c);
		if (ret > 0)
			must(ret == all && (want & L2TP_WANT(ret)) &&
			     c.type == out->type &&
			     c.tunnel_id == out->tunnel_id &&
			     c.assigned.id == out->assigned.id &&
			     c.assigned.off == out->assigned.off &&
			     c.hostname == out->hostname &&
			     c.hostname_len == out->hostname_len);
		else if (all > 0)
			must(!(want & L2TP_WANT(all)));
		else
			must(ret == all || ret == -REJ_TUNNEL_ID ||
			     ret == -REJ_NOT_SCCRQ);
	}
	return all;
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
 * @pkt, @caplen bytes), as xlate.c does.  A datagram held whole takes
 * it, with a valid checksum, flagged as rewritten, and nothing else
 * changes; any other is refused (-EMSGSIZE) and left alone.  Returns
 * the ID written, or 0.
 */
static uint16_t rewrite(uint8_t *pkt, size_t caplen, struct pkt_udp *u,
			size_t off, uint16_t old)
{
	size_t at = (size_t)(u->payload - pkt) + off;
	uint16_t v = (uint16_t)(L2TP_XLATE_MIN | (old ^ 0x5a5a));
	uint8_t *before = malloc(caplen);
	size_t i;
	int ret;

	must(before);
	memcpy(before, pkt, caplen);
	ret = pkt_udp_write16(u, off, v);
	if (u->caplen != u->len) {
		must(ret == -EMSGSIZE && !u->rewritten);
		must(!memcmp(before, pkt, caplen));
		free(before);
		return 0;
	}
	must(ret == 0 && u->rewritten);
	must(get_be16(pkt + at) == v);
	must(checksum_ok(u, u->payload - 8));
	/* only the ID and the UDP checksum changed */
	for (i = 0; i < caplen; i++) {
		if (i == at || i == at + 1 ||
		    pkt + i == u->payload - 2 || pkt + i == u->payload - 1)
			continue;
		must(pkt[i] == before[i]);
	}
	free(before);
	return v;
}

/* A message the daemon acts on: an SCCRQ's message encoded, then the
 * Assigned Tunnel ID rewritten and read back, the rest unchanged. */
static void message(uint8_t *pkt, size_t caplen, size_t len,
		    struct pkt_udp *u)
{
	struct l2tp_ctrl c, again;
	struct pkt_udp u2;
	uint16_t v;
	int type;

	type = parse_all(u->payload, u->caplen, u->len, &c);
	if (type < 0)
		return;
	if (type == L2TP_MSG_SCCRQ)
		encode(u, &c);
	v = rewrite(pkt, caplen, u, c.assigned.off, c.assigned.id);
	if (!v)
		return;
	/* the L2TP daemon reads the new ID, at the same place */
	must(pkt_parse_udp(pkt, caplen, len, &u2) == 0);
	must(u2.payload == u->payload && u2.len == u->len);
	must(parse_all(u2.payload, u2.caplen, u2.len, &again) == type);
	must(again.assigned.id == v && again.assigned.off == c.assigned.off);
	must(again.tunnel_id == c.tunnel_id &&
	     again.hostname == c.hostname &&
	     again.hostname_len == c.hostname_len);
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
		must(u.caplen <= u.len && !u.rewritten);
		must(u.payload >= pkt + 8 && u.payload + u.caplen <= pkt + caplen);
		message(pkt, caplen, len, &u);
	}
	free(pkt);
}

/* The L2TP parser alone on @size raw bytes of @data, @caplen of them
 * copied, in a buffer of its own */
static void raw(const uint8_t *data, size_t caplen, size_t size)
{
	struct l2tp_ctrl c;
	uint8_t *copy;

	copy = malloc(caplen);
	must(copy);
	memcpy(copy, data, caplen);
	parse_all(copy, caplen, size, &c);
	free(copy);
}

/* A control socket reply: kept only as far as it is well formed. */
static void status_reply(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct st_view v;
	size_t next = 0, i;
	int ret;

	if (!buf)
		return;
	memcpy(buf, data, size);
	memset(&v, 0, sizeof(v));
	ret = st_daemon_parse(buf, size, &v, &next);
	must(ret == 0 || ret == 1 || ret == -EPROTO || ret == -EBADMSG ||
	     ret == -ENOMEM);
	must(memchr(v.version, 0, sizeof(v.version)));
	for (i = 0; i < v.n; i++)
		must(memchr(v.t[i].host, 0, sizeof(v.t[i].host)) &&
		     (v.t[i].family == AF_INET || v.t[i].family == AF_INET6));
	for (i = 0; i < v.ncounters; i++)
		must(memchr(v.counters[i].name, 0,
			    sizeof(v.counters[i].name)));
	st_view_free(&v);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	status_reply(data, size);
	one(data, size, size);
	if (size > 1)
		one(data, size - data[size - 1] % size, size);
	if (!size)
		return 0;
	raw(data, size, size);
	/* cut by one byte: the AVP that would complete the message is
	 * missing */
	if (size > 1)
		raw(data, size - 1, size);
	return 0;
}
