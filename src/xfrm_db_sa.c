// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SA half of xfrm_db.c: an SA that has a mark and carries plain ESP
 * or ESP in UDP in transport mode needs its packets marked before ESP
 * looks it up, so it gives an element (peer address, its NAT-T port or
 * none, SPI) -> mark.  Outbound SAs give one too, keyed by our own
 * address: no packet matches it, and nothing says an SA's direction on
 * every kernel.  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include "xfrm_db.h"

static void esp_key(uint8_t *key, const struct sa_op *op)
{
	memset(key, 0, KEY_MAX);
	memcpy(key, &op->family, 2);
	memcpy(key + 2, &op->sport, 2);
	memcpy(key + 4, &op->spi, 4);
	memcpy(key + 8, op->saddr, 16);
}

static int esp_ref(struct xfrm_db *db, const struct sa_op *op)
{
	uint8_t key[KEY_MAX];
	struct sa_op add = *op;

	esp_key(key, op);
	add.kind = SA_ESP_ADD;
	return db_ref(db, T_ESP, key, &add);
}

static void esp_unref(struct xfrm_db *db, const struct sa_op *op)
{
	uint8_t key[KEY_MAX];
	struct sa_op del = *op;

	esp_key(key, op);
	del.kind = SA_ESP_DEL;
	db_unref(db, T_ESP, key, &del);
}

void db_sa_remove(struct xfrm_db *db, struct ent *s)
{
	if (s->has_esp)
		esp_unref(db, &s->esp);
	db_unlink(&db->t[T_SA], s);
}

/*
 * The kernel's key of an SA: destination, SPI, protocol, and the mark
 * it is looked up with.  One that has a mark and carries plain ESP or
 * ESP in UDP in transport mode needs its packets marked to be found.
 */
static void sa_key(uint8_t *key, const struct xfrm_sa *sa)
{
	memset(key, 0, KEY_MAX);
	memcpy(key, &sa->family, 2);
	key[2] = sa->proto;
	memcpy(key + 4, &sa->spi, 4);
	memcpy(key + 8, sa->daddr, 16);
	memcpy(key + 24, &sa->mark, 4);
	memcpy(key + 28, &sa->mask, 4);
}

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

int db_sa_set(struct xfrm_db *db, const struct xfrm_sa *sa)
{
	uint8_t key[KEY_MAX];
	struct sa_op op;
	struct ent *e;
	int counts = sa_counts(sa, &op), r;

	sa_key(key, sa);
	e = db_find(&db->t[T_SA], key);
	if (e && counts && e->has_esp && !memcmp(&e->esp, &op, sizeof(op))) {
		e->gen = db->gen;
		return 0;
	}
	if (e)
		db_sa_remove(db, e);
	if (!counts)
		return 0;
	e = db_insert(&db->t[T_SA], key);
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

void db_sa_del(struct xfrm_db *db, const struct xfrm_sa *sa)
{
	uint8_t key[KEY_MAX];
	struct ent *e;

	sa_key(key, sa);
	e = db_find(&db->t[T_SA], key);
	if (e)
		db_sa_remove(db, e);
}

