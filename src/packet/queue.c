// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netfilter queue: bind, receive in batches, verdicts in batches.
 *
 * The handler drops or rewrites a few packets: each gets a verdict of
 * its own.  Then one NFQNL_MSG_VERDICT_BATCH accepts every other id up to
 * the highest one seen.  Failing open, a packet this process never read
 * (its receive buffer overflowed) is accepted by the kernel; failing
 * closed, the kernel drops it, so the batch verdict accepts only what
 * the handler read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "base/log.h"
#include "base/nl.h"
#include "base/priv.h"
#include "packet/queue.h"

/* payload and attributes; a multiple of 8, as each buffer holds
 * netlink messages (struct nlmsghdr) */
#define QUEUE_MSG_SIZE	(QUEUE_COPY_RANGE + 1 + 4096)
_Static_assert(QUEUE_MSG_SIZE % 8 == 0, "receive buffers must stay aligned");
#define QUEUE_ROUNDS	16	/* batches per wake-up before poll() again */
/* socket room per queued packet: a packet message is well under 1 KiB of
 * skb; when the socket is full the kernel does as for a full queue */
#define QUEUE_RCVBUF_PER_PKT	1024
#define QUEUE_RCVBUF_MIN	(8 << 20)

struct queue_stats {
	uint64_t packets;	/* queued packets received */
	uint64_t batches;	/* batch verdicts sent */
	uint64_t verdict_errors;
	uint64_t recv_errors;
	uint64_t rewritten;	/* accepted with a changed payload */
	uint64_t dropped;	/* dropped at the handler's word */
	uint64_t unread;	/* failing closed: dropped, not readable */
};

struct queue {
	struct mnl_socket *nl;
	uint16_t num;
	int has_ct;
	int fail_closed;
	uint32_t seq;
	const struct queue_ops *ops;
	void *data;
	uint32_t max_id;	/* highest id read, not yet verdicted */
	int pending;
	struct queue_stats stats;
	/* this batch's packets, until its verdict */
	unsigned int npkts;
	struct queue_pkt pkts[QUEUE_BATCH];
	struct mmsghdr msgs[QUEUE_BATCH];
	struct iovec iov[QUEUE_BATCH];
	uint8_t bufs[QUEUE_BATCH][QUEUE_MSG_SIZE] __attribute__((aligned(8)));
	uint8_t verdict_buf[QUEUE_MSG_SIZE] __attribute__((aligned(8)));
};

static void finish_batch(struct queue *q);

/* A verdict of its own: NF_DROP, or NF_ACCEPT with @data. */
static void send_one(struct queue *q, uint32_t id, int verdict,
		     const uint8_t *data, size_t len)
{
	struct nlmsghdr *nlh;

	memset(q->verdict_buf, 0, 256);
	nlh = nfq_nlmsg_put((char *)q->verdict_buf, NFQNL_MSG_VERDICT, q->num);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (data)
		nfq_nlmsg_verdict_put_pkt(nlh, data, (uint32_t)len);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		q->stats.verdict_errors++;
	else if (verdict == NF_DROP)
		q->stats.dropped++;
	else
		q->stats.rewritten++;
}

static void handle_packet(struct queue *q, const struct nlmsghdr *nlh)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct queue_pkt *pkt;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
		return;
	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR]) {
		q->stats.recv_errors++;
		return;
	}
	if (q->npkts == QUEUE_BATCH)
		finish_batch(q);
	pkt = &q->pkts[q->npkts++];
	memset(pkt, 0, sizeof(*pkt));
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	pkt->id = ntohl(ph->packet_id);
	pkt->hook = ph->hook;
	q->stats.packets++;
	if (!q->pending || pkt->id - q->max_id < 0x80000000u)
		q->max_id = pkt->id;
	q->pending = 1;

	if (!attr[NFQA_PAYLOAD]) {
		pkt->drop = q->fail_closed;
		q->stats.unread += (uint64_t)q->fail_closed;
		return;
	}
	/* our receive buffer: the handler may rewrite it in place */
	pkt->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	pkt->caplen = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	pkt->len = pkt->caplen;
	if (attr[NFQA_CAP_LEN])
		pkt->len = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	if (attr[NFQA_MARK])
		pkt->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_CT] &&
	    !nl_attr_u32be(mnl_attr_get_payload(attr[NFQA_CT]),
			   mnl_attr_get_payload_len(attr[NFQA_CT]),
			   CTA_MARK, &pkt->ct_mark))
		pkt->has_ct = 1;
	q->ops->packet(pkt, q->data);
}

static void handle_buf(struct queue *q, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			/* a batch verdict finds nothing when every packet
			 * of its batch was accepted one by one (rewritten) */
			if (e->error != -ENOENT)
				q->stats.verdict_errors++;
		}
		else
			handle_packet(q, nlh);
	}
}

/*
 * The packets with a verdict of their own, before the batch verdict
 * takes the rest as they were: dropped, or accepted with the rewritten
 * bytes (only a packet copied whole can be).
 */
static void send_own_verdicts(struct queue *q)
{
	struct queue_pkt *p;
	unsigned int i;

	for (i = 0; i < q->npkts; i++) {
		p = &q->pkts[i];
		if (p->rewritten && !p->drop && p->caplen != p->len)
			p->drop = q->fail_closed;
		if (p->drop)
			send_one(q, p->id, NF_DROP, NULL, 0);
		else if (p->rewritten && p->caplen == p->len)
			send_one(q, p->id, NF_ACCEPT, p->data, p->len);
	}
	q->npkts = 0;
}

static int send_verdict(struct queue *q)
{
	char buf[128] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh;
	int tries;

	if (!q->pending)
		return 0;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, q->num);
	nfq_nlmsg_verdict_put(nlh, (int)q->max_id, NF_ACCEPT);
	for (tries = 0; tries < 3; tries++) {
		if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) >= 0) {
			q->pending = 0;
			q->stats.batches++;
			return 0;
		}
		if (errno != EINTR && errno != ENOBUFS && errno != ENOMEM)
			break;
	}
	q->stats.verdict_errors++;
	return -errno;
}

/* Packets that arrive while the bind is being acknowledged. */
static void config_data_cb(const struct nlmsghdr *nlh, void *data)
{
	handle_packet(data, nlh);
}

/* The batch's end: the handler's last word, then every verdict. */
static void finish_batch(struct queue *q)
{
	q->ops->before_verdict(q->data);
	send_own_verdicts(q);
	send_verdict(q);
	q->ops->after_verdict(q->data);
}

static int configure(struct queue *q, uint32_t maxlen, uint32_t flags,
		     struct nl_err *err)
{
	char buf[256] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh;

	/*
	 * BIND, copy mode and flags in one message: between a bare BIND and
	 * the copy mode the kernel drops queued packets instead of bypassing.
	 */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = nl_seq(&q->seq);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, QUEUE_COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	return nl_request(q->nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
			  nlh->nlmsg_seq, config_data_cb, q, err);
}

/* Why the bind failed, in words that tell the admin what to do. */
static void bind_error(uint16_t num, int ret, const struct nl_err *err)
{
	if (ret == -EPERM && !priv_has_net_admin()) {
		log_warnx("cannot bind queue %u: no CAP_NET_ADMIN; run as "
			  "root or grant the capability "
			  "(AmbientCapabilities=CAP_NET_ADMIN)", num);
	} else if (ret == -EPERM) {
		/* nfnetlink_queue answers EPERM for a queue bound elsewhere */
		log_warnx("cannot bind queue %u: another program (another "
			  "l2tp-nfqd?) has it; stop it or choose another "
			  "queue with --queue", num);
	} else {
		errno = -ret;
		log_warn("cannot bind queue %u%s%s", num,
			 err->msg[0] ? ": " : "", err->msg);
	}
}

int queue_open(struct queue **out, const struct queue_cfg *cfg,
	       const struct queue_ops *ops, void *data)
{
	uint32_t maxlen = cfg->maxlen;
	uint16_t num = cfg->num;
	struct nl_err err = { 0 };
	int one = 1, bufsz = QUEUE_RCVBUF_MIN, fd, ret, i;
	uint32_t open = cfg->fail_closed ? 0 : NFQA_CFG_F_FAIL_OPEN;
	struct queue *q;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->num = num;
	q->fail_closed = cfg->fail_closed;
	q->ops = ops;
	q->data = data;
	for (i = 0; i < QUEUE_BATCH; i++) {
		q->iov[i].iov_base = q->bufs[i];
		q->iov[i].iov_len = QUEUE_MSG_SIZE;
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	q->nl = nl_open(NETLINK_NETFILTER);
	if (!q->nl) {
		ret = -errno;
		log_warn("cannot open a netlink socket for queue %u", num);
		goto err_free;
	}
	fd = mnl_socket_get_fd(q->nl);
	if ((uint64_t)maxlen * QUEUE_RCVBUF_PER_PKT > (uint64_t)bufsz)
		bufsz = maxlen > INT32_MAX / QUEUE_RCVBUF_PER_PKT ? INT32_MAX :
			(int)(maxlen * QUEUE_RCVBUF_PER_PKT);
	/* a full socket must not fail the queue: the kernel accepts
	 * (FAIL_OPEN) or drops the packet instead */
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));

	ret = configure(q, maxlen, open | NFQA_CFG_F_CONNTRACK, &err);
	if (ret == -EOPNOTSUPP) {
		/* no CONFIG_NETFILTER_NETLINK_GLUE_CT: look marks up instead */
		ret = configure(q, maxlen, open, &err);
	} else if (!ret) {
		q->has_ct = 1;
	}
	if (ret) {
		bind_error(num, ret, &err);
		goto err_close;
	}
	/* whatever arrived during the bind */
	finish_batch(q);
	*out = q;
	return 0;

err_close:
	mnl_socket_close(q->nl);
err_free:
	free(q);
	return ret;
}

int queue_fd(const struct queue *q)
{
	return mnl_socket_get_fd(q->nl);
}

int queue_has_ct(const struct queue *q)
{
	return q->has_ct;
}

void queue_log_stats(const struct queue *q)
{
	log_info("queue %u: queued %llu, verdict batches %llu, rewritten "
		 "%llu, dropped %llu (unreadable %llu), verdict errors %llu, "
		 "receive errors %llu", q->num,
		 (unsigned long long)q->stats.packets,
		 (unsigned long long)q->stats.batches,
		 (unsigned long long)q->stats.rewritten,
		 (unsigned long long)q->stats.dropped,
		 (unsigned long long)q->stats.unread,
		 (unsigned long long)q->stats.verdict_errors,
		 (unsigned long long)q->stats.recv_errors);
}

int queue_dispatch(struct queue *q)
{
	int fd = mnl_socket_get_fd(q->nl), round, n, i;

	for (round = 0; round < QUEUE_ROUNDS; round++) {
		n = recvmmsg(fd, q->msgs, QUEUE_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS)
				return 0;
			q->stats.recv_errors++;
			log_warn("queue %u: fatal receive error; exiting so "
				 "that the service manager can restart the "
				 "daemon", q->num);
			return -errno;
		}
		for (i = 0; i < n; i++) {
			handle_buf(q, q->bufs[i], q->msgs[i].msg_len);
			if (i % QUEUE_SLICE == QUEUE_SLICE - 1 && i + 1 < n)
				q->ops->pause(q->data);
		}
		finish_batch(q);
		if (n < QUEUE_BATCH)
			break;
	}
	return 0;
}

void queue_report(const struct queue *q, report_fn *fn, void *arg)
{
	fn(arg, "queue_packets_total", "", q->stats.packets);
	fn(arg, "queue_verdict_batches_total", "", q->stats.batches);
	fn(arg, "queue_rewritten_total", "", q->stats.rewritten);
	fn(arg, "queue_verdict_drops_total", "", q->stats.dropped);
	fn(arg, "queue_unreadable_total", "", q->stats.unread);
	fn(arg, "queue_verdict_errors_total", "", q->stats.verdict_errors);
	fn(arg, "queue_receive_errors_total", "", q->stats.recv_errors);
}

void queue_close(struct queue *q)
{
	char buf[128] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh;

	if (!q)
		return;
	send_own_verdicts(q);
	send_verdict(q);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
	mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(q->nl);
	free(q);
}
