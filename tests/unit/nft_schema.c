// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table's shape as data (src/nft/nft_schema.c): the names of the chains
 * per mark both ways, the sorting of a kept table's chains, the fresh
 * sets' timeout, the guard table's name, the tunnel sets' table.
 */
#include <errno.h>
#include <stdlib.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/nft_schema.h"
#include "unit.h"

static void test_sa_chain_names(void)
{
	static const char *const bad[] = {
		"sa-mark-",			/* no mark */
		"sa-mark-0001000",		/* seven digits */
		"sa-mark-0001000g",
		"sa-mark-00010001x",		/* trailing garbage */
		"sa-mark-00010001-",
		"sa-mark-00010001-ffff000",	/* a short mask */
		"sa-mark-00010001-ffff0000x",
		"sa-mark-00010001-ffffffff",	/* all ones has no mask */
		"sa-mark-0001000A",		/* not as we write it */
		"sa_mark-00010001",		/* wrong prefix */
		"SA-mark-00010001",
		"mark-00010001",
		"input",
		"",
	};
	char name[NFT_SA_CHAIN_MAX];
	uint32_t mark = 0, mask = 0;
	unsigned int i, ok = 1;

	nft_sa_chain_name(name, sizeof(name), 0x10001, 0xffffffff);
	CHECK("sa chain: all ones, no mask in the name",
	      !strcmp(name, "sa-mark-00010001"));
	CHECK("sa chain: read back, all ones",
	      nft_sa_chain_mark(name, &mark, &mask) == 0 && mark == 0x10001 &&
	      mask == 0xffffffff);
	nft_sa_chain_name(name, sizeof(name), 0xabc00000, 0xfff00000);
	CHECK("sa chain: another mask in the name",
	      !strcmp(name, "sa-mark-abc00000-fff00000"));
	CHECK("sa chain: read back with its mask",
	      nft_sa_chain_mark(name, &mark, &mask) == 0 &&
	      mark == 0xabc00000 && mask == 0xfff00000);
	nft_sa_chain_name(name, sizeof(name), 0xffffffff, 0);
	CHECK("sa chain: the longest name fits",
	      strlen(name) < NFT_SA_CHAIN_MAX &&
	      !nft_sa_chain_mark(name, &mark, &mask) && mark == 0xffffffff &&
	      mask == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nft_sa_chain_mark(bad[i], &mark, &mask) != -EINVAL) {
			printf("  accepted: \"%s\"\n", bad[i]);
			ok = 0;
		}
	}
	CHECK("sa chain: what no chain of ours is called is refused", ok);
}

static void test_adopt(void)
{
	struct nft_adopt a;
	char name[80];
	unsigned int i, ok;

	memset(&a, 0, sizeof(a));
	CHECK("adopt: regular, base, regular, base",
	      !nft_adopt_chain(&a, "tunnels", 0) &&
	      !nft_adopt_chain(&a, "input", 1) &&
	      !nft_adopt_chain(&a, "inbound", 0) &&
	      !nft_adopt_chain(&a, "output", 1));
	CHECK("adopt: base chains first (the last listed first)", a.n == 4 &&
	      !strcmp(a.chains[0], "output") && !strcmp(a.chains[1], "input") &&
	      !strcmp(a.chains[2], "tunnels") &&
	      !strcmp(a.chains[3], "inbound"));
	CHECK("adopt: chains per mark on their own list",
	      !nft_adopt_chain(&a, "sa-mark-00000005", 0) &&
	      !nft_adopt_chain(&a, "sa-mark-00000006-0000ffff", 0) &&
	      a.n == 4 && a.nsa == 2 && a.sa &&
	      a.sa[0].mark == 5 && a.sa[0].mask == 0xffffffff &&
	      a.sa[1].mark == 6 && a.sa[1].mask == 0xffff);
	CHECK("adopt: a name like theirs but not theirs is a chain",
	      !nft_adopt_chain(&a, "sa-mark-00000007x", 0) && a.n == 5 &&
	      a.nsa == 2 && !strcmp(a.chains[4], "sa-mark-00000007x"));

	memset(name, 'c', sizeof(name));
	name[sizeof(a.chains[0])] = 0;
	CHECK("adopt: a name too long for the list is left out",
	      !nft_adopt_chain(&a, name, 0) && a.n == 5);
	name[sizeof(a.chains[0]) - 1] = 0;
	CHECK("adopt: the longest name that fits is kept",
	      !nft_adopt_chain(&a, name, 1) && a.n == 6 &&
	      !strcmp(a.chains[0], name) && !strcmp(a.chains[1], "output"));

	for (i = a.n; i < NFT_ADOPT_CHAINS; i++) {
		snprintf(name, sizeof(name), "c%u", i);
		nft_adopt_chain(&a, name, 0);
	}
	CHECK("adopt: full at sixteen", a.n == NFT_ADOPT_CHAINS &&
	      !strcmp(a.chains[NFT_ADOPT_CHAINS - 1], "c15"));
	CHECK("adopt: a seventeenth is left out, base or not",
	      !nft_adopt_chain(&a, "more", 0) && !nft_adopt_chain(&a, "base", 1) &&
	      a.n == NFT_ADOPT_CHAINS && !strcmp(a.chains[1], "output") &&
	      !strcmp(a.chains[NFT_ADOPT_CHAINS - 1], "c15"));
	CHECK("adopt: a full list still takes chains per mark",
	      !nft_adopt_chain(&a, "sa-mark-00000008", 1) && a.nsa == 3);

	/* many chains per mark: the list grows by doubling, every entry
	 * kept */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "sa-mark-%08x", 0x100 + i);
		if (nft_adopt_chain(&a, name, 0))
			break;
	}
	ok = i == 1000 && a.nsa == 1003;
	for (i = 0; ok && i < 1000; i++)
		ok = a.sa[3 + i].mark == 0x100 + i &&
		     a.sa[3 + i].mask == 0xffffffff;
	CHECK("adopt: a thousand chains per mark, in order", ok &&
	      a.sa[0].mark == 5 && a.sa[2].mark == 8);
	nft_adopt_free(&a);
	CHECK("adopt: freed and emptied", a.sa == NULL && a.nsa == 0 &&
	      a.n == NFT_ADOPT_CHAINS);
	CHECK("adopt: usable again after the free",
	      !nft_adopt_chain(&a, "sa-mark-00000009", 0) && a.nsa == 1 &&
	      a.sa && a.sa[0].mark == 9);
	nft_adopt_free(&a);
	nft_adopt_free(&a);
	CHECK("adopt: freeing twice is harmless", a.sa == NULL && a.nsa == 0);
}

static void test_schema_misc(void)
{
	struct nft_cfg cfg = { .tunnel_timeout = 300 };
	char name[NFT_TABLE_NAME_MAX + 16], big[NFT_TABLE_NAME_MAX + 1];
	unsigned int f, s, t, ok = 1;

	CHECK("fresh: a quarter of the timeout", nft_fresh_ms(&cfg) == 75000);
	cfg.tunnel_timeout = 5;
	CHECK("fresh: not rounded to seconds", nft_fresh_ms(&cfg) == 1250);
	cfg.tunnel_timeout = 4;
	CHECK("fresh: a second exactly", nft_fresh_ms(&cfg) == 1000);
	cfg.tunnel_timeout = 3;
	CHECK("fresh: a second at least", nft_fresh_ms(&cfg) == 1000);
	cfg.tunnel_timeout = 0;
	CHECK("fresh: even without a timeout", nft_fresh_ms(&cfg) == 1000);
	cfg.tunnel_timeout = 0xffffffff;
	CHECK("fresh: the longest timeout does not wrap",
	      nft_fresh_ms(&cfg) == 0xffffffffull * 1000 / 4);

	nft_guard_name(name, sizeof(name), "l2tp-nfqd");
	CHECK("guard: named after the table", !strcmp(name, "l2tp-nfqd-guard"));
	memset(big, 't', NFT_TABLE_NAME_MAX);
	big[NFT_TABLE_NAME_MAX] = 0;
	nft_guard_name(name, sizeof(name), big);
	CHECK("guard: the longest table name keeps its suffix",
	      strlen(name) == NFT_TABLE_NAME_MAX + 6 &&
	      !strcmp(name + NFT_TABLE_NAME_MAX, NFT_GUARD_SUFFIX));
	nft_guard_name(name, 8, "l2tp-nfqd");
	CHECK("guard: cut to the buffer", !strcmp(name, "l2tp-nf"));

	/* every set name and ID distinct, across both families */
	for (f = 0; f < 2; f++)
		for (s = 0; s < TS_MAX; s++)
			for (t = 0; t < 2 * TS_MAX; t++)
				if (t != f * TS_MAX + s &&
				    (!strcmp(tunnel_families[f].name[s],
					     tunnel_families[t / TS_MAX].name[t % TS_MAX]) ||
				     tunnel_families[f].id[s] ==
				     tunnel_families[t / TS_MAX].id[t % TS_MAX]))
					ok = 0;
	CHECK("sets: names and IDs all distinct", ok);
	CHECK("sets: suffixed by family", !strcmp(tunnel_families[0].name[TS_TUNNELS],
	      "tunnels4") && !strcmp(tunnel_families[1].name[TS_BOUND], "bound6"));
	CHECK("sets: IPv4 addresses in the IPv4 header",
	      tunnel_families[0].addr_len == 4 &&
	      tunnel_families[0].addr_off == offsetof(struct iphdr, daddr) &&
	      tunnel_families[0].saddr_off == offsetof(struct iphdr, saddr));
	CHECK("sets: IPv6 addresses in the IPv6 header",
	      tunnel_families[1].addr_len == 16 &&
	      tunnel_families[1].addr_off == offsetof(struct ip6_hdr, ip6_dst) &&
	      tunnel_families[1].saddr_off == offsetof(struct ip6_hdr, ip6_src));
	CHECK("sets: the Tunnel ID after the address, the mark after it",
	      tunnel_families[0].tid_reg == NFT_REG32_01 &&
	      tunnel_families[0].mark_reg == NFT_REG32_02 &&
	      tunnel_families[1].tid_reg == NFT_REG_2 &&
	      tunnel_families[1].mark_reg == NFT_REG32_05);
}

void test_nft_schema(void)
{
	test_sa_chain_names();
	test_adopt();
	test_schema_misc();
}
