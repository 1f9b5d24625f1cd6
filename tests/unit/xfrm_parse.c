// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/xfrm/xfrm_parse.c: XFRM messages laid out as the kernel's xfrm_user.c
 * builds them, SAs' keys included (never to be read), dump requests, and
 * the log's text for each kind of map operation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "nft/nft_schema.h"
#include "xfrm/xfrm_parse.h"
#include "unit.h"

/* A key no parsed field may ever hold: it fills the SAs' algorithms. */
static const uint8_t secret[20] = {
	0x5e, 0xc7, 0xe7, 0x4b, 0x9a, 0x11, 0x5e, 0xc7, 0xe7, 0x4b,
	0x9a, 0x22, 0x5e, 0xc7, 0xe7, 0x4b, 0x9a, 0x33, 0x5e, 0xc7,
};

static struct nlmsghdr *msg(char *buf, uint16_t type, const void *hdr,
			    size_t len)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, 4096);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	if (len)
		memcpy(mnl_nlmsg_put_extra_header(nlh, len), hdr, len);
	return nlh;
}

static void put_tmpl(struct nlmsghdr *nlh, const uint32_t *reqid,
		     const uint8_t *mode, int n)
{
	struct xfrm_user_tmpl t[4];
	int i;

	memset(t, 0, sizeof(t));
	for (i = 0; i < n; i++) {
		t[i].id.proto = IPPROTO_ESP;
		t[i].family = AF_INET;
		t[i].reqid = reqid[i];
		t[i].mode = mode[i];
		t[i].aalgos = t[i].ealgos = t[i].calgos = ~0u;
	}
	mnl_attr_put(nlh, XFRMA_TMPL, n * sizeof(t[0]), t);
}

static void put_mark(struct nlmsghdr *nlh, uint32_t v, uint32_t m)
{
	struct xfrm_mark mk = { v, m };

	mnl_attr_put(nlh, XFRMA_MARK, sizeof(mk), &mk);
}

static struct xfrm_userpolicy_info pol_info(uint32_t index, uint8_t dir)
{
	struct xfrm_userpolicy_info p;

	memset(&p, 0, sizeof(p));
	p.sel.family = AF_INET;
	p.sel.proto = IPPROTO_UDP;
	p.sel.dport = htons(1701);
	p.sel.dport_mask = 0xffff;
	p.index = index;
	p.dir = dir;
	return p;
}

/* What the kernel's copy_to_user_state_extra() puts after an SA. */
static void put_keys(struct nlmsghdr *nlh)
{
	char a[sizeof(struct xfrm_algo_auth) + 20] = { 0 };
	char c[sizeof(struct xfrm_algo) + 20] = { 0 };
	struct xfrm_algo_auth *auth = (void *)a;
	struct xfrm_algo *crypt = (void *)c;

	strcpy(auth->alg_name, "hmac(sha1)");
	auth->alg_key_len = 160;
	auth->alg_trunc_len = 96;
	memcpy(auth->alg_key, secret, 20);
	mnl_attr_put(nlh, XFRMA_ALG_AUTH_TRUNC, sizeof(a), a);
	strcpy(crypt->alg_name, "cbc(aes)");
	crypt->alg_key_len = 128;
	memcpy(crypt->alg_key, secret, 16);
	mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(c), c);
}

static struct xfrm_usersa_info sa_info(const char *src, const char *dst,
				       uint32_t spi, uint32_t reqid)
{
	struct xfrm_usersa_info s;

	memset(&s, 0, sizeof(s));
	inet_pton(AF_INET, src, &s.saddr);
	inet_pton(AF_INET, dst, &s.id.daddr);
	s.id.spi = htonl(spi);
	s.id.proto = IPPROTO_ESP;
	s.family = AF_INET;
	s.mode = XFRM_MODE_TRANSPORT;
	s.reqid = reqid;
	return s;
}

static void put_encap(struct nlmsghdr *nlh, uint16_t sport, uint16_t dport)
{
	struct xfrm_encap_tmpl e;

	memset(&e, 0, sizeof(e));
	e.encap_type = UDP_ENCAP_ESPINUDP;
	e.encap_sport = htons(sport);
	e.encap_dport = htons(dport);
	mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(e), &e);
}

static int holds_secret(const void *p, size_t len)
{
	/* any 4 bytes of it would be too many */
	size_t i;

	for (i = 0; i + 4 <= sizeof(secret); i++)
		if (memmem(p, len, secret + i, 4))
			return 1;
	return 0;
}

static void test_xfrm_parse_policy(void)
{
	char buf[4096] __attribute__((aligned(8)));
	const uint32_t reqid[3] = { 16389, 7, 16389 };
	const uint8_t mode[3] = { XFRM_MODE_TRANSPORT, XFRM_MODE_TUNNEL,
				  XFRM_MODE_TRANSPORT };
	struct xfrm_userpolicy_info p = pol_info(0x208, XFRM_POLICY_IN);
	struct xfrm_userpolicy_id id;
	struct xfrm_user_polexpire pe;
	struct xfrm_userpolicy_type pt = { .type = XFRM_POLICY_TYPE_SUB };
	struct nlmsghdr *nlh;
	struct xfrm_ev ev;

	/* Libreswan's mark=-1: the policy carries the mark */
	nlh = msg(buf, XFRM_MSG_NEWPOLICY, &p, sizeof(p));
	put_tmpl(nlh, reqid, mode, 3);
	put_mark(nlh, 0x10001, 0xffffffff);
	CHECK("policy: new, inbound, marked", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_POLICY && ev.pol.index == 0x208 &&
	      ev.pol.dir == XFRM_POLICY_IN && ev.pol.family == AF_INET &&
	      ev.pol.type == XFRM_POLICY_TYPE_MAIN &&
	      ev.pol.mark == 0x10001 && ev.pol.mask == 0xffffffff);
	CHECK("policy: transport templates' reqids, each once",
	      ev.pol.nreqid == 1 && ev.pol.reqid[0] == 16389);

	nlh = msg(buf, XFRM_MSG_UPDPOLICY, &p, sizeof(p));
	put_tmpl(nlh, reqid, mode, 1);
	CHECK("policy: without a mark, 0/0", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_POLICY && ev.pol.mark == 0 && ev.pol.mask == 0 &&
	      ev.pol.nreqid == 1);
	nlh = msg(buf, XFRM_MSG_NEWPOLICY, &p, sizeof(p));
	put_mark(nlh, 1, 1);
	CHECK("policy: no template, no reqid", xfrm_parse(nlh, &ev) == 0 &&
	      ev.pol.nreqid == 0 && ev.pol.mark == 1);

	/* the deletion: the ID first, the policy in an attribute */
	memset(&id, 0, sizeof(id));
	id.dir = XFRM_POLICY_IN;
	nlh = msg(buf, XFRM_MSG_DELPOLICY, &id, sizeof(id));
	mnl_attr_put(nlh, XFRMA_POLICY, sizeof(p), &p);
	put_tmpl(nlh, reqid, mode, 1);
	put_mark(nlh, 0x10001, 0xffffffff);
	CHECK("policy: deleted", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_POLICY_DEL && ev.pol.index == 0x208 &&
	      ev.pol.mark == 0x10001 && ev.pol.reqid[0] == 16389);
	nlh = msg(buf, XFRM_MSG_DELPOLICY, &id, sizeof(id));
	CHECK("policy: deleted, without the policy attribute",
	      xfrm_parse(nlh, &ev) == -EINVAL);

	memset(&pe, 0, sizeof(pe));
	pe.pol = p;
	nlh = msg(buf, XFRM_MSG_POLEXPIRE, &pe, sizeof(pe));
	CHECK("policy: soft expiry changes nothing",
	      xfrm_parse(nlh, &ev) == 0 && ev.type == XEV_NONE);
	pe.hard = 1;
	nlh = msg(buf, XFRM_MSG_POLEXPIRE, &pe, sizeof(pe));
	CHECK("policy: hard expiry removes it", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_POLICY_DEL && ev.pol.index == 0x208);

	nlh = msg(buf, XFRM_MSG_FLUSHPOLICY, NULL, 0);
	CHECK("policy: flush, main type", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_POLICY_FLUSH &&
	      ev.pol.type == XFRM_POLICY_TYPE_MAIN);
	mnl_attr_put(nlh, XFRMA_POLICY_TYPE, sizeof(pt), &pt);
	CHECK("policy: flush, sub type", xfrm_parse(nlh, &ev) == 0 &&
	      ev.pol.type == XFRM_POLICY_TYPE_SUB);

	/* malformed */
	nlh = msg(buf, XFRM_MSG_NEWPOLICY, &p, sizeof(p) - 4);
	CHECK("policy: short header", xfrm_parse(nlh, &ev) == -EINVAL);
	nlh = msg(buf, XFRM_MSG_NEWPOLICY, &p, sizeof(p));
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(struct xfrm_user_tmpl) + 4, buf);
	CHECK("policy: a template and a bit", xfrm_parse(nlh, &ev) == -EINVAL);
	nlh = msg(buf, XFRM_MSG_NEWPOLICY, &p, sizeof(p));
	mnl_attr_put_u32(nlh, XFRMA_MARK, 1);
	CHECK("policy: short mark", xfrm_parse(nlh, &ev) == -EINVAL);
	nlh = msg(buf, XFRM_MSG_NEWPOLICY, &p, sizeof(p));
	put_mark(nlh, 1, 1);
	nlh->nlmsg_len -= 4;	/* the attribute runs past the message */
	CHECK("policy: truncated attribute", xfrm_parse(nlh, &ev) == -EINVAL);
	nlh = msg(buf, XFRM_MSG_GETSADINFO, NULL, 0);
	CHECK("other messages: nothing", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_NONE);
}

static void test_xfrm_parse_sa(void)
{
	char buf[4096] __attribute__((aligned(8)));
	struct xfrm_usersa_info s = sa_info("203.0.113.1", "192.0.2.2",
					    0xc0ffee01, 16389);
	static const uint8_t peer[16] = { 203, 0, 113, 1 };
	static const uint8_t us[16] = { 192, 0, 2, 2 };
	struct xfrm_user_expire ue;
	struct xfrm_usersa_flush fl = { .proto = 0 };
	struct xfrm_usersa_id id;
	struct nlmsghdr *nlh;
	struct xfrm_ev ev;
	char text[160];
	struct sa_op op = { .kind = SA_ESP_ADD };

	/* strongSwan's mark=%unique in ipsec.conf: the SA has the mark */
	nlh = msg(buf, XFRM_MSG_NEWSA, &s, sizeof(s));
	put_keys(nlh);
	put_encap(nlh, 4500, 4500);
	put_mark(nlh, 0x2, 0xffffffff);
	CHECK("SA: new, ESP in UDP, marked", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_SA && ev.sa.family == AF_INET &&
	      ev.sa.proto == IPPROTO_ESP && ev.sa.mode == XFRM_MODE_TRANSPORT &&
	      ev.sa.spi == 0xc0ffee01 && ev.sa.reqid == 16389 &&
	      ev.sa.mark == 2 && ev.sa.mask == 0xffffffff &&
	      ev.sa.encap == UDP_ENCAP_ESPINUDP && ev.sa.sport == 4500 &&
	      ev.sa.dport == 4500);
	CHECK("SA: addresses, IPv4 zero-padded",
	      !memcmp(ev.sa.saddr, peer, 16) && !memcmp(ev.sa.daddr, us, 16));
	CHECK("SA: the message holds the key, the parsed SA does not",
	      holds_secret(buf, nlh->nlmsg_len) &&
	      !holds_secret(&ev, sizeof(ev)));
	op.family = ev.sa.family;
	op.sport = ev.sa.sport;
	op.spi = ev.sa.spi;
	op.mark = ev.sa.mark;
	memcpy(op.saddr, ev.sa.saddr, 16);
	xfrm_describe_op(text, sizeof(text), &op);
	CHECK("SA: what the log says of it",
	      !strcmp(text, "ESP in UDP from 203.0.113.1 port 4500 SPI "
		      "0xc0ffee01 -> mark 0x2") &&
	      !holds_secret(text, strlen(text)));

	nlh = msg(buf, XFRM_MSG_UPDSA, &s, sizeof(s));
	put_keys(nlh);
	CHECK("SA: updated, plain ESP, no mark", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_SA && ev.sa.encap == 0 && ev.sa.sport == 0 &&
	      ev.sa.mark == 0 && ev.sa.mask == 0);

	/* the deletion: the ID, then the SA and everything again */
	memset(&id, 0, sizeof(id));
	id.daddr = s.id.daddr;
	id.spi = s.id.spi;
	id.family = AF_INET;
	id.proto = IPPROTO_ESP;
	nlh = msg(buf, XFRM_MSG_DELSA, &id, sizeof(id));
	mnl_attr_put(nlh, XFRMA_SA, sizeof(s), &s);
	put_keys(nlh);
	put_encap(nlh, 31337, 4500);
	put_mark(nlh, 0x2, 0xffffffff);
	CHECK("SA: deleted", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_SA_DEL && ev.sa.spi == 0xc0ffee01 &&
	      ev.sa.mark == 2 && ev.sa.sport == 31337 &&
	      !memcmp(ev.sa.daddr, us, 16) && !holds_secret(&ev, sizeof(ev)));
	nlh = msg(buf, XFRM_MSG_DELSA, &id, sizeof(id));
	mnl_attr_put(nlh, XFRMA_SA, sizeof(s) - 8, &s);
	CHECK("SA: deleted, short SA attribute",
	      xfrm_parse(nlh, &ev) == -EINVAL);

	memset(&ue, 0, sizeof(ue));
	ue.state = s;
	nlh = msg(buf, XFRM_MSG_EXPIRE, &ue, sizeof(ue));
	put_mark(nlh, 0x2, 0xffffffff);
	CHECK("SA: soft expiry changes nothing", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_NONE);
	ue.hard = 1;
	nlh = msg(buf, XFRM_MSG_EXPIRE, &ue, sizeof(ue));
	put_mark(nlh, 0x2, 0xffffffff);
	CHECK("SA: hard expiry removes it", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_SA_DEL && ev.sa.mark == 2 &&
	      ev.sa.spi == 0xc0ffee01);

	nlh = msg(buf, XFRM_MSG_FLUSHSA, &fl, sizeof(fl));
	CHECK("SA: flush", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_SA_FLUSH && ev.sa.proto == 0);
	nlh = msg(buf, XFRM_MSG_FLUSHSA, NULL, 0);
	CHECK("SA: flush without its header", xfrm_parse(nlh, &ev) == -EINVAL);

	s.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &s.saddr);
	nlh = msg(buf, XFRM_MSG_NEWSA, &s, sizeof(s));
	CHECK("SA: IPv6", xfrm_parse(nlh, &ev) == 0 && ev.type == XEV_SA &&
	      ev.sa.family == AF_INET6 && ev.sa.saddr[0] == 0x20 &&
	      ev.sa.saddr[15] == 1);
	s.family = AF_UNSPEC;
	nlh = msg(buf, XFRM_MSG_NEWSA, &s, sizeof(s));
	CHECK("SA: other families ignored", xfrm_parse(nlh, &ev) == 0 &&
	      ev.type == XEV_NONE);
	nlh = msg(buf, XFRM_MSG_NEWSA, &s, 100);
	CHECK("SA: short header", xfrm_parse(nlh, &ev) == -EINVAL);

	CHECK("dump request: a bare header asking for a dump",
	      xfrm_build_dump(buf, sizeof(buf), XFRM_MSG_GETSA, 9) ==
	      MNL_NLMSG_HDRLEN && ((struct nlmsghdr *)buf)->nlmsg_flags ==
	      (NLM_F_REQUEST | NLM_F_DUMP) &&
	      ((struct nlmsghdr *)buf)->nlmsg_seq == 9 &&
	      xfrm_build_dump(buf, 8, XFRM_MSG_GETSA, 9) == 0);
}

/* Every kind of operation has its text; one outside the enum is named. */
static void test_xfrm_describe(void)
{
	struct sa_op op = { .kind = SA_CHAIN_ADD, .mark = 0x10001,
			    .mask = 0xffffffff, .reqid = 5, .reqid2 = 6 };
	char text[160], want[32];

	xfrm_describe_op(text, sizeof(text), &op);
	CHECK("describe: chain",
	      !strcmp(text, "chain for mark 0x10001/0xffffffff"));
	op.kind = SA_REQID_DEL;
	xfrm_describe_op(text, sizeof(text), &op);
	CHECK("describe: reqid gone",
	      !strcmp(text, "no more reqid 5 -> mark 0x10001/0xffffffff"));
	op.kind = SA_SHARED;
	xfrm_describe_op(text, sizeof(text), &op);
	CHECK("describe: shared mark",
	      !strcmp(text, "mark 0x10001/0xffffffff of reqid 6 is also the "
		      "mark of reqid 5"));
	op.kind = SA_FLUSH;
	xfrm_describe_op(text, sizeof(text), &op);
	CHECK("describe: flush, which the table of words once lacked",
	      !strcmp(text, "emptying every SA map"));
	op.kind = (enum sa_op_kind)(SA_FLUSH + 1);
	xfrm_describe_op(text, sizeof(text), &op);
	snprintf(want, sizeof(want), "unknown operation %d", SA_FLUSH + 1);
	CHECK("describe: a kind past the enum is named, not looked up",
	      !strcmp(text, want));
	op.kind = SA_ESP_DEL;
	op.family = AF_INET6;
	op.spi = 0xc1;
	op.mark = 2;
	inet_pton(AF_INET6, "2001:db8::1", op.saddr);
	xfrm_describe_op(text, sizeof(text), &op);
	CHECK("describe: plain ESP, IPv6",
	      !strcmp(text, "no more ESP from 2001:db8::1 SPI 0x000000c1 -> "
		      "mark 0x2"));
}

void test_xfrm_parse(void)
{
	test_xfrm_parse_policy();
	test_xfrm_parse_sa();
	test_xfrm_describe();
}
