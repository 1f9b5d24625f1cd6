// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tunnel IDs and their map elements (see xlate.h): the decisions are
 * tunnels.c's, the kernel side tmap.c's; here the packet is changed, and
 * a tunnel whose elements the kernel refused is undone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "log.h"
#include "tmap.h"
#include "tunnels.h"
#include "xlate.h"

/* New tunnels whose elements are not committed yet: at most a batch's
 * SCCRQs, as each batch ends with a commit. */
#define XLATE_UNCOMMITTED	(2 * QUEUE_BATCH)

static const char *const refusal_names[XR_MAX] = {
	[XR_NONE] = "none",
	[XR_TAKEN] = "ID taken (--no-translate)",
	[XR_FULL] = "map full",
	[XR_QUOTA] = "quota",
	[XR_NO_ID] = "no free ID",
	[XR_NOT_WHOLE] = "not whole",
	[XR_UNCOMMITTED] = "not committed",
};

struct xlate_stats {
	uint64_t bound;		/* tunnels bound inbound (SCCRPs) */
	uint64_t replaced;	/* of which took an ID over from another */
	uint64_t unbound;	/* SCCRPs of tunnels the daemon did not bind */
	uint64_t bind_failed;	/* SCCRPs dropped: binding not committed */
	uint64_t translated;	/* SCCRQs given another ID */
	uint64_t stopccn;	/* StopCCNs given the daemon's ID back */
	uint64_t refused[XR_MAX];	/* SCCRQs dropped, by reason */
	uint64_t swept;		/* tunnels forgotten by sweeps */
};

struct xlate {
	struct xlate_cfg cfg;
	struct tunnels ts;
	struct tmap *tmap;
	time_t next_sweep;
	struct ratelimit warn_rl;
	struct xlate_stats stats;
	/* new tunnels and bindings, and the packets that wait for their
	 * elements */
	unsigned int nnew;
	struct {
		struct tunnel *t;
		struct queue_pkt *pkt;
		int binding;	/* an SCCRP: the tunnel stays if it fails */
		int failed;
	} fresh[XLATE_UNCOMMITTED];
};

static void elem_failed(void *tag, void *data)
{
	struct xlate *x = data;
	unsigned int i;

	for (i = 0; i < x->nnew; i++)
		if (x->fresh[i].t == tag)
			x->fresh[i].failed = 1;
}

int xlate_open(struct xlate **out, struct nft *nft,
	       const struct xlate_cfg *cfg)
{
	struct xlate *x = calloc(1, sizeof(*x));
	int ret = -ENOMEM;

	if (!x || tunnels_init(&x->ts, cfg->max, cfg->per_mark)) {
		log_warnx("no memory for %u tunnels", cfg->max);
		goto err_free;
	}
	ret = tmap_open(&x->tmap, nft, elem_failed, x);
	if (ret)
		goto err_tunnels;
	x->cfg = *cfg;
	if (!x->cfg.sweep_sec)
		x->cfg.sweep_sec = 1;
	x->warn_rl = (struct ratelimit)RATELIMIT_INIT("tunnel refusal", 5, 60);
	/* elements already in the table: a table that was kept */
	tmap_list(x->tmap, &x->ts);
	x->next_sweep = mono_sec() + (time_t)x->cfg.sweep_sec;
	*out = x;
	return 0;

err_tunnels:
	tunnels_free(&x->ts);
err_free:
	free(x);
	return ret;
}

/* Write @id at @off in the L2TP message of @pkt, and the UDP checksum. */
static int rewrite(struct queue_pkt *pkt, const struct pkt_udp *u,
		   size_t off, uint16_t id)
{
	uint8_t *l2tp = pkt->data + (u->payload - pkt->data);

	if (pkt_udp_write16(u, l2tp, off, id))
		return -XR_NOT_WHOLE;
	pkt->rewritten = 1;
	return 0;
}

/* what the admin can do about it */
static const char *const refusal_hints[XR_MAX] = {
	[XR_FULL] = " (raise --tunnel-marks-max)",
	[XR_QUOTA] = " (its SA has --tunnels-per-mark tunnels)",
};

/* -@why, counted, said (rate-limited) */
static int refuse(struct xlate *x, const struct pkt_udp *u, uint16_t id,
		  uint32_t mark, int why)
{
	char addr[INET6_ADDRSTRLEN];

	x->stats.refused[why]++;
	if (log_ratelimit(&x->warn_rl)) {
		inet_ntop(u->family, &u->saddr, addr, sizeof(addr));
		log_warnx("SCCRQ from %s port %u tunnel %u mark 0x%x dropped: "
			  "%s%s", addr, u->sport, id, mark, refusal_names[why],
			  refusal_hints[why] ? refusal_hints[why] : "");
	}
	return -why;
}

static int refusal(int err)
{
	switch (err) {
	case -EEXIST:
		return XR_TAKEN;
	case -EDQUOT:
		return XR_QUOTA;
	case -EADDRINUSE:
		return XR_NO_ID;
	default:
		return XR_FULL;
	}
}

/* @pkt waits for @t's elements to be committed; 1 if they are not yet */
static int wait_for(struct xlate *x, struct tunnel *t, struct queue_pkt *pkt,
		    int is_new, int binding)
{
	unsigned int i;

	if (!is_new && !binding) {
		/* a retransmission in the batch that opened the tunnel */
		for (i = 0; i < x->nnew && x->fresh[i].t != t; i++)
			;
		if (i == x->nnew)
			return 0;
	}
	x->fresh[x->nnew].t = t;
	x->fresh[x->nnew].pkt = pkt;
	x->fresh[x->nnew].binding = binding;
	x->fresh[x->nnew].failed = 0;
	x->nnew++;
	return 1;
}

/* 1 if a tunnel failed earlier in fresh[] than @k: already undone */
static int undone_before(const struct xlate *x, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		if (x->fresh[i].failed && x->fresh[i].t == x->fresh[k].t)
			return 1;
	return 0;
}

int xlate_sccrq(struct xlate *x, struct queue_pkt *pkt,
		const struct pkt_udp *u, const struct l2tp_sccrq *s,
		uint32_t mark, struct xlate_result *res)
{
	int whole = u->caplen == u->len;
	struct tunnel_assign a;
	int ret;

	ret = tunnels_assign(&x->ts, u->family, &u->saddr, s->tunnel_id, mark,
			     x->cfg.translate, &a);
	if (ret)
		return refuse(x, u, s->tunnel_id, mark, refusal(ret));
	/* a translation the packet cannot carry: no tunnel */
	if (a.translated && !whole) {
		if (a.is_new)
			tunnels_remove(&x->ts, a.t);
		return refuse(x, u, s->tunnel_id, mark, XR_NOT_WHOLE);
	}
	if (x->nnew == XLATE_UNCOMMITTED)
		xlate_commit(x);
	if (!wait_for(x, a.t, pkt, a.is_new, 0) || !a.is_new)
		tmap_refresh(x->tmap, a.t);
	else
		tmap_add(x->tmap, a.t, a.t);
	res->id = a.t->id;
	res->translated = a.translated;
	if (a.translated) {
		rewrite(pkt, u, s->tunnel_id_off, a.t->id);
		x->stats.translated++;
	}
	return 0;
}

int xlate_stopccn(struct xlate *x, struct queue_pkt *pkt,
		  const struct pkt_udp *u, const struct l2tp_stopccn *s,
		  uint32_t mark)
{
	const struct tunnel *t;
	int ret;

	t = tunnels_find_orig(&x->ts, u->family, &u->saddr, s->assigned_id,
			      mark);
	if (!t || t->id == t->orig_id)
		return 0;
	ret = rewrite(pkt, u, s->assigned_id_off, t->id);
	if (!ret)
		x->stats.stopccn++;
	return ret;
}

void xlate_sccrp(struct xlate *x, struct queue_pkt *pkt,
		 const struct pkt_udp *u, const struct l2tp_stopccn *s,
		 uint32_t mark)
{
	struct tunnel *t, *holder;

	t = (struct tunnel *)tunnels_find_orig(&x->ts, u->family, &u->daddr,
					       s->tunnel_id, mark);
	if (!t) {
		x->stats.unbound++;
		return;
	}
	if (t->lns_id == s->assigned_id)
		return;		/* sent again */
	holder = tunnels_find_lns(&x->ts, u->family, &u->daddr,
				  s->assigned_id);
	if (holder) {
		/* the L2TP daemon reused its ID: the old tunnel is over */
		tmap_unbind(x->tmap, holder, 1);
		tunnels_bind_lns(&x->ts, holder, 0);
		x->stats.replaced++;
	}
	tmap_unbind(x->tmap, t, 0);
	if (x->nnew == XLATE_UNCOMMITTED)
		xlate_commit(x);
	tunnels_bind_lns(&x->ts, t, s->assigned_id);
	wait_for(x, t, pkt, 0, 1);
	tmap_bind(x->tmap, t, t);
	x->stats.bound++;
}

/* The binding of @t failed: @t is no longer bound inbound. */
static void unbind(struct xlate *x, struct tunnel *t)
{
	x->stats.bind_failed++;
	tmap_unbind(x->tmap, t, 0);
	tunnels_bind_lns(&x->ts, t, 0);
}

void xlate_commit(struct xlate *x)
{
	unsigned int i, undone = 0;
	struct tunnel *t;

	if (!x)
		return;
	tmap_commit(x->tmap);
	for (i = 0; i < x->nnew; i++) {
		if (!x->fresh[i].failed)
			continue;
		x->fresh[i].pkt->drop = 1;
		if (!x->fresh[i].binding)
			x->stats.refused[XR_UNCOMMITTED]++;
		undone++;
	}
	/* its retransmission must not find it bound */
	for (i = 0; undone && i < x->nnew; i++) {
		if (!x->fresh[i].failed || undone_before(x, i))
			continue;
		t = x->fresh[i].t;
		if (x->fresh[i].binding) {
			unbind(x, t);
			continue;
		}
		tmap_del(x->tmap, t);
		tunnels_remove(&x->ts, t);
	}
	x->nnew = 0;
	if (undone) {
		tmap_commit(x->tmap);
		if (log_ratelimit(&x->warn_rl))
			log_warnx("%u SCCRQs or SCCRPs dropped: the kernel "
				  "refused their tunnels' map elements", undone);
	}
}

void xlate_tick(struct xlate *x)
{
	time_t t;

	if (!x)
		return;
	t = mono_sec();
	if (t < x->next_sweep)
		return;
	x->next_sweep = t + (time_t)x->cfg.sweep_sec;
	tunnels_sweep_begin(&x->ts);
	if (tmap_list(x->tmap, &x->ts) == 0)
		x->stats.swept += tunnels_sweep_end(&x->ts);
}

void xlate_log_stats(const struct xlate *x)
{
	char buf[256] = "";
	size_t off = 0;
	int i, n;

	if (!x)
		return;
	for (i = XR_NONE + 1; i < XR_MAX; i++) {
		n = snprintf(buf + off, sizeof(buf) - off, "%s%s %llu",
			     off ? ", " : "", refusal_names[i],
			     (unsigned long long)x->stats.refused[i]);
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			break;
		off += (size_t)n;
	}
	log_info("tunnels: %u IPv4, %u IPv6; translated %llu, StopCCNs "
		 "translated %llu, expired %llu; SCCRQs dropped: %s",
		 tunnels_count(&x->ts, 0), tunnels_count(&x->ts, 1),
		 (unsigned long long)x->stats.translated,
		 (unsigned long long)x->stats.stopccn,
		 (unsigned long long)x->stats.swept, buf);
	log_info("inbound: tunnels bound %llu (taking over an ID %llu), "
		 "SCCRPs of other tunnels %llu, SCCRPs dropped (binding not "
		 "committed) %llu", (unsigned long long)x->stats.bound,
		 (unsigned long long)x->stats.replaced,
		 (unsigned long long)x->stats.unbound,
		 (unsigned long long)x->stats.bind_failed);
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
