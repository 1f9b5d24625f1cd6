// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table's part for --sa-marks (src/nft/nft_sa.c), parsed back with
 * libnftnl: the maps carry the very user data nft 1.0.6 gives them (the
 * hex below is what `nft -f` of the same typeof declarations sent), the
 * prerouting chain and its rules, and the operation batches.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include <libmnl/libmnl.h>

#include "nft/nft_build.h"
#include "unit.h"

static const struct want_set {
	const char *name;
	uint32_t key_type, key_len, data_type;
	const char *udata;
} want_sets[] = {
	{ "sa_reqids", 0x4, 4, NFT_DATA_VERDICT,
	  "000401000000010400000000031a00041b000000011200040500000001040000"
	  "000002040000000004080004010000000100060400000000" },
	{ "sa_esp4", 0x7344, 12, 0x13,
	  "000400000000010401000000035c00040d00000001540014000407000000010c"
	  "00040c00000001040b0000000114000407000000010c00040600000001040100"
	  "00000226000407000000011e0004000000000104000000000204030000000304"
	  "40000000040420000000040e0004090000000106000403000000060400000000" },
	{ "sa_esp6", 0x8344, 24, 0x13,
	  "000400000000010401000000035c00040d00000001540014000407000000010c"
	  "00040d0000000104080000000114000407000000010c00040600000001040100"
	  "00000226000407000000011e0004000000000104000000000204030000000304"
	  "40000000040420000000040e0004090000000106000403000000060400000000" },
	{ "sa_espp4", 0x1c4, 8, 0x13,
	  "000400000000010401000000033a00040d00000001320014000407000000010c"
	  "00040c00000001040b000000011a000407000000011200040200000001040100"
	  "0000040420000000040e0004090000000106000403000000060400000000" },
	{ "sa_espp6", 0x204, 20, 0x13,
	  "000400000000010401000000033a00040d00000001320014000407000000010c"
	  "00040d000000010408000000011a000407000000011200040200000001040100"
	  "0000040420000000040e0004090000000106000403000000060400000000" },
};

/*
 * A rule's expressions, described from their attributes (walked with
 * nftnl_expr_iter) in the bracket notation of `nft --debug=netlink`, so
 * that the checks below read like it: made here, never libnftnl's own
 * text, which differs between its versions.  Data in 32-bit words, host
 * order, as the registers hold them.
 */
struct desc {
	char *p;
	size_t left;
};

__attribute__((format(printf, 2, 3)))
static void put(struct desc *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->p, d->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= d->left)
		n = d->left ? (int)d->left - 1 : 0;
	d->p += n;
	d->left -= (size_t)n;
}

static void put_data(struct desc *d, const struct nftnl_expr *e,
		     uint16_t attr)
{
	const uint8_t *p;
	uint32_t len = 0, i, w;

	p = nftnl_expr_get(e, attr, &len);
	for (i = 0; p && i < len; i += 4) {
		w = 0;
		memcpy(&w, p + i, len - i < 4 ? len - i : 4);
		put(d, "0x%08x ", w);
	}
}

static const char *meta_key(uint32_t key)
{
	switch (key) {
	case NFT_META_MARK:	return "mark";
	case NFT_META_NFPROTO:	return "nfproto";
	case NFT_META_L4PROTO:	return "l4proto";
	case NFT_META_SECPATH:	return "secpath";
	default:		return "?";
	}
}

static void expr_desc(struct desc *d, const struct nftnl_expr *e)
{
	static const char *const base[] = { "link layer", "network",
					    "transport", "inner" };
	static const char *const op[] = { "eq", "neq", "lt", "lte", "gt",
					  "gte" };
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t v;

	put(d, "[ %s ", name);
	if (!strcmp(name, "meta") && nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		put(d, "load %s => reg %u ",
		    meta_key(nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG));
	else if (!strcmp(name, "meta"))
		put(d, "set %s with reg %u ",
		    meta_key(nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_META_SREG));
	else if (!strcmp(name, "cmp")) {
		v = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
		put(d, "%s reg %u ", v < 6 ? op[v] : "?",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG));
		put_data(d, e, NFTNL_EXPR_CMP_DATA);
	} else if (!strcmp(name, "payload")) {
		v = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
		put(d, "load %ub @ %s header + %u => reg %u ",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN),
		    v < 4 ? base[v] : "?",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG));
	} else if (!strcmp(name, "lookup")) {
		put(d, "reg %u set %s ",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG),
		    nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
			put(d, "dreg %u ",
			    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS))
			put(d, "0x%x ",
			    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS));
	} else if (!strcmp(name, "xfrm")) {
		v = nftnl_expr_get_u32(e, NFTNL_EXPR_XFRM_KEY);
		put(d, "load %s %u %s => reg %u ",
		    nftnl_expr_get_u8(e, NFTNL_EXPR_XFRM_DIR) ? "out" : "in",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_XFRM_SPNUM),
		    v == NFT_XFRM_KEY_REQID ? "reqid" :
		    v == NFT_XFRM_KEY_SPI ? "spi" : "?",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_XFRM_DREG));
	} else if (!strcmp(name, "immediate")) {
		put(d, "reg %u ", nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT))
			put(d, "verdict %d ", (int)nftnl_expr_get_u32(e,
						NFTNL_EXPR_IMM_VERDICT));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
			put(d, "-> %s ", nftnl_expr_get_str(e,
						NFTNL_EXPR_IMM_CHAIN));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_DATA))
			put_data(d, e, NFTNL_EXPR_IMM_DATA);
	} else if (!strcmp(name, "bitwise")) {
		put(d, "reg %u = ( reg %u & ",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG));
		put_data(d, e, NFTNL_EXPR_BITWISE_MASK);
		put(d, ") ^ ");
		put_data(d, e, NFTNL_EXPR_BITWISE_XOR);
	} else {
		put(d, "? ");
	}
	put(d, "] ");
}

/* every expression of the rule, one after another, into buf */
static void rule_desc(struct nftnl_rule *r, char *buf, size_t size)
{
	struct desc d = { buf, size };
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;

	buf[0] = '\0';
	while (it && (e = nftnl_expr_iter_next(it)))
		expr_desc(&d, e);
	if (it)
		nftnl_expr_iter_destroy(it);
}

static void hex(char *out, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * len] = '\0';
}

/* What the install batch holds, beyond the input chain. */
struct sa_seen {
	int sets, sets_ok, chain_ok;
	char rules[5][1024];	/* the prerouting chain's expressions */
	int nrules;
};

static void seen_set(const struct nlmsghdr *nlh, struct sa_seen *s)
{
	const struct want_set *w;
	struct nftnl_set *set = nftnl_set_alloc();
	const uint8_t *ud;
	char udhex[512];
	uint32_t len = 0;
	int i = s->sets++;

	if (nftnl_set_nlmsg_parse(nlh, set) < 0 || i >= 5)
		goto out;
	ud = nftnl_set_get_data(set, NFTNL_SET_USERDATA, &len);
	if (!ud || len > 200)
		goto out;
	hex(udhex, ud, len);
	w = &want_sets[i];
	if (!strcmp(nftnl_set_get_str(set, NFTNL_SET_NAME), w->name) &&
	    nftnl_set_get_u32(set, NFTNL_SET_FLAGS) == NFT_SET_MAP &&
	    nftnl_set_get_u32(set, NFTNL_SET_KEY_TYPE) == w->key_type &&
	    nftnl_set_get_u32(set, NFTNL_SET_KEY_LEN) == w->key_len &&
	    nftnl_set_get_u32(set, NFTNL_SET_DATA_TYPE) == w->data_type &&
	    !strcmp(udhex, w->udata))
		s->sets_ok++;
	else
		printf("set %s: udata %s\n", want_sets[i].name, udhex);
out:
	nftnl_set_free(set);
}

static void seen_rule(const struct nlmsghdr *nlh, struct sa_seen *s)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), NFT_CHAIN_SA))
		goto out;
	if (s->nrules < 5)
		rule_desc(r, s->rules[s->nrules], sizeof(s->rules[0]));
	s->nrules++;
out:
	nftnl_rule_free(r);
}

static int prerouting_ok(struct nftnl_chain *c)
{
	return nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) ==
	       NF_INET_PRE_ROUTING &&
	       nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO) == -145 &&
	       !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter");
}

static void parse_install(const char *buf, size_t len, struct sa_seen *s)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;
	struct nftnl_chain *c;

	memset(s, 0, sizeof(*s));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
		case NFT_MSG_NEWSET:
			seen_set(nlh, s);
			break;
		case NFT_MSG_NEWCHAIN:
			c = nftnl_chain_alloc();
			if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
			    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
				    NFT_CHAIN_SA))
				s->chain_ok = prerouting_ok(c);
			nftnl_chain_free(c);
			break;
		case NFT_MSG_NEWRULE:
			seen_rule(nlh, s);
			break;
		}
	}
}

static void test_nft_sa_install(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.ipsec_check = 1, .owner = 1, .sa_marks = 1,
		.mark_mask = 0xffffffff,
	};
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	struct nft_batch_seqs seqs;
	struct sa_seen s;
	uint32_t seq = 1;
	size_t len;

	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	parse_install(buf, len, &s);
	CHECK("sa install: five maps, described as nft 1.0.6 does",
	      len && s.sets == 5 && s.sets_ok == 5);
	CHECK("sa install: prerouting, filter, mangle + 5", s.chain_ok);
	CHECK("sa install: queue rule + reqid vmap + four ESP rules",
	      s.nrules == 5);
	CHECK("sa install: ipsec in reqid vmap @sa_reqids", !strcmp(s.rules[0],
	      "[ xfrm load in 0 reqid => reg 1 ] "
	      "[ lookup reg 1 set sa_reqids dreg 0 ] "));
	CHECK("sa install: ESP in UDP, IPv4, registers as nft's",
	      !strcmp(s.rules[1],
	      "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ] "
	      "[ payload load 2b @ transport header + 2 => reg 1 ] "
	      "[ cmp eq reg 1 0x00009411 ] [ meta load nfproto => reg 1 ] "
	      "[ cmp eq reg 1 0x00000002 ] "
	      "[ payload load 4b @ network header + 12 => reg 1 ] "
	      "[ payload load 2b @ transport header + 0 => reg 9 ] "
	      "[ payload load 4b @ transport header + 8 => reg 10 ] "
	      "[ lookup reg 1 set sa_esp4 dreg 1 ] "
	      "[ meta set mark with reg 1 ] ") ||
	      (printf("%s\n", s.rules[1]), 0));
	CHECK("sa install: plain ESP, IPv6: nfproto before l4proto",
	      !strcmp(s.rules[4],
	      "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] "
	      "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000032 ] "
	      "[ payload load 16b @ network header + 8 => reg 1 ] "
	      "[ payload load 4b @ transport header + 0 => reg 2 ] "
	      "[ lookup reg 1 set sa_espp6 dreg 1 ] "
	      "[ meta set mark with reg 1 ] ") ||
	      (printf("%s\n", s.rules[4]), 0));
	CHECK("sa install: ESP in UDP, IPv6: SPI in reg32 5",
	      strstr(s.rules[2], "@ network header + 8 => reg 1 ] "
		     "[ payload load 2b @ transport header + 0 => reg 2 ] "
		     "[ payload load 4b @ transport header + 8 => reg 13 ]"));

	cfg.tunnel_marks = cfg.connmark = 1;
	cfg.tunnel_timeout = 300;
	cfg.tunnel_max = 65536;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_COMPAT, NULL,
				&seq, &seqs);
	CHECK("sa install: with every other option, fits the buffer",
	      len > 0 && len < sizeof(buf) / 2);
}

/* One message of an operation batch, parsed back. */
struct op_seen {
	int type;
	uint16_t flags;
	char name[64];		/* chain, or set */
	uint8_t key[24];
	uint32_t klen, verdict, mark;
	char chain[64];		/* the element's jump target */
	char rule[256];
};

static void seen_elem(const struct nlmsghdr *nlh, struct op_seen *o)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	const void *p;
	uint32_t len;

	if (nftnl_set_elems_nlmsg_parse(nlh, set) < 0)
		goto out;
	snprintf(o->name, sizeof(o->name), "%s",
		 nftnl_set_get_str(set, NFTNL_SET_NAME));
	it = nftnl_set_elems_iter_create(set);
	e = nftnl_set_elems_iter_next(it);
	if (e) {
		p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &o->klen);
		memcpy(o->key, p, o->klen < 24 ? o->klen : 24);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT))
			o->verdict = nftnl_set_elem_get_u32(e,
						NFTNL_SET_ELEM_VERDICT);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN))
			snprintf(o->chain, sizeof(o->chain), "%s",
				 nftnl_set_elem_get_str(e,
							NFTNL_SET_ELEM_CHAIN));
		p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
		if (p && len == 4)
			memcpy(&o->mark, p, 4);
	}
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(set);
}

static int parse_ops(const char *buf, size_t len, struct op_seen *o, int max)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len, n = 0;
	struct nftnl_chain *c;
	struct nftnl_rule *r;

	for (; mnl_nlmsg_ok(nlh, left) && n < max;
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
		    nlh->nlmsg_type == NFNL_MSG_BATCH_END)
			continue;
		memset(&o[n], 0, sizeof(o[n]));
		o[n].type = NFNL_MSG_TYPE(nlh->nlmsg_type);
		o[n].flags = nlh->nlmsg_flags;
		if (o[n].type == NFT_MSG_NEWCHAIN ||
		    o[n].type == NFT_MSG_DELCHAIN) {
			c = nftnl_chain_alloc();
			nftnl_chain_nlmsg_parse(nlh, c);
			snprintf(o[n].name, sizeof(o[n].name), "%s",
				 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
			o[n].verdict = nftnl_chain_is_set(c,
							  NFTNL_CHAIN_HOOKNUM);
			nftnl_chain_free(c);
		} else if (o[n].type == NFT_MSG_NEWRULE) {
			r = nftnl_rule_alloc();
			nftnl_rule_nlmsg_parse(nlh, r);
			snprintf(o[n].name, sizeof(o[n].name), "%s",
				 nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
			rule_desc(r, o[n].rule, sizeof(o[n].rule));
			nftnl_rule_free(r);
		} else {
			seen_elem(nlh, &o[n]);
		}
		n++;
	}
	return n;
}

static void test_nft_sa_ops(void)
{
	struct nft_cfg cfg = { .table = "l2tp-nfqd", .sa_marks = 1 };
	struct sa_op ops[7] = {
		{ .kind = SA_CHAIN_ADD, .mark = 0x10001, .mask = 0xffffffff },
		{ .kind = SA_REQID_ADD, .mark = 0x10001, .mask = 0xffffffff,
		  .reqid = 16389 },
		{ .kind = SA_ESP_ADD, .family = AF_INET, .sport = 4500,
		  .spi = 0xc0ffee01, .mark = 0x10, .saddr = { 192, 0, 2, 1 } },
		{ .kind = SA_ESP_DEL, .family = AF_INET6, .spi = 0xc0ffee02,
		  .saddr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
		{ .kind = SA_SHARED, .mark = 0x10001, .reqid = 1, .reqid2 = 2 },
		{ .kind = SA_REQID_DEL, .reqid = 16390 },
		{ .kind = SA_CHAIN_DEL, .mark = 0x10000, .mask = 0xffff0000 },
	};
	static const uint8_t key4[12] = { 192, 0, 2, 1, 0x11, 0x94, 0, 0,
					  0xc0, 0xff, 0xee, 0x01 };
	static char buf[NFT_SA_OPS_BUF(7)] __attribute__((aligned(8)));
	unsigned int msgs[14], nmsg = 0;
	uint32_t seq = 50, first = 0, reqid = 16389;
	struct op_seen o[8];
	size_t len;
	int n;

	len = nft_build_sa_ops(buf, sizeof(buf), &cfg, ops, 7, &seq, &first,
			       msgs, &nmsg);
	n = parse_ops(buf, len, o, 8);
	CHECK("sa ops: seven messages, the note skipped", len && n == 7 &&
	      nmsg == 7 && msgs[0] == 0 && msgs[1] == 0 && msgs[2] == 1 &&
	      msgs[5] == 5 && msgs[6] == 6 && first == 52);
	CHECK("sa ops: none asks for an ACK", n == 7 &&
	      !(o[0].flags & NLM_F_ACK) && !(o[2].flags & NLM_F_ACK) &&
	      !(o[6].flags & NLM_F_ACK));
	CHECK("sa ops: a plain chain per mark, then its rule",
	      o[0].type == NFT_MSG_NEWCHAIN && !o[0].verdict &&
	      !strcmp(o[0].name, "sa-mark-00010001") &&
	      o[1].type == NFT_MSG_NEWRULE &&
	      !strcmp(o[1].name, "sa-mark-00010001") &&
	      strstr(o[1].rule, "[ immediate reg 1 0x00010001 ] "
		     "[ meta set mark with reg 1 ]"));
	CHECK("sa ops: reqid : jump to the mark's chain",
	      o[2].type == NFT_MSG_NEWSETELEM &&
	      !strcmp(o[2].name, "sa_reqids") && o[2].klen == 4 &&
	      !memcmp(o[2].key, &reqid, 4) && (int)o[2].verdict == NFT_JUMP &&
	      !strcmp(o[2].chain, "sa-mark-00010001"));
	CHECK("sa ops: ESP in UDP: address, port in 32 bits, SPI : mark",
	      o[3].type == NFT_MSG_NEWSETELEM &&
	      !strcmp(o[3].name, "sa_esp4") &&
	      o[3].klen == 12 && !memcmp(o[3].key, key4, 12) &&
	      o[3].mark == 0x10);
	CHECK("sa ops: plain ESP, IPv6, removed",
	      o[4].type == NFT_MSG_DELSETELEM &&
	      !strcmp(o[4].name, "sa_espp6") && o[4].klen == 20 &&
	      o[4].key[0] == 0x20 && o[4].key[15] == 1 &&
	      o[4].key[16] == 0xc0 && o[4].key[19] == 0x02);
	CHECK("sa ops: reqid and chain removed",
	      o[5].type == NFT_MSG_DELSETELEM && !o[5].chain[0] &&
	      o[6].type == NFT_MSG_DELCHAIN &&
	      !strcmp(o[6].name, "sa-mark-00010000-ffff0000"));

	ops[0].mark = 0x10000;
	ops[0].mask = 0xffff0000;
	len = nft_build_sa_ops(buf, sizeof(buf), &cfg, ops, 1, &seq, &first,
			       msgs, &nmsg);
	n = parse_ops(buf, len, o, 8);
	CHECK("sa ops: with a mask, only the mask's bits change", n == 2 &&
	      strstr(o[1].rule, "[ meta load mark => reg 1 ] [ bitwise reg 1 "
		     "= ( reg 1 & 0x0000ffff ) ^ 0x00010000 ] "
		     "[ meta set mark with reg 1 ]"));
	CHECK("sa ops: too small a buffer", nft_build_sa_ops(buf, 100, &cfg,
	      ops, 7, &seq, &first, msgs, &nmsg) == 0);
}

void test_nft_sa(void)
{
	test_nft_sa_install();
	test_nft_sa_ops();
}
