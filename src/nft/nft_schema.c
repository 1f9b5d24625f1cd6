// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table's shape as data (see nft_schema.h): the tunnel sets of each
 * address family, the names of the guard table and of the chains per
 * mark, and the sorting of a kept table's chains.  Pure.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/nft_schema.h"

const struct tunnel_family tunnel_families[2] = {
	{ { "tunnels4", "live4", "xlate4", "fresh4", "lns4", "own4",
	    "bound4" },
	  { 1, 2, 3, 4, 21, 22, 23 }, "ip daddr", "ip saddr",
	  offsetof(struct iphdr, daddr), 4, offsetof(struct iphdr, saddr),
	  NFT_REG32_01, NFT_REG32_02 },
	{ { "tunnels6", "live6", "xlate6", "fresh6", "lns6", "own6",
	    "bound6" },
	  { 5, 6, 7, 8, 24, 25, 26 }, "ip6 daddr", "ip6 saddr",
	  offsetof(struct ip6_hdr, ip6_dst), 16,
	  offsetof(struct ip6_hdr, ip6_src), NFT_REG_2, NFT_REG32_05 },
};

uint64_t nft_fresh_ms(const struct nft_cfg *cfg)
{
	/* a tunnel that carries data is written NFT_FRESH_DIV times per
	 * timeout at most, and never lapses */
	uint64_t ms = (uint64_t)cfg->tunnel_timeout * 1000 / NFT_FRESH_DIV;

	return ms < 1000 ? 1000 : ms;
}

void nft_guard_name(char *buf, size_t size, const char *table)
{
	snprintf(buf, size, "%s%s", table, NFT_GUARD_SUFFIX);
}

void nft_sa_chain_name(char *buf, size_t size, uint32_t mark, uint32_t mask)
{
	if (mask == 0xffffffff)
		snprintf(buf, size, NFT_SA_CHAIN_PREFIX "%08x", mark);
	else
		snprintf(buf, size, NFT_SA_CHAIN_PREFIX "%08x-%08x", mark,
			 mask);
}

int nft_sa_chain_mark(const char *name, uint32_t *mark, uint32_t *mask)
{
	char buf[NFT_SA_CHAIN_MAX];
	int n = 0;

	*mask = 0xffffffff;
	if (sscanf(name, NFT_SA_CHAIN_PREFIX "%8x%n-%8x%n", mark, &n, mask,
		   &n) < 1)
		return -EINVAL;
	nft_sa_chain_name(buf, sizeof(buf), *mark, *mask);
	return strcmp(buf, name) ? -EINVAL : 0;
}

static int add_sa_chain(struct nft_adopt *a, uint32_t mark, uint32_t mask)
{
	struct nft_sa_chain *v;

	if (!(a->nsa & (a->nsa + 1)) || !a->sa) {
		v = realloc(a->sa, 2 * (a->nsa + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->sa = v;
	}
	a->sa[a->nsa++] = (struct nft_sa_chain){ mark, mask };
	return 0;
}

int nft_adopt_chain(struct nft_adopt *a, const char *name, int base)
{
	uint32_t mark, mask;

	if (!nft_sa_chain_mark(name, &mark, &mask))
		return add_sa_chain(a, mark, mask);
	if (strlen(name) >= sizeof(a->chains[0]) || a->n == NFT_ADOPT_CHAINS)
		return 0;
	/* base chains first: deleting them drops their jumps, so that the
	 * chains they jump to can go after them in the same transaction */
	if (base) {
		memmove(a->chains[1], a->chains[0], a->n * sizeof(a->chains[0]));
		strcpy(a->chains[0], name);
		a->n++;
	} else {
		strcpy(a->chains[a->n++], name);
	}
	return 0;
}

void nft_adopt_free(struct nft_adopt *a)
{
	free(a->sa);
	a->sa = NULL;
	a->nsa = 0;
}
