/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_L2TP_H
#define L2TP_NFQD_L2TP_H

#include <stddef.h>
#include <stdint.h>

#define L2TP_PORT		1701
#define L2TP_HOSTNAME_MAX	1017	/* 10-bit AVP length less the header */

/* The L2TPv2 header (RFC 2661 3.1): the flags word first. */
#define L2TP_T			0x8000	/* control message */
#define L2TP_L			0x4000	/* Length present */
#define L2TP_S			0x0800	/* Ns, Nr present */
#define L2TP_O			0x0200	/* Offset present */
#define L2TP_P			0x0100	/* priority */
#define L2TP_VER_MASK		0x000f
#define L2TP_VERSION		2

/* Control messages have T, L, S set and O, P clear. */
#define L2TP_CTRL_MASK		(L2TP_T | L2TP_L | L2TP_S | L2TP_O | L2TP_P | \
				 L2TP_VER_MASK)
#define L2TP_CTRL_FLAGS		(L2TP_T | L2TP_L | L2TP_S | L2TP_VERSION)

/* Offsets in a header with the L bit set; without it, Length is absent
 * and the IDs come 2 bytes earlier. */
#define L2TP_OFF_LENGTH		2
#define L2TP_OFF_TUNNEL		4
#define L2TP_OFF_SESSION	6
#define L2TP_OFF_NS		8
#define L2TP_OFF_NR		10
#define L2TP_CTRL_HDR_LEN	12

/* Tunnel IDs that l2tp-nfqd gives translated tunnels are at least this
 * (tunnels.c); the output rules look for translations only there. */
#define L2TP_XLATE_MIN		0x8000

/* Message Types (the first AVP of every control message) */
#define L2TP_MSG_SCCRQ		1
#define L2TP_MSG_SCCRP		2
#define L2TP_MSG_STOPCCN	4

/* The set of Message Types a caller acts on, for l2tp_parse(). */
#define L2TP_WANT(type)		(1u << (type))

/* An Assigned Tunnel ID AVP: the sender's ID, and where its value is in
 * the message (what a translation rewrites). */
struct l2tp_tid {
	uint16_t id;			/* never 0 */
	size_t off;
};

/* A control message the daemon acts on, as l2tp_parse() read it. */
struct l2tp_ctrl {
	uint16_t type;		/* L2TP_MSG_SCCRQ, _SCCRP or _STOPCCN */
	uint16_t tunnel_id;	/* header: the receiver's ID, 0 in an
				 * SCCRQ (it opens the tunnel) */
	struct l2tp_tid assigned;	/* the sender's own ID */
	/* the Host Name, pointing into the message: 1 .. L2TP_HOSTNAME_MAX
	 * bytes in an SCCRQ, 0 when another message has none */
	const uint8_t *hostname;
	size_t hostname_len;
};

/*
 * l2tp_parse - which control message this UDP payload is, and what the
 * daemon needs of it.  @want: the Message Types the caller acts on
 * (L2TP_WANT() of each); the header decides which of them it can be: a
 * Tunnel ID of 0 opens a tunnel (an SCCRQ, with Session ID, Ns and Nr
 * 0), any other names one (a StopCCN or an SCCRP).  -REJ_TUNNEL_ID when
 * none of @want can have this header, -REJ_NOT_SCCRQ when its Message
 * Type is another.
 *
 * @buf, @caplen: the payload bytes present; @len: its real length
 * (larger when the queue's copy range cut the packet: -REJ_TRUNCATED,
 * as what was not copied may hold a second reading).  There must be
 * exactly one Assigned Tunnel ID (of vendor 0, not hidden, of any
 * vendor's type 9), and in an SCCRQ one Host Name of vendor 0, as L2TP
 * daemons read duplicates each their own way.
 *
 * Returns the Message Type and fills @out, or -REJ_* (reject.h).  Pure.
 */
int l2tp_parse(const uint8_t *buf, size_t caplen, size_t len,
	       unsigned int want, struct l2tp_ctrl *out);

#endif
