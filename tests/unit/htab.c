// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chained hash table (src/base/htab.c): add, find, delete, entries that
 * share a bucket, growth, a walk that deletes, and the free.
 */
#include "base/htab.h"
#include "unit.h"

struct item {
	struct hent h;
	unsigned int val;
};

#define N_ITEMS	1000

static struct item items[N_ITEMS];

static void set_key(struct item *it, unsigned int k)
{
	memset(&it->h, 0, sizeof(it->h));
	memcpy(it->h.key, "key", 3);
	it->h.key[HTAB_KEY - 4] = (uint8_t)(k >> 24);
	it->h.key[HTAB_KEY - 3] = (uint8_t)(k >> 16);
	it->h.key[HTAB_KEY - 2] = (uint8_t)(k >> 8);
	it->h.key[HTAB_KEY - 1] = (uint8_t)k;
	it->val = k;
}

static int found(const struct htab *t, const struct item *it)
{
	return htab_find(t, it->h.key) == &it->h;
}

struct walk {
	unsigned int n, sum;
	struct htab *t;
};

static void count_one(struct hent *e, void *arg)
{
	struct walk *w = arg;

	w->n++;
	w->sum += ((struct item *)e)->val;
}

static void del_odd(struct hent *e, void *arg)
{
	struct walk *w = arg;
	struct item *it = (struct item *)e;

	w->n++;
	if (it->val & 1) {
		htab_del(w->t, e);
		memset(it, 0xa5, sizeof(*it));	/* as if freed */
	}
}

/* Three keys that fall in one bucket of @nb. */
static void same_bucket(struct htab *t, struct item *c, size_t nb)
{
	unsigned int k, n = 0;
	uint32_t bucket = 0;

	for (k = 0x10000; n < 3; k++) {
		set_key(&c[n], k);
		htab_add(t, &c[n].h);	/* only for its hash */
		htab_del(t, &c[n].h);
		if (!n)
			bucket = c[0].h.hash & (uint32_t)(nb - 1);
		if ((c[n].h.hash & (nb - 1)) == bucket)
			n++;
	}
}

static void test_htab_basic(void)
{
	struct htab t = { 0 };
	struct item a, other, c[3];
	struct hent *e;
	unsigned int len = 0;

	set_key(&a, 1);
	set_key(&other, 2);
	CHECK("htab: empty finds nothing", !htab_find(&t, a.h.key));
	CHECK("htab: add", htab_add(&t, &a.h) == 0 && t.n == 1 && t.nb == 64);
	CHECK("htab: find", found(&t, &a));
	memcpy(other.h.key, a.h.key, HTAB_KEY);
	CHECK("htab: the same key finds the entry",
	      htab_find(&t, other.h.key) == &a.h);
	other.h.key[HTAB_KEY - 1] = 2;
	CHECK("htab: the last byte counts", !htab_find(&t, other.h.key));
	htab_del(&t, &other.h);
	CHECK("htab: deleting an entry not in it changes nothing",
	      t.n == 1 && found(&t, &a));
	htab_del(&t, &a.h);
	CHECK("htab: deleted", t.n == 0 && !htab_find(&t, a.h.key));

	same_bucket(&t, c, t.nb);
	CHECK("htab: three keys in one bucket",
	      !htab_add(&t, &c[0].h) && !htab_add(&t, &c[1].h) &&
	      !htab_add(&t, &c[2].h) && t.n == 3 && t.nb == 64);
	for (e = t.b[c[0].h.hash & (t.nb - 1)]; e; e = e->next)
		len++;
	CHECK("htab: chained in that bucket, each found", len == 3 &&
	      found(&t, &c[0]) && found(&t, &c[1]) && found(&t, &c[2]));
	htab_del(&t, &c[1].h);		/* the middle of the chain */
	CHECK("htab: the middle of a chain deleted", t.n == 2 &&
	      !htab_find(&t, c[1].h.key) && found(&t, &c[0]) &&
	      found(&t, &c[2]));
	htab_del(&t, &c[2].h);		/* its head */
	CHECK("htab: the head of a chain deleted", t.n == 1 &&
	      !htab_find(&t, c[2].h.key) && found(&t, &c[0]));
	htab_del(&t, &c[0].h);
	CHECK("htab: the last deleted, the bucket empty", t.n == 0 &&
	      !t.b[c[0].h.hash & (t.nb - 1)]);
	htab_free(&t);
	CHECK("htab: freed", !t.b && !t.nb && !t.n &&
	      !htab_find(&t, a.h.key));
}

static void test_htab_grow(void)
{
	struct htab t = { 0 };
	struct walk w = { 0, 0, &t };
	unsigned int i, ok = 1, sum = 0;
	size_t nb64 = 0;

	for (i = 0; i < N_ITEMS; i++) {
		set_key(&items[i], i);
		ok &= !htab_add(&t, &items[i].h);
		if (i == 63)
			nb64 = t.nb;
		sum += i;
	}
	CHECK("htab: a thousand added", ok && t.n == N_ITEMS);
	CHECK("htab: doubled as entries reach the buckets", nb64 == 64 &&
	      t.nb == 1024);
	for (i = 0; i < N_ITEMS; i++)
		ok &= found(&t, &items[i]);
	CHECK("htab: each found after growing", ok);

	htab_each(&t, count_one, &w);
	CHECK("htab: the walk sees each once", w.n == N_ITEMS && w.sum == sum);
	w.n = 0;
	htab_each(&t, del_odd, &w);
	CHECK("htab: a walk that deletes sees each once", w.n == N_ITEMS &&
	      t.n == N_ITEMS / 2);
	for (i = 0; i < N_ITEMS; i += 2)
		ok &= found(&t, &items[i]);
	for (i = 1; i < N_ITEMS; i += 2) {
		set_key(&items[i], i);
		ok &= !htab_find(&t, items[i].h.key);
	}
	CHECK("htab: the others kept, the deleted gone", ok);
	CHECK("htab: a deleted one added again",
	      !htab_add(&t, &items[1].h) && found(&t, &items[1]) &&
	      t.n == N_ITEMS / 2 + 1);
	htab_free(&t);
	CHECK("htab: add after a free", !htab_add(&t, &items[3].h) &&
	      t.nb == 64 && found(&t, &items[3]));
	htab_free(&t);
}

void test_htab(void)
{
	test_htab_basic();
	test_htab_grow();
}
