// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel sets' elements (src/tunnel/tmap.c) against a stand-in of nft.c's
 * run-time API: nft_send() here parses each batch back with libnftnl,
 * records it and fails the messages a test names (by their index in a
 * send, or by the element they carry); nft_dump() lists the elements a
 * test puts in its sets.  What is checked is tmap.c's policy: what is
 * gathered per tunnel, deletions before additions, one grouped send,
 * then element by element dropping only the failed, the failed told
 * back once, the counts.  The stand-in is what links here instead of
 * nft.c, which is not in the unit tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/set.h>

/*
 * tmap.c itself, its functions renamed: xlate.c's test links a stand-in
 * of this very module into the same program.
 */
#define tmap_open	unit_tmap_open
#define tmap_add	unit_tmap_add
#define tmap_del	unit_tmap_del
#define tmap_bind	unit_tmap_bind
#define tmap_unbind	unit_tmap_unbind
#define tmap_refresh	unit_tmap_refresh
#define tmap_commit	unit_tmap_commit
#define tmap_list	unit_tmap_list
#define tmap_log_stats	unit_tmap_log_stats
#define tmap_close	unit_tmap_close
#include "../../src/tunnel/tmap.c"

#include "unit.h"

#define MAX_SENDS	16
#define MAX_INJECT	8
#define MAX_LISTED	8
#define MAX_MSGS	16	/* messages described one by one */
#define TMAP_MAX_IDS	256

/* One send as the stand-in saw it. */
struct sent {
	int grouped;		/* no failure array asked for */
	unsigned int nmsg;	/* what tmap said */
	unsigned int msgs;	/* what the batch held */
	unsigned int elems;
	int numbered;		/* first and every next seq as told */
	char desc[1024];	/* "+tunnels4(5,6) -live4(7)" */
	char msg[MAX_MSGS][64];	/* each message's part of it */
};

/* An element the stand-in lists for nft_dump(). */
struct listed_elem {
	const char *set;
	int family;
	const char *addr;
	uint16_t id;
	uint32_t data;
	uint32_t dlen;		/* 0: none; 4: mark; 2: an ID; else as is */
};

struct nft {
	struct nft_cfg cfg;
	uint32_t seq;
	unsigned int nsends;
	struct sent sent[MAX_SENDS];
	/* failures: message @msg of send @send fails with @err */
	struct {
		unsigned int send, msg;
		int err;
	} inject[MAX_INJECT];
	unsigned int ninject;
	/* and every message that carries element @fail_id of @fail_set */
	const char *fail_set;
	uint16_t fail_id;
	int fail_err;
	int not_sent;		/* -errno: nothing is sent */
	/* nft_dump() */
	struct listed_elem listed[MAX_LISTED];
	unsigned int nlisted;
	char dumped[256];	/* the sets listed, in order */
	const char *dump_fail;	/* this set's listing fails */
};

const struct nft_cfg *nft_cfg(const struct nft *n)
{
	return &n->cfg;
}

uint32_t *nft_seq(struct nft *n)
{
	return &n->seq;
}

static int cmp_u16(const void *a, const void *b)
{
	return *(const uint16_t *)a - *(const uint16_t *)b;
}

/* An element's key.  Read attribute by attribute: libnftnl numbers the
 * elements it builds 1, 2, ... (the kernel reads them in any case), and
 * its own parser takes only NFTA_LIST_ELEM, i.e. only the first. */
static uint32_t elem_key(struct nlattr *el, uint8_t *key)
{
	struct nlattr *a, *v;
	uint32_t klen = 0;

	mnl_attr_for_each_nested(a, el) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_KEY)
			continue;
		mnl_attr_for_each_nested(v, a)
			if (mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
			    mnl_attr_get_payload_len(v) <= 32) {
				klen = mnl_attr_get_payload_len(v);
				memcpy(key, mnl_attr_get_payload(v), klen);
			}
	}
	return klen;
}

/* The elements of one message, described ("+tunnels4(5,6)", the IDs
 * sorted: tmap.c sorts by set, not within one); whether it carries the
 * one that fails. */
static int describe(struct nft *n, const struct nlmsghdr *nlh,
		    struct sent *s, unsigned int i)
{
	struct nlattr *attr, *el;
	uint16_t ids[TMAP_MAX_IDS], id;
	uint8_t key[32];
	char d[1024], name[64] = "";
	unsigned int k, nids = 0;
	size_t len, dlen = strlen(s->desc);
	uint32_t klen;
	int hit = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_LIST_SET &&
		    mnl_attr_get_payload_len(attr) < sizeof(name))
			memcpy(name, mnl_attr_get_payload(attr),
			       mnl_attr_get_payload_len(attr));
	}
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, attr) {
			klen = elem_key(el, key);
			/* address . ID [. mark]: 8 or 12 bytes, 20 or 24 */
			if (klen < 8)
				continue;
			memcpy(&id, key + (klen <= 12 ? 4 : 16), 2);
			id = ntohs(id);
			if (n->fail_set && !strcmp(name, n->fail_set) &&
			    id == n->fail_id)
				hit = 1;
			if (nids < TMAP_MAX_IDS)
				ids[nids++] = id;
			s->elems++;
		}
	}
	qsort(ids, nids, sizeof(ids[0]), cmp_u16);
	len = (size_t)snprintf(d, sizeof(d), "%c%s(",
			       NFNL_MSG_TYPE(nlh->nlmsg_type) ==
			       NFT_MSG_DELSETELEM ? '-' : '+', name);
	for (k = 0; k < nids && len < sizeof(d); k++)
		len += (size_t)snprintf(d + len, sizeof(d) - len, "%s%u",
					k ? "," : "", ids[k]);
	if (len < sizeof(d))
		snprintf(d + len, sizeof(d) - len, ")");
	len = strlen(d);
	if (i < MAX_MSGS && len < sizeof(s->msg[i]))
		memcpy(s->msg[i], d, len + 1);
	if (dlen + 1 + len < sizeof(s->desc)) {
		if (dlen)
			s->desc[dlen++] = ' ';
		memcpy(s->desc + dlen, d, len + 1);
	}
	return hit;
}

int nft_send(struct nft *n, const void *buf, size_t len, uint32_t first,
	     unsigned int nmsg, int *failed)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len, nerr = 0, err;
	struct sent *s;
	unsigned int i, k;

	if (failed)
		memset(failed, 0, nmsg * sizeof(*failed));
	if (n->not_sent)
		return n->not_sent;
	if (n->nsends == MAX_SENDS)
		return -ENOBUFS;
	s = &n->sent[n->nsends];
	memset(s, 0, sizeof(*s));
	s->grouped = !failed;
	s->nmsg = nmsg;
	s->numbered = 1;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
		    nlh->nlmsg_type == NFNL_MSG_BATCH_END)
			continue;
		i = s->msgs++;
		if (nlh->nlmsg_seq != first + i ||
		    (nlh->nlmsg_flags & NLM_F_ACK))
			s->numbered = 0;
		err = describe(n, nlh, s, i) ? n->fail_err : 0;
		for (k = 0; k < n->ninject; k++)
			if (n->inject[k].send == n->nsends &&
			    n->inject[k].msg == i)
				err = n->inject[k].err;
		if (!err)
			continue;
		nerr++;
		if (failed && i < nmsg)
			failed[i] = err;
	}
	n->nsends++;
	return nerr;
}

/* One listed element as the kernel sends it, in an NFTA_LIST_ELEM. */
static void dump_elem(struct nlmsghdr *nlh, const struct listed_elem *l)
{
	struct nlattr *el, *nest;
	uint8_t key[20] = { 0 };
	size_t alen = l->family == AF_INET6 ? 16 : 4;
	uint16_t id = htons(l->id), d16 = htons((uint16_t)l->data);

	inet_pton(l->family, l->addr, key);
	memcpy(key + alen, &id, 2);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, alen + 4, key);
	mnl_attr_nest_end(nlh, nest);
	if (l->dlen) {
		nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, l->dlen,
			     l->dlen == 2 ? (const void *)&d16 :
			     (const void *)&l->data);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, el);
}

int nft_dump(struct nft *n, uint16_t type, const char *name, nl_data_cb cb,
	     void *data)
{
	static char buf[8192] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;
	size_t len = strlen(n->dumped);

	snprintf(n->dumped + len, sizeof(n->dumped) - len, "%s%s",
		 len ? " " : "", name ? name : "?");
	if (type != NFT_MSG_GETSETELEM || !name)
		return -EINVAL;
	if (n->dump_fail && !strcmp(name, n->dump_fail))
		return -EIO;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWSETELEM, NFPROTO_INET,
				    NLM_F_MULTI, 1);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, n->cfg.table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
	nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < n->nlisted; i++)
		if (!strcmp(n->listed[i].set, name))
			dump_elem(nlh, &n->listed[i]);
	mnl_attr_nest_end(nlh, nest);
	cb(nlh, data);
	return 0;
}

/* What tmap told back. */
struct told {
	unsigned int n;
	void *tag[64];
};

static void failed_cb(void *tag, void *data)
{
	struct told *t = data;

	if (t->n < 64)
		t->tag[t->n] = tag;
	t->n++;
}

static unsigned int told_of(const struct told *t, const void *tag)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->n && i < 64; i++)
		n += t->tag[i] == tag;
	return n;
}

static void setup(struct nft *n, struct tmap **m, struct told *told)
{
	memset(n, 0, sizeof(*n));
	memset(told, 0, sizeof(*told));
	n->cfg.table = "l2tp-nfqd";
	n->cfg.tunnel_marks = 1;
	n->cfg.tunnel_timeout = 300;
	n->cfg.tunnel_max = 4096;
	n->seq = 1000;
	*m = NULL;
	tmap_open(m, n, failed_cb, told);
}

static void tunnel(struct tunnel *t, int family, const char *addr,
		   uint16_t id, uint16_t orig_id, uint32_t mark)
{
	memset(t, 0, sizeof(*t));
	t->family = (uint8_t)family;
	inet_pton(family, addr, &t->peer);
	t->id = id;
	t->orig_id = orig_id;
	t->mark = mark;
}

/* tmap_log_stats()'s line, read back from stderr. */
static void stats_line(const struct tmap *m, char *out, size_t size)
{
	FILE *f = tmpfile();
	int saved;
	size_t n = 0;

	*out = 0;
	if (!f)
		return;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	tmap_log_stats(m);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = 0;
	fclose(f);
}

static int stats_are(const struct tmap *m, const char *want)
{
	char line[512];

	stats_line(m, line, sizeof(line));
	if (strstr(line, want))
		return 1;
	printf("  stats: %s", line);
	return 0;
}

static void test_tmap_gather(void)
{
	struct nft n;
	struct tmap *m;
	struct told told;
	struct tunnel a, b, c;

	setup(&n, &m, &told);
	CHECK("tmap: opened", m != NULL);
	if (!m)
		return;
	tmap_commit(m);
	CHECK("tmap: nothing gathered, nothing sent", n.nsends == 0);

	tunnel(&a, AF_INET, "192.0.2.1", 5, 5, 0x105);
	tunnel(&b, AF_INET, "192.0.2.1", 0x8001, 7, 0x106);
	tmap_add(m, &a, &a);
	tmap_add(m, &b, &b);
	CHECK("tmap: gathered, not sent before the commit", n.nsends == 0 &&
	      a.live_at && b.live_at);
	tmap_commit(m);
	CHECK("tmap: one grouped send per commit", n.nsends == 1 &&
	      n.sent[0].grouped && n.sent[0].numbered);
	CHECK("tmap: mark, liveness, and the translation only where the ID "
	      "differs", !strcmp(n.sent[0].desc,
	      "+tunnels4(5,32769) +live4(5,32769) +xlate4(32769)"));
	CHECK("tmap: nothing told back when all went in", told.n == 0);
	tmap_commit(m);
	CHECK("tmap: a commit sends what was gathered once", n.nsends == 1);

	tunnel(&c, AF_INET6, "2001:db8::1", 9, 9, 0x107);
	tmap_add(m, &c, &c);
	tmap_del(m, &a);
	b.lns_id = 0x0a01;
	tmap_bind(m, &b, &b);
	tmap_commit(m);
	CHECK("tmap: deletions first, per family; bindings keyed by the "
	      "L2TP daemon's ID", n.nsends == 2 && !strcmp(n.sent[1].desc,
	      "-tunnels4(5) -live4(5) -xlate4(5) "
	      "+lns4(32769) +own4(2561) +bound4(2561) "
	      "+tunnels6(9) +live6(9)"));

	tmap_unbind(m, &b, 1);
	tmap_commit(m);
	CHECK("tmap: unbind with the ID taken over keeps bound",
	      n.nsends == 3 && !strcmp(n.sent[2].desc,
	      "-lns4(32769) -own4(2561)"));
	tmap_del(m, &b);
	tmap_commit(m);
	CHECK("tmap: a tunnel's removal takes its binding along",
	      n.nsends == 4 && !strcmp(n.sent[3].desc,
	      "-tunnels4(32769) -live4(32769) -xlate4(32769) "
	      "-lns4(32769) -own4(2561) -bound4(2561)"));
	a.lns_id = 0;
	tmap_unbind(m, &a, 0);
	tmap_commit(m);
	CHECK("tmap: nothing to unbind without the L2TP daemon's ID",
	      n.nsends == 4);

	/* liveness: written again only a quarter timeout later */
	tmap_refresh(m, &c);
	tmap_commit(m);
	CHECK("tmap: a retransmitted SCCRQ soon after writes nothing",
	      n.nsends == 4);
	c.live_at -= 75;
	tmap_refresh(m, &c);
	tmap_commit(m);
	CHECK("tmap: a quarter timeout later, its liveness again",
	      n.nsends == 5 && !strcmp(n.sent[4].desc, "+live6(9)") &&
	      c.live_at >= (uint32_t)mono_sec() - 1);
	tmap_refresh(NULL, &c);
	tmap_add(NULL, &c, &c);
	tmap_commit(NULL);
	CHECK("tmap: without maps, nothing", n.nsends == 5);
	CHECK("tmap: counted", stats_are(m, "elements written 22 in 5 "
	      "transactions, refused 0 (map full 0), tunnels expired 0"));
	tmap_close(m);
}

/* A failure: element by element, only the failed dropped. */
static void test_tmap_failures(void)
{
	struct tunnel t[4], *failed_one;
	char want[256];
	struct nft n;
	struct tmap *m;
	struct told told;
	unsigned int i;

	setup(&n, &m, &told);
	if (!m)
		return;
	for (i = 0; i < 4; i++) {
		tunnel(&t[i], AF_INET, "192.0.2.9", (uint16_t)(10 + i),
		       (uint16_t)(10 + i), 0x200 + i);
		tmap_add(m, &t[i], &t[i]);
	}
	n.fail_set = "tunnels4";
	n.fail_id = 12;
	n.fail_err = -ENFILE;
	tmap_commit(m);
	CHECK("tmap: a full map: grouped, then element by element, then "
	      "the rest again", n.nsends == 3 && n.sent[0].grouped &&
	      !n.sent[1].grouped && !n.sent[2].grouped);
	CHECK("tmap: element by element, the failure array as long as the "
	      "batch", n.sent[1].msgs == 8 && n.sent[1].nmsg == 8 &&
	      n.sent[1].elems == 8 && n.sent[1].numbered);
	CHECK("tmap: only the failed element dropped", n.sent[2].msgs == 7 &&
	      n.sent[2].nmsg == 7 && !strstr(n.sent[2].desc, "+tunnels4(12)") &&
	      strstr(n.sent[2].desc, "+live4(12)") &&
	      strstr(n.sent[2].desc, "+tunnels4(13)"));
	CHECK("tmap: the failed tunnel told back once, no other",
	      told.n == 1 && told_of(&told, &t[2]) == 1);
	CHECK("tmap: a full map counted", stats_are(m, "elements written 7 "
	      "in 3 transactions, refused 1 (map full 1)"));

	/* by message index: the second message of the per-element send */
	n.fail_set = NULL;
	n.nsends = 0;
	told.n = 0;
	tmap_add(m, &t[0], &t[0]);
	tmap_add(m, &t[1], &t[1]);
	n.inject[0].send = 0;
	n.inject[0].msg = 0;
	n.inject[0].err = -EEXIST;
	n.inject[1].send = 1;
	n.inject[1].msg = 1;	/* tunnels4(11) */
	n.inject[1].err = -EEXIST;
	n.ninject = 2;
	tmap_commit(m);
	CHECK("tmap: by index: element by element after the grouped send",
	      n.nsends == 3 && n.sent[1].msgs == 4 && !strcmp(n.sent[1].desc,
	      "+tunnels4(10) +tunnels4(11) +live4(10) +live4(11)"));
	snprintf(want, sizeof(want), "%s %s %s", n.sent[1].msg[0],
		 n.sent[1].msg[2], n.sent[1].msg[3]);
	CHECK("tmap: by index: only the failed message's element dropped",
	      !strcmp(n.sent[2].desc, want));
	failed_one = !strcmp(n.sent[1].msg[1], "+tunnels4(10)") ? &t[0] :
		     !strcmp(n.sent[1].msg[1], "+tunnels4(11)") ? &t[1] : NULL;
	CHECK("tmap: ... told back, not counted as full",
	      failed_one && told.n == 1 && told_of(&told, failed_one) == 1 &&
	      stats_are(m, "refused 2 (map full 1)"));

	/* a deletion of what is not there: quiet, nothing told */
	n.nsends = 0;
	n.ninject = 0;
	told.n = 0;
	n.fail_set = "live4";
	n.fail_id = 13;
	n.fail_err = -ENOENT;
	tmap_del(m, &t[3]);
	tmap_commit(m);
	CHECK("tmap: a tunnel removed twice is no news", n.nsends == 3 &&
	      told.n == 0 && stats_are(m, "refused 2 (map full 1)") &&
	      !strcmp(n.sent[2].desc, "-tunnels4(13) -xlate4(13)"));

	/* failing on: after the tries, none of it is there */
	n.nsends = 0;
	n.fail_set = NULL;
	n.ninject = 0;
	for (i = 1; i < MAX_INJECT; i++) {
		n.inject[n.ninject].send = i;
		n.inject[n.ninject].msg = 0;
		n.inject[n.ninject++].err = -EBUSY;
	}
	n.inject[n.ninject].send = 0;
	n.inject[n.ninject].msg = 0;
	n.inject[n.ninject++].err = -EBUSY;
	for (i = 0; i < 4; i++)
		tmap_add(m, &t[i], &t[i]);
	tmap_commit(m);
	CHECK("tmap: a bounded number of tries", n.nsends == 5);
	CHECK("tmap: still failing: each tunnel told back, as often as it "
	      "had elements left out", told.n == 8 &&
	      told_of(&told, &t[0]) == 2 && told_of(&told, &t[1]) == 2 &&
	      told_of(&told, &t[2]) == 2 && told_of(&told, &t[3]) == 2);

	/* every element refused: no empty transaction after them */
	n.nsends = 0;
	n.fail_set = NULL;
	told.n = 0;
	n.ninject = 0;
	for (i = 0; i < 3; i++) {
		n.inject[n.ninject].send = i ? 1 : 0;
		n.inject[n.ninject].msg = i ? i - 1 : 0;
		n.inject[n.ninject++].err = -EBUSY;
	}
	tmap_add(m, &t[0], &t[0]);
	tmap_commit(m);
	CHECK("tmap: all refused: told back, and nothing more is sent",
	      n.nsends == 2 && n.sent[1].msgs == 2 &&
	      told_of(&told, &t[0]) == 2);

	/* not sent at all */
	n.nsends = 0;
	n.ninject = 0;
	told.n = 0;
	n.not_sent = -ENOBUFS;
	tmap_add(m, &t[0], &t[0]);
	tmap_add(m, &t[1], NULL);
	tmap_commit(m);
	CHECK("tmap: not sent: every element with a tag told back",
	      told.n == 2 && told_of(&told, &t[0]) == 2);
	n.not_sent = 0;
	tmap_commit(m);
	CHECK("tmap: and forgotten", n.nsends == 0);
	tmap_close(m);
}

/* More than a transaction holds: sent as the pending list fills. */
static void test_tmap_many(void)
{
	static struct tunnel t[100];
	struct nft n;
	struct tmap *m;
	struct told told;
	unsigned int i, total;

	setup(&n, &m, &told);
	if (!m)
		return;
	for (i = 0; i < 100; i++) {
		tunnel(&t[i], AF_INET, "198.51.100.1", (uint16_t)(100 + i),
		       (uint16_t)(100 + i), 1);
		tmap_add(m, &t[i], &t[i]);
	}
	CHECK("tmap: a full pending list sent on its own", n.nsends == 1 &&
	      n.sent[0].elems == 128 && n.sent[0].msgs == 2);
	tmap_commit(m);
	total = n.sent[0].elems + n.sent[1].elems;
	CHECK("tmap: the rest at the commit", n.nsends == 2 && total == 200);
	tmap_close(m);
}

/* The sweep's listing: live tunnels known again, the others removed. */
static void test_tmap_list(void)
{
	static const struct listed_elem listed[] = {
		{ "tunnels4", AF_INET, "192.0.2.1", 5, 0x105, 4 },
		{ "live4", AF_INET, "192.0.2.1", 5, 0, 0 },
		{ "lns4", AF_INET, "192.0.2.1", 5, 0x0b01, 2 },
		/* expired: translated and bound */
		{ "tunnels4", AF_INET, "192.0.2.2", 0x8002, 0x106, 4 },
		{ "xlate4", AF_INET, "192.0.2.2", 0x8002, 3, 2 },
		{ "lns4", AF_INET, "192.0.2.2", 0x8002, 0x0b02, 2 },
		/* a malformed mark: skipped */
		{ "tunnels4", AF_INET, "192.0.2.3", 6, 0x107, 2 },
		{ "tunnels6", AF_INET6, "2001:db8::5", 9, 0x108, 4 },
	};
	struct tunnels ts;
	struct in_addr a4;
	struct in6_addr a6;
	const struct tunnel *k;
	struct nft n;
	struct tmap *m;
	struct told told;
	int ret;

	setup(&n, &m, &told);
	if (!m || tunnels_init(&ts, 100, 10)) {
		tmap_close(m);
		return;
	}
	memcpy(n.listed, listed, sizeof(listed));
	n.nlisted = sizeof(listed) / sizeof(listed[0]);
	ret = tmap_list(m, &ts);
	CHECK("tmap list: the sets a sweep needs, both families",
	      ret == 0 && !strcmp(n.dumped, "tunnels4 live4 xlate4 lns4 "
	      "tunnels6 live6 xlate6 lns6"));
	inet_pton(AF_INET, "192.0.2.1", &a4);
	k = tunnels_find(&ts, AF_INET, &a4, 5);
	CHECK("tmap list: a live tunnel known again, with its mark and its "
	      "binding", k && k->mark == 0x105 && k->orig_id == 5 &&
	      k->lns_id == 0x0b01);
	inet_pton(AF_INET, "192.0.2.2", &a4);
	CHECK("tmap list: an expired one is not",
	      !tunnels_find(&ts, AF_INET, &a4, 0x8002));
	inet_pton(AF_INET, "192.0.2.3", &a4);
	CHECK("tmap list: a malformed element is left alone",
	      !tunnels_find(&ts, AF_INET, &a4, 6));
	inet_pton(AF_INET6, "2001:db8::5", &a6);
	CHECK("tmap list: a tunnel listed only in the map is expired",
	      !tunnels_find(&ts, AF_INET6, &a6, 9) && tunnels_count(&ts, 0) == 1);
	CHECK("tmap list: the expired removed with translation and binding, "
	      "one transaction per family", n.nsends == 2 &&
	      !strcmp(n.sent[0].desc, "-tunnels4(32770) -xlate4(32770) "
	      "-lns4(32770) -own4(2818) -bound4(2818)") &&
	      !strcmp(n.sent[1].desc, "-tunnels6(9)"));
	CHECK("tmap list: expired counted",
	      stats_are(m, "tunnels expired 2"));

	n.nsends = 0;
	n.dumped[0] = 0;
	n.dump_fail = "xlate4";
	ret = tmap_list(m, &ts);
	CHECK("tmap list: a failed listing stops it, removes nothing",
	      ret == -EIO && n.nsends == 0 &&
	      !strcmp(n.dumped, "tunnels4 live4 xlate4"));
	tunnels_free(&ts);
	tmap_close(m);
}

void test_tmap(void)
{
	test_tmap_gather();
	test_tmap_failures();
	test_tmap_many();
	test_tmap_list();
}
