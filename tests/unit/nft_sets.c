// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel sets of --tunnel-marks (src/nft/nft_sets.c), parsed back with
 * libnftnl: their declarations in the install batch (names from the
 * schema's table, keys, flags, timeouts, nft's description of the key)
 * and the element batches tmap.c sends.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "nft/nft_batch.h"
#include "unit.h"

/* One declared set, as the kernel would read it. */
struct set_seen {
	char name[32];
	uint32_t id, key_len, key_type, flags, data_type, data_len, size;
	uint64_t timeout;
	int has_data_typeof, has_key_typeof;
	uint32_t data_order;	/* NFTNL_UDATA_SET_DATABYTEORDER, or ~0 */
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	struct set_seen *s = data;
	uint32_t v;

	switch (nftnl_udata_type(attr)) {
	case NFTNL_UDATA_SET_DATA_TYPEOF:
		s->has_data_typeof = 1;
		break;
	case NFTNL_UDATA_SET_KEY_TYPEOF:
		s->has_key_typeof = 1;
		break;
	case NFTNL_UDATA_SET_DATABYTEORDER:
		if (nftnl_udata_len(attr) == 4) {
			memcpy(&v, nftnl_udata_get(attr), 4);
			s->data_order = v;
		}
		break;
	}
	return 0;
}

static unsigned int parse_sets(const char *buf, size_t len,
			       struct set_seen *v, unsigned int max)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;
	unsigned int n = 0;

	for (; mnl_nlmsg_ok(nlh, left) && n < max;
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nftnl_set *set;
		struct set_seen *s = &v[n];
		const void *ud;
		uint32_t udlen = 0;

		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
		    nlh->nlmsg_type == NFNL_MSG_BATCH_END ||
		    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSET)
			continue;
		set = nftnl_set_alloc();
		memset(s, 0, sizeof(*s));
		s->data_order = ~0u;
		if (nftnl_set_nlmsg_parse(nlh, set) == 0) {
			snprintf(s->name, sizeof(s->name), "%s",
				 nftnl_set_get_str(set, NFTNL_SET_NAME));
			s->id = nftnl_set_get_u32(set, NFTNL_SET_ID);
			s->key_len = nftnl_set_get_u32(set, NFTNL_SET_KEY_LEN);
			s->key_type = nftnl_set_get_u32(set, NFTNL_SET_KEY_TYPE);
			s->flags = nftnl_set_get_u32(set, NFTNL_SET_FLAGS);
			s->data_type = nftnl_set_get_u32(set,
							 NFTNL_SET_DATA_TYPE);
			s->data_len = nftnl_set_get_u32(set, NFTNL_SET_DATA_LEN);
			s->size = nftnl_set_get_u32(set, NFTNL_SET_DESC_SIZE);
			s->timeout = nftnl_set_get_u64(set, NFTNL_SET_TIMEOUT);
			ud = nftnl_set_get_data(set, NFTNL_SET_USERDATA, &udlen);
			if (ud)
				nftnl_udata_parse(ud, udlen, udata_cb, s);
			n++;
		}
		nftnl_set_free(set);
	}
	return n;
}

static const struct set_seen *find_set(const struct set_seen *v,
				       unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* The sets in the install batch, both families, as the schema names
 * them. */
static void test_nft_set_decls(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .tunnel_marks = 1,
		.tunnel_timeout = 300, .tunnel_max = 4096,
		.mark_mask = 0xffffffff,
	};
	static char buf[NFT_BATCH_MIN] __attribute__((aligned(8)));
	struct set_seen v[32];
	const struct set_seen *s;
	struct nft_batch_seqs seqs;
	uint32_t seq = 1, alen;
	unsigned int n, f, k, ok;
	size_t len;

	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	n = parse_sets(buf, len, v, 32);
	CHECK("sets: seven per family, no rate set without --sccrq-rate",
	      len && n == 2 * TS_MAX && !find_set(v, n, "sccrq_rate"));
	for (f = 0; f < 2; f++) {
		const struct tunnel_family *tf = &tunnel_families[f];

		alen = f ? 16 : 4;
		ok = 1;
		for (k = 0; k < TS_MAX; k++) {
			s = find_set(v, n, tf->name[k]);
			ok &= s && s->id == tf->id[k] && s->size == 4096 &&
			      s->has_key_typeof &&
			      s->key_len == alen + (k == TS_OWN ? 8 : 4);
		}
		CHECK("sets: each named and numbered as the schema says, "
		      "key (address . ID [. mark]), size", ok);
		s = find_set(v, n, tf->name[TS_TUNNELS]);
		CHECK("sets: tunnels -> mark, a map in host order", s &&
		      s->flags == NFT_SET_MAP && s->data_len == 4 &&
		      s->data_type == UD_TYPE_MARK && s->has_data_typeof &&
		      s->data_order == UD_BYTEORDER_HOST);
		s = find_set(v, n, tf->name[TS_XLATE]);
		CHECK("sets: xlate -> the peer's ID, big-endian", s &&
		      s->flags == NFT_SET_MAP && s->data_len == 2 &&
		      s->data_type == UD_TYPE_INTEGER && s->has_data_typeof &&
		      s->data_order == UD_BYTEORDER_BIG);
		s = find_set(v, n, tf->name[TS_LNS]);
		CHECK("sets: lns -> the L2TP daemon's ID", s &&
		      s->flags == NFT_SET_MAP && s->data_len == 2 &&
		      s->data_order == UD_BYTEORDER_BIG);
		s = find_set(v, n, tf->name[TS_LIVE]);
		CHECK("sets: live times out after --tunnel-timeout, updated "
		      "from the packet path", s &&
		      s->flags == (NFT_SET_TIMEOUT | NFT_SET_EVAL) &&
		      s->timeout == 300000 && !s->has_data_typeof &&
		      s->data_order == ~0u);
		s = find_set(v, n, tf->name[TS_FRESH]);
		CHECK("sets: fresh after a quarter of it", s &&
		      s->flags == (NFT_SET_TIMEOUT | NFT_SET_EVAL) &&
		      s->timeout == 75000);
		s = find_set(v, n, tf->name[TS_OWN]);
		CHECK("sets: own and bound, plain sets the daemon writes", s &&
		      s->flags == 0 && !s->has_data_typeof &&
		      (s = find_set(v, n, tf->name[TS_BOUND])) &&
		      s->flags == 0 && s->key_len == alen + 4);
		s = find_set(v, n, tf->name[TS_OWN]);
		CHECK("sets: own's key type ends in a mark",
		      s && (s->key_type & 0x3f) == UD_TYPE_MARK &&
		      ((s->key_type >> (2 * UD_TYPE_BITS)) & 0x3f) ==
		      (f ? UD_TYPE_IP6ADDR : UD_TYPE_IPADDR));
	}

	cfg.tunnel_timeout = 2;
	cfg.sccrq_rate = 10;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	n = parse_sets(buf, len, v, 32);
	s = find_set(v, n, tunnel_families[1].name[TS_FRESH]);
	CHECK("sets: a short timeout: fresh lives a second at least", s &&
	      s->timeout == 1000 &&
	      find_set(v, n, tunnel_families[1].name[TS_LIVE])->timeout ==
	      2000);
	CHECK("sets: with --sccrq-rate, its set too", n == 2 * TS_MAX + 1 &&
	      find_set(v, n, "sccrq_rate"));

	cfg.tunnel_marks = 0;
	len = nft_build_install(buf, sizeof(buf), &cfg, NFT_QUEUE_NATIVE, NULL,
				&seq, &seqs);
	CHECK("sets: none without --tunnel-marks",
	      len && parse_sets(buf, len, v, 32) == 0);
}

/* The element batches of --tunnel-marks, parsed back. */
static int elem_msg(const struct nlmsghdr *nlh, uint8_t *key, uint32_t *klen,
		    uint32_t *mark, uint64_t *timeout)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	const void *p;
	uint32_t len;
	int ok = 0;

	if (nftnl_set_elems_nlmsg_parse(nlh, set) == 0) {
		it = nftnl_set_elems_iter_create(set);
		e = nftnl_set_elems_iter_next(it);
		if (e) {
			p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, klen);
			memcpy(key, p, *klen);
			p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
			*mark = 0;
			if (p && len == 4)
				memcpy(mark, p, 4);
			*timeout = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT) ?
				   nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT) : 0;
			ok = 1;
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(set);
	return ok;
}

static void test_nft_elements(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .tunnel_marks = 1, .tunnel_timeout = 300,
	};
	static const uint8_t want4[] = { 192, 0, 2, 1, 0x12, 0x34, 0, 0 };
	static char buf[NFT_ELEM_BUF(3)] __attribute__((aligned(8)));
	uint8_t key[32], v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint32_t seq = 7, first = 0, klen = 0, mark = 0, flags[4];
	const struct nlmsghdr *nlh;
	struct in_addr peer = { htonl(0xc0000201) };
	struct nft_elem el[3] = {
		{ AF_INET, &peer, 0x1234, TS_TUNNELS, 0, 0x105, 0, NULL },
		{ AF_INET6, v6, 9, TS_XLATE, 0, 0, 1, NULL },
		{ AF_INET, &peer, 0x1234, TS_LIVE, 1, 0, 0, NULL },
	};
	uint64_t timeout = 0;
	int left, types[5], n = 0;
	uint32_t seqs[5];
	size_t len;

	len = nft_build_elems(buf, sizeof(buf), &cfg, el, 3, 0, &seq, &first);
	nlh = (const void *)buf;
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left) && n < 5; nlh = mnl_nlmsg_next(nlh, &left)) {
		seqs[n] = nlh->nlmsg_seq;
		flags[n < 4 ? n : 3] = nlh->nlmsg_flags;
		types[n++] = NFNL_MSG_TYPE(nlh->nlmsg_type);
		if (n == 2)
			elem_msg(nlh, key, &klen, &mark, &timeout);
	}
	CHECK("elements: begin, add, add, delete, end", len && n == 5 &&
	      types[1] == NFT_MSG_NEWSETELEM && types[2] == NFT_MSG_NEWSETELEM &&
	      types[3] == NFT_MSG_DELSETELEM);
	CHECK("elements: numbered from first, no ACK asked",
	      seqs[1] == first && seqs[3] == first + 2 &&
	      !(flags[1] & NLM_F_ACK) && !(flags[3] & NLM_F_ACK));
	CHECK("element key: address . tunnel ID in its own register",
	      klen == sizeof(want4) && !memcmp(key, want4, sizeof(want4)));
	CHECK("element data: the mark in host order, no timeout of its own",
	      mark == 0x105 && timeout == 0);
	nlh = mnl_nlmsg_next(mnl_nlmsg_next((const void *)buf, &(int){ (int)len }),
			     &(int){ (int)len });
	elem_msg(nlh, key, &klen, &mark, &timeout);
	CHECK("IPv6 translation: 16 bytes, the tunnel ID, the peer's ID",
	      klen == 20 && !memcmp(key, v6, 16) && key[16] == 0 &&
	      key[17] == 9);
	{
		struct nft_elem two[2] = { el[0], el[0] };

		two[1].id = 0x99;
		len = nft_build_elems(buf, sizeof(buf), &cfg, two, 2, 1, &seq,
				      &first);
		nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
		CHECK("grouped: one message for a run of one set",
		      NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWSETELEM &&
		      NFNL_MSG_TYPE(mnl_nlmsg_next(nlh, &(int){ (int)len })->
				    nlmsg_type) == NFNL_MSG_BATCH_END);
	}
	CHECK("elements: too small a buffer", nft_build_elems(buf, 100, &cfg,
	      el, 3, 0, &seq, &first) == 0);
}

/* The inbound binding's elements: keyed by the L2TP daemon's ID. */
static void test_nft_bindings(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .tunnel_marks = 1, .tunnel_timeout = 300,
	};
	static const uint8_t own4[] = { 192, 0, 2, 1, 0x0a, 0x01, 0, 0 };
	static char buf[NFT_ELEM_BUF(3)] __attribute__((aligned(8)));
	struct in_addr peer = { htonl(0xc0000201) };
	struct nft_elem el[3] = {
		{ AF_INET, &peer, 0x0a01, TS_OWN, 0, 0x105, 0, NULL },
		{ AF_INET, &peer, 0x0a01, TS_BOUND, 0, 0, 0, NULL },
		{ AF_INET, &peer, 1, TS_LNS, 0, 0, 0x0a01, NULL },
	};
	uint32_t seq = 1, first, klen = 0, mark, m;
	const struct nlmsghdr *nlh;
	uint64_t timeout;
	uint8_t key[32];
	size_t len;
	int left;

	len = nft_build_elems(buf, sizeof(buf), &cfg, el, 3, 0, &seq, &first);
	nlh = mnl_nlmsg_next((const void *)buf, &(int){ (int)len });
	elem_msg(nlh, key, &klen, &mark, &timeout);
	memcpy(&m, key + 8, 4);
	CHECK("own: address . the L2TP daemon's ID . the mark, host order",
	      len && klen == 12 && !memcmp(key, own4, 8) && m == 0x105);
	left = (int)len;
	nlh = mnl_nlmsg_next(mnl_nlmsg_next((const void *)buf, &left), &left);
	elem_msg(nlh, key, &klen, &mark, &timeout);
	CHECK("bound: address . the L2TP daemon's ID",
	      klen == 8 && !memcmp(key, own4, 8));
}

void test_nft_sets(void)
{
	test_nft_set_decls();
	test_nft_elements();
	test_nft_bindings();
}
