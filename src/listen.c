// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * l2tp-nfq-listen: the reference receiver of l2tp-nfqd's messages.
 *
 * Binds an AF_UNIX datagram socket, checks each message's sender (root or
 * the uid given with -u) and layout, and prints it: what an L2TP daemon
 * would learn.  Useful to admins to watch a running l2tp-nfqd, and to
 * L2TP daemon authors as an example.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "wire/escape.h"

static const char usage_text[] =
"Usage: l2tp-nfq-listen [-c COUNT] [-u UID] [-x] PATH\n"
"\n"
"  -c, --count COUNT  exit after COUNT messages\n"
"  -u, --uid UID      also trust messages from this user (root always)\n"
"  -x, --hex          also print each message's bytes in hex\n"
"  -h, --help         show this help and exit\n";

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage_error(const char *why)
{
	fprintf(stderr, "l2tp-nfq-listen: %s\n%s", why, usage_text);
	exit(2);
}

static void print_host(const unsigned char *p, size_t n)
{
	char host[ESCAPE_MAX(L2TP_NFQ_HOSTNAME_MAX)];

	escape(host, sizeof(host), p, n);
	printf("\"%s\"", host);
}

static void print_v2(const unsigned char *buf, size_t n)
{
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	struct l2tp_nfq_msg2 m;
	int v6;

	memcpy(&m, buf, sizeof(m));
	v6 = m.family == AF_INET6;
	inet_ntop(m.family, &m.peer_addr, peer, sizeof(peer));
	inet_ntop(m.family, &m.local_addr, local, sizeof(local));
	printf("format 2 %s peer %s%s%s port %u local %s%s%s port %u tunnel %u "
	       "mark 0x%x source %s ", v6 ? "inet6" : "inet",
	       v6 ? "[" : "", peer, v6 ? "]" : "", m.peer_port,
	       v6 ? "[" : "", local, v6 ? "]" : "", m.local_port,
	       m.peer_tid, m.mark, l2tp_nfq_mark_source_name(m.mark_source));
	if (m.flags & L2TP_NFQ_F_TRANSLATED)
		printf("translated from %u ", L2TP_NFQ_ORIG_TID(m.flags));
	fputs("host ", stdout);
	print_host(buf + sizeof(m), n - sizeof(m) - 1);
}

static void print_msg(const unsigned char *buf, size_t n, int format,
		      int hex)
{
	char addr[INET6_ADDRSTRLEN];
	struct l2tp_nfq_msg m;
	size_t i;

	if (format == L2TP_NFQ_FORMAT_2) {
		print_v2(buf, n);
	} else {
		memcpy(&m, buf, sizeof(m));
		inet_ntop(AF_INET, &m.peer_ip, addr, sizeof(addr));
		printf("format 1 peer %s tunnel %u mark 0x%x host ", addr,
		       m.peer_tid, m.mark);
		print_host(buf + sizeof(m), n - sizeof(m));
	}
	putchar('\n');
	if (hex) {
		printf("bytes ");
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		putchar('\n');
	}
	fflush(stdout);
}

/* Messages are trusted only from root or the daemon's own user. */
static int sender_ok(struct msghdr *mh, long uid)
{
	struct cmsghdr *c;
	struct ucred cred;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_CREDENTIALS)
			continue;
		memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		return cred.uid == 0 || (uid >= 0 && cred.uid == (uid_t)uid);
	}
	return 0;
}

struct opts {
	long count, uid;
	int hex;
	struct sockaddr_un sun;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "uid", required_argument, NULL, 'u' },
		{ "hex", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "c:u:xh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->count = strtol(optarg, &end, 10);
			if (*end || o->count < 1)
				usage_error("--count: not a positive number");
			break;
		case 'u':
			o->uid = strtol(optarg, &end, 10);
			if (*end || o->uid < 0)
				usage_error("--uid: not a user id");
			break;
		case 'x':
			o->hex = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			usage_error("unknown option");
		}
	}
	if (optind != argc - 1)
		usage_error("one PATH expected");
	if (strlen(argv[optind]) >= sizeof(o->sun.sun_path))
		usage_error("PATH too long for AF_UNIX");
	strcpy(o->sun.sun_path, argv[optind]);
}

/* Receive, check and print until @o->count messages or a signal. */
static void receive(int fd, const struct opts *o)
{
	long count = o->count, uid = o->uid, seen = 0;
	int hex = o->hex;

	while (!quit && (count < 0 || seen < count)) {
		unsigned char buf[L2TP_NFQ_MSG2_MAX_SIZE + 1];
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		ssize_t n = recvmsg(fd, &mh, 0);
		int format;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("l2tp-nfq-listen: recv");
			break;
		}
		if (!sender_ok(&mh, uid)) {
			fprintf(stderr, "l2tp-nfq-listen: message from an "
				"untrusted sender ignored\n");
			continue;
		}
		format = n > 0 ? l2tp_nfq_msg_valid(buf, (size_t)n) : 0;
		if ((mh.msg_flags & MSG_TRUNC) || !format) {
			fprintf(stderr, "l2tp-nfq-listen: malformed message "
				"of %zd bytes ignored\n", n);
			continue;
		}
		print_msg(buf, (size_t)n, format, hex);
		seen++;
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .count = -1, .uid = -1,
			  .sun = { .sun_family = AF_UNIX } };
	struct sigaction sa = { .sa_handler = on_signal };
	int fd, one = 1;
	struct stat st;

	parse_args(argc, argv, &o);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("l2tp-nfq-listen: socket");
		return 1;
	}
	/* a socket left by an earlier receiver: replace it */
	if (!lstat(o.sun.sun_path, &st) && S_ISSOCK(st.st_mode))
		unlink(o.sun.sun_path);
	if (bind(fd, (struct sockaddr *)&o.sun, sizeof(o.sun)) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one))) {
		fprintf(stderr, "l2tp-nfq-listen: %s: %s\n", o.sun.sun_path,
			strerror(errno));
		return 1;
	}
	fprintf(stderr, "l2tp-nfq-listen: listening on %s\n", o.sun.sun_path);
	receive(fd, &o);
	unlink(o.sun.sun_path);
	close(fd);
	return 0;
}
