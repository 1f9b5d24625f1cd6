/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_PKT_H
#define L2TP_NFQD_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <l2tp-nfq/l2tp-nfqd.h>

/*
 * A UDP datagram inside a queued IPv4 or IPv6 packet, in the caller's
 * writable copy of it.
 */
struct pkt_udp {
	int family;			/* AF_INET or AF_INET6 */
	union l2tp_nfq_addr saddr, daddr;	/* network order */
	uint16_t sport, dport;		/* host order */
	uint8_t *payload;		/* UDP payload, in that copy */
	size_t caplen;			/* payload bytes present in the copy */
	size_t len;			/* payload length per the UDP header */
	int rewritten;			/* pkt_udp_write16() changed it */
};

/*
 * pkt_parse_udp - check the IP and UDP headers of a queued packet.
 * @buf, @caplen: the bytes the queue copied; @origlen: the packet's real
 * length (NFQA_CAP_LEN when the copy was cut, else @caplen).
 * Returns 0 or -REJ_* (reject.h).
 */
int pkt_parse_udp(uint8_t *buf, size_t caplen, size_t origlen,
		  struct pkt_udp *out);

/*
 * pkt_udp_checksum - compute the UDP checksum of the datagram @u
 * describes afresh, into its header (just before @u->payload), e.g.
 * after a rewrite of its payload.  Only for a datagram held whole.
 */
void pkt_udp_checksum(const struct pkt_udp *u);

/*
 * pkt_udp_write16 - write @v at @off in the payload of the datagram @u
 * describes, compute its UDP checksum afresh and set @u->rewritten.
 * Only a datagram held whole can be changed: 0, or -EMSGSIZE (nothing
 * written).
 */
int pkt_udp_write16(struct pkt_udp *u, size_t off, uint16_t v);

#endif
