// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --sa-marks, the pure half: XFRM messages laid out as the kernel's
 * xfrm_user.c builds them (src/xfrm_parse.c), the bookkeeping that turns
 * them into map operations (src/xfrm_db.c), and its hash table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "htab.h"
#include "xfrm.h"
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

/* The operations xfrm_db hands out, as short text: "+c10001 +r5:10001" */
static char ops[1024];

static void record(void *arg, const struct sa_op *op)
{
	static const char *const k[] = {
		[SA_CHAIN_ADD] = "+c", [SA_CHAIN_DEL] = "-c",
		[SA_REQID_ADD] = "+r", [SA_REQID_DEL] = "-r",
		[SA_ESP_ADD] = "+e", [SA_ESP_DEL] = "-e", [SA_SHARED] = "!",
	};
	size_t n = strlen(ops);

	(void)arg;
	if (op->kind == SA_CHAIN_ADD || op->kind == SA_CHAIN_DEL)
		snprintf(ops + n, sizeof(ops) - n, "%s%x ", k[op->kind],
			 op->mark);
	else if (op->kind == SA_REQID_ADD || op->kind == SA_REQID_DEL)
		snprintf(ops + n, sizeof(ops) - n, "%s%u:%x ", k[op->kind],
			 op->reqid, op->mark);
	else if (op->kind == SA_SHARED)
		snprintf(ops + n, sizeof(ops) - n, "!%x:%u,%u ", op->mark,
			 op->reqid, op->reqid2);
	else
		snprintf(ops + n, sizeof(ops) - n, "%s%u.%u.%x:%x ",
			 k[op->kind], op->saddr[3], op->sport, op->spi,
			 op->mark);
}

/* Apply one policy event; the operations it gave. */
static const char *pol(struct xfrm_db *db, enum xfrm_ev_type type,
		       uint32_t index, uint8_t dir, uint32_t mark,
		       uint32_t reqid)
{
	struct xfrm_ev ev = { .type = type };

	ev.pol.index = index;
	ev.pol.dir = dir;
	ev.pol.family = AF_INET;
	ev.pol.mark = mark;
	ev.pol.mask = mark ? 0xffffffff : 0;
	ev.pol.nreqid = reqid ? 1 : 0;
	ev.pol.reqid[0] = reqid;
	ops[0] = '\0';
	xfrm_db_apply(db, &ev);
	return ops;
}

static const char *sa(struct xfrm_db *db, enum xfrm_ev_type type,
		      uint8_t peer, uint16_t sport, uint32_t spi,
		      uint32_t mark)
{
	struct xfrm_ev ev = { .type = type };

	ev.sa.family = AF_INET;
	ev.sa.proto = IPPROTO_ESP;
	ev.sa.mode = XFRM_MODE_TRANSPORT;
	ev.sa.spi = spi;
	ev.sa.saddr[0] = 203;
	ev.sa.saddr[3] = peer;
	ev.sa.daddr[0] = 192;
	ev.sa.mark = mark;
	ev.sa.mask = mark ? 0xffffffff : 0;
	ev.sa.encap = sport ? UDP_ENCAP_ESPINUDP : 0;
	ev.sa.sport = sport;
	ev.sa.dport = sport ? 4500 : 0;
	ops[0] = '\0';
	xfrm_db_apply(db, &ev);
	return ops;
}

#define IN	XFRM_POLICY_IN
#define OUT	XFRM_POLICY_OUT

static void test_xfrm_db_policies(void)
{
	struct xfrm_db *db = xfrm_db_new(record, NULL);
	struct xfrm_db_counts c;
	struct xfrm_ev ev = { .type = XEV_POLICY };

	CHECK("db: an inbound marked policy: chain, then reqid",
	      !strcmp(pol(db, XEV_POLICY, 8, IN, 0x10001, 5),
		      "+c10001 +r5:10001 "));
	CHECK("db: its outbound twin adds nothing",
	      !strcmp(pol(db, XEV_POLICY, 9, OUT, 0x10001, 5), ""));
	CHECK("db: a second inbound policy of the instance, nothing",
	      !strcmp(pol(db, XEV_POLICY, 16, IN, 0x10001, 5), ""));
	CHECK("db: the same policy again (a dump), nothing",
	      !strcmp(pol(db, XEV_POLICY, 8, IN, 0x10001, 5), ""));
	CHECK("db: unmarked, tunnel-less or outbound ones, nothing",
	      !strcmp(pol(db, XEV_POLICY, 24, IN, 0, 6), "") &&
	      !strcmp(pol(db, XEV_POLICY, 32, IN, 0x10002, 0), "") &&
	      !strcmp(pol(db, XEV_POLICY, 41, OUT, 0x10002, 6), ""));
	ev.pol = (struct xfrm_pol){ .index = 48, .dir = IN, .mark = 0x10002,
				    .mask = 0xffffffff, .nreqid = 1,
				    .reqid = { 6 },
				    .type = XFRM_POLICY_TYPE_SUB };
	xfrm_db_apply(db, &ev);
	CHECK("db: sub policies, nothing", !strcmp(ops, ""));
	CHECK("db: deleting one of two, nothing",
	      !strcmp(pol(db, XEV_POLICY_DEL, 16, IN, 0x10001, 5), ""));
	CHECK("db: a second instance",
	      !strcmp(pol(db, XEV_POLICY, 56, IN, 0x10002, 6),
		      "+c10002 +r6:10002 "));
	CHECK("db: a policy's reqid changes: its chain stays, no warning",
	      !strcmp(pol(db, XEV_POLICY, 56, IN, 0x10002, 7),
		      "-r6:10002 +r7:10002 "));
	CHECK("db: a policy's mark changes: the old chain goes last",
	      !strcmp(pol(db, XEV_POLICY, 56, IN, 0x10003, 6),
		      "-r7:10002 +c10003 +r6:10003 -c10002 "));
	CHECK("db: a reqid seen with a second mark is kept as it was",
	      !strcmp(pol(db, XEV_POLICY, 64, IN, 0x10004, 6), ""));
	xfrm_db_counts(db, &c);
	CHECK("db: counted", c.policies == 3 && c.reqids == 2 &&
	      c.marks == 2 && c.conflicts == 1);
	CHECK("db: the last policy of a reqid takes it and its chain",
	      !strcmp(pol(db, XEV_POLICY_DEL, 8, IN, 0x10001, 5),
		      "-r5:10001 -c10001 "));
	CHECK("db: deleting an unknown policy, nothing",
	      !strcmp(pol(db, XEV_POLICY_DEL, 999, IN, 0x10001, 5), ""));

	/* Libreswan 5.3+: mark=-1 is 0xffffffff for every instance */
	pol(db, XEV_POLICY, 72, IN, 0xffffffff, 7);
	CHECK("db: a second reqid on one mark: said once",
	      !strcmp(pol(db, XEV_POLICY, 80, IN, 0xffffffff, 8),
		      "!ffffffff:7,8 +r8:ffffffff "));
	CHECK("db: and not again for a third",
	      !strcmp(pol(db, XEV_POLICY, 88, IN, 0xffffffff, 9),
		      "+r9:ffffffff "));
	pol(db, XEV_POLICY, 96, IN, 0xfffffffe, 10);
	pol(db, XEV_POLICY, 96, IN, 0xfffffffe, 11);
	CHECK("db: the warning names a reqid that uses the mark now",
	      !strcmp(pol(db, XEV_POLICY, 104, IN, 0xfffffffe, 12),
		      "!fffffffe:11,12 +r12:fffffffe "));
	pol(db, XEV_POLICY_DEL, 96, IN, 0, 0);
	pol(db, XEV_POLICY_DEL, 104, IN, 0, 0);
	CHECK("db: the chain stays while a reqid jumps to it",
	      !strcmp(pol(db, XEV_POLICY_DEL, 72, IN, 0xffffffff, 7),
		      "-r7:ffffffff ") &&
	      !strcmp(pol(db, XEV_POLICY_DEL, 80, IN, 0xffffffff, 8),
		      "-r8:ffffffff "));

	ev.type = XEV_POLICY_FLUSH;
	ev.pol.type = XFRM_POLICY_TYPE_SUB;
	ops[0] = '\0';
	xfrm_db_apply(db, &ev);
	CHECK("db: flushing sub policies, nothing", !strcmp(ops, ""));
	ev.pol.type = XFRM_POLICY_TYPE_MAIN;
	xfrm_db_apply(db, &ev);
	CHECK("db: flush: everything goes", strstr(ops, "-r9:ffffffff ") &&
	      strstr(ops, "-cffffffff ") && strstr(ops, "-r6:10003 -c10003 "));
	xfrm_db_counts(db, &c);
	CHECK("db: empty after the flush", c.policies == 0 && c.reqids == 0 &&
	      c.marks == 0);
	xfrm_db_free(db);
}

static void test_xfrm_db_sas(void)
{
	struct xfrm_db *db = xfrm_db_new(record, NULL);
	struct xfrm_ev ev = { .type = XEV_SA_FLUSH };
	struct xfrm_db_counts c;

	CHECK("db: a marked SA in UDP: its ESP key",
	      !strcmp(sa(db, XEV_SA, 1, 4500, 0xc1, 2), "+e1.4500.c1:2 "));
	CHECK("db: plain ESP: no port",
	      !strcmp(sa(db, XEV_SA, 2, 0, 0xc2, 3), "+e2.0.c2:3 "));
	CHECK("db: unmarked SA, nothing",
	      !strcmp(sa(db, XEV_SA, 3, 4500, 0xc3, 0), ""));
	CHECK("db: the same SA updated, nothing",
	      !strcmp(sa(db, XEV_SA, 1, 4500, 0xc1, 2), ""));
	CHECK("db: the peer's port changed (NAT mapping): out, in",
	      !strcmp(sa(db, XEV_SA, 1, 1024, 0xc1, 2),
		      "-e1.4500.c1:2 +e1.1024.c1:2 "));
	CHECK("db: deleted", !strcmp(sa(db, XEV_SA_DEL, 1, 1024, 0xc1, 2),
				    "-e1.1024.c1:2 "));
	CHECK("db: deleting an unknown SA, nothing",
	      !strcmp(sa(db, XEV_SA_DEL, 1, 1024, 0xc1, 2), ""));

	ev.sa.proto = IPPROTO_AH;
	ops[0] = '\0';
	xfrm_db_apply(db, &ev);
	CHECK("db: flushing AH keeps ESP", !strcmp(ops, ""));
	ev.sa.proto = 255;	/* IPSEC_PROTO_ANY */
	xfrm_db_apply(db, &ev);
	CHECK("db: flushing any IPsec protocol", !strcmp(ops, "-e2.0.c2:3 "));
	sa(db, XEV_SA, 4, 4500, 0xc4, 4);
	ev.sa.proto = 0;
	ops[0] = '\0';
	xfrm_db_apply(db, &ev);
	CHECK("db: flushing all", !strcmp(ops, "-e4.4500.c4:4 "));
	xfrm_db_counts(db, &c);
	CHECK("db: no SA left", c.sas == 0 && c.esp == 0);
	xfrm_db_free(db);
}

/* A full dump after lost events: what it does not show goes. */
static void test_xfrm_db_resync(void)
{
	struct xfrm_db *db = xfrm_db_new(record, NULL);
	struct xfrm_db_counts c;

	pol(db, XEV_POLICY, 8, IN, 0x10001, 5);
	pol(db, XEV_POLICY, 16, IN, 0x10002, 6);
	sa(db, XEV_SA, 1, 4500, 0xc1, 2);
	sa(db, XEV_SA, 2, 4500, 0xc2, 3);
	xfrm_db_resync_begin(db);
	CHECK("resync: what the dump shows again changes nothing",
	      !strcmp(pol(db, XEV_POLICY, 8, IN, 0x10001, 5), "") &&
	      !strcmp(sa(db, XEV_SA, 2, 4500, 0xc2, 3), ""));
	CHECK("resync: what is new is added",
	      !strcmp(pol(db, XEV_POLICY, 24, IN, 0x10003, 7),
		      "+c10003 +r7:10003 "));
	ops[0] = '\0';
	xfrm_db_resync_end(db);
	CHECK("resync: the rest goes", strstr(ops, "-r6:10002 -c10002 ") &&
	      strstr(ops, "-e1.4500.c1:2 ") && strlen(ops) ==
	      strlen("-r6:10002 -c10002 -e1.4500.c1:2 "));
	xfrm_db_counts(db, &c);
	CHECK("resync: counted", c.policies == 2 && c.sas == 1 &&
	      c.reqids == 2 && c.esp == 1);
	xfrm_db_free(db);
}

static void count_one(struct hent *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
}

static void test_htab(void)
{
	struct htab t = { 0 };
	struct hent *e = calloc(1000, sizeof(*e));
	uint8_t key[HTAB_KEY] = { 0 };
	int i, ok = 1, n = 0;

	for (i = 0; i < 1000; i++) {
		memcpy(e[i].key, &i, sizeof(i));
		ok &= htab_add(&t, &e[i]) == 0;
	}
	CHECK("htab: 1000 entries, grown", ok && t.n == 1000 && t.nb >= 1000);
	for (i = 0; i < 1000; i++) {
		memcpy(key, &i, sizeof(i));
		ok &= htab_find(&t, key) == &e[i];
	}
	CHECK("htab: each found", ok);
	i = 1000;
	memcpy(key, &i, sizeof(i));
	CHECK("htab: an absent key", htab_find(&t, key) == NULL);
	for (i = 0; i < 1000; i += 2)
		htab_del(&t, &e[i]);
	i = 2;
	memcpy(key, &i, sizeof(i));
	htab_each(&t, count_one, &n);
	CHECK("htab: half deleted", t.n == 500 && n == 500 &&
	      !htab_find(&t, key));
	htab_free(&t);
	free(e);
}

void test_xfrm(void)
{
	test_xfrm_parse_policy();
	test_xfrm_parse_sa();
	test_xfrm_db_policies();
	test_xfrm_db_sas();
	test_xfrm_db_resync();
	test_htab();
}
