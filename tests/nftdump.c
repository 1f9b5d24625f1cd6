// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: lists the rules of an inet table through libnftnl, one
 * line per rule, and decodes the queue expression or xt NFQUEUE target
 * (which `nft -j` shows by name only).
 *
 *   nftdump TABLE  ->  "<libnftnl rule text> | queue N total T flags F"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

static const char *table;

static void queue_info(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const uint16_t *info;
	uint32_t len;

	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (!strcmp(name, "queue"))
			printf(" | queue %u total %u flags %u native",
			       nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_NUM),
			       nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_TOTAL),
			       nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_FLAGS));
		if (!strcmp(name, "target")) {
			info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
			printf(" | queue %u total %u flags %u compat %s rev %u",
			       info[0], info[1], len >= 6 ? info[2] : 0,
			       nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME),
			       nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV));
		}
	}
	nftnl_expr_iter_destroy(it);
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char buf[4096];

	(void)data;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    !strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), table)) {
		nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0);
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("%s", buf);
		queue_info(r);
		putchar('\n');
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	char buf[32768];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL), portid;
	int ret;

	if (argc != 2)
		return 2;
	table = argv[1];
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return 1;
	portid = mnl_socket_get_portid(nl);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
				    NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return 1;
	while ((ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, rule_cb, NULL);
		if (ret <= 0)
			break;
	}
	mnl_socket_close(nl);
	return ret < 0;
}
