// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libmnl helpers shared by the queue, conntrack and nftables modules.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "base/nl.h"

/* Replies come synchronously; the wait only covers a kernel that is slow. */
#define NL_REPLY_TIMEOUT_MS	2000

struct mnl_socket *nl_open(int bus)
{
	struct mnl_socket *nl;
	int one = 1, fd, saved;

	nl = mnl_socket_open2(bus, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl)
		return NULL;
	fd = mnl_socket_get_fd(nl);
	/* best effort: older kernels just lack the error text */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		saved = errno;
		mnl_socket_close(nl);
		errno = saved;
		return NULL;
	}
	return nl;
}

uint32_t nl_seq(uint32_t *seq)
{
	if (!*seq)
		*seq = (uint32_t)time(NULL);
	if (++*seq == 0)
		++*seq;
	return *seq;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct nl_err *err = data;
	size_t n;

	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	n = mnl_attr_get_payload_len(attr);
	if (n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	memcpy(err->msg, mnl_attr_get_payload(attr), n);
	err->msg[n] = '\0';
	/* the kernel counts the NUL in the attribute */
	return MNL_CB_OK;
}

static void parse_error(const struct nlmsghdr *nlh, struct nl_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e), len = mnl_nlmsg_get_payload_len(nlh);

	err->seq = nlh->nlmsg_seq;
	err->error = e->error;
	err->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off >= len)
		return;
	mnl_attr_parse_payload((const char *)e + off, len - off, ext_ack_cb,
			       err);
}

static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, NL_REPLY_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

int nl_request(struct mnl_socket *nl, const void *buf, size_t len,
	       uint32_t seq_first, uint32_t seq_last,
	       nl_data_cb cb, void *data, struct nl_err *err)
{
	char rbuf[32768] __attribute__((aligned(8)));
	uint32_t pending = seq_last - seq_first + 1;
	int fd = mnl_socket_get_fd(nl), ret = 0;
	struct nl_err tmp;
	ssize_t n;

	memset(err, 0, sizeof(*err));
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	while (pending) {
		const struct nlmsghdr *nlh;
		int left;

		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return ret ? ret : -errno;
			/* every reply to a batch is queued before send returns */
			if (ret)
				return ret;
			n = wait_readable(fd);
			if (n < 0)
				return (int)n;
			continue;
		}
		nlh = (const struct nlmsghdr *)rbuf;
		left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			int ours = nlh->nlmsg_seq - seq_first <=
				   seq_last - seq_first;

			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (!ours)
					continue;
				pending--;
				parse_error(nlh, &tmp);
				if (tmp.error && !ret) {
					*err = tmp;
					ret = tmp.error;
				}
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				/* a dump ends with DONE, never with an ACK */
				if (ours)
					pending--;
			} else if (cb) {
				cb(nlh, data);
			}
		}
	}
	return ret;
}

struct attr_find {
	uint16_t type;
	int found;
	uint32_t val;
};

static int attr_find_cb(const struct nlattr *attr, void *data)
{
	struct attr_find *f = data;

	if (mnl_attr_get_type(attr) != f->type ||
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	f->val = ntohl(mnl_attr_get_u32(attr));
	f->found = 1;
	return MNL_CB_STOP;
}

int nl_attr_u32be(const void *attrs, size_t len, uint16_t type, uint32_t *val)
{
	struct attr_find f = { .type = type };

	mnl_attr_parse_payload(attrs, len, attr_find_cb, &f);
	if (!f.found)
		return -ENOENT;
	*val = f.val;
	return 0;
}

unsigned int nl_drain_errors(struct mnl_socket *nl, uint32_t first,
			     uint32_t n, nl_error_cb cb, void *data)
{
	char rbuf[8192] __attribute__((aligned(8)));
	unsigned int nerr = 0;
	ssize_t len;

	while ((len = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf))) > 0) {
		const struct nlmsghdr *nlh = (const void *)rbuf;
		int left = (int)len;

		for (; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			uint32_t i = nlh->nlmsg_seq - first;

			if (nlh->nlmsg_type != NLMSG_ERROR || !e->error ||
			    i >= n)
				continue;
			if (cb)
				cb(data, i, e->error);
			nerr++;
		}
	}
	return nerr;
}

int nl_dump_wiped(struct mnl_socket *nl, uint32_t seq, void *buf,
		  size_t size, nl_data_cb cb, void *data)
{
	const struct nlmsghdr *nlh;
	int ret = 0, done = 0, left;
	ssize_t n;

	while (!done && !ret) {
		n = mnl_socket_recvfrom(nl, buf, size);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ret = wait_readable(mnl_socket_get_fd(nl));
			continue;
		}
		if (n < 0)
			return -errno;
		nlh = buf;
		left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				done = 1;
			else if (nlh->nlmsg_type == NLMSG_ERROR)
				ret = ((const struct nlmsgerr *)
				       mnl_nlmsg_get_payload(nlh))->error;
			else
				cb(nlh, data);
		}
		explicit_bzero(buf, (size_t)n);
	}
	return ret;
}
