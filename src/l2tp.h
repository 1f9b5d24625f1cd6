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

struct l2tp_sccrq {
	uint16_t tunnel_id;		/* the peer's Assigned Tunnel ID */
	size_t tunnel_id_off;		/* where its value is in the message */
	const uint8_t *hostname;	/* points into the packet */
	size_t hostname_len;		/* 1 .. L2TP_HOSTNAME_MAX */
};

/*
 * l2tp_parse_sccrq - is this UDP payload an SCCRQ that opens a new tunnel?
 * @buf, @caplen: the payload bytes present; @len: its real length (larger
 * when the queue's copy range cut the packet: -REJ_TRUNCATED, as what was
 * not copied may hold a second reading).  There must be exactly one
 * Assigned Tunnel ID (of vendor 0, not hidden, of any vendor's type 9)
 * and one Host Name of vendor 0, as L2TP daemons read duplicates each
 * their own way.  Returns 0 and fills @out, or -REJ_* (reject.h).
 */
int l2tp_parse_sccrq(const uint8_t *buf, size_t caplen, size_t len,
		     struct l2tp_sccrq *out);

/* A StopCCN: the peer closes its tunnel, and names it by its own ID.  (An
 * SCCRP has the same shape the other way.) */
struct l2tp_stopccn {
	uint16_t tunnel_id;		/* header: the L2TP daemon's ID */
	uint16_t assigned_id;		/* the peer's Assigned Tunnel ID */
	size_t assigned_id_off;		/* where its value is in the message */
};

/*
 * l2tp_parse_stopccn - like l2tp_parse_sccrq() for a StopCCN, which must
 * carry a non-zero header Tunnel ID and an Assigned Tunnel ID AVP.
 * Returns 0, or -REJ_* (-REJ_NOT_SCCRQ: another Message Type).
 */
int l2tp_parse_stopccn(const uint8_t *buf, size_t caplen, size_t len,
		       struct l2tp_stopccn *out);

/*
 * l2tp_parse_sccrp - the same for the L2TP daemon's SCCRP: the header
 * names the peer's tunnel, the Assigned Tunnel ID AVP the daemon's own.
 */
int l2tp_parse_sccrp(const uint8_t *buf, size_t caplen, size_t len,
		     struct l2tp_stopccn *out);

#endif
