// SPDX-License-Identifier: GPL-2.0-or-later
/* The tunnel ID namespace (src/tunnel/tunnels.c): who gets translated, when. */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "wire/l2tp.h"
#include "tunnel/tunnels.h"
#include "unit.h"

static const uint8_t nat[4] = { 203, 0, 113, 1 }, other[4] = { 203, 0, 113, 9 };
static const uint8_t nat6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

static uint16_t assign(struct tunnels *ts, const void *peer, uint16_t orig,
		       uint32_t mark, struct tunnel_assign *a)
{
	if (tunnels_assign(ts, AF_INET, peer, orig, mark, 1, a))
		return 0;
	return a->t->id;
}

static void test_tunnels_assign(void)
{
	struct tunnel_assign a, b;
	struct tunnels ts;
	uint16_t id1, id2, id3, id4;

	tunnels_init(&ts, 100, 0);
	id1 = assign(&ts, nat, 1, 0x10, &a);
	CHECK("tunnels: first client keeps its ID", id1 == 1 && a.is_new &&
	      !a.translated);
	id2 = assign(&ts, nat, 1, 0x20, &a);
	CHECK("tunnels: second SA, same address and ID: translated",
	      id2 != 1 && id2 >= 0x8000 && a.is_new && a.translated &&
	      a.t->orig_id == 1 && a.t->mark == 0x20);
	CHECK("tunnels: retransmission gets the same ID, nothing new",
	      assign(&ts, nat, 1, 0x20, &b) == id2 && !b.is_new &&
	      b.translated);
	CHECK("tunnels: first client's retransmission too",
	      assign(&ts, nat, 1, 0x10, &b) == 1 && !b.is_new);
	id3 = assign(&ts, nat, 1, 0x30, &a);
	id4 = assign(&ts, nat, 1, 0x40, &a);
	CHECK("tunnels: four SAs with ID 1: four distinct IDs",
	      id3 && id4 && id3 != id2 && id4 != id2 && id3 != id4 &&
	      id3 != 1 && id4 != 1);
	CHECK("tunnels: another address is another namespace",
	      assign(&ts, other, 1, 0x50, &a) == 1 && !a.translated);
	CHECK("tunnels: the port is not part of the key (same SA, ID 2)",
	      assign(&ts, nat, 2, 0x10, &a) == 2 && !a.translated);
	CHECK("tunnels: a random ID that hits a translated one is translated",
	      assign(&ts, nat, id2, 0x60, &a) != id2 && a.translated);
	CHECK("tunnels: a collision that may not be translated",
	      tunnels_assign(&ts, AF_INET, nat, 1, 0x70, 0, &b) == -EEXIST);
	CHECK("tunnels: find by the daemon's ID and by the peer's",
	      tunnels_find(&ts, AF_INET, nat, id2) &&
	      tunnels_find(&ts, AF_INET, nat, id2)->mark == 0x20 &&
	      tunnels_find_orig(&ts, AF_INET, nat, 1, 0x20) &&
	      tunnels_find_orig(&ts, AF_INET, nat, 1, 0x20)->id == id2 &&
	      !tunnels_find_orig(&ts, AF_INET, nat, 1, 0x99));
	CHECK("tunnels: IPv6 separate, counted apart",
	      !tunnels_assign(&ts, AF_INET6, nat6, 1, 0x10, 1, &a) &&
	      a.t->id == 1 && tunnels_count(&ts, 1) == 1 &&
	      tunnels_count(&ts, 0) == 7);
	tunnels_free(&ts);

	tunnels_init(&ts, 2, 0);
	assign(&ts, nat, 1, 1, &a);
	assign(&ts, nat, 2, 1, &a);
	CHECK("tunnels: full", tunnels_assign(&ts, AF_INET, nat, 3, 1, 1, &a) ==
	      -ENOSPC);
	tunnels_free(&ts);
}

static void test_tunnels_sweep(void)
{
	struct tunnel_assign a;
	struct tunnels ts;
	uint16_t id2;

	tunnels_init(&ts, 100, 0);
	assign(&ts, nat, 1, 0x10, &a);
	id2 = assign(&ts, nat, 1, 0x20, &a);
	assign(&ts, nat, 7, 0x30, &a);
	tunnels_sweep_begin(&ts);
	tunnels_seen(&ts, AF_INET, nat, id2, 1, 0x20);
	assign(&ts, nat, 9, 0x40, &a);	/* added while the listing runs */
	CHECK("tunnels: sweep forgets what the kernel no longer has",
	      tunnels_sweep_end(&ts) == 2 &&
	      !tunnels_find(&ts, AF_INET, nat, 1) &&
	      !tunnels_find_orig(&ts, AF_INET, nat, 7, 0x30));
	CHECK("tunnels: sweep keeps what was listed or added meanwhile",
	      tunnels_find(&ts, AF_INET, nat, id2) &&
	      tunnels_find(&ts, AF_INET, nat, 9) && tunnels_count(&ts, 0) == 2);
	CHECK("tunnels: an ID freed by the sweep is the peer's own again",
	      assign(&ts, nat, 1, 0x50, &a) == 1 && !a.translated);
	tunnels_sweep_begin(&ts);
	tunnels_seen(&ts, AF_INET, other, 0x8123, 3, 0x60);
	tunnels_sweep_end(&ts);
	CHECK("tunnels: a listed tunnel not known yet is adopted",
	      tunnels_find_orig(&ts, AF_INET, other, 3, 0x60) &&
	      tunnels_find(&ts, AF_INET, other, 0x8123)->orig_id == 3 &&
	      tunnels_count(&ts, 0) == 1);
	tunnels_free(&ts);
}

/* One SA cannot take what its neighbours need. */
static void test_tunnels_limits(void)
{
	struct tunnel_assign a;
	struct tunnels ts;
	unsigned int i, id;
	int ret = 0;

	tunnels_init(&ts, 100, 3);
	for (i = 1; i <= 3; i++)
		ret |= tunnels_assign(&ts, AF_INET, nat, (uint16_t)i, 0x10, 1,
				      &a);
	CHECK("tunnels: a mark's quota is taken", !ret &&
	      tunnels_of_mark(&ts, 0x10) == 3);
	CHECK("tunnels: one more from that mark is refused",
	      tunnels_assign(&ts, AF_INET, nat, 4, 0x10, 1, &a) == -EDQUOT);
	CHECK("tunnels: over quota, a retransmission still gets its ID",
	      !tunnels_assign(&ts, AF_INET, nat, 2, 0x10, 1, &a) &&
	      a.t->id == 2 && !a.is_new);
	CHECK("tunnels: a neighbour is not affected",
	      !tunnels_assign(&ts, AF_INET, nat, 4, 0x20, 1, &a) &&
	      a.t->id == 4);
	tunnels_remove(&ts, (struct tunnel *)tunnels_find(&ts, AF_INET, nat,
							  1));
	CHECK("tunnels: a removed tunnel is gone and frees its quota",
	      !tunnels_find(&ts, AF_INET, nat, 1) &&
	      !tunnels_find_orig(&ts, AF_INET, nat, 1, 0x10) &&
	      tunnels_of_mark(&ts, 0x10) == 2 && tunnels_count(&ts, 0) == 3 &&
	      !tunnels_assign(&ts, AF_INET, nat, 5, 0x10, 1, &a));
	tunnels_sweep_begin(&ts);
	tunnels_seen(&ts, AF_INET, other, 9, 9, 0x10);
	tunnels_sweep_end(&ts);
	CHECK("tunnels: what the kernel holds is kept over the quota",
	      tunnels_find(&ts, AF_INET, other, 9) &&
	      tunnels_of_mark(&ts, 0x10) == 1 && tunnels_of_mark(&ts, 0x20) == 0);
	tunnels_free(&ts);

	/* every ID of the upper half taken for one address: no scan */
	tunnels_init(&ts, 70000, 0);
	for (id = L2TP_XLATE_MIN; id < 0x10000; id++)
		ret |= tunnels_seen(&ts, AF_INET, nat, (uint16_t)id,
				    (uint16_t)id, 0x30);
	ret |= tunnels_assign(&ts, AF_INET, nat, 1, 0x40, 1, &a);
	CHECK("tunnels: upper half full, ID 1 free: no translation needed",
	      !ret && a.t->id == 1);
	CHECK("tunnels: upper half full: a collision finds no free ID",
	      tunnels_assign(&ts, AF_INET, nat, 1, 0x41, 1, &a) ==
	      -EADDRINUSE);
	CHECK("tunnels: another address still gets one",
	      !tunnels_assign(&ts, AF_INET, other, 1, 0x41, 1, &a));
	tunnels_free(&ts);
}

/* The L2TP daemon's own IDs: one tunnel per (peer, ID). */
static void test_tunnels_lns(void)
{
	struct tunnel_assign a, b;
	struct tunnels ts;

	tunnels_init(&ts, 100, 0);
	tunnels_assign(&ts, AF_INET, nat, 1, 0x10, 1, &a);
	tunnels_assign(&ts, AF_INET, nat, 1, 0x20, 1, &b);
	tunnels_bind_lns(&ts, a.t, 0xa01);
	CHECK("lns: found by the peer and the L2TP daemon's ID",
	      tunnels_find_lns(&ts, AF_INET, nat, 0xa01) == a.t &&
	      !tunnels_find_lns(&ts, AF_INET, other, 0xa01) &&
	      !tunnels_find_lns(&ts, AF_INET, nat, 0xa02));
	tunnels_bind_lns(&ts, a.t, 0xa02);
	CHECK("lns: bound again, the old ID is free",
	      !tunnels_find_lns(&ts, AF_INET, nat, 0xa01) &&
	      tunnels_find_lns(&ts, AF_INET, nat, 0xa02) == a.t);
	tunnels_bind_lns(&ts, a.t, 0);
	tunnels_bind_lns(&ts, b.t, 0xa02);
	CHECK("lns: taken over by another tunnel",
	      tunnels_find_lns(&ts, AF_INET, nat, 0xa02) == b.t &&
	      a.t->lns_id == 0);
	tunnels_remove(&ts, b.t);
	CHECK("lns: a removed tunnel's ID is gone",
	      !tunnels_find_lns(&ts, AF_INET, nat, 0xa02));
	tunnels_bind_lns(&ts, a.t, 0xa03);
	tunnels_sweep_begin(&ts);
	tunnels_sweep_end(&ts);
	CHECK("lns: and a swept one's", !tunnels_find_lns(&ts, AF_INET, nat,
							  0xa03));
	tunnels_free(&ts);
}

void test_tunnels(void)
{
	test_tunnels_lns();
	test_tunnels_assign();
	test_tunnels_sweep();
	test_tunnels_limits();
}
