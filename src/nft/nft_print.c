// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's table in `nft -f` syntax (--print-rules), rule for rule
 * what nft_build.c and nft_sets.c install; a namespace test loads the
 * text with the distribution's nft and compares the listings.
 */
#include <stdio.h>

#include "wire/l2tp.h"
#include "nft/nft_build.h"
#include "nft/nft_schema.h"


static void print_input(FILE *f, const struct nft_cfg *cfg, const char *mask)
{
	const char *ipsec = cfg->ipsec_check ? " meta ipsec exists" : "";
	/* with --tunnel-marks an SCCRQ nobody bound must not pass */
	const char *bypass = cfg->tunnel_marks ? "" : " bypass";
	char sccrq[96];

	snprintf(sccrq, sizeof(sccrq), "udp dport %u @th,64,16 & 0x%04x == "
		 "0x%04x @th,96,16 0", cfg->port, L2TP_CTRL_MASK,
		 L2TP_CTRL_FLAGS);
	fprintf(f, "\n\tchain %s {\n"
		"\t\ttype filter hook input priority %d; policy accept;\n",
		NFT_CHAIN_INPUT, cfg->priority);
	if (cfg->connmark)
		fprintf(f, "\t\t%smeta mark%s != 0 ct mark set meta mark%s\n",
			cfg->ipsec_check ? "meta ipsec exists " : "", mask, mask);
	if (cfg->tunnel_marks)
		fprintf(f, "\t\texthdr frag exists udp dport %u counter drop\n"
			"\t\tudp dport %u jump %s\n", cfg->port, cfg->port,
			NFT_CHAIN_INBOUND);
	if (cfg->tunnel_marks && cfg->ipsec_check)
		fprintf(f, "\t\t%s meta ipsec missing counter drop\n", sccrq);
	if (cfg->tunnel_marks && cfg->sccrq_rate)
		fprintf(f, "\t\t%s update @sccrq_rate { meta mark limit rate "
			"over %u/second burst %u packets } counter drop\n",
			sccrq, cfg->sccrq_rate, 2 * cfg->sccrq_rate);
	fprintf(f, "\t\t%s%s counter queue num %u%s\n", sccrq, ipsec,
		cfg->queue, bypass);
	if (cfg->tunnel_marks)
		fprintf(f, "\t\tudp dport %u @th,64,16 & 0x%04x == 0x%04x "
			"@th,192,32 0x%x%s counter queue num %u\n",
			cfg->port, L2TP_CTRL_MASK, L2TP_CTRL_FLAGS,
			L2TP_MSG_STOPCCN, ipsec, cfg->queue);
	fputs("\t}\n", f);
}

/* The sets of --tunnel-marks (see nft_batch.h). */
static void print_sets(FILE *f, const struct nft_cfg *cfg)
{
	int i;

	if (cfg->sccrq_rate)
		fprintf(f, "\n\tset sccrq_rate {\n\t\ttypeof meta mark\n"
			"\t\tsize 65535\n\t\tflags dynamic,timeout\n"
			"\t\ttimeout 1m\n\t}\n");
	for (i = 0; i < 2; i++)
		fprintf(f,
			"\n\tmap %s {\n"
			"\t\ttypeof %s . @th,96,16 : meta mark\n"
			"\t\tsize %u\n"
			"\t}\n"
			"\n\tset %s {\n"
			"\t\ttypeof %s . @th,96,16\n"
			"\t\tsize %u\n"
			"\t\tflags dynamic,timeout\n"
			"\t\ttimeout %us\n"
			"\t}\n"
			"\n\tmap %s {\n"
			"\t\ttypeof %s . @th,96,16 : @th,96,16\n"
			"\t\tsize %u\n"
			"\t}\n"
			"\n\tset %s {\n"
			"\t\ttypeof %s . @th,96,16\n"
			"\t\tsize %u\n"
			"\t\tflags dynamic,timeout\n"
			"\t\ttimeout %llums\n"
			"\t}\n"
			"\n\tmap %s {\n"
			"\t\ttypeof %s . @th,96,16 : @th,96,16\n"
			"\t\tsize %u\n"
			"\t}\n"
			"\n\tset %s {\n"
			"\t\ttypeof %s . @th,96,16 . meta mark\n"
			"\t\tsize %u\n"
			"\t}\n"
			"\n\tset %s {\n"
			"\t\ttypeof %s . @th,96,16\n"
			"\t\tsize %u\n"
			"\t}\n",
			tunnel_families[i].name[TS_TUNNELS], tunnel_families[i].daddr, cfg->tunnel_max,
			tunnel_families[i].name[TS_LIVE], tunnel_families[i].daddr, cfg->tunnel_max,
			cfg->tunnel_timeout,
			tunnel_families[i].name[TS_XLATE], tunnel_families[i].daddr, cfg->tunnel_max,
			tunnel_families[i].name[TS_FRESH], tunnel_families[i].daddr, cfg->tunnel_max,
			(unsigned long long)nft_fresh_ms(cfg),
			tunnel_families[i].name[TS_LNS], tunnel_families[i].daddr, cfg->tunnel_max,
			tunnel_families[i].name[TS_OWN], tunnel_families[i].saddr, cfg->tunnel_max,
			tunnel_families[i].name[TS_BOUND], tunnel_families[i].saddr, cfg->tunnel_max);
}

/* Injection into a neighbour's tunnel: nft_tunnel_rules.c says why. */
static void print_inbound_chain(FILE *f, const char *mask)
{
	static const struct {
		const char *flags, *val, *set, *verdict;
		int off;
	} r[5] = {
		{ "0xc000", "0", "own", "accept", 80 },
		{ "0x4000", "0", "bound", "counter drop", 80 },
		{ "0xc000", "0x4000", "own", "accept", 96 },
		{ "0xc000", "0xc000", "own", "return", 96 },
		{ "0x4000", "0x4000", "bound", "counter drop", 96 },
	};
	int i, k;

	fprintf(f, "\n\tchain %s {\n", NFT_CHAIN_INBOUND);
	for (i = 0; i < 2; i++)
		for (k = 0; k < 5; k++)
			fprintf(f, "\t\t@th,64,16 & %s == %s %s . @th,%d,16%s%s "
				"@%s %s\n", r[k].flags, r[k].val,
				tunnel_families[i].saddr, r[k].off,
				r[k].set[0] == 'o' ? " . meta mark" : "",
				r[k].set[0] == 'o' ? mask : "",
				r[k].set[0] == 'o' ? tunnel_families[i].name[TS_OWN] :
				tunnel_families[i].name[TS_BOUND], r[k].verdict);
	fputs("\t}\n", f);
}

static void print_sccrp_chain(FILE *f, const struct nft_cfg *cfg)
{
	fprintf(f, "\n\tchain %s {\n"
		"\t\ttype filter hook output priority mangle + 1; "
		"policy accept;\n"
		"\t\tudp sport %u @th,64,16 & 0x%04x == 0x%04x @th,192,32 0x%x "
		"counter queue num %u\n\t}\n", NFT_CHAIN_SCCRP, cfg->port,
		L2TP_CTRL_MASK, L2TP_CTRL_FLAGS, L2TP_MSG_SCCRP, cfg->queue);
}

/* Marks, refresh, translation: the comments of nft_build.c say why. */
static void print_tunnel_rules(FILE *f, int i)
{
	const char *a = tunnel_families[i].daddr;
	static const struct { const char *l; int off; } l[2] = {
		{ "0", 80 }, { "0x4000", 96 },
	};
	int k;

	for (k = 0; k < 2; k++)
		fprintf(f, "\t\tmeta mark 0 @th,64,16 & 0x4000 == %s "
			"meta mark set %s . @th,%d,16 map @%s\n", l[k].l, a,
			l[k].off, tunnel_families[i].name[TS_TUNNELS]);
	fprintf(f, "\t\t@th,64,16 & 0xc000 == 0xc000 %s . @th,96,16 @%s "
		"update @%s { %s . @th,96,16 }\n", a, tunnel_families[i].name[TS_LIVE],
		tunnel_families[i].name[TS_LIVE], a);
	for (k = 0; k < 2; k++)
		fprintf(f, "\t\t@th,64,16 & 0xc000 == %s %s . @th,%d,16 != @%s "
			"%s . @th,%d,16 @%s add @%s { %s . @th,%d,16 } "
			"update @%s { %s . @th,%d,16 }\n", l[k].l, a, l[k].off,
			tunnel_families[i].name[TS_FRESH], a, l[k].off, tunnel_families[i].name[TS_LIVE],
			tunnel_families[i].name[TS_FRESH], a, l[k].off, tunnel_families[i].name[TS_LIVE], a,
			l[k].off);
	for (k = 0; k < 2; k++)
		fprintf(f, "\t\t@th,64,16 & 0x4000 == %s @th,%d,16 & 0x%x == "
			"0x%x @th,%d,16 set %s . @th,%d,16 map @%s\n", l[k].l,
			l[k].off, L2TP_XLATE_MIN, L2TP_XLATE_MIN,
			l[k].off, a, l[k].off, tunnel_families[i].name[TS_XLATE]);
}

static void print_tunnels_chain(FILE *f)
{
	int i;

	fprintf(f, "\n\tchain %s {\n"
		"\t\t# the daemon's own rewrite also updates the UDP "
		"checksum, which\n\t\t# nft leaves as it is after an "
		"@th write\n", NFT_CHAIN_TUNNELS);
	for (i = 0; i < 2; i++)
		print_tunnel_rules(f, i);
	fputs("\t}\n", f);
}

/* --sa-marks: the maps and the prerouting chain (nft_sa.c); the chains
 * per mark come and go with the policies. */
static void print_sa(FILE *f)
{
	static const struct { const char *name, *key, *udp; } m[4] = {
		{ NFT_SA_ESP4, "ip saddr . udp sport . @th,64,32",
		  "udp dport 4500 " },
		{ NFT_SA_ESP6, "ip6 saddr . udp sport . @th,64,32",
		  "udp dport 4500 " },
		{ NFT_SA_ESPP4, "ip saddr . esp spi", "" },
		{ NFT_SA_ESPP6, "ip6 saddr . esp spi", "" },
	};
	int i;

	fprintf(f, "\n\t# --sa-marks: the daemon fills these maps from the "
		"kernel's IPsec\n\t# policies and SAs, and adds a chain "
		"sa-mark-<mark> per mark\n\tmap %s {\n"
		"\t\ttypeof ipsec in reqid : verdict\n\t}\n", NFT_SA_REQIDS);
	for (i = 0; i < 4; i++)
		fprintf(f, "\n\tmap %s {\n\t\ttypeof %s : meta mark\n\t}\n",
			m[i].name, m[i].key);
	fprintf(f, "\n\tchain %s {\n\t\ttype filter hook prerouting priority "
		"mangle + 5; policy accept;\n"
		"\t\tipsec in reqid vmap @%s\n", NFT_CHAIN_SA, NFT_SA_REQIDS);
	for (i = 0; i < 4; i++)
		fprintf(f, "\t\t%smeta mark set %s map @%s\n", m[i].udp,
			m[i].key, m[i].name);
	fputs("\t}\n", f);
}

void nft_print(FILE *f, const struct nft_cfg *cfg)
{
	char mask[24] = "";

	if (cfg->mark_mask != 0xffffffff)
		snprintf(mask, sizeof(mask), " & 0x%08x", cfg->mark_mask);
	fprintf(f,
		"# l2tp-nfqd --manage-rules creates this table with the owner flag:\n"
		"# it belongs to the daemon and goes away with it.\n"
		"table inet %s {", cfg->table);
	if (cfg->tunnel_marks) {
		print_sets(f, cfg);
		print_inbound_chain(f, mask);
	}
	print_input(f, cfg, mask);
	if (cfg->tunnel_marks)
		print_tunnels_chain(f);
	if (cfg->connmark || cfg->tunnel_marks)
		fprintf(f, "\n\tchain %s {\n"
			"\t\ttype route hook output priority mangle; "
			"policy accept;\n", NFT_CHAIN_OUTPUT);
	if (cfg->tunnel_marks)
		fprintf(f, "\t\tudp sport %u jump %s\n", cfg->port,
			NFT_CHAIN_TUNNELS);
	if (cfg->connmark)
		fprintf(f, "\t\tmeta mark 0 ct mark%s != 0 meta mark set ct "
			"mark%s\n", mask, mask);
	if (cfg->connmark || cfg->tunnel_marks)
		fputs("\t}\n", f);
	if (cfg->tunnel_marks)
		print_sccrp_chain(f, cfg);
	if (cfg->sa_marks)
		print_sa(f);
	fputs("}\n", f);
}
