/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_OPTIONS_H
#define L2TP_NFQD_OPTIONS_H

#include <sys/types.h>

#include "ctl/ctl.h"
#include "packet/handler.h"
#include "packet/ipc.h"
#include "nft/nft_schema.h"
#include "packet/queue.h"

/* The command line, as each module's configuration. */
struct config {
	struct queue_cfg queue;
	struct ipc_cfg ipc;
	struct handler_cfg handler;
	struct nft_cfg nft;
	struct ctl_cfg ctl;
	int ct_lookup;		/* ask conntrack for missing marks */
	int manage_rules;	/* install the table (else --no-rules) */
	int print_rules;
	int no_translate;	/* --no-translate: drop colliding IDs */
	unsigned int per_mark;	/* --tunnels-per-mark */
	const char *user;	/* --user: run as this user once started */
	uid_t user_uid;
	gid_t user_gid;
	int use_syslog;
	int debug;
};

/* Fill @c from the command line; exits 2 with the usage on errors, 0
 * after --help and --version. */
void options_parse(int argc, char **argv, struct config *c);
/* The options in force, each as (name, value), for the control socket. */
void options_report(const struct config *c, ctl_option_fn *fn, void *arg);

#endif
