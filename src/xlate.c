// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tunnel IDs and their map elements (see xlate.h): the decisions are
 * tunnels.c's, the kernel side tmap.c's; here the packet is changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "bytes.h"
#include "log.h"
#include "tmap.h"
#include "tunnels.h"
#include "xlate.h"

struct xlate_stats {
	uint64_t translated;	/* SCCRQs given another ID */
	uint64_t stopccn;	/* StopCCNs given the daemon's ID back */
	uint64_t cut;		/* would need a rewrite, not held whole */
	uint64_t late;		/* would need a rewrite, mark too late */
	uint64_t kept;		/* would need a rewrite: --no-translate */
	uint64_t full;		/* no room for another tunnel */
	uint64_t swept;		/* tunnels forgotten by sweeps */
};

struct xlate {
	int translate;		/* 0: --no-translate */
	struct tunnels ts;
	struct tmap *tmap;
	unsigned int sweep_sec;
	time_t next_sweep;
	struct ratelimit warn_rl;
	struct xlate_stats stats;
};

int xlate_open(struct xlate **out, struct nft *nft, unsigned int max,
	       unsigned int sweep_sec, int translate)
{
	struct xlate *x = calloc(1, sizeof(*x));
	int ret = -ENOMEM;

	if (!x || tunnels_init(&x->ts, max)) {
		log_warnx("no memory for %u tunnels", max);
		goto err_free;
	}
	ret = tmap_open(&x->tmap, nft);
	if (ret)
		goto err_tunnels;
	x->sweep_sec = sweep_sec ? sweep_sec : 1;
	x->translate = translate;
	x->warn_rl = (struct ratelimit)RATELIMIT_INIT("translation", 5, 60);
	/* elements already in the table: a table that was kept */
	tmap_list(x->tmap, &x->ts);
	x->next_sweep = mono_sec() + (time_t)x->sweep_sec;
	*out = x;
	return 0;

err_tunnels:
	tunnels_free(&x->ts);
err_free:
	free(x);
	return ret;
}

/* Write @id at @off in the L2TP message of @pkt, and the UDP checksum. */
static void rewrite(struct queue_pkt *pkt, const struct pkt_udp *u,
		    size_t off, uint16_t id)
{
	uint8_t *l2tp = pkt->data + (u->payload - pkt->data);

	put_be16(l2tp + off, id);
	/* after NAT-T the old checksum was over the client's private
	 * address already; the kernel checks the new one */
	pkt_udp_checksum(u, l2tp - 8);
	pkt->rewritten = 1;
}

static void warn_untranslated(struct xlate *x, const struct pkt_udp *u,
			      uint16_t id, const char *why)
{
	char addr[INET6_ADDRSTRLEN];

	if (!log_ratelimit(&x->warn_rl))
		return;
	inet_ntop(u->family, &u->saddr, addr, sizeof(addr));
	log_warnx("SCCRQ from %s tunnel %u: another SA's tunnel has this ID "
		  "and %s: it gets no return-path mark", addr, id, why);
}

int xlate_sccrq(struct xlate *x, struct queue_pkt *pkt,
		const struct pkt_udp *u, const struct l2tp_sccrq *s,
		uint32_t mark, int late, struct xlate_result *res)
{
	int whole = pkt && pkt->caplen == pkt->len && !late;
	struct tunnel_assign a;
	int ret;

	ret = tunnels_assign(&x->ts, u->family, &u->saddr, s->tunnel_id, mark,
			     whole && x->translate, &a);
	if (ret == -EEXIST) {
		if (!x->translate)
			x->stats.kept++;
		else if (late)
			x->stats.late++;
		else
			x->stats.cut++;
		warn_untranslated(x, u, s->tunnel_id, !x->translate ?
				  "--no-translate keeps the IDs" : late ?
				  "its mark came after the verdict" :
				  "the queue did not copy it whole");
		return ret;
	}
	if (ret) {
		x->stats.full++;
		if (ret == -EADDRINUSE)
			warn_untranslated(x, u, s->tunnel_id, "this address "
					  "has no free tunnel ID left");
		else if (log_ratelimit(&x->warn_rl))
			log_warnx("no room for another tunnel (%u per address "
				  "family, %llu refused so far): raise "
				  "--tunnel-marks-max", x->ts.max,
				  (unsigned long long)x->stats.full);
		return ret;
	}
	if (a.is_new)
		tmap_add(x->tmap, a.t);
	else
		tmap_refresh(x->tmap, a.t);
	res->id = a.t->id;
	res->translated = a.translated;
	if (a.translated && !late) {
		rewrite(pkt, u, s->tunnel_id_off, a.t->id);
		x->stats.translated++;
	}
	return 0;
}

void xlate_stopccn(struct xlate *x, struct queue_pkt *pkt,
		   const struct pkt_udp *u, const struct l2tp_stopccn *s,
		   uint32_t mark)
{
	const struct tunnel *t;

	t = tunnels_find_orig(&x->ts, u->family, &u->saddr, s->assigned_id,
			      mark);
	if (!t || t->id == t->orig_id || pkt->caplen != pkt->len)
		return;
	rewrite(pkt, u, s->assigned_id_off, t->id);
	x->stats.stopccn++;
}

void xlate_commit(struct xlate *x)
{
	if (x)
		tmap_commit(x->tmap);
}

void xlate_tick(struct xlate *x)
{
	time_t t;

	if (!x)
		return;
	t = mono_sec();
	if (t < x->next_sweep)
		return;
	x->next_sweep = t + (time_t)x->sweep_sec;
	tunnels_sweep_begin(&x->ts);
	if (tmap_list(x->tmap, &x->ts) == 0)
		x->stats.swept += tunnels_sweep_end(&x->ts);
}

void xlate_log_stats(const struct xlate *x)
{
	if (!x)
		return;
	log_info("tunnels: %u IPv4, %u IPv6; translated %llu, StopCCNs "
		 "translated %llu, not translatable %llu (not whole %llu, "
		 "mark too late %llu, --no-translate %llu), no room %llu, "
		 "expired %llu",
		 tunnels_count(&x->ts, 0), tunnels_count(&x->ts, 1),
		 (unsigned long long)x->stats.translated,
		 (unsigned long long)x->stats.stopccn,
		 (unsigned long long)(x->stats.cut + x->stats.late +
				      x->stats.kept),
		 (unsigned long long)x->stats.cut,
		 (unsigned long long)x->stats.late,
		 (unsigned long long)x->stats.kept,
		 (unsigned long long)x->stats.full,
		 (unsigned long long)x->stats.swept);
	tmap_log_stats(x->tmap);
}

void xlate_close(struct xlate *x)
{
	if (!x)
		return;
	tmap_close(x->tmap);
	tunnels_free(&x->ts);
	free(x);
}
