/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_L2TP_H
#define L2TP_NFQD_L2TP_H

#include <stddef.h>
#include <stdint.h>

#define L2TP_PORT		1701
#define L2TP_HOSTNAME_MAX	1017	/* 10-bit AVP length less the header */

struct l2tp_sccrq {
	uint16_t tunnel_id;		/* the peer's Assigned Tunnel ID */
	const uint8_t *hostname;	/* points into the packet */
	size_t hostname_len;		/* 1 .. L2TP_HOSTNAME_MAX */
};

/*
 * l2tp_parse_sccrq - is this UDP payload an SCCRQ that opens a new tunnel?
 * @buf, @caplen: the payload bytes present; @len: its real length (larger
 * when the queue's copy range cut the packet, which is then parsed as far
 * as it goes).  Returns 0 and fills @out, or -REJ_* (reject.h).
 */
int l2tp_parse_sccrq(const uint8_t *buf, size_t caplen, size_t len,
		     struct l2tp_sccrq *out);

#endif
