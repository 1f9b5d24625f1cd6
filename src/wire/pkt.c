// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IP and UDP header checks, and the one change the daemon makes to a
 * datagram: a 16-bit write with its UDP checksum computed afresh, only
 * into a datagram held whole.  Pure: every length is checked before it
 * is read, multi-byte fields are read byte by byte (no unaligned casts).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "wire/bytes.h"
#include "wire/pkt.h"
#include "wire/reject.h"

static int parse_udp(uint8_t *l4, size_t caplen, size_t iplen,
		     struct pkt_udp *out)
{
	size_t ulen;

	if (caplen < 8 || iplen < 8)
		return -REJ_UDP;
	ulen = get_be16(l4 + 4);
	/* trailing bytes after the UDP datagram are allowed, as in udp_rcv */
	if (ulen < 8 || ulen > iplen)
		return -REJ_UDP;
	out->sport = get_be16(l4);
	out->dport = get_be16(l4 + 2);
	out->payload = l4 + 8;
	out->len = ulen - 8;
	out->caplen = caplen - 8 < out->len ? caplen - 8 : out->len;
	out->rewritten = 0;
	return 0;
}

static int parse_ipv4(uint8_t *buf, size_t caplen, size_t origlen,
		      struct pkt_udp *out)
{
	size_t ihl, totlen;

	if (caplen < 20)
		return -REJ_IP;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	totlen = get_be16(buf + 2);
	if (ihl < 20 || ihl > caplen || totlen < ihl || totlen > origlen)
		return -REJ_IP;
	/* MF set or a fragment offset: LOCAL_IN sees reassembled packets */
	if (get_be16(buf + 6) & 0x3fff)
		return -REJ_FRAGMENT;
	if (buf[9] != IPPROTO_UDP)
		return -REJ_NOT_UDP;
	out->family = AF_INET;
	memcpy(&out->saddr.v4, buf + 12, 4);
	memcpy(&out->daddr.v4, buf + 16, 4);
	return parse_udp(buf + ihl, caplen - ihl, totlen - ihl, out);
}

static int parse_ipv6(uint8_t *buf, size_t caplen, size_t origlen,
		      struct pkt_udp *out)
{
	size_t off = 40, end, hlen;
	uint8_t nexthdr;

	if (caplen < 40)
		return -REJ_IP;
	end = 40 + (size_t)get_be16(buf + 4);
	/* payload length 0 is a jumbogram: not an L2TP packet */
	if (end == 40 || end > origlen)
		return -REJ_IP;
	nexthdr = buf[6];
	out->family = AF_INET6;
	memcpy(&out->saddr.v6, buf + 8, 16);
	memcpy(&out->daddr.v6, buf + 24, 16);

	/* the kernel leaves extension headers in place: walk them */
	for (;;) {
		switch (nexthdr) {
		case IPPROTO_UDP:
			if (off > caplen)
				return -REJ_IP;
			return parse_udp(buf + off, caplen - off, end - off,
					 out);
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 2 > caplen)
				return -REJ_IP;
			hlen = ((size_t)buf[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if (off + 2 > caplen)
				return -REJ_IP;
			hlen = ((size_t)buf[off + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			return -REJ_FRAGMENT;
		default:
			return -REJ_NOT_UDP;
		}
		nexthdr = buf[off];
		off += hlen;
		if (off > end)
			return -REJ_IP;
	}
}

int pkt_parse_udp(uint8_t *buf, size_t caplen, size_t origlen,
		  struct pkt_udp *out)
{
	if (origlen < caplen)
		origlen = caplen;
	if (caplen < 1)
		return -REJ_IP;
	switch (buf[0] >> 4) {
	case 4:
		return parse_ipv4(buf, caplen, origlen, out);
	case 6:
		return parse_ipv6(buf, caplen, origlen, out);
	default:
		return -REJ_IP;
	}
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get_be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

void pkt_udp_checksum(const struct pkt_udp *u)
{
	uint8_t *udp = u->payload - 8;
	size_t alen = u->family == AF_INET ? 4 : 16;
	uint32_t ulen = (uint32_t)u->len + 8, sum;
	uint16_t csum;

	/* the pseudo-header: addresses, protocol, UDP length */
	sum = sum16(0, (const uint8_t *)&u->saddr, alen);
	sum = sum16(sum, (const uint8_t *)&u->daddr, alen);
	sum += IPPROTO_UDP + (ulen >> 16) + (ulen & 0xffff);
	put_be16(udp + 6, 0);
	sum = sum16(sum, udp, ulen);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	/* 0 means "no checksum" in UDP: a computed 0 is sent as 0xffff */
	put_be16(udp + 6, csum ? csum : 0xffff);
}

int pkt_udp_write16(struct pkt_udp *u, size_t off, uint16_t v)
{
	if (u->caplen != u->len || off > u->len || u->len - off < 2)
		return -EMSGSIZE;
	put_be16(u->payload + off, v);
	/* after NAT-T the old checksum was over the client's private
	 * address already; the kernel checks the new one */
	pkt_udp_checksum(u);
	u->rewritten = 1;
	return 0;
}
