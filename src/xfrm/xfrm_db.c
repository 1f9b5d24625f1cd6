// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the SA maps must hold, from the policies and SAs the kernel
 * announced (see xfrm_db.h, and xfrm.h for why).  Pure bookkeeping: each
 * change comes out as an operation on the maps (nft_schema.h) through a
 * callback, in an order the kernel accepts in one transaction (a chain
 * before the element that jumps to it, and after it when both go).
 *
 * Several policies give one reqid (in, and a selector per port or
 * protocol), several reqids may give one mark (the warning: then the
 * mark tells no client apart), and an ESP key (peer, port, SPI) could in
 * theory come from two SAs: each is counted, and leaves the maps with
 * the last of them.  A resync marks what a dump shows with a new
 * generation and then removes the rest.
 *
 * An SA that has a mark and carries plain ESP or ESP in UDP in transport
 * mode needs its packets marked before ESP looks it up, so it gives an
 * element (peer address, its NAT-T port or none, SPI) -> mark.  Outbound
 * SAs give one too, keyed by our own address: no packet matches it, and
 * nothing says an SA's direction on every kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include "base/htab.h"
#include "nft/nft_schema.h"
#include "xfrm/xfrm_db.h"

/* One entry of any of the tables. */
struct ent {
	struct hent h;		/* first: the tables hold these */
	uint32_t gen;		/* policies, SAs: the last dump or event */
	unsigned int refs;	/* reqids, marks, ESP keys */
	uint32_t mark, mask;
	unsigned int nreqid;	/* policies: all their reqids, */
	uint32_t reqid[XFRM_REQIDS_MAX];
	unsigned int counted;	/* ... and the ones counted (bits) */
	int warned;		/* marks: shared, said so */
	unsigned int pins;	/* marks: refs held through an update */
	struct sa_op esp;	/* SAs: their ESP key, if counted */
	int has_esp;
};

enum { T_POLICY, T_SA, T_REQID, T_MARK, T_ESP, T_MAX };

struct xfrm_db {
	struct htab t[T_MAX];
	uint32_t gen;
	xfrm_db_cb cb;
	void *arg;
	uint64_t conflicts;
};

static struct ent *ent_find(const struct htab *t, const uint8_t *key)
{
	return (struct ent *)htab_find(t, key);
}

static struct ent *ent_insert(struct htab *t, const uint8_t *key)
{
	struct ent *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	memcpy(e->h.key, key, HTAB_KEY);
	if (htab_add(t, &e->h)) {
		free(e);
		return NULL;
	}
	return e;
}

static void ent_unlink(struct htab *t, struct ent *e)
{
	htab_del(t, &e->h);
	free(e);
}

static void emit(struct xfrm_db *db, const struct sa_op *op)
{
	db->cb(db->arg, op);
}

static void key_u32(uint8_t *key, uint32_t a, uint32_t b)
{
	memset(key, 0, HTAB_KEY);
	memcpy(key, &a, 4);
	memcpy(key + 4, &b, 4);
}

/* A reqid that jumps to @op's mark, for the warning. */
struct other {
	const struct sa_op *op;
	uint32_t reqid;
};

static void other_reqid(struct hent *h, void *arg)
{
	const struct ent *r = (const struct ent *)h;
	struct other *o = arg;

	if (r->mark == o->op->mark && r->mask == o->op->mask)
		memcpy(&o->reqid, r->h.key, 4);
}

/* A mark's chain: made for its first reqid, gone with its last.  The
 * second reqid on it is worth a warning, once (the table is searched
 * for another reqid then, and only then). */
static int mark_ref(struct xfrm_db *db, uint32_t mark, uint32_t mask,
		    uint32_t reqid)
{
	struct sa_op op = { .mark = mark, .mask = mask, .reqid = reqid };
	struct other o = { .op = &op };
	uint8_t key[HTAB_KEY];
	struct ent *m;

	key_u32(key, mark, mask);
	m = ent_find(&db->t[T_MARK], key);
	if (m) {
		if (m->refs++ > m->pins && !m->warned) {
			m->warned = 1;
			htab_each(&db->t[T_REQID], other_reqid, &o);
			op.kind = SA_SHARED;
			op.reqid = o.reqid;
			op.reqid2 = reqid;
			emit(db, &op);
		}
		return 0;
	}
	m = ent_insert(&db->t[T_MARK], key);
	if (!m)
		return -ENOMEM;
	m->refs = 1;
	op.kind = SA_CHAIN_ADD;
	emit(db, &op);
	return 0;
}

static void mark_unref(struct xfrm_db *db, uint32_t mark, uint32_t mask)
{
	struct sa_op op = { .kind = SA_CHAIN_DEL, .mark = mark, .mask = mask };
	uint8_t key[HTAB_KEY];
	struct ent *m;

	key_u32(key, mark, mask);
	m = ent_find(&db->t[T_MARK], key);
	if (!m || --m->refs)
		return;
	ent_unlink(&db->t[T_MARK], m);
	emit(db, &op);
}

/*
 * Count a user of element @key of table @t (a reqid, an ESP key) that
 * maps to @add's mark: the first adds it to the maps (a reqid after its
 * mark's chain).  1 if counted, 0 if the element maps to another mark
 * already (it stays so), or -ENOMEM.
 */
static int elem_ref(struct xfrm_db *db, int t, const uint8_t *key,
		    const struct sa_op *add)
{
	struct ent *k = ent_find(&db->t[t], key);

	if (k && (k->mark != add->mark || k->mask != add->mask)) {
		db->conflicts++;
		return 0;
	}
	if (k) {
		k->refs++;
		return 1;
	}
	k = ent_insert(&db->t[t], key);
	if (!k)
		return -ENOMEM;
	if (t == T_REQID && mark_ref(db, add->mark, add->mask, add->reqid)) {
		ent_unlink(&db->t[t], k);
		return -ENOMEM;
	}
	k->refs = 1;
	k->mark = add->mark;
	k->mask = add->mask;
	emit(db, add);
	return 1;
}

/* ... and its last user takes it out (a reqid before its chain). */
static void elem_unref(struct xfrm_db *db, int t, const uint8_t *key,
		       const struct sa_op *del)
{
	struct ent *k = ent_find(&db->t[t], key);
	struct sa_op op = *del;

	if (!k || --k->refs)
		return;
	op.mark = k->mark;
	op.mask = k->mask;
	ent_unlink(&db->t[t], k);
	emit(db, &op);
	if (t == T_REQID)
		mark_unref(db, op.mark, op.mask);
}

static int reqid_ref(struct xfrm_db *db, uint32_t reqid, uint32_t mark,
		     uint32_t mask)
{
	struct sa_op op = { .kind = SA_REQID_ADD, .mark = mark,
			    .mask = mask, .reqid = reqid };
	uint8_t key[HTAB_KEY];

	key_u32(key, reqid, 0);
	return elem_ref(db, T_REQID, key, &op);
}

static void reqid_unref(struct xfrm_db *db, uint32_t reqid)
{
	struct sa_op op = { .kind = SA_REQID_DEL, .reqid = reqid };
	uint8_t key[HTAB_KEY];

	key_u32(key, reqid, 0);
	elem_unref(db, T_REQID, key, &op);
}

static void policy_remove(struct xfrm_db *db, struct ent *p)
{
	unsigned int i;

	for (i = 0; i < p->nreqid; i++)
		if (p->counted & (1u << i))
			reqid_unref(db, p->reqid[i]);
	ent_unlink(&db->t[T_POLICY], p);
}

/* Inbound, main, marked, with a transport-mode reqid: stamps a mark. */
static int policy_counts(const struct xfrm_pol *p)
{
	return p->dir == XFRM_POLICY_IN && p->type == XFRM_POLICY_TYPE_MAIN &&
	       (p->mark & p->mask) && p->nreqid;
}

static int policy_same(const struct ent *e, const struct xfrm_pol *p)
{
	return e->mark == p->mark && e->mask == p->mask &&
	       e->nreqid == p->nreqid &&
	       !memcmp(e->reqid, p->reqid, p->nreqid * sizeof(p->reqid[0]));
}

/*
 * Hold a mark's chain through a change of the policy that uses it, so
 * that an update (a new reqid, say) does not remove and add it again.
 */
static int mark_pin(struct xfrm_db *db, const struct ent *p, int pin)
{
	uint8_t key[HTAB_KEY];
	struct ent *m;

	if (!p || !p->counted)
		return 0;
	key_u32(key, p->mark & p->mask, p->mask);
	m = ent_find(&db->t[T_MARK], key);
	if (!m)
		return 0;
	if (pin) {
		m->refs++;
		m->pins++;
	} else {
		m->pins--;
		mark_unref(db, p->mark & p->mask, p->mask);
	}
	return 1;
}

static int policy_add(struct xfrm_db *db, const struct xfrm_pol *p,
		      const uint8_t *key)
{
	struct ent *e = ent_insert(&db->t[T_POLICY], key);
	unsigned int i;
	int r;

	if (!e)
		return -ENOMEM;
	e->gen = db->gen;
	e->mark = p->mark;
	e->mask = p->mask;
	e->nreqid = p->nreqid;
	memcpy(e->reqid, p->reqid, sizeof(e->reqid));
	for (i = 0; i < p->nreqid; i++) {
		r = reqid_ref(db, p->reqid[i], p->mark & p->mask, p->mask);
		if (r < 0)
			return r;
		if (r)
			e->counted |= 1u << i;
	}
	return 0;
}

static int policy_set(struct xfrm_db *db, const struct xfrm_pol *p)
{
	struct ent *e, old;
	uint8_t key[HTAB_KEY];
	int pinned, r = 0;

	key_u32(key, p->index, 0);
	e = ent_find(&db->t[T_POLICY], key);
	if (e && policy_counts(p) && policy_same(e, p)) {
		e->gen = db->gen;
		return 0;
	}
	if (e)
		old = *e;
	pinned = mark_pin(db, e, 1);
	if (e)
		policy_remove(db, e);
	if (policy_counts(p))
		r = policy_add(db, p, key);
	if (pinned)
		mark_pin(db, &old, 0);
	return r;
}

static void esp_key(uint8_t *key, const struct sa_op *op)
{
	memset(key, 0, HTAB_KEY);
	memcpy(key, &op->family, 2);
	memcpy(key + 2, &op->sport, 2);
	memcpy(key + 4, &op->spi, 4);
	memcpy(key + 8, op->saddr, 16);
}

static int esp_ref(struct xfrm_db *db, const struct sa_op *op)
{
	uint8_t key[HTAB_KEY];
	struct sa_op add = *op;

	esp_key(key, op);
	add.kind = SA_ESP_ADD;
	return elem_ref(db, T_ESP, key, &add);
}

static void esp_unref(struct xfrm_db *db, const struct sa_op *op)
{
	uint8_t key[HTAB_KEY];
	struct sa_op del = *op;

	esp_key(key, op);
	del.kind = SA_ESP_DEL;
	elem_unref(db, T_ESP, key, &del);
}

static void sa_remove(struct xfrm_db *db, struct ent *s)
{
	if (s->has_esp)
		esp_unref(db, &s->esp);
	ent_unlink(&db->t[T_SA], s);
}

/* The kernel's key of an SA: destination, SPI, protocol, and the mark
 * it is looked up with. */
static void sa_key(uint8_t *key, const struct xfrm_sa *sa)
{
	memset(key, 0, HTAB_KEY);
	memcpy(key, &sa->family, 2);
	key[2] = sa->proto;
	memcpy(key + 4, &sa->spi, 4);
	memcpy(key + 8, sa->daddr, 16);
	memcpy(key + 24, &sa->mark, 4);
	memcpy(key + 28, &sa->mask, 4);
}

/* Marked, transport mode, plain ESP or ESP in UDP: its ESP key in @op. */
static int sa_counts(const struct xfrm_sa *sa, struct sa_op *op)
{
	memset(op, 0, sizeof(*op));
	if (sa->proto != IPPROTO_ESP || sa->mode != XFRM_MODE_TRANSPORT ||
	    !(sa->mark & sa->mask))
		return 0;
	if (sa->encap && (sa->encap != UDP_ENCAP_ESPINUDP || !sa->sport))
		return 0;
	op->family = sa->family;
	op->sport = sa->encap ? sa->sport : 0;
	op->spi = sa->spi;
	op->mark = sa->mark & sa->mask;
	op->mask = sa->mask;
	op->reqid = sa->reqid;
	memcpy(op->saddr, sa->saddr, 16);
	return 1;
}

static int sa_set(struct xfrm_db *db, const struct xfrm_sa *sa)
{
	uint8_t key[HTAB_KEY];
	struct sa_op op;
	struct ent *e;
	int counts = sa_counts(sa, &op), r;

	sa_key(key, sa);
	e = ent_find(&db->t[T_SA], key);
	if (e && counts && e->has_esp && !memcmp(&e->esp, &op, sizeof(op))) {
		e->gen = db->gen;
		return 0;
	}
	if (e)
		sa_remove(db, e);
	if (!counts)
		return 0;
	e = ent_insert(&db->t[T_SA], key);
	if (!e)
		return -ENOMEM;
	e->gen = db->gen;
	r = esp_ref(db, &op);
	if (r < 0)
		return r;
	e->esp = op;
	e->has_esp = r;
	return 0;
}

static void sa_del(struct xfrm_db *db, const struct xfrm_sa *sa)
{
	uint8_t key[HTAB_KEY];
	struct ent *e;

	sa_key(key, sa);
	e = ent_find(&db->t[T_SA], key);
	if (e)
		sa_remove(db, e);
}

/* What a sweep removes: all, the SAs of one protocol, or those that
 * the last dump did not show. */
enum { SWEEP_ALL, SWEEP_PROTO, SWEEP_OLD };

struct sweep {
	struct xfrm_db *db;
	int t, how, proto;
};

static void sweep_one(struct hent *h, void *arg)
{
	const struct sweep *s = arg;
	struct ent *e = (struct ent *)h;

	/* FLUSHSA names a protocol, or 0 (all), or IPSEC_PROTO_ANY (255:
	 * AH, ESP, IPcomp); only ESP SAs are kept */
	if ((s->how == SWEEP_PROTO && s->proto && s->proto != 255 &&
	     e->h.key[2] != s->proto) ||
	    (s->how == SWEEP_OLD && e->gen == s->db->gen))
		return;
	if (s->t == T_POLICY)
		policy_remove(s->db, e);
	else
		sa_remove(s->db, e);
}

static void sweep(struct xfrm_db *db, int t, int how, int proto)
{
	struct sweep s = { db, t, how, proto };

	htab_each(&db->t[t], sweep_one, &s);
}

int xfrm_db_apply(struct xfrm_db *db, const struct xfrm_ev *ev)
{
	struct xfrm_pol gone;

	switch (ev->type) {
	case XEV_POLICY:
		return policy_set(db, &ev->pol);
	case XEV_POLICY_DEL:
		/* the same as a policy that stamps nothing */
		gone = ev->pol;
		gone.nreqid = 0;
		return policy_set(db, &gone);
	case XEV_POLICY_FLUSH:
		if (ev->pol.type == XFRM_POLICY_TYPE_MAIN)
			sweep(db, T_POLICY, SWEEP_ALL, 0);
		return 0;
	case XEV_SA:
		return sa_set(db, &ev->sa);
	case XEV_SA_DEL:
		sa_del(db, &ev->sa);
		return 0;
	case XEV_SA_FLUSH:
		sweep(db, T_SA, SWEEP_PROTO, ev->sa.proto);
		return 0;
	default:
		return 0;
	}
}

void xfrm_db_resync_begin(struct xfrm_db *db)
{
	db->gen++;
}

void xfrm_db_resync_end(struct xfrm_db *db)
{
	sweep(db, T_POLICY, SWEEP_OLD, 0);
	sweep(db, T_SA, SWEEP_OLD, 0);
}

struct xfrm_db *xfrm_db_new(xfrm_db_cb cb, void *arg)
{
	struct xfrm_db *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->cb = cb;
	db->arg = arg;
	return db;
}

void xfrm_db_counts(const struct xfrm_db *db, struct xfrm_db_counts *c)
{
	c->policies = db->t[T_POLICY].n;
	c->sas = db->t[T_SA].n;
	c->reqids = db->t[T_REQID].n;
	c->marks = db->t[T_MARK].n;
	c->esp = db->t[T_ESP].n;
	c->conflicts = db->conflicts;
}

static void free_one(struct hent *h, void *arg)
{
	(void)arg;
	free(h);
}

void xfrm_db_free(struct xfrm_db *db)
{
	int t;

	if (!db)
		return;
	for (t = 0; t < T_MAX; t++) {
		htab_each(&db->t[t], free_one, NULL);
		htab_free(&db->t[t]);
	}
	free(db);
}
