// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --print-rules (src/nft/nft_print.c): the table as `nft -f` text, per
 * option.  The set names come from the schema's table, for both
 * families; the namespace tier loads the same text into nft.
 */
#include <stdlib.h>
#include <netinet/in.h>

#include "nft/nft_build.h"
#include "unit.h"

static char *print(const struct nft_cfg *cfg)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	nft_print(f, cfg);
	fclose(f);
	return text;
}

static int has(const char *text, const char *s)
{
	return text && strstr(text, s);
}

static int balanced(const char *text)
{
	int depth = 0;

	for (; text && *text; text++) {
		depth += *text == '{';
		depth -= *text == '}';
		if (depth < 0)
			return 0;
	}
	return text && depth == 0;
}

static unsigned int count(const char *text, const char *s)
{
	unsigned int n = 0;

	while (text && (text = strstr(text, s))) {
		n++;
		text++;
	}
	return n;
}

static void test_print_plain(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .mark_mask = 0xffffffff,
	};
	char *t = print(&cfg);

	CHECK("print: the table", has(t, "table inet l2tp-nfqd {") &&
	      balanced(t));
	CHECK("print: input chain at its priority",
	      has(t, "\tchain input {\n\t\ttype filter hook input priority "
		  "-140; policy accept;\n"));
	CHECK("print: the SCCRQ, from IPsec, queued with bypass",
	      has(t, "udp dport 1701 @th,64,16 & 0xcb0f == 0xc802 "
		  "@th,96,16 0 meta ipsec exists counter queue num 7 "
		  "bypass\n"));
	CHECK("print: nothing of the other options", !has(t, "tunnels4") &&
	      !has(t, "chain output") && !has(t, "chain inbound") &&
	      !has(t, "chain sccrp") && !has(t, "prerouting") &&
	      !has(t, "ct mark"));
	free(t);

	cfg.ipsec_check = 0;
	cfg.port = 1702;
	cfg.queue = 3;
	cfg.table = "t2";
	t = print(&cfg);
	CHECK("print: no IPsec check, another port, queue and table",
	      has(t, "table inet t2 {") && !has(t, "ipsec") &&
	      has(t, "udp dport 1702 ") && has(t, "queue num 3 bypass\n"));
	free(t);

	cfg.connmark = 1;
	cfg.mark_mask = 0xffff;
	t = print(&cfg);
	CHECK("print: --connmark saves on input, restores on output, "
	      "masked", balanced(t) &&
	      has(t, "\t\tmeta mark & 0x0000ffff != 0 ct mark set meta mark "
		  "& 0x0000ffff\n") &&
	      has(t, "\tchain output {\n\t\ttype route hook output priority "
		  "mangle; policy accept;\n\t\tmeta mark 0 ct mark & "
		  "0x0000ffff != 0 meta mark set ct mark & 0x0000ffff\n\t}"));
	free(t);
}

static void test_print_tunnel_marks(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .ipsec_check = 1, .mark_mask = 0xffffffff,
		.tunnel_marks = 1, .tunnel_timeout = 300, .tunnel_max = 4096,
	};
	static const char *const kind[TS_MAX] = {
		"map", "set", "map", "set", "map", "set", "set",
	};
	char want[128], *t = print(&cfg);
	unsigned int f, s, ok = 1;

	for (f = 0; f < 2; f++)
		for (s = 0; s < TS_MAX; s++) {
			snprintf(want, sizeof(want), "\n\t%s %s {\n\t\ttypeof %s "
				 ". @th,96,16", kind[s],
				 tunnel_families[f].name[s],
				 s == TS_OWN || s == TS_BOUND ?
				 tunnel_families[f].saddr :
				 tunnel_families[f].daddr);
			if (!has(t, want)) {
				printf("  missing: %s\n", want);
				ok = 0;
			}
		}
	CHECK("print: every set of the schema, both families", ok &&
	      balanced(t));
	CHECK("print: each sized", count(t, "\t\tsize 4096\n") == 2 * TS_MAX);
	CHECK("print: live after the timeout, fresh after a quarter",
	      count(t, "\t\ttimeout 300s\n") == 2 &&
	      count(t, "\t\ttimeout 75000ms\n") == 2);
	CHECK("print: no bypass with --tunnel-marks", !has(t, "bypass") &&
	      has(t, "meta ipsec exists counter queue num 7\n"));
	CHECK("print: cleartext SCCRQs dropped, fragments dropped",
	      has(t, "@th,96,16 0 meta ipsec missing counter drop\n") &&
	      has(t, "\t\texthdr frag exists udp dport 1701 counter drop\n"));
	CHECK("print: the StopCCN queued too",
	      has(t, "@th,192,32 0x4 meta ipsec exists counter queue num 7\n"));
	CHECK("print: inbound chain, ten rules on own and bound",
	      has(t, "\n\tchain inbound {\n") &&
	      count(t, " @own4 ") == 3 && count(t, " @own6 ") == 3 &&
	      count(t, " @bound4 counter drop") == 2 &&
	      count(t, " @bound6 counter drop") == 2);
	CHECK("print: the input chain jumps to inbound, output to tunnels",
	      has(t, "\t\tudp dport 1701 jump inbound\n") &&
	      has(t, "\t\tudp sport 1701 jump tunnels\n"));
	CHECK("print: tunnels chain, marks from both families' maps",
	      has(t, "\n\tchain tunnels {\n") &&
	      count(t, "meta mark set ip daddr . @th,") == 2 &&
	      count(t, "map @tunnels4\n") == 2 &&
	      count(t, "map @tunnels6\n") == 2 &&
	      count(t, "map @xlate4\n") == 2 && count(t, "map @xlate6\n") == 2);
	CHECK("print: the SCCRP chain after the route chain",
	      has(t, "\n\tchain sccrp {\n\t\ttype filter hook output priority "
		  "mangle + 1; policy accept;\n\t\tudp sport 1701 @th,64,16 & "
		  "0xcb0f == 0xc802 @th,192,32 0x2 counter queue num 7\n\t}\n"));
	CHECK("print: no rate set without --sccrq-rate",
	      !has(t, "sccrq_rate"));
	free(t);

	cfg.tunnel_timeout = 2;
	cfg.sccrq_rate = 10;
	cfg.mark_mask = 0xff00;
	cfg.ipsec_check = 0;
	t = print(&cfg);
	CHECK("print: fresh lives a second at least",
	      count(t, "\t\ttimeout 1000ms\n") == 2 &&
	      count(t, "\t\ttimeout 2s\n") == 2);
	CHECK("print: --sccrq-rate: its set and rule", balanced(t) &&
	      has(t, "\n\tset sccrq_rate {\n") &&
	      has(t, " update @sccrq_rate { meta mark limit rate over "
		  "10/second burst 20 packets } counter drop\n"));
	CHECK("print: the mask on the own rules' mark",
	      count(t, " . meta mark & 0x0000ff00 @own") == 6);
	CHECK("print: no cleartext rule without the IPsec check",
	      !has(t, "ipsec"));
	free(t);
}

static void test_print_sa(void)
{
	struct nft_cfg cfg = {
		.table = "l2tp-nfqd", .priority = -140, .port = 1701,
		.queue = 7, .mark_mask = 0xffffffff, .sa_marks = 1,
	};
	char *t = print(&cfg);

	CHECK("print: --sa-marks: the reqid map and four ESP maps",
	      balanced(t) &&
	      has(t, "\tmap sa_reqids {\n\t\ttypeof ipsec in reqid : "
		  "verdict\n\t}\n") &&
	      has(t, "\tmap sa_esp4 {\n") && has(t, "\tmap sa_esp6 {\n") &&
	      has(t, "\tmap sa_espp4 {\n") && has(t, "\tmap sa_espp6 {\n"));
	CHECK("print: --sa-marks: the prerouting chain",
	      has(t, "\tchain prerouting {\n\t\ttype filter hook prerouting "
		  "priority mangle + 5; policy accept;\n\t\tipsec in reqid "
		  "vmap @sa_reqids\n") &&
	      has(t, "\t\tudp dport 4500 meta mark set ip saddr . udp sport . "
		  "@th,64,32 map @sa_esp4\n") &&
	      has(t, "\t\tmeta mark set ip6 saddr . esp spi map @sa_espp6\n"));
	CHECK("print: --sa-marks alone has no tunnel sets",
	      !has(t, "tunnels4") && !has(t, "chain output"));
	free(t);
}

void test_nft_print(void)
{
	test_print_plain();
	test_print_tunnel_marks();
	test_print_sa();
}
