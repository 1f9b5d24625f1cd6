/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_HTAB_H
#define L2TP_NFQD_HTAB_H

#include <stddef.h>
#include <stdint.h>

/*
 * A hash table of entries that start with a struct hent, keyed by its
 * fixed-size key (zero-padded by the caller).  Pure; it never frees an
 * entry, the caller does.
 */
#define HTAB_KEY	32

struct hent {
	struct hent *next;
	uint32_t hash;
	uint8_t key[HTAB_KEY];
};

struct htab {
	struct hent **b;
	size_t nb, n;
};

struct hent *htab_find(const struct htab *t, const void *key);
/* Add @e, whose key is set and not in @t yet: 0 or -ENOMEM. */
int htab_add(struct htab *t, struct hent *e);
void htab_del(struct htab *t, struct hent *e);
/* Call @fn for each entry; @fn may delete (and free) the one it gets. */
void htab_each(struct htab *t, void (*fn)(struct hent *e, void *arg),
	       void *arg);
/* Free the buckets (the entries are the caller's: htab_each first). */
void htab_free(struct htab *t);

#endif
