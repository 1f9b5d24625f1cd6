// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A small chained hash table (see htab.h): FNV-1a over the key, a power
 * of two buckets, doubled when there are as many entries.  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/htab.h"

#define BUCKETS_MIN	64

static uint32_t hash_key(const uint8_t *k)
{
	return fnv_bytes(FNV_BASIS, k, HTAB_KEY);
}

struct hent *htab_find(const struct htab *t, const void *key)
{
	uint32_t h = hash_key(key);
	struct hent *e;

	if (!t->nb)
		return NULL;
	for (e = t->b[h & (t->nb - 1)]; e; e = e->next)
		if (e->hash == h && !memcmp(e->key, key, HTAB_KEY))
			return e;
	return NULL;
}

static int grow(struct htab *t)
{
	size_t nb = t->nb ? 2 * t->nb : BUCKETS_MIN, i;
	struct hent **b = calloc(nb, sizeof(*b)), *e, *next;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < t->nb; i++) {
		for (e = t->b[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

int htab_add(struct htab *t, struct hent *e)
{
	if (t->n >= t->nb && grow(t))
		return -ENOMEM;
	e->hash = hash_key(e->key);
	e->next = t->b[e->hash & (t->nb - 1)];
	t->b[e->hash & (t->nb - 1)] = e;
	t->n++;
	return 0;
}

void htab_del(struct htab *t, struct hent *e)
{
	struct hent **p = &t->b[e->hash & (t->nb - 1)];

	while (*p && *p != e)
		p = &(*p)->next;
	if (!*p)
		return;
	*p = e->next;
	t->n--;
}

void htab_each(struct htab *t, void (*fn)(struct hent *e, void *arg),
	       void *arg)
{
	struct hent *e, *next;
	size_t i;

	for (i = 0; i < t->nb; i++) {
		for (e = t->b[i]; e; e = next) {
			next = e->next;
			fn(e, arg);
		}
	}
}

void htab_free(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}
