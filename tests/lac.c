// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: a small L2TPv2 LAC (RFC 2661) that opens many tunnels to
 * one LNS from one UDP socket, as the clients behind one NAT do.
 *
 *   lac [-s SPORT | -e] [-n COUNT] [-t FIRST_TID | -i TID,TID,...]
 *       [-H PREFIX] [-c] [-u USER:PASSWORD] [-W OPENING] [-w SECONDS]
 *       [-k] [-K] [-l SECONDS] [-v] SERVER [PORT]
 *
 *   -s  source port (default 1701, as Windows uses); -e: an ephemeral
 *       one (as Apple's client)
 *   -n  tunnels to open (default 1); -t their Assigned Tunnel IDs count
 *       from FIRST_TID (default 1, as Windows and Apple count), or -i
 *       gives them (repeated cyclically); IDs must differ in one process,
 *       since replies are told apart by the Tunnel ID alone
 *   -H  host names PREFIX%05u (default "lac-"): the same length for
 *       every tunnel, so test rules can find the AVPs at fixed offsets
 *   -c  one session (call) per tunnel: ICRQ, ICRP, ICCN
 *   -u  and PPP over it: LCP, PAP with USER:PASSWORD, IPCP (implies -c)
 *   -W  tunnels waiting for their SCCRP at once (default 1: an LNS may
 *       take a second SCCRQ from the same address and port for a
 *       retransmission of the first while that is still opening; L2TPNS
 *       does)
 *   -w  give up after SECONDS (default 30)
 *   -k  keep going until -w even when everything is up (answers HELLOs
 *       and LCP echoes); -K: leave the tunnels open at exit (no StopCCN)
 *   -l  send a HELLO on each tunnel that sent no control message for
 *       SECONDS (default: never; the tunnel only answers the LNS's)
 *   -v  each control message sent and received on stderr
 *
 * The SCCRQ carries, in this order: Message Type, Protocol Version,
 * Framing Capabilities, Bearer Capabilities, Firmware Revision, Host
 * Name, Vendor Name ("l2tp-nfqd"), Assigned Tunnel ID, Receive Window
 * Size.  With a host name of H bytes the Assigned Tunnel ID's value is
 * at byte 91 + H of the UDP datagram (header included).
 *
 * Reliable delivery (RFC 2661 5.8): every control message but a ZLB
 * takes the next Ns and stays queued until the peer's Nr passes it; it
 * is sent again after 1, 2, 4, 8, 8 s, then the tunnel has failed.  A
 * message is taken only in order; an old one is acknowledged again.
 * A tunnel is up when the peer has acknowledged its SCCCN, a session
 * when the ICCN is acknowledged, PPP when IPCP gave an address.
 *
 * Prints a line per tunnel, session and PPP link that comes up, with the
 * time from the tunnel's first SCCRQ, then a summary line.  Exit status:
 * 0 when everything asked for came up, 1 otherwise, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MSG_MAX		512
#define QMAX		4	/* unacknowledged messages per tunnel */
#define MAX_TRIES	5
#define PPP_TRIES	10
#define VENDOR		"l2tp-nfqd"

/* control message types */
enum {
	SCCRQ = 1, SCCRP, SCCCN, STOPCCN, HELLO = 6,
	ICRQ = 10, ICRP, ICCN, CDN = 14,
};

/* AVP types */
enum {
	A_MSGTYPE = 0, A_RESULT = 1, A_PROTO = 2, A_FRAMING_CAP = 3,
	A_BEARER_CAP = 4, A_FIRMWARE = 6, A_HOST = 7, A_VENDOR = 8,
	A_TID = 9, A_WINDOW = 10, A_SID = 14, A_SERIAL = 15,
	A_BEARER_TYPE = 18, A_FRAMING_TYPE = 19, A_TX_SPEED = 24,
};

/* PPP protocols and codes (RFC 1661, 1332, 1334) */
#define P_LCP	0xc021
#define P_PAP	0xc023
#define P_IPCP	0x8021
enum {
	CONF_REQ = 1, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK,
	CODE_REJ, PROTO_REJ, ECHO_REQ, ECHO_REP,
};

enum tstate { T_IDLE, T_WAIT_SCCRP, T_WAIT_ACK, T_UP, T_DOWN, T_FAILED };
enum sstate { S_NONE, S_WAIT_ICRP, S_WAIT_ACK, S_UP, S_DOWN };
enum pstate { P_OFF, P_LCP_, P_AUTH, P_IPCP_, P_UP, P_FAILED };

struct ctlmsg {
	uint16_t ns;
	uint16_t len;
	uint8_t buf[MSG_MAX];
};

struct ppp {
	enum pstate state;
	int ours_acked, theirs_acked;	/* LCP, both directions */
	uint8_t id;			/* our last request's identifier */
	uint32_t magic;
	uint8_t addr[4];		/* IPCP: what we ask for */
	double retx;
	unsigned int tries;
};

struct tunnel {
	uint16_t tid, peer_tid;
	uint16_t ns, nr;	/* next Ns we send, next Ns we expect */
	struct ctlmsg q[QMAX];
	unsigned int qn;
	double start, retx, rto;
	double last_sent;	/* a control message other than a ZLB */
	unsigned int tries;
	enum tstate state;
	uint16_t sid, peer_sid;
	enum sstate sstate;
	struct ppp ppp;
	char host[64];
};

static struct {
	int fd;
	struct sockaddr_storage server;
	socklen_t slen;
	struct tunnel *t;
	unsigned int n;
	int32_t by_tid[65536];
	int sessions, verbose;
	double hello;		/* -l */
	const char *user, *password;
	unsigned long retransmissions, ppp_retransmissions;	/* control, PPP */
	unsigned int tunnels_up, sessions_up, ppp_up;	/* came up */
	double first, last_tunnel_up;
} lac;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!lac.verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* a before b in 16-bit sequence space */
static int seq_before(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) < 0;
}

/* ---- control messages ---- */

struct builder {
	uint8_t *p;
	size_t n;
};

static void avp(struct builder *b, int mandatory, unsigned int type,
		const void *v, size_t len)
{
	if (b->n + 6 + len > MSG_MAX)
		return;
	put16(b->p + b->n, (mandatory ? 0x8000 : 0) | (unsigned int)(6 + len));
	put16(b->p + b->n + 2, 0);
	put16(b->p + b->n + 4, type);
	memcpy(b->p + b->n + 6, v, len);
	b->n += 6 + len;
}

static void avp16(struct builder *b, int m, unsigned int type, unsigned int v)
{
	uint8_t x[2];

	put16(x, v);
	avp(b, m, type, x, 2);
}

static void avp32(struct builder *b, int m, unsigned int type, uint32_t v)
{
	uint8_t x[4];

	put32(x, v);
	avp(b, m, type, x, 4);
}

/* the header; Length, Ns and Nr are filled in when sent */
static void begin(struct builder *b, uint8_t *buf, const struct tunnel *t,
		  unsigned int msgtype, uint16_t peer_sid)
{
	b->p = buf;
	b->n = 12;
	put16(buf, 0xc802);	/* T, L, S; version 2 */
	put16(buf + 4, t->peer_tid);
	put16(buf + 6, peer_sid);
	avp16(b, 1, A_MSGTYPE, msgtype);
}

static void xmit(const uint8_t *buf, size_t len)
{
	while (sendto(lac.fd, buf, len, 0, (struct sockaddr *)&lac.server,
		      lac.slen) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN) {
			/* no route, unreachable: as good as lost */
			vlog("sendto: %s\n", strerror(errno));
			return;
		}
		usleep(100);
	}
}

static const char *msg_name(unsigned int type)
{
	static const char *const names[] = {
		"ZLB", "SCCRQ", "SCCRP", "SCCCN", "StopCCN", "5", "HELLO",
		"OCRQ", "OCRP", "OCCN", "ICRQ", "ICRP", "ICCN", "13", "CDN",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static void send_queued(struct tunnel *t, struct ctlmsg *m)
{
	put16(m->buf + 10, t->nr);	/* the latest Nr, also when resent */
	vlog("tunnel %u: send %s Ns %u Nr %u\n", t->tid,
	     msg_name(m->len > 12 ? get16(m->buf + 18) : 0), m->ns, t->nr);
	xmit(m->buf, m->len);
}

/* Give the message the next Ns, queue it until acknowledged, send it. */
static int send_ctl(struct tunnel *t, struct builder *b)
{
	struct ctlmsg *m;

	if (t->qn == QMAX)
		return -ENOBUFS;
	m = &t->q[t->qn++];
	memcpy(m->buf, b->p, b->n);
	m->len = (uint16_t)b->n;
	m->ns = t->ns++;
	t->last_sent = now();
	put16(m->buf + 2, m->len);
	put16(m->buf + 8, m->ns);
	if (t->qn == 1) {
		t->tries = 0;
		t->rto = 1;
		t->retx = now() + t->rto;
	}
	send_queued(t, m);
	return 0;
}

static void send_zlb(struct tunnel *t)
{
	uint8_t buf[12];

	put16(buf, 0xc802);
	put16(buf + 2, 12);
	put16(buf + 4, t->peer_tid);
	put16(buf + 6, 0);
	put16(buf + 8, t->ns);
	put16(buf + 10, t->nr);
	vlog("tunnel %u: send ZLB Ns %u Nr %u\n", t->tid, t->ns, t->nr);
	xmit(buf, sizeof(buf));
}

static void send_sccrq(struct tunnel *t)
{
	uint8_t buf[MSG_MAX];
	struct builder b;

	begin(&b, buf, t, SCCRQ, 0);
	avp16(&b, 1, A_PROTO, 0x0100);
	avp32(&b, 1, A_FRAMING_CAP, 3);		/* sync and async */
	avp32(&b, 1, A_BEARER_CAP, 0);
	avp16(&b, 0, A_FIRMWARE, 0x0100);
	avp(&b, 1, A_HOST, t->host, strlen(t->host));
	avp(&b, 0, A_VENDOR, VENDOR, strlen(VENDOR));
	avp16(&b, 1, A_TID, t->tid);
	avp16(&b, 1, A_WINDOW, 8);
	t->state = T_WAIT_SCCRP;
	t->start = now();
	if (!lac.first)
		lac.first = t->start;
	send_ctl(t, &b);
}

static void send_simple(struct tunnel *t, unsigned int type)
{
	uint8_t buf[MSG_MAX];
	struct builder b;

	begin(&b, buf, t, type, 0);
	if (type == STOPCCN) {
		avp16(&b, 1, A_TID, t->tid);
		avp16(&b, 1, A_RESULT, 1);	/* general request to clear */
	}
	send_ctl(t, &b);
}

static void send_icrq(struct tunnel *t)
{
	uint8_t buf[MSG_MAX];
	struct builder b;

	begin(&b, buf, t, ICRQ, 0);
	avp16(&b, 1, A_SID, t->sid);
	avp32(&b, 1, A_SERIAL, t->tid);
	avp32(&b, 1, A_BEARER_TYPE, 0);
	t->sstate = S_WAIT_ICRP;
	send_ctl(t, &b);
}

static void send_iccn(struct tunnel *t)
{
	uint8_t buf[MSG_MAX];
	struct builder b;

	begin(&b, buf, t, ICCN, t->peer_sid);
	avp32(&b, 1, A_TX_SPEED, 100000000);
	avp32(&b, 1, A_FRAMING_TYPE, 1);	/* synchronous */
	t->sstate = S_WAIT_ACK;
	send_ctl(t, &b);
}

static void up_line(const struct tunnel *t, const char *what)
{
	double d = now();

	if (!strcmp(what, "tunnel")) {
		lac.tunnels_up++;
		lac.last_tunnel_up = d;
		printf("tunnel %u peer %u up %.1f ms\n", t->tid, t->peer_tid,
		       (d - t->start) * 1e3);
	} else if (!strcmp(what, "session")) {
		lac.sessions_up++;
		printf("session %u/%u peer %u/%u up %.1f ms\n", t->tid, t->sid,
		       t->peer_tid, t->peer_sid, (d - t->start) * 1e3);
	} else {
		lac.ppp_up++;
		printf("ppp %u/%u address %u.%u.%u.%u up %.1f ms\n", t->tid,
		       t->sid, t->ppp.addr[0], t->ppp.addr[1], t->ppp.addr[2],
		       t->ppp.addr[3], (d - t->start) * 1e3);
	}
}

static void ppp_start(struct tunnel *t);

/* The peer's Nr acknowledges everything queued before it. */
static void acked(struct tunnel *t, uint16_t nr)
{
	unsigned int k = 0, i;

	while (k < t->qn && seq_before(t->q[k].ns, nr))
		k++;
	if (!k)
		return;
	for (i = 0; i < k; i++) {
		unsigned int type = get16(t->q[i].buf + 18);

		if (type == SCCCN && t->state == T_WAIT_ACK) {
			t->state = T_UP;
			up_line(t, "tunnel");
			if (lac.sessions)
				send_icrq(t);
		} else if (type == ICCN && t->sstate == S_WAIT_ACK) {
			t->sstate = S_UP;
			up_line(t, "session");
			if (lac.user)
				ppp_start(t);
		} else if (type == STOPCCN) {
			t->state = T_DOWN;
		}
	}
	/* send_icrq may have queued behind the acknowledged ones */
	memmove(t->q, t->q + k, (t->qn - k) * sizeof(t->q[0]));
	t->qn -= k;
	t->tries = 0;
	t->rto = 1;
	t->retx = now() + t->rto;
}

struct avps {
	unsigned int type, tid, sid, result;
	int have_tid, have_sid, bad;
};

static void parse_avps(const uint8_t *p, size_t len, struct avps *a)
{
	size_t off = 12;
	int first = 1;

	memset(a, 0, sizeof(*a));
	while (off + 6 <= len) {
		unsigned int w = get16(p + off), l = w & 0x3ff;
		unsigned int vendor = get16(p + off + 2);
		unsigned int type = get16(p + off + 4);
		const uint8_t *v = p + off + 6;

		if (l < 6 || off + l > len) {
			a->bad = 1;
			return;
		}
		if (w & 0x4000) {
			/* hidden: no tunnel secret here */
			if (w & 0x8000)
				a->bad = 1;
		} else if (vendor == 0 && l >= 8) {
			if (type == A_MSGTYPE && first)
				a->type = get16(v);
			else if (type == A_TID)
				a->tid = get16(v), a->have_tid = 1;
			else if (type == A_SID)
				a->sid = get16(v), a->have_sid = 1;
			else if (type == A_RESULT)
				a->result = get16(v);
		}
		if (first && (vendor || type != A_MSGTYPE))
			a->bad = 1;
		first = 0;
		off += l;
	}
}

static void control(struct tunnel *t, const uint8_t *p, size_t len)
{
	unsigned int ns = get16(p + 8), nr = get16(p + 10);
	unsigned int qn_before;
	struct avps a;

	acked(t, (uint16_t)nr);
	if (len == 12) {
		vlog("tunnel %u: got ZLB Ns %u Nr %u\n", t->tid, ns, nr);
		return;
	}
	if (ns != t->nr) {
		vlog("tunnel %u: got Ns %u, expected %u\n", t->tid, ns, t->nr);
		/* an old one: our acknowledgement was lost */
		if (seq_before((uint16_t)ns, t->nr))
			send_zlb(t);
		return;
	}
	parse_avps(p, len, &a);
	vlog("tunnel %u: got %s Ns %u Nr %u\n", t->tid, msg_name(a.type), ns,
	     nr);
	if (a.bad) {
		vlog("tunnel %u: malformed message dropped\n", t->tid);
		return;
	}
	t->nr++;
	qn_before = t->qn;
	switch (a.type) {
	case SCCRP:
		if (t->state != T_WAIT_SCCRP)
			break;
		if (!a.have_tid || !a.tid) {
			printf("failed tunnel %u: SCCRP without a tunnel ID\n",
			       t->tid);
			t->state = T_FAILED;
			break;
		}
		t->peer_tid = (uint16_t)a.tid;
		t->state = T_WAIT_ACK;
		send_simple(t, SCCCN);
		break;
	case STOPCCN:
		printf("stopped tunnel %u: result %u\n", t->tid, a.result);
		t->state = T_DOWN;
		t->qn = 0;
		break;
	case ICRP:
		if (t->sstate != S_WAIT_ICRP || get16(p + 6) != t->sid ||
		    !a.have_sid)
			break;
		t->peer_sid = (uint16_t)a.sid;
		send_iccn(t);
		break;
	case CDN:
		if (get16(p + 6) == t->sid && t->sstate != S_NONE) {
			printf("closed session %u/%u: result %u\n", t->tid,
			       t->sid, a.result);
			t->sstate = S_DOWN;
		}
		break;
	default:	/* HELLO and the rest: only acknowledged */
		break;
	}
	if (t->qn == qn_before)
		send_zlb(t);
}

/* ---- PPP, just enough for LCP, PAP and IPCP ---- */

static void send_ppp(struct tunnel *t, unsigned int proto, const uint8_t *p,
		     size_t len)
{
	uint8_t buf[MSG_MAX];

	if (len + 10 > sizeof(buf))
		return;
	put16(buf, 0x0002);		/* data: no L, no S */
	put16(buf + 2, t->peer_tid);
	put16(buf + 4, t->peer_sid);
	buf[6] = 0xff;			/* HDLC address and control */
	buf[7] = 0x03;
	put16(buf + 8, proto);
	memcpy(buf + 10, p, len);
	xmit(buf, len + 10);
}

/* code, identifier, length, then @len bytes of @data */
static void send_cp(struct tunnel *t, unsigned int proto, unsigned int code,
		    unsigned int id, const uint8_t *data, size_t len)
{
	uint8_t buf[MSG_MAX];

	if (len + 4 > sizeof(buf))
		return;
	buf[0] = (uint8_t)code;
	buf[1] = (uint8_t)id;
	put16(buf + 2, (unsigned int)(len + 4));
	memcpy(buf + 4, data, len);
	send_ppp(t, proto, buf, len + 4);
}

static void ppp_request(struct tunnel *t)
{
	struct ppp *pp = &t->ppp;
	uint8_t o[64];
	size_t n = 0, u, w;

	pp->id++;
	switch (pp->state) {
	case P_LCP_:
		o[n++] = 5;	/* Magic-Number */
		o[n++] = 6;
		put32(o + n, pp->magic);
		n += 4;
		send_cp(t, P_LCP, CONF_REQ, pp->id, o, n);
		break;
	case P_AUTH:
		u = strlen(lac.user);
		w = strlen(lac.password);
		if (u > 20 || w > 20)
			return;
		o[n++] = (uint8_t)u;
		memcpy(o + n, lac.user, u);
		n += u;
		o[n++] = (uint8_t)w;
		memcpy(o + n, lac.password, w);
		n += w;
		send_cp(t, P_PAP, 1, pp->id, o, n);
		break;
	case P_IPCP_:
		o[n++] = 3;	/* IP-Address */
		o[n++] = 6;
		memcpy(o + n, pp->addr, 4);
		n += 4;
		send_cp(t, P_IPCP, CONF_REQ, pp->id, o, n);
		break;
	default:
		return;
	}
	/* 3 s, as pppd's restart timer: a PAP request waits for RADIUS */
	pp->retx = now() + 3;
}

static void ppp_next(struct tunnel *t, enum pstate s)
{
	t->ppp.state = s;
	t->ppp.tries = 0;
	if (s == P_UP)
		up_line(t, "ppp");
	else
		ppp_request(t);
}

static void ppp_start(struct tunnel *t)
{
	memset(&t->ppp, 0, sizeof(t->ppp));
	t->ppp.magic = (uint32_t)rand() | 1;
	ppp_next(t, P_LCP_);
}

static void ppp_timer(struct tunnel *t, double d)
{
	struct ppp *pp = &t->ppp;

	if (pp->state == P_OFF || pp->state == P_UP ||
	    pp->state == P_FAILED || d < pp->retx)
		return;
	if (++pp->tries > PPP_TRIES) {
		printf("failed ppp %u/%u: no answer in state %d\n", t->tid,
		       t->sid, pp->state);
		pp->state = P_FAILED;
		return;
	}
	lac.ppp_retransmissions++;
	ppp_request(t);
}

/*
 * The peer's LCP Configure-Request: accept its options but multilink
 * (rejected, as a plain client does) and an authentication protocol
 * other than PAP (Nak'd with PAP).
 */
static void lcp_conf_req(struct tunnel *t, unsigned int id, const uint8_t *o,
			 size_t len)
{
	uint8_t rej[MSG_MAX], nak[8];
	size_t off = 0, nr = 0, nn = 0;

	while (off + 2 <= len && o[off + 1] >= 2 && off + o[off + 1] <= len) {
		unsigned int type = o[off], l = o[off + 1];

		if (type == 17 || type == 19) {
			memcpy(rej + nr, o + off, l);
			nr += l;
		} else if (type == 3 && (l < 4 || get16(o + off + 2) != P_PAP)) {
			nak[0] = 3;
			nak[1] = 4;
			put16(nak + 2, P_PAP);
			nn = 4;
		}
		off += l;
	}
	if (nr)
		send_cp(t, P_LCP, CONF_REJ, id, rej, nr);
	else if (nn)
		send_cp(t, P_LCP, CONF_NAK, id, nak, nn);
	else {
		send_cp(t, P_LCP, CONF_ACK, id, o, len);
		t->ppp.theirs_acked = 1;
	}
}

static void lcp(struct tunnel *t, unsigned int code, unsigned int id,
		const uint8_t *d, size_t len)
{
	struct ppp *pp = &t->ppp;
	uint8_t reply[MSG_MAX];

	switch (code) {
	case CONF_REQ:
		lcp_conf_req(t, id, d, len);
		break;
	case CONF_ACK:
		if (id == pp->id && pp->state == P_LCP_)
			pp->ours_acked = 1;
		break;
	case ECHO_REQ:
		if (len < 4 || len > sizeof(reply))
			break;
		memcpy(reply, d, len);
		put32(reply, pp->magic);
		send_cp(t, P_LCP, ECHO_REP, id, reply, len);
		break;
	case TERM_REQ:
		send_cp(t, P_LCP, TERM_ACK, id, NULL, 0);
		if (pp->state != P_FAILED) {
			printf("ppp %u/%u terminated by the peer\n", t->tid,
			       t->sid);
			pp->state = P_FAILED;
		}
		return;
	default:
		break;
	}
	if (pp->state == P_LCP_ && pp->ours_acked && pp->theirs_acked)
		ppp_next(t, P_AUTH);
}

static void pap(struct tunnel *t, unsigned int code, unsigned int id)
{
	if (t->ppp.state != P_AUTH || id != t->ppp.id)
		return;
	if (code == 2) {
		ppp_next(t, P_IPCP_);
	} else if (code == 3) {
		printf("failed ppp %u/%u: PAP refused\n", t->tid, t->sid);
		t->ppp.state = P_FAILED;
	}
}

static void ipcp(struct tunnel *t, unsigned int code, unsigned int id,
		 const uint8_t *d, size_t len)
{
	struct ppp *pp = &t->ppp;

	if (code == CONF_REQ) {
		/* the peer's own address: fine */
		send_cp(t, P_IPCP, CONF_ACK, id, d, len);
		return;
	}
	if (pp->state != P_IPCP_ || id != pp->id)
		return;
	if (code == CONF_NAK && len >= 6 && d[0] == 3 && d[1] == 6) {
		memcpy(pp->addr, d + 2, 4);	/* the address it gives us */
		pp->tries = 0;
		ppp_request(t);
	} else if (code == CONF_ACK) {
		ppp_next(t, P_UP);
	}
}

static void data(struct tunnel *t, const uint8_t *p, size_t len)
{
	unsigned int flags = get16(p), proto, code, id, l;
	size_t off = 2;

	if (flags & 0x4000)
		off += 2;
	if (len < off + 4 || get16(p + off + 2) != t->sid)
		return;
	off += 4;
	if (flags & 0x0800)
		off += 4;
	if (flags & 0x0200) {
		if (len < off + 2)
			return;
		off += 2 + get16(p + off);
	}
	if (len >= off + 2 && p[off] == 0xff && p[off + 1] == 0x03)
		off += 2;
	if (len < off + 1)
		return;
	if (p[off] & 1) {
		proto = p[off];
		off++;
	} else {
		if (len < off + 2)
			return;
		proto = get16(p + off);
		off += 2;
	}
	if (len < off + 4 || t->ppp.state == P_OFF)
		return;
	code = p[off];
	id = p[off + 1];
	l = get16(p + off + 2);
	if (l < 4 || off + l > len)
		return;
	vlog("tunnel %u: PPP %04x code %u id %u\n", t->tid, proto, code, id);
	if (proto == P_LCP) {
		lcp(t, code, id, p + off + 4, l - 4);
	} else if (proto == P_PAP) {
		pap(t, code, id);
	} else if (proto == P_IPCP) {
		ipcp(t, code, id, p + off + 4, l - 4);
	} else {
		uint8_t rej[MSG_MAX];
		size_t n = len - off + 2 < 200 ? len - off + 2 : 200;

		/* Protocol-Reject: the protocol, then the packet */
		put16(rej, proto);
		memcpy(rej + 2, p + off, n - 2);
		send_cp(t, P_LCP, PROTO_REJ, 0, rej, n);
	}
}

/* ---- the loop ---- */

static int same_peer(const struct sockaddr_storage *a)
{
	const struct sockaddr_storage *s = &lac.server;

	if (a->ss_family != s->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)s)->sin_addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)s)->sin6_addr, 16);
}

static void receive(void)
{
	struct sockaddr_storage from;
	uint8_t buf[4096];
	socklen_t fl;
	ssize_t r;

	for (;;) {
		unsigned int flags, tid;
		struct tunnel *t;
		int32_t k;

		fl = sizeof(from);
		r = recvfrom(lac.fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (r < 0)
			return;
		if (r < 6 || !same_peer(&from))
			continue;
		flags = get16(buf);
		if ((flags & 0x000f) != 2)
			continue;
		if (flags & 0x8000) {
			/* control: T, L and S set, O and P clear */
			if ((flags & 0xcb00) != 0xc800 || r < 12 ||
			    get16(buf + 2) < 12 || get16(buf + 2) > r)
				continue;
			tid = get16(buf + 4);
		} else {
			tid = get16(buf + (flags & 0x4000 ? 4 : 2));
		}
		k = lac.by_tid[tid];
		if (!tid || k < 0)
			continue;
		t = &lac.t[k];
		if (t->state == T_IDLE || t->state == T_FAILED)
			continue;
		if (flags & 0x8000)
			control(t, buf, get16(buf + 2));
		else
			data(t, buf, (size_t)r);
	}
}

static void timers(double d)
{
	unsigned int i, j;

	for (i = 0; i < lac.n; i++) {
		struct tunnel *t = &lac.t[i];

		if (t->state == T_FAILED || t->state == T_IDLE)
			continue;
		if (t->qn && d >= t->retx) {
			if (++t->tries > MAX_TRIES) {
				printf("failed tunnel %u: no acknowledgement "
				       "of %s\n", t->tid,
				       msg_name(get16(t->q[0].buf + 18)));
				t->state = T_FAILED;
				t->qn = 0;
				continue;
			}
			t->rto = t->rto * 2 > 8 ? 8 : t->rto * 2;
			t->retx = d + t->rto;
			lac.retransmissions++;
			for (j = 0; j < t->qn; j++)
				send_queued(t, &t->q[j]);
		}
		ppp_timer(t, d);
		if (lac.hello && t->state == T_UP && !t->qn &&
		    d - t->last_sent >= lac.hello)
			send_simple(t, HELLO);
	}
}

/* Everything asked for is up, or has failed for good; counts failures. */
static int settled(unsigned int *failed)
{
	unsigned int i, done = 0;

	*failed = 0;
	for (i = 0; i < lac.n; i++) {
		const struct tunnel *t = &lac.t[i];

		if (t->state == T_FAILED || t->state == T_DOWN ||
		    t->sstate == S_DOWN || t->ppp.state == P_FAILED) {
			(*failed)++;
			done++;
		} else if (t->state == T_UP &&
			   (!lac.sessions || t->sstate == S_UP) &&
			   (!lac.user || t->ppp.state == P_UP)) {
			done++;
		}
	}
	return done == lac.n;
}

static int set_server(const char *s, unsigned int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&lac.server;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&lac.server;

	memset(&lac.server, 0, sizeof(lac.server));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		lac.slen = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		lac.slen = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: lac [-s SPORT | -e] [-n COUNT] [-t FIRST_TID | "
		"-i TID,...] [-H PREFIX] [-c] [-u USER:PASSWORD] [-W OPENING] "
		"[-w SECONDS] [-k] [-K] [-l SECONDS] [-v] SERVER [PORT]\n");
	exit(2);
}

static void open_socket(int family, unsigned int sport)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int one = 1, big = 4 << 20;

	lac.fd = socket(family, SOCK_DGRAM, 0);
	if (lac.fd < 0)
		die("socket");
	setsockopt(lac.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lac.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)sport);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)sport);
	if (bind(lac.fd, (struct sockaddr *)&ss, family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)))
		die("bind");
}

/* the tunnels and their IDs, from -t or -i */
static void make_tunnels(unsigned int first, const char *ids,
			 const char *prefix)
{
	unsigned int i, *list = NULL, nl = 0;

	if (ids) {
		char *s = strdup(ids), *tok, *save = NULL;

		list = calloc(strlen(ids) + 1, sizeof(*list));
		if (!s || !list)
			die("malloc");
		for (tok = strtok_r(s, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			list[nl++] = (unsigned int)strtoul(tok, NULL, 0);
		free(s);
		if (!nl)
			usage();
	}
	lac.t = calloc(lac.n, sizeof(*lac.t));
	if (!lac.t)
		die("calloc");
	for (i = 0; i < 65536; i++)
		lac.by_tid[i] = -1;
	for (i = 0; i < lac.n; i++) {
		struct tunnel *t = &lac.t[i];
		unsigned int tid = list ? list[i % nl] :
				   (first + i - 1) % 65535 + 1;

		if (!tid || tid > 65535 || lac.by_tid[tid] >= 0) {
			fprintf(stderr, "lac: tunnel ID %u: zero, too big or "
				"used twice\n", tid);
			exit(2);
		}
		t->tid = (uint16_t)tid;
		t->sid = (uint16_t)(i % 65535 + 1);
		lac.by_tid[tid] = (int32_t)i;
		snprintf(t->host, sizeof(t->host), "%s%05u", prefix, i + 1);
	}
	free(list);
}

int main(int argc, char **argv)
{
	unsigned int sport = 1701, first = 1, opening_max = 1, next = 0, i;
	unsigned int up, failed;
	const char *ids = NULL, *prefix = "lac-";
	double wait_s = 30, deadline, d;
	int c, family, keep = 0, leave_open = 0;
	char *colon;

	lac.n = 1;
	while ((c = getopt(argc, argv, "s:en:t:i:H:cu:W:w:kKl:v")) != -1) {
		switch (c) {
		case 's':
			sport = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'e':
			sport = 0;
			break;
		case 'n':
			lac.n = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 't':
			first = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'i':
			ids = optarg;
			break;
		case 'H':
			prefix = optarg;
			break;
		case 'c':
			lac.sessions = 1;
			break;
		case 'u':
			colon = strchr(optarg, ':');
			if (!colon)
				usage();
			*colon = '\0';
			lac.user = optarg;
			lac.password = colon + 1;
			lac.sessions = 1;
			break;
		case 'W':
			opening_max = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			wait_s = strtod(optarg, NULL);
			break;
		case 'k':
			keep = 1;
			break;
		case 'K':
			leave_open = 1;
			break;
		case 'l':
			lac.hello = strtod(optarg, NULL);
			break;
		case 'v':
			lac.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || !lac.n || lac.n > 65535 || !opening_max ||
	    sport > 65535 || !first || first > 65535 || strlen(prefix) > 40)
		usage();
	family = set_server(argv[optind], optind + 1 < argc ?
			    (unsigned int)strtoul(argv[optind + 1], NULL, 0) :
			    1701);
	if (family < 0)
		usage();
	make_tunnels(first, ids, prefix);
	open_socket(family, sport);
	srand((unsigned int)getpid());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	deadline = now() + wait_s;
	while (!stop_flag) {
		struct pollfd pfd = { .fd = lac.fd, .events = POLLIN };
		unsigned int opening = 0;

		for (i = 0; i < lac.n; i++)
			opening += lac.t[i].state == T_WAIT_SCCRP;
		while (next < lac.n && opening < opening_max) {
			send_sccrq(&lac.t[next++]);
			opening++;
		}
		d = now();
		timers(d);
		if (d >= deadline)
			break;
		if (next == lac.n && !keep && settled(&failed))
			break;
		if (poll(&pfd, 1, 10) > 0)
			receive();
	}
	settled(&failed);
	up = lac.tunnels_up;
	d = lac.last_tunnel_up - lac.first;
	printf("summary: tunnels %u/%u up, sessions %u, ppp %u, failed %u, "
	       "retransmissions %lu control %lu PPP, last up after %.3f s, "
	       "%.1f tunnels/s\n",
	       up, lac.n, lac.sessions_up, lac.ppp_up, failed,
	       lac.retransmissions, lac.ppp_retransmissions, up ? d : 0.0,
	       up && d > 0 ? up / d : 0.0);

	if (!leave_open) {
		/* close what is up, and wait a little for the acks */
		for (i = 0; i < lac.n; i++)
			if (lac.t[i].state == T_UP)
				send_simple(&lac.t[i], STOPCCN);
		deadline = now() + 2;
		while (now() < deadline) {
			struct pollfd pfd = { .fd = lac.fd, .events = POLLIN };
			unsigned int open = 0;

			for (i = 0; i < lac.n; i++)
				open += lac.t[i].state == T_UP;
			if (!open)
				break;
			timers(now());
			if (poll(&pfd, 1, 10) > 0)
				receive();
		}
	}
	return up == lac.n &&
	       (!lac.sessions || lac.sessions_up == lac.n) &&
	       (!lac.user || lac.ppp_up == lac.n) ? 0 : 1;
}
