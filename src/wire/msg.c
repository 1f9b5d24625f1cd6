// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Encoding of the public messages (include/l2tp-nfq/l2tp-nfqd.h).  Pure.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "wire/msg.h"

_Static_assert(L2TP_NFQ_MSG_MAX_SIZE <= MSG_BUF_SIZE &&
	       L2TP_NFQ_MSG2_MAX_SIZE <= MSG_BUF_SIZE, "MSG_BUF_SIZE");

static ssize_t encode_v1(const struct sccrq_info *info, uint8_t *buf,
			 size_t size)
{
	struct l2tp_nfq_msg m;
	size_t n = sizeof(m) + info->hostname_len;

	if (info->family != AF_INET)
		return -EAFNOSUPPORT;
	if (info->hostname_len > L2TP_NFQ_HOSTNAME_MAX || n > size)
		return -EINVAL;
	m.reserved = L2TP_NFQ_FORMAT_1;
	m.len = (uint16_t)n;
	m.peer_ip = info->peer.v4;
	m.peer_tid = info->tunnel_id;
	m.mark = info->mark;
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), info->hostname, info->hostname_len);
	return (ssize_t)n;
}

static ssize_t encode_v2(const struct sccrq_info *info, uint8_t *buf,
			 size_t size)
{
	struct l2tp_nfq_msg2 m;
	size_t n = sizeof(m) + info->hostname_len + 1;

	if (info->family != AF_INET && info->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (info->hostname_len >= L2TP_NFQ_HOSTNAME_MAX || n > size)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.version = L2TP_NFQ_FORMAT_2;
	m.len = (uint16_t)n;
	m.family = (uint16_t)info->family;
	m.mark_source = (uint16_t)info->mark_src;
	m.peer_tid = info->tunnel_id;
	m.mark = info->mark;
	m.peer_port = info->peer_port;
	if (info->orig_tid && info->orig_tid != info->tunnel_id)
		m.flags = L2TP_NFQ_F_TRANSLATED |
			  (uint32_t)info->orig_tid << L2TP_NFQ_F_ORIG_TID_SHIFT;
	m.local_port = info->local_port;
	if (info->family == AF_INET) {
		m.peer_addr.v4 = info->peer.v4;
		m.local_addr.v4 = info->local.v4;
	} else {
		m.peer_addr.v6 = info->peer.v6;
		m.local_addr.v6 = info->local.v6;
	}
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), info->hostname, info->hostname_len);
	buf[n - 1] = '\0';
	return (ssize_t)n;
}

ssize_t msg_encode(int format, const struct sccrq_info *info,
		   uint8_t *buf, size_t size)
{
	switch (format) {
	case L2TP_NFQ_FORMAT_1:
		return encode_v1(info, buf, size);
	case L2TP_NFQ_FORMAT_2:
		return encode_v2(info, buf, size);
	default:
		return -EINVAL;
	}
}
