// SPDX-License-Identifier: GPL-2.0-or-later
/* The status view's kernel half, without a kernel
 * (src/status/kernel_parse.c): tunnel set elements, the rules' counters,
 * the SA behind a mark, the PPP interface of a tunnel. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft/nft_build.h"
#include "status/kernel_parse.h"
#include "unit.h"

/* --- set elements, laid out as nf_tables_fill_setelem() does -------- */

struct kelem {
	const char *addr;	/* IPv4 or IPv6 text */
	uint16_t id;
	int klen_delta;		/* a key that is too short or long */
	int dlen;		/* data bytes: 0 none, 2, 4 */
	uint32_t data;		/* host order; an ID goes out big-endian */
	int64_t timeout, expiration;	/* -1: absent */
};

static struct nlmsghdr *elem_msg(char *buf, uint16_t type, const char *set,
				 const struct kelem *k, size_t n)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *list, *el, *nest;
	struct nfgenmsg *g;
	uint8_t key[24];
	size_t i, alen;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_INET;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, "l2tp-nfqd");
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < n; i++) {
		memset(key, 0, sizeof(key));
		alen = strchr(k[i].addr, ':') ? 16 : 4;
		inet_pton(alen == 16 ? AF_INET6 : AF_INET, k[i].addr, key);
		key[alen] = (uint8_t)(k[i].id >> 8);
		key[alen + 1] = (uint8_t)k[i].id;
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE,
			     (size_t)((int)alen + 4 + k[i].klen_delta), key);
		mnl_attr_nest_end(nlh, nest);
		if (k[i].dlen) {
			uint8_t d[4];
			uint16_t be16 = htons((uint16_t)k[i].data);

			if (k[i].dlen == 2)
				memcpy(d, &be16, 2);
			else
				memcpy(d, &k[i].data, 4);
			nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
			mnl_attr_put(nlh, NFTA_DATA_VALUE, (size_t)k[i].dlen,
				     d);
			mnl_attr_nest_end(nlh, nest);
		}
		if (k[i].timeout >= 0)
			mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT,
					 htobe64((uint64_t)k[i].timeout));
		if (k[i].expiration >= 0)
			mnl_attr_put_u64(nlh, NFTA_SET_ELEM_EXPIRATION,
					 htobe64((uint64_t)k[i].expiration));
		mnl_attr_nest_end(nlh, el);
	}
	mnl_attr_nest_end(nlh, list);
	return nlh;
}

static void feed(struct st_view *v, int family, int set, uint64_t set_timeout,
		 const struct kelem *k, size_t n, unsigned int *skipped)
{
	static char buf[16384] __attribute__((aligned(8)));
	struct stk_elems l = { v, family, set, set_timeout, 0, 0 };

	stk_elems_cb(elem_msg(buf, NFT_MSG_NEWSETELEM,
			      tunnel_families[family == AF_INET6].name[set],
			      k, n), &l);
	if (skipped)
		*skipped = l.skipped;
	CHECK("elements: no error", l.err == 0);
}

static struct st_tunnel *find(struct st_view *v, const char *addr,
			      uint16_t id)
{
	uint8_t a[16] = { 0 };
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET;

	inet_pton(af, addr, a);
	return st_tunnel_find(v, af, a, id);
}

static void test_elems(void)
{
	static const struct kelem tun4[] = {
		{ "198.51.100.7", 1, 0, 4, 0x2, -1, -1 },
		{ "198.51.100.7", 32768, 0, 4, 0x10001, -1, -1 },
		{ "203.0.113.9", 7, -1, 4, 0x3, -1, -1 },	/* short key */
		{ "203.0.113.9", 8, 1, 4, 0x3, -1, -1 },	/* long key */
		{ "203.0.113.9", 9, 0, 2, 0x3, -1, -1 },	/* short mark */
		{ "203.0.113.9", 10, 0, 0, 0, -1, -1 },		/* no mark */
	};
	static const struct kelem xlate4[] = {
		{ "198.51.100.7", 32768, 0, 2, 1, -1, -1 },
		{ "192.0.2.99", 5, 0, 2, 6, -1, -1 },	/* no such tunnel */
		{ "198.51.100.7", 1, 0, 4, 9, -1, -1 },	/* wrong length */
	};
	static const struct kelem lns4[] = {
		{ "198.51.100.7", 1, 0, 2, 0x4242, -1, -1 },
		{ "198.51.100.7", 32768, 0, 0, 0, -1, -1 },	/* no data */
	};
	static const struct kelem live4[] = {
		/* the element's own timeout */
		{ "198.51.100.7", 1, 0, 0, 0, 300000, 290500 },
		/* the set's (the kernel leaves an equal one out) */
		{ "198.51.100.7", 32768, 0, 0, 0, -1, 180000 },
	};
	static const struct kelem tun6[] = {
		{ "2001:db8::7", 1, 0, 4, 0xffffffff, -1, -1 },
		{ "2001:db8::8", 2, -16, 4, 0x5, -1, -1 },	/* a v4 key */
	};
	static const struct kelem live6[] = {
		/* more time left than the timeout: a confused kernel */
		{ "2001:db8::7", 1, 0, 0, 0, 1000, 5000 },
	};
	struct st_view v;
	struct st_tunnel *t;
	unsigned int skipped = 0;
	uint8_t a[16] = { 0 };

	memset(&v, 0, sizeof(v));
	feed(&v, AF_INET, TS_TUNNELS, 0, tun4, 6, &skipped);
	CHECK("elements: 2 tunnels, 4 malformed skipped",
	      v.n == 2 && skipped == 4);
	t = find(&v, "198.51.100.7", 1);
	CHECK("elements: mark and source", t && t->mark == 2 &&
	      t->sources == ST_FROM_KERNEL && t->orig_id == 1 &&
	      t->lns_id == 0 && t->idle == ST_UNKNOWN);
	feed(&v, AF_INET, TS_XLATE, 0, xlate4, 3, &skipped);
	t = find(&v, "198.51.100.7", 32768);
	CHECK("elements: translated ID", t && t->orig_id == 1 &&
	      t->mark == 0x10001 && skipped == 1);
	CHECK("elements: an xlate element adds no tunnel", v.n == 2 &&
	      !find(&v, "192.0.2.99", 5));
	t = find(&v, "198.51.100.7", 1);
	CHECK("elements: a wrong length changes nothing", t &&
	      t->orig_id == 1);
	feed(&v, AF_INET, TS_LNS, 0, lns4, 2, &skipped);
	CHECK("elements: lns ID", t && t->lns_id == 0x4242 && skipped == 1);
	feed(&v, AF_INET, TS_LIVE, 200000, live4, 2, NULL);
	t = find(&v, "198.51.100.7", 1);
	CHECK("elements: idle from the element's timeout",
	      t && t->idle == 9);
	t = find(&v, "198.51.100.7", 32768);
	CHECK("elements: idle from the set's timeout", t && t->idle == 20);

	feed(&v, AF_INET6, TS_TUNNELS, 0, tun6, 2, &skipped);
	t = find(&v, "2001:db8::7", 1);
	CHECK("elements: IPv6", v.n == 3 && skipped == 1 && t &&
	      t->family == AF_INET6 && t->mark == 0xffffffff);
	feed(&v, AF_INET6, TS_LIVE, 1000, live6, 1, NULL);
	CHECK("elements: expiration past the timeout", t &&
	      t->idle == ST_UNKNOWN);
	/* an IPv4 element must not be read as IPv6 */
	inet_pton(AF_INET, "198.51.100.7", a);
	CHECK("elements: families apart",
	      !st_tunnel_find(&v, AF_INET6, a, 1));
	st_view_free(&v);
}

static void test_idle(void)
{
	struct nft_elem_read x;

	memset(&x, 0, sizeof(x));
	CHECK("idle: nothing known", stk_idle(&x, 0) == ST_UNKNOWN);
	x.has_expiration = 1;
	x.expiration = 60000;
	CHECK("idle: no timeout anywhere", stk_idle(&x, 0) == ST_UNKNOWN);
	CHECK("idle: the set's", stk_idle(&x, 300000) == 240);
	x.has_timeout = 1;
	x.timeout = 60000;
	CHECK("idle: just refreshed", stk_idle(&x, 300000) == 0);
	x.expiration = 999;
	CHECK("idle: rounds down", stk_idle(&x, 0) == 59);
}

static void test_sets(void)
{
	char buf[4096] __attribute__((aligned(8)));
	struct stk_sets s;
	struct nftnl_set *set;
	struct nlmsghdr *nlh;
	const char *names[] = { "live6", "tunnels4", "other" };
	const char *tables[] = { "l2tp-nfqd", "l2tp-nfqd", "l2tp-nfqd" };
	int i;

	memset(&s, 0, sizeof(s));
	s.table = "l2tp-nfqd";
	for (i = 0; i < 4; i++) {
		set = nftnl_set_alloc();
		nftnl_set_set_str(set, NFTNL_SET_TABLE,
				  i == 3 ? "another" : tables[i]);
		nftnl_set_set_str(set, NFTNL_SET_NAME, i == 3 ? "live4" :
				  names[i]);
		if (i == 0 || i == 3)
			nftnl_set_set_u64(set, NFTNL_SET_TIMEOUT, 300000);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWSET, NFPROTO_INET,
					    0, 1);
		nftnl_set_nlmsg_build_payload(nlh, set);
		stk_sets_cb(nlh, &s);
		nftnl_set_free(set);
	}
	CHECK("sets: found", s.found[1][TS_LIVE] && s.found[0][TS_TUNNELS] &&
	      s.timeout[1][TS_LIVE] == 300000 && !s.timeout[0][TS_TUNNELS]);
	CHECK("sets: another table's left out", !s.found[0][TS_LIVE] &&
	      !s.found[1][TS_TUNNELS]);
}

/* --- the rules' counters, on the table the builders make ------------ */

static void set_packets(struct nftnl_rule *r, uint64_t n)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;

	while ((e = nftnl_expr_iter_next(it)))
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter"))
			nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, n);
	nftnl_expr_iter_destroy(it);
}

/* Every rule of an install batch, its counter at @pkts, back through
 * stk_rules_cb as the kernel would list it. */
static void classify_batch(const struct nft_cfg *cfg, enum nft_queue_form f,
			   const char *ours, struct stk_counters *c,
			   int *classes, int *rules)
{
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	char out[8192] __attribute__((aligned(8)));
	struct nft_batch_seqs s;
	const struct nlmsghdr *nlh;
	struct nlmsghdr *o;
	struct nftnl_rule *r;
	uint32_t seq = 0;
	uint64_t pk = 0;
	size_t len;
	int left, k;

	len = nft_build_install(buf, sizeof(buf), cfg, f, NULL, &seq, &s);
	CHECK("counters: the batch builds", len > 0);
	nlh = (const void *)buf;
	left = (int)len;
	memset(c, 0, sizeof(*c));
	c->table = ours;
	memset(classes, 0, STK_C_MAX * sizeof(*classes));
	*rules = 0;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
			continue;
		r = nftnl_rule_alloc();
		if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
			nftnl_rule_free(r);
			continue;
		}
		(*rules)++;
		set_packets(r, 10);
		k = stk_rule_classify(r, &pk);
		if (k >= 0) {
			classes[k]++;
			CHECK("counters: packets read", pk == 10);
		}
		/* as a dump lists it: table, family, chain, expressions */
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
		o = nftnl_nlmsg_build_hdr(out, NFT_MSG_NEWRULE, NFPROTO_INET,
					  NLM_F_MULTI, 1);
		nftnl_rule_nlmsg_build_payload(o, r);
		stk_rules_cb(o, c);
		nftnl_rule_free(r);
	}
}

static void test_counters(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = NFT_DEFAULT_PRIORITY,
		.port = 1701, .queue = 3, .ipsec_check = 1, .owner = 1,
		.connmark = 1, .mark_mask = 0xffffffff, .tunnel_marks = 1,
		.tunnel_timeout = 300, .tunnel_max = 1024, .sccrq_rate = 5,
	};
	int classes[STK_C_MAX], rules = 0;
	struct stk_counters c;
	struct st_view v;
	size_t i;

	classify_batch(&cfg, NFT_QUEUE_NATIVE, cfg.table, &c, classes, &rules);
	CHECK("counters: each rule with a counter known",
	      classes[STK_C_SCCRQ] == 1 && classes[STK_C_STOPCCN] == 1 &&
	      classes[STK_C_SCCRP] == 1 &&
	      classes[STK_C_DROP_CLEARTEXT] == 1 &&
	      classes[STK_C_DROP_FRAGMENT] == 1 &&
	      classes[STK_C_DROP_RATE] == 1 &&
	      classes[STK_C_DROP_OTHER_SA] == 4 &&
	      !classes[STK_C_GUARD_IN] && !classes[STK_C_GUARD_OUT]);
	CHECK("counters: summed per counter", c.v[STK_C_DROP_OTHER_SA] == 40 &&
	      c.v[STK_C_SCCRQ] == 10 && c.v[STK_C_SCCRP] == 10);
	CHECK("counters: rules without a counter are none", rules > 10);
	memset(&v, 0, sizeof(v));
	CHECK("counters: into the view", stk_counters_put(&v, &c) == 0 &&
	      v.ncounters == 7);
	for (i = 0; i < v.ncounters; i++)
		if (!strcmp(v.counters[i].labels, "reason=\"other_sa\""))
			break;
	CHECK("counters: name and labels", i < v.ncounters &&
	      !strcmp(v.counters[i].name, "nft_dropped_packets_total") &&
	      v.counters[i].value == 40);
	CHECK("counters: the first is the SCCRQ queue",
	      !strcmp(v.counters[0].name, "nft_sccrqs_queued_packets_total") &&
	      !v.counters[0].labels[0]);
	st_view_free(&v);

	/* nft_compat's NFQUEUE, and a table without --tunnel-marks */
	cfg.tunnel_marks = 0;
	classify_batch(&cfg, NFT_QUEUE_COMPAT, cfg.table, &c, classes,
		       &rules);
	CHECK("counters: xt NFQUEUE, plain table", classes[STK_C_SCCRQ] == 1 &&
	      c.seen == 1u << STK_C_SCCRQ);
	/* another table's rules are not ours */
	cfg.tunnel_marks = 1;
	cfg.table = "other";
	classify_batch(&cfg, NFT_QUEUE_NATIVE, "l2tp-nfqd", &c, classes,
		       &rules);
	CHECK("counters: another table's rules left out",
	      classes[STK_C_SCCRQ] == 1 && c.seen == 0);
	CHECK("counters: names", stk_counter_name(STK_C_MAX) == NULL &&
	      stk_counter_name(-1) == NULL &&
	      !strcmp(stk_counter_labels(STK_C_GUARD_OUT),
		      "direction=\"out\""));
}

static void test_counter_odd(void)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;
	uint64_t pk = 0;

	/* a counter and no verdict */
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, "l2tp-nfqd");
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "input");
	e = nftnl_expr_alloc("counter");
	nftnl_rule_add_expr(r, e);
	CHECK("counters: no verdict", stk_rule_classify(r, &pk) == -1);
	/* a drop in input matching nothing known */
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	nftnl_rule_add_expr(r, e);
	CHECK("counters: an unknown drop", stk_rule_classify(r, &pk) == -1);
	/* no chain */
	nftnl_rule_unset(r, NFTNL_RULE_CHAIN);
	CHECK("counters: no chain", stk_rule_classify(r, &pk) == -1);
	nftnl_rule_free(r);
}

static void test_guard(void)
{
	char buf[1024] __attribute__((aligned(8)));
	const char *names[] = { "cleartext_in", "cleartext_out", "other",
				"cleartext_in" };
	struct stk_counters c;
	struct nlmsghdr *nlh;
	struct nftnl_obj *o;
	struct st_view v;
	int i;

	memset(&c, 0, sizeof(c));
	c.table = "l2tp-nfqd-guard";
	for (i = 0; i < 4; i++) {
		o = nftnl_obj_alloc();
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, i == 3 ? "x" :
				  "l2tp-nfqd-guard");
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, names[i]);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 100u + (unsigned)i);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWOBJ, NFPROTO_INET,
					    NLM_F_MULTI, 1);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		stk_guard_cb(nlh, &c);
		nftnl_obj_free(o);
	}
	CHECK("guard: in and out", c.v[STK_C_GUARD_IN] == 100 &&
	      c.v[STK_C_GUARD_OUT] == 101 &&
	      c.seen == ((1u << STK_C_GUARD_IN) | (1u << STK_C_GUARD_OUT)));
	memset(&v, 0, sizeof(v));
	stk_counters_put(&v, &c);
	CHECK("guard: names", v.ncounters == 2 &&
	      !strcmp(v.counters[0].name, "nft_guard_dropped_packets_total") &&
	      !strcmp(v.counters[0].labels, "direction=\"in\""));
	st_view_free(&v);
}

/* --- XFRM ----------------------------------------------------------- */

static void sa(struct stk_xfrm *x, int af, const char *src, const char *dst,
	       uint32_t spi, uint32_t reqid, uint32_t mark, uint32_t mask)
{
	struct xfrm_sa *s = &x->sa[x->nsa++];

	memset(s, 0, sizeof(*s));
	s->family = (uint16_t)af;
	s->proto = IPPROTO_ESP;
	s->mode = XFRM_MODE_TRANSPORT;
	s->spi = spi;
	inet_pton(af, src, s->saddr);
	inet_pton(af, dst, s->daddr);
	s->reqid = reqid;
	s->mark = mark;
	s->mask = mask;
}

static void pol(struct stk_xfrm *x, uint8_t dir, uint32_t reqid,
		uint32_t mark, uint32_t mask)
{
	struct xfrm_pol *p = &x->pol[x->npol++];

	memset(p, 0, sizeof(*p));
	p->dir = dir;
	p->mark = mark;
	p->mask = mask;
	p->nreqid = 1;
	p->reqid[0] = reqid;
}

static struct st_tunnel tun(const char *addr, uint32_t mark)
{
	struct st_tunnel t;

	memset(&t, 0, sizeof(t));
	t.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(t.family, addr, &t.peer);
	t.mark = mark;
	t.sa.found = 7;		/* overwritten */
	return t;
}

static void test_sa(void)
{
	struct xfrm_sa sas[16];
	struct xfrm_pol pols[4];
	struct stk_xfrm x = { .sa = sas, .pol = pols };
	struct st_tunnel t;

	/* two clients behind one NAT, strongSwan marks on the SAs */
	sa(&x, AF_INET, "203.0.113.5", "192.0.2.1", 0xa1, 1, 0x10, ~0u);
	sa(&x, AF_INET, "192.0.2.1", "203.0.113.5", 0xa2, 1, 0x10, ~0u);
	sa(&x, AF_INET, "203.0.113.5", "192.0.2.1", 0xb1, 2, 0x20, ~0u);
	sa(&x, AF_INET, "192.0.2.1", "203.0.113.5", 0xb2, 2, 0x20, ~0u);
	/* Libreswan: SAs without a mark, the inbound policy has it */
	sa(&x, AF_INET, "198.51.100.9", "192.0.2.1", 0xc1, 3, 0, 0);
	sa(&x, AF_INET, "192.0.2.1", "198.51.100.9", 0xc2, 3, 0, 0);
	pol(&x, XFRM_POLICY_OUT, 4, 0x30, ~0u);	/* outbound: not this */
	pol(&x, XFRM_POLICY_IN, 3, 0x30, ~0u);
	/* a mask, and a more specific mark with another reqid */
	sa(&x, AF_INET, "198.51.100.20", "192.0.2.1", 0xd1, 5, 0x10000,
	   0xffff0000);
	sa(&x, AF_INET, "198.51.100.21", "192.0.2.1", 0xe1, 6, 0x10001, ~0u);
	/* IPv6 */
	sa(&x, AF_INET6, "2001:db8::7", "2001:db8::1", 0xf1, 7, 0x40, ~0u);
	sa(&x, AF_INET6, "2001:db8::1", "2001:db8::7", 0xf2, 7, 0x40, ~0u);
	/* an SA marked 0: a tunnel without a mark must not take it */
	sa(&x, AF_INET, "198.51.100.30", "192.0.2.1", 0x99, 9, 0, ~0u);

	t = tun("203.0.113.5", 0x10);
	stk_sa_match(&t, &x);
	CHECK("sa: client A", t.sa.found == 1 && t.sa.reqid == 1 &&
	      t.sa.spi_in == 0xa1 && t.sa.spi_out == 0xa2);
	t = tun("203.0.113.5", 0x20);
	stk_sa_match(&t, &x);
	CHECK("sa: client B behind the same NAT", t.sa.found &&
	      t.sa.reqid == 2 && t.sa.spi_in == 0xb1 && t.sa.spi_out == 0xb2);
	t = tun("198.51.100.9", 0x30);
	stk_sa_match(&t, &x);
	CHECK("sa: the inbound policy's reqid, SAs without marks",
	      t.sa.found && t.sa.reqid == 3 && t.sa.spi_in == 0xc1 &&
	      t.sa.spi_out == 0xc2);
	t = tun("198.51.100.21", 0x10001);
	stk_sa_match(&t, &x);
	CHECK("sa: the most specific mask", t.sa.found && t.sa.reqid == 6 &&
	      t.sa.spi_in == 0xe1 && !t.sa.spi_out);
	t = tun("198.51.100.20", 0x1abcd);
	stk_sa_match(&t, &x);
	CHECK("sa: a masked mark", t.sa.found && t.sa.reqid == 5 &&
	      t.sa.spi_in == 0xd1);
	t = tun("2001:db8::7", 0x40);
	stk_sa_match(&t, &x);
	CHECK("sa: IPv6", t.sa.found && t.sa.reqid == 7 &&
	      t.sa.spi_in == 0xf1 && t.sa.spi_out == 0xf2);
	t = tun("203.0.113.5", 0x77);
	stk_sa_match(&t, &x);
	CHECK("sa: no SA for the mark", !t.sa.found && !t.sa.reqid &&
	      !t.sa.spi_in);
	t = tun("198.51.100.30", 0);
	stk_sa_match(&t, &x);
	CHECK("sa: no mark, no SA", !t.sa.found);
	/* the mark's reqid, but the peer has no SA of it */
	t = tun("203.0.113.6", 0x10);
	stk_sa_match(&t, &x);
	CHECK("sa: reqid without the peer's SAs", t.sa.found &&
	      t.sa.reqid == 1 && !t.sa.spi_in && !t.sa.spi_out);
}

/* An SA as a dump reply, keys and all: stk_xfrm_add keeps what it needs. */
static void test_sa_msg(void)
{
	char buf[1024] __attribute__((aligned(8)));
	struct xfrm_usersa_info si;
	struct xfrm_mark m = { 0x10, ~0u };
	struct stk_xfrm x;
	struct nlmsghdr *nlh;

	memset(&x, 0, sizeof(x));
	memset(&si, 0, sizeof(si));
	si.family = AF_INET;
	si.id.proto = IPPROTO_ESP;
	si.id.spi = htonl(0xa1);
	inet_pton(AF_INET, "192.0.2.1", &si.id.daddr);
	inet_pton(AF_INET, "203.0.113.5", &si.saddr);
	si.reqid = 1;
	si.mode = XFRM_MODE_TRANSPORT;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(si)), &si, sizeof(si));
	mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	stk_xfrm_add(&x, nlh);
	nlh->nlmsg_len = 20;	/* cut short */
	stk_xfrm_add(&x, nlh);
	CHECK("sa: dump reply kept", x.nsa == 1 && x.sa[0].spi == 0xa1 &&
	      x.sa[0].mark == 0x10 && x.sa[0].reqid == 1 && !x.err);
	CHECK("sa: malformed counted", x.malformed == 1);
	stk_xfrm_free(&x);
}

/* --- kernel L2TP ---------------------------------------------------- */

static struct kl2tp_tunnel ktun(uint32_t id, const char *peer)
{
	struct kl2tp_tunnel t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.family = strchr(peer, ':') ? AF_INET6 : AF_INET;
	inet_pton(t.family, peer, t.daddr);
	t.sport = t.dport = 1701;
	return t;
}

static struct kl2tp_session ksess(uint32_t tid, uint32_t sid,
				  const char *name)
{
	struct kl2tp_session s;

	memset(&s, 0, sizeof(s));
	s.conn_id = tid;
	s.session_id = sid;
	snprintf(s.ifname, sizeof(s.ifname), "%s", name);
	return s;
}

static void test_ppp(void)
{
	struct kl2tp_tunnel kt[4];
	struct kl2tp_session ks[5];
	static const struct {
		const char *peer;
		uint16_t id, lns_id;
	} vt[4] = {
		{ "203.0.113.5", 1, 10 },
		{ "203.0.113.5", 2, 11 },
		{ "198.51.100.9", 1, 12 },	/* the kernel's 12: another
						 * peer */
		{ "2001:db8::7", 1, 13 },
	};
	struct st_view v;
	struct st_tunnel *t;
	uint8_t p[16];
	int i, af;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < 4; i++) {
		af = strchr(vt[i].peer, ':') ? AF_INET6 : AF_INET;
		inet_pton(af, vt[i].peer, p);
		t = st_tunnel_get(&v, af, p, vt[i].id);
		if (t)
			t->lns_id = vt[i].lns_id;
	}
	kt[0] = ktun(10, "203.0.113.5");
	kt[1] = ktun(11, "203.0.113.5");
	kt[2] = ktun(12, "203.0.113.6");
	kt[3] = ktun(13, "2001:db8::7");
	ks[0] = ksess(10, 9, "ppp3");
	ks[1] = ksess(10, 4, "ppp1");	/* the lower session ID */
	ks[2] = ksess(11, 1, "");	/* no name */
	ks[3] = ksess(12, 1, "ppp7");
	ks[4] = ksess(13, 2, "ppp8");
	CHECK("ppp: matched", stk_ppp_match(&v, kt, 4, ks, 5) == 2);
	CHECK("ppp: the first session's", v.n == 4 &&
	      !strcmp(v.t[0].ppp, "ppp1"));
	CHECK("ppp: none named", !v.t[1].ppp[0]);
	CHECK("ppp: another peer's tunnel ID", !v.t[2].ppp[0]);
	CHECK("ppp: IPv6", !strcmp(v.t[3].ppp, "ppp8"));
	st_view_free(&v);
}

static void test_pppol2tp(void)
{
	static const char text[] =
		"TUNNEL ID, peer ID -> name, refcnt\n"
		" debug tx-pkts/bytes/errs rx-pkts/bytes/errs\n"
		"  SESSION ID, peer ID, addr/port, local_addr/port ...\n"
		"\n"
		"TUNNEL 'tunl 10', Y 3\n"
		" 00000000 0/0/0 0/0/0\n"
		"  SESSION 'sess 10/4' C000020A/1701 000A/0004 -> 0005/0006 3 N\n"
		"   1500/1500/N/N/LNS 00000000 0\n"
		"   0/0 0/0/0 0/0/0\n"
		"   interface ppp1\n"
		"  SESSION 'sess 10/5' C000020A/1701 000A/0005 -> 0005/0007 3 N\n"
		"   interface ppp-name-that-is-far-too-long\n"
		"  SESSION 'sess 10/6' C000020A/1701 000A/0006 -> 0005/0008 3 N\n"
		"   interface bad\tname\n"
		"  SESSION 'sess x' C000020A/1701 1FFFFFFFFF/0001 -> 0/0 3 N\n"
		"   interface ppp9\n"
		"  SESSION 'it''s' C000020A/1701 0B/0C -> 0/0 3 N\n"
		"TUNNEL 'tunl 11', Y 3\n"
		"   interface ppp5\n"
		"  SESSION 'sess 11/1' 0/0 000B/0001 -> 0/0 3 N\n"
		"   interface ppp2";
	struct kl2tp_session s[8];
	size_t n = stk_pppol2tp_parse(text, s, 8);

	CHECK("pppol2tp: sessions with interfaces", n == 2);
	CHECK("pppol2tp: first", n >= 1 && s[0].conn_id == 10 &&
	      s[0].session_id == 4 && !strcmp(s[0].ifname, "ppp1"));
	CHECK("pppol2tp: last line without a newline", n == 2 &&
	      s[1].conn_id == 11 && s[1].session_id == 1 &&
	      !strcmp(s[1].ifname, "ppp2"));
	CHECK("pppol2tp: bounded", stk_pppol2tp_parse(text, s, 1) == 1);
	CHECK("pppol2tp: empty", stk_pppol2tp_parse("", s, 8) == 0 &&
	      stk_pppol2tp_parse("  SESSION\n   interface x", s, 8) == 0);
}

void test_status_kernel(void)
{
	test_elems();
	test_idle();
	test_sets();
	test_counters();
	test_counter_odd();
	test_guard();
	test_sa();
	test_sa_msg();
	test_ppp();
	test_pppol2tp();
}
