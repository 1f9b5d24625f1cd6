/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_PRIV_H
#define L2TP_NFQD_PRIV_H

#include <sys/types.h>

/*
 * priv_drop - become @uid/@gid and keep CAP_NET_ADMIN and nothing else:
 * nfnetlink checks it on every message the daemon sends, so it cannot go.
 * Also clears the bounding and ambient sets and sets no_new_privs.
 * Returns 0 or -errno (logged).
 */
int priv_drop(const char *user, uid_t uid, gid_t gid);

/* Does the process have CAP_NET_ADMIN in its effective set? */
int priv_has_net_admin(void);

#endif
