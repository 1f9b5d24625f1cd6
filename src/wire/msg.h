/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_MSG_H
#define L2TP_NFQD_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <l2tp-nfq/l2tp-nfqd.h>

/* Where a tunnel's mark came from; the values of format 2. */
enum mark_src {
	MARK_NONE,
	MARK_PACKET = L2TP_NFQ_MARK_PACKET,
	MARK_CT_ATTACHED = L2TP_NFQ_MARK_CT,	/* NFQA_CT */
	MARK_CT_LOOKUP = L2TP_NFQ_MARK_CT_LOOKUP,
};

/* Everything one message can say about a new tunnel. */
struct sccrq_info {
	int family;
	union l2tp_nfq_addr peer, local;
	uint16_t peer_port, local_port;
	uint16_t tunnel_id;	/* the ID the L2TP daemon sees */
	uint16_t orig_tid;	/* the peer's own ID (differs if translated) */
	uint32_t mark;
	enum mark_src mark_src;
	const uint8_t *hostname;
	size_t hostname_len;
};

#define MSG_BUF_SIZE	1088	/* the largest message of any format */

/*
 * msg_encode - the datagram for one SCCRQ in wire format @format.
 * Returns its length, -EAFNOSUPPORT when the format cannot carry the
 * address family, or -EINVAL.  Pure.
 */
ssize_t msg_encode(int format, const struct sccrq_info *info,
		   uint8_t *buf, size_t size);

#endif
