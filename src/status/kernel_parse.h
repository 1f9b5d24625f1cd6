/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_STATUS_KERNEL_PARSE_H
#define L2TP_NFQD_STATUS_KERNEL_PARSE_H

/*
 * The pure half of status/kernel.c (kernel_parse.c): what the kernel's
 * replies say, read into the status view without a socket.  kernel.c
 * sends the requests and hands each reply to the callbacks here; the
 * unit tests hand them messages built by hand.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "kl2tp/kl2tp_parse.h"
#include "nft/nft_build.h"
#include "nft/nft_schema.h"
#include "status/view.h"
#include "xfrm/xfrm_parse.h"

struct nftnl_rule;
struct nftnl_set_elem;

/* --- the tunnel sets ------------------------------------------------ */

/*
 * Seconds since the tunnel of a live element last spoke: (its timeout -
 * the time left) / 1000, the timeout being the element's own or, when
 * the kernel gives none (it leaves out a timeout equal to the set's),
 * @set_timeout (ms, 0: unknown).  ST_UNKNOWN without an expiration or a
 * timeout, or when the time left exceeds the timeout.
 */
long stk_idle(const struct nft_elem_read *x, uint64_t set_timeout);

/*
 * Into the view: a tunnels element adds the tunnel (st_tunnel_get(),
 * the mark, ST_FROM_KERNEL); xlate, lns and live elements fill orig_id,
 * lns_id and idle of a tunnel the view has (an element without its
 * tunnels element is left out).  0 or -ENOMEM.
 */
int stk_elem_apply(struct st_view *v, int set, const struct nft_elem_read *x,
		   uint64_t set_timeout);

/* A GETSETELEM reply (nl_data_cb): every element of one set into the
 * view.  Malformed elements are skipped and counted. */
struct stk_elems {
	struct st_view *v;
	int family, set;
	uint64_t set_timeout;		/* ms, the live set's */
	unsigned int skipped;
	int err;			/* -ENOMEM */
};
void stk_elems_cb(const struct nlmsghdr *nlh, void *data);

/* A GETSET dump (nl_data_cb): which tunnel sets @table has, and their
 * timeouts. */
struct stk_sets {
	const char *table;
	int found[2][TS_MAX];		/* [IPv6][enum tunnel_set] */
	uint64_t timeout[2][TS_MAX];	/* ms, 0: none */
};
void stk_sets_cb(const struct nlmsghdr *nlh, void *data);

/* --- the table's counters ------------------------------------------ */

/* The counters, in the order st_counter_add() gets them (kernel.h). */
enum stk_counter {
	STK_C_SCCRQ,		/* input: the SCCRQ queue rule */
	STK_C_STOPCCN,		/* input: the StopCCN queue rule */
	STK_C_SCCRP,		/* sccrp: the SCCRP queue rule */
	STK_C_DROP_CLEARTEXT,	/* input: SCCRQ meta ipsec missing drop */
	STK_C_DROP_FRAGMENT,	/* input: exthdr frag exists drop */
	STK_C_DROP_RATE,	/* input: SCCRQ over --sccrq-rate drop */
	STK_C_DROP_OTHER_SA,	/* inbound: @bound drops, all four */
	STK_C_GUARD_IN,		/* guard table: cleartext_in */
	STK_C_GUARD_OUT,	/* guard table: cleartext_out */
	STK_C_MAX
};

/* Its name and labels (for st_counter_add()); NULL for no counter. */
const char *stk_counter_name(int c);
const char *stk_counter_labels(int c);

/*
 * stk_rule_classify - which counter a rule of the daemon's table is (by
 * its chain and what it matches and does), and its packets.  Returns
 * the enum stk_counter, or -1 for a rule without a counter or that is
 * none of these.
 */
int stk_rule_classify(struct nftnl_rule *r, uint64_t *packets);

struct stk_counters {
	const char *table;
	uint64_t v[STK_C_MAX];
	unsigned int seen;		/* bits: 1u << enum stk_counter */
};
/* A GETRULE dump of the table (nl_data_cb): rules of other tables are
 * left out; rules of one counter add up. */
void stk_rules_cb(const struct nlmsghdr *nlh, void *data);
/* A GETOBJ dump of the guard table (nl_data_cb): cleartext_in/out. */
void stk_guard_cb(const struct nlmsghdr *nlh, void *data);
/* The counters seen, into the view; 0 or -ENOMEM. */
int stk_counters_put(struct st_view *v, const struct stk_counters *c);

/* --- XFRM ----------------------------------------------------------- */

/* What an XFRM dump showed: SAs (without keys) and policies. */
struct stk_xfrm {
	struct xfrm_sa *sa;
	size_t nsa, sa_cap;
	struct xfrm_pol *pol;
	size_t npol, pol_cap;
	unsigned int malformed;
	int err;			/* -ENOMEM */
};
/* One dump reply: an SA or policy is kept, anything else ignored. */
void stk_xfrm_add(struct stk_xfrm *x, const struct nlmsghdr *nlh);
void stk_xfrm_free(struct stk_xfrm *x);

/*
 * stk_sa_match - the SA behind tunnel @t's mark, into t->sa.  The reqid
 * is that of the SA whose mark/mask matches the mark ((mark & mask) ==
 * (sa mark & mask), mask not 0), the most specific mask first; else of
 * an inbound policy with transport templates whose mark matches.  Among
 * the ESP SAs of that reqid (of the tunnel's family, and whose mark, if
 * any, matches too): spi_in from the one whose source is the peer,
 * spi_out to it; the first listed of each (the kernel lists the newest
 * first).  A tunnel without a mark (0) gets none.  found: a reqid.
 */
void stk_sa_match(struct st_tunnel *t, const struct stk_xfrm *x);

/* --- kernel L2TP ---------------------------------------------------- */

/*
 * stk_ppp_match - a view tunnel whose lns_id is a kernel tunnel's ID and
 * whose peer is that tunnel's remote address gets the interface of that
 * tunnel's session with the lowest session ID that names one (t->ppp).
 * Returns how many tunnels got one.
 */
size_t stk_ppp_match(struct st_view *v, const struct kl2tp_tunnel *kt,
		     size_t nkt, const struct kl2tp_session *ks, size_t nks);

/*
 * stk_pppol2tp_parse - /proc/net/pppol2tp (l2tp_ppp): each PPP session
 * with its tunnel ID, session ID and "interface pppN" line, into @out
 * (at most @max; PPP sessions' netlink messages carry no interface
 * name).  Returns how many.  Lines it does not know are skipped.
 */
size_t stk_pppol2tp_parse(const char *text, struct kl2tp_session *out,
			  size_t max);

#endif
