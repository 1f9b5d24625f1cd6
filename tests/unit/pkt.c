// SPDX-License-Identifier: GPL-2.0-or-later
/* IP and UDP header checks (src/pkt.c). */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "pkt.h"
#include "reject.h"
#include "unit.h"

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
}

