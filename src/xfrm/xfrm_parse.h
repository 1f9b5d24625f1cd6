/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XFRM_PARSE_H
#define L2TP_NFQD_XFRM_PARSE_H

/*
 * XFRM netlink messages as --sa-marks reads them (xfrm_parse.c, pure):
 * policies and SAs without their keys, dump requests, and the text the
 * log gives a map operation.  xfrm.c and the unit tests use it; xfrm_db.h
 * takes its events.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "nft/nft_schema.h"

#define XFRM_REQIDS_MAX	4	/* reqids kept per policy */

/* A policy, as far as marks go. */
struct xfrm_pol {
	uint32_t index;		/* the kernel's ID of the policy */
	uint8_t dir;		/* XFRM_POLICY_IN, _OUT, _FWD */
	uint8_t type;		/* XFRM_POLICY_TYPE_MAIN or _SUB */
	uint16_t family;	/* of its selector */
	uint32_t mark, mask;	/* XFRMA_MARK, 0/0 when absent */
	unsigned int nreqid;
	uint32_t reqid[XFRM_REQIDS_MAX];  /* transport-mode templates' */
};

/* An SA, without its keys. */
struct xfrm_sa {
	uint16_t family;	/* AF_INET, AF_INET6 */
	uint8_t proto;		/* IPPROTO_ESP, ... */
	uint8_t mode;		/* XFRM_MODE_TRANSPORT, ... */
	uint32_t spi;		/* host order */
	uint8_t saddr[16], daddr[16];	/* network order, zero-padded */
	uint32_t reqid;
	uint32_t mark, mask;	/* XFRMA_MARK, 0/0 when absent */
	uint16_t encap;		/* XFRMA_ENCAP's type (UDP_ENCAP_*), 0 */
	uint16_t sport, dport;	/* its ports, host order */
};

enum xfrm_ev_type {
	XEV_NONE,		/* nothing for us */
	XEV_POLICY,		/* new or updated (also a dump reply) */
	XEV_POLICY_DEL,		/* deleted, or expired for good */
	XEV_POLICY_FLUSH,	/* all policies of pol.type */
	XEV_SA,
	XEV_SA_DEL,
	XEV_SA_FLUSH,		/* all SAs of sa.proto (IPSEC_PROTO_ANY) */
};

struct xfrm_ev {
	enum xfrm_ev_type type;
	struct xfrm_pol pol;
	struct xfrm_sa sa;
};

/*
 * xfrm_parse - one XFRM message (event or dump reply).  Reads only the
 * headers, XFRMA_MARK, XFRMA_TMPL, XFRMA_ENCAP, XFRMA_SA, XFRMA_POLICY
 * and XFRMA_POLICY_TYPE: never an algorithm or key.  Returns 0 (also for
 * messages of no interest: XEV_NONE) or -EINVAL for a malformed one.
 */
int xfrm_parse(const struct nlmsghdr *nlh, struct xfrm_ev *ev);

/* What an operation does, for the log (no key is ever in one); every
 * kind has its text, an unknown one says so. */
void xfrm_describe_op(char *buf, size_t size, const struct sa_op *op);

/* A dump request (XFRM_MSG_GETPOLICY or _GETSA); its length, or 0 if
 * @size is too small. */
size_t xfrm_build_dump(void *buf, size_t size, uint16_t type, uint32_t seq);

#endif
