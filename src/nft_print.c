// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's table in `nft -f` syntax (--print-rules), rule for rule
 * what nft_build.c installs; the namespace tests load both and compare.
 */
#include <stdio.h>

#include "l2tp.h"
#include "nft.h"

void nft_print(FILE *f, const struct nft_cfg *cfg)
{
	const char *ipsec = cfg->ipsec_check ? " meta ipsec exists" : "";
	char mask[24] = "";

	if (cfg->mark_mask != 0xffffffff)
		snprintf(mask, sizeof(mask), " & 0x%08x", cfg->mark_mask);
	fprintf(f,
		"# l2tp-nfqd --manage-rules creates this table with the owner flag:\n"
		"# it belongs to the daemon and goes away with it.\n"
		"table inet %s {\n"
		"\tchain %s {\n"
		"\t\ttype filter hook input priority %d; policy accept;\n",
		cfg->table, NFT_CHAIN_INPUT, cfg->priority);
	if (cfg->connmark)
		fprintf(f, "\t\t%smeta mark%s != 0 ct mark set meta mark%s\n",
			cfg->ipsec_check ? "meta ipsec exists " : "", mask, mask);
	fprintf(f,
		"\t\tudp dport %u @th,64,16 & 0x%04x == 0x%04x @th,96,16 0%s "
		"counter queue num %u bypass\n"
		"\t}\n", cfg->port, L2TP_CTRL_MASK, L2TP_CTRL_FLAGS, ipsec,
		cfg->queue);
	if (cfg->tunnel_marks) {
		static const struct { const char *map, *type; } m[] = {
			{ NFT_MAP_V4, "ipv4_addr" }, { NFT_MAP_V6, "ipv6_addr" },
		};
		int i;

		for (i = 0; i < 2; i++)
			fprintf(f,
				"\n\tmap %s {\n"
				"\t\ttype %s . inet_service : mark\n"
				"\t\tflags dynamic,timeout\n"
				"\t\ttimeout %us\n"
				"\t\tsize %u\n"
				"\t}\n", m[i].map, m[i].type, cfg->tunnel_timeout,
				cfg->tunnel_max);
	}
	if (cfg->connmark || cfg->tunnel_marks)
		fprintf(f,
			"\n\tchain %s {\n"
			"\t\ttype route hook output priority mangle; "
			"policy accept;\n%s", NFT_CHAIN_OUTPUT,
			cfg->tunnel_marks ?
			"\t\t# nft 1.0.6 cannot load the two ip6 rules from "
			"text (an assertion\n\t\t# in nft); the daemon installs "
			"them through libnftnl\n" : "");
	if (cfg->tunnel_marks) {
		static const struct { const char *map, *addr, *l; int off; } t[] = {
			{ NFT_MAP_V4, "ip daddr", "0x4000", 96 },
			{ NFT_MAP_V4, "ip daddr", "0", 80 },
			{ NFT_MAP_V6, "ip6 daddr", "0x4000", 96 },
			{ NFT_MAP_V6, "ip6 daddr", "0", 80 },
		};
		int i;

		for (i = 0; i < 4; i++)
			fprintf(f,
				"\t\tudp sport %u meta mark 0 "
				"@th,64,16 & 0x4000 == %s "
				"meta mark set %s . @th,%d,16 map @%s "
				"update @%s { %s . @th,%d,16 : meta mark }\n",
				cfg->port, t[i].l, t[i].addr, t[i].off, t[i].map,
				t[i].map, t[i].addr, t[i].off);
	}
	if (cfg->connmark)
		fprintf(f, "\t\tmeta mark 0 ct mark%s != 0 meta mark set ct "
			"mark%s\n", mask, mask);
	if (cfg->connmark || cfg->tunnel_marks)
		fputs("\t}\n", f);
	fputs("}\n", f);
}

