// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tunnel map elements (see tmap.h).  An nftables transaction is all or
 * nothing: when one element fails (a full map), the others were not
 * added either, so they are sent again without it, still before the
 * verdict.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/set.h>

#include "base/hash.h"
#include "base/log.h"
#include "nft/nft.h"
#include "nft/nft_build.h"
#include "tunnel/tmap.h"

#define TMAP_PENDING	128	/* elements per transaction */
#define TMAP_TRIES	4

struct tmap_stats {
	uint64_t added;		/* elements */
	uint64_t commits;	/* transactions */
	uint64_t refused;	/* elements the kernel refused */
	uint64_t full;		/* of which: the map was full */
	uint64_t expired;	/* tunnels removed: no longer live */
};

struct tmap {
	struct nft *nft;
	tmap_failed_fn *failed_fn;
	void *data;
	struct ratelimit warn_rl;
	struct tmap_stats stats;
	unsigned int n;
	struct nft_elem pending[TMAP_PENDING];
	union l2tp_nfq_addr peers[TMAP_PENDING];
	int failed[TMAP_PENDING];
	char buf[NFT_ELEM_BUF(TMAP_PENDING)] __attribute__((aligned(8)));
};

int tmap_open(struct tmap **out, struct nft *nft, tmap_failed_fn *failed,
	      void *data)
{
	struct tmap *m = calloc(1, sizeof(*m));

	if (!m) {
		log_warnx("no memory for the tunnel maps");
		return -ENOMEM;
	}
	m->nft = nft;
	m->failed_fn = failed;
	m->data = data;
	m->warn_rl = (struct ratelimit)RATELIMIT_INIT("tunnel map", 1, 60);
	*out = m;
	return 0;
}

static void gather(struct tmap *m, int family, const void *peer, uint16_t id,
		   int set, int del, uint32_t mark, uint16_t orig_id,
		   void *tag)
{
	struct nft_elem *e;

	if (m->n == TMAP_PENDING)
		tmap_commit(m);
	e = &m->pending[m->n];
	memcpy(&m->peers[m->n], peer, addr_len(family));
	e->family = family;
	e->peer = &m->peers[m->n];
	e->id = id;
	e->set = set;
	e->del = del;
	e->mark = mark;
	e->orig_id = orig_id;
	e->tag = tag;
	m->n++;
}

void tmap_refresh(struct tmap *m, struct tunnel *t)
{
	uint32_t now = (uint32_t)mono_sec();

	/*
	 * Its map elements stay until a sweep, which forgets the tunnel
	 * too: only its liveness may have lapsed, and not if written less
	 * than a quarter timeout ago (a burst of retransmitted SCCRQs
	 * writes nothing), as the data path refreshes it.
	 */
	if (!m || now - t->live_at < nft_cfg(m->nft)->tunnel_timeout /
		  NFT_FRESH_DIV)
		return;
	t->live_at = now;
	gather(m, t->family, &t->peer, t->id, TS_LIVE, 0, 0, 0, NULL);
}

void tmap_add(struct tmap *m, struct tunnel *t, void *tag)
{
	if (!m)
		return;
	/* alive from the start: the sweep keeps it until its first hello */
	t->live_at = (uint32_t)mono_sec();
	gather(m, t->family, &t->peer, t->id, TS_LIVE, 0, 0, 0, tag);
	if (t->id != t->orig_id)
		gather(m, t->family, &t->peer, t->id, TS_XLATE, 0, 0,
		       t->orig_id, tag);
	gather(m, t->family, &t->peer, t->id, TS_TUNNELS, 0, t->mark, 0, tag);
}

void tmap_del(struct tmap *m, const struct tunnel *t)
{
	int s;

	for (s = 0; s < TS_FRESH; s++)
		gather(m, t->family, &t->peer, t->id, s, 1, 0, 0, NULL);
	tmap_unbind(m, t, 0);
}

void tmap_bind(struct tmap *m, const struct tunnel *t, void *tag)
{
	gather(m, t->family, &t->peer, t->id, TS_LNS, 0, 0, t->lns_id, tag);
	gather(m, t->family, &t->peer, t->lns_id, TS_OWN, 0, t->mark, 0, tag);
	gather(m, t->family, &t->peer, t->lns_id, TS_BOUND, 0, 0, 0, tag);
}

/* The removal of the binding of tunnel @id (mark @mark) to the L2TP
 * daemon's @lns_id, for a tunnel known or only listed. */
static void unbind(struct tmap *m, int family, const void *peer, uint16_t id,
		   uint32_t mark, uint16_t lns_id, int keep_bound)
{
	gather(m, family, peer, id, TS_LNS, 1, 0, 0, NULL);
	gather(m, family, peer, lns_id, TS_OWN, 1, mark, 0, NULL);
	if (!keep_bound)
		gather(m, family, peer, lns_id, TS_BOUND, 1, 0, 0, NULL);
}

void tmap_unbind(struct tmap *m, const struct tunnel *t, int keep_bound)
{
	if (t->lns_id)
		unbind(m, t->family, &t->peer, t->id, t->mark, t->lns_id,
		       keep_bound);
}

static void tell_failed(struct tmap *m, const struct nft_elem *e)
{
	if (e->tag && m->failed_fn)
		m->failed_fn(e->tag, m->data);
}

static void refused(struct tmap *m, const struct nft_elem *e, int err)
{
	const char *map = tunnel_families[e->family == AF_INET6].name[e->set];

	m->stats.refused++;
	if (err == -ENFILE || err == -ENOSPC) {
		m->stats.full++;
		if (log_ratelimit(&m->warn_rl))
			log_warnx("tunnel map %s full (%u elements, %llu "
				  "refused so far): raise --tunnel-marks-max",
				  map, nft_cfg(m->nft)->tunnel_max,
				  (unsigned long long)m->stats.full);
	} else if (log_ratelimit(&m->warn_rl)) {
		errno = -err;
		log_warn("tunnel map %s: tunnel %u", map, e->id);
	}
}

/* Drop the failed elements; the rest go again. */
static void drop_failed(struct tmap *m)
{
	unsigned int i, k = 0;

	for (i = 0; i < m->n; i++) {
		if (m->failed[i]) {
			/* a tunnel removed twice is no news */
			if (!m->pending[i].del || m->failed[i] != -ENOENT)
				refused(m, &m->pending[i], m->failed[i]);
			tell_failed(m, &m->pending[i]);
			continue;
		}
		m->pending[k] = m->pending[i];
		m->peers[k] = m->peers[i];
		m->pending[k].peer = &m->peers[k];
		k++;
	}
	m->n = k;
}

/* Runs of one set and operation make few messages (and kernel work).
 * Deletions first: a deletion and an addition of one key in one
 * transaction replace the element (a binding taken over). */
static int cmp_elem(const void *a, const void *b)
{
	const struct nft_elem *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->del != y->del)
		return y->del - x->del;
	return x->set - y->set;
}

/* One transaction; the number of failures, or -1 if it was not sent. */
static int send_elems(struct tmap *m, int grouped)
{
	uint32_t first;
	size_t len;
	int ret = -ENOSPC;

	len = nft_build_elems(m->buf, sizeof(m->buf), nft_cfg(m->nft),
			      m->pending, m->n, grouped, nft_seq(m->nft),
			      &first);
	/* grouped: messages held runs of elements, none can be told apart */
	if (len)
		ret = nft_send(m->nft, m->buf, len, first, m->n,
			       grouped ? NULL : m->failed);
	if (ret < 0) {
		errno = -ret;
		log_warn("tunnel maps: cannot send %u elements", m->n);
		m->stats.refused += m->n;
		return -1;
	}
	m->stats.commits++;
	return ret;
}

void tmap_commit(struct tmap *m)
{
	int tries, nerr;
	unsigned int i;

	if (!m || !m->n)
		return;
	qsort(m->pending, m->n, sizeof(m->pending[0]), cmp_elem);
	nerr = send_elems(m, 1);
	/* a failure: again element by element, to drop only the failed */
	for (tries = 0; nerr > 0 && m->n && tries < TMAP_TRIES; tries++) {
		nerr = send_elems(m, 0);
		if (nerr > 0)
			drop_failed(m);
	}
	if (!nerr)
		m->stats.added += m->n;
	else	/* not sent, or still failing: none of them is there */
		for (i = 0; i < m->n; i++)
			tell_failed(m, &m->pending[i]);
	m->n = 0;
}

/* One listed element: (peer . ID) and its data. */
struct listed {
	int family;
	union l2tp_nfq_addr peer;
	uint16_t id;
	uint32_t data;		/* mark, or the peer's own ID */
};

struct listing {
	int family, set;
	struct listed *v;
	size_t n, cap;
};

static void list_elem(struct listing *l, struct nftnl_set_elem *e)
{
	struct nft_elem_read r;
	struct listed *x;

	if (nft_elem_read(e, l->family, l->set, &r))
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;

		x = realloc(l->v, cap * sizeof(*x));
		if (!x)
			return;
		l->v = x;
		l->cap = cap;
	}
	x = &l->v[l->n++];
	memset(x, 0, sizeof(*x));
	x->family = r.family;
	memcpy(&x->peer, r.peer, sizeof(x->peer));
	x->id = r.id;
	x->data = r.data;
}

static void list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!set || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSETELEM ||
	    nftnl_set_elems_nlmsg_parse(nlh, set) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(set);
	while (it && (e = nftnl_set_elems_iter_next(it)))
		list_elem(data, e);
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(set);
}

static int list_map(struct tmap *m, const char *name, struct listing *l)
{
	return nft_dump(m->nft, NFT_MSG_GETSETELEM, name, list_cb, l);
}

static int cmp_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->id != y->id)
		return x->id - y->id;
	return memcmp(&x->peer, &y->peer, sizeof(x->peer));
}

static const struct listed *find(const struct listing *l,
				 const struct listed *k)
{
	return l->n ? bsearch(k, l->v, l->n, sizeof(*l->v), cmp_listed) :
		      NULL;
}

/* What the sweep lists: the fresh set says nothing the live one does
 * not, own and bound nothing the lns map does not. */
static int listed_set(int s)
{
	return s != TS_FRESH && s != TS_OWN && s != TS_BOUND;
}

/* A tunnel that is still there: known (again, after a restart), with
 * its translation and its binding if it has them. */
static void seen(struct tunnels *ts, const struct listed *t,
		 const struct listed *x, const struct listed *lns)
{
	struct tunnel *k;

	tunnels_seen(ts, t->family, &t->peer, t->id,
		     x ? (uint16_t)x->data : t->id, t->data);
	k = (struct tunnel *)tunnels_find(ts, t->family, &t->peer, t->id);
	if (k && lns && k->lns_id != lns->data &&
	    !tunnels_find_lns(ts, t->family, &t->peer, (uint16_t)lns->data))
		tunnels_bind_lns(ts, k, (uint16_t)lns->data);
}

/*
 * One family: a tunnel that is no longer live is removed from the maps
 * (and forgotten: tunnels_sweep_end()); the others are seen, with their
 * translation and binding if they have them.
 */
static int list_family(struct tmap *m, struct tunnels *ts, int v6)
{
	const struct tunnel_family *f = &tunnel_families[v6];
	struct listing l[TS_MAX];
	const struct listed *t, *x, *lns;
	int ret = 0, s;
	size_t i;

	memset(l, 0, sizeof(l));
	for (s = 0; s < TS_MAX && !ret; s++) {
		if (!listed_set(s))
			continue;
		l[s].family = v6 ? AF_INET6 : AF_INET;
		l[s].set = s;
		ret = list_map(m, f->name[s], &l[s]);
		if (l[s].n)
			qsort(l[s].v, l[s].n, sizeof(*l[s].v), cmp_listed);
	}
	for (i = 0; !ret && i < l[TS_TUNNELS].n; i++) {
		t = &l[TS_TUNNELS].v[i];
		x = find(&l[TS_XLATE], t);
		lns = find(&l[TS_LNS], t);
		if (find(&l[TS_LIVE], t)) {
			seen(ts, t, x, lns);
			continue;
		}
		gather(m, t->family, &t->peer, t->id, TS_TUNNELS, 1, 0, 0,
		       NULL);
		if (x)
			gather(m, t->family, &t->peer, t->id, TS_XLATE, 1, 0, 0,
			       NULL);
		if (lns)	/* its binding goes with it */
			unbind(m, t->family, &t->peer, t->id, t->data,
			       (uint16_t)lns->data, 0);
		m->stats.expired++;
	}
	for (s = 0; s < TS_MAX; s++)
		free(l[s].v);
	tmap_commit(m);
	return ret;
}

int tmap_list(struct tmap *m, struct tunnels *ts)
{
	int ret;

	tmap_commit(m);
	ret = list_family(m, ts, 0);
	if (!ret)
		ret = list_family(m, ts, 1);
	if (ret) {
		errno = -ret;
		log_warn("cannot list the tunnel maps");
	}
	return ret;
}

void tmap_log_stats(const struct tmap *m)
{
	if (!m)
		return;
	log_info("tunnel maps: elements written %llu in %llu transactions, "
		 "refused %llu (map full %llu), tunnels expired %llu",
		 (unsigned long long)m->stats.added,
		 (unsigned long long)m->stats.commits,
		 (unsigned long long)m->stats.refused,
		 (unsigned long long)m->stats.full,
		 (unsigned long long)m->stats.expired);
}

void tmap_report(const struct tmap *m, report_fn *fn, void *arg)
{
	if (!m)
		return;
	fn(arg, "map_elements_written_total", "", m->stats.added);
	fn(arg, "map_transactions_total", "", m->stats.commits);
	fn(arg, "map_elements_refused_total", "reason=\"full\"",
	   m->stats.full);
	fn(arg, "map_elements_refused_total", "reason=\"other\"",
	   m->stats.refused - m->stats.full);
	fn(arg, "tunnels_expired_total", "", m->stats.expired);
}

void tmap_close(struct tmap *m)
{
	free(m);
}
