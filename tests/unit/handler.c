// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-packet pipeline (src/packet/handler.c) against stand-in conntrack,
 * output and xlate modules: where the mark comes from, what is sent,
 * what is deferred until after the verdict, which message reaches which
 * xlate function, and the rewrite reaching the verdict.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netfilter.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "packet/ct.h"
#include "packet/handler.h"
#include "packet/ipc.h"
#include "tunnel/xlate.h"
#include "packet/queue.h"
#include "unit.h"

/* Stand-ins: they record what the handler asked of them. */
struct ct {
	int confirmed;		/* the flow's entry exists */
	uint32_t mark;
	int lookups;
};

struct ipc {
	int sent, flushes, pauses;
	uint8_t last[L2TP_NFQ_MSG2_MAX_SIZE];
	size_t last_len;
};

struct xlate {
	int calls, commits;
	uint16_t tunnel_id;
	uint32_t mark;
	int sent_before;	/* messages queued when the tunnel was set */
	int commits_before;	/* commits when the tunnel was set */
	int stopccns, sccrps;
	uint16_t peer_id, lns_id;	/* the last SCCRP's */
	int *drop;		/* the last SCCRP's packet's flag */
};

static struct ipc *cur_ipc;

int ct_lookup_mark(struct ct *ct, const struct pkt_udp *udp, uint32_t *mark)
{
	(void)udp;
	ct->lookups++;
	if (!ct->confirmed)
		return -ENOENT;
	*mark = ct->mark;
	return 0;
}

void ipc_send(struct ipc *ipc, const void *msg, size_t len)
{
	ipc->sent++;
	memcpy(ipc->last, msg, len);
	ipc->last_len = len;
}

void ipc_flush(struct ipc *ipc)
{
	ipc->flushes++;
}

void ipc_send_released(struct ipc *ipc)
{
	ipc->pauses++;
}

/* translates tunnel 1 to 0x8001 (rewriting the packet), as if another
 * SA had it; refuses 13 */
int xlate_sccrq(struct xlate *x, struct pkt_udp *u,
		const struct l2tp_ctrl *m, uint32_t mark, int *drop)
{
	const struct l2tp_tid *tid = &m->assigned;

	(void)drop;
	x->calls++;
	if (tid->id == 13)
		return -XR_QUOTA;
	x->tunnel_id = tid->id;
	x->mark = mark;
	x->sent_before = cur_ipc->sent;
	x->commits_before = x->commits;
	if (tid->id != 1)
		return tid->id;
	pkt_udp_write16(u, tid->off, 0x8001);
	return 0x8001;
}

int xlate_stopccn(struct xlate *x, struct pkt_udp *u,
		  const struct l2tp_tid *tid, uint32_t mark)
{
	(void)u;
	x->stopccns++;
	x->tunnel_id = tid->id;
	x->mark = mark;
	return 0;
}

void xlate_sccrp(struct xlate *x, const struct pkt_udp *u, uint16_t peer_id,
		 uint16_t lns_id, uint32_t mark, int *drop)
{
	(void)u;
	x->sccrps++;
	x->peer_id = peer_id;
	x->lns_id = lns_id;
	x->mark = mark;
	x->drop = drop;
}

void xlate_commit(struct xlate *x)
{
	if (x)
		x->commits++;
}

/* The last packet fed, after the handler */
static struct queue_pkt fed;

/* Message @m from 192.0.2.1 through the handler; 1 if it is dropped. */
static int feed_msg(struct handler *h, const struct b *m, unsigned int hook,
		    uint32_t mark)
{
	static uint8_t p[256];

	memset(&fed, 0, sizeof(fed));
	fed.hook = hook;
	fed.mark = mark;
	fed.len = fed.caplen = ip4udp(p, m, 1701);
	fed.data = p;
	handler_packet(&fed, h);
	return fed.drop;
}

/* One SCCRQ from 192.0.2.1 through the handler; 1 if it is dropped. */
static int feed(struct handler *h, uint16_t tid, uint32_t mark, int has_ct,
		uint32_t ct_mark)
{
	struct queue_pkt pkt = { .mark = mark, .has_ct = has_ct,
				 .ct_mark = ct_mark };
	static uint8_t p[256];
	struct b m;

	hdr(&m, 0xc802, 0, 0, 0, 0);
	avp16(&m, 0x8000, 0, 1);
	avps(&m, "lac");
	avp16(&m, 0x8000, 9, tid);
	fin(&m);
	pkt.len = pkt.caplen = ip4udp(p, &m, 1701);
	pkt.data = p;
	handler_packet(&pkt, h);
	fed = pkt;
	return pkt.drop;
}

/* A message in tunnel @tid of Message Type @type, Assigned Tunnel ID
 * @assigned */
static void in_tunnel(struct b *m, uint16_t tid, uint16_t type,
		      uint16_t assigned)
{
	hdr(m, 0xc802, tid, 0, 1, 1);
	avp16(m, 0x8000, 0, type);
	avp16(m, 0x8000, 9, assigned);
	fin(m);
}

static struct l2tp_nfq_msg last_msg(const struct ipc *ipc)
{
	struct l2tp_nfq_msg m;

	memcpy(&m, ipc->last, sizeof(m));
	return m;
}

static void test_handler_marks(void)
{
	struct handler_cfg cfg = { .mark_mask = 0xffff, .format = 1 };
	struct ct ct = { 0 };
	struct ipc ipc = { 0 };
	struct handler *h;

	cur_ipc = &ipc;
	handler_open(&h, &cfg, &ct, &ipc);

	CHECK("handler: packet mark, masked, in a format-1 message",
	      !feed(h, 5, 0x10042, 0, 0) && ipc.sent == 1 &&
	      last_msg(&ipc).mark == 0x42 && last_msg(&ipc).peer_tid == 5 &&
	      ct.lookups == 0);
	handler_pause(h);
	CHECK("handler: a pause sends only what earlier batches released",
	      ipc.pauses == 1 && ipc.flushes == 0);

	feed(h, 6, 0, 1, 0x77);
	CHECK("handler: conntrack attached to the packet",
	      ipc.sent == 2 && last_msg(&ipc).mark == 0x77 && ct.lookups == 0);

	CHECK("handler: no entry yet: deferred, nothing sent, accepted",
	      !feed(h, 7, 0, 0, 0) && ipc.sent == 2 && ct.lookups == 1);
	ct.confirmed = 1;
	ct.mark = 0x99;
	handler_after_verdict(h);
	CHECK("handler: looked up again after the verdict, then flushed",
	      ipc.sent == 3 && last_msg(&ipc).mark == 0x99 &&
	      last_msg(&ipc).peer_tid == 7 && ipc.flushes == 1);

	ct.mark = 0x10000;	/* masked to 0 */
	CHECK("handler: a mark masked to 0 sends nothing, accepted",
	      !feed(h, 8, 0, 0, 0) && ipc.sent == 3);
	handler_close(h);
}

/* --tunnel-marks: bound to the packet's own mark, or dropped */
static void test_handler_bound(void)
{
	struct handler_cfg cfg = { .mark_mask = 0xffff, .format = 1,
				   .tunnel_marks = 1 };
	struct ct ct = { .confirmed = 1, .mark = 0x55 };
	struct ipc ipc = { 0 };
	struct xlate xl = { 0 };
	struct handler *h;
	uint8_t bad[1] = { 0x45 };
	struct queue_pkt junk = { .data = bad, .len = 1, .caplen = 1 };

	cur_ipc = &ipc;
	handler_open(&h, &cfg, &ct, &ipc);
	CHECK("handler: before the maps are there, an SCCRQ is dropped",
	      feed(h, 5, 0x42, 0, 0) && ipc.sent == 0);
	handler_set_xlate(h, &xl);

	CHECK("handler: bound, then the message",
	      !feed(h, 5, 0x10042, 0, 0) && ipc.sent == 1 &&
	      xl.calls == 1 && xl.tunnel_id == 5 && xl.mark == 0x42 &&
	      xl.sent_before == 0);
	handler_before_verdict(h);
	CHECK("handler: elements committed before the verdict",
	      xl.commits == 1);
	CHECK("handler: a conntrack mark binds nothing: dropped",
	      feed(h, 6, 0, 1, 0x77) && feed(h, 7, 0, 0, 0) &&
	      ct.lookups == 0 && xl.calls == 1 && ipc.sent == 1);
	CHECK("handler: a tunnel xlate.c refuses is dropped, no message",
	      feed(h, 13, 0x43, 0, 0) && ipc.sent == 1 && xl.calls == 2);
	CHECK("handler: a translated tunnel: the message has the new ID",
	      !feed(h, 1, 0x43, 0, 0) && ipc.sent == 2 &&
	      last_msg(&ipc).peer_tid == 0x8001);
	CHECK("handler: ... and the verdict carries the rewrite",
	      fed.rewritten && fed.data[fed.len - 1] == 0x01 &&
	      fed.data[fed.len - 2] == 0x80);
	CHECK("handler: an untranslated one is not rewritten",
	      !feed(h, 5, 0x42, 0, 0) && !fed.rewritten);
	handler_packet(&junk, h);
	CHECK("handler: what is not an SCCRQ is dropped", junk.drop &&
	      ipc.sent == 3);
	handler_after_verdict(h);
	CHECK("handler: nothing deferred", ipc.sent == 3 && xl.commits == 2);
	handler_close(h);
}

/* --tunnel-marks: a peer's StopCCN, the L2TP daemon's SCCRP */
static void test_handler_in_tunnel(void)
{
	struct handler_cfg cfg = { .mark_mask = 0xffff, .format = 1,
				   .tunnel_marks = 1 };
	struct ipc ipc = { 0 };
	struct xlate xl = { 0 };
	struct handler *h;
	struct b m;

	cur_ipc = &ipc;
	handler_open(&h, &cfg, NULL, &ipc);
	handler_set_xlate(h, &xl);
	in_tunnel(&m, 0x4242, 4, 7);
	CHECK("handler: a StopCCN passes, its ID and mark to xlate.c",
	      !feed_msg(h, &m, NF_INET_LOCAL_IN, 0x10042) &&
	      xl.stopccns == 1 && xl.tunnel_id == 7 && xl.mark == 0x42);
	CHECK("handler: a StopCCN without a mark passes as it is",
	      !feed_msg(h, &m, NF_INET_LOCAL_IN, 0) && xl.stopccns == 1);
	in_tunnel(&m, 0x4242, 2, 7);
	CHECK("handler: an SCCRP from a peer is dropped",
	      feed_msg(h, &m, NF_INET_LOCAL_IN, 0x42) && xl.sccrps == 0);
	in_tunnel(&m, 0x1234, 2, 0x99);
	CHECK("handler: the L2TP daemon's SCCRP binds, masked mark",
	      !feed_msg(h, &m, NF_INET_LOCAL_OUT, 0x10043) &&
	      xl.sccrps == 1 && xl.peer_id == 0x1234 && xl.lns_id == 0x99 &&
	      xl.mark == 0x43 && xl.drop == &fed.drop);
	in_tunnel(&m, 0, 2, 0x99);
	CHECK("handler: an SCCRP it cannot read passes, binds nothing",
	      !feed_msg(h, &m, NF_INET_LOCAL_OUT, 0x43) && xl.sccrps == 1);
	CHECK("handler: no messages", ipc.sent == 0);
	handler_close(h);

	cfg.tunnel_marks = 0;
	handler_open(&h, &cfg, NULL, &ipc);
	in_tunnel(&m, 0x4242, 4, 7);
	CHECK("handler: without --tunnel-marks a StopCCN is only counted",
	      !feed_msg(h, &m, NF_INET_LOCAL_IN, 0x42) && xl.stopccns == 1);
	in_tunnel(&m, 0x1234, 2, 0x99);
	CHECK("handler: ... and an SCCRP is not read",
	      !feed_msg(h, &m, NF_INET_LOCAL_OUT, 0x43) && xl.sccrps == 1);
	handler_close(h);
}

static void test_handler_formats(void)
{
	struct handler_cfg cfg = { .mark_mask = 0xffffffff, .format = 2 };
	struct ipc ipc = { 0 };
	struct l2tp_nfq_msg2 m2;
	struct handler *h;
	uint8_t bad[1] = { 0x45 };
	struct queue_pkt junk = { .data = bad, .len = 1, .caplen = 1 };

	cur_ipc = &ipc;
	handler_open(&h, &cfg, NULL, &ipc);
	feed(h, 9, 0x5, 0, 0);
	memcpy(&m2, ipc.last, sizeof(m2));
	CHECK("handler: format 2, mark source packet, ports, no flags",
	      ipc.sent == 1 && m2.version == 2 && m2.mark == 5 &&
	      m2.mark_source == L2TP_NFQ_MARK_PACKET && m2.peer_port == 1701 &&
	      m2.flags == 0);
	feed(h, 10, 0, 0, 0);
	CHECK("handler: no conntrack module, no mark: nothing sent",
	      ipc.sent == 1);
	handler_packet(&junk, h);
	CHECK("handler: a bad packet is only counted, accepted",
	      ipc.sent == 1 && !junk.drop);
	handler_close(h);
}

void test_handler(void)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	/* the handler logs each SCCRQ: keep the test's output readable */
	dup2(null, 2);
	test_handler_marks();
	test_handler_bound();
	test_handler_in_tunnel();
	test_handler_formats();
	dup2(saved, 2);
	close(saved);
	close(null);
}
