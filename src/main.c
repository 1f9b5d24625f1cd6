// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * l2tp-nfqd: tells an L2TP daemon which netfilter mark (IPsec SA) belongs
 * to each new L2TPv2 tunnel.  Options, start-up and teardown order, the
 * poll loop, signals and exit codes live here.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "ct.h"
#include "handler.h"
#include "ipc.h"
#include "log.h"
#include "nft.h"
#include "notify.h"
#include "priv.h"
#include "queue.h"
#include "queue.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define EXIT_USAGE	2

struct options {
	unsigned int queue;
	const char *output;
	uint32_t mark_mask;
	int ct_lookup;
	unsigned int backlog;
	unsigned int queue_maxlen;
	int manage_rules;
	struct nft_cfg nft;
	int print_rules;
	int format;
	const char *user;
	uid_t user_uid;
	gid_t user_gid;
	uid_t output_owner;
	int use_syslog;
	int debug;
};

static volatile sig_atomic_t sig_quit, sig_hup, sig_usr1;

static const char usage_text[] =
"Usage: l2tp-nfqd [-n NUM] [-o PATH] [-m MASK] [--no-ct-lookup]\n"
"                 [--format 1|2] [--backlog N] [--queue-maxlen N]\n"
"                 [--manage-rules | --no-rules] [--table NAME]\n"
"                 [--priority N] [--port PORT] [--ipsec-check secpath|none]\n"
"                 [--connmark] [--tunnel-marks] [--tunnel-mark-timeout SEC]\n"
"                 [--tunnel-marks-max N]\n"
"                 [--print-rules] [--user NAME] [--output-owner USER]\n"
"                 [--syslog] [-d] [-h] [-V]\n"
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
"                         L2TP daemons that do not read the messages\n"
"      --tunnel-mark-timeout SEC\n"
"                         forget a tunnel's mark after SEC seconds without\n"
"                         a packet to it (1-604800, default 300)\n"
"      --tunnel-marks-max N\n"
"                         tunnels per address family (1-1000000,\n"
"                         default 65536)\n"
"      --print-rules      print the table in nft -f syntax and exit\n"
"      --user NAME        run as this user once started, keeping only\n"
"                         CAP_NET_ADMIN\n"
"      --output-owner USER\n"
"                         also send to an output socket of this user\n"
"                         (name or uid; root's are always trusted)\n"
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
	OPT_USER,
	OPT_OUTPUT_OWNER,
	OPT_SYSLOG,
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
	{ "user",		required_argument, NULL, OPT_USER },
	{ "output-owner",	required_argument, NULL, OPT_OUTPUT_OWNER },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
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

static void parse_options(int argc, char **argv, struct options *o)
{
	struct passwd *pw;
	int c;

	o->mark_mask = 0xffffffff;
	o->ct_lookup = 1;
	o->format = L2TP_NFQ_FORMAT_1;
	o->output_owner = (uid_t)-1;
	o->backlog = IPC_DEFAULT_BACKLOG;
	o->queue_maxlen = QUEUE_DEFAULT_MAXLEN;
	o->manage_rules = 1;
	o->nft.table = NFT_DEFAULT_TABLE;
	o->nft.priority = NFT_DEFAULT_PRIORITY;
	o->nft.port = 1701;
	o->nft.ipsec_check = 1;
	o->nft.tunnel_timeout = 300;
	o->nft.tunnel_max = 65536;
	/* for tests of the fallback on kernels that have owned tables */
	o->nft.owner = !getenv("L2TP_NFQD_NO_OWNER");

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:m:dhV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			o->queue = parse_num("--queue", optarg, 0, 65535);
			break;
		case 'o':
			if (!*optarg)
				usage_error("--output: empty path");
			if (strlen(optarg) > IPC_PATH_MAX)
				usage_error("--output: path longer than %zu "
					    "bytes, the AF_UNIX limit",
					    IPC_PATH_MAX);
			o->output = optarg;
			break;
		case 'm':
			o->mark_mask = parse_num("--mark-mask", optarg, 1,
						 0xffffffff);
			break;
		case OPT_NO_CT_LOOKUP:
			o->ct_lookup = 0;
			break;
		case OPT_FORMAT:
			o->format = (int)parse_num("--format", optarg, 1, 2);
			break;
		case OPT_BACKLOG:
			o->backlog = parse_num("--backlog", optarg, 1, 1000000);
			break;
		case OPT_QUEUE_MAXLEN:
			o->queue_maxlen = parse_num("--queue-maxlen", optarg,
						    1, 1000000);
			break;
		case OPT_MANAGE_RULES:
			o->manage_rules = 1;
			break;
		case OPT_NO_RULES:
			o->manage_rules = 0;
			break;
		case OPT_TABLE:
			check_table_name(optarg);
			o->nft.table = optarg;
			break;
		case OPT_PRIORITY:
			o->nft.priority = parse_priority(optarg);
			break;
		case OPT_PORT:
			o->nft.port = parse_num("--port", optarg, 1, 65535);
			break;
		case OPT_IPSEC_CHECK:
			if (!strcmp(optarg, "secpath"))
				o->nft.ipsec_check = 1;
			else if (!strcmp(optarg, "none"))
				o->nft.ipsec_check = 0;
			else
				usage_error("--ipsec-check: '%s' is not "
					    "secpath or none", optarg);
			break;
		case OPT_PRINT_RULES:
			o->print_rules = 1;
			break;
		case OPT_CONNMARK:
			o->nft.connmark = 1;
			break;
		case OPT_TUNNEL_MARKS:
			o->nft.tunnel_marks = 1;
			break;
		case OPT_TUNNEL_TIMEOUT:
			o->nft.tunnel_timeout = parse_num(
				"--tunnel-mark-timeout", optarg, 1, 604800);
			break;
		case OPT_TUNNEL_MAX:
			o->nft.tunnel_max = parse_num("--tunnel-marks-max",
						      optarg, 1, 1000000);
			break;
		case OPT_USER:
			pw = getpwnam(optarg);
			if (!pw)
				usage_error("--user: no user '%s'", optarg);
			o->user = optarg;
			o->user_uid = pw->pw_uid;
			o->user_gid = pw->pw_gid;
			break;
		case OPT_OUTPUT_OWNER:
			pw = getpwnam(optarg);
			if (pw)
				o->output_owner = pw->pw_uid;
			else
				o->output_owner = (uid_t)parse_num(
					"--output-owner", optarg, 0,
					(uid_t)-2);
			break;
		case OPT_SYSLOG:
			o->use_syslog = 1;
			break;
		case 'd':
			o->debug++;
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
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->nft.connmark && !o->manage_rules)
		usage_error("--connmark: needs the daemon's own table, not "
			    "--no-rules");
	if (o->nft.tunnel_marks && !o->manage_rules)
		usage_error("--tunnel-marks: needs the daemon's own table, not "
			    "--no-rules");
	o->nft.queue = (uint16_t)o->queue;
	o->nft.mark_mask = o->mark_mask;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_hup = 1;
	else if (sig == SIGUSR1)
		sig_usr1 = 1;
	else
		sig_quit = 1;
}

/* Signals are blocked except inside ppoll(): no wake-up is lost. */
static void setup_signals(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
	sigdelset(waitmask, SIGUSR1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void log_counters(const struct queue *q, const struct handler *h,
			 const struct ipc *ipc)
{
	const struct queue_stats *qs = queue_stats(q);
	const struct handler_stats *hs = handler_stats(h);
	const struct ipc_stats *is = ipc_stats(ipc);
	char rej[512];
	size_t off = 0;
	int i;

	rej[0] = '\0';
	for (i = 1; i < REJ_MAX; i++) {
		int n;

		if (!hs->rejected[i])
			continue;
		n = snprintf(rej + off, sizeof(rej) - off, "%s%s %llu",
			     off ? ", " : "", reject_str(i),
			     (unsigned long long)hs->rejected[i]);
		if (n < 0 || (size_t)n >= sizeof(rej) - off)
			break;
		off += (size_t)n;
	}
	log_info("queued %llu, verdict batches %llu, SCCRQs %llu, "
		 "forwarded %llu (packet %llu, conntrack %llu, lookup %llu), "
		 "no mark %llu, unsupported %llu",
		 (unsigned long long)qs->packets,
		 (unsigned long long)qs->batches,
		 (unsigned long long)hs->sccrq,
		 (unsigned long long)hs->forwarded,
		 (unsigned long long)hs->by_src[MARK_PACKET],
		 (unsigned long long)hs->by_src[MARK_CT_ATTACHED],
		 (unsigned long long)hs->by_src[MARK_CT_LOOKUP],
		 (unsigned long long)hs->no_mark,
		 (unsigned long long)hs->unsupported);
	log_info("sent %llu, backlog %u, dropped %llu, send failures %llu, "
		 "verdict errors %llu, conntrack errors %llu, looked up after "
		 "the verdict %llu, receive errors %llu, output connects %llu, "
		 "refused %llu",
		 (unsigned long long)is->sent, ipc_backlog_len(ipc),
		 (unsigned long long)is->dropped,
		 (unsigned long long)is->send_errors,
		 (unsigned long long)qs->verdict_errors,
		 (unsigned long long)hs->ct_errors,
		 (unsigned long long)hs->ct_deferred,
		 (unsigned long long)qs->recv_errors,
		 (unsigned long long)is->connects,
		 (unsigned long long)is->refused);
	log_info("rejected: %s", off ? rej : "none");
}

static void queue_error(unsigned int num, int ret, const struct nl_err *err)
{
	if (ret == -EPERM && !priv_has_net_admin()) {
		log_warnx("cannot bind queue %u: no CAP_NET_ADMIN; run as "
			  "root or grant the capability "
			  "(AmbientCapabilities=CAP_NET_ADMIN)", num);
	} else if (ret == -EPERM) {
		log_warnx("cannot bind queue %u: another program (another "
			  "l2tp-nfqd?) has it; stop it or choose another "
			  "queue with --queue", num);
	} else {
		errno = -ret;
		log_warn("cannot bind queue %u%s%s", num,
			 err->msg[0] ? ": " : "", err->msg);
	}
}

int main(int argc, char **argv)
{
	struct handler_cfg hcfg = { 0 };
	struct options opt = { 0 };
	struct handler *h = NULL;
	struct ipc *ipc = NULL;
	struct queue *q = NULL;
	struct ct *ct = NULL;
	struct nft *nft = NULL;
	struct nl_err nlerr;
	struct timespec tick = { .tv_sec = 1 }, last_ping = { 0 };
	uint64_t wd_usec;
	sigset_t waitmask;
	int ret, status = 1;

	parse_options(argc, argv, &opt);
	if (opt.print_rules) {
		nft_print(stdout, &opt.nft);
		return 0;
	}
	log_init("l2tp-nfqd", opt.use_syslog, opt.debug);
	setup_signals(&waitmask);
	notify_init();
	/* the watchdog is fed from the loop, twice per interval */
	wd_usec = notify_watchdog_usec();
	if (wd_usec && wd_usec < 2000000) {
		tick.tv_sec = 0;
		tick.tv_nsec = (long)(wd_usec / 2 * 1000);
	}
	if (opt.user && geteuid() != 0) {
		log_warnx("--user %s: only root can switch users", opt.user);
		goto out;
	}
	ret = ipc_open(&ipc, opt.output, opt.backlog, opt.output_owner);
	if (ret) {
		errno = -ret;
		log_warn("output %s", opt.output);
		goto out;
	}
	if (opt.ct_lookup) {
		ret = ct_open(&ct);
		if (ret) {
			errno = -ret;
			log_warn("conntrack socket");
			goto out;
		}
	}
	hcfg.mark_mask = opt.mark_mask;
	hcfg.format = opt.format;
	ret = handler_open(&h, &hcfg, ct, ipc);
	if (ret)
		goto out;
	ret = queue_open(&q, (uint16_t)opt.queue, opt.queue_maxlen,
		       handler_packet, handler_after_verdict, h, &nlerr);
	if (ret) {
		queue_error(opt.queue, ret, &nlerr);
		goto out;
	}
	log_info("l2tp-nfqd %s: queue %u, output %s (format %d), marks from %s",
		 VERSION, opt.queue, opt.output ? opt.output : "(none: log only)",
		 opt.format,
		 queue_has_ct(q) ? "packet, conntrack attached to it" :
		 opt.ct_lookup ? "packet, conntrack lookup" : "packet only");
	/* rules last: the kernel never queues to a listener that is gone */
	if (opt.manage_rules) {
		if (nft_open(&nft, &opt.nft))
			goto out;
		handler_set_nft(h, nft);
	} else {
		log_info("--no-rules: queue the SCCRQs to queue %u yourself",
			 opt.queue);
	}
	if (opt.user) {
		ret = priv_drop(opt.user_uid, opt.user_gid);
		if (ret) {
			errno = -ret;
			log_warn("cannot switch to user %s", opt.user);
			goto out;
		}
		log_info("running as %s with CAP_NET_ADMIN only", opt.user);
	}
	notify_send("READY=1");

	while (!sig_quit) {
		struct pollfd pfd[3] = {
			{ .fd = queue_fd(q), .events = POLLIN },
			{ .fd = ipc_poll_fd(ipc), .events = POLLOUT },
			{ .fd = nft_fd(nft), .events = POLLIN },
		};
		struct timespec now;
		int n;

		n = ppoll(pfd, 3, &tick, &waitmask);
		if (n < 0 && errno != EINTR) {
			log_warn("poll");
			goto out;
		}
		if (sig_hup) {
			sig_hup = 0;
			log_info("SIGHUP: reconnecting the output");
			ipc_reconnect(ipc);
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			log_counters(q, h, ipc);
		}
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLERR))) {
			ret = queue_dispatch(q);
			if (ret) {
				errno = -ret;
				log_warn("netfilter queue: fatal receive "
					 "error; exiting so that the service "
					 "manager can restart the daemon");
				goto out;
			}
		}
		if (n > 0 && (pfd[2].revents & POLLIN))
			nft_dispatch(nft);
		/*
		 * Each dispatch already flushed: flush again when the socket
		 * has room, or, disconnected, to retry a receiver that was
		 * away (once a second at most, see ipc.c).
		 */
		if (ipc_backlog_len(ipc) && (pfd[1].fd < 0 || pfd[1].revents))
			ipc_flush(ipc);
		if (!wd_usec)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - last_ping.tv_sec) * 1000000 +
		    (now.tv_nsec - last_ping.tv_nsec) / 1000 >= wd_usec / 2) {
			notify_send("WATCHDOG=1");
			last_ping = now;
		}
	}
	notify_send("STOPPING=1");
	log_counters(q, h, ipc);
	status = 0;
out:
	/* rules first, then the queue */
	nft_close(nft);
	queue_close(q);
	handler_close(h);
	ct_close(ct);
	ipc_close(ipc);
	return status;
}
