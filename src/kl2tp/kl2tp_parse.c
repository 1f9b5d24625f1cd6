// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pure half of the kernel L2TP watch (kl2tp.c): the kernel release
 * check, the generic netlink requests and replies it exchanges, and which
 * tunnels share one address and port quadruple.  No sockets, unit-tested.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <linux/l2tp.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "kl2tp/kl2tp_parse.h"

int kl2tp_release_affected(const char *release)
{
	unsigned long major, minor;
	char *end;

	if (!isdigit((unsigned char)release[0]))
		return -EINVAL;
	major = strtoul(release, &end, 10);
	if (end[0] != '.' || !isdigit((unsigned char)end[1]))
		return -EINVAL;
	minor = strtoul(end + 1, &end, 10);
	return major < KL2TP_FIXED_MAJOR ||
	       (major == KL2TP_FIXED_MAJOR && minor < KL2TP_FIXED_MINOR);
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= L2TP_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int has(const struct nlattr *a, enum mnl_attr_data_type type)
{
	return a && mnl_attr_validate(a, type) == 0;
}

static int has_in6(const struct nlattr *a)
{
	return a && mnl_attr_validate2(a, MNL_TYPE_BINARY, 16) == 0;
}

/*
 * An IPv6 socket connected to an IPv4 peer shows v4-mapped addresses, and
 * it competes for that peer's packets with IPv4 sockets: compare as IPv4.
 */
static void unmap_v4(struct kl2tp_tunnel *t)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(t->saddr, prefix, 12) || memcmp(t->daddr, prefix, 12))
		return;
	t->family = AF_INET;
	memmove(t->saddr, t->saddr + 12, 4);
	memmove(t->daddr, t->daddr + 12, 4);
	memset(t->saddr + 4, 0, 12);
	memset(t->daddr + 4, 0, 12);
}

int kl2tp_parse_tunnel(const struct nlmsghdr *nlh, struct kl2tp_tunnel *t)
{
	const struct nlattr *tb[L2TP_ATTR_MAX + 1] = { NULL };
	const struct nlattr *encap;

	memset(t, 0, sizeof(*t));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EINVAL;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb);
	if (!has(tb[L2TP_ATTR_CONN_ID], MNL_TYPE_U32))
		return -EINVAL;
	t->id = mnl_attr_get_u32(tb[L2TP_ATTR_CONN_ID]);

	/* the kernel sends ports only for UDP, and no address at all for a
	 * tunnel whose socket is already gone */
	encap = tb[L2TP_ATTR_ENCAP_TYPE];
	if (encap && (!has(encap, MNL_TYPE_U16) ||
		      mnl_attr_get_u16(encap) != L2TP_ENCAPTYPE_UDP))
		return -ENOENT;
	if (!has(tb[L2TP_ATTR_UDP_SPORT], MNL_TYPE_U16) ||
	    !has(tb[L2TP_ATTR_UDP_DPORT], MNL_TYPE_U16))
		return -ENOENT;
	t->sport = mnl_attr_get_u16(tb[L2TP_ATTR_UDP_SPORT]);
	t->dport = mnl_attr_get_u16(tb[L2TP_ATTR_UDP_DPORT]);

	if (has_in6(tb[L2TP_ATTR_IP6_SADDR]) &&
	    has_in6(tb[L2TP_ATTR_IP6_DADDR])) {
		t->family = AF_INET6;
		memcpy(t->saddr, mnl_attr_get_payload(tb[L2TP_ATTR_IP6_SADDR]),
		       16);
		memcpy(t->daddr, mnl_attr_get_payload(tb[L2TP_ATTR_IP6_DADDR]),
		       16);
		unmap_v4(t);
	} else if (has(tb[L2TP_ATTR_IP_SADDR], MNL_TYPE_U32) &&
		   has(tb[L2TP_ATTR_IP_DADDR], MNL_TYPE_U32)) {
		/* already in network order (nla_put_in_addr) */
		t->family = AF_INET;
		memcpy(t->saddr, mnl_attr_get_payload(tb[L2TP_ATTR_IP_SADDR]),
		       4);
		memcpy(t->daddr, mnl_attr_get_payload(tb[L2TP_ATTR_IP_DADDR]),
		       4);
	} else {
		return -ENOENT;
	}
	return 0;
}

int kl2tp_parse_session(const struct nlmsghdr *nlh, struct kl2tp_session *s)
{
	const struct nlattr *tb[L2TP_ATTR_MAX + 1] = { NULL };
	const struct nlattr *name;
	const char *p;
	size_t len, i;

	memset(s, 0, sizeof(*s));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EINVAL;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb);
	if (!has(tb[L2TP_ATTR_CONN_ID], MNL_TYPE_U32) ||
	    !has(tb[L2TP_ATTR_SESSION_ID], MNL_TYPE_U32))
		return -EINVAL;
	s->conn_id = mnl_attr_get_u32(tb[L2TP_ATTR_CONN_ID]);
	s->session_id = mnl_attr_get_u32(tb[L2TP_ATTR_SESSION_ID]);
	name = tb[L2TP_ATTR_IFNAME];
	if (!has(name, MNL_TYPE_NUL_STRING))
		return 0;
	p = mnl_attr_get_str(name);
	len = strlen(p);
	if (len >= sizeof(s->ifname))
		return 0;
	for (i = 0; i < len; i++)
		if (!isgraph((unsigned char)p[i]))
			return 0;
	memcpy(s->ifname, p, len + 1);
	return 0;
}

static int quad_cmp(const struct kl2tp_tunnel *a, const struct kl2tp_tunnel *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->saddr, b->saddr, sizeof(a->saddr));
	if (!c)
		c = memcmp(a->daddr, b->daddr, sizeof(a->daddr));
	if (!c && a->sport != b->sport)
		c = a->sport < b->sport ? -1 : 1;
	if (!c && a->dport != b->dport)
		c = a->dport < b->dport ? -1 : 1;
	return c;
}

static int tunnel_cmp(const void *x, const void *y)
{
	const struct kl2tp_tunnel *a = x, *b = y;
	int c = quad_cmp(a, b);

	if (c)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

void kl2tp_sort(struct kl2tp_tunnel *t, size_t n)
{
	if (n > 1)
		qsort(t, n, sizeof(*t), tunnel_cmp);
}

int kl2tp_same_quad(const struct kl2tp_tunnel *a, const struct kl2tp_tunnel *b)
{
	return quad_cmp(a, b) == 0;
}

size_t kl2tp_next_shared(const struct kl2tp_tunnel *t, size_t n,
			 size_t *start)
{
	size_t i, j;

	for (i = *start; i < n; i = j) {
		for (j = i + 1; j < n && !quad_cmp(&t[i], &t[j]); j++)
			;
		if (j - i > 1) {
			*start = i;
			return j - i;
		}
	}
	return 0;
}

static void endpoint(char *buf, size_t size, const struct kl2tp_tunnel *t,
		     const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(t->family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, size, t->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 port);
}

/* Append to a NUL-terminated @buf without ever overflowing it. */
#define APPEND(buf, size, ...)						\
	do {								\
		size_t o_ = strlen(buf);				\
		if (o_ < (size))					\
			snprintf((buf) + o_, (size) - o_, __VA_ARGS__); \
	} while (0)

#define IDS_SHOWN	8

void kl2tp_describe(char *buf, size_t size, const struct kl2tp_tunnel *t,
		    size_t n)
{
	char local[INET6_ADDRSTRLEN + 8], peer[INET6_ADDRSTRLEN + 8];
	size_t i, shown = n > IDS_SHOWN ? IDS_SHOWN : n;

	if (!size)
		return;
	endpoint(local, sizeof(local), t, t->saddr, t->sport);
	endpoint(peer, sizeof(peer), t, t->daddr, t->dport);
	snprintf(buf, size, "kernel L2TP tunnels ");
	for (i = 0; i < shown; i++) {
		if (i && (i + 1 < shown || shown < n))
			APPEND(buf, size, ", ");
		else if (i)
			APPEND(buf, size, " and ");
		APPEND(buf, size, "%u", t[i].id);
	}
	if (shown < n)
		APPEND(buf, size, " and %zu more", n - shown);
	APPEND(buf, size, " share %s <-> %s: Linux < %d.%d delivers all "
	       "their data to one of them; run the L2TP daemon in userspace "
	       "mode (xl2tpd: force userspace = yes) or use Linux >= %d.%d",
	       local, peer, KL2TP_FIXED_MAJOR, KL2TP_FIXED_MINOR,
	       KL2TP_FIXED_MAJOR, KL2TP_FIXED_MINOR);
}

struct family_parse {
	const char *group;
	uint32_t id;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
};

static int ctrl_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= CTRL_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* CTRL_ATTR_MCAST_GROUPS holds one nest per group: name and ID. */
static int group_cb(const struct nlattr *nest, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };
	struct family_parse *fp = data;
	const struct nlattr *name, *id;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	mnl_attr_parse_nested(nest, group_attr_cb, tb);
	name = tb[CTRL_ATTR_MCAST_GRP_NAME];
	id = tb[CTRL_ATTR_MCAST_GRP_ID];
	if (!has(name, MNL_TYPE_NUL_STRING) || !has(id, MNL_TYPE_U32) ||
	    strcmp(mnl_attr_get_str(name), fp->group))
		return MNL_CB_OK;
	fp->id = mnl_attr_get_u32(id);
	return MNL_CB_STOP;
}

int kl2tp_parse_family(const struct nlmsghdr *nlh, const char *group,
		       struct kl2tp_family *f)
{
	struct family_parse fp = { .group = group };
	const struct nlattr *name, *id, *groups;

	memset(f, 0, sizeof(*f));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EINVAL;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, fp.tb);
	name = fp.tb[CTRL_ATTR_FAMILY_NAME];
	id = fp.tb[CTRL_ATTR_FAMILY_ID];
	if (!has(name, MNL_TYPE_NUL_STRING) || !has(id, MNL_TYPE_U16) ||
	    mnl_attr_get_payload_len(name) > sizeof(f->name))
		return -EINVAL;
	strcpy(f->name, mnl_attr_get_str(name));
	f->id = mnl_attr_get_u16(id);
	groups = fp.tb[CTRL_ATTR_MCAST_GROUPS];
	if (group && has(groups, MNL_TYPE_NESTED)) {
		mnl_attr_parse_nested(groups, group_cb, &fp);
		f->group = fp.id;
	}
	return 0;
}

static struct nlmsghdr *genl_put(void *buf, size_t size, size_t extra,
				 uint16_t type, uint16_t flags, uint8_t cmd,
				 uint8_t version, uint32_t seq)
{
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)) + extra)
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)) + extra);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

size_t kl2tp_build_getfamily(void *buf, size_t size, const char *name,
			     uint32_t seq)
{
	size_t len = strlen(name) + 1;
	struct nlmsghdr *nlh;

	/* a reply with an ACK after it: nl_request waits for the ACK */
	nlh = genl_put(buf, size, MNL_ATTR_HDRLEN + MNL_ALIGN(len),
		       GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1, seq);
	if (!nlh)
		return 0;
	mnl_attr_put(nlh, CTRL_ATTR_FAMILY_NAME, len, name);
	return nlh->nlmsg_len;
}

size_t kl2tp_build_dump(void *buf, size_t size, uint16_t family,
			uint32_t seq)
{
	struct nlmsghdr *nlh;

	/* a dump ends with NLMSG_DONE; the kernel never ACKs one */
	nlh = genl_put(buf, size, 0, family, NLM_F_DUMP, L2TP_CMD_TUNNEL_GET,
		       L2TP_GENL_VERSION, seq);
	return nlh ? nlh->nlmsg_len : 0;
}

size_t kl2tp_build_session_dump(void *buf, size_t size, uint16_t family,
				uint32_t seq)
{
	struct nlmsghdr *nlh;

	nlh = genl_put(buf, size, 0, family, NLM_F_DUMP, L2TP_CMD_SESSION_GET,
		       L2TP_GENL_VERSION, seq);
	return nlh ? nlh->nlmsg_len : 0;
}

enum kl2tp_event kl2tp_genl_event(const struct nlmsghdr *nlh,
				  uint16_t family)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct kl2tp_family f;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return KL2TP_EV_NONE;
	if (family && nlh->nlmsg_type == family)
		return g->cmd == L2TP_CMD_TUNNEL_CREATE ? KL2TP_EV_TUNNEL :
							   KL2TP_EV_NONE;
	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    (g->cmd != CTRL_CMD_NEWFAMILY && g->cmd != CTRL_CMD_DELFAMILY) ||
	    kl2tp_parse_family(nlh, NULL, &f) ||
	    strcmp(f.name, L2TP_GENL_NAME))
		return KL2TP_EV_NONE;
	return g->cmd == CTRL_CMD_NEWFAMILY ? KL2TP_EV_FAMILY_NEW :
					      KL2TP_EV_FAMILY_DEL;
}

enum kl2tp_event kl2tp_link_event(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return KL2TP_EV_NONE;
	return ifi->ifi_type == ARPHRD_PPP ? KL2TP_EV_PPP_LINK : KL2TP_EV_NONE;
}
