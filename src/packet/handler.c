// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What happens to one queued packet: IP/UDP checks, which L2TP message
 * it is (l2tp.c), the mark and where it came from (mark_of(), the one
 * place that chooses), the tunnel's ID and map elements (--tunnel-marks,
 * xlate.c), the message.  Nothing here waits: the message goes to the
 * output's backlog, the map elements to one transaction per batch.
 *
 * Without --tunnel-marks only messages are at stake: every packet is
 * accepted.  With it the daemon decides which SA the L2TP daemon's
 * answers enter, so an SCCRQ passes only bound to the SA it came through
 * (its own packet's mark; a conntrack entry is shared by clients behind
 * one NAT), maybe with a rewritten Assigned Tunnel ID.  A peer's StopCCN
 * passes, its Assigned Tunnel ID rewritten if its tunnel was translated;
 * the L2TP daemon's SCCRP binds its ID to the tunnel's SA on its way
 * out.  Whatever else was queued from peers is dropped and counted, and
 * the client retransmits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "packet/ct.h"
#include "wire/escape.h"
#include "packet/handler.h"
#include "packet/ipc.h"
#include "wire/l2tp.h"
#include "base/log.h"
#include "wire/msg.h"
#include "wire/pkt.h"
#include "packet/queue.h"
#include "wire/reject.h"
#include "tunnel/xlate.h"

/*
 * SCCRQs whose flow had no conntrack entry yet: a flow's first packet is
 * confirmed only after its verdict, so they are looked up again then.
 * One batch at most; the host name is copied because the packet buffer
 * may be gone by then.
 */
#define DEFER_MAX	QUEUE_BATCH

/* xlate.c holds a batch's new tunnels until the batch's commit */
_Static_assert(2 * QUEUE_BATCH <= XLATE_UNCOMMITTED,
	       "xlate.c must hold two batches of new tunnels");

struct deferred {
	struct pkt_udp udp;
	struct sccrq_info info;
	uint8_t hostname[L2TP_HOSTNAME_MAX];
};

/* --tunnel-marks: why a packet was dropped here (xlate.c counts the
 * tunnels it could not bind) */
enum drop {
	DROP_INVALID,		/* not an SCCRQ or StopCCN the daemon can act on */
	DROP_NO_MARK,		/* no mark on the packet itself */
	DROP_NOT_READY,		/* before the tunnel maps are set up */
	DROP_MAX
};

static const char *const drop_names[DROP_MAX] = {
	[DROP_INVALID] = "invalid",
	[DROP_NO_MARK] = "no packet mark",
	[DROP_NOT_READY] = "starting",
};

struct handler_stats {
	uint64_t sccrq;		/* valid SCCRQs */
	uint64_t dropped[DROP_MAX];
	uint64_t stopccn;	/* peers' StopCCNs (--tunnel-marks) */
	uint64_t sccrp;		/* the L2TP daemon's SCCRPs (--tunnel-marks) */
	uint64_t sccrp_unread;
	uint64_t forwarded;	/* handed to the output */
	uint64_t no_mark;
	uint64_t unsupported;	/* cannot be said in the chosen format */
	uint64_t by_src[MARK_CT_LOOKUP + 1];
	uint64_t rejected[REJ_MAX];
	uint64_t ct_deferred;	/* looked up again after the verdict */
	uint64_t ct_errors;
};

struct handler {
	struct handler_cfg cfg;
	struct ct *ct;
	struct ipc *ipc;
	struct xlate *xlate;
	struct handler_stats stats;
	struct ratelimit info_rl, warn_rl, drop_rl;
	int warned_family;
	unsigned int ndeferred;
	struct deferred deferred[DEFER_MAX];
};

int handler_open(struct handler **out, const struct handler_cfg *cfg,
		 struct ct *ct, struct ipc *ipc)
{
	struct handler *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->ct = ct;
	h->ipc = ipc;
	h->info_rl = (struct ratelimit)RATELIMIT_INIT("SCCRQ", 20, 1);
	h->warn_rl = (struct ratelimit)RATELIMIT_INIT("warning", 5, 10);
	h->drop_rl = (struct ratelimit)RATELIMIT_INIT("dropped packet", 5, 60);
	*out = h;
	return 0;
}

static const char *addr_str(const struct sccrq_info *info, char *buf,
			    size_t size)
{
	return inet_ntop(info->family, &info->peer, buf, (socklen_t)size);
}

static void forward(struct handler *h, struct sccrq_info *info)
{
	uint8_t buf[MSG_BUF_SIZE];
	ssize_t n;

	h->stats.by_src[info->mark_src]++;
	if (log_ratelimit(&h->info_rl)) {
		char host[ESCAPE_MAX(L2TP_HOSTNAME_MAX)];
		char addr[INET6_ADDRSTRLEN];

		escape(host, sizeof(host), info->hostname, info->hostname_len);
		log_info("SCCRQ from %s port %u tunnel %u%s host \"%s\" "
			 "mark 0x%x (%s)", addr_str(info, addr, sizeof(addr)),
			 info->peer_port, info->orig_tid,
			 info->tunnel_id != info->orig_tid ? " (translated)" : "",
			 host, info->mark,
			 l2tp_nfq_mark_source_name(info->mark_src));
		if (info->tunnel_id != info->orig_tid)
			log_info("SCCRQ from %s tunnel %u: the L2TP daemon "
				 "sees tunnel %u", addr, info->orig_tid,
				 info->tunnel_id);
	}
	n = msg_encode(h->cfg.format, info, buf, sizeof(buf));
	if (n == -EAFNOSUPPORT) {
		h->stats.unsupported++;
		if (!h->warned_family++)
			log_warnx("IPv6 SCCRQ cannot be sent in format %d: "
				  "use --format 2", h->cfg.format);
		return;
	}
	if (n < 0)
		return;
	h->stats.forwarded++;
	ipc_send(h->ipc, buf, (size_t)n);
}

static void no_mark(struct handler *h, const struct sccrq_info *info)
{
	h->stats.no_mark++;
	if (log_debug_enabled()) {
		char addr[INET6_ADDRSTRLEN];

		log_debug("SCCRQ from %s port %u tunnel %u has no mark",
			  addr_str(info, addr, sizeof(addr)), info->peer_port,
			  info->tunnel_id);
	}
}

/* A mark, masked, and where it came from. */
struct mark {
	uint32_t value;
	enum mark_src src;
};

/* 1 if @raw has a mark under the mask */
static int take_mark(const struct handler *h, uint32_t raw,
		     enum mark_src src, struct mark *m)
{
	m->value = raw & h->cfg.mark_mask;
	m->src = src;
	return m->value != 0;
}

/* The conntrack entry's: 1, 0 (none, or the lookup failed), -ENOENT. */
static int lookup(struct handler *h, const struct pkt_udp *udp,
		  struct mark *m)
{
	uint32_t raw;
	int ret;

	ret = ct_lookup_mark(h->ct, udp, &raw);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		h->stats.ct_errors++;
		if (log_ratelimit(&h->warn_rl)) {
			errno = -ret;
			log_warn("conntrack lookup");
		}
		return 0;
	}
	return take_mark(h, raw, MARK_CT_LOOKUP, m);
}

/*
 * The mark of @udp's packet @pkt: the packet's own; with --tunnel-marks
 * only that (a conntrack entry is shared by the clients behind one
 * NAT).  Else the mark of the conntrack entry the kernel attached
 * (NFQA_CT), else, with a conntrack module, a lookup.  @pkt NULL: after
 * the verdict, when only the lookup is left.  1: marked, 0: no mark,
 * -ENOENT: conntrack has no entry yet (it may after the verdict).
 */
static int mark_of(struct handler *h, const struct queue_pkt *pkt,
		   const struct pkt_udp *udp, struct mark *m)
{
	m->value = 0;
	m->src = MARK_NONE;
	if (pkt && ((pkt->mark & h->cfg.mark_mask) || h->cfg.tunnel_marks))
		return take_mark(h, pkt->mark, MARK_PACKET, m);
	if (pkt && pkt->has_ct)
		return take_mark(h, pkt->ct_mark, MARK_CT_ATTACHED, m);
	return h->ct ? lookup(h, udp, m) : 0;
}

/* After the verdict, conntrack is asked again for @info's mark. */
static void defer(struct handler *h, const struct pkt_udp *udp,
		  const struct sccrq_info *info)
{
	struct deferred *d;

	if (h->ndeferred == DEFER_MAX) {
		no_mark(h, info);
		return;
	}
	d = &h->deferred[h->ndeferred++];
	d->udp = *udp;
	d->udp.payload = NULL;
	d->info = *info;
	memcpy(d->hostname, info->hostname, info->hostname_len);
	d->info.hostname = d->hostname;
	h->stats.ct_deferred++;
}

/* --tunnel-marks: @pkt is dropped, for @why (@reject: the parser's). */
static void drop(struct handler *h, struct queue_pkt *pkt,
		 const struct pkt_udp *udp, enum drop why, int reject)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	pkt->drop = 1;
	h->stats.dropped[why]++;
	if (!log_ratelimit(&h->drop_rl))
		return;
	/* the addresses are there once the IP header was read */
	if (udp->family)
		inet_ntop(udp->family, &udp->saddr, addr, sizeof(addr));
	log_warnx("L2TP from %s port %u dropped: %s%s%s", addr, udp->sport,
		  drop_names[why], reject ? ": " : "",
		  reject ? reject_str(reject) : "");
}

/* Not a message the daemon acts on (@reason: -REJ_*): counted; with
 * --tunnel-marks dropped. */
static void rejected(struct handler *h, struct queue_pkt *pkt,
		     const struct pkt_udp *udp, int reason)
{
	h->stats.rejected[-reason < REJ_MAX ? -reason : 0]++;
	if (h->cfg.tunnel_marks)
		drop(h, pkt, udp, DROP_INVALID, reason);
}

/* --tunnel-marks: the tunnel's ID (xlate.c, which rewrites the packet if
 * it is translated) and map elements; 0, or the packet was dropped. */
static int tunnel(struct handler *h, struct queue_pkt *pkt,
		  struct pkt_udp *udp, const struct l2tp_ctrl *m,
		  struct sccrq_info *info)
{
	int id;

	/* the maps are not there yet: nothing can be bound */
	if (!h->xlate) {
		drop(h, pkt, udp, DROP_NOT_READY, 0);
		return -1;
	}
	id = xlate_sccrq(h->xlate, udp, m, info->mark, &pkt->drop);
	if (id < 0) {
		pkt->drop = 1;	/* xlate.c said why */
		return -1;
	}
	info->tunnel_id = (uint16_t)id;
	return 0;
}

/* What the message of an SCCRQ says, but its mark. */
static void describe(struct sccrq_info *info, const struct pkt_udp *udp,
		     const struct l2tp_ctrl *m)
{
	memset(info, 0, sizeof(*info));
	info->family = udp->family;
	info->peer = udp->saddr;
	info->local = udp->daddr;
	info->peer_port = udp->sport;
	info->local_port = udp->dport;
	info->tunnel_id = info->orig_tid = m->assigned.id;
	info->hostname = m->hostname;
	info->hostname_len = m->hostname_len;
}

/* A new tunnel: its mark, its ID and elements (--tunnel-marks), its
 * message (now, or after the verdict when conntrack has no entry yet). */
static void sccrq(struct handler *h, struct queue_pkt *pkt,
		  struct pkt_udp *udp, const struct l2tp_ctrl *m)
{
	struct sccrq_info info;
	struct mark mark;
	int ret;

	h->stats.sccrq++;
	describe(&info, udp, m);
	ret = mark_of(h, pkt, udp, &mark);
	info.mark = mark.value;
	info.mark_src = mark.src;
	if (ret == -ENOENT) {
		defer(h, udp, &info);
	} else if (ret <= 0) {
		no_mark(h, &info);
		if (h->cfg.tunnel_marks)
			drop(h, pkt, udp, DROP_NO_MARK, 0);
	} else if (!h->cfg.tunnel_marks ||
		   !tunnel(h, pkt, udp, m, &info)) {
		forward(h, &info);
	}
}

/*
 * A peer's StopCCN (read with --tunnel-marks only) names the tunnel by
 * the peer's ID: if the tunnel was translated, the ID the L2TP daemon
 * knows is written in.  It passes, unchanged when it has no mark or
 * before the maps are set up; dropped only when the rewrite it needs
 * cannot be made (the packet was not copied whole).
 */
static void stopccn(struct handler *h, struct queue_pkt *pkt,
		    struct pkt_udp *udp, const struct l2tp_ctrl *m)
{
	struct mark mark;

	h->stats.stopccn++;
	if (mark_of(h, pkt, udp, &mark) > 0 && h->xlate &&
	    xlate_stopccn(h->xlate, udp, &m->assigned, mark.value))
		drop(h, pkt, udp, DROP_INVALID, REJ_TRUNCATED);
}

/*
 * The L2TP daemon's SCCRP, on its way out (--tunnel-marks), with the
 * mark the output rules gave it: xlate.c binds the daemon's ID for the
 * tunnel to the tunnel's SA, and drops the SCCRP at the commit if the
 * kernel refuses the binding (the daemon sends it again).  Every other
 * SCCRP passes: one of a tunnel xlate.c does not know, and one this
 * daemon cannot read, which is counted and said, as nothing will bind
 * its tunnel inbound.
 */
static void sccrp(struct handler *h, struct queue_pkt *pkt,
		  const struct pkt_udp *udp)
{
	struct l2tp_ctrl m;
	struct mark mark;
	int ret;

	ret = l2tp_parse(udp->payload, udp->caplen, udp->len,
			 L2TP_WANT(L2TP_MSG_SCCRP), &m);
	if (ret < 0) {
		h->stats.sccrp_unread++;
		if (log_ratelimit(&h->warn_rl))
			log_warnx("cannot read the L2TP daemon's SCCRP (%s): "
				  "its tunnel is not bound inbound",
				  reject_str(ret));
		return;
	}
	h->stats.sccrp++;
	mark_of(h, pkt, udp, &mark);
	if (h->xlate)
		xlate_sccrp(h->xlate, udp, m.tunnel_id, m.assigned.id,
			    mark.value, &pkt->drop);
}

/* What a peer's packet is read for: SCCRQs, and with --tunnel-marks
 * StopCCNs (their tunnel's ID may need writing in). */
static unsigned int inbound_types(const struct handler *h)
{
	return L2TP_WANT(L2TP_MSG_SCCRQ) |
	       (h->cfg.tunnel_marks ? L2TP_WANT(L2TP_MSG_STOPCCN) : 0);
}

void handler_packet(struct queue_pkt *pkt, void *data)
{
	struct handler *h = data;
	struct pkt_udp udp = { 0 };
	struct l2tp_ctrl m;
	int ret;

	ret = pkt_parse_udp(pkt->data, pkt->caplen, pkt->len, &udp);
	if (pkt->hook == NF_INET_LOCAL_OUT) {
		if (!ret && h->cfg.tunnel_marks)
			sccrp(h, pkt, &udp);
		return;
	}
	if (!ret)
		ret = l2tp_parse(udp.payload, udp.caplen, udp.len,
				 inbound_types(h), &m);
	if (ret == L2TP_MSG_SCCRQ)
		sccrq(h, pkt, &udp, &m);
	else if (ret == L2TP_MSG_STOPCCN)
		stopccn(h, pkt, &udp, &m);
	else
		rejected(h, pkt, &udp, ret);
	/* the verdict carries what xlate.c wrote */
	pkt->rewritten |= udp.rewritten;
}

void handler_pause(void *data)
{
	struct handler *h = data;

	/*
	 * A long batch (the daemon behind a burst) must not starve the
	 * receiver: its socket holds few messages, and those of earlier
	 * batches can go now.  This batch's wait for its verdict.
	 */
	ipc_send_released(h->ipc);
}

void handler_before_verdict(void *data)
{
	struct handler *h = data;

	/* the L2TP daemon may answer an SCCRQ at once: its elements first */
	xlate_commit(h->xlate);
}

void handler_after_verdict(void *data)
{
	struct handler *h = data;
	unsigned int i;

	for (i = 0; i < h->ndeferred; i++) {
		struct deferred *d = &h->deferred[i];
		struct mark mark;

		if (mark_of(h, NULL, &d->udp, &mark) <= 0) {
			no_mark(h, &d->info);
			continue;
		}
		d->info.mark = mark.value;
		d->info.mark_src = mark.src;
		forward(h, &d->info);
	}
	h->ndeferred = 0;
	xlate_commit(h->xlate);
	/* the batch is verdicted: now the messages go out, together */
	ipc_flush(h->ipc);
}

void handler_set_xlate(struct handler *h, struct xlate *x)
{
	h->xlate = x;
}

/* "rejected: non-zero Tunnel ID 3, not an SCCRQ 1" */
static void log_rejected(const struct handler *h)
{
	char rej[512] = "";
	size_t off = 0;
	int i, n;

	for (i = 1; i < REJ_MAX; i++) {
		if (!h->stats.rejected[i])
			continue;
		n = snprintf(rej + off, sizeof(rej) - off, "%s%s %llu",
			     off ? ", " : "", reject_str(i),
			     (unsigned long long)h->stats.rejected[i]);
		if (n < 0 || (size_t)n >= sizeof(rej) - off)
			break;
		off += (size_t)n;
	}
	log_info("rejected: %s", off ? rej : "none");
}

/* "dropped: invalid 3, no packet mark 1" (--tunnel-marks) */
static void log_dropped(const struct handler *h)
{
	if (!h->cfg.tunnel_marks)
		return;
	log_info("dropped: %s %llu, %s %llu, %s %llu",
		 drop_names[DROP_INVALID],
		 (unsigned long long)h->stats.dropped[DROP_INVALID],
		 drop_names[DROP_NO_MARK],
		 (unsigned long long)h->stats.dropped[DROP_NO_MARK],
		 drop_names[DROP_NOT_READY],
		 (unsigned long long)h->stats.dropped[DROP_NOT_READY]);
}

void handler_log_stats(const struct handler *h)
{
	const struct handler_stats *s = &h->stats;

	log_info("SCCRQs %llu, forwarded %llu (packet %llu, conntrack %llu, "
		 "lookup %llu), no mark %llu, unsupported %llu, conntrack "
		 "errors %llu, looked up after the verdict %llu, StopCCNs %llu, "
		 "SCCRPs %llu (unreadable %llu)",
		 (unsigned long long)s->sccrq,
		 (unsigned long long)s->forwarded,
		 (unsigned long long)s->by_src[MARK_PACKET],
		 (unsigned long long)s->by_src[MARK_CT_ATTACHED],
		 (unsigned long long)s->by_src[MARK_CT_LOOKUP],
		 (unsigned long long)s->no_mark,
		 (unsigned long long)s->unsupported,
		 (unsigned long long)s->ct_errors,
		 (unsigned long long)s->ct_deferred,
		 (unsigned long long)s->stopccn,
		 (unsigned long long)s->sccrp,
		 (unsigned long long)s->sccrp_unread);
	log_rejected(h);
	log_dropped(h);
}

/* Prometheus label values of the reasons, in enum reject's order */
static const char *const reject_labels[REJ_MAX] = {
	[REJ_NONE] = "none",
	[REJ_IP] = "ip",
	[REJ_FRAGMENT] = "fragment",
	[REJ_NOT_UDP] = "not_udp",
	[REJ_UDP] = "udp",
	[REJ_L2TP_SHORT] = "l2tp_short",
	[REJ_NOT_CONTROL] = "not_control",
	[REJ_VERSION] = "version",
	[REJ_HEADER_BITS] = "header_bits",
	[REJ_LENGTH] = "length",
	[REJ_TUNNEL_ID] = "tunnel_id",
	[REJ_SESSION_ID] = "session_id",
	[REJ_SEQUENCE] = "sequence",
	[REJ_AVP_LENGTH] = "avp_length",
	[REJ_NO_MSG_TYPE] = "no_msg_type",
	[REJ_NOT_SCCRQ] = "not_sccrq",
	[REJ_HIDDEN] = "hidden",
	[REJ_NO_TUNNEL_ID] = "no_tunnel_id",
	[REJ_NO_HOSTNAME] = "no_hostname",
	[REJ_TRUNCATED] = "truncated",
	[REJ_DUPLICATE] = "duplicate",
};

static const char *const drop_labels[DROP_MAX] = {
	[DROP_INVALID] = "invalid",
	[DROP_NO_MARK] = "no_mark",
	[DROP_NOT_READY] = "starting",
};

/* fn(name{key="value"}) */
static void report_labelled(report_fn *fn, void *arg, const char *name,
			    const char *key, const char *value, uint64_t n)
{
	char label[64];

	snprintf(label, sizeof(label), "%s=\"%s\"", key, value);
	fn(arg, name, label, n);
}

void handler_report(const struct handler *h, report_fn *fn, void *arg)
{
	const struct handler_stats *s = &h->stats;
	int i;

	fn(arg, "sccrqs_total", "", s->sccrq);
	fn(arg, "sccrqs_forwarded_total", "", s->forwarded);
	report_labelled(fn, arg, "sccrq_marks_total", "source", "packet",
			s->by_src[MARK_PACKET]);
	report_labelled(fn, arg, "sccrq_marks_total", "source", "conntrack",
			s->by_src[MARK_CT_ATTACHED]);
	report_labelled(fn, arg, "sccrq_marks_total", "source", "lookup",
			s->by_src[MARK_CT_LOOKUP]);
	fn(arg, "sccrqs_no_mark_total", "", s->no_mark);
	fn(arg, "sccrqs_unsupported_total", "", s->unsupported);
	fn(arg, "conntrack_errors_total", "", s->ct_errors);
	fn(arg, "conntrack_deferred_total", "", s->ct_deferred);
	fn(arg, "stopccns_total", "", s->stopccn);
	fn(arg, "sccrps_total", "", s->sccrp);
	fn(arg, "sccrps_unreadable_total", "", s->sccrp_unread);
	for (i = REJ_NONE + 1; i < REJ_MAX; i++)
		report_labelled(fn, arg, "packets_rejected_total", "reason",
				reject_labels[i], s->rejected[i]);
	if (!h->cfg.tunnel_marks)
		return;
	for (i = 0; i < DROP_MAX; i++)
		report_labelled(fn, arg, "packets_dropped_total", "reason",
				drop_labels[i], s->dropped[i]);
}

void handler_close(struct handler *h)
{
	free(h);
}
