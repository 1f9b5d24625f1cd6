// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XFRM netlink messages (policies and SAs, events and dump replies) read
 * into what --sa-marks needs (see xfrm_parse.h), dump requests, and
 * the log's text for a map operation.  Pure.
 *
 * SA messages also carry the SA's algorithms and keys (XFRMA_ALG_*):
 * the attribute walk looks at a fixed list of other types and never
 * reads, let alone copies, those.  Headers are copied out with memcpy:
 * netlink only promises 4-byte alignment.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/ipsec.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "nft/nft_schema.h"
#include "xfrm/xfrm_parse.h"

/* The attributes we read, each checked for its size before use. */
struct xattrs {
	const struct nlattr *mark, *tmpl, *encap, *sa, *policy, *ptype;
};

static void attr_keep(const struct nlattr *a, struct xattrs *x)
{
	switch (mnl_attr_get_type(a)) {
	case XFRMA_MARK:
		x->mark = a;
		break;
	case XFRMA_TMPL:
		x->tmpl = a;
		break;
	case XFRMA_ENCAP:
		x->encap = a;
		break;
	case XFRMA_SA:
		x->sa = a;
		break;
	case XFRMA_POLICY:
		x->policy = a;
		break;
	case XFRMA_POLICY_TYPE:
		x->ptype = a;
		break;
	default:	/* keys among them: not looked at */
		break;
	}
}

/* The attributes after a fixed header of @hdr bytes; they must fill the
 * message to its end. */
static int get_attrs(const struct nlmsghdr *nlh, size_t hdr, struct xattrs *x)
{
	const struct nlattr *a;

	memset(x, 0, sizeof(*x));
	if (mnl_nlmsg_get_payload_len(nlh) < hdr)
		return -EINVAL;
	mnl_attr_for_each(a, nlh, hdr)
		attr_keep(a, x);
	return (const char *)a < (const char *)mnl_nlmsg_get_payload_tail(nlh) ?
	       -EINVAL : 0;
}

/* Copy an attribute's payload of exactly (at least) @len bytes. */
static int attr_copy(const struct nlattr *a, void *dst, size_t len)
{
	if (mnl_attr_get_payload_len(a) < len)
		return -EINVAL;
	memcpy(dst, mnl_attr_get_payload(a), len);
	return 0;
}

static int get_mark(const struct xattrs *x, uint32_t *mark, uint32_t *mask)
{
	struct xfrm_mark m = { 0, 0 };

	if (x->mark && attr_copy(x->mark, &m, sizeof(m)))
		return -EINVAL;
	*mark = m.v;
	*mask = m.m;
	return 0;
}

/* The reqids of the transport-mode templates: one per SA of the
 * instance (ESP, maybe IPcomp), the same for in and out. */
static int get_reqids(const struct xattrs *x, struct xfrm_pol *p)
{
	const uint8_t *t;
	struct xfrm_user_tmpl ut;
	size_t len, i, k;

	if (!x->tmpl)
		return 0;
	t = mnl_attr_get_payload(x->tmpl);
	len = mnl_attr_get_payload_len(x->tmpl);
	if (len % sizeof(ut))
		return -EINVAL;
	for (i = 0; i < len / sizeof(ut); i++) {
		memcpy(&ut, t + i * sizeof(ut), sizeof(ut));
		if (ut.mode != XFRM_MODE_TRANSPORT || !ut.reqid)
			continue;
		for (k = 0; k < p->nreqid && p->reqid[k] != ut.reqid; k++)
			;
		if (k == p->nreqid && p->nreqid < XFRM_REQIDS_MAX)
			p->reqid[p->nreqid++] = ut.reqid;
	}
	return 0;
}

static void from_policy_info(const struct xfrm_userpolicy_info *pi,
			     struct xfrm_pol *p)
{
	p->index = pi->index;
	p->dir = pi->dir;
	p->family = pi->sel.family;
}

/* NEWPOLICY, UPDPOLICY, DELPOLICY, POLEXPIRE, FLUSHPOLICY */
static int parse_policy(const struct nlmsghdr *nlh, struct xfrm_ev *ev,
			size_t hdr)
{
	struct xfrm_userpolicy_info pi;
	struct xfrm_userpolicy_type pt = { .type = XFRM_POLICY_TYPE_MAIN };
	struct xattrs x;

	if (get_attrs(nlh, hdr, &x))
		return -EINVAL;
	if (x.ptype && attr_copy(x.ptype, &pt, sizeof(pt)))
		return -EINVAL;
	ev->pol.type = pt.type;
	if (ev->type == XEV_POLICY_FLUSH)
		return 0;
	if (nlh->nlmsg_type == XFRM_MSG_DELPOLICY) {
		/* the header is only the policy's ID; the rest follows */
		if (!x.policy || attr_copy(x.policy, &pi, sizeof(pi)))
			return -EINVAL;
	} else {
		/* a policy info starts the others (polexpire included) */
		memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	}
	from_policy_info(&pi, &ev->pol);
	if (get_mark(&x, &ev->pol.mark, &ev->pol.mask) ||
	    get_reqids(&x, &ev->pol))
		return -EINVAL;
	return 0;
}

static void from_sa_info(const struct xfrm_usersa_info *si, struct xfrm_sa *s)
{
	s->family = si->family;
	s->proto = si->id.proto;
	s->mode = si->mode;
	s->spi = ntohl(si->id.spi);
	memcpy(s->daddr, &si->id.daddr, 16);
	memcpy(s->saddr, &si->saddr, 16);
	s->reqid = si->reqid;
	if (s->family == AF_INET) {
		memset(s->daddr + 4, 0, 12);
		memset(s->saddr + 4, 0, 12);
	}
}

/* NEWSA, UPDSA, DELSA, EXPIRE, FLUSHSA */
static int parse_sa(const struct nlmsghdr *nlh, struct xfrm_ev *ev, size_t hdr)
{
	struct xfrm_usersa_info si;
	struct xfrm_usersa_flush fl;
	struct xfrm_encap_tmpl en;
	struct xattrs x;

	if (ev->type == XEV_SA_FLUSH) {
		memcpy(&fl, mnl_nlmsg_get_payload(nlh), sizeof(fl));
		ev->sa.proto = fl.proto;
		return 0;
	}
	if (get_attrs(nlh, hdr, &x))
		return -EINVAL;
	if (nlh->nlmsg_type == XFRM_MSG_DELSA) {
		if (!x.sa || attr_copy(x.sa, &si, sizeof(si)))
			return -EINVAL;
	} else {
		memcpy(&si, mnl_nlmsg_get_payload(nlh), sizeof(si));
	}
	from_sa_info(&si, &ev->sa);
	if (get_mark(&x, &ev->sa.mark, &ev->sa.mask))
		return -EINVAL;
	if (x.encap) {
		if (attr_copy(x.encap, &en, sizeof(en)))
			return -EINVAL;
		ev->sa.encap = en.encap_type;
		ev->sa.sport = ntohs(en.encap_sport);
		ev->sa.dport = ntohs(en.encap_dport);
	}
	if (ev->sa.family != AF_INET && ev->sa.family != AF_INET6)
		ev->type = XEV_NONE;
	return 0;
}

int xfrm_parse(const struct nlmsghdr *nlh, struct xfrm_ev *ev)
{
	const struct xfrm_user_expire *ue = NULL;
	const struct xfrm_user_polexpire *pe = NULL;
	size_t hdr;

	memset(ev, 0, sizeof(*ev));
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		ev->type = XEV_POLICY;
		return parse_policy(nlh, ev,
				    sizeof(struct xfrm_userpolicy_info));
	case XFRM_MSG_DELPOLICY:
		ev->type = XEV_POLICY_DEL;
		return parse_policy(nlh, ev, sizeof(struct xfrm_userpolicy_id));
	case XFRM_MSG_POLEXPIRE:
		hdr = sizeof(*pe);
		if (mnl_nlmsg_get_payload_len(nlh) < hdr)
			return -EINVAL;
		/* a soft expiry only warns the IKE daemon */
		ev->type = ((const uint8_t *)mnl_nlmsg_get_payload(nlh))
			   [offsetof(struct xfrm_user_polexpire, hard)] ?
			   XEV_POLICY_DEL : XEV_NONE;
		return ev->type ? parse_policy(nlh, ev, hdr) : 0;
	case XFRM_MSG_FLUSHPOLICY:
		ev->type = XEV_POLICY_FLUSH;
		return parse_policy(nlh, ev, 0);
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		ev->type = XEV_SA;
		return parse_sa(nlh, ev, sizeof(struct xfrm_usersa_info));
	case XFRM_MSG_DELSA:
		ev->type = XEV_SA_DEL;
		return parse_sa(nlh, ev, sizeof(struct xfrm_usersa_id));
	case XFRM_MSG_EXPIRE:
		hdr = sizeof(*ue);
		if (mnl_nlmsg_get_payload_len(nlh) < hdr)
			return -EINVAL;
		ev->type = ((const uint8_t *)mnl_nlmsg_get_payload(nlh))
			   [offsetof(struct xfrm_user_expire, hard)] ?
			   XEV_SA_DEL : XEV_NONE;
		return ev->type ? parse_sa(nlh, ev, hdr) : 0;
	case XFRM_MSG_FLUSHSA:
		if (mnl_nlmsg_get_payload_len(nlh) <
		    sizeof(struct xfrm_usersa_flush))
			return -EINVAL;
		ev->type = XEV_SA_FLUSH;
		return parse_sa(nlh, ev, 0);
	default:
		return 0;
	}
}

size_t xfrm_build_dump(void *buf, size_t size, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh;

	/* a dump takes no header: the kernel parses none */
	if (size < MNL_NLMSG_HDRLEN)
		return 0;
	memset(buf, 0, MNL_NLMSG_HDRLEN);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	return nlh->nlmsg_len;
}

/* The log's word for each kind of operation, indexed by it; NULL for
 * one the table lacks: nothing is read past it. */
static const char *verb(enum sa_op_kind kind)
{
	static const char *const v[] = {
		[SA_CHAIN_ADD] = "chain", [SA_CHAIN_DEL] = "no more chain",
		[SA_REQID_ADD] = "reqid", [SA_REQID_DEL] = "no more reqid",
		[SA_ESP_ADD] = "ESP", [SA_ESP_DEL] = "no more ESP",
		[SA_SHARED] = "mark", [SA_FLUSH] = "emptying every SA map",
	};

	if ((unsigned int)kind >= sizeof(v) / sizeof(v[0]))
		return NULL;
	return v[kind];
}

static void describe_esp(char *buf, size_t size, const struct sa_op *op,
			 const char *what)
{
	char addr[INET6_ADDRSTRLEN] = "?", port[16] = "";

	inet_ntop(op->family, op->saddr, addr, sizeof(addr));
	if (op->sport)
		snprintf(port, sizeof(port), " port %u", op->sport);
	snprintf(buf, size, "%s%s from %s%s SPI 0x%08x -> mark 0x%x", what,
		 op->sport ? " in UDP" : "", addr, port, op->spi, op->mark);
}

/* Every kind has its case (-Wswitch says when one is missing), and its
 * word in verb(); a value outside the enum is named, never looked up. */
void xfrm_describe_op(char *buf, size_t size, const struct sa_op *op)
{
	const char *what = verb(op->kind);

	if (!what) {
		snprintf(buf, size, "unknown operation %d", (int)op->kind);
		return;
	}
	switch (op->kind) {
	case SA_CHAIN_ADD:
	case SA_CHAIN_DEL:
		snprintf(buf, size, "%s for mark 0x%x/0x%x", what, op->mark,
			 op->mask);
		break;
	case SA_REQID_ADD:
	case SA_REQID_DEL:
		snprintf(buf, size, "%s %u -> mark 0x%x/0x%x", what, op->reqid,
			 op->mark, op->mask);
		break;
	case SA_SHARED:
		snprintf(buf, size, "mark 0x%x/0x%x of reqid %u is also the "
			 "mark of reqid %u", op->mark, op->mask, op->reqid2,
			 op->reqid);
		break;
	case SA_FLUSH:
		snprintf(buf, size, "%s", what);
		break;
	case SA_ESP_ADD:
	case SA_ESP_DEL:
		describe_esp(buf, size, op, what);
		break;
	}
}
