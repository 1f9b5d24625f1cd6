// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the kernel knows, for `l2tp-nfqd status` (see kernel.h): the
 * requests, on sockets of its own; kernel_parse.c reads the replies.
 * Nothing here needs the daemon: the table outlives it with --fdstore.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/l2tp.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/xfrm.h>

#include "base/grow.h"
#include "base/nl.h"
#include "kl2tp/kl2tp_parse.h"
#include "nft/nft_scan.h"
#include "status/kernel.h"
#include "status/kernel_parse.h"
#include "xfrm/xfrm_parse.h"

#define XFRM_DUMP_BUF		65536
#define PPPOL2TP_PROC		"/proc/net/pppol2tp"
#define PPPOL2TP_PROC_MAX	(64u << 20)

/* The sets read, in this order: a tunnel before what completes it. */
static const int read_sets[] = { TS_TUNNELS, TS_XLATE, TS_LNS, TS_LIVE };

int st_read_maps(struct st_view *v, const char *table)
{
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER);
	struct stk_sets sets;
	struct stk_elems l;
	uint32_t seq = 0;
	size_t i;
	int ret, f, s;

	v->table_found = 0;
	if (!nl)
		return -errno;
	memset(&sets, 0, sizeof(sets));
	sets.table = table;
	ret = nft_query(nl, &seq, NFT_MSG_GETTABLE, table, NULL, NULL, NULL);
	if (!ret)
		ret = nft_query(nl, &seq, NFT_MSG_GETSET, table, NULL,
				stk_sets_cb, &sets);
	if (ret)
		goto out;
	v->table_found = 1;
	for (f = 0; f < 2; f++)
		for (i = 0; i < sizeof(read_sets) / sizeof(read_sets[0]); i++) {
			s = read_sets[i];
			if (!sets.found[f][s])
				continue;
			memset(&l, 0, sizeof(l));
			l.v = v;
			l.family = f ? AF_INET6 : AF_INET;
			l.set = s;
			l.set_timeout = sets.timeout[f][s];
			ret = nft_query(nl, &seq, NFT_MSG_GETSETELEM, table,
					tunnel_families[f].name[s],
					stk_elems_cb, &l);
			if (ret == -ENOENT)	/* gone since the listing */
				ret = 0;
			if (!ret)
				ret = l.err;
			if (ret)
				goto out;
		}
out:
	mnl_socket_close(nl);
	return ret;
}

int st_read_nft_counters(struct st_view *v, const char *table,
			 const char *guard_table)
{
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER);
	struct stk_counters c;
	uint32_t seq = 0;
	int ret = 0, put;

	if (!nl)
		return -errno;
	memset(&c, 0, sizeof(c));
	if (guard_table) {
		c.table = guard_table;
		ret = nft_query(nl, &seq, NFT_MSG_GETOBJ, guard_table, NULL,
				stk_guard_cb, &c);
		if (ret == -ENOENT)
			ret = 0;
	}
	c.table = table;
	if (!ret)
		ret = nft_query(nl, &seq, NFT_MSG_GETTABLE, table, NULL, NULL,
				NULL);
	if (!ret)
		ret = nft_query(nl, &seq, NFT_MSG_GETRULE, table, NULL,
				stk_rules_cb, &c);
	mnl_socket_close(nl);
	if (ret && ret != -ENOENT)
		return ret;
	put = stk_counters_put(v, &c);
	return put ? put : ret;
}

static void xfrm_add_cb(const struct nlmsghdr *nlh, void *data)
{
	stk_xfrm_add(data, nlh);
}

/* One XFRM dump into @x; SA messages carry keys: @buf is wiped after
 * each read, and they are parsed in place (xfrm_parse() reads none). */
static int xfrm_dump(struct mnl_socket *nl, uint32_t *seqp, uint16_t type,
		     char *buf, size_t size, struct stk_xfrm *x)
{
	uint32_t seq = nl_seq(seqp);
	size_t len = xfrm_build_dump(buf, size, type, seq);
	int ret;

	if (!len)
		return -EINVAL;
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	ret = nl_dump_wiped(nl, seq, buf, size, xfrm_add_cb, x);
	return ret ? ret : x->err;
}

int st_read_xfrm(struct st_view *v)
{
	struct stk_xfrm x;
	struct mnl_socket *nl;
	uint32_t seq = 0;
	char *buf;
	size_t i;
	int ret;

	if (!v->n)
		return 0;
	memset(&x, 0, sizeof(x));
	buf = malloc(XFRM_DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	nl = nl_open(NETLINK_XFRM);
	if (!nl) {
		ret = -errno;
		free(buf);
		return ret;
	}
	ret = xfrm_dump(nl, &seq, XFRM_MSG_GETSA, buf, XFRM_DUMP_BUF, &x);
	if (!ret)
		ret = xfrm_dump(nl, &seq, XFRM_MSG_GETPOLICY, buf,
				XFRM_DUMP_BUF, &x);
	mnl_socket_close(nl);
	explicit_bzero(buf, XFRM_DUMP_BUF);
	free(buf);
	for (i = 0; !ret && i < v->n; i++)
		stk_sa_match(&v->t[i], &x);
	stk_xfrm_free(&x);
	return ret;
}

/* --- kernel L2TP ---------------------------------------------------- */

struct ppp_read {
	uint16_t family;		/* the l2tp family's ID */
	int found;
	struct kl2tp_tunnel *t;
	size_t nt, tcap;
	struct kl2tp_session *s;
	size_t ns, scap;
	int err;
};

static void family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ppp_read *r = data;
	struct kl2tp_family f;

	if (nlh->nlmsg_type == GENL_ID_CTRL &&
	    !kl2tp_parse_family(nlh, NULL, &f) &&
	    !strcmp(f.name, L2TP_GENL_NAME)) {
		r->family = f.id;
		r->found = 1;
	}
}

static void tunnel_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ppp_read *r = data;
	struct kl2tp_tunnel t;
	void *p;

	if (nlh->nlmsg_type != r->family || kl2tp_parse_tunnel(nlh, &t))
		return;
	p = grow(r->t, &r->tcap, r->nt, sizeof(*r->t));
	if (!p) {
		r->err = -ENOMEM;
		return;
	}
	r->t = p;
	r->t[r->nt++] = t;
}

static int add_session(struct ppp_read *r, const struct kl2tp_session *s)
{
	void *p = grow(r->s, &r->scap, r->ns, sizeof(*r->s));

	if (!p)
		return -ENOMEM;
	r->s = p;
	r->s[r->ns++] = *s;
	return 0;
}

static void session_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ppp_read *r = data;
	struct kl2tp_session s;

	if (nlh->nlmsg_type == r->family && !kl2tp_parse_session(nlh, &s) &&
	    add_session(r, &s))
		r->err = -ENOMEM;
}

/* The whole of a /proc file, NUL-terminated; NULL if unreadable. */
static char *read_text(const char *path, size_t max)
{
	size_t n = 0, cap = 16384;
	char *buf = malloc(cap), *p;
	ssize_t k;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (cap - n < 2) {
			if (cap >= max)
				break;	/* the rest is left out */
			p = realloc(buf, 2 * cap);
			if (!p)
				goto fail;
			buf = p;
			cap *= 2;
		}
		k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto fail;
		if (!k)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* PPP sessions name their interface only in /proc/net/pppol2tp. */
static int add_proc_sessions(struct ppp_read *r)
{
	struct kl2tp_session *s;
	char *text = read_text(PPPOL2TP_PROC, PPPOL2TP_PROC_MAX);
	size_t n, i, max;
	int ret = 0;

	if (!text)
		return 0;	/* no l2tp_ppp, no procfs: no names */
	max = strlen(text) / 16 + 1;
	s = calloc(max, sizeof(*s));
	if (!s) {
		free(text);
		return -ENOMEM;
	}
	n = stk_pppol2tp_parse(text, s, max);
	for (i = 0; i < n && !ret; i++)
		ret = add_session(r, &s[i]);
	free(s);
	free(text);
	return ret;
}

static int genl_dump(struct mnl_socket *nl, uint32_t *seqp, int sessions,
		     struct ppp_read *r)
{
	char buf[64] __attribute__((aligned(8)));
	uint32_t seq = nl_seq(seqp);
	struct nl_err err;
	size_t len;
	int ret;

	len = sessions ? kl2tp_build_session_dump(buf, sizeof(buf), r->family,
						  seq) :
			 kl2tp_build_dump(buf, sizeof(buf), r->family, seq);
	if (!len)
		return -EINVAL;
	ret = nl_request(nl, buf, len, seq, seq,
			 sessions ? session_cb : tunnel_cb, r, &err);
	return ret ? ret : r->err;
}

static int any_lns_id(const struct st_view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->t[i].lns_id)
			return 1;
	return 0;
}

int st_read_ppp(struct st_view *v)
{
	char buf[128] __attribute__((aligned(8)));
	struct ppp_read r;
	struct mnl_socket *nl;
	struct nl_err err;
	uint32_t seq = 0, s;
	size_t len, i;
	int ret, named = 1;

	if (!any_lns_id(v))
		return 0;
	nl = nl_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	memset(&r, 0, sizeof(r));
	s = nl_seq(&seq);
	len = kl2tp_build_getfamily(buf, sizeof(buf), L2TP_GENL_NAME, s);
	ret = len ? nl_request(nl, buf, len, s, s, family_cb, &r, &err) :
		    -EINVAL;
	if (ret == -ENOENT || (!ret && !r.found)) {
		ret = 0;	/* no kernel L2TP */
		goto out;
	}
	if (!ret)
		ret = genl_dump(nl, &seq, 0, &r);
	if (!ret && r.nt)
		ret = genl_dump(nl, &seq, 1, &r);
	if (ret == -ENOENT)	/* unloaded meanwhile */
		ret = 0;
	for (i = 0; i < r.ns; i++)
		if (!r.s[i].ifname[0])
			named = 0;
	if (!ret && r.nt && !named)
		ret = add_proc_sessions(&r);
	if (!ret)
		stk_ppp_match(v, r.t, r.nt, r.s, r.ns);
out:
	mnl_socket_close(nl);
	free(r.t);
	free(r.s);
	return ret;
}
