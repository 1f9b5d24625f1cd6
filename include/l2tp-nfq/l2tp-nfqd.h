/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * l2tp-nfqd public wire format.
 *
 * l2tp-nfqd sends one AF_UNIX datagram per L2TPv2 SCCRQ it sees on its
 * netfilter queue.  The datagram tells the L2TP daemon which netfilter mark
 * belongs to the new tunnel, so that the daemon can set SO_MARK on the
 * tunnel's socket and its replies leave over the right IPsec SA.
 *
 * Integers are in host byte order, addresses in network byte order.  The
 * host name is NOT NUL-terminated in format 1: its length is
 * len - sizeof(struct l2tp_nfq_msg).  This layout is byte-for-byte that of
 * the original l2tp-nfqd, so existing consumers keep working.
 */
#ifndef L2TP_NFQD_H
#define L2TP_NFQD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#define L2TP_NFQ_FORMAT_1	1

/* Format 1: IPv4 only. */
struct l2tp_nfq_msg {
	uint16_t reserved;	/* format version, 1 */
	uint16_t len;		/* datagram length: 16 + host name length */
	struct in_addr peer_ip;	/* peer's IPv4 address, network order */
	uint32_t peer_tid;	/* peer's Assigned Tunnel ID from the SCCRQ */
	uint32_t mark;		/* netfilter mark of the SCCRQ */
	char hostname[];	/* peer's Host Name AVP, not NUL-terminated */
};

/* Host Name AVP values are at most 1017 bytes; 1024 keeps the original. */
#define L2TP_NFQ_HOSTNAME_MAX	1024
#define L2TP_NFQ_MSG_MAX_SIZE	(sizeof(struct l2tp_nfq_msg) + L2TP_NFQ_HOSTNAME_MAX)

/*
 * l2tp_nfq_msg_valid - check a received datagram before using it.
 * @buf: the datagram, @n: the number of bytes recv() returned.
 *
 * Returns the format version (1) if the datagram is a complete, consistent
 * message, or 0 if it must be ignored.  For format 1 the host name length
 * is then msg->len - sizeof(struct l2tp_nfq_msg).  Reads the header with
 * memcpy, so @buf need not be aligned.
 */
static inline int l2tp_nfq_msg_valid(const void *buf, size_t n)
{
	uint16_t hdr[2];

	if (n < sizeof(struct l2tp_nfq_msg) || n > L2TP_NFQ_MSG_MAX_SIZE)
		return 0;
	memcpy(hdr, buf, sizeof(hdr));
	if (hdr[1] != n)
		return 0;
	if (hdr[0] == L2TP_NFQ_FORMAT_1)
		return n > sizeof(struct l2tp_nfq_msg) ? L2TP_NFQ_FORMAT_1 : 0;
	return 0;
}

#endif /* L2TP_NFQD_H */
