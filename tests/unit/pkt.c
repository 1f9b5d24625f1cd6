// SPDX-License-Identifier: GPL-2.0-or-later
/* IP and UDP header checks, the checksum and the 16-bit write
 * (src/wire/pkt.c). */
#include <errno.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "wire/pkt.h"
#include "wire/reject.h"
#include "unit.h"

/* The one's complement sum of pseudo-header and datagram, folded. */
static uint16_t verify(const uint8_t *ip, size_t alen, int v6,
		       const uint8_t *udp, size_t ulen)
{
	uint32_t sum = 17 + (uint32_t)ulen;
	size_t i;

	for (i = 0; i < 2 * alen; i += 2)
		sum += (uint32_t)(ip[(v6 ? 8 : 12) + i] << 8 | ip[(v6 ? 8 : 12) + i + 1]);
	for (i = 0; i + 1 < ulen; i += 2)
		sum += (uint32_t)(udp[i] << 8 | udp[i + 1]);
	if (ulen & 1)
		sum += (uint32_t)udp[ulen - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_checksum(void)
{
	uint8_t p[512];
	struct pkt_udp u;
	struct b m;
	size_t n;

	sccrq(&m, 5, "odd");	/* an odd length */
	n = ip4udp(p, &m, 1701);
	pkt_parse_udp(p, n, n, &u);
	pkt_udp_checksum(&u);
	CHECK("udp checksum, IPv4", (p[26] || p[27]) &&
	      verify(p, 4, 0, p + 20, n - 20) == 0xffff);
	p[28 + m.n - 1] ^= 0x55;	/* a rewrite: the checksum follows */
	pkt_udp_checksum(&u);
	CHECK("udp checksum after a rewrite",
	      verify(p, 4, 0, p + 20, n - 20) == 0xffff);
	n = ip6udp(p, &m, NULL, 0, IPPROTO_UDP);
	pkt_parse_udp(p, n, n, &u);
	pkt_udp_checksum(&u);
	CHECK("udp checksum, IPv6",
	      verify(p, 16, 1, p + 40, n - 40) == 0xffff);
}

/* The one write: in a datagram held whole, with its checksum, flagged. */
static void test_write16(void)
{
	uint8_t p[512], before[512];
	struct pkt_udp u;
	struct b m;
	size_t n;

	sccrq(&m, 5, "w");
	n = ip4udp(p, &m, 1701);
	pkt_parse_udp(p, n, n, &u);
	CHECK("write16: a parsed datagram is not rewritten", !u.rewritten);
	CHECK("write16: written, checksum valid, flagged",
	      pkt_udp_write16(&u, m.n - 2, 0x8001) == 0 && u.rewritten &&
	      p[n - 2] == 0x80 && p[n - 1] == 0x01 &&
	      verify(p, 4, 0, p + 20, n - 20) == 0xffff);
	CHECK("write16: not past the payload",
	      pkt_udp_write16(&u, m.n - 1, 1) == -EMSGSIZE &&
	      pkt_udp_write16(&u, m.n + 1, 1) == -EMSGSIZE);
	n = ip4udp(p, &m, 1701);
	pkt_parse_udp(p, n - 1, n, &u);
	memcpy(before, p, n);
	CHECK("write16: not into a copy cut short",
	      pkt_udp_write16(&u, 0, 1) == -EMSGSIZE && !u.rewritten &&
	      !memcmp(before, p, n));
}

void test_pkt(void)
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
	test_checksum();
	test_write16();
}

