/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XFRM_H
#define L2TP_NFQD_XFRM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "nft_schema.h"

/*
 * --sa-marks: the kernel's IPsec policies and SAs (XFRM netlink) turned
 * into the marks of the daemon's table.  Libreswan's mark=-1 puts a mark
 * on each connection instance's policies but none on its SAs nor on the
 * packets they decrypt; strongSwan's ipsec.conf mark=%unique without the
 * connmark plugin does the same, except that its outbound SA carries the
 * mark.  An inbound SA may carry one too (swanctl's mark_in_sa = yes,
 * strongSwan before 5.5.2).  So:
 *   reqid -> mark       from inbound transport-mode policies with a mark,
 *                       stamped on packets the SA decrypted;
 *   (peer, port, SPI) -> mark  from transport-mode ESP SAs with a mark,
 *                       stamped on their ESP(-in-UDP) packets, before
 *                       decryption, so that the kernel finds the SA.
 * Key material never leaves the receive buffer, which is wiped.
 */
struct xfrm;
struct nft;

/*
 * xfrm_open - dump the policies and SAs, subscribe to their changes and
 * fill the table's SA maps, replacing the chains per mark @kept from
 * before (NULL: none).  Returns 0 or -errno (logged).
 */
int xfrm_open(struct xfrm **out, struct nft *nft,
	      const struct nft_adopt *kept);
/* The event socket to poll for reading; -1 for NULL. */
int xfrm_fd(const struct xfrm *x);
/* Read the events; lost ones (ENOBUFS) mean a full dump again. */
void xfrm_dispatch(struct xfrm *x);
void xfrm_log_stats(const struct xfrm *x);
void xfrm_close(struct xfrm *x);

/* The rest is pure: xfrm_parse.c, for xfrm.c and the unit tests. */

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

/* What an operation does, for the log (no key is ever in one). */
void xfrm_describe_op(char *buf, size_t size, const struct sa_op *op);

/* A dump request (XFRM_MSG_GETPOLICY or _GETSA); its length, or 0 if
 * @size is too small. */
size_t xfrm_build_dump(void *buf, size_t size, uint16_t type, uint32_t seq);

/*
 * xfrm_db.c: what the SA maps must hold.  Each change to them comes out
 * through the callback as an operation (nft_sa.h), in an order that one
 * transaction accepts; SA_SHARED says, once per mark, that a second
 * reqid stamps the same mark.
 */
struct xfrm_db;
typedef void (*xfrm_db_cb)(void *arg, const struct sa_op *op);

struct xfrm_db *xfrm_db_new(xfrm_db_cb cb, void *arg);
/* One event or dump reply: 0, or -ENOMEM (the maps may then lag). */
int xfrm_db_apply(struct xfrm_db *db, const struct xfrm_ev *ev);
/* Around a full dump: what it did not show goes. */
void xfrm_db_resync_begin(struct xfrm_db *db);
void xfrm_db_resync_end(struct xfrm_db *db);

struct xfrm_db_counts {
	size_t policies, sas;	/* that stamp a mark */
	size_t reqids, marks, esp;	/* map elements, chains */
	uint64_t conflicts;	/* reqids or ESP keys seen with two marks */
};
void xfrm_db_counts(const struct xfrm_db *db, struct xfrm_db_counts *c);
void xfrm_db_free(struct xfrm_db *db);

#endif
