/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_XFRM_DB_H
#define L2TP_NFQD_XFRM_DB_H

/* What xfrm_db.c (policies) and xfrm_db_sa.c (SAs) share.  Not an API. */
#include "htab.h"
#include "xfrm.h"

#define KEY_MAX		HTAB_KEY

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

struct ent *db_find(const struct htab *t, const uint8_t *key);
struct ent *db_insert(struct htab *t, const uint8_t *key);
void db_unlink(struct htab *t, struct ent *e);
void db_emit(struct xfrm_db *db, const struct sa_op *op);
/* A counted element (reqid, ESP key) of table @t. */
int db_ref(struct xfrm_db *db, int t, const uint8_t *key,
	   const struct sa_op *add);
void db_unref(struct xfrm_db *db, int t, const uint8_t *key,
	      const struct sa_op *del);
/* The SAs (xfrm_db_sa.c). */
int db_sa_set(struct xfrm_db *db, const struct xfrm_sa *sa);
void db_sa_del(struct xfrm_db *db, const struct xfrm_sa *sa);
void db_sa_remove(struct xfrm_db *db, struct ent *s);

#endif
