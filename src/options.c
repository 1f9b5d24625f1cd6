// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command line: getopt_long, range checks, the usage text (the man page's
 * SYNOPSIS and OPTIONS say the same).  Fills each module's configuration
 * directly; only errors in the command line exit from here (status 2).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "wire/l2tp.h"
#include "options.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define EXIT_USAGE	2

static const char usage_text[] =
"Usage: l2tp-nfqd [-n NUM] [-o PATH] [-m MASK] [--no-ct-lookup]\n"
"                 [--format 1|2] [--backlog N] [--queue-maxlen N]\n"
"                 [--manage-rules | --no-rules] [--table NAME]\n"
"                 [--priority N] [--port PORT] [--ipsec-check secpath|none]\n"
"                 [--connmark] [--tunnel-marks] [--tunnel-mark-timeout SEC]\n"
"                 [--tunnel-marks-max N] [--tunnels-per-mark N]\n"
"                 [--sccrq-rate N] [--no-translate] [--sa-marks]\n"
"                 [--require-ipsec] [--fdstore]\n"
"                 [--print-rules] [--user NAME] [--output-owner USER]\n"
"                 [--control PATH] [--syslog] [-d] [-h] [-V]\n"
"       l2tp-nfqd status [--json] [--table NAME] [--control PATH]\n"
"       l2tp-nfqd metrics [-o FILE] [--table NAME] [--control PATH]\n"
"\n"
"  -n, --queue NUM        netfilter queue to read (0-65535, default 0)\n"
"  -o, --output PATH      AF_UNIX datagram socket of the L2TP daemon;\n"
"                         without it SCCRQs are only logged\n"
"  -m, --mark-mask MASK   mask applied to the mark (default 0xffffffff)\n"
"      --no-ct-lookup     never ask conntrack for a missing mark\n"
"      --format 1|2       message format: 1, the original's (IPv4 only,\n"
"                         the default), or 2 (IPv6, ports, mark source)\n"
"      --backlog N        messages kept while the receiver is busy or away\n"
"                         (1-1000000, default 32768)\n"
"      --queue-maxlen N   packets the kernel may hold for the daemon\n"
"                         (1-1000000, default 32768)\n"
"      --manage-rules     install the daemon's own nftables rules (default)\n"
"      --no-rules         install no rules; the admin queues the packets\n"
"      --table NAME       name of the daemon's inet table (default l2tp-nfqd)\n"
"      --priority N       priority of its input chain (default -140,\n"
"                         mangle + 10)\n"
"      --port PORT        UDP port of L2TP (1-65535, default 1701)\n"
"      --ipsec-check secpath|none\n"
"                         queue only packets that came through IPsec\n"
"                         (secpath, the default) or all (none)\n"
"      --connmark         also save IPsec packets' marks in conntrack and\n"
"                         restore them on locally generated packets\n"
"      --tunnel-marks     mark the return path per tunnel: a map (peer .\n"
"                         tunnel ID) -> mark filled from each SCCRQ, for\n"
"                         L2TP daemons that do not read the messages;\n"
"                         colliding tunnel IDs are translated\n"
"      --tunnel-mark-timeout SEC\n"
"                         forget a tunnel after SEC seconds without\n"
"                         traffic to it (1-604800, default 300)\n"
"      --tunnel-marks-max N\n"
"                         tunnels per address family (1-1000000,\n"
"                         default 65536)\n"
"      --tunnels-per-mark N\n"
"                         tunnels one SA (mark) may have; more SCCRQs\n"
"                         from it are dropped (0-1000000, 0: no limit,\n"
"                         default 64)\n"
"      --sccrq-rate N     SCCRQs per second one mark may send to the\n"
"                         daemon, a burst of 2N; more are dropped by the\n"
"                         kernel (0-1000000, 0: no limit, default 20)\n"
"      --no-translate     never rewrite tunnel IDs: of two SAs' tunnels with\n"
"                         one address and ID, the second is dropped\n"
"      --sa-marks         mark IPsec packets from the kernel's policies\n"
"                         and SAs, for IKE daemons that leave them\n"
"                         unmarked (Libreswan's mark=-1)\n"
"      --require-ipsec    drop L2TP that IPsec did not protect, both ways,\n"
"                         with a table that stays when the daemon stops\n"
"      --fdstore          keep the table and its tunnels across restarts:\n"
"                         the service manager holds its socket\n"
"      --print-rules      print the table in nft -f syntax and exit\n"
"      --user NAME        run as this user once started, keeping only\n"
"                         CAP_NET_ADMIN\n"
"      --output-owner USER\n"
"                         also send to an output socket of this user\n"
"                         (name or uid; root's are always trusted)\n"
"      --control PATH     control socket for l2tp-nfqd status (default\n"
"                         " CTL_DEFAULT_PATH ", none: no socket)\n"
"      --syslog           log to syslog instead of standard error\n"
"  -d, --debug            log more (repeatable)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n";

enum {
	OPT_NO_CT_LOOKUP = 256,
	OPT_FORMAT,
	OPT_BACKLOG,
	OPT_QUEUE_MAXLEN,
	OPT_MANAGE_RULES,
	OPT_NO_RULES,
	OPT_TABLE,
	OPT_PRIORITY,
	OPT_PORT,
	OPT_IPSEC_CHECK,
	OPT_PRINT_RULES,
	OPT_CONNMARK,
	OPT_TUNNEL_MARKS,
	OPT_TUNNEL_TIMEOUT,
	OPT_TUNNEL_MAX,
	OPT_SA_MARKS,
	OPT_USER,
	OPT_OUTPUT_OWNER,
	OPT_SYSLOG,
	OPT_REQUIRE_IPSEC,
	OPT_FDSTORE,
	OPT_NO_TRANSLATE,
	OPT_PER_MARK,
	OPT_SCCRQ_RATE,
	OPT_CONTROL,
};

static const struct option long_options[] = {
	{ "queue",		required_argument, NULL, 'n' },
	{ "output",		required_argument, NULL, 'o' },
	{ "mark-mask",		required_argument, NULL, 'm' },
	{ "no-ct-lookup",	no_argument,	   NULL, OPT_NO_CT_LOOKUP },
	{ "format",		required_argument, NULL, OPT_FORMAT },
	{ "backlog",		required_argument, NULL, OPT_BACKLOG },
	{ "queue-maxlen",	required_argument, NULL, OPT_QUEUE_MAXLEN },
	{ "manage-rules",	no_argument,	   NULL, OPT_MANAGE_RULES },
	{ "no-rules",		no_argument,	   NULL, OPT_NO_RULES },
	{ "table",		required_argument, NULL, OPT_TABLE },
	{ "priority",		required_argument, NULL, OPT_PRIORITY },
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "ipsec-check",	required_argument, NULL, OPT_IPSEC_CHECK },
	{ "print-rules",	no_argument,	   NULL, OPT_PRINT_RULES },
	{ "connmark",		no_argument,	   NULL, OPT_CONNMARK },
	{ "tunnel-marks",	no_argument,	   NULL, OPT_TUNNEL_MARKS },
	{ "tunnel-mark-timeout", required_argument, NULL, OPT_TUNNEL_TIMEOUT },
	{ "tunnel-marks-max",	required_argument, NULL, OPT_TUNNEL_MAX },
	{ "sa-marks",		no_argument,	   NULL, OPT_SA_MARKS },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "output-owner",	required_argument, NULL, OPT_OUTPUT_OWNER },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
	{ "require-ipsec",	no_argument,	   NULL, OPT_REQUIRE_IPSEC },
	{ "fdstore",		no_argument,	   NULL, OPT_FDSTORE },
	{ "no-translate",	no_argument,	   NULL, OPT_NO_TRANSLATE },
	{ "tunnels-per-mark",	required_argument, NULL, OPT_PER_MARK },
	{ "sccrq-rate",		required_argument, NULL, OPT_SCCRQ_RATE },
	{ "control",		required_argument, NULL, OPT_CONTROL },
	{ "debug",		no_argument,	   NULL, 'd' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("l2tp-nfqd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

static unsigned long parse_num(const char *opt, const char *arg,
			       unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (*arg == '-' || *arg == '\0')
		usage_error("%s: '%s' is not a number", opt, arg);
	v = strtoul(arg, &end, 0);
	if (*end)
		usage_error("%s: '%s' is not a number", opt, arg);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range (%lu-%lu)", opt, arg,
			    min, max);
	return v;
}

static int parse_priority(const char *arg)
{
	long v;
	char *end;

	errno = 0;
	v = strtol(arg, &end, 0);
	if (!*arg || *end)
		usage_error("--priority: '%s' is not a number", arg);
	/* INT_MIN is NF_IP_PRI_FIRST, reserved for the kernel */
	if (errno == ERANGE || v <= INT_MIN || v > INT_MAX)
		usage_error("--priority: %s is out of range (%d-%d)", arg,
			    INT_MIN + 1, INT_MAX);
	return (int)v;
}

static void check_table_name(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > NFT_TABLE_NAME_MAX)
		usage_error("--table: name must be 1-%d characters",
			    NFT_TABLE_NAME_MAX);
	/* what nft accepts as an unquoted identifier */
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c == '_') && !(i && ((c >= '0' && c <= '9') ||
					   c == '-' || c == '.')))
			usage_error("--table: '%s' is not a valid table name "
				    "(letters, digits, '_', '-', '.')", name);
	}
}

static void defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->queue.maxlen = QUEUE_DEFAULT_MAXLEN;
	c->ipc.backlog = IPC_DEFAULT_BACKLOG;
	c->ipc.owner = (uid_t)-1;
	c->handler.mark_mask = 0xffffffff;
	c->handler.format = L2TP_NFQ_FORMAT_1;
	c->ct_lookup = 1;
	c->manage_rules = 1;
	c->nft.table = NFT_DEFAULT_TABLE;
	c->nft.priority = NFT_DEFAULT_PRIORITY;
	c->nft.port = L2TP_PORT;
	c->nft.ipsec_check = 1;
	c->nft.mark_mask = 0xffffffff;
	c->nft.tunnel_timeout = 300;
	c->nft.tunnel_max = 65536;
	c->nft.sccrq_rate = 20;
	c->per_mark = 64;
	c->ctl.path = ctl_default_path();
	c->ctl.owner = (uid_t)-1;
	c->ctl.group = (gid_t)-1;
	/* for tests of the fallback on kernels that have owned tables */
	c->nft.owner = !getenv("L2TP_NFQD_NO_OWNER");
}

/* The options that shape the daemon's table; 0 if @opt is not one. */
static int rules_option(struct config *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_MANAGE_RULES:
		c->manage_rules = 1;
		break;
	case OPT_NO_RULES:
		c->manage_rules = 0;
		break;
	case OPT_TABLE:
		check_table_name(arg);
		c->nft.table = arg;
		break;
	case OPT_PRIORITY:
		c->nft.priority = parse_priority(arg);
		break;
	case OPT_PORT:
		c->nft.port = (uint16_t)parse_num("--port", arg, 1, 65535);
		break;
	case OPT_IPSEC_CHECK:
		if (!strcmp(arg, "secpath"))
			c->nft.ipsec_check = 1;
		else if (!strcmp(arg, "none"))
			c->nft.ipsec_check = 0;
		else
			usage_error("--ipsec-check: '%s' is not secpath or "
				    "none", arg);
		break;
	case OPT_CONNMARK:
		c->nft.connmark = 1;
		break;
	case OPT_TUNNEL_MARKS:
		c->nft.tunnel_marks = 1;
		break;
	case OPT_TUNNEL_TIMEOUT:
		c->nft.tunnel_timeout = (uint32_t)parse_num(
			"--tunnel-mark-timeout", arg, 1, 604800);
		break;
	case OPT_TUNNEL_MAX:
		c->nft.tunnel_max = (uint32_t)parse_num("--tunnel-marks-max",
							arg, 1, 1000000);
		break;
	case OPT_SA_MARKS:
		c->nft.sa_marks = 1;
		break;
	case OPT_PRINT_RULES:
		c->print_rules = 1;
		break;
	case OPT_REQUIRE_IPSEC:
		c->nft.require_ipsec = 1;
		break;
	case OPT_FDSTORE:
		c->nft.fdstore = 1;
		break;
	case OPT_NO_TRANSLATE:
		c->no_translate = 1;
		break;
	case OPT_PER_MARK:
		c->per_mark = (unsigned int)parse_num("--tunnels-per-mark", arg,
						      0, 1000000);
		break;
	case OPT_SCCRQ_RATE:
		c->nft.sccrq_rate = (uint32_t)parse_num("--sccrq-rate", arg, 0,
							1000000);
		break;
	default:
		return 0;
	}
	return 1;
}

static uid_t parse_owner(const char *arg)
{
	struct passwd *pw = getpwnam(arg);

	if (pw)
		return pw->pw_uid;
	return (uid_t)parse_num("--output-owner", arg, 0, (uid_t)-2);
}

static void set_user(struct config *c, const char *arg)
{
	struct passwd *pw = getpwnam(arg);

	if (!pw)
		usage_error("--user: no user '%s'", arg);
	c->user = arg;
	c->user_uid = pw->pw_uid;
	c->user_gid = pw->pw_gid;
}

static void set_output(struct config *c, const char *arg)
{
	if (!*arg)
		usage_error("--output: empty path");
	if (strlen(arg) > IPC_PATH_MAX)
		usage_error("--output: path longer than %zu bytes, the "
			    "AF_UNIX limit", IPC_PATH_MAX);
	c->ipc.path = arg;
}

static void set_control(struct config *c, const char *arg)
{
	c->ctl.required = 1;
	if (!strcmp(arg, "none")) {
		c->ctl.path = NULL;
		return;
	}
	if (*arg != '/')
		usage_error("--control: '%s' is not an absolute path", arg);
	if (strlen(arg) > IPC_PATH_MAX)
		usage_error("--control: path longer than %zu bytes, the "
			    "AF_UNIX limit", IPC_PATH_MAX);
	if (arg[strlen(arg) - 1] == '/')
		usage_error("--control: '%s' names a directory", arg);
	c->ctl.path = arg;
}

/* Every other option; exits on what it does not know. */
static void daemon_option(struct config *c, int opt, const char *arg,
			  char **argv)
{
	switch (opt) {
	case 'n':
		/* the queue to bind, and the one the rules queue to */
		c->queue.num = (uint16_t)parse_num("--queue", arg, 0, 65535);
		c->nft.queue = c->queue.num;
		break;
	case 'o':
		set_output(c, arg);
		break;
	case 'm':
		/* the handler masks marks it reads, the rules those they copy */
		c->handler.mark_mask = (uint32_t)parse_num("--mark-mask", arg,
							   1, 0xffffffff);
		c->nft.mark_mask = c->handler.mark_mask;
		break;
	case OPT_NO_CT_LOOKUP:
		c->ct_lookup = 0;
		break;
	case OPT_FORMAT:
		c->handler.format = (int)parse_num("--format", arg, 1, 2);
		break;
	case OPT_BACKLOG:
		c->ipc.backlog = (unsigned int)parse_num("--backlog", arg, 1,
							 1000000);
		break;
	case OPT_QUEUE_MAXLEN:
		c->queue.maxlen = (uint32_t)parse_num("--queue-maxlen", arg, 1,
						      1000000);
		break;
	case OPT_USER:
		set_user(c, arg);
		break;
	case OPT_OUTPUT_OWNER:
		c->ipc.owner = parse_owner(arg);
		break;
	case OPT_CONTROL:
		set_control(c, arg);
		break;
	case OPT_SYSLOG:
		c->use_syslog = 1;
		break;
	case 'd':
		c->debug++;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case 'V':
		printf("l2tp-nfqd %s\n", VERSION);
		exit(0);
	case ':':
		usage_error("%s: missing argument", argv[optind - 1]);
	default:
		if (optopt)
			usage_error("unknown option '-%c'", optopt);
		usage_error("unknown option '%s'", argv[optind - 1]);
	}
}

void options_parse(int argc, char **argv, struct config *c)
{
	int opt;

	defaults(c);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:o:m:dhV", long_options,
				  NULL)) != -1) {
		if (!rules_option(c, opt, optarg))
			daemon_option(c, opt, optarg, argv);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (c->nft.connmark && !c->manage_rules)
		usage_error("--connmark: needs the daemon's own table, not "
			    "--no-rules");
	if (c->nft.tunnel_marks && !c->manage_rules)
		usage_error("--tunnel-marks: needs the daemon's own table, not "
			    "--no-rules");
	if (c->nft.sa_marks && !c->manage_rules)
		usage_error("--sa-marks: needs the daemon's own table, not "
			    "--no-rules");
	if (c->nft.fdstore && !c->manage_rules)
		usage_error("--fdstore: needs the daemon's own table, not "
			    "--no-rules");
	/* the daemon decides which SA answers enter: it fails closed */
	c->queue.fail_closed = c->nft.tunnel_marks;
	c->handler.tunnel_marks = c->nft.tunnel_marks;
	/* the daemon removes its socket as that user */
	if (c->user) {
		c->ctl.owner = c->user_uid;
		c->ctl.group = c->user_gid;
	}
}

static void report_num(ctl_option_fn *fn, void *arg, const char *name,
		       const char *fmt, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	fn(arg, name, buf);
}

static void report_flag(ctl_option_fn *fn, void *arg, const char *name,
			int v)
{
	fn(arg, name, v ? "yes" : "no");
}

/* What shapes the table. */
static void report_rules(const struct config *c, ctl_option_fn *fn,
			 void *arg)
{
	const struct nft_cfg *n = &c->nft;
	char prio[16];

	report_flag(fn, arg, "manage-rules", c->manage_rules);
	fn(arg, "table", n->table);
	snprintf(prio, sizeof(prio), "%d", n->priority);
	fn(arg, "priority", prio);
	report_num(fn, arg, "port", "%lu", n->port);
	fn(arg, "ipsec-check", n->ipsec_check ? "secpath" : "none");
	report_flag(fn, arg, "connmark", n->connmark);
	report_flag(fn, arg, "tunnel-marks", n->tunnel_marks);
	report_num(fn, arg, "tunnel-mark-timeout", "%lu", n->tunnel_timeout);
	report_num(fn, arg, "tunnel-marks-max", "%lu", n->tunnel_max);
	report_num(fn, arg, "tunnels-per-mark", "%lu", c->per_mark);
	report_num(fn, arg, "sccrq-rate", "%lu", n->sccrq_rate);
	report_flag(fn, arg, "translate", !c->no_translate);
	report_flag(fn, arg, "sa-marks", n->sa_marks);
	report_flag(fn, arg, "require-ipsec", n->require_ipsec);
	report_flag(fn, arg, "fdstore", n->fdstore);
}

void options_report(const struct config *c, ctl_option_fn *fn, void *arg)
{
	report_num(fn, arg, "queue", "%lu", c->queue.num);
	fn(arg, "output", c->ipc.path ? c->ipc.path : "none");
	if (c->ipc.owner != (uid_t)-1)
		report_num(fn, arg, "output-owner", "%lu", c->ipc.owner);
	report_num(fn, arg, "format", "%lu", (unsigned long)c->handler.format);
	report_num(fn, arg, "backlog", "%lu", c->ipc.backlog);
	report_num(fn, arg, "queue-maxlen", "%lu", c->queue.maxlen);
	report_num(fn, arg, "mark-mask", "0x%lx", c->handler.mark_mask);
	report_flag(fn, arg, "ct-lookup", c->ct_lookup);
	report_rules(c, fn, arg);
	fn(arg, "user", c->user ? c->user : "none");
	fn(arg, "control", c->ctl.path ? c->ctl.path : "none");
}
