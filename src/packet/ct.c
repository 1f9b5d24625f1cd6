// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conntrack mark lookups by UDP tuple, on one persistent ctnetlink socket.
 *
 * The lookup asks by the original tuple, the packet's own addresses: what
 * an SCCRQ that reached LOCAL_IN carries unless it was DNATed on the way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "packet/ct.h"
#include "base/log.h"
#include "base/nl.h"

struct ct {
	struct mnl_socket *nl;
	struct nf_conntrack *req;	/* reused: no allocation per lookup */
	uint32_t seq;
};

struct reply {
	int found;
	uint32_t mark;
};

int ct_open(struct ct **out)
{
	struct ct *ct;
	int ret;

	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return -ENOMEM;
	ct->req = nfct_new();
	if (!ct->req) {
		ret = -ENOMEM;
		goto err_free;
	}
	ct->nl = nl_open(NETLINK_NETFILTER);
	if (!ct->nl) {
		ret = -errno;
		log_warn("cannot open a conntrack socket (or run with "
			 "--no-ct-lookup)");
		goto err_ct;
	}
	*out = ct;
	return 0;

err_ct:
	nfct_destroy(ct->req);
err_free:
	free(ct);
	return ret;
}

static void reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;
	uint32_t mark;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return;
	r->found = 1;
	/* an entry without CTA_MARK has mark 0 */
	if (!nl_attr_u32be((const char *)mnl_nlmsg_get_payload(nlh) +
			   sizeof(struct nfgenmsg),
			   mnl_nlmsg_get_payload_len(nlh) -
			   sizeof(struct nfgenmsg), CTA_MARK, &mark))
		r->mark = mark;
}

int ct_lookup_mark(struct ct *ct, const struct pkt_udp *udp, uint32_t *mark)
{
	char buf[512] __attribute__((aligned(8))) = { 0 };
	struct reply r = { 0 };
	struct nfgenmsg *nfg;
	struct nlmsghdr *nlh;
	struct nl_err err;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = nl_seq(&ct->seq);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)udp->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;

	nfct_set_attr_u8(ct->req, ATTR_L3PROTO, (uint8_t)udp->family);
	if (udp->family == AF_INET) {
		nfct_set_attr_u32(ct->req, ATTR_IPV4_SRC, udp->saddr.v4.s_addr);
		nfct_set_attr_u32(ct->req, ATTR_IPV4_DST, udp->daddr.v4.s_addr);
	} else {
		nfct_set_attr(ct->req, ATTR_IPV6_SRC, &udp->saddr.v6);
		nfct_set_attr(ct->req, ATTR_IPV6_DST, &udp->daddr.v6);
	}
	nfct_set_attr_u8(ct->req, ATTR_L4PROTO, IPPROTO_UDP);
	nfct_set_attr_u16(ct->req, ATTR_PORT_SRC, htons(udp->sport));
	nfct_set_attr_u16(ct->req, ATTR_PORT_DST, htons(udp->dport));
	if (nfct_nlmsg_build(nlh, ct->req) < 0)
		return -errno;

	ret = nl_request(ct->nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
			 nlh->nlmsg_seq, reply_cb, &r, &err);
	if (ret)
		return ret;
	if (!r.found)
		return -ENOENT;
	*mark = r.mark;
	return 0;
}

void ct_close(struct ct *ct)
{
	if (!ct)
		return;
	mnl_socket_close(ct->nl);
	nfct_destroy(ct->req);
	free(ct);
}
