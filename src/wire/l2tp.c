// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * L2TPv2 (RFC 2661) control messages: the header and the AVP walk that
 * tell an SCCRQ, a StopCCN and an SCCRP from the rest, and read their
 * one Assigned Tunnel ID and Host Name.  Pure: no logging, no
 * allocation, every length checked before it is read.  This is the code
 * that reads what remote peers send; the fuzz target drives it.
 */
#include "wire/bytes.h"
#include "wire/l2tp.h"
#include "wire/reject.h"

#define AVP_H		0x4000
#define AVP_LEN_MASK	0x03ff
#define AVP_HDR_LEN	6

#define AVP_MSG_TYPE	0
#define AVP_HOST_NAME	7
#define AVP_TUNNEL_ID	9

static const char *const reject_names[REJ_MAX] = {
	[REJ_NONE] = "none",
	[REJ_IP] = "bad IP header",
	[REJ_FRAGMENT] = "IP fragment",
	[REJ_NOT_UDP] = "not UDP",
	[REJ_UDP] = "bad UDP header",
	[REJ_L2TP_SHORT] = "short L2TP header",
	[REJ_NOT_CONTROL] = "L2TP data message",
	[REJ_VERSION] = "not L2TPv2",
	[REJ_HEADER_BITS] = "bad L2TP header bits",
	[REJ_LENGTH] = "bad L2TP length",
	[REJ_TUNNEL_ID] = "non-zero Tunnel ID",
	[REJ_SESSION_ID] = "non-zero Session ID",
	[REJ_SEQUENCE] = "non-zero Ns/Nr",
	[REJ_AVP_LENGTH] = "bad AVP length",
	[REJ_NO_MSG_TYPE] = "no Message Type first",
	[REJ_NOT_SCCRQ] = "not an SCCRQ",
	[REJ_HIDDEN] = "hidden AVP",
	[REJ_NO_TUNNEL_ID] = "no Assigned Tunnel ID",
	[REJ_NO_HOSTNAME] = "no Host Name",
	[REJ_TRUNCATED] = "cut by copy range",
	[REJ_DUPLICATE] = "duplicate or vendor Assigned Tunnel ID or Host Name",
};

const char *reject_str(int reason)
{
	if (reason < 0)
		reason = -reason;
	if (reason >= REJ_MAX || !reject_names[reason])
		return "unknown";
	return reject_names[reason];
}

/* The control header, as every message the daemon reads has it. */
static int parse_header(const uint8_t *buf, size_t caplen, size_t len,
			size_t *msglen)
{
	uint16_t flags;

	if (caplen < L2TP_CTRL_HDR_LEN)
		return len < L2TP_CTRL_HDR_LEN ? -REJ_L2TP_SHORT :
		       -REJ_TRUNCATED;
	flags = get_be16(buf);
	if (!(flags & L2TP_T))
		return -REJ_NOT_CONTROL;
	if ((flags & L2TP_VER_MASK) != L2TP_VERSION)
		return -REJ_VERSION;
	if (!(flags & L2TP_L) || !(flags & L2TP_S) ||
	    (flags & (L2TP_O | L2TP_P)))
		return -REJ_HEADER_BITS;
	*msglen = get_be16(buf + L2TP_OFF_LENGTH);
	if (*msglen < L2TP_CTRL_HDR_LEN || *msglen > len)
		return -REJ_LENGTH;
	return 0;
}

/* The rest of the header of a message that opens a tunnel. */
static int check_new_tunnel(const uint8_t *buf)
{
	if (get_be16(buf + L2TP_OFF_SESSION))
		return -REJ_SESSION_ID;
	if (get_be16(buf + L2TP_OFF_NS) || get_be16(buf + L2TP_OFF_NR))
		return -REJ_SEQUENCE;
	return 0;
}

/* The Message Types a header with Tunnel ID @tid can carry. */
static unsigned int types_of(uint16_t tid)
{
	return tid ? L2TP_WANT(L2TP_MSG_STOPCCN) | L2TP_WANT(L2TP_MSG_SCCRP) :
		     L2TP_WANT(L2TP_MSG_SCCRQ);
}

/*
 * What the AVP walk keeps.  L2TP daemons read duplicated AVPs each their
 * own way (xl2tpd: the last type-9 AVP of any vendor; L2TPNS: the last
 * of vendor 0), so the daemon takes an ID or a Host Name only when there
 * is one reading: exactly one, of vendor 0, not hidden.
 */
struct avps {
	unsigned int want;	/* the Message Types it may be */
	uint16_t type;		/* the one it is */
	unsigned int seen;
	struct l2tp_tid tid;	/* Assigned Tunnel ID */
	const uint8_t *hostname;
	size_t hostname_len;
};

#define SEEN_TUNNEL_ID	1
#define SEEN_HOST_NAME	2

static int take_msg_type(const uint8_t *avp, size_t alen, struct avps *a)
{
	uint16_t type;

	if (get_be16(avp + 2) || get_be16(avp + 4) != AVP_MSG_TYPE)
		return -REJ_NO_MSG_TYPE;
	if (get_be16(avp) & AVP_H)
		return -REJ_HIDDEN;
	if (alen != AVP_HDR_LEN + 2)
		return -REJ_AVP_LENGTH;
	type = get_be16(avp + 6);
	if (type >= 32 || !(a->want & L2TP_WANT(type)))
		return -REJ_NOT_SCCRQ;
	a->type = type;
	return 0;
}

static int take_tunnel_id(const uint8_t *avp, size_t off, size_t alen,
			  struct avps *a)
{
	if (get_be16(avp + 2) || (a->seen & SEEN_TUNNEL_ID))
		return -REJ_DUPLICATE;
	if (get_be16(avp) & AVP_H)
		return -REJ_HIDDEN;
	if (alen != AVP_HDR_LEN + 2)
		return -REJ_AVP_LENGTH;
	a->tid.id = get_be16(avp + 6);
	a->tid.off = off + AVP_HDR_LEN;
	if (!a->tid.id)
		return -REJ_NO_TUNNEL_ID;
	a->seen |= SEEN_TUNNEL_ID;
	return 0;
}

static int take_host_name(const uint8_t *avp, size_t alen, struct avps *a)
{
	if (a->seen & SEEN_HOST_NAME)
		return -REJ_DUPLICATE;
	if (get_be16(avp) & AVP_H)
		return -REJ_HIDDEN;
	if (alen == AVP_HDR_LEN)
		return -REJ_NO_HOSTNAME;
	a->hostname = avp + AVP_HDR_LEN;
	a->hostname_len = alen - AVP_HDR_LEN;
	a->seen |= SEEN_HOST_NAME;
	return 0;
}

static int take_avp(const uint8_t *avp, size_t off, size_t alen,
		    struct avps *a)
{
	uint16_t vendor = get_be16(avp + 2), type = get_be16(avp + 4);

	/* any vendor's type 9: xl2tpd ignores the vendor */
	if (type == AVP_TUNNEL_ID)
		return take_tunnel_id(avp, off, alen, a);
	if (!vendor && type == AVP_HOST_NAME)
		return take_host_name(avp, alen, a);
	return 0;
}

/*
 * Walk the AVPs of a control message, the Message Type first (one of
 * @a->want).  Returns 0, or -REJ_TRUNCATED when the copy ended before
 * the message did, or another -REJ_*.
 */
static int walk(const uint8_t *buf, size_t caplen, size_t msglen,
		struct avps *a)
{
	size_t end = msglen < caplen ? msglen : caplen;
	size_t pos = L2TP_CTRL_HDR_LEN, alen;
	int ret;

	while (pos < msglen) {
		if (pos + AVP_HDR_LEN > end)
			return end < msglen ? -REJ_TRUNCATED : -REJ_AVP_LENGTH;
		alen = get_be16(buf + pos) & AVP_LEN_MASK;
		if (alen < AVP_HDR_LEN || pos + alen > msglen)
			return -REJ_AVP_LENGTH;
		if (pos + alen > end)
			return -REJ_TRUNCATED;
		if (pos == L2TP_CTRL_HDR_LEN)
			ret = take_msg_type(buf + pos, alen, a);
		else
			ret = take_avp(buf + pos, pos, alen, a);
		if (ret)
			return ret;
		pos += alen;
	}
	return pos == L2TP_CTRL_HDR_LEN ? -REJ_NO_MSG_TYPE : 0;
}

/* What the walk found, if the message has all it needs. */
static int take(const struct avps *a, uint16_t tid, struct l2tp_ctrl *out)
{
	if (!(a->seen & SEEN_TUNNEL_ID))
		return -REJ_NO_TUNNEL_ID;
	if (a->type == L2TP_MSG_SCCRQ && !(a->seen & SEEN_HOST_NAME))
		return -REJ_NO_HOSTNAME;
	out->type = a->type;
	out->tunnel_id = tid;
	out->assigned = a->tid;
	out->hostname = a->hostname;
	out->hostname_len = a->hostname_len;
	return a->type;
}

int l2tp_parse(const uint8_t *buf, size_t caplen, size_t len,
	       unsigned int want, struct l2tp_ctrl *out)
{
	struct avps a = { 0 };
	size_t msglen;
	uint16_t tid;
	int ret;

	/* a message cut by the copy range may hide a second reading */
	if (caplen > len)
		len = caplen;
	ret = parse_header(buf, caplen, len, &msglen);
	if (ret)
		return ret;
	tid = get_be16(buf + L2TP_OFF_TUNNEL);
	a.want = want & types_of(tid);
	if (!a.want)
		return -REJ_TUNNEL_ID;
	if (!tid && (ret = check_new_tunnel(buf)))
		return ret;
	ret = walk(buf, caplen, msglen, &a);
	return ret ? ret : take(&a, tid, out);
}
