// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * L2TPv2 (RFC 2661) control header and AVP walk.  Pure: no logging, no
 * allocation, every length checked before it is read.  This is the code
 * that reads what remote peers send; the fuzz target drives it.
 */
#include "bytes.h"
#include "l2tp.h"
#include "reject.h"

#define AVP_H		0x4000
#define AVP_LEN_MASK	0x03ff
#define AVP_HDR_LEN	6

#define AVP_MSG_TYPE	0
#define AVP_HOST_NAME	7
#define AVP_TUNNEL_ID	9
#define MSG_SCCRQ	1

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
};

const char *reject_str(int reason)
{
	if (reason < 0)
		reason = -reason;
	if (reason >= REJ_MAX || !reject_names[reason])
		return "unknown";
	return reject_names[reason];
}

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
	if (get_be16(buf + L2TP_OFF_TUNNEL))
		return -REJ_TUNNEL_ID;
	if (get_be16(buf + L2TP_OFF_SESSION))
		return -REJ_SESSION_ID;
	if (get_be16(buf + L2TP_OFF_NS) || get_be16(buf + L2TP_OFF_NR))
		return -REJ_SEQUENCE;
	return 0;
}

/* One AVP the walk cares about; the first of a duplicated AVP wins. */
static int take_avp(const uint8_t *avp, size_t alen, int first,
		    struct l2tp_sccrq *out, unsigned int *seen)
{
	uint16_t vendor = get_be16(avp + 2), type = get_be16(avp + 4);
	int hidden = get_be16(avp) & AVP_H;

	if (first) {
		if (vendor || type != AVP_MSG_TYPE)
			return -REJ_NO_MSG_TYPE;
		if (hidden)
			return -REJ_HIDDEN;
		if (alen != AVP_HDR_LEN + 2)
			return -REJ_AVP_LENGTH;
		return get_be16(avp + 6) == MSG_SCCRQ ? 0 : -REJ_NOT_SCCRQ;
	}
	if (vendor)
		return 0;
	if (type == AVP_TUNNEL_ID && !(*seen & 1)) {
		if (hidden)
			return -REJ_HIDDEN;
		if (alen != AVP_HDR_LEN + 2)
			return -REJ_AVP_LENGTH;
		out->tunnel_id = get_be16(avp + 6);
		if (!out->tunnel_id)
			return -REJ_NO_TUNNEL_ID;
		*seen |= 1;
	} else if (type == AVP_HOST_NAME && !(*seen & 2)) {
		if (hidden)
			return -REJ_HIDDEN;
		if (alen == AVP_HDR_LEN)
			return -REJ_NO_HOSTNAME;
		out->hostname = avp + AVP_HDR_LEN;
		out->hostname_len = alen - AVP_HDR_LEN;
		*seen |= 2;
	}
	return 0;
}

int l2tp_parse_sccrq(const uint8_t *buf, size_t caplen, size_t len,
		     struct l2tp_sccrq *out)
{
	size_t msglen, end, pos = L2TP_CTRL_HDR_LEN, alen;
	unsigned int seen = 0;
	int truncated = 0, ret;

	if (caplen > len)
		len = caplen;
	ret = parse_header(buf, caplen, len, &msglen);
	if (ret)
		return ret;
	end = msglen < caplen ? msglen : caplen;

	while (pos < msglen) {
		if (pos + AVP_HDR_LEN > end) {
			if (end < msglen) {
				truncated = 1;
				break;
			}
			return -REJ_AVP_LENGTH;
		}
		alen = get_be16(buf + pos) & AVP_LEN_MASK;
		if (alen < AVP_HDR_LEN || pos + alen > msglen)
			return -REJ_AVP_LENGTH;
		if (pos + alen > end) {
			truncated = 1;
			break;
		}
		ret = take_avp(buf + pos, alen, pos == L2TP_CTRL_HDR_LEN, out,
			       &seen);
		if (ret)
			return ret;
		pos += alen;
	}
	if (pos == L2TP_CTRL_HDR_LEN)
		return truncated ? -REJ_TRUNCATED : -REJ_NO_MSG_TYPE;
	if (seen == 3)
		return 0;
	if (truncated)
		return -REJ_TRUNCATED;
	return (seen & 1) ? -REJ_NO_HOSTNAME : -REJ_NO_TUNNEL_ID;
}
