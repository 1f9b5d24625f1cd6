// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel IDs the L2TP daemon sees (see tunnels.h): two hash indexes
 * over one set of entries, by (peer, ID the daemon sees) and by (peer,
 * peer's ID, mark).  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/hash.h"
#include "wire/l2tp.h"
#include "tunnel/tunnels.h"

/* Translated IDs come from the upper half: Windows and Apple count up
 * from 1, so small IDs are the ones the next client will pick, and the
 * output rules need not look for a translation below it. */
#define PICK_LOW	L2TP_XLATE_MIN
/* Bounded work per SCCRQ: with half of the upper half taken, 64 tries
 * all miss once in 2^64; a peer whose IDs are that full gets none. */
#define PICK_TRIES	64

/* FNV-1a over the address and two 16-bit values */
static size_t hash(int family, const void *peer, uint32_t a, uint32_t b)
{
	uint32_t h = fnv_bytes(FNV_BASIS ^ (uint32_t)family, peer,
			       addr_len(family));

	h = fnv_word(fnv_word(h, a), b);
	return h ^ (h >> 15);
}

static int same_peer(const struct tunnel *t, int family, const void *peer)
{
	return t->family == family &&
	       !memcmp(&t->peer, peer, addr_len(family));
}

int tunnels_init(struct tunnels *ts, unsigned int max_per_family,
		 unsigned int per_mark)
{
	size_t n = 64;

	memset(ts, 0, sizeof(*ts));
	while (n < (size_t)max_per_family * 2 && n < (1u << 22))
		n <<= 1;
	ts->by_id = calloc(n, sizeof(*ts->by_id));
	ts->by_orig = calloc(n, sizeof(*ts->by_orig));
	ts->by_lns = calloc(n, sizeof(*ts->by_lns));
	ts->by_mark = calloc(n, sizeof(*ts->by_mark));
	if (!ts->by_id || !ts->by_orig || !ts->by_lns || !ts->by_mark) {
		tunnels_free(ts);
		return -ENOMEM;
	}
	ts->mask = n - 1;
	ts->max = max_per_family;
	ts->per_mark = per_mark;
	ts->rnd = 0x9e3779b9u;
	return 0;
}

void tunnels_free(struct tunnels *ts)
{
	size_t i;

	if (ts->by_id) {
		for (i = 0; i <= ts->mask; i++) {
			while (ts->by_id[i]) {
				struct tunnel *t = ts->by_id[i];

				ts->by_id[i] = t->next_id;
				free(t);
			}
		}
	}
	if (ts->by_mark) {
		for (i = 0; i <= ts->mask; i++) {
			while (ts->by_mark[i]) {
				struct mark_count *c = ts->by_mark[i];

				ts->by_mark[i] = c->next;
				free(c);
			}
		}
	}
	free(ts->by_id);
	free(ts->by_orig);
	free(ts->by_lns);
	free(ts->by_mark);
	memset(ts, 0, sizeof(*ts));
}

static struct tunnel **id_slot(const struct tunnels *ts, int family,
			       const void *peer, uint16_t id)
{
	return &ts->by_id[hash(family, peer, id, 0) & ts->mask];
}

static struct tunnel **orig_slot(const struct tunnels *ts, int family,
				 const void *peer, uint16_t orig_id,
				 uint32_t mark)
{
	return &ts->by_orig[hash(family, peer, orig_id, mark) & ts->mask];
}

/* the LNS's IDs hash apart from the peer's: 0x10000 + ID */
static struct tunnel **lns_slot(const struct tunnels *ts, int family,
				const void *peer, uint16_t lns_id)
{
	return &ts->by_lns[hash(family, peer, lns_id, 0x10000) & ts->mask];
}

struct tunnel *tunnels_find_lns(const struct tunnels *ts, int family,
				const void *peer, uint16_t lns_id)
{
	struct tunnel *t = *lns_slot(ts, family, peer, lns_id);

	for (; t; t = t->next_lns)
		if (t->lns_id == lns_id && same_peer(t, family, peer))
			return t;
	return NULL;
}

static void unlink_lns(struct tunnels *ts, struct tunnel *t)
{
	struct tunnel **p;

	if (!t->lns_id)
		return;
	p = lns_slot(ts, t->family, &t->peer, t->lns_id);
	while (*p != t)
		p = &(*p)->next_lns;
	*p = t->next_lns;
	t->lns_id = 0;
}

void tunnels_bind_lns(struct tunnels *ts, struct tunnel *t, uint16_t lns_id)
{
	struct tunnel **slot;

	unlink_lns(ts, t);
	if (!lns_id)
		return;
	t->lns_id = lns_id;
	slot = lns_slot(ts, t->family, &t->peer, lns_id);
	t->next_lns = *slot;
	*slot = t;
}

const struct tunnel *tunnels_find(const struct tunnels *ts, int family,
				  const void *peer, uint16_t id)
{
	const struct tunnel *t = *id_slot(ts, family, peer, id);

	for (; t; t = t->next_id)
		if (t->id == id && same_peer(t, family, peer))
			return t;
	return NULL;
}

static struct tunnel *find_orig(const struct tunnels *ts, int family,
				const void *peer, uint16_t orig_id,
				uint32_t mark)
{
	struct tunnel *t = *orig_slot(ts, family, peer, orig_id, mark);

	for (; t; t = t->next_orig)
		if (t->orig_id == orig_id && t->mark == mark &&
		    same_peer(t, family, peer))
			return t;
	return NULL;
}

const struct tunnel *tunnels_find_orig(const struct tunnels *ts, int family,
				       const void *peer, uint16_t orig_id,
				       uint32_t mark)
{
	return find_orig(ts, family, peer, orig_id, mark);
}

static struct mark_count **mark_slot(const struct tunnels *ts, uint32_t mark)
{
	uint32_t h = mark * 2654435761u;

	return &ts->by_mark[(h ^ (h >> 16)) & ts->mask];
}

static struct mark_count *find_mark(const struct tunnels *ts, uint32_t mark)
{
	struct mark_count *c = *mark_slot(ts, mark);

	while (c && c->mark != mark)
		c = c->next;
	return c;
}

unsigned int tunnels_of_mark(const struct tunnels *ts, uint32_t mark)
{
	const struct mark_count *c = find_mark(ts, mark);

	return c ? c->n : 0;
}

/* One tunnel more (@d 1) or less (-1) for @mark. */
static int count_mark(struct tunnels *ts, uint32_t mark, int d)
{
	struct mark_count *c, **p = mark_slot(ts, mark);

	for (; (c = *p); p = &c->next) {
		if (c->mark != mark)
			continue;
		if (d < 0 && !--c->n) {
			*p = c->next;
			free(c);
		} else if (d > 0) {
			c->n++;
		}
		return 0;
	}
	if (d < 0)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->mark = mark;
	c->n = 1;
	c->next = *p;
	*p = c;
	return 0;
}

static struct tunnel *add(struct tunnels *ts, int family, const void *peer,
			  uint16_t id, uint16_t orig_id, uint32_t mark)
{
	int v6 = family == AF_INET6;
	struct tunnel *t, **slot;

	if (ts->count[v6] >= ts->max)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (count_mark(ts, mark, 1)) {
		free(t);
		return NULL;
	}
	t->family = (uint8_t)family;
	memcpy(&t->peer, peer, addr_len(family));
	t->id = id;
	t->orig_id = orig_id;
	t->mark = mark;
	t->sweep = ts->sweep;
	slot = id_slot(ts, family, peer, id);
	t->next_id = *slot;
	*slot = t;
	slot = orig_slot(ts, family, peer, orig_id, mark);
	t->next_orig = *slot;
	*slot = t;
	ts->count[v6]++;
	return t;
}

/*
 * An ID no tunnel of @peer has, from the upper half: the output rules
 * look for a translation only there, so untranslated tunnels with small
 * IDs (Windows, Apple) skip that lookup.
 */
static int pick_id(struct tunnels *ts, int family, const void *peer)
{
	unsigned int i, id;

	for (i = 0; i < PICK_TRIES; i++) {
		/* xorshift32: cheap, and IDs need not be unpredictable */
		ts->rnd ^= ts->rnd << 13;
		ts->rnd ^= ts->rnd >> 17;
		ts->rnd ^= ts->rnd << 5;
		id = PICK_LOW + ts->rnd % (0x10000 - PICK_LOW);
		if (!tunnels_find(ts, family, peer, (uint16_t)id))
			return (int)id;
	}
	return -EADDRINUSE;
}

int tunnels_assign(struct tunnels *ts, int family, const void *peer,
		   uint16_t orig_id, uint32_t mark, int may_translate,
		   struct tunnel_assign *out)
{
	struct tunnel *t;
	int id = orig_id;

	memset(out, 0, sizeof(*out));
	t = find_orig(ts, family, peer, orig_id, mark);
	if (!t) {
		if (ts->per_mark && tunnels_of_mark(ts, mark) >= ts->per_mark)
			return -EDQUOT;
		/* held by another SA's tunnel (or this SA's, translated) */
		if (tunnels_find(ts, family, peer, orig_id))
			id = may_translate ? pick_id(ts, family, peer) :
			     -EEXIST;
		if (id < 0)
			return id;
		t = add(ts, family, peer, (uint16_t)id, orig_id, mark);
		if (!t)
			return -ENOSPC;
		out->is_new = 1;
	}
	out->t = t;
	out->translated = t->id != t->orig_id;
	return 0;
}

void tunnels_sweep_begin(struct tunnels *ts)
{
	ts->sweep++;
}

int tunnels_seen(struct tunnels *ts, int family, const void *peer,
		 uint16_t id, uint16_t orig_id, uint32_t mark)
{
	struct tunnel *t = (struct tunnel *)tunnels_find(ts, family, peer, id);

	if (t) {
		t->sweep = ts->sweep;
		return 0;
	}
	return add(ts, family, peer, id, orig_id, mark) ? 0 : -ENOSPC;
}

static void unlink_orig(struct tunnels *ts, struct tunnel *t)
{
	struct tunnel **p = orig_slot(ts, t->family, &t->peer, t->orig_id,
				      t->mark);

	while (*p != t)
		p = &(*p)->next_orig;
	*p = t->next_orig;
}

/* What is left once @t is off the by_id chain. */
static void forget(struct tunnels *ts, struct tunnel *t)
{
	unlink_orig(ts, t);
	unlink_lns(ts, t);
	count_mark(ts, t->mark, -1);
	ts->count[t->family == AF_INET6]--;
	free(t);
}

void tunnels_remove(struct tunnels *ts, struct tunnel *t)
{
	struct tunnel **p = id_slot(ts, t->family, &t->peer, t->id);

	while (*p != t)
		p = &(*p)->next_id;
	*p = t->next_id;
	forget(ts, t);
}

unsigned int tunnels_sweep_end(struct tunnels *ts)
{
	unsigned int gone = 0;
	size_t i;

	for (i = 0; i <= ts->mask; i++) {
		struct tunnel **p = &ts->by_id[i];

		while (*p) {
			struct tunnel *t = *p;

			/* listed, or added since the listing began */
			if (t->sweep == ts->sweep) {
				p = &t->next_id;
				continue;
			}
			*p = t->next_id;
			forget(ts, t);
			gone++;
		}
	}
	return gone;
}
