// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --tunnel-marks per packet (src/tunnel/xlate.c) against a stand-in tmap module
 * and the real tunnels.c: the IDs SCCRQs get, the rewrites of SCCRQs and
 * StopCCNs, the SCCRP bindings, and what a refused commit undoes.
 *
 * The handler's tests stand in for xlate.c under its own names, so
 * xlate.c is compiled into this file under others; its tmap calls go to
 * this file's stand-ins, under names of their own too (tmap.c may be
 * linked for its own tests).
 */
#define tmap_open	stand_in_tmap_open
#define tmap_add	stand_in_tmap_add
#define tmap_del	stand_in_tmap_del
#define tmap_bind	stand_in_tmap_bind
#define tmap_unbind	stand_in_tmap_unbind
#define tmap_refresh	stand_in_tmap_refresh
#define tmap_commit	stand_in_tmap_commit
#define tmap_list	stand_in_tmap_list
#define tmap_log_stats	stand_in_tmap_log_stats
#define tmap_report	stand_in_tmap_report
#define tmap_close	stand_in_tmap_close
#define xlate_open	real_xlate_open
#define xlate_sccrq	real_xlate_sccrq
#define xlate_stopccn	real_xlate_stopccn
#define xlate_sccrp	real_xlate_sccrp
#define xlate_commit	real_xlate_commit
#define xlate_tick	real_xlate_tick
#define xlate_log_stats	real_xlate_log_stats
#define xlate_report	real_xlate_report
#define xlate_tunnels	real_xlate_tunnels
#define xlate_close	real_xlate_close
#include "../../src/tunnel/xlate.c"

#include <fcntl.h>
#include <unistd.h>

#include "wire/bytes.h"
#include "unit.h"

void test_xlate(void);

/* Stand-in: it records what xlate.c gathered, and fails on demand. */
struct tmap {
	tmap_failed_fn *failed;
	void *data;
	int adds, dels, binds, unbinds, refreshes, commits;
	int fail;		/* the next commit refuses what it adds */
	void *tags[XLATE_UNCOMMITTED];
	unsigned int ntags;
};

static struct tmap stand_in;

int tmap_open(struct tmap **out, struct nft *nft, tmap_failed_fn *failed,
	      void *data)
{
	(void)nft;
	memset(&stand_in, 0, sizeof(stand_in));
	stand_in.failed = failed;
	stand_in.data = data;
	*out = &stand_in;
	return 0;
}

static void gathered(struct tmap *m, void *tag)
{
	if (m->ntags < sizeof(m->tags) / sizeof(m->tags[0]))
		m->tags[m->ntags++] = tag;
}

void tmap_add(struct tmap *m, struct tunnel *t, void *tag)
{
	(void)t;
	m->adds++;
	gathered(m, tag);
}

void tmap_del(struct tmap *m, const struct tunnel *t)
{
	(void)t;
	m->dels++;
}

void tmap_bind(struct tmap *m, const struct tunnel *t, void *tag)
{
	(void)t;
	m->binds++;
	gathered(m, tag);
}

void tmap_unbind(struct tmap *m, const struct tunnel *t, int keep_bound)
{
	(void)t;
	(void)keep_bound;
	m->unbinds++;
}

void tmap_refresh(struct tmap *m, struct tunnel *t)
{
	(void)t;
	m->refreshes++;
}

void tmap_commit(struct tmap *m)
{
	unsigned int i;

	m->commits++;
	for (i = 0; m->fail && i < m->ntags; i++)
		m->failed(m->tags[i], m->data);
	m->ntags = 0;
	m->fail = 0;
}

int tmap_list(struct tmap *m, struct tunnels *ts)
{
	(void)m;
	(void)ts;
	return 0;
}

void tmap_log_stats(const struct tmap *m)
{
	(void)m;
}

void tmap_report(const struct tmap *m, report_fn *fn, void *arg)
{
	(void)m;
	(void)fn;
	(void)arg;
}

void tmap_close(struct tmap *m)
{
	(void)m;
}

/* One queued packet from 192.0.2.1, parsed as the handler parses it. */
struct qpkt {
	uint8_t p[256];
	size_t n;
	struct pkt_udp u;
	struct l2tp_ctrl c;
	int drop;
};

/* @cut: bytes the copy misses, of a trailer after the L2TP message */
static void parsed(struct qpkt *k, struct b *m, size_t cut)
{
	if (cut)
		m->buf[m->n++] = 0;	/* past the L2TP Length */
	memset(k, 0, sizeof(*k));
	k->n = ip4udp(k->p, m, 1701);
	pkt_parse_udp(k->p, k->n - cut, k->n, &k->u);
	l2tp_parse(k->u.payload, k->u.caplen, k->u.len,
		   L2TP_WANT(L2TP_MSG_SCCRQ) | L2TP_WANT(L2TP_MSG_STOPCCN),
		   &k->c);
}

/* An SCCRQ of tunnel @tid through @x with @mark: its ID, or -XR_* */
static int open_tunnel(struct xlate *x, struct qpkt *k, uint16_t tid,
		       uint32_t mark)
{
	struct b m;

	sccrq(&m, tid, "lac");
	parsed(k, &m, 0);
	return real_xlate_sccrq(x, &k->u, &k->c, mark, &k->drop);
}

/* What the L2TP daemon reads as the Assigned Tunnel ID */
static uint16_t id_in(const struct qpkt *k)
{
	return get_be16(k->u.payload + k->c.assigned.off);
}

static struct xlate *open_xlate(unsigned int per_mark, int translate)
{
	struct xlate_cfg cfg = { .max = 64, .per_mark = per_mark,
				 .sweep_sec = 60, .translate = translate };
	struct xlate *x = NULL;

	real_xlate_open(&x, NULL, &cfg);
	return x;
}

static void test_xlate_sccrq(void)
{
	struct xlate *x = open_xlate(2, 1);
	struct qpkt a, b, again;
	int id;

	CHECK("xlate: a new tunnel keeps the peer's ID, not rewritten",
	      open_tunnel(x, &a, 1, 0xa) == 1 && !a.u.rewritten &&
	      stand_in.adds == 1);
	id = open_tunnel(x, &b, 1, 0xb);
	CHECK("xlate: another SA's tunnel 1 is translated and rewritten",
	      id >= L2TP_XLATE_MIN && b.u.rewritten && id_in(&b) == id &&
	      x->stats.translated == 1 && stand_in.adds == 2);
	CHECK("xlate: its retransmission in the same batch: the same ID, "
	      "waiting for the same elements",
	      open_tunnel(x, &again, 1, 0xb) == id && again.u.rewritten &&
	      stand_in.refreshes == 1 && x->nnew == 3);
	real_xlate_commit(x);
	CHECK("xlate: committed, nothing dropped",
	      !a.drop && !b.drop && !again.drop && x->nnew == 0);
	CHECK("xlate: a retransmission after the commit waits for nothing",
	      open_tunnel(x, &again, 1, 0xb) == id && x->nnew == 0 &&
	      stand_in.refreshes == 2);
	CHECK("xlate: the SA's quota",
	      open_tunnel(x, &again, 7, 0xa) == 7 &&
	      open_tunnel(x, &again, 8, 0xa) == -XR_QUOTA &&
	      x->stats.refused[XR_QUOTA] == 1);
	real_xlate_close(x);
}

static void test_xlate_refused(void)
{
	struct xlate *x = open_xlate(0, 0);
	struct qpkt a, b, again;
	struct b m;

	open_tunnel(x, &a, 1, 0xa);
	CHECK("xlate: --no-translate refuses a taken ID",
	      open_tunnel(x, &b, 1, 0xb) == -XR_TAKEN);
	real_xlate_close(x);

	x = open_xlate(0, 1);
	open_tunnel(x, &a, 1, 0xa);
	sccrq(&m, 1, "lac");
	parsed(&b, &m, 1);
	CHECK("xlate: a translation into a packet cut short: no tunnel",
	      real_xlate_sccrq(x, &b.u, &b.c, 0xb, &b.drop) ==
	      -XR_NOT_WHOLE && !b.u.rewritten &&
	      !tunnels_find_orig(&x->ts, AF_INET, &b.u.saddr, 1, 0xb));
	real_xlate_commit(x);

	open_tunnel(x, &b, 2, 0xb);
	open_tunnel(x, &again, 2, 0xb);
	stand_in.fail = 1;
	real_xlate_commit(x);
	CHECK("xlate: elements refused: the SCCRQ and its retransmission "
	      "dropped, the tunnel forgotten",
	      b.drop && again.drop && stand_in.dels == 1 &&
	      x->stats.refused[XR_UNCOMMITTED] == 2 &&
	      !tunnels_find_orig(&x->ts, AF_INET, &b.u.saddr, 2, 0xb));
	CHECK("xlate: ... so that the next one is new again",
	      open_tunnel(x, &b, 2, 0xb) == 2 && x->nnew == 1);
	real_xlate_close(x);
}

static void test_xlate_stopccn(void)
{
	struct xlate *x = open_xlate(0, 1);
	struct qpkt a, b, st;
	struct b m;
	int id;

	open_tunnel(x, &a, 1, 0xa);
	id = open_tunnel(x, &b, 1, 0xb);
	real_xlate_commit(x);
	hdr(&m, CTRL, 0x4242, 0, 3, 5);
	avp16(&m, M, 0, 4);
	avp16(&m, M, 9, 1);
	fin(&m);
	parsed(&st, &m, 0);
	CHECK("xlate: StopCCN of an untranslated tunnel: as it is",
	      real_xlate_stopccn(x, &st.u, &st.c.assigned, 0xa) == 0 &&
	      !st.u.rewritten && id_in(&st) == 1);
	CHECK("xlate: StopCCN of a translated one: the daemon's ID",
	      real_xlate_stopccn(x, &st.u, &st.c.assigned, 0xb) == 0 &&
	      st.u.rewritten && id_in(&st) == id &&
	      x->stats.stopccn == 1);
	parsed(&st, &m, 1);
	CHECK("xlate: ... not into a packet cut short",
	      real_xlate_stopccn(x, &st.u, &st.c.assigned, 0xb) ==
	      -XR_NOT_WHOLE && !st.u.rewritten);
	real_xlate_close(x);
}

static void test_xlate_sccrp(void)
{
	struct xlate *x = open_xlate(0, 1);
	struct pkt_udp out = { .family = AF_INET };
	struct qpkt a, b;
	int drop = 0, drop2 = 0;
	const struct tunnel *ta, *tb;

	open_tunnel(x, &a, 1, 0xa);
	open_tunnel(x, &b, 2, 0xb);
	real_xlate_commit(x);
	ta = tunnels_find_orig(&x->ts, AF_INET, &a.u.saddr, 1, 0xa);
	tb = tunnels_find_orig(&x->ts, AF_INET, &a.u.saddr, 2, 0xb);
	out.daddr = a.u.saddr;	/* on its way out to the peer */
	real_xlate_sccrp(x, &out, 1, 0x99, 0xa, &drop);
	CHECK("xlate: SCCRP: the daemon's ID bound to the tunnel",
	      ta->lns_id == 0x99 && stand_in.binds == 1 && x->nnew == 1 &&
	      x->stats.bound == 1);
	real_xlate_sccrp(x, &out, 1, 0x99, 0xa, &drop);
	CHECK("xlate: SCCRP sent again: nothing more",
	      stand_in.binds == 1 && x->nnew == 1);
	real_xlate_sccrp(x, &out, 7, 0x99, 0xa, &drop);
	CHECK("xlate: SCCRP of a tunnel it does not know: nothing bound",
	      stand_in.binds == 1 && x->stats.unbound == 1);
	real_xlate_commit(x);
	real_xlate_sccrp(x, &out, 2, 0x99, 0xb, &drop2);
	CHECK("xlate: SCCRP reusing the ID: the other tunnel unbound",
	      tb->lns_id == 0x99 && ta->lns_id == 0 &&
	      x->stats.replaced == 1);
	stand_in.fail = 1;
	real_xlate_commit(x);
	CHECK("xlate: binding refused: SCCRP dropped, the tunnel stays",
	      !drop && drop2 && tb->lns_id == 0 &&
	      x->stats.bind_failed == 1 &&
	      tunnels_find_orig(&x->ts, AF_INET, &a.u.saddr, 2, 0xb) == tb);
	real_xlate_close(x);
}

static int count_tunnel(void *arg, const struct tunnel *t)
{
	size_t *n = arg;

	(void)t;
	return ++*n == 2;	/* stop after two */
}

/* What the control socket reports of a new tunnel, and the walk. */
static void test_xlate_remember(void)
{
	struct xlate *x = open_xlate(0, 1);
	const struct tunnel *t;
	struct qpkt a, b;
	size_t n = 0;

	open_tunnel(x, &a, 1, 0xa);
	open_tunnel(x, &b, 2, 0xa);
	t = tunnels_find(&x->ts, AF_INET, &a.u.saddr, 1);
	CHECK("xlate: a new tunnel keeps its SCCRQ's port and host",
	      t && t->from_sccrq && t->port == 1701 && t->host_len == 3 &&
	      !memcmp(t->host, "lac", 3) && t->sccrq_at > 0);
	CHECK("xlate: the walk from 0 stops where told",
	      real_xlate_tunnels(x, 0, count_tunnel, &n) == 1 && n == 2);
	n = 0;
	CHECK("xlate: the walk from 1 ends",
	      real_xlate_tunnels(x, 1, count_tunnel, &n) == 0 && n == 1);
	CHECK("xlate: no walk without --tunnel-marks",
	      real_xlate_tunnels(NULL, 0, count_tunnel, &n) == 0);
	real_xlate_close(x);
}

void test_xlate(void)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	/* refusals are logged: keep the test's output readable */
	dup2(null, 2);
	test_xlate_sccrq();
	test_xlate_refused();
	test_xlate_stopccn();
	test_xlate_sccrp();
	test_xlate_remember();
	dup2(saved, 2);
	close(saved);
	close(null);
}
