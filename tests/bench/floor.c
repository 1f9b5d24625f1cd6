// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor: a minimal queue consumer that binds, copies the same range
 * as l2tp-nfqd, receives in batches and accepts each batch with one
 * verdict; nothing else.  No real daemon can spend less CPU per packet.
 *
 *   bench-floor QUEUE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define BATCH 64
#define MSGSZ (2048 + 2048)

static volatile sig_atomic_t quit;

static void on_term(int s)
{
	(void)s;
	quit = 1;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][MSGSZ] __attribute__((aligned(8)));
	char cbuf[256] __attribute__((aligned(8))) = { 0 };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint16_t q;
	int fd, i, n, one = 1, sz = 8 << 20;

	if (argc != 2)
		return 2;
	{
	q = (uint16_t)atoi(argv[1]);
	struct sigaction sa = { .sa_handler = on_term };

	/* no SA_RESTART: SIGTERM must interrupt the blocking recvmmsg() */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return 1;
	fd = mnl_socket_get_fd(nl);
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	nlh = nfq_nlmsg_put(cbuf, NFQNL_MSG_CONFIG, q);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 2048);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 8192);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return 1;
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = MSGSZ;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!quit) {
		uint32_t id = 0;
		int have = 0;

		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			struct nlmsghdr *m = (struct nlmsghdr *)bufs[i];
			struct nlattr *attr[NFQA_MAX + 1] = { 0 };
			struct nfqnl_msg_packet_hdr *ph;

			if (m->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) |
					      NFQNL_MSG_PACKET) ||
			    nfq_nlmsg_parse(m, attr) < 0 ||
			    !attr[NFQA_PACKET_HDR])
				continue;
			ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
			id = ntohl(ph->packet_id);
			have = 1;
		}
		if (!have)
			continue;
		nlh = nfq_nlmsg_put(cbuf, NFQNL_MSG_VERDICT_BATCH, q);
		nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
		mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	}
	mnl_socket_close(nl);
	return 0;
}
