// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --tunnel-marks per packet (see xlate.h): the tunnel ID an SCCRQ gets,
 * written into it when translated, the same for a StopCCN, the L2TP
 * daemon's ID bound from its SCCRP; which packets wait for which map
 * elements, and undoing what the kernel refused; the sweep.  The
 * decisions are tunnels.c's, the kernel side tmap.c's, the write pkt.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "base/log.h"
#include "tunnel/tmap.h"
#include "tunnel/tunnels.h"
#include "tunnel/xlate.h"

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
		int *drop;	/* the waiting packet's flag */
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

/* tunnels_assign()'s error as a refusal */
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

/* 1 if @t's elements wait for the next commit */
static int pending(const struct xlate *x, const struct tunnel *t)
{
	unsigned int i;

	for (i = 0; i < x->nnew; i++)
		if (x->fresh[i].t == t)
			return 1;
	return 0;
}

/* The packet of @drop waits for @t's elements (make_room() first). */
static void wait_for(struct xlate *x, struct tunnel *t, int *drop,
		     int binding)
{
	x->fresh[x->nnew].t = t;
	x->fresh[x->nnew].drop = drop;
	x->fresh[x->nnew].binding = binding;
	x->fresh[x->nnew].failed = 0;
	x->nnew++;
}

/* Room in fresh[] for one more: a batch larger than foreseen commits
 * early (before a tunnel is looked up: the commit may forget tunnels). */
static void make_room(struct xlate *x)
{
	if (x->nnew == XLATE_UNCOMMITTED)
		xlate_commit(x);
}

/* The elements of @a's tunnel: added if it is new, else kept live; the
 * SCCRQ waits for them if they are not committed yet (a retransmission
 * in the batch that opened the tunnel). */
static void gather(struct xlate *x, const struct tunnel_assign *a, int *drop)
{
	if (a->is_new || pending(x, a->t))
		wait_for(x, a->t, drop, 0);
	if (a->is_new)
		tmap_add(x->tmap, a->t, a->t);
	else
		tmap_refresh(x->tmap, a->t);
}

/* What a new tunnel's SCCRQ said, for the control socket. */
static void remember(struct tunnel *t, const struct pkt_udp *u,
		     const struct l2tp_ctrl *m)
{
	size_t n = m->hostname_len < TUNNEL_HOST_MAX ? m->hostname_len :
		   TUNNEL_HOST_MAX;

	t->from_sccrq = 1;
	t->port = u->sport;
	t->sccrq_at = mono_sec();
	t->host_len = (uint8_t)n;
	if (n)
		memcpy(t->host, m->hostname, n);
}

int xlate_sccrq(struct xlate *x, struct pkt_udp *u,
		const struct l2tp_ctrl *m, uint32_t mark, int *drop)
{
	const struct l2tp_tid *tid = &m->assigned;
	struct tunnel_assign a;
	int ret;

	make_room(x);
	ret = tunnels_assign(&x->ts, u->family, &u->saddr, tid->id, mark,
			     x->cfg.translate, &a);
	if (ret)
		return refuse(x, u, tid->id, mark, refusal(ret));
	if (a.translated && pkt_udp_write16(u, tid->off, a.t->id)) {
		/* a translation the packet cannot carry: no tunnel */
		if (a.is_new)
			tunnels_remove(&x->ts, a.t);
		return refuse(x, u, tid->id, mark, XR_NOT_WHOLE);
	}
	if (a.translated)
		x->stats.translated++;
	if (a.is_new)
		remember(a.t, u, m);
	gather(x, &a, drop);
	return a.t->id;
}

int xlate_stopccn(struct xlate *x, struct pkt_udp *u,
		  const struct l2tp_tid *tid, uint32_t mark)
{
	const struct tunnel *t;

	t = tunnels_find_orig(&x->ts, u->family, &u->saddr, tid->id, mark);
	if (!t || t->id == t->orig_id)
		return 0;
	if (pkt_udp_write16(u, tid->off, t->id))
		return -XR_NOT_WHOLE;
	x->stats.stopccn++;
	return 0;
}

/* The tunnel of the peer that held @lns_id before: its binding is over
 * (the L2TP daemon reused its ID). */
static void take_over(struct xlate *x, const struct pkt_udp *u,
		      uint16_t lns_id)
{
	struct tunnel *holder;

	holder = tunnels_find_lns(&x->ts, u->family, &u->daddr, lns_id);
	if (!holder)
		return;
	tmap_unbind(x->tmap, holder, 1);
	tunnels_bind_lns(&x->ts, holder, 0);
	x->stats.replaced++;
}

void xlate_sccrp(struct xlate *x, const struct pkt_udp *u, uint16_t peer_id,
		 uint16_t lns_id, uint32_t mark, int *drop)
{
	struct tunnel *t;

	make_room(x);
	t = (struct tunnel *)tunnels_find_orig(&x->ts, u->family, &u->daddr,
					       peer_id, mark);
	if (!t) {
		x->stats.unbound++;
		return;
	}
	if (t->lns_id == lns_id)
		return;		/* sent again */
	take_over(x, u, lns_id);
	tmap_unbind(x->tmap, t, 0);
	tunnels_bind_lns(&x->ts, t, lns_id);
	wait_for(x, t, drop, 1);
	tmap_bind(x->tmap, t, t);
	x->stats.bound++;
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

/* The packets whose elements failed are dropped; how many. */
static unsigned int drop_failed(struct xlate *x)
{
	unsigned int i, n = 0;

	for (i = 0; i < x->nnew; i++) {
		if (!x->fresh[i].failed)
			continue;
		*x->fresh[i].drop = 1;
		if (!x->fresh[i].binding)
			x->stats.refused[XR_UNCOMMITTED]++;
		n++;
	}
	return n;
}

/* What failed is undone, once per tunnel: a new tunnel is forgotten, a
 * binding unbound (the tunnel stays).  Its retransmission must not find
 * it bound. */
static void undo_failed(struct xlate *x)
{
	unsigned int i;
	struct tunnel *t;

	for (i = 0; i < x->nnew; i++) {
		if (!x->fresh[i].failed || undone_before(x, i))
			continue;
		t = x->fresh[i].t;
		if (x->fresh[i].binding) {
			x->stats.bind_failed++;
			tmap_unbind(x->tmap, t, 0);
			tunnels_bind_lns(&x->ts, t, 0);
			continue;
		}
		tmap_del(x->tmap, t);
		tunnels_remove(&x->ts, t);
	}
}

void xlate_commit(struct xlate *x)
{
	unsigned int undone;

	if (!x)
		return;
	tmap_commit(x->tmap);
	undone = drop_failed(x);
	if (undone)
		undo_failed(x);
	x->nnew = 0;
	if (!undone)
		return;
	tmap_commit(x->tmap);
	if (log_ratelimit(&x->warn_rl))
		log_warnx("%u SCCRQs or SCCRPs dropped: the kernel refused "
			  "their tunnels' map elements", undone);
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

/* "quota" for XR_QUOTA: Prometheus label values */
static const char *const refusal_labels[XR_MAX] = {
	[XR_NONE] = "none",
	[XR_TAKEN] = "taken",
	[XR_FULL] = "full",
	[XR_QUOTA] = "quota",
	[XR_NO_ID] = "no_id",
	[XR_NOT_WHOLE] = "not_whole",
	[XR_UNCOMMITTED] = "not_committed",
};

void xlate_report(const struct xlate *x, report_fn *fn, void *arg)
{
	const struct xlate_stats *s;
	char label[64];
	int i;

	if (!x)
		return;
	s = &x->stats;
	fn(arg, "tunnels", "family=\"ipv4\"", tunnels_count(&x->ts, 0));
	fn(arg, "tunnels", "family=\"ipv6\"", tunnels_count(&x->ts, 1));
	fn(arg, "tunnels_translated_total", "", s->translated);
	fn(arg, "stopccns_translated_total", "", s->stopccn);
	fn(arg, "tunnels_forgotten_total", "", s->swept);
	for (i = XR_NONE + 1; i < XR_MAX; i++) {
		snprintf(label, sizeof(label), "reason=\"%s\"",
			 refusal_labels[i]);
		fn(arg, "sccrqs_dropped_total", label, s->refused[i]);
	}
	fn(arg, "tunnels_bound_total", "", s->bound);
	fn(arg, "tunnels_bound_takeover_total", "", s->replaced);
	fn(arg, "sccrps_unbound_total", "", s->unbound);
	fn(arg, "sccrps_dropped_total", "", s->bind_failed);
	tmap_report(x->tmap, fn, arg);
}

int xlate_tunnels(const struct xlate *x, size_t first, xlate_tunnel_fn *fn,
		  void *arg)
{
	const struct tunnel *t;
	size_t i, k = 0;

	if (!x)
		return 0;
	/* by ID: the chains only sweeps and removals change */
	for (i = 0; i <= x->ts.mask; i++) {
		for (t = x->ts.by_id[i]; t; t = t->next_id) {
			if (k++ < first)
				continue;
			if (fn(arg, t))
				return 1;
		}
	}
	return 0;
}

void xlate_close(struct xlate *x)
{
	if (!x)
		return;
	tmap_close(x->tmap);
	tunnels_free(&x->ts);
	free(x);
}
