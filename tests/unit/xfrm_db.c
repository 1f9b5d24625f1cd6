// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/xfrm/xfrm_db.c: the bookkeeping that turns policy and SA events into
 * map operations, recorded as short text ("+c10001 +r5:10001").
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include "nft/nft_schema.h"
#include "xfrm/xfrm_db.h"
#include "unit.h"

/* A database and the operations its last event gave. */
struct rec {
	struct xfrm_db *db;
	char ops[1024];
};

static void record(void *arg, const struct sa_op *op)
{
	static const char *const k[] = {
		[SA_CHAIN_ADD] = "+c", [SA_CHAIN_DEL] = "-c",
		[SA_REQID_ADD] = "+r", [SA_REQID_DEL] = "-r",
		[SA_ESP_ADD] = "+e", [SA_ESP_DEL] = "-e", [SA_SHARED] = "!",
		[SA_FLUSH] = "~",
	};
	struct rec *r = arg;
	size_t n = strlen(r->ops);
	char *at = r->ops + n;

	n = sizeof(r->ops) - n;
	if (op->kind == SA_CHAIN_ADD || op->kind == SA_CHAIN_DEL)
		snprintf(at, n, "%s%x ", k[op->kind], op->mark);
	else if (op->kind == SA_REQID_ADD || op->kind == SA_REQID_DEL)
		snprintf(at, n, "%s%u:%x ", k[op->kind], op->reqid, op->mark);
	else if (op->kind == SA_SHARED)
		snprintf(at, n, "!%x:%u,%u ", op->mark, op->reqid, op->reqid2);
	else if (op->kind == SA_FLUSH)
		snprintf(at, n, "~ ");
	else
		snprintf(at, n, "%s%u.%u.%x:%x ", k[op->kind], op->saddr[3],
			 op->sport, op->spi, op->mark);
}

static void rec_new(struct rec *r)
{
	r->ops[0] = '\0';
	r->db = xfrm_db_new(record, r);
}

/* Apply one event; the operations it gave. */
static const char *apply(struct rec *r, const struct xfrm_ev *ev)
{
	r->ops[0] = '\0';
	xfrm_db_apply(r->db, ev);
	return r->ops;
}

/* Apply one policy event; the operations it gave. */
static const char *pol(struct rec *r, enum xfrm_ev_type type,
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
	return apply(r, &ev);
}

static const char *sa(struct rec *r, enum xfrm_ev_type type,
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
	return apply(r, &ev);
}

#define IN	XFRM_POLICY_IN
#define OUT	XFRM_POLICY_OUT

static void test_xfrm_db_policies(void)
{
	struct xfrm_ev ev = { .type = XEV_POLICY };
	struct xfrm_db_counts c;
	struct rec r;

	rec_new(&r);

	CHECK("db: an inbound marked policy: chain, then reqid",
	      !strcmp(pol(&r, XEV_POLICY, 8, IN, 0x10001, 5),
		      "+c10001 +r5:10001 "));
	CHECK("db: its outbound twin adds nothing",
	      !strcmp(pol(&r, XEV_POLICY, 9, OUT, 0x10001, 5), ""));
	CHECK("db: a second inbound policy of the instance, nothing",
	      !strcmp(pol(&r, XEV_POLICY, 16, IN, 0x10001, 5), ""));
	CHECK("db: the same policy again (a dump), nothing",
	      !strcmp(pol(&r, XEV_POLICY, 8, IN, 0x10001, 5), ""));
	CHECK("db: unmarked, tunnel-less or outbound ones, nothing",
	      !strcmp(pol(&r, XEV_POLICY, 24, IN, 0, 6), "") &&
	      !strcmp(pol(&r, XEV_POLICY, 32, IN, 0x10002, 0), "") &&
	      !strcmp(pol(&r, XEV_POLICY, 41, OUT, 0x10002, 6), ""));
	ev.pol = (struct xfrm_pol){ .index = 48, .dir = IN, .mark = 0x10002,
				    .mask = 0xffffffff, .nreqid = 1,
				    .reqid = { 6 },
				    .type = XFRM_POLICY_TYPE_SUB };
	CHECK("db: sub policies, nothing", !strcmp(apply(&r, &ev), ""));
	CHECK("db: deleting one of two, nothing",
	      !strcmp(pol(&r, XEV_POLICY_DEL, 16, IN, 0x10001, 5), ""));
	CHECK("db: a second instance",
	      !strcmp(pol(&r, XEV_POLICY, 56, IN, 0x10002, 6),
		      "+c10002 +r6:10002 "));
	CHECK("db: a policy's reqid changes: its chain stays, no warning",
	      !strcmp(pol(&r, XEV_POLICY, 56, IN, 0x10002, 7),
		      "-r6:10002 +r7:10002 "));
	CHECK("db: a policy's mark changes: the old chain goes last",
	      !strcmp(pol(&r, XEV_POLICY, 56, IN, 0x10003, 6),
		      "-r7:10002 +c10003 +r6:10003 -c10002 "));
	CHECK("db: a reqid seen with a second mark is kept as it was",
	      !strcmp(pol(&r, XEV_POLICY, 64, IN, 0x10004, 6), ""));
	xfrm_db_counts(r.db, &c);
	CHECK("db: counted", c.policies == 3 && c.reqids == 2 &&
	      c.marks == 2 && c.conflicts == 1);
	CHECK("db: the last policy of a reqid takes it and its chain",
	      !strcmp(pol(&r, XEV_POLICY_DEL, 8, IN, 0x10001, 5),
		      "-r5:10001 -c10001 "));
	CHECK("db: deleting an unknown policy, nothing",
	      !strcmp(pol(&r, XEV_POLICY_DEL, 999, IN, 0x10001, 5), ""));

	/* Libreswan 5.3+: mark=-1 is 0xffffffff for every instance */
	pol(&r, XEV_POLICY, 72, IN, 0xffffffff, 7);
	CHECK("db: a second reqid on one mark: said once",
	      !strcmp(pol(&r, XEV_POLICY, 80, IN, 0xffffffff, 8),
		      "!ffffffff:7,8 +r8:ffffffff "));
	CHECK("db: and not again for a third",
	      !strcmp(pol(&r, XEV_POLICY, 88, IN, 0xffffffff, 9),
		      "+r9:ffffffff "));
	pol(&r, XEV_POLICY, 96, IN, 0xfffffffe, 10);
	pol(&r, XEV_POLICY, 96, IN, 0xfffffffe, 11);
	CHECK("db: the warning names a reqid that uses the mark now",
	      !strcmp(pol(&r, XEV_POLICY, 104, IN, 0xfffffffe, 12),
		      "!fffffffe:11,12 +r12:fffffffe "));
	pol(&r, XEV_POLICY_DEL, 96, IN, 0, 0);
	pol(&r, XEV_POLICY_DEL, 104, IN, 0, 0);
	CHECK("db: the chain stays while a reqid jumps to it",
	      !strcmp(pol(&r, XEV_POLICY_DEL, 72, IN, 0xffffffff, 7),
		      "-r7:ffffffff ") &&
	      !strcmp(pol(&r, XEV_POLICY_DEL, 80, IN, 0xffffffff, 8),
		      "-r8:ffffffff "));

	ev.type = XEV_POLICY_FLUSH;
	ev.pol.type = XFRM_POLICY_TYPE_SUB;
	CHECK("db: flushing sub policies, nothing",
	      !strcmp(apply(&r, &ev), ""));
	ev.pol.type = XFRM_POLICY_TYPE_MAIN;
	apply(&r, &ev);
	CHECK("db: flush: everything goes", strstr(r.ops, "-r9:ffffffff ") &&
	      strstr(r.ops, "-cffffffff ") &&
	      strstr(r.ops, "-r6:10003 -c10003 "));
	xfrm_db_counts(r.db, &c);
	CHECK("db: empty after the flush", c.policies == 0 && c.reqids == 0 &&
	      c.marks == 0);
	xfrm_db_free(r.db);
}

static void test_xfrm_db_sas(void)
{
	struct xfrm_ev ev = { .type = XEV_SA_FLUSH };
	struct xfrm_db_counts c;
	struct rec r;

	rec_new(&r);

	CHECK("db: a marked SA in UDP: its ESP key",
	      !strcmp(sa(&r, XEV_SA, 1, 4500, 0xc1, 2), "+e1.4500.c1:2 "));
	CHECK("db: plain ESP: no port",
	      !strcmp(sa(&r, XEV_SA, 2, 0, 0xc2, 3), "+e2.0.c2:3 "));
	CHECK("db: unmarked SA, nothing",
	      !strcmp(sa(&r, XEV_SA, 3, 4500, 0xc3, 0), ""));
	CHECK("db: the same SA updated, nothing",
	      !strcmp(sa(&r, XEV_SA, 1, 4500, 0xc1, 2), ""));
	CHECK("db: the peer's port changed (NAT mapping): out, in",
	      !strcmp(sa(&r, XEV_SA, 1, 1024, 0xc1, 2),
		      "-e1.4500.c1:2 +e1.1024.c1:2 "));
	CHECK("db: deleted", !strcmp(sa(&r, XEV_SA_DEL, 1, 1024, 0xc1, 2),
				    "-e1.1024.c1:2 "));
	CHECK("db: deleting an unknown SA, nothing",
	      !strcmp(sa(&r, XEV_SA_DEL, 1, 1024, 0xc1, 2), ""));

	ev.sa.proto = IPPROTO_AH;
	CHECK("db: flushing AH keeps ESP", !strcmp(apply(&r, &ev), ""));
	ev.sa.proto = 255;	/* IPSEC_PROTO_ANY */
	CHECK("db: flushing any IPsec protocol",
	      !strcmp(apply(&r, &ev), "-e2.0.c2:3 "));
	sa(&r, XEV_SA, 4, 4500, 0xc4, 4);
	ev.sa.proto = 0;
	CHECK("db: flushing all", !strcmp(apply(&r, &ev), "-e4.4500.c4:4 "));
	xfrm_db_counts(r.db, &c);
	CHECK("db: no SA left", c.sas == 0 && c.esp == 0);
	xfrm_db_free(r.db);
}

/* A full dump after lost events: what it does not show goes. */
static void test_xfrm_db_resync(void)
{
	struct xfrm_db_counts c;
	struct rec r;

	rec_new(&r);
	pol(&r, XEV_POLICY, 8, IN, 0x10001, 5);
	pol(&r, XEV_POLICY, 16, IN, 0x10002, 6);
	sa(&r, XEV_SA, 1, 4500, 0xc1, 2);
	sa(&r, XEV_SA, 2, 4500, 0xc2, 3);
	xfrm_db_resync_begin(r.db);
	CHECK("resync: what the dump shows again changes nothing",
	      !strcmp(pol(&r, XEV_POLICY, 8, IN, 0x10001, 5), "") &&
	      !strcmp(sa(&r, XEV_SA, 2, 4500, 0xc2, 3), ""));
	CHECK("resync: what is new is added",
	      !strcmp(pol(&r, XEV_POLICY, 24, IN, 0x10003, 7),
		      "+c10003 +r7:10003 "));
	r.ops[0] = '\0';
	xfrm_db_resync_end(r.db);
	CHECK("resync: the rest goes", strstr(r.ops, "-r6:10002 -c10002 ") &&
	      strstr(r.ops, "-e1.4500.c1:2 ") && strlen(r.ops) ==
	      strlen("-r6:10002 -c10002 -e1.4500.c1:2 "));
	xfrm_db_counts(r.db, &c);
	CHECK("resync: counted", c.policies == 2 && c.sas == 1 &&
	      c.reqids == 2 && c.esp == 1);
	xfrm_db_free(r.db);
}

void test_xfrm_db(void)
{
	test_xfrm_db_policies();
	test_xfrm_db_sas();
	test_xfrm_db_resync();
}
