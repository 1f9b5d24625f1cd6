// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of --tunnel-marks (src/nft/nft_tunnel_rules.c), parsed back with
 * libnftnl from the install batch: the tunnels chain (marks, liveness,
 * translation), the inbound chain, the SCCRP chain, and the jumps to
 * them.  Each rule is summed up by the statements that make it what it
 * is: lookups (@set, !@set, @set> for a map), set updates (+@set add,
 * ~@set update), writes (+l4csum: the UDP checksum follows) and
 * verdicts.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft/nft_batch.h"
#include "unit.h"

#define MAX_RULES	48

struct chain_seen {
	char name[32];
	int hooked;
	uint32_t hook;
	int32_t prio;
};

struct rules_seen {
	unsigned int nchains, nrules;
	struct chain_seen chain[16];
	struct {
		char chain[32];
		char desc[160];
		int bitwise;	/* bitwise expressions */
		uint16_t qflags;
		int queue;
	} rule[MAX_RULES];
};

static void cat(char *d, size_t size, const char *a, const char *b)
{
	size_t n = strlen(d);

	snprintf(d + n, size - n, "%s%s%s", n ? " " : "", a, b);
}

static void seen_rule(const struct nlmsghdr *nlh, struct rules_seen *s)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;

	if (s->nrules == MAX_RULES || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	snprintf(s->rule[s->nrules].chain, sizeof(s->rule[0].chain), "%s",
		 nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		char *d = s->rule[s->nrules].desc;
		size_t size = sizeof(s->rule[0].desc);

		if (!strcmp(name, "lookup")) {
			int inv = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
				  (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) &
				   NFT_LOOKUP_F_INV);
			int map = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG);
			char set[40];

			snprintf(set, sizeof(set), "%s@%s%s", inv ? "!" : "",
				 nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET),
				 map ? ">" : "");
			cat(d, size, set, "");
		} else if (!strcmp(name, "dynset")) {
			cat(d, size, nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_OP)
			    == NFT_DYNSET_OP_ADD ? "+@" : "~@",
			    nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME));
		} else if (!strcmp(name, "immediate") &&
			   nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) ==
			   NFT_REG_VERDICT) {
			int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

			if (v == NFT_JUMP)
				cat(d, size, "jump ",
				    nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
			else
				cat(d, size, v == NF_ACCEPT ? "accept" :
				    v == NF_DROP ? "drop" : v == NFT_RETURN ?
				    "return" : "?", "");
		} else if (!strcmp(name, "meta") &&
			   nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) {
			cat(d, size, "mark=", "");
		} else if (!strcmp(name, "payload") &&
			   nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_SREG)) {
			/* the UDP checksum follows the write */
			cat(d, size, nftnl_expr_get_u32(e,
			    NFTNL_EXPR_PAYLOAD_FLAGS) &
			    NFT_PAYLOAD_L4CSUM_PSEUDOHDR ? "write+l4csum" :
			    "write", "");
		} else if (!strcmp(name, "counter")) {
			cat(d, size, "counter", "");
		} else if (!strcmp(name, "queue")) {
			cat(d, size, "queue", "");
			s->rule[s->nrules].queue =
				nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_NUM);
			s->rule[s->nrules].qflags =
				nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_FLAGS);
		} else if (!strcmp(name, "bitwise")) {
			s->rule[s->nrules].bitwise++;
		}
	}
	nftnl_expr_iter_destroy(it);
	s->nrules++;
out:
	nftnl_rule_free(r);
}

static void parse_rules(const char *buf, size_t len, struct rules_seen *s)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;

	memset(s, 0, sizeof(*s));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
		    nlh->nlmsg_type == NFNL_MSG_BATCH_END)
			continue;
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWRULE) {
			seen_rule(nlh, s);
		} else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWCHAIN &&
			   s->nchains < 16) {
			struct nftnl_chain *c = nftnl_chain_alloc();
			struct chain_seen *k = &s->chain[s->nchains];

			if (nftnl_chain_nlmsg_parse(nlh, c) == 0) {
				snprintf(k->name, sizeof(k->name), "%s",
					 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
				k->hooked = nftnl_chain_is_set(c,
							NFTNL_CHAIN_HOOKNUM);
				if (k->hooked) {
					k->hook = nftnl_chain_get_u32(c,
							NFTNL_CHAIN_HOOKNUM);
					k->prio = nftnl_chain_get_s32(c,
							NFTNL_CHAIN_PRIO);
				}
				s->nchains++;
			}
			nftnl_chain_free(c);
		}
	}
}

static const struct chain_seen *chain(const struct rules_seen *s,
				      const char *name)
{
	unsigned int i;

	for (i = 0; i < s->nchains; i++)
		if (!strcmp(s->chain[i].name, name))
			return &s->chain[i];
	return NULL;
}

/* The descriptions of @name's rules, joined by " | ". */
static void chain_rules(const struct rules_seen *s, const char *name,
			char *out, size_t size, unsigned int *n)
{
	unsigned int i;
	size_t len;

	*out = 0;
	*n = 0;
	for (i = 0; i < s->nrules; i++) {
		if (strcmp(s->rule[i].chain, name))
			continue;
		len = strlen(out);
		snprintf(out + len, size - len, "%s%s", *n ? " | " : "",
			 s->rule[i].desc);
		(*n)++;
	}
}

static int rule_with(const struct rules_seen *s, const char *chain,
		     const char *desc)
{
	unsigned int i;

	for (i = 0; i < s->nrules; i++)
		if (!strcmp(s->rule[i].chain, chain) &&
		    !strcmp(s->rule[i].desc, desc))
			return (int)i;
	return -1;
}

static void test_tunnel_chains(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .tunnel_marks = 1,
		.tunnel_timeout = 300, .tunnel_max = 4096,
		.mark_mask = 0xffffffff,
	};
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	static const char *const want_tunnels[2] = {
		"@tunnels4> mark= | @tunnels4> mark= | @live4 ~@live4 | "
		"!@fresh4 @live4 +@fresh4 ~@live4 | "
		"!@fresh4 @live4 +@fresh4 ~@live4 | "
		"@xlate4> write+l4csum | @xlate4> write+l4csum",
		"@tunnels6> mark= | @tunnels6> mark= | @live6 ~@live6 | "
		"!@fresh6 @live6 +@fresh6 ~@live6 | "
		"!@fresh6 @live6 +@fresh6 ~@live6 | "
		"@xlate6> write+l4csum | @xlate6> write+l4csum",
	};
	struct nft_batch_seqs seqs;
	const struct chain_seen *c;
	static struct rules_seen s;
	char out[2048];
	unsigned int n;
	size_t len;
	uint32_t seq = 1;
	int i, bitwise;

	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	parse_rules(buf, len, &s);
	CHECK("tunnel rules: tunnels and inbound are regular chains", len &&
	      (c = chain(&s, NFT_CHAIN_TUNNELS)) && !c->hooked &&
	      (c = chain(&s, NFT_CHAIN_INBOUND)) && !c->hooked);
	c = chain(&s, NFT_CHAIN_SCCRP);
	CHECK("tunnel rules: sccrp hooks output at mangle + 1, after the "
	      "route chain", c && c->hooked && c->hook == NF_INET_LOCAL_OUT &&
	      c->prio == NF_IP_PRI_MANGLE + 1 &&
	      (c = chain(&s, NFT_CHAIN_OUTPUT)) && c->prio == NF_IP_PRI_MANGLE);

	chain_rules(&s, NFT_CHAIN_TUNNELS, out, sizeof(out), &n);
	CHECK("tunnel rules: seven per family", n == 14);
	CHECK("tunnel rules: IPv4 marks, liveness, then translation",
	      !strncmp(out, want_tunnels[0], strlen(want_tunnels[0])));
	CHECK("tunnel rules: IPv6 the same, after IPv4",
	      strstr(out, want_tunnels[1]) &&
	      !strcmp(strstr(out, want_tunnels[1]), want_tunnels[1]));

	chain_rules(&s, NFT_CHAIN_INBOUND, out, sizeof(out), &n);
	CHECK("inbound: own accepts, bound drops, a control message of its "
	      "own returns to the input chain", n == 10 && !strcmp(out,
	      "@own4 accept | @bound4 counter drop | @own4 accept | "
	      "@own4 return | @bound4 counter drop | "
	      "@own6 accept | @bound6 counter drop | @own6 accept | "
	      "@own6 return | @bound6 counter drop"));
	bitwise = 0;
	for (i = 0; i < (int)s.nrules; i++)
		if (!strcmp(s.rule[i].chain, NFT_CHAIN_INBOUND))
			bitwise += s.rule[i].bitwise;

	CHECK("jumps: output to tunnels, input to inbound",
	      rule_with(&s, NFT_CHAIN_OUTPUT, "jump tunnels") >= 0 &&
	      rule_with(&s, NFT_CHAIN_INPUT, "jump inbound") >= 0);
	i = rule_with(&s, NFT_CHAIN_SCCRP, "counter queue");
	CHECK("sccrp: one rule, queue N without bypass", i >= 0 &&
	      s.rule[i].queue == 7 && s.rule[i].qflags == 0);
	i = rule_with(&s, NFT_CHAIN_INPUT, "counter queue");
	CHECK("input: the SCCRQ queue rule has no bypass (fail closed)",
	      i >= 0 && s.rule[i].qflags == 0);

	cfg.mark_mask = 0xffff0000;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	parse_rules(buf, len, &s);
	for (i = 0; i < (int)s.nrules; i++)
		if (!strcmp(s.rule[i].chain, NFT_CHAIN_INBOUND))
			bitwise -= s.rule[i].bitwise;
	CHECK("inbound: a mark mask masks the mark of the six own rules",
	      len && bitwise == -6);

	cfg.tunnel_marks = 0;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	parse_rules(buf, len, &s);
	CHECK("tunnel rules: none without --tunnel-marks", len &&
	      !chain(&s, NFT_CHAIN_TUNNELS) && !chain(&s, NFT_CHAIN_INBOUND) &&
	      !chain(&s, NFT_CHAIN_SCCRP) && !chain(&s, NFT_CHAIN_OUTPUT));
	i = rule_with(&s, NFT_CHAIN_INPUT, "counter queue");
	CHECK("input: the queue rule has bypass then", i >= 0 &&
	      s.rule[i].qflags == NFT_QUEUE_FLAG_BYPASS);
}

void test_nft_tunnel_rules(void)
{
	test_tunnel_chains();
}
