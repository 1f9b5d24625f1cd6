// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the kernel's replies say, for `l2tp-nfqd status` (see
 * kernel_parse.h): the tunnel sets' elements, the counters of the
 * daemon's rules and of the guard table, the SA behind a tunnel's mark,
 * a tunnel's PPP interface.  Pure: kernel.c asks, this reads.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/xfrm.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "base/grow.h"
#include "base/hash.h"
#include "nft/nft_expr.h"
#include "status/kernel_parse.h"
#include "wire/l2tp.h"

/* --- the tunnel sets ------------------------------------------------ */

long stk_idle(const struct nft_elem_read *x, uint64_t set_timeout)
{
	uint64_t timeout = x->has_timeout ? x->timeout : set_timeout;

	if (!x->has_expiration || !timeout || x->expiration > timeout)
		return ST_UNKNOWN;
	return (long)((timeout - x->expiration) / 1000);
}

int stk_elem_apply(struct st_view *v, int set, const struct nft_elem_read *x,
		   uint64_t set_timeout)
{
	struct st_tunnel *t;

	if (set == TS_TUNNELS) {
		t = st_tunnel_get(v, x->family, &x->peer, x->id);
		if (!t)
			return -ENOMEM;
		t->mark = x->data;
		t->sources |= ST_FROM_KERNEL;
		return 0;
	}
	t = st_tunnel_find(v, x->family, &x->peer, x->id);
	if (!t || !(t->sources & ST_FROM_KERNEL))
		return 0;
	if (set == TS_XLATE)
		t->orig_id = (uint16_t)x->data;
	else if (set == TS_LNS)
		t->lns_id = (uint16_t)x->data;
	else if (set == TS_LIVE)
		t->idle = stk_idle(x, set_timeout);
	return 0;
}

void stk_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stk_elems *l = data;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	struct nft_elem_read x;
	int ret;

	if (!set) {
		l->err = -ENOMEM;
		return;
	}
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSETELEM ||
	    nftnl_set_elems_nlmsg_parse(nlh, set) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(set);
	if (!it) {
		l->err = -ENOMEM;
		goto out;
	}
	while ((e = nftnl_set_elems_iter_next(it))) {
		if (nft_elem_read(e, l->family, (enum tunnel_set)l->set, &x)) {
			l->skipped++;
			continue;
		}
		ret = stk_elem_apply(l->v, l->set, &x, l->set_timeout);
		if (ret)
			l->err = ret;
	}
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(set);
}

void stk_sets_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stk_sets *s = data;
	struct nftnl_set *set = nftnl_set_alloc();
	const char *table, *name;
	int f, k;

	if (!set || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSET ||
	    nftnl_set_nlmsg_parse(nlh, set) < 0)
		goto out;
	table = nftnl_set_get_str(set, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(set, NFTNL_SET_NAME);
	if (!table || !name || strcmp(table, s->table) ||
	    nftnl_set_get_u32(set, NFTNL_SET_FAMILY) != NFT_FAMILY)
		goto out;
	for (f = 0; f < 2; f++)
		for (k = 0; k < TS_MAX; k++) {
			if (strcmp(name, tunnel_families[f].name[k]))
				continue;
			s->found[f][k] = 1;
			if (nftnl_set_is_set(set, NFTNL_SET_TIMEOUT))
				s->timeout[f][k] = nftnl_set_get_u64(set,
							NFTNL_SET_TIMEOUT);
		}
out:
	nftnl_set_free(set);
}

/* --- the table's counters ------------------------------------------ */

static const struct {
	const char *name, *labels;
} counters[STK_C_MAX] = {
	[STK_C_SCCRQ] = { "nft_sccrqs_queued_packets_total", "" },
	[STK_C_STOPCCN] = { "nft_stopccns_queued_packets_total", "" },
	[STK_C_SCCRP] = { "nft_sccrps_queued_packets_total", "" },
	[STK_C_DROP_CLEARTEXT] = { "nft_dropped_packets_total",
				   "reason=\"cleartext\"" },
	[STK_C_DROP_FRAGMENT] = { "nft_dropped_packets_total",
				  "reason=\"fragment\"" },
	[STK_C_DROP_RATE] = { "nft_dropped_packets_total",
			      "reason=\"rate\"" },
	[STK_C_DROP_OTHER_SA] = { "nft_dropped_packets_total",
				  "reason=\"other_sa\"" },
	[STK_C_GUARD_IN] = { "nft_guard_dropped_packets_total",
			     "direction=\"in\"" },
	[STK_C_GUARD_OUT] = { "nft_guard_dropped_packets_total",
			      "direction=\"out\"" },
};

const char *stk_counter_name(int c)
{
	return c >= 0 && c < STK_C_MAX ? counters[c].name : NULL;
}

const char *stk_counter_labels(int c)
{
	return c >= 0 && c < STK_C_MAX ? counters[c].labels : NULL;
}

/* What a rule matches and does, as far as telling the rules apart goes. */
struct rule_look {
	int counter, drop, queue;
	uint64_t packets;
	int sccrq;		/* @th,96,16 0: Tunnel ID 0 */
	uint32_t msg_type;	/* @th,192,32: the Message Type AVP */
	int ipsec_missing, frag, rate, bound;
	/* the last load: payload (base, offset, len) or meta key */
	int loaded;		/* 0, 'p', 'm' */
	uint32_t base, off, len, meta;
};

static void look_cmp(struct rule_look *l, const struct nftnl_expr *e)
{
	uint32_t dlen = 0, op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	const uint8_t *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &dlen);
	uint32_t v32;

	if (!d || op != NFT_CMP_EQ)
		return;
	if (l->loaded == 'p' && l->base == NFT_PAYLOAD_TRANSPORT_HEADER) {
		if (l->off == TH_L2TP(L2TP_OFF_TUNNEL) && l->len == 2 &&
		    dlen == 2 && !d[0] && !d[1])
			l->sccrq = 1;
		if (l->off == TH_L2TP(L2TP_CTRL_HDR_LEN + 4) && l->len == 4 &&
		    dlen == 4) {
			memcpy(&v32, d, 4);
			l->msg_type = ntohl(v32);
		}
	} else if (l->loaded == 'm' && l->meta == NFT_META_SECPATH &&
		   dlen == 1 && !d[0]) {
		l->ipsec_missing = 1;
	}
}

static int queues(const struct nftnl_expr *e, const char *name)
{
	const char *tg;

	if (!strcmp(name, "queue"))
		return 1;
	tg = strcmp(name, "target") ? NULL :
	     nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);
	return tg && !strcmp(tg, "NFQUEUE");
}

static void look_expr(struct rule_look *l, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME), *set;

	if (!name)
		return;
	if (!strcmp(name, "payload")) {
		l->loaded = 'p';
		l->base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
		l->off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
		l->len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
		return;
	}
	if (!strcmp(name, "meta") &&
	    !nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) {
		l->loaded = 'm';
		l->meta = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
		return;
	}
	if (!strcmp(name, "cmp")) {
		look_cmp(l, e);
	} else if (!strcmp(name, "counter")) {
		l->counter = 1;
		l->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
	} else if (!strcmp(name, "exthdr")) {
		l->frag = nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE) ==
			  IPPROTO_FRAGMENT;
	} else if (!strcmp(name, "dynset")) {
		l->rate = nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_EXPR) ||
			  nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_EXPRESSIONS);
	} else if (!strcmp(name, "lookup")) {
		set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
		if (set && (!strcmp(set, tunnel_families[0].name[TS_BOUND]) ||
			    !strcmp(set, tunnel_families[1].name[TS_BOUND])))
			l->bound = 1;
	} else if (!strcmp(name, "immediate")) {
		if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT) &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) == NF_DROP)
			l->drop = 1;
	} else if (queues(e, name)) {
		l->queue = 1;
	}
	if (strcmp(name, "bitwise"))	/* a mask keeps the load */
		l->loaded = 0;
}

int stk_rule_classify(struct nftnl_rule *r, uint64_t *packets)
{
	const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct rule_look l;
	struct nftnl_expr *e;
	int c = -1;

	memset(&l, 0, sizeof(l));
	if (!it)
		return -1;
	while ((e = nftnl_expr_iter_next(it)))
		look_expr(&l, e);
	nftnl_expr_iter_destroy(it);
	if (!chain || !l.counter || l.drop == l.queue)
		return -1;
	if (!strcmp(chain, NFT_CHAIN_INPUT)) {
		if (l.drop && l.frag)
			c = STK_C_DROP_FRAGMENT;
		else if (l.drop && l.sccrq && l.ipsec_missing)
			c = STK_C_DROP_CLEARTEXT;
		else if (l.drop && l.sccrq && l.rate)
			c = STK_C_DROP_RATE;
		else if (l.queue && l.msg_type == L2TP_MSG_STOPCCN)
			c = STK_C_STOPCCN;
		else if (l.queue && l.sccrq && !l.msg_type)
			c = STK_C_SCCRQ;
	} else if (!strcmp(chain, NFT_CHAIN_INBOUND)) {
		if (l.drop && l.bound)
			c = STK_C_DROP_OTHER_SA;
	} else if (!strcmp(chain, NFT_CHAIN_SCCRP)) {
		if (l.queue && l.msg_type == L2TP_MSG_SCCRP)
			c = STK_C_SCCRP;
	}
	if (c >= 0)
		*packets = l.packets;
	return c;
}

static void count(struct stk_counters *c, int k, uint64_t packets)
{
	c->v[k] += packets;
	c->seen |= 1u << k;
}

void stk_rules_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stk_counters *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *table;
	uint64_t packets = 0;
	int k;

	if (!r || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE ||
	    nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	if (!table || strcmp(table, c->table) ||
	    nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) != NFT_FAMILY)
		goto out;
	k = stk_rule_classify(r, &packets);
	if (k >= 0)
		count(c, k, packets);
out:
	nftnl_rule_free(r);
}

void stk_guard_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stk_counters *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	const char *name, *table;

	if (!o || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWOBJ ||
	    nftnl_obj_nlmsg_parse(nlh, o) < 0 ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY) != NFT_FAMILY)
		goto out;
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	table = nftnl_obj_get_str(o, NFTNL_OBJ_TABLE);
	if (!name || !table || strcmp(table, c->table))
		goto out;
	if (!strcmp(name, "cleartext_in"))
		count(c, STK_C_GUARD_IN,
		      nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS));
	else if (!strcmp(name, "cleartext_out"))
		count(c, STK_C_GUARD_OUT,
		      nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS));
out:
	nftnl_obj_free(o);
}

int stk_counters_put(struct st_view *v, const struct stk_counters *c)
{
	int k;

	for (k = 0; k < STK_C_MAX; k++)
		if ((c->seen & (1u << k)) &&
		    st_counter_add(v, counters[k].name, counters[k].labels,
				   c->v[k]))
			return -ENOMEM;
	return 0;
}

/* --- XFRM ----------------------------------------------------------- */

void stk_xfrm_add(struct stk_xfrm *x, const struct nlmsghdr *nlh)
{
	struct xfrm_ev ev;
	void *p;

	if (xfrm_parse(nlh, &ev)) {
		x->malformed++;
		return;
	}
	if (ev.type == XEV_SA) {
		p = grow(x->sa, &x->sa_cap, x->nsa, sizeof(*x->sa));
		if (!p) {
			x->err = -ENOMEM;
			return;
		}
		x->sa = p;
		x->sa[x->nsa++] = ev.sa;
	} else if (ev.type == XEV_POLICY) {
		p = grow(x->pol, &x->pol_cap, x->npol, sizeof(*x->pol));
		if (!p) {
			x->err = -ENOMEM;
			return;
		}
		x->pol = p;
		x->pol[x->npol++] = ev.pol;
	}
	explicit_bzero(&ev, sizeof(ev));
}

void stk_xfrm_free(struct stk_xfrm *x)
{
	free(x->sa);
	free(x->pol);
	memset(x, 0, sizeof(*x));
}

static int marks(uint32_t tmark, uint32_t mark, uint32_t mask)
{
	return mask && (tmark & mask) == (mark & mask);
}

static int bits(uint32_t v)
{
	return __builtin_popcount(v);
}

/* The reqid behind @mark: 0 and *reqid, or -ENOENT. */
static int mark_reqid(const struct stk_xfrm *x, uint32_t mark,
		      uint32_t *reqid)
{
	const struct xfrm_sa *best = NULL;
	size_t i, k;

	for (i = 0; i < x->nsa; i++) {
		const struct xfrm_sa *s = &x->sa[i];

		if (s->reqid && marks(mark, s->mark, s->mask) &&
		    (!best || bits(s->mask) > bits(best->mask)))
			best = s;
	}
	if (best) {
		*reqid = best->reqid;
		return 0;
	}
	for (i = 0; i < x->npol; i++) {
		const struct xfrm_pol *p = &x->pol[i];

		if (p->dir != XFRM_POLICY_IN ||
		    !marks(mark, p->mark, p->mask))
			continue;
		for (k = 0; k < p->nreqid && k < XFRM_REQIDS_MAX; k++)
			if (p->reqid[k]) {
				*reqid = p->reqid[k];
				return 0;
			}
	}
	return -ENOENT;
}

void stk_sa_match(struct st_tunnel *t, const struct stk_xfrm *x)
{
	size_t alen = addr_len(t->family), i;
	uint32_t reqid;

	memset(&t->sa, 0, sizeof(t->sa));
	if (!t->mark || mark_reqid(x, t->mark, &reqid))
		return;
	t->sa.found = 1;
	t->sa.reqid = reqid;
	for (i = 0; i < x->nsa; i++) {
		const struct xfrm_sa *s = &x->sa[i];

		if (s->reqid != reqid || s->proto != IPPROTO_ESP ||
		    s->family != t->family ||
		    (s->mask && !marks(t->mark, s->mark, s->mask)))
			continue;
		if (!t->sa.spi_in && !memcmp(s->saddr, &t->peer, alen))
			t->sa.spi_in = s->spi;
		else if (!t->sa.spi_out && !memcmp(s->daddr, &t->peer, alen))
			t->sa.spi_out = s->spi;
	}
}

/* --- kernel L2TP ---------------------------------------------------- */

static const struct kl2tp_session *first_session(
	const struct kl2tp_session *ks, size_t nks, uint32_t conn_id)
{
	const struct kl2tp_session *best = NULL;
	size_t i;

	for (i = 0; i < nks; i++)
		if (ks[i].conn_id == conn_id && ks[i].ifname[0] &&
		    (!best || ks[i].session_id < best->session_id))
			best = &ks[i];
	return best;
}

size_t stk_ppp_match(struct st_view *v, const struct kl2tp_tunnel *kt,
		     size_t nkt, const struct kl2tp_session *ks, size_t nks)
{
	const struct kl2tp_session *s;
	struct st_tunnel *t;
	size_t i, k, n = 0;

	for (i = 0; i < v->n; i++) {
		t = &v->t[i];
		if (!t->lns_id)
			continue;
		for (k = 0; k < nkt; k++) {
			if (kt[k].id != t->lns_id ||
			    kt[k].family != t->family ||
			    memcmp(kt[k].daddr, &t->peer, addr_len(t->family)))
				continue;
			s = first_session(ks, nks, kt[k].id);
			if (!s)
				continue;
			memcpy(t->ppp, s->ifname, sizeof(t->ppp));
			t->ppp[sizeof(t->ppp) - 1] = '\0';
			n++;
			break;
		}
	}
	return n;
}

/* A hexadecimal field up to '/'; 0 and *v, or -EINVAL. */
static int hex_field(const char **p, uint32_t *v, char end)
{
	unsigned long x;
	char *e;

	if (!isxdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	x = strtoul(*p, &e, 16);
	if (errno || x > 0xffffffffUL || *e != end)
		return -EINVAL;
	*v = (uint32_t)x;
	*p = e + 1;
	return 0;
}

/* "  SESSION 'name' ADDR/PORT TID/SID -> PTID/PSID STATE U" */
static int session_line(const char *line, size_t len,
			struct kl2tp_session *s)
{
	const char *q = memrchr(line, '\'', len), *p;

	if (!q)
		return -EINVAL;
	p = q + 1;
	while (*p == ' ')
		p++;
	while (*p && *p != ' ' && *p != '\n')	/* ADDR/PORT */
		p++;
	while (*p == ' ')
		p++;
	memset(s, 0, sizeof(*s));
	return hex_field(&p, &s->conn_id, '/') ||
	       hex_field(&p, &s->session_id, ' ') ? -EINVAL : 0;
}

/* "   interface NAME" */
static int interface_line(const char *p, struct kl2tp_session *s)
{
	size_t n = 0;

	while (isgraph((unsigned char)p[n]))
		n++;
	if (!n || n >= sizeof(s->ifname) || (p[n] && p[n] != '\n'))
		return -EINVAL;
	memcpy(s->ifname, p, n);
	s->ifname[n] = '\0';
	return 0;
}

size_t stk_pppol2tp_parse(const char *text, struct kl2tp_session *out,
			  size_t max)
{
	struct kl2tp_session cur;
	const char *line = text, *p, *nl;
	size_t n = 0, len;
	int have = 0;

	for (; *line && n < max; line = nl ? nl + 1 : line + len) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		for (p = line; *p == ' '; p++)
			;
		if (!strncmp(p, "TUNNEL ", 7)) {
			have = 0;
		} else if (!strncmp(p, "SESSION ", 8)) {
			have = !session_line(p, len - (size_t)(p - line),
					     &cur);
		} else if (have && !strncmp(p, "interface ", 10)) {
			if (!interface_line(p + 10, &cur))
				out[n++] = cur;
			have = 0;
		}
	}
	return n;
}
