// SPDX-License-Identifier: GPL-2.0-or-later
/* Message bytes of both formats (src/wire/msg.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "wire/l2tp.h"
#include "wire/msg.h"
#include "unit.h"

static void test_msg1(void)
{
	/* format 1, little-endian host: reserved, len, ip, tid, mark, name */
	static const uint8_t want[] = {
		0x01, 0x00, 0x14, 0x00, 0xc0, 0x00, 0x02, 0x01,
		0x34, 0x12, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12,
		'l', 'a', 'c', '1',
	};
	struct sccrq_info info = {
		.family = AF_INET,
		.tunnel_id = 0x1234,
		.mark = 0x12345678,
		.hostname = (const uint8_t *)"lac1",
		.hostname_len = 4,
	};
	uint8_t buf[MSG_BUF_SIZE];
	uint16_t one = 1;
	ssize_t n;

	info.peer.v4.s_addr = htonl(0xc0000201);
	n = msg_encode(1, &info, buf, sizeof(buf));
	if (*(uint8_t *)&one == 1)
		CHECK("format 1 bytes", n == (ssize_t)sizeof(want) &&
		      !memcmp(buf, want, sizeof(want)));
	CHECK("format 1 validates", l2tp_nfq_msg_valid(buf, (size_t)n) == 1);
	CHECK("format 1 short", !l2tp_nfq_msg_valid(buf, 15));
	CHECK("format 1 length mismatch",
	      !l2tp_nfq_msg_valid(buf, (size_t)n - 1));
	buf[0] = 9;
	CHECK("unknown format", !l2tp_nfq_msg_valid(buf, (size_t)n));
	info.family = AF_INET6;
	CHECK("format 1 has no IPv6",
	      msg_encode(1, &info, buf, sizeof(buf)) == -EAFNOSUPPORT);
}

static void test_msg2(void)
{
	/* little-endian host */
	static const uint8_t want4[] = {
		0x02, 0x00, 0x3d, 0x00, 0x02, 0x00, 0x03, 0x00,	/* ver len fam src */
		0x34, 0x12, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12,	/* tid, mark */
		0xa5, 0x06, 0xa5, 0x06, 0x00, 0x00, 0x00, 0x00,	/* ports, flags */
		0xc0, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xc0, 0x00, 0x02, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'l', 'a', 'c', '1', 0,
	};
	static const uint8_t want6_head[] = {
		0x02, 0x00, 0x3b, 0x00, 0x0a, 0x00, 0x01, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
		0x39, 0x30, 0xa5, 0x06, 0x00, 0x00, 0x00, 0x00,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		'v', '6', 0,
	};
	struct sccrq_info info = {
		.family = AF_INET, .peer_port = 1701, .local_port = 1701,
		.tunnel_id = 0x1234, .mark = 0x12345678,
		.mark_src = MARK_CT_LOOKUP,
		.hostname = (const uint8_t *)"lac1", .hostname_len = 4,
	};
	uint8_t buf[MSG_BUF_SIZE], name[L2TP_HOSTNAME_MAX];
	uint16_t one = 1;
	ssize_t n;

	info.peer.v4.s_addr = htonl(0xc0000201);
	info.local.v4.s_addr = htonl(0xc0000202);
	n = msg_encode(2, &info, buf, sizeof(buf));
	if (*(uint8_t *)&one == 1)
		CHECK("format 2 IPv4 bytes", n == (ssize_t)sizeof(want4) &&
		      !memcmp(buf, want4, sizeof(want4)));
	CHECK("format 2 IPv4 validates", l2tp_nfq_msg_valid(buf, (size_t)n) == 2);
	buf[n - 1] = 'x';
	CHECK("format 2 without NUL", !l2tp_nfq_msg_valid(buf, (size_t)n));

	memset(&info, 0, sizeof(info));
	info.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &info.peer.v6);
	inet_pton(AF_INET6, "2001:db8::2", &info.local.v6);
	info.peer_port = 12345;
	info.local_port = 1701;
	info.tunnel_id = 1;
	info.mark = 16;
	info.mark_src = MARK_PACKET;
	info.hostname = (const uint8_t *)"v6";
	info.hostname_len = 2;
	n = msg_encode(2, &info, buf, sizeof(buf));
	if (*(uint8_t *)&one == 1)
		CHECK("format 2 IPv6 bytes", n == (ssize_t)sizeof(want6_head) &&
		      !memcmp(buf, want6_head, sizeof(want6_head)));
	CHECK("format 2 IPv6 validates", l2tp_nfq_msg_valid(buf, (size_t)n) == 2);
	buf[4] = 99;
	CHECK("format 2 unknown family", !l2tp_nfq_msg_valid(buf, (size_t)n));
	info.hostname_len = L2TP_HOSTNAME_MAX;
	memset(name, 'n', sizeof(name));
	info.hostname = name;
	n = msg_encode(2, &info, buf, sizeof(buf));
	CHECK("format 2 longest host name fits",
	      n == (ssize_t)(sizeof(struct l2tp_nfq_msg2) + L2TP_HOSTNAME_MAX + 1) &&
	      n <= (ssize_t)L2TP_NFQ_MSG2_MAX_SIZE);
}

void test_msg(void)
{
	test_msg1();
	test_msg2();
}
