/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_REJECT_H
#define L2TP_NFQD_REJECT_H

/*
 * Why a queued packet was not an SCCRQ worth a message.  The parsers return
 * these negated; the daemon counts each and passes the packet on.
 */
enum reject {
	REJ_NONE,
	REJ_IP,			/* bad IP header or length */
	REJ_FRAGMENT,		/* a fragment: nothing to parse */
	REJ_NOT_UDP,
	REJ_UDP,		/* bad UDP header or length */
	REJ_L2TP_SHORT,		/* shorter than the control header */
	REJ_NOT_CONTROL,	/* T bit clear: a data message */
	REJ_VERSION,		/* not L2TPv2 */
	REJ_HEADER_BITS,	/* L or S clear, or O or P set */
	REJ_LENGTH,		/* header Length outside the datagram */
	REJ_TUNNEL_ID,		/* Tunnel ID not 0: not a new tunnel */
	REJ_SESSION_ID,
	REJ_SEQUENCE,		/* Ns or Nr not 0 */
	REJ_AVP_LENGTH,		/* an AVP length outside the message */
	REJ_NO_MSG_TYPE,	/* first AVP is not Message Type */
	REJ_NOT_SCCRQ,
	REJ_HIDDEN,		/* a needed AVP is hidden (encrypted) */
	REJ_NO_TUNNEL_ID,	/* Assigned Tunnel ID missing or 0 */
	REJ_NO_HOSTNAME,	/* Host Name missing or empty */
	REJ_TRUNCATED,		/* copy range ended before the needed AVPs */
	REJ_DUPLICATE,		/* two readings: a second Assigned Tunnel ID
				 * or Host Name, or a vendor's type 9 */
	REJ_MAX
};

const char *reject_str(int reason);

#endif
