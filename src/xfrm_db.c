// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the SA maps must hold, from the policies and SAs the kernel
 * announced (see xfrm.h).  Pure bookkeeping: each change comes out as an
 * operation on the maps (nft_sa.h) through a callback, in an order the
 * kernel accepts in one transaction (a chain before the element that
 * jumps to it, and after it when both go).
 *
 * Several policies give one reqid (in, and a selector per port or
 * protocol), several reqids may give one mark (the warning: then the
 * mark tells no client apart), and an ESP key (peer, port, SPI) could in
 * theory come from two SAs (xfrm_db_sa.c): each is counted, and leaves
 * the maps with the last of them.  A resync marks what a dump shows
 * with a new generation and then removes the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/xfrm.h>

#include "xfrm_db.h"

struct ent *db_find(const struct htab *t, const uint8_t *key)
{
	return (struct ent *)htab_find(t, key);
}

struct ent *db_insert(struct htab *t, const uint8_t *key)
{
	struct ent *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	memcpy(e->h.key, key, KEY_MAX);
	if (htab_add(t, &e->h)) {
		free(e);
		return NULL;
	}
	return e;
}

void db_unlink(struct htab *t, struct ent *e)
{
	htab_del(t, &e->h);
	free(e);
}

void db_emit(struct xfrm_db *db, const struct sa_op *op)
{
	db->cb(db->arg, op);
}

static void key_u32(uint8_t *key, uint32_t a, uint32_t b)
{
	memset(key, 0, KEY_MAX);
	memcpy(key, &a, 4);
	memcpy(key + 4, &b, 4);
}

/* A mark's chain: made for its first reqid, gone with its last. */
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
	uint8_t key[KEY_MAX];
	struct ent *m;

	key_u32(key, mark, mask);
	m = db_find(&db->t[T_MARK], key);
	if (m) {
		if (m->refs++ > m->pins && !m->warned) {
			m->warned = 1;
			htab_each(&db->t[T_REQID], other_reqid, &o);
			op.kind = SA_SHARED;
			op.reqid = o.reqid;
			op.reqid2 = reqid;
			db_emit(db, &op);
		}
		return 0;
	}
	m = db_insert(&db->t[T_MARK], key);
	if (!m)
		return -ENOMEM;
	m->refs = 1;
	op.kind = SA_CHAIN_ADD;
	db_emit(db, &op);
	return 0;
}

static void mark_unref(struct xfrm_db *db, uint32_t mark, uint32_t mask)
{
	struct sa_op op = { .kind = SA_CHAIN_DEL, .mark = mark, .mask = mask };
	uint8_t key[KEY_MAX];
	struct ent *m;

	key_u32(key, mark, mask);
	m = db_find(&db->t[T_MARK], key);
	if (!m || --m->refs)
		return;
	db_unlink(&db->t[T_MARK], m);
	db_emit(db, &op);
}

/*
 * Count a user of element @key of table @t (a reqid, an ESP key) that
 * maps to @add's mark: the first adds it to the maps (a reqid after its
 * mark's chain).  1 if counted, 0 if the element maps to another mark
 * already (it stays so), or -ENOMEM.
 */
int db_ref(struct xfrm_db *db, int t, const uint8_t *key,
	   const struct sa_op *add)
{
	struct ent *k = db_find(&db->t[t], key);

	if (k && (k->mark != add->mark || k->mask != add->mask)) {
		db->conflicts++;
		return 0;
	}
	if (k) {
		k->refs++;
		return 1;
	}
	k = db_insert(&db->t[t], key);
	if (!k)
		return -ENOMEM;
	if (t == T_REQID && mark_ref(db, add->mark, add->mask, add->reqid)) {
		db_unlink(&db->t[t], k);
		return -ENOMEM;
	}
	k->refs = 1;
	k->mark = add->mark;
	k->mask = add->mask;
	db_emit(db, add);
	return 1;
}

/* ... and its last user takes it out (a reqid before its chain). */
void db_unref(struct xfrm_db *db, int t, const uint8_t *key,
	      const struct sa_op *del)
{
	struct ent *k = db_find(&db->t[t], key);
	struct sa_op op = *del;

	if (!k || --k->refs)
		return;
	op.mark = k->mark;
	op.mask = k->mask;
	db_unlink(&db->t[t], k);
	db_emit(db, &op);
	if (t == T_REQID)
		mark_unref(db, op.mark, op.mask);
}

static int reqid_ref(struct xfrm_db *db, uint32_t reqid, uint32_t mark,
		     uint32_t mask)
{
	struct sa_op op = { .kind = SA_REQID_ADD, .mark = mark,
			    .mask = mask, .reqid = reqid };
	uint8_t key[KEY_MAX];

	key_u32(key, reqid, 0);
	return db_ref(db, T_REQID, key, &op);
}

static void reqid_unref(struct xfrm_db *db, uint32_t reqid)
{
	struct sa_op op = { .kind = SA_REQID_DEL, .reqid = reqid };
	uint8_t key[KEY_MAX];

	key_u32(key, reqid, 0);
	db_unref(db, T_REQID, key, &op);
}

static void policy_remove(struct xfrm_db *db, struct ent *p)
{
	unsigned int i;

	for (i = 0; i < p->nreqid; i++)
		if (p->counted & (1u << i))
			reqid_unref(db, p->reqid[i]);
	db_unlink(&db->t[T_POLICY], p);
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
	uint8_t key[KEY_MAX];
	struct ent *m;

	if (!p || !p->counted)
		return 0;
	key_u32(key, p->mark & p->mask, p->mask);
	m = db_find(&db->t[T_MARK], key);
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
	struct ent *e = db_insert(&db->t[T_POLICY], key);
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
	uint8_t key[KEY_MAX];
	int pinned, r = 0;

	key_u32(key, p->index, 0);
	e = db_find(&db->t[T_POLICY], key);
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
		db_sa_remove(s->db, e);
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
		return db_sa_set(db, &ev->sa);
	case XEV_SA_DEL:
		db_sa_del(db, &ev->sa);
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
