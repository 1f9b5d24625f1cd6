// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sets of --tunnel-marks (see nft_schema.h) and their elements, as
 * netlink messages, and an element as the kernel lists it.  The sets
 * carry nft's own description of their keys and values ("typeof ip
 * daddr . @th,96,16 : meta mark"), so that `nft list` shows them as
 * --print-rules writes them.  Pure.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "nft/nft_batch.h"

/* ip daddr, ip6 daddr; ip saddr, ip6 saddr (@src) */
static void ud_addr(struct nftnl_udata_buf *ud, uint8_t attr, int v6, int src)
{
	ud_payload(ud, attr, v6 ? UD_PROTO_IP6 : UD_PROTO_IP,
		   v6 ? (src ? UD_IP6HDR_SADDR : UD_IP6HDR_DADDR) :
		   (src ? UD_IPHDR_SADDR : UD_IPHDR_DADDR), 0, 0);
}

/* @th,96,16: the Tunnel ID as a raw transport-header field */
static void ud_tunnel_id(struct nftnl_udata_buf *ud, uint8_t attr)
{
	ud_payload(ud, attr, 0, 0, 96, 16);
}

static int is_set(enum tunnel_set ts)
{
	return ts == TS_LIVE || ts == TS_FRESH || ts == TS_OWN ||
	       ts == TS_BOUND;
}

/* the input rules' sets: keyed by the source, the L2TP daemon's ID */
static int is_inbound(enum tunnel_set ts)
{
	return ts == TS_OWN || ts == TS_BOUND;
}

/* typeof ip daddr|saddr . @th,96,16 [. meta mark]
 *	[: meta mark | : @th,96,16] */
static void ud_typeof(struct nftnl_udata_buf *ud, int v6, enum tunnel_set ts)
{
	static const uint32_t mark[1] = { NFT_META_MARK };
	struct nftnl_udata *cat[2];

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 0);
	if (!is_set(ts))
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER,
				    ts == TS_TUNNELS ? UD_BYTEORDER_HOST :
				    UD_BYTEORDER_BIG);
	ud_concat_start(ud, NFTNL_UDATA_SET_KEY_TYPEOF, cat);
	ud_addr(ud, 0, v6, is_inbound(ts));
	ud_tunnel_id(ud, 1);
	if (ts == TS_OWN)
		ud_expr(ud, 2, UD_EXPR_META, mark, 1);
	ud_concat_end(ud, cat);
	if (is_set(ts))
		return;
	if (ts != TS_TUNNELS)
		ud_tunnel_id(ud, NFTNL_UDATA_SET_DATA_TYPEOF);
	else
		ud_expr(ud, NFTNL_UDATA_SET_DATA_TYPEOF, UD_EXPR_META, mark, 1);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
}

static int put_set(struct batch *ctx, const struct tunnel_family *f,
		   enum tunnel_set ts)
{
	const struct nft_cfg *cfg = ctx->cfg;
	int v6 = f->addr_len == 16;
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	struct nftnl_set *set;

	if (ud)
		ud_typeof(ud, v6, ts);
	uint32_t type = (v6 ? UD_TYPE_IP6ADDR : UD_TYPE_IPADDR) <<
			UD_TYPE_BITS | UD_TYPE_INTEGER;

	set = set_new(ctx, f->name[ts], f->id[ts], ud);
	if (!set)
		return -1;
	if (ts == TS_OWN)
		type = type << UD_TYPE_BITS | UD_TYPE_MARK;
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN,
			  f->addr_len + (ts == TS_OWN ? 8 : 4));
	nftnl_set_set_u32(set, NFTNL_SET_DESC_SIZE, cfg->tunnel_max);
	if (is_inbound(ts)) {
		/* written by the daemon only */
		nftnl_set_set_u32(set, NFTNL_SET_FLAGS, 0);
	} else if (ts == TS_LIVE || ts == TS_FRESH) {
		/* updated from the packet path, forgotten when silent */
		nftnl_set_set_u32(set, NFTNL_SET_FLAGS,
				  NFT_SET_TIMEOUT | NFT_SET_EVAL);
		nftnl_set_set_u64(set, NFTNL_SET_TIMEOUT, ts == TS_LIVE ?
				  (uint64_t)cfg->tunnel_timeout * 1000 :
				  nft_fresh_ms(cfg));
	} else {
		nftnl_set_set_u32(set, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(set, NFTNL_SET_DATA_TYPE, ts == TS_TUNNELS ?
				  UD_TYPE_MARK : UD_TYPE_INTEGER);
		nftnl_set_set_u32(set, NFTNL_SET_DATA_LEN,
				  ts == TS_TUNNELS ? 4 : 2);
	}
	return set_put(ctx, set, "adding a tunnel set");
}

int put_tunnel_sets(struct batch *ctx, const struct tunnel_family *f)
{
	int ts;

	for (ts = 0; ts < TS_MAX; ts++)
		if (put_set(ctx, f, ts))
			return -1;
	return 0;
}


static struct nftnl_set_elem *elem(const struct tunnel_family *f,
				   const struct nft_elem *el)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint16_t tid = htons(el->id), orig = htons(el->orig_id);
	uint32_t klen = f->addr_len + 4;
	uint8_t key[24] = { 0 };

	if (!e)
		return NULL;
	/* the address, then the Tunnel ID in its own 32-bit register, and
	 * the mark in the next */
	memcpy(key, el->peer, f->addr_len);
	memcpy(key + f->addr_len, &tid, 2);
	if (el->set == TS_OWN) {
		memcpy(key + klen, &el->mark, 4);
		klen += 4;
	}
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, klen);
	if ((el->set == TS_XLATE || el->set == TS_LNS) && !el->del)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &orig, 2);
	else if (el->set == TS_TUNNELS && !el->del)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &el->mark, 4);
	return e;
}

/* One message for @n elements of one set, all added or all deleted; no
 * ACK asked, so only a failure answers. */
static int put_elems(struct batch *ctx, const struct nft_elem *el,
		     unsigned int n)
{
	const struct tunnel_family *f = &tunnel_families[el->family == AF_INET6];
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;
	unsigned int i;

	if (!set)
		return -1;
	nftnl_set_set_str(set, NFTNL_SET_TABLE, ctx->cfg->table);
	nftnl_set_set_str(set, NFTNL_SET_NAME, f->name[el->set]);
	for (i = 0; i < n; i++) {
		e = elem(f, &el[i]);
		if (!e) {
			nftnl_set_free(set);
			return -1;
		}
		nftnl_set_elem_add(set, e);
	}
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(ctx->b),
				    el->del ? NFT_MSG_DELSETELEM :
				    NFT_MSG_NEWSETELEM, NFT_FAMILY,
				    el->del ? 0 : NLM_F_CREATE,
				    batch_seq(ctx, "elements"));
	nftnl_set_elems_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);
	return mnl_nlmsg_batch_next(ctx->b) ? 0 : -1;
}

/* How many elements from @el on can share a message (same set, op). */
static unsigned int run_length(const struct nft_elem *el, unsigned int n)
{
	unsigned int k = 1;

	while (k < n && el[k].family == el[0].family &&
	       el[k].set == el[0].set && el[k].del == el[0].del)
		k++;
	return k;
}

size_t nft_build_elems(char *buf, size_t size, const struct nft_cfg *cfg,
		       const struct nft_elem *el, unsigned int n, int grouped,
		       uint32_t *seq, uint32_t *first)
{
	struct nft_batch_seqs seqs;
	struct batch ctx = { .cfg = cfg, .seq = seq, .seqs = &seqs };
	unsigned int i, k;
	int err = 0;

	if (batch_start(&ctx, buf, size, NFT_ELEM_BUF(n)))
		return 0;
	for (i = 0; i < n && !err; i += k) {
		k = grouped ? run_length(&el[i], n - i) : 1;
		err = put_elems(&ctx, &el[i], k);
	}
	*first = seqs.first;
	return batch_finish(&ctx, err);
}

int nft_elem_read(struct nftnl_set_elem *e, int family, enum tunnel_set set,
		  struct nft_elem_read *x)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	const uint8_t *key, *data;
	uint32_t klen = 0, dlen = 0;
	uint16_t id;

	memset(x, 0, sizeof(*x));
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	/* the ID takes a register's 4 bytes in the concatenation */
	if (!key || klen != alen + 4)
		return -EINVAL;
	data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
	switch (set) {
	case TS_TUNNELS:
		if (!data || dlen != 4)
			return -EINVAL;
		memcpy(&x->data, data, 4);	/* meta mark: host order */
		break;
	case TS_XLATE:
	case TS_LNS:
		if (!data || dlen != 2)
			return -EINVAL;
		memcpy(&id, data, 2);
		x->data = ntohs(id);
		break;
	case TS_LIVE:
		break;
	default:
		return -EINVAL;
	}
	x->family = family;
	memcpy(&x->peer, key, alen);
	memcpy(&id, key + alen, 2);
	x->id = ntohs(id);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT)) {
		x->has_timeout = 1;
		x->timeout = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION)) {
		x->has_expiration = 1;
		x->expiration = nftnl_set_elem_get_u64(e,
						NFTNL_SET_ELEM_EXPIRATION);
	}
	return 0;
}
