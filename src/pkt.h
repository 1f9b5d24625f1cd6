/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_PKT_H
#define L2TP_NFQD_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <l2tp-nfq/l2tp-nfqd.h>

/* A UDP datagram inside a queued IPv4 or IPv6 packet. */
struct pkt_udp {
	int family;			/* AF_INET or AF_INET6 */
	union l2tp_nfq_addr saddr, daddr;	/* network order */
	uint16_t sport, dport;		/* host order */
	const uint8_t *payload;		/* UDP payload */
	size_t caplen;			/* payload bytes present in the copy */
	size_t len;			/* payload length per the UDP header */
};

/*
 * pkt_parse_udp - check the IP and UDP headers of a queued packet.
 * @buf, @caplen: the bytes the queue copied; @origlen: the packet's real
 * length (NFQA_CAP_LEN when the copy was cut, else @caplen).
 * Returns 0 or -REJ_* (reject.h).
 */
int pkt_parse_udp(const uint8_t *buf, size_t caplen, size_t origlen,
		  struct pkt_udp *out);

/*
 * pkt_udp_checksum - compute the UDP checksum afresh into the header at
 * @udp (the datagram @u describes, held whole), e.g. after a rewrite of
 * its payload.  Pure.
 */
void pkt_udp_checksum(const struct pkt_udp *u, uint8_t *udp);

/*
 * pkt_udp_write16 - write @v at @off in the payload of the datagram @u
 * describes, @payload being its writable copy, and compute the UDP
 * checksum afresh.  Only a datagram held whole can be: 0, or -EMSGSIZE.
 */
int pkt_udp_write16(const struct pkt_udp *u, uint8_t *payload, size_t off,
		    uint16_t v);

#endif
