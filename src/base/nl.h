/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_NL_H
#define L2TP_NFQD_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The first error of a request, with what the kernel said about it. */
struct nl_err {
	uint32_t seq;		/* the message it answers */
	int error;		/* -errno */
	char msg[256];		/* extended ACK text, may be empty */
};

/* Data messages (not ACKs) seen while waiting for the ACKs. */
typedef void (*nl_data_cb)(const struct nlmsghdr *nlh, void *data);

/* A CLOEXEC, non-blocking socket with extended ACKs, bound to a port id. */
struct mnl_socket *nl_open(int bus);

/* The next sequence number; never 0, which the kernel uses for events. */
uint32_t nl_seq(uint32_t *seq);

/*
 * nl_request - send a message or batch and read replies until each message
 * numbered seq_first..seq_last (all sent with NLM_F_ACK) has its ACK or
 * error.  Returns 0, or the first error as -errno with @err filled in.
 */
int nl_request(struct mnl_socket *nl, const void *buf, size_t len,
	       uint32_t seq_first, uint32_t seq_last,
	       nl_data_cb cb, void *data, struct nl_err *err);

/*
 * nl_drain_errors - read, without waiting, the failures that a batch sent
 * without ACKs left on @nl (the kernel has answered when the send
 * returns): for each of the messages numbered @first..@first+@n-1 that
 * failed, @cb (if any) gets its index and -errno.  Returns how many.
 */
typedef void (*nl_error_cb)(void *data, uint32_t i, int error);
unsigned int nl_drain_errors(struct mnl_socket *nl, uint32_t first,
			     uint32_t n, nl_error_cb cb, void *data);

/*
 * nl_dump_wiped - read the replies to the dump numbered @seq (sent
 * already) into @buf, each data message to @cb, and wipe @buf after each
 * read: for dumps whose messages carry secrets (XFRM SAs' keys).
 * Returns 0, or the dump's first error as -errno.
 */
int nl_dump_wiped(struct mnl_socket *nl, uint32_t seq, void *buf,
		  size_t size, nl_data_cb cb, void *data);

/*
 * nl_attr_u32be - find the big-endian u32 attribute @type in a run of
 * attributes (e.g. CTA_MARK in a conntrack message or in NFQA_CT).
 * Returns 0 and sets @val, or -ENOENT.
 */
int nl_attr_u32be(const void *attrs, size_t len, uint16_t type, uint32_t *val);

#endif
