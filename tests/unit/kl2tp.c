// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel L2TP watch's pure half (src/kl2tp/kl2tp_parse.c): the release
 * check, request and reply layouts, tunnels sharing a 4-tuple. */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <net/if_arp.h>
#include <linux/genetlink.h>
#include <linux/l2tp.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "kl2tp/kl2tp_parse.h"
#include "unit.h"

static void test_kl2tp_release(void)
{
	CHECK("release: Debian 12",
	      kl2tp_release_affected("6.1.0-18-amd64") == 1);
	CHECK("release: 6.9", kl2tp_release_affected("6.9.12-arch1-1") == 1);
	CHECK("release: 6.2 is before 6.10, not after",
	      kl2tp_release_affected("6.2.0") == 1);
	CHECK("release: 6.10 has the fix",
	      kl2tp_release_affected("6.10.0") == 0);
	CHECK("release: 6.10-rc1", kl2tp_release_affected("6.10-rc1") == 0);
	CHECK("release: 6.12 backports",
	      kl2tp_release_affected("6.12.48+deb13-amd64") == 0);
	CHECK("release: 5.15 and 3.10",
	      kl2tp_release_affected("5.15.0-91-generic") == 1 &&
	      kl2tp_release_affected("3.10.0-1160.el7.x86_64") == 1);
	CHECK("release: 7.0 and 10.1", kl2tp_release_affected("7.0") == 0 &&
	      kl2tp_release_affected("10.1") == 0);
	CHECK("release: unreadable", kl2tp_release_affected("") == -EINVAL &&
	      kl2tp_release_affected("6") == -EINVAL &&
	      kl2tp_release_affected("6.") == -EINVAL &&
	      kl2tp_release_affected("6.x") == -EINVAL &&
	      kl2tp_release_affected("v6.1") == -EINVAL);
}

#define KL2TP_FAMILY	29	/* any dynamic generic netlink ID */

struct ktun {
	uint32_t id;
	int af;			/* 0: no address (the socket is gone) */
	const char *src, *dst;
	uint16_t sport, dport;
	uint16_t encap;
};

/* A tunnel message laid out as l2tp_nl_tunnel_send() does. */
static const struct nlmsghdr *ktun_msg(char *buf, uint8_t cmd,
				       const struct ktun *k)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *nest;
	uint8_t a[16];

	nlh->nlmsg_type = KL2TP_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = L2TP_GENL_VERSION;
	mnl_attr_put_u8(nlh, L2TP_ATTR_PROTO_VERSION, 2);
	if (k->id)
		mnl_attr_put_u32(nlh, L2TP_ATTR_CONN_ID, k->id);
	mnl_attr_put_u32(nlh, L2TP_ATTR_PEER_CONN_ID, 1);
	mnl_attr_put_u32(nlh, L2TP_ATTR_DEBUG, 0);
	mnl_attr_put_u16(nlh, L2TP_ATTR_ENCAP_TYPE, k->encap);
	nest = mnl_attr_nest_start(nlh, L2TP_ATTR_STATS);
	nest->nla_type = L2TP_ATTR_STATS;	/* the kernel sets no flag */
	mnl_attr_put(nlh, L2TP_ATTR_STATS_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, L2TP_ATTR_TX_PACKETS, 5);
	mnl_attr_nest_end(nlh, nest);
	if (!k->af)
		return nlh;
	if (k->encap == L2TP_ENCAPTYPE_UDP) {
		if (k->af == AF_INET)
			mnl_attr_put_u8(nlh, L2TP_ATTR_UDP_CSUM, 0);
		mnl_attr_put_u16(nlh, L2TP_ATTR_UDP_SPORT, k->sport);
		mnl_attr_put_u16(nlh, L2TP_ATTR_UDP_DPORT, k->dport);
	}
	inet_pton(k->af, k->src, a);
	mnl_attr_put(nlh, k->af == AF_INET ? L2TP_ATTR_IP_SADDR :
		     L2TP_ATTR_IP6_SADDR, k->af == AF_INET ? 4 : 16, a);
	inet_pton(k->af, k->dst, a);
	mnl_attr_put(nlh, k->af == AF_INET ? L2TP_ATTR_IP_DADDR :
		     L2TP_ATTR_IP6_DADDR, k->af == AF_INET ? 4 : 16, a);
	return nlh;
}

static int ktun_parse(const struct ktun *k, struct kl2tp_tunnel *t)
{
	char buf[1024] __attribute__((aligned(8))) = { 0 };

	return kl2tp_parse_tunnel(ktun_msg(buf, L2TP_CMD_TUNNEL_GET, k), t);
}

static void test_kl2tp_parse(void)
{
	const struct ktun v4 = { 12, AF_INET, "203.0.113.1", "192.0.2.1",
				 1701, 4500, L2TP_ENCAPTYPE_UDP };
	const struct ktun v6 = { 13, AF_INET6, "2001:db8::1", "2001:db8::2",
				 1701, 1701, L2TP_ENCAPTYPE_UDP };
	const struct ktun mapped = { 14, AF_INET6, "::ffff:203.0.113.1",
				     "::ffff:192.0.2.1", 1701, 4500,
				     L2TP_ENCAPTYPE_UDP };
	const struct ktun ip = { 15, AF_INET, "203.0.113.1", "192.0.2.1", 0,
				 0, L2TP_ENCAPTYPE_IP };
	const struct ktun gone = { 16, 0, NULL, NULL, 0, 0,
				   L2TP_ENCAPTYPE_UDP };
	const struct ktun noid = { 0, AF_INET, "203.0.113.1", "192.0.2.1",
				   1701, 1701, L2TP_ENCAPTYPE_UDP };
	static const uint8_t s4[16] = { 203, 0, 113, 1 };
	static const uint8_t d4[16] = { 192, 0, 2, 1 };
	static const uint8_t d6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	char buf[1024] __attribute__((aligned(8))) = { 0 };
	struct kl2tp_tunnel t, u;
	struct nlmsghdr *nlh;
	struct nlattr *a;

	CHECK("tunnel: IPv4 over UDP", ktun_parse(&v4, &t) == 0 &&
	      t.id == 12 && t.family == AF_INET && t.sport == 1701 &&
	      t.dport == 4500 && !memcmp(t.saddr, s4, 16) &&
	      !memcmp(t.daddr, d4, 16));
	CHECK("tunnel: IPv6 over UDP", ktun_parse(&v6, &t) == 0 &&
	      t.id == 13 && t.family == AF_INET6 && t.dport == 1701 &&
	      !memcmp(t.daddr, d6, 16));
	CHECK("tunnel: v4-mapped IPv6 is compared as IPv4",
	      ktun_parse(&mapped, &t) == 0 && t.family == AF_INET &&
	      !memcmp(t.saddr, s4, 16) && !memcmp(t.daddr, d4, 16) &&
	      ktun_parse(&v4, &u) == 0 && kl2tp_same_quad(&t, &u));
	CHECK("tunnel: L2TP over IP has no ports",
	      ktun_parse(&ip, &t) == -ENOENT);
	CHECK("tunnel: no socket, no address", ktun_parse(&gone, &t) == -ENOENT);

	/* ports are only for UDP: trust the encapsulation first */
	nlh = (struct nlmsghdr *)ktun_msg(buf, L2TP_CMD_TUNNEL_GET, &v4);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == L2TP_ATTR_ENCAP_TYPE)
			*(uint16_t *)mnl_attr_get_payload(a) =
				L2TP_ENCAPTYPE_IP;
	CHECK("tunnel: not UDP, whatever else it carries",
	      kl2tp_parse_tunnel(nlh, &t) == -ENOENT);
	CHECK("tunnel: no ID", ktun_parse(&noid, &t) == -EINVAL);

	/* an ID of the wrong size, and a message without a genl header */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = KL2TP_FAMILY;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_u16(nlh, L2TP_ATTR_CONN_ID, 12);
	CHECK("tunnel: 2-byte ID", kl2tp_parse_tunnel(nlh, &t) == -EINVAL);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	CHECK("tunnel: truncated genl header",
	      kl2tp_parse_tunnel(nlh, &t) == -EINVAL);
}

static struct kl2tp_tunnel ktun(uint32_t id, const char *src, uint16_t sport,
				const char *dst, uint16_t dport)
{
	struct kl2tp_tunnel t = { .id = id, .sport = sport, .dport = dport };

	t.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	inet_pton(t.family, src, t.saddr);
	inet_pton(t.family, dst, t.daddr);
	return t;
}

static void test_kl2tp_shared(void)
{
	struct kl2tp_tunnel t[] = {
		ktun(10, "203.0.113.1", 1701, "192.0.2.1", 1701),
		ktun(20, "203.0.113.1", 1701, "192.0.2.9", 1701),
		ktun(5, "203.0.113.1", 1701, "192.0.2.1", 1701),
		ktun(7, "203.0.113.1", 1701, "192.0.2.1", 4500),
		ktun(30, "203.0.113.1", 1701, "192.0.2.9", 1701),
		ktun(8, "203.0.113.2", 1701, "192.0.2.1", 1701),
		ktun(9, "2001:db8::1", 1701, "2001:db8::2", 1701),
		ktun(6, "203.0.113.1", 1701, "192.0.2.1", 1701),
	};
	size_t n = sizeof(t) / sizeof(t[0]), i, len, groups = 0;
	uint32_t ids[8];
	size_t nids = 0;

	kl2tp_sort(t, n);
	for (i = 0; (len = kl2tp_next_shared(t, n, &i)); i += len) {
		size_t j;

		groups++;
		for (j = 0; j < len && nids < 8; j++)
			ids[nids++] = t[i + j].id;
		ids[nids - 1] |= 0x8000;	/* end of a group */
	}
	CHECK("shared: two 4-tuples with several tunnels", groups == 2 &&
	      nids == 5);
	CHECK("shared: grouped and ordered by ID",
	      nids == 5 && ids[0] == 5 && ids[1] == 6 &&
	      ids[2] == (10 | 0x8000) && ids[3] == 20 &&
	      ids[4] == (30 | 0x8000));
	i = 0;
	CHECK("shared: none in one tunnel or none",
	      kl2tp_next_shared(t, 1, &i) == 0 &&
	      kl2tp_next_shared(t, 0, &i) == 0);
	i = 0;
	CHECK("shared: a port apart is not shared",
	      !kl2tp_same_quad(&t[0], &t[n - 1]) &&
	      kl2tp_next_shared((struct kl2tp_tunnel[]){
			ktun(1, "203.0.113.1", 1701, "192.0.2.1", 1701),
			ktun(2, "203.0.113.1", 1702, "192.0.2.1", 1701) },
			2, &i) == 0);
}

static void test_kl2tp_describe(void)
{
	struct kl2tp_tunnel t[10];
	char buf[512], small[24];
	size_t i;

	t[0] = ktun(12, "203.0.113.1", 1701, "192.0.2.1", 1701);
	t[1] = ktun(34, "203.0.113.1", 1701, "192.0.2.1", 1701);
	kl2tp_describe(buf, sizeof(buf), t, 2);
	CHECK("warning text", !strcmp(buf, "kernel L2TP tunnels 12 and 34 "
	      "share 203.0.113.1:1701 <-> 192.0.2.1:1701: Linux < 6.10 "
	      "delivers all their data to one of them; run the L2TP daemon "
	      "in userspace mode (xl2tpd: force userspace = yes) or use "
	      "Linux >= 6.10"));
	for (i = 0; i < 10; i++)
		t[i] = ktun((uint32_t)i + 1, "2001:db8::1", 1701,
			    "2001:db8::2", 1701);
	kl2tp_describe(buf, sizeof(buf), t, 3);
	CHECK("warning: three IPv6 tunnels", !strncmp(buf, "kernel L2TP "
	      "tunnels 1, 2 and 3 share [2001:db8::1]:1701 <-> "
	      "[2001:db8::2]:1701: ", 72));
	kl2tp_describe(buf, sizeof(buf), t, 10);
	CHECK("warning: IDs cut after 8", strstr(buf, "tunnels 1, 2, 3, 4, "
	      "5, 6, 7, 8 and 2 more share [") != NULL);
	memset(small, 'x', sizeof(small));
	kl2tp_describe(small, sizeof(small), t, 10);
	CHECK("warning: cut to the buffer", strlen(small) == sizeof(small) - 1);
}

/* A CTRL_CMD_NEWFAMILY as nlctrl sends it (ctrl_fill_info). */
static const struct nlmsghdr *family_msg(char *buf, uint8_t cmd,
					 const char *name, int with_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *groups, *grp, *ops;
	struct genlmsghdr *g;

	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 2;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	if (with_id)
		mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, KL2TP_FAMILY);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, L2TP_ATTR_MAX);
	ops = mnl_attr_nest_start(nlh, CTRL_ATTR_OPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_OP_ID, L2TP_CMD_TUNNEL_GET);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, ops);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 7);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 12);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "l2tp");
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, groups);
	return nlh;
}

static void test_kl2tp_family(void)
{
	char buf[1024] __attribute__((aligned(8))) = { 0 };
	const struct nlmsghdr *nlh;
	struct kl2tp_family f;

	nlh = family_msg(buf, CTRL_CMD_NEWFAMILY, "l2tp", 1);
	CHECK("family: ID and group",
	      kl2tp_parse_family(nlh, "l2tp", &f) == 0 &&
	      !strcmp(f.name, "l2tp") && f.id == KL2TP_FAMILY &&
	      f.group == 12);
	CHECK("family: no such group",
	      kl2tp_parse_family(nlh, "nope", &f) == 0 &&
	      f.id == KL2TP_FAMILY && f.group == 0);
	CHECK("family: group not asked for",
	      kl2tp_parse_family(nlh, NULL, &f) == 0 && f.group == 0);
	memset(buf, 0, sizeof(buf));
	nlh = family_msg(buf, CTRL_CMD_NEWFAMILY, "l2tp", 0);
	CHECK("family: no ID", kl2tp_parse_family(nlh, "l2tp", &f) == -EINVAL);
	memset(buf, 0, sizeof(buf));
	nlh = family_msg(buf, CTRL_CMD_NEWFAMILY, "a-name-far-too-long", 1);
	CHECK("family: name longer than GENL_NAMSIZ",
	      kl2tp_parse_family(nlh, "l2tp", &f) == -EINVAL);
}

static void test_kl2tp_requests(void)
{
	char buf[64] __attribute__((aligned(8)));
	const struct genlmsghdr *g = (const void *)(buf + MNL_NLMSG_HDRLEN);
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *a = (const void *)(buf + MNL_NLMSG_HDRLEN + 4);
	size_t len;

	memset(buf, 0xaa, sizeof(buf));
	len = kl2tp_build_getfamily(buf, sizeof(buf), "l2tp", 77);
	CHECK("getfamily: header", len == 32 && nlh->nlmsg_len == 32 &&
	      nlh->nlmsg_type == GENL_ID_CTRL && nlh->nlmsg_seq == 77 &&
	      nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK) &&
	      g->cmd == CTRL_CMD_GETFAMILY && g->reserved == 0);
	CHECK("getfamily: name attribute, NUL and padding",
	      a->nla_type == CTRL_ATTR_FAMILY_NAME && a->nla_len == 4 + 5 &&
	      !memcmp(buf + 24, "l2tp\0\0\0\0", 8));
	CHECK("getfamily: too small", kl2tp_build_getfamily(buf, 31, "l2tp",
							    1) == 0);

	memset(buf, 0xaa, sizeof(buf));
	len = kl2tp_build_dump(buf, sizeof(buf), KL2TP_FAMILY, 78);
	CHECK("dump: header only", len == 20 && nlh->nlmsg_len == 20 &&
	      nlh->nlmsg_type == KL2TP_FAMILY && nlh->nlmsg_seq == 78 &&
	      nlh->nlmsg_pid == 0 &&
	      nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP) &&
	      g->cmd == L2TP_CMD_TUNNEL_GET && g->version == L2TP_GENL_VERSION &&
	      g->reserved == 0);
	CHECK("dump: too small",
	      kl2tp_build_dump(buf, 19, KL2TP_FAMILY, 1) == 0);
}

static void test_kl2tp_events(void)
{
	char buf[1024] __attribute__((aligned(8))) = { 0 };
	const struct ktun v4 = { 12, AF_INET, "203.0.113.1", "192.0.2.1",
				 1701, 1701, L2TP_ENCAPTYPE_UDP };
	const struct nlmsghdr *nlh;
	struct nlmsghdr *link;
	struct ifinfomsg *ifi;

	nlh = ktun_msg(buf, L2TP_CMD_TUNNEL_CREATE, &v4);
	CHECK("event: tunnel created",
	      kl2tp_genl_event(nlh, KL2TP_FAMILY) == KL2TP_EV_TUNNEL &&
	      kl2tp_genl_event(nlh, 0) == KL2TP_EV_NONE);
	memset(buf, 0, sizeof(buf));
	nlh = ktun_msg(buf, L2TP_CMD_TUNNEL_DELETE, &v4);
	CHECK("event: tunnel deleted is no cue",
	      kl2tp_genl_event(nlh, KL2TP_FAMILY) == KL2TP_EV_NONE);

	memset(buf, 0, sizeof(buf));
	nlh = family_msg(buf, CTRL_CMD_NEWFAMILY, "l2tp", 1);
	CHECK("event: l2tp family registered",
	      kl2tp_genl_event(nlh, 0) == KL2TP_EV_FAMILY_NEW);
	memset(buf, 0, sizeof(buf));
	nlh = family_msg(buf, CTRL_CMD_DELFAMILY, "l2tp", 1);
	CHECK("event: l2tp family unregistered",
	      kl2tp_genl_event(nlh, KL2TP_FAMILY) == KL2TP_EV_FAMILY_DEL);
	memset(buf, 0, sizeof(buf));
	nlh = family_msg(buf, CTRL_CMD_NEWFAMILY, "nl80211", 1);
	CHECK("event: another family",
	      kl2tp_genl_event(nlh, 0) == KL2TP_EV_NONE);
	memset(buf, 0, sizeof(buf));
	nlh = family_msg(buf, CTRL_CMD_NEWMCAST_GRP, "l2tp", 1);
	CHECK("event: a new group is no cue",
	      kl2tp_genl_event(nlh, 0) == KL2TP_EV_NONE);

	memset(buf, 0, sizeof(buf));
	link = mnl_nlmsg_put_header(buf);
	link->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(link, sizeof(*ifi));
	ifi->ifi_type = ARPHRD_PPP;
	ifi->ifi_index = 5;
	CHECK("event: new PPP link", kl2tp_link_event(link) ==
	      KL2TP_EV_PPP_LINK);
	/* RTM_NEWLINK and GENL_ID_CTRL are both 16 */
	CHECK("event: buses kept apart",
	      kl2tp_genl_event(link, 0) == KL2TP_EV_NONE);
	ifi->ifi_type = ARPHRD_ETHER;
	CHECK("event: Ethernet link", kl2tp_link_event(link) == KL2TP_EV_NONE);
	ifi->ifi_type = ARPHRD_PPP;
	link->nlmsg_type = RTM_DELLINK;
	CHECK("event: PPP link gone", kl2tp_link_event(link) == KL2TP_EV_NONE);
	link->nlmsg_type = RTM_NEWLINK;
	link->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	CHECK("event: truncated link message",
	      kl2tp_link_event(link) == KL2TP_EV_NONE);
}

/* A session message laid out as l2tp_nl_session_send() does. */
static const struct nlmsghdr *ksess_msg(char *buf, int conn, int sess,
					const char *ifname, size_t namelen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = KL2TP_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = L2TP_CMD_SESSION_GET;
	g->version = L2TP_GENL_VERSION;
	if (conn)
		mnl_attr_put_u32(nlh, L2TP_ATTR_CONN_ID, (uint32_t)conn);
	if (sess)
		mnl_attr_put_u32(nlh, L2TP_ATTR_SESSION_ID, (uint32_t)sess);
	mnl_attr_put_u32(nlh, L2TP_ATTR_PEER_CONN_ID, 3);
	mnl_attr_put_u32(nlh, L2TP_ATTR_PEER_SESSION_ID, 4);
	mnl_attr_put_u16(nlh, L2TP_ATTR_PW_TYPE, L2TP_PWTYPE_PPP);
	if (ifname)
		mnl_attr_put(nlh, L2TP_ATTR_IFNAME, namelen, ifname);
	return nlh;
}

static void test_kl2tp_session(void)
{
	char buf[512] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	struct kl2tp_session s;
	size_t len;

	CHECK("session: IDs and name",
	      kl2tp_parse_session(ksess_msg(buf, 10, 4, "l2tpeth0", 9),
				  &s) == 0 &&
	      s.conn_id == 10 && s.session_id == 4 &&
	      !strcmp(s.ifname, "l2tpeth0"));
	CHECK("session: PPP, no name",
	      kl2tp_parse_session(ksess_msg(buf, 10, 5, NULL, 0), &s) == 0 &&
	      s.session_id == 5 && !s.ifname[0]);
	CHECK("session: no tunnel ID",
	      kl2tp_parse_session(ksess_msg(buf, 0, 5, NULL, 0), &s) ==
	      -EINVAL);
	CHECK("session: no session ID",
	      kl2tp_parse_session(ksess_msg(buf, 10, 0, NULL, 0), &s) ==
	      -EINVAL);
	CHECK("session: a name without its NUL is left out",
	      kl2tp_parse_session(ksess_msg(buf, 10, 6, "ppp0", 4), &s) == 0 &&
	      !s.ifname[0]);
	CHECK("session: a name too long is left out",
	      kl2tp_parse_session(ksess_msg(buf, 10, 6,
					    "0123456789abcdefg", 18),
				  &s) == 0 && !s.ifname[0]);
	CHECK("session: a name not printable is left out",
	      kl2tp_parse_session(ksess_msg(buf, 10, 6, "pp p", 5), &s) == 0 &&
	      !s.ifname[0]);
	nlh = ksess_msg(buf, 10, 6, NULL, 0);
	((struct nlmsghdr *)buf)->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	CHECK("session: short", kl2tp_parse_session(nlh, &s) == -EINVAL);

	len = kl2tp_build_session_dump(buf, sizeof(buf), KL2TP_FAMILY, 79);
	nlh = (const void *)buf;
	g = mnl_nlmsg_get_payload(nlh);
	CHECK("session dump request", len == nlh->nlmsg_len &&
	      nlh->nlmsg_type == KL2TP_FAMILY && nlh->nlmsg_seq == 79 &&
	      (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP &&
	      g->cmd == L2TP_CMD_SESSION_GET &&
	      g->version == L2TP_GENL_VERSION);
	CHECK("session dump request: too small",
	      kl2tp_build_session_dump(buf, 19, KL2TP_FAMILY, 1) == 0);
}

void test_kl2tp(void)
{
	test_kl2tp_release();
	test_kl2tp_parse();
	test_kl2tp_shared();
	test_kl2tp_describe();
	test_kl2tp_family();
	test_kl2tp_requests();
	test_kl2tp_events();
	test_kl2tp_session();
}
