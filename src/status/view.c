// SPDX-License-Identifier: GPL-2.0-or-later
/* The status view's arrays (see view.h).  Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/grow.h"
#include "base/hash.h"
#include "status/view.h"

static size_t hash(const struct st_view *v, int family, const void *peer,
		   uint16_t id)
{
	uint32_t h = fnv_bytes(FNV_BASIS ^ (uint32_t)family, peer,
			       addr_len(family));

	return fnv_word(h, id) & (v->nbuckets - 1);
}

#define NONE	((size_t)-1)

/* Index every tunnel again, in twice as many buckets (each bucket
 * count also bounds the tunnels' chain links). */
static int reindex(struct st_view *v)
{
	size_t n = v->nbuckets ? 2 * v->nbuckets : 256, i, h;
	size_t *b = malloc(n * sizeof(*b)), *next;

	next = b ? realloc(v->next, n * sizeof(*next)) : NULL;
	if (!next) {
		free(b);
		return -ENOMEM;
	}
	free(v->bucket);
	v->bucket = b;
	v->next = next;
	v->nbuckets = n;
	for (i = 0; i < n; i++)
		b[i] = NONE;
	for (i = 0; i < v->n; i++) {
		h = hash(v, v->t[i].family, &v->t[i].peer, v->t[i].id);
		next[i] = b[h];
		b[h] = i;
	}
	return 0;
}

struct st_tunnel *st_tunnel_find(struct st_view *v, int family,
				 const void *peer, uint16_t id)
{
	size_t i;

	if (!v->nbuckets)
		return NULL;
	for (i = v->bucket[hash(v, family, peer, id)]; i != NONE;
	     i = v->next[i])
		if (v->t[i].family == family && v->t[i].id == id &&
		    !memcmp(&v->t[i].peer, peer, addr_len(family)))
			return &v->t[i];
	return NULL;
}

struct st_tunnel *st_tunnel_get(struct st_view *v, int family,
				const void *peer, uint16_t id)
{
	struct st_tunnel *t = st_tunnel_find(v, family, peer, id), *p;
	size_t h;

	if (t)
		return t;
	p = grow(v->t, &v->cap, v->n, sizeof(*p));
	if (!p)
		return NULL;
	v->t = p;
	if (2 * (v->n + 1) > v->nbuckets && reindex(v))
		return NULL;
	t = &v->t[v->n];
	memset(t, 0, sizeof(*t));
	t->family = family;
	memcpy(&t->peer, peer, addr_len(family));
	t->id = id;
	t->orig_id = id;
	t->port = t->age = t->idle = ST_UNKNOWN;
	h = hash(v, family, peer, id);
	v->next[v->n] = v->bucket[h];
	v->bucket[h] = v->n++;
	return t;
}

int st_counter_add(struct st_view *v, const char *name, const char *labels,
		   uint64_t value)
{
	struct st_counter *p = grow(v->counters, &v->counters_cap,
				    v->ncounters, sizeof(*p));

	if (!p)
		return -ENOMEM;
	v->counters = p;
	p = &v->counters[v->ncounters++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->labels, sizeof(p->labels), "%s", labels ? labels : "");
	p->value = value;
	return 0;
}

int st_option_add(struct st_view *v, const char *name, const char *value)
{
	struct st_option *p = grow(v->opts, &v->opts_cap, v->nopts,
				   sizeof(*p));

	if (!p)
		return -ENOMEM;
	v->opts = p;
	p = &v->opts[v->nopts++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->value, sizeof(p->value), "%s", value);
	return 0;
}

void st_view_free(struct st_view *v)
{
	free(v->t);
	free(v->bucket);
	free(v->next);
	free(v->counters);
	free(v->opts);
	memset(v, 0, sizeof(*v));
}
