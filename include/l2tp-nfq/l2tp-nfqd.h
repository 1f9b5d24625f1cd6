/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * l2tp-nfqd public wire format.
 *
 * l2tp-nfqd sends one AF_UNIX datagram per L2TPv2 SCCRQ it sees on its
 * netfilter queue.  The datagram tells the L2TP daemon which netfilter mark
 * belongs to the new tunnel, so that the daemon can set SO_MARK on the
 * tunnel's socket and its replies leave over the right IPsec SA.
 *
 * Every format starts with two 16-bit fields: the format version and the
 * datagram's length, so a consumer can dispatch on the first.  Integers
 * are in host byte order, addresses in network byte order.
 *
 * Format 1 (the default) is byte for byte the message of the original
 * l2tp-nfqd, so existing consumers keep working; it is IPv4-only and its
 * host name is NOT NUL-terminated: its length is
 * len - sizeof(struct l2tp_nfq_msg).
 *
 * Format 2 (--format 2) says what format 1 cannot: IPv6, ports, the local
 * address, where the mark came from.
 */
#ifndef L2TP_NFQD_H
#define L2TP_NFQD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define L2TP_NFQ_FORMAT_1	1
#define L2TP_NFQ_FORMAT_2	2

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

/* Format 2: where the mark came from (mark_source). */
#define L2TP_NFQ_MARK_PACKET	1	/* the SCCRQ packet's own mark */
#define L2TP_NFQ_MARK_CT	2	/* conntrack mark attached by the kernel */
#define L2TP_NFQ_MARK_CT_LOOKUP	3	/* conntrack mark from a lookup */

/*
 * Format 2 flags.  L2TP_NFQ_F_TRANSLATED: two IPsec SAs behind one
 * address opened tunnels with the same ID, and l2tp-nfqd rewrote this
 * SCCRQ's Assigned Tunnel ID (--tunnel-marks): peer_tid is the ID the L2TP
 * daemon sees (in both formats), and bits 16-31 of flags hold the peer's
 * own ID, the one its packets carry before l2tp-nfqd's rules write it back.
 */
#define L2TP_NFQ_F_TRANSLATED		0x1
#define L2TP_NFQ_F_ORIG_TID_SHIFT	16
#define L2TP_NFQ_ORIG_TID(flags)	((uint16_t)((flags) >> 16))

/* A short name for a mark_source value, for logs and tools. */
static inline const char *l2tp_nfq_mark_source_name(unsigned int src)
{
	switch (src) {
	case L2TP_NFQ_MARK_PACKET:
		return "packet";
	case L2TP_NFQ_MARK_CT:
		return "conntrack";
	case L2TP_NFQ_MARK_CT_LOOKUP:
		return "conntrack-lookup";
	default:
		return "unknown";
	}
}

/* An IPv4 address fills the first 4 bytes; the rest are zero. */
union l2tp_nfq_addr {
	struct in_addr v4;
	struct in6_addr v6;
};

/*
 * Format 2.  Offsets and byte order:
 *   0  u16 version       host     2
 *   2  u16 len           host     datagram length, the NUL included
 *   4  u16 family        host     AF_INET or AF_INET6
 *   6  u16 mark_source   host     L2TP_NFQ_MARK_*
 *   8  u32 peer_tid      host     the peer's Assigned Tunnel ID
 *  12  u32 mark          host     the netfilter mark
 *  16  u16 peer_port     host     the peer's UDP port
 *  18  u16 local_port    host     the local UDP port (1701)
 *  20  u32 flags         host     L2TP_NFQ_F_*; other bits 0
 *                                 (a consumer ignores bits it does not
 *                                 know)
 *  24  16  peer_addr     network
 *  40  16  local_addr    network  the address the SCCRQ was sent to
 *  56  n+1 hostname      bytes    the Host Name AVP (n = 1..1017 bytes),
 *                                 then a NUL; n = len - 56 - 1.  The name
 *                                 may itself hold NUL bytes: use n.
 */
struct l2tp_nfq_msg2 {
	uint16_t version;
	uint16_t len;
	uint16_t family;
	uint16_t mark_source;
	uint32_t peer_tid;
	uint32_t mark;
	uint16_t peer_port;
	uint16_t local_port;
	uint32_t flags;
	union l2tp_nfq_addr peer_addr;
	union l2tp_nfq_addr local_addr;
	char hostname[];
};

#define L2TP_NFQ_MSG2_MAX_SIZE	(sizeof(struct l2tp_nfq_msg2) + L2TP_NFQ_HOSTNAME_MAX)

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct l2tp_nfq_msg) == 16, "format 1 layout");
_Static_assert(offsetof(struct l2tp_nfq_msg2, peer_tid) == 8 &&
	       offsetof(struct l2tp_nfq_msg2, peer_port) == 16 &&
	       offsetof(struct l2tp_nfq_msg2, peer_addr) == 24 &&
	       offsetof(struct l2tp_nfq_msg2, local_addr) == 40 &&
	       offsetof(struct l2tp_nfq_msg2, hostname) == 56 &&
	       sizeof(struct l2tp_nfq_msg2) == 56, "format 2 layout");
#endif

/*
 * l2tp_nfq_msg_valid - check a received datagram before using it.
 * @buf: the datagram, @n: the number of bytes recv() returned.
 *
 * Returns the format version (1 or 2) if the datagram is a complete,
 * consistent message, or 0 if it must be ignored.  The host name holds
 * len - sizeof(struct l2tp_nfq_msg) bytes in format 1, and
 * len - sizeof(struct l2tp_nfq_msg2) - 1 bytes plus a NUL in format 2.
 * Reads with memcpy, so @buf need not be aligned.
 */
static inline int l2tp_nfq_msg_valid(const void *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)buf;
	uint16_t hdr[3];

	if (n < sizeof(struct l2tp_nfq_msg))
		return 0;
	memcpy(hdr, buf, sizeof(hdr));
	if (hdr[1] != n)
		return 0;
	switch (hdr[0]) {
	case L2TP_NFQ_FORMAT_1:
		return n > sizeof(struct l2tp_nfq_msg) &&
		       n <= L2TP_NFQ_MSG_MAX_SIZE ? L2TP_NFQ_FORMAT_1 : 0;
	case L2TP_NFQ_FORMAT_2:
		if (n < sizeof(struct l2tp_nfq_msg2) + 2 ||
		    n > L2TP_NFQ_MSG2_MAX_SIZE || p[n - 1] != '\0')
			return 0;
		return hdr[2] == AF_INET || hdr[2] == AF_INET6 ?
		       L2TP_NFQ_FORMAT_2 : 0;
	default:
		return 0;
	}
}

#endif /* L2TP_NFQD_H */
