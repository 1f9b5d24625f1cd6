// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `l2tp-nfqd status` and `l2tp-nfqd metrics`: which client is which.
 * The running daemon answers on its control socket (status/daemon.c)
 * with what only it knows (ports, host names, ages, its counters); the
 * kernel (status/kernel.c) has the table's maps, the XFRM SAs behind the
 * marks and kernel PPP interfaces.  Without a daemon (a restart gap, a
 * crash, --fdstore keeping the table) the kernel's part is shown alone,
 * and the output says so.  Printed aligned, as JSON (the schema is in
 * l2tp-nfqd(8), STATUS), or in the Prometheus text format.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "ctl/ctl.h"
#include "nft/nft_schema.h"
#include "status/daemon.h"
#include "status/kernel.h"
#include "status/status.h"
#include "status/view.h"

#ifndef VERSION
#define VERSION "unknown"
#endif


enum format { FMT_TEXT, FMT_JSON, FMT_PROM };

struct status_opts {
	const char *cmd;
	enum format fmt;
	const char *table;
	const char *control;
	const char *out;	/* metrics: the file to replace */
};

static void usage(FILE *f, const char *cmd)
{
	fprintf(f, "Usage: l2tp-nfqd %s [--table NAME] [--control PATH]%s\n",
		cmd, !strcmp(cmd, "metrics") ? " [-o FILE]" : " [--json]");
	fprintf(f, "\n"
		"  status    every tunnel: client address and port, its tunnel\n"
		"            ID and the one the L2TP daemon sees, the L2TP\n"
		"            daemon's own, the mark and the IPsec SA behind it,\n"
		"            host name, age, idle time, PPP interface; then\n"
		"            the daemon's counters and options\n"
		"  metrics   the counters and tunnel gauges in the Prometheus\n"
		"            text format (node_exporter's textfile collector)\n\n"
		"      --json          status as JSON (l2tp-nfqd(8), STATUS)\n"
		"  -o, --output FILE   metrics: replace FILE atomically\n"
		"      --table NAME    the daemon's table (default %s)\n"
		"      --control PATH  its control socket (default %s)\n"
		"  -h, --help          this text\n",
		NFT_DEFAULT_TABLE, ctl_default_path());
}

static int bad_use(const char *cmd, const char *why)
{
	fprintf(stderr, "l2tp-nfqd %s: %s\n", cmd, why);
	usage(stderr, cmd);
	return 2;
}

static int parse_opts(int argc, char **argv, struct status_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "table", required_argument, NULL, 't' },
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, metrics = !strcmp(o->cmd, "metrics");

	o->fmt = metrics ? FMT_PROM : FMT_TEXT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (metrics)
				return bad_use(o->cmd, "--json is for status");
			o->fmt = FMT_JSON;
			break;
		case 'o':
			if (!metrics)
				return bad_use(o->cmd, "--output is for metrics");
			o->out = optarg;
			break;
		case 't':
			if (!*optarg || strlen(optarg) > NFT_TABLE_NAME_MAX)
				return bad_use(o->cmd, "--table: a name of 1 to "
					       "255 characters");
			o->table = optarg;
			break;
		case 'c':
			if (optarg[0] != '/')
				return bad_use(o->cmd, "--control: an absolute "
					       "path");
			o->control = optarg;
			break;
		case 'h':
			usage(stdout, o->cmd);
			return 0;
		default:
			return bad_use(o->cmd, "unknown option or missing "
				       "argument");
		}
	}
	if (optind < argc)
		return bad_use(o->cmd, "unexpected argument");
	return -1;
}

/* ---- gathering ---------------------------------------------------- */

static int not_root(const char *cmd)
{
	fprintf(stderr, "l2tp-nfqd %s: permission denied: run it as root "
		"(the table, XFRM and the control socket need "
		"CAP_NET_ADMIN)\n", cmd);
	return 1;
}

/* The daemon's part; 0, or the exit status of a fatal answer. */
static int ask_daemon(struct st_view *v, const struct status_opts *o)
{
	int ret = st_read_daemon(v, o->control);

	switch (ret) {
	case 0:
	case -ENOENT:		/* not running, or without --control */
		return 0;
	case -ECONNREFUSED:
		fprintf(stderr, "l2tp-nfqd %s: stale control socket %s: no "
			"daemon answers (stopped, crashed or restarting); "
			"showing what the kernel holds\n", o->cmd, o->control);
		return 0;
	case -EACCES:
	case -EPERM:
		return not_root(o->cmd);
	case -EPROTO:
		fprintf(stderr, "l2tp-nfqd %s: the running daemon is version "
			"%s, this is %s: run the status of the daemon's own "
			"binary, or restart the daemon\n", o->cmd,
			v->version[0] ? v->version : "?", VERSION);
		return 1;
	default:
		fprintf(stderr, "l2tp-nfqd %s: control socket %s: %s; showing "
			"what the kernel holds\n", o->cmd, o->control,
			strerror(-ret));
		v->from_daemon = 0;
		return 0;
	}
}

static void warn_part(const char *cmd, const char *what, int ret)
{
	if (ret && ret != -ENOENT)
		fprintf(stderr, "l2tp-nfqd %s: cannot read %s: %s\n", cmd,
			what, strerror(-ret));
}

static int gather(struct st_view *v, const struct status_opts *o)
{
	char guard[NFT_TABLE_NAME_MAX + 16];
	int ret;

	snprintf(v->table, sizeof(v->table), "%s", o->table);
	ret = ask_daemon(v, o);
	if (ret)
		return ret;
	ret = st_read_maps(v, o->table);
	if (ret == -EPERM || ret == -EACCES)
		return not_root(o->cmd);
	if (ret == -ENOENT && !v->from_daemon) {
		fprintf(stderr, "l2tp-nfqd %s: no l2tp-nfqd is running (no "
			"control socket %s) and there is no table inet %s\n",
			o->cmd, o->control, o->table);
		return 1;
	}
	warn_part(o->cmd, "the table's maps", ret);
	nft_guard_name(guard, sizeof(guard), o->table);
	warn_part(o->cmd, "the table's counters",
		  st_read_nft_counters(v, o->table, guard));
	warn_part(o->cmd, "the IPsec SAs", st_read_xfrm(v));
	warn_part(o->cmd, "kernel L2TP", st_read_ppp(v));
	return 0;
}

/* ---- text --------------------------------------------------------- */

static const char *addr_str(const struct st_tunnel *t, char *buf,
			    size_t size)
{
	return inet_ntop(t->family, &t->peer, buf, (socklen_t)size) ? buf :
	       "?";
}

static void duration(char *buf, size_t size, long s)
{
	if (s < 0)
		snprintf(buf, size, "-");
	else if (s < 60)
		snprintf(buf, size, "%lds", s);
	else if (s < 3600)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, size, "%ldd%02ldh", s / 86400, s / 3600 % 24);
}

enum { C_PEER, C_PORT, C_CLIENT, C_ID, C_LNS, C_MARK, C_REQID, C_SPI_IN,
       C_SPI_OUT, C_HOST, C_AGE, C_IDLE, C_PPP, C_MAX };

static const char *const col_name[C_MAX] = {
	"PEER", "PORT", "CLIENT-ID", "ID", "LNS-ID", "MARK", "REQID",
	"SPI-IN", "SPI-OUT", "HOST", "AGE", "IDLE", "PPP",
};

struct row {
	char c[C_MAX][ESCAPE_MAX(ST_HOST_MAX) + 8];
};

static void num_or_dash(char *buf, size_t size, long v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%ld", v);
}

static void hex_or_dash(char *buf, size_t size, int known, uint32_t v)
{
	if (!known)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%08x", v);
}

static void fill_row(struct row *r, const struct st_tunnel *t)
{
	const size_t n = sizeof(r->c[0]);

	addr_str(t, r->c[C_PEER], n);
	num_or_dash(r->c[C_PORT], n, t->port);
	snprintf(r->c[C_CLIENT], n, "%u", t->orig_id);
	snprintf(r->c[C_ID], n, "%u%s", t->id, t->id != t->orig_id ? "*" : "");
	num_or_dash(r->c[C_LNS], n, t->lns_id ? (long)t->lns_id : -1);
	snprintf(r->c[C_MARK], n, "0x%x", t->mark);
	num_or_dash(r->c[C_REQID], n, t->sa.found ? (long)t->sa.reqid : -1);
	hex_or_dash(r->c[C_SPI_IN], n, t->sa.spi_in != 0, t->sa.spi_in);
	hex_or_dash(r->c[C_SPI_OUT], n, t->sa.spi_out != 0, t->sa.spi_out);
	snprintf(r->c[C_HOST], n, "%s", t->host[0] ? t->host : "-");
	duration(r->c[C_AGE], n, t->age);
	duration(r->c[C_IDLE], n, t->idle);
	snprintf(r->c[C_PPP], n, "%s", t->ppp[0] ? t->ppp : "-");
}

static void print_rows(FILE *f, const struct row *rows, size_t n)
{
	size_t w[C_MAX], i;
	int c;

	for (c = 0; c < C_MAX; c++)
		w[c] = strlen(col_name[c]);
	for (i = 0; i < n; i++)
		for (c = 0; c < C_MAX; c++)
			if (strlen(rows[i].c[c]) > w[c])
				w[c] = strlen(rows[i].c[c]);
	for (c = 0; c < C_MAX; c++)
		fprintf(f, "%-*s%s", c == C_MAX - 1 ? 0 : (int)w[c],
			col_name[c], c == C_MAX - 1 ? "\n" : "  ");
	for (i = 0; i < n; i++)
		for (c = 0; c < C_MAX; c++)
			fprintf(f, "%-*s%s", c == C_MAX - 1 ? 0 : (int)w[c],
				rows[i].c[c], c == C_MAX - 1 ? "\n" : "  ");
}

static int cmp_tunnel(const void *a, const void *b)
{
	const struct st_tunnel *x = a, *y = b;
	int d;

	if (x->family != y->family)
		return x->family - y->family;
	d = memcmp(&x->peer, &y->peer, sizeof(x->peer));
	if (d)
		return d;
	if (x->orig_id != y->orig_id)
		return x->orig_id - y->orig_id;
	return x->id - y->id;
}

static void print_header(FILE *f, const struct st_view *v)
{
	char up[32];

	if (v->from_daemon) {
		duration(up, sizeof(up), v->uptime);
		fprintf(f, "l2tp-nfqd %s, pid %ld, up %s; table inet %s; "
			"source: daemon\n", v->version, v->pid, up, v->table);
	} else {
		fprintf(f, "l2tp-nfqd is not running; table inet %s kept "
			"in the kernel; source: kernel (no ports, host names "
			"or ages)\n", v->table);
	}
}

static int print_text(FILE *f, struct st_view *v)
{
	struct row *rows = NULL;
	size_t i, translated = 0;

	print_header(f, v);
	if (v->nopts) {
		fprintf(f, "options:");
		for (i = 0; i < v->nopts; i++)
			fprintf(f, " %s=%s", v->opts[i].name,
				v->opts[i].value);
		fprintf(f, "\n");
	}
	fprintf(f, "\n%zu tunnel%s\n", v->n, v->n == 1 ? "" : "s");
	if (v->n) {
		rows = calloc(v->n, sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		qsort(v->t, v->n, sizeof(*v->t), cmp_tunnel);
		for (i = 0; i < v->n; i++) {
			fill_row(&rows[i], &v->t[i]);
			translated += v->t[i].id != v->t[i].orig_id;
		}
		print_rows(f, rows, v->n);
		free(rows);
		if (translated)
			fprintf(f, "* translated: the L2TP daemon sees this "
				"ID, the client keeps its own\n");
	}
	if (v->ncounters)
		fprintf(f, "\ncounters\n");
	for (i = 0; i < v->ncounters; i++)
		fprintf(f, "  %s%s%s%s %llu\n", v->counters[i].name,
			v->counters[i].labels[0] ? "{" : "",
			v->counters[i].labels,
			v->counters[i].labels[0] ? "}" : "",
			(unsigned long long)v->counters[i].value);
	return 0;
}

/* ---- JSON --------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num_or_null(FILE *f, long v)
{
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, "%ld", v);
}

/* `reason="quota",dir="in"` as a JSON object */
static void json_labels(FILE *f, const char *l)
{
	char key[64], val[96];
	int first = 1, n;

	fputc('{', f);
	while (*l && sscanf(l, "%63[a-z_]=\"%95[^\"]\"%n", key, val, &n) == 2) {
		fprintf(f, "%s", first ? "" : ", ");
		json_str(f, key);
		fputs(": ", f);
		json_str(f, val);
		first = 0;
		l += n;
		if (*l == ',')
			l++;
	}
	fputc('}', f);
}

static void json_sa(FILE *f, const struct st_sa *sa)
{
	if (!sa->found) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"reqid\": %u, \"spi_in\": ", sa->reqid);
	if (sa->spi_in)
		fprintf(f, "\"0x%08x\"", sa->spi_in);
	else
		fputs("null", f);
	fputs(", \"spi_out\": ", f);
	if (sa->spi_out)
		fprintf(f, "\"0x%08x\"", sa->spi_out);
	else
		fputs("null", f);
	fputc('}', f);
}

static void json_tunnel(FILE *f, const struct st_tunnel *t)
{
	char addr[INET6_ADDRSTRLEN];

	fprintf(f, "    {\"family\": \"%s\", \"peer\": ",
		t->family == AF_INET6 ? "ipv6" : "ipv4");
	json_str(f, addr_str(t, addr, sizeof(addr)));
	fputs(", \"port\": ", f);
	json_num_or_null(f, t->port);
	fprintf(f, ", \"client_tunnel_id\": %u, \"tunnel_id\": %u, "
		"\"translated\": %s, \"lns_tunnel_id\": ", t->orig_id, t->id,
		t->id != t->orig_id ? "true" : "false");
	json_num_or_null(f, t->lns_id ? (long)t->lns_id : -1);
	fprintf(f, ", \"mark\": %u, \"sa\": ", t->mark);
	json_sa(f, &t->sa);
	fputs(", \"host\": ", f);
	if (t->host[0])
		json_str(f, t->host);
	else
		fputs("null", f);
	fputs(", \"age\": ", f);
	json_num_or_null(f, t->age);
	fputs(", \"idle\": ", f);
	json_num_or_null(f, t->idle);
	fputs(", \"ppp\": ", f);
	if (t->ppp[0])
		json_str(f, t->ppp);
	else
		fputs("null", f);
	fprintf(f, ", \"sources\": [%s%s%s]}",
		t->sources & ST_FROM_DAEMON ? "\"daemon\"" : "",
		(t->sources & ST_FROM_DAEMON) && (t->sources & ST_FROM_KERNEL) ?
		", " : "",
		t->sources & ST_FROM_KERNEL ? "\"kernel\"" : "");
}

static void json_daemon(FILE *f, const struct st_view *v)
{
	size_t i;

	if (!v->from_daemon) {
		fputs("null", f);
		return;
	}
	fputs("{\"version\": ", f);
	json_str(f, v->version);
	fprintf(f, ", \"pid\": %ld, \"uptime\": %ld, \"options\": {",
		v->pid, v->uptime);
	for (i = 0; i < v->nopts; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, v->opts[i].name);
		fputs(": ", f);
		json_str(f, v->opts[i].value);
	}
	fputs("}}", f);
}

static int print_json(FILE *f, struct st_view *v)
{
	size_t i;

	if (v->n)
		qsort(v->t, v->n, sizeof(*v->t), cmp_tunnel);
	fprintf(f, "{\n  \"schema\": 1,\n  \"version\": ");
	json_str(f, VERSION);
	fprintf(f, ",\n  \"source\": \"%s\",\n  \"table\": ",
		v->from_daemon ? "daemon" : "kernel");
	json_str(f, v->table);
	fputs(",\n  \"daemon\": ", f);
	json_daemon(f, v);
	fputs(",\n  \"tunnels\": [", f);
	for (i = 0; i < v->n; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_tunnel(f, &v->t[i]);
	}
	fputs(v->n ? "\n  ],\n  \"counters\": [" : "],\n  \"counters\": [", f);
	for (i = 0; i < v->ncounters; i++) {
		fprintf(f, "%s    {\"name\": ", i ? ",\n" : "\n");
		json_str(f, v->counters[i].name);
		fputs(", \"labels\": ", f);
		json_labels(f, v->counters[i].labels);
		fprintf(f, ", \"value\": %llu}",
			(unsigned long long)v->counters[i].value);
	}
	fputs(v->ncounters ? "\n  ]\n}\n" : "]\n}\n", f);
	return 0;
}

/* ---- Prometheus --------------------------------------------------- */

#define PROM_PREFIX	"l2tp_nfqd_"

/* HELP texts of the metrics; others get a generic one. */
static const struct {
	const char *name, *help;
} helps[] = {
	/* status.c's own */
	{ "up", "Whether the daemon answered on its control socket." },
	{ "info", "The daemon's version, with value 1." },
	{ "uptime_seconds", "Seconds since the daemon started." },
	{ "tunnels", "Tunnels known, by family and whether the L2TP daemon "
		     "sees another ID than the client's." },
	{ "tunnels_bound", "Tunnels whose L2TP daemon's ID is bound to their "
			   "SA, by family." },
	/* the queue */
	{ "queue_packets_total", "Packets read from the netfilter queue." },
	{ "queue_verdict_batches_total", "Batch verdicts given." },
	{ "queue_rewritten_total", "Packets accepted rewritten (translated "
				   "tunnel IDs)." },
	{ "queue_verdict_drops_total", "Packets dropped by a verdict." },
	{ "queue_unreadable_total", "Queued packets that could not be read "
				    "whole, dropped." },
	{ "queue_verdict_errors_total", "Verdicts the kernel refused." },
	{ "queue_receive_errors_total", "Errors reading the queue." },
	/* one packet */
	{ "sccrqs_total", "SCCRQs seen." },
	{ "sccrqs_forwarded_total", "SCCRQs told to the L2TP daemon." },
	{ "sccrq_marks_total", "SCCRQs by where their mark came from." },
	{ "sccrqs_no_mark_total", "SCCRQs without a mark." },
	{ "sccrqs_unsupported_total", "SCCRQs the message format cannot "
				      "carry (IPv6 in format 1)." },
	{ "conntrack_errors_total", "Failed conntrack lookups." },
	{ "conntrack_deferred_total", "SCCRQs looked up again after their "
				      "verdict." },
	{ "stopccns_total", "StopCCNs seen." },
	{ "sccrps_total", "The L2TP daemon's SCCRPs seen." },
	{ "sccrps_unreadable_total", "SCCRPs that could not be parsed." },
	{ "packets_rejected_total", "Queued packets the parser refused, by "
				    "reason." },
	{ "packets_dropped_total", "Queued packets dropped with "
				   "--tunnel-marks, by reason." },
	/* --tunnel-marks */
	{ "tunnels_translated_total", "Tunnels whose ID was translated." },
	{ "stopccns_translated_total", "StopCCNs rewritten to the ID the "
				       "L2TP daemon knows." },
	{ "tunnels_forgotten_total", "Tunnels forgotten by a sweep." },
	{ "sccrqs_dropped_total", "SCCRQs dropped unbound, by reason." },
	{ "tunnels_bound_total", "Tunnels whose L2TP daemon's ID was bound "
				 "to their SA." },
	{ "tunnels_bound_takeover_total", "Bindings that took an ID over "
					  "from an older tunnel." },
	{ "sccrps_unbound_total", "SCCRPs of tunnels the daemon did not "
				  "bind." },
	{ "sccrps_dropped_total", "SCCRPs dropped: their binding was not "
				  "committed." },
	{ "map_elements_written_total", "Tunnel set elements written." },
	{ "map_transactions_total", "nftables transactions of tunnel set "
				    "elements." },
	{ "map_elements_refused_total", "Tunnel set elements the kernel "
					"refused, by reason." },
	{ "tunnels_expired_total", "Tunnels removed from the maps after "
				   "their timeout." },
	/* the output */
	{ "output_messages_sent_total", "Messages sent to the L2TP daemon." },
	{ "output_backlog", "Messages waiting for the L2TP daemon." },
	{ "output_dropped_total", "Messages dropped: the backlog was full." },
	{ "output_send_errors_total", "Failed sends to the L2TP daemon." },
	{ "output_connects_total", "Connections to the L2TP daemon's "
				   "socket." },
	{ "output_refused_total", "Output sockets refused: owned by another "
				  "user." },
	/* --sa-marks */
	{ "sa_marks_policies", "IPsec policies that stamp a mark." },
	{ "sa_marks_reqids", "Reqids in the SA maps." },
	{ "sa_marks_marks", "Marks with a chain of their own." },
	{ "sa_marks_sas", "IPsec SAs that stamp a mark." },
	{ "sa_marks_esp_keys", "ESP keys (peer, port, SPI) in the SA maps." },
	{ "sa_marks_conflicts_total", "Reqids or ESP keys seen with two "
				      "marks." },
	{ "sa_marks_events_total", "XFRM events read." },
	{ "sa_marks_events_malformed_total", "Malformed XFRM events." },
	{ "sa_marks_events_lost_total", "Times XFRM events were lost." },
	{ "sa_marks_dumps_total", "Full XFRM dumps." },
	{ "sa_marks_map_changes_total", "SA map changes made." },
	{ "sa_marks_transactions_total", "nftables transactions of SA map "
					 "changes." },
	{ "sa_marks_map_changes_refused_total", "SA map changes the kernel "
						"refused." },
	/* the kernel's counters in the table's rules */
	{ "nft_sccrqs_queued_packets_total", "SCCRQs the table queued." },
	{ "nft_stopccns_queued_packets_total", "StopCCNs the table queued." },
	{ "nft_sccrps_queued_packets_total", "The L2TP daemon's SCCRPs the "
					     "table queued." },
	{ "nft_dropped_packets_total", "Packets the table's rules dropped, "
				       "by reason." },
	{ "nft_guard_dropped_packets_total", "Cleartext L2TP the guard "
					     "table dropped, by direction." },
};

static const char *help_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].name, name))
			return helps[i].help;
	return NULL;
}

static int cmp_counter(const void *a, const void *b)
{
	const struct st_counter *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	return d ? d : strcmp(x->labels, y->labels);
}

static void prom_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_head(FILE *f, const char *name)
{
	const char *help = help_of(name);
	size_t len = strlen(name);
	int counter = len > 6 && !strcmp(name + len - 6, "_total");

	fprintf(f, "# HELP " PROM_PREFIX "%s ", name);
	if (help)
		prom_escape(f, help);
	else
		fprintf(f, "l2tp-nfqd's %s, see l2tp-nfqd(8).", name);
	fprintf(f, "\n# TYPE " PROM_PREFIX "%s %s\n", name,
		counter ? "counter" : "gauge");
}

/* The tunnel gauges, from the view's tunnels. */
static int add_gauges(struct st_view *v)
{
	static const char *const fam[2] = { "ipv4", "ipv6" };
	unsigned long long n[2][2] = { { 0 } }, bound[2] = { 0 };
	char labels[64];
	size_t i;
	int a, b, ret = 0;

	for (i = 0; i < v->n; i++) {
		a = v->t[i].family == AF_INET6;
		n[a][v->t[i].id != v->t[i].orig_id]++;
		bound[a] += v->t[i].lns_id != 0;
	}
	for (a = 0; a < 2; a++) {
		for (b = 0; b < 2; b++) {
			snprintf(labels, sizeof(labels),
				 "family=\"%s\",translated=\"%s\"", fam[a],
				 b ? "true" : "false");
			ret |= st_counter_add(v, "tunnels", labels, n[a][b]);
		}
		snprintf(labels, sizeof(labels), "family=\"%s\"", fam[a]);
		ret |= st_counter_add(v, "tunnels_bound", labels, bound[a]);
	}
	ret |= st_counter_add(v, "up", "", (uint64_t)v->from_daemon);
	if (v->from_daemon) {
		ret |= st_counter_add(v, "uptime_seconds", "",
				      (uint64_t)v->uptime);
		snprintf(labels, sizeof(labels), "version=\"%s\"", v->version);
		ret |= st_counter_add(v, "info", labels, 1);
	}
	return ret ? -ENOMEM : 0;
}

static int print_prom(FILE *f, struct st_view *v)
{
	const char *last = "";
	size_t i;

	if (add_gauges(v))
		return -ENOMEM;
	qsort(v->counters, v->ncounters, sizeof(*v->counters), cmp_counter);
	for (i = 0; i < v->ncounters; i++) {
		const struct st_counter *c = &v->counters[i];

		if (strcmp(c->name, last))
			prom_head(f, c->name);
		last = c->name;
		fprintf(f, PROM_PREFIX "%s%s%s%s %llu\n", c->name,
			c->labels[0] ? "{" : "", c->labels,
			c->labels[0] ? "}" : "", (unsigned long long)c->value);
	}
	return 0;
}

/* ---- output ------------------------------------------------------- */

static int print_view(FILE *f, struct st_view *v, enum format fmt)
{
	switch (fmt) {
	case FMT_JSON:
		return print_json(f, v);
	case FMT_PROM:
		return print_prom(f, v);
	default:
		return print_text(f, v);
	}
}

/* metrics -o FILE: written beside it, then renamed over it, so that the
 * textfile collector never reads half a file */
static int write_file(struct st_view *v, const struct status_opts *o)
{
	char tmp[4096];
	FILE *f;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", o->out, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "l2tp-nfqd %s: cannot write %s: %s\n", o->cmd,
			tmp, strerror(errno));
		return 1;
	}
	ret = print_view(f, v, o->fmt);
	if (fclose(f) || ret || rename(tmp, o->out)) {
		fprintf(stderr, "l2tp-nfqd %s: cannot write %s: %s\n", o->cmd,
			o->out, strerror(ret ? -ret : errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

int status_main(int argc, char **argv)
{
	struct status_opts o = { .cmd = argv[0], .table = NFT_DEFAULT_TABLE,
				 .control = ctl_default_path() };
	struct st_view v;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	memset(&v, 0, sizeof(v));
	ret = gather(&v, &o);
	if (!ret && o.out)
		ret = write_file(&v, &o);
	else if (!ret && (print_view(stdout, &v, o.fmt) || fflush(stdout)))
		ret = 1;
	st_view_free(&v);
	return ret;
}
