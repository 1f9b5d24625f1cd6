// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: sends crafted L2TP/UDP datagrams and counts received ones.
 *
 *   nettool send [-s SPORT] [-M MARK] [-n COUNT] [-r RATE] [-D] [-O] [-T TOS]
 *                [-P BYTES] [-F SPLIT] [-p] DST DPORT KIND [ARGS]
 *     -r: at most RATE datagrams per second
 *     -D: IPv6 only, add a destination options extension header
 *     -O: IPv4 only, add IP options (four NOPs: a 24-byte header)
 *     -T: the IP TOS byte (IPv6: traffic class), e.g. DSCP << 2
 *     -P: sccrq only: BYTES of vendor AVPs (vendor 9, type 99, at most
 *         1023 bytes each) before the Assigned Tunnel ID
 *     -F: IPv6 only, on a raw socket: SPLIT 0: each datagram in an
 *         atomic fragment (a fragment header with offset 0 and M clear);
 *         SPLIT > 0 (a multiple of 8): in two fragments, the first with
 *         SPLIT bytes of the UDP datagram (8: its header alone)
 *     -p: print each datagram's summary (as dump -a) before sending it
 *     KIND: sccrq TID HOST | hex HEXBYTES | data | random SEED | cuts
 *     (cuts: every truncation of a valid SCCRQ, one datagram each;
 *      HOST may hold \xHH escapes)
 *   nettool count [-t IDLE_MS] PORT     print how many datagrams arrived
 *                                       (after IDLE_MS of silence)
 *   nettool unixrecv PATH               print each AF_UNIX datagram on a line
 *   nettool respond PATH COUNT          read COUNT format-2 messages from
 *       the AF_UNIX socket PATH and answer each peer from udp/1701 with
 *       "reply-HOST", SO_MARK set to the message's mark (an L2TP daemon)
 *   send -w MS: then wait MS for a reply on the same socket, print it
 *   nettool echo [-6] PORT COUNT        answer COUNT datagrams with their
 *       own bytes, from a socket without SO_MARK
 *   nettool dump [-6] [-a] PORT         print each datagram in hex, a line
 *       each (the kernel drops those with a bad UDP checksum); -a: a
 *       summary instead, "len N tunnel T host H tid T at OFF sum S":
 *       the L2TP header's Tunnel ID, the first Host Name of vendor 0,
 *       the last Assigned Tunnel ID of vendor 0 and where its value is,
 *       a hash of all the other bytes
 *   nettool esp DST SPI                 send one ESP packet (IP protocol
 *       50) with that SPI, sequence number 1 and 8 bytes of nothing
 *   nettool supervise [-r MS] NOTIFY CMD ARGS... a service manager's part of
 *       the sd_notify and file descriptor store protocols, as systemd
 *       plays it with Restart=always: runs CMD with NOTIFY_SOCKET, keeps
 *       the descriptors it stores (FDSTORE=1, FDNAME=), starts it again
 *       when it exits, passing them back (LISTEN_FDS, LISTEN_FDNAMES,
 *       LISTEN_PID); SIGTERM stops CMD and closes the store, as a stop
 *       does; a stored descriptor that shows POLLERR or POLLHUP is
 *       closed, unless stored with FDPOLL=0 (systemd's rule); -r: wait
 *       MS before a restart (200).  Prints "ready PID", "stored NAME",
 *       "exited STATUS", "pollerr NAME" then "dropped NAME" or "kept
 *       NAME (FDPOLL=0)".
 *   nettool seqanswer PATH TEXT         a stand-in control socket: binds a
 *       SOCK_SEQPACKET listener at PATH, prints "ready", answers each
 *       request of one connection with TEXT ("\n" in it: newlines),
 *       prints each request, exits when the client closes
 *   nettool tcpsink ADDR PORT           a bulk transfer's receiver: listens,
 *       prints "ready", reads one connection to its end, prints
 *       "received N bytes in MS ms"
 *   nettool tcpsend ADDR PORT BYTES     its sender: BYTES, then the end of
 *       the stream; waits for the receiver to close, prints "sent N bytes
 *       in MS ms"; gives up after 120 s
 * DST may be IPv4 or IPv6; an IPv6 socket is IPv6 only (V6ONLY), so that
 * it binds beside an IPv4 one on the same port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#include "sccrq.h"

/* the largest UDP payload over IPv4 */
#define DGRAM_MAX	65507

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* "a\x1bb" -> bytes, for host names with control characters */
static void unescape(char *s)
{
	char *o = s;
	unsigned int b;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &b) == 1) {
			*o++ = (char)b;
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static size_t build_hex(uint8_t *p, size_t size, const char *hex)
{
	size_t n = 0;
	unsigned int b;

	while (hex[0] && hex[1] && n < size) {
		if (sscanf(hex, "%2x", &b) != 1)
			break;
		p[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

/* Random bytes; one in four starts like an L2TP control header. */
static size_t build_random(uint8_t *p, size_t size)
{
	size_t n = (size_t)rand() % (size < 300 ? size : 300), i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rand();
	if (n >= 12 && rand() % 4 == 0) {
		sccrq_put16(p, 0, 0xc802);
		sccrq_put16(p, 4, 0);
		sccrq_put16(p, 6, 0);
	}
	return n;
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/*
 * One line about a datagram, as an L2TP daemon would read it: its length,
 * the header's Tunnel ID (L2TPv2), the first Host Name of vendor 0, the last Assigned Tunnel ID of vendor
 * 0 and the offset of its value, and an FNV-1a hash of every other byte
 * (the same for an SCCRQ and its rewritten copy).
 */
static void summary(const uint8_t *p, size_t n)
{
	size_t msglen, pos = 12, alen, off = 0, hlen = 0, i;
	const uint8_t *host = NULL;
	unsigned int tid = 0, vendor, type;
	uint32_t h = 2166136261u;

	if (n >= 12 && (p[0] & 0xc0) == 0xc0) {
		msglen = get16(p + 2) < n ? get16(p + 2) : n;
		while (pos + 6 <= msglen) {
			alen = get16(p + pos) & 0x3ff;
			if (alen < 6 || pos + alen > msglen)
				break;
			vendor = get16(p + pos + 2);
			type = get16(p + pos + 4);
			if (!vendor && type == 7 && !host) {
				host = p + pos + 6;
				hlen = alen - 6;
			}
			if (!vendor && type == 9 && alen == 8) {
				tid = get16(p + pos + 6);
				off = pos + 6;
			}
			pos += alen;
		}
	}
	for (i = 0; i < n; i++)
		h = (h ^ (off && (i == off || i == off + 1) ? 0 : p[i])) *
		    16777619u;
	printf("len %zu tunnel ", n);
	if (n >= 6 && (p[1] & 0x0f) == 2)	/* with or without Length */
		printf("%u", get16(p + (p[0] & 0x40 ? 4 : 2)));
	else
		putchar('-');
	printf(" host ");
	for (i = 0; host && i < hlen; i++)
		putchar(host[i] > 0x20 && host[i] < 0x7f ? host[i] : '?');
	if (!host)
		putchar('-');
	if (off)
		printf(" tid %u at %zu", tid, off);
	else
		printf(" tid - at -");
	printf(" sum %08x\n", h);
}

/*
 * Vendor AVPs (vendor 9, type 99, not mandatory) of @pad bytes in all
 * before the SCCRQ's last AVP (the Assigned Tunnel ID, 8 bytes); fixes
 * the Length.  Returns the new length, or 0 if it does not fit.
 */
static size_t pad_sccrq(uint8_t *p, size_t n, size_t size, size_t pad)
{
	size_t at = n - 8, left = pad, a;

	if (pad && pad < 6)
		return 0;
	if (n + pad > size || n + pad > 65535)
		return 0;
	memmove(p + at + pad, p + at, 8);
	while (left) {
		a = left > 1000 ? 1000 : left;
		/* never leave a remainder shorter than an AVP header */
		if (left - a && left - a < 6)
			a -= 6;
		sccrq_put16(p, at, (unsigned int)a);
		sccrq_put16(p, at + 2, 9);
		sccrq_put16(p, at + 4, 99);
		memset(p + at + 6, 'p', a - 6);
		at += a;
		left -= a;
	}
	sccrq_put16(p, 2, (unsigned int)(n + pad));
	return n + pad;
}

/* The Internet checksum's sum of @n bytes, folded later. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/*
 * An IPv6 packet with a fragment header of offset 0 and M clear (an
 * atomic fragment) around a UDP datagram with a valid checksum, from
 * @src port @sport to @dst; IPV6_HDRINCL.  Returns its length.
 */
static size_t build_frag6(uint8_t *pkt, const struct in6_addr *src,
			  const struct sockaddr_in6 *dst, unsigned int sport,
			  unsigned int tclass, const uint8_t *payload, size_t n)
{
	size_t ulen = 8 + n;
	uint32_t sum;
	uint8_t *udp = pkt + 48;

	memset(pkt, 0, 48 + 8);
	pkt[0] = (uint8_t)(0x60 | (tclass >> 4));
	pkt[1] = (uint8_t)((tclass & 0x0f) << 4);
	sccrq_put16(pkt, 4, (unsigned int)(8 + ulen));
	pkt[6] = IPPROTO_FRAGMENT;
	pkt[7] = 64;
	memcpy(pkt + 8, src, 16);
	memcpy(pkt + 24, &dst->sin6_addr, 16);
	pkt[40] = IPPROTO_UDP;
	/* offset 0, M clear; an identification of its own */
	pkt[44] = (uint8_t)rand();
	pkt[45] = (uint8_t)rand();
	pkt[46] = (uint8_t)rand();
	pkt[47] = (uint8_t)rand() | 1;
	sccrq_put16(udp, 0, sport);
	sccrq_put16(udp, 2, ntohs(dst->sin6_port));
	sccrq_put16(udp, 4, (unsigned int)ulen);
	memcpy(udp + 8, payload, n);
	sum = csum_add(0, pkt + 8, 32);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	sum = csum_add(sum, udp, ulen);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	sccrq_put16(udp, 6, sum ? sum : 0xffff);
	return 48 + ulen;
}

/*
 * Send the atomic fragment @pkt (@n bytes, from build_frag6()) on the raw
 * socket @fd: whole (@split 0), or as two fragments cut @split bytes into
 * the UDP datagram.
 */
static void send_frag6(int fd, const struct sockaddr_in6 *to, uint8_t *pkt,
		       size_t n, size_t split)
{
	static uint8_t second[48 + 8 + DGRAM_MAX];
	size_t ulen = n - 48;

	if (split && (split % 8 || split >= ulen)) {
		fprintf(stderr, "nettool: bad -F split\n");
		exit(2);
	}
	if (split) {
		memcpy(second, pkt, 48);
		memcpy(second + 48, pkt + 48 + split, ulen - split);
		sccrq_put16(second, 4, (unsigned int)(8 + ulen - split));
		sccrq_put16(second, 42, (unsigned int)split); /* offset, M 0 */
		sccrq_put16(pkt, 4, (unsigned int)(8 + split));
		sccrq_put16(pkt, 42, 1);			/* offset 0, M */
		n = 48 + split;
	}
	while (sendto(fd, pkt, n, 0, (const struct sockaddr *)to,
		      sizeof(*to)) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN)
			die("sendto");
		usleep(100);
	}
	while (split && sendto(fd, second, 48 + ulen - split, 0,
			       (const struct sockaddr *)to, sizeof(*to)) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN)
			die("sendto");
		usleep(100);
	}
}

/* The source address the kernel would pick for @dst. */
static void source_for(const struct sockaddr_in6 *dst, struct in6_addr *src)
{
	struct sockaddr_in6 me;
	socklen_t sl = sizeof(me);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) ||
	    getsockname(fd, (struct sockaddr *)&me, &sl))
		die("source address");
	*src = me.sin6_addr;
	close(fd);
}

static int parse_addr(const char *s, unsigned int port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	fprintf(stderr, "nettool: bad address %s\n", s);
	exit(2);
}

static int bound_socket(int family, unsigned int port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int fd, one = 1, big = 32 << 20;

	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* a burst must not overflow the counting socket (root: FORCE) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	if (port && bind(fd, (struct sockaddr *)&ss, sizeof(ss)))
		die("bind");
	return fd;
}

static int do_send(int argc, char **argv)
{
	unsigned int sport = 0, mark = 0, i, count = 1, tid = 0, dstopts = 0;
	unsigned int tos = 0, print = 0, ipopts = 0;
	long frag = -1;
	unsigned long rate = 0;
	size_t pad = 0;
	int wait_ms = 0;
	struct timespec t0, t;
	/* next header (set by the kernel), length 0 (8 bytes), PadN */
	uint8_t opts[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	struct sockaddr_storage dst;
	static uint8_t buf[DGRAM_MAX + 1], raw[48 + 8 + DGRAM_MAX];
	struct in6_addr src6;
	socklen_t dlen;
	const char *kind, *host = NULL;
	size_t n = 0;
	int c, fd, rawfd = -1, family;

	while ((c = getopt(argc, argv, "s:M:n:r:DOw:T:P:F:p")) != -1) {
		switch (c) {
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'r':
			rate = strtoul(optarg, NULL, 0);
			break;
		case 'D':
			dstopts = 1;
			break;
		case 'O':
			ipopts = 1;
			break;
		case 's':
			sport = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'M':
			mark = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			count = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'T':
			tos = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			pad = strtoul(optarg, NULL, 0);
			break;
		case 'F':
			frag = strtol(optarg, NULL, 0);
			break;
		case 'p':
			print = 1;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 3)
		return 2;
	family = parse_addr(argv[optind],
			    (unsigned int)strtoul(argv[optind + 1], NULL, 0),
			    &dst, &dlen);
	kind = argv[optind + 2];
	fd = bound_socket(family, sport);
	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		die("SO_MARK");
	if (tos && family == AF_INET &&
	    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)))
		die("IP_TOS");
	if (tos && family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)))
		die("IPV6_TCLASS");
	if (dstopts && setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, opts,
				  sizeof(opts)))
		die("IPV6_DSTOPTS");
	if (ipopts && setsockopt(fd, IPPROTO_IP, IP_OPTIONS, "\1\1\1\1", 4))
		die("IP_OPTIONS");
	if (frag >= 0) {
		int one = 1;

		if (family != AF_INET6) {
			fprintf(stderr, "nettool: -F is for IPv6\n");
			return 2;
		}
		/* IPPROTO_RAW implies IPV6_HDRINCL */
		rawfd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
		if (rawfd < 0)
			die("raw socket");
		setsockopt(rawfd, IPPROTO_IPV6, 36 /* IPV6_HDRINCL */, &one,
			   sizeof(one));
		if (mark && setsockopt(rawfd, SOL_SOCKET, SO_MARK, &mark,
				       sizeof(mark)))
			die("SO_MARK");
		source_for((struct sockaddr_in6 *)&dst, &src6);
		srand((unsigned int)getpid());
	}
	if (!strcmp(kind, "sccrq") && argc - optind >= 5) {
		tid = (unsigned int)strtoul(argv[optind + 3], NULL, 0);
		host = argv[optind + 4];
		unescape(argv[optind + 4]);
		if (strlen(host) > 1017) {
			fprintf(stderr, "nettool: host name too long\n");
			return 2;
		}
	} else if (!strcmp(kind, "cuts")) {
		n = sccrq_build(buf, 1, "truncated");
		count = (unsigned int)n;
	} else if (!strcmp(kind, "hex") && argc - optind >= 4) {
		n = build_hex(buf, sizeof(buf), argv[optind + 3]);
	} else if (!strcmp(kind, "data")) {
		n = 12;
		memset(buf, 0, n);
		sccrq_put16(buf, 0, 0x4002);	/* L2TP data, L bit */
		sccrq_put16(buf, 2, 12);
	} else if (!strcmp(kind, "random") && argc - optind >= 4) {
		srand((unsigned int)strtoul(argv[optind + 3], NULL, 0));
	} else {
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		/* pace: datagram i leaves no earlier than i / rate seconds */
		while (rate) {
			long long due = (long long)i * 1000000000LL / (long long)rate;
			long long el;

			clock_gettime(CLOCK_MONOTONIC, &t);
			el = (t.tv_sec - t0.tv_sec) * 1000000000LL +
			     (t.tv_nsec - t0.tv_nsec);
			if (el >= due)
				break;
			if (due - el > 100000)
				usleep((useconds_t)((due - el) / 1000));
		}
		if (host) {
			/* consecutive tunnel ids from TID, never 0 */
			n = sccrq_build(buf, tid ? (tid + i - 1) % 65535 + 1 : 0,
					 host);
			if (pad)
				n = pad_sccrq(buf, n, sizeof(buf), pad);
			if (!n) {
				fprintf(stderr, "nettool: -P too large\n");
				return 2;
			}
		} else if (!strcmp(kind, "random")) {
			n = build_random(buf, 4096);
		} else if (!strcmp(kind, "cuts")) {
			n = i;
		}
		if (print)
			summary(buf, n);
		if (rawfd >= 0) {
			size_t rn = build_frag6(raw, &src6,
						(struct sockaddr_in6 *)&dst,
						sport, tos, buf, n);
			struct sockaddr_in6 to = *(struct sockaddr_in6 *)&dst;

			to.sin6_port = 0;	/* raw: the protocol or 0 */
			send_frag6(rawfd, &to, raw, rn, (size_t)frag);
			continue;
		}
		while (sendto(fd, buf, n, 0, (struct sockaddr *)&dst,
			      dlen) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				die("sendto");
			usleep(100);
		}
	}
	fflush(stdout);
	if (wait_ms) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, wait_ms) <= 0) {
			printf("no reply\n");
			return 1;
		}
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r < 0)
			die("recv");
		buf[r] = 0;
		/* text as text, anything else (an L2TP header) in hex */
		for (i = 0; i < (unsigned int)r; i++)
			if (buf[i] < 0x20 || buf[i] > 0x7e)
				break;
		if (i == (unsigned int)r) {
			printf("%s\n", (char *)buf);
		} else {
			for (i = 0; i < (unsigned int)r; i++)
				printf("%02x", buf[i]);
			putchar('\n');
		}
	}
	if (rawfd >= 0)
		close(rawfd);
	close(fd);
	return 0;
}

static int do_count(int argc, char **argv)
{
	int c, fd, idle = 1000, six = 0;
	unsigned long count = 0;
	struct pollfd pfd;
	char buf[65536];

	while ((c = getopt(argc, argv, "t:6")) != -1) {
		if (c == 't')
			idle = atoi(optarg);
		else if (c == '6')
			six = 1;
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	fd = bound_socket(six ? AF_INET6 : AF_INET,
			  (unsigned int)strtoul(argv[optind], NULL, 0));
	printf("ready\n");
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* wait for the first datagram without a limit, then until idle */
	while (poll(&pfd, 1, count ? idle : -1) > 0) {
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			count++;
	}
	printf("%lu\n", count);
	return 0;
}

static int do_unixrecv(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc < 3 || strlen(argv[2]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[2]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		die("unixrecv");
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		printf("%s\n", buf);
	}
	return 0;
}

static int do_echo(int argc, char **argv)
{
	struct sockaddr_storage peer;
	socklen_t sl;
	char buf[4096];
	long count, i;
	ssize_t n;
	int fd, six = argc > 2 && !strcmp(argv[2], "-6");

	if (argc < 4 + six)
		return 2;
	fd = bound_socket(six ? AF_INET6 : AF_INET,
			  (unsigned int)strtoul(argv[2 + six], NULL, 0));
	count = atol(argv[3 + six]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (i = 0; i < count; i++) {
		sl = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer,
			     &sl);
		if (n < 0)
			die("echo");
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, sl);
		printf("echoed %zd bytes\n", n);
	}
	return 0;
}

static int do_dump(int argc, char **argv)
{
	int six = 0, sum = 0, c, fd;
	static uint8_t buf[65536];
	ssize_t n, i;

	while ((c = getopt(argc, argv, "6a")) != -1) {
		if (c == '6')
			six = 1;
		else if (c == 'a')
			sum = 1;
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	fd = bound_socket(six ? AF_INET6 : AF_INET,
			  (unsigned int)strtoul(argv[optind], NULL, 0));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		if (sum) {
			summary(buf, (size_t)n);
			continue;
		}
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		putchar('\n');
	}
	return 0;
}

#define STORE_MAX	8

static struct {
	int fd[STORE_MAX];
	char name[STORE_MAX][64];
	int watch[STORE_MAX];	/* stored without FDPOLL=0 */
	int err[STORE_MAX];	/* POLLERR or POLLHUP seen */
	int n;
} store;
static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Keep a stored descriptor, once: the same file stored again is closed.
 * WATCH: drop it on POLLERR or POLLHUP, as systemd does unless the
 * service sent FDPOLL=0 with it. */
static void keep(int fd, const char *name, int watch)
{
	struct stat a, b;
	int i;

	fstat(fd, &a);
	for (i = 0; i < store.n; i++) {
		fstat(store.fd[i], &b);
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			close(fd);
			return;
		}
	}
	if (store.n == STORE_MAX) {
		close(fd);
		return;
	}
	store.fd[store.n] = fd;
	store.watch[store.n] = watch;
	store.err[store.n] = 0;
	snprintf(store.name[store.n++], 64, "%s", name);
	printf("stored %s\n", name);
}

static void notify_msg(int nfd)
{
	char buf[1024], cbuf[CMSG_SPACE(sizeof(int) * 4)], name[64] = "stored";
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(nfd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	char *p;
	int fd;

	if (n < 0)
		return;
	buf[n] = '\0';
	p = strstr(buf, "FDNAME=");
	if (p)
		sscanf(p + 7, "%63[^\n]", name);
	if (strstr(buf, "READY=1"))
		printf("ready\n");
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		if (strstr(buf, "FDSTORE=1"))
			keep(fd, name, !strstr(buf, "FDPOLL=0"));
		else
			close(fd);
	}
}

/* systemd's watch on the store: a descriptor with POLLERR or POLLHUP is
 * closed, unless stored with FDPOLL=0; either way "pollerr NAME" says
 * that it was seen, then "dropped NAME" or "kept NAME (FDPOLL=0)". */
static void watch_store(void)
{
	int i = 0;

	while (i < store.n) {
		struct pollfd p = { .fd = store.fd[i] };

		if (store.err[i] || poll(&p, 1, 0) <= 0 ||
		    !(p.revents & (POLLERR | POLLHUP))) {
			i++;
			continue;
		}
		printf("pollerr %s\n", store.name[i]);
		store.err[i] = 1;
		if (!store.watch[i]) {
			printf("kept %s (FDPOLL=0)\n", store.name[i]);
			i++;
			continue;
		}
		printf("dropped %s\n", store.name[i]);
		close(store.fd[i]);
		store.n--;
		store.fd[i] = store.fd[store.n];
		store.watch[i] = store.watch[store.n];
		store.err[i] = store.err[store.n];
		memcpy(store.name[i], store.name[store.n], 64);
	}
}

static pid_t run_child(const char *path, char **argv)
{
	char names[STORE_MAX * 65] = "", num[16];
	pid_t pid = fork();
	int i;

	if (pid)
		return pid;
	setenv("NOTIFY_SOCKET", path, 1);
	for (i = 0; i < store.n; i++) {
		int fd = dup(store.fd[i]);	/* clears CLOEXEC */

		dup2(fd, 3 + i);
		if (fd != 3 + i)
			close(fd);
		strcat(names, i ? ":" : "");
		strcat(names, store.name[i]);
	}
	if (store.n) {
		snprintf(num, sizeof(num), "%d", store.n);
		setenv("LISTEN_FDS", num, 1);
		setenv("LISTEN_FDNAMES", names, 1);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("LISTEN_PID", num, 1);
	}
	execvp(argv[0], argv);
	_exit(127);
}

static int do_supervise(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = on_term };
	int nfd, status, i, restart_ms = 200;
	pid_t pid;

	if (argc > 3 && !strcmp(argv[2], "-r")) {
		restart_ms = atoi(argv[3]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 4 || strlen(argv[2]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[2]);
	unlink(sun.sun_path);
	nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nfd < 0 || bind(nfd, (struct sockaddr *)&sun, sizeof(sun)))
		die("supervise");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	while (!stopping) {
		pid = run_child(argv[2], argv + 3);
		printf("started %d\n", (int)pid);
		for (;;) {
			struct pollfd pfd = { .fd = nfd, .events = POLLIN };

			if (poll(&pfd, 1, 50) > 0)
				notify_msg(nfd);
			watch_store();
			if (stopping)
				kill(pid, SIGTERM);
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
		}
		while (poll(&(struct pollfd){ .fd = nfd, .events = POLLIN },
			    1, 0) > 0)
			notify_msg(nfd);
		printf("exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) :
		       128 + WTERMSIG(status));
		if (!stopping)
			/* systemd's RestartSec, shortened */
			usleep((useconds_t)restart_ms * 1000);
	}
	/* a stop: the store goes with the service */
	for (i = 0; i < store.n; i++)
		close(store.fd[i]);
	unlink(sun.sun_path);
	return 0;
}

static int do_respond(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned char buf[L2TP_NFQ_MSG2_MAX_SIZE + 1];
	long count, done = 0;
	int fd, ufd;

	if (argc < 4 || strlen(argv[2]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[2]);
	count = atol(argv[3]);
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		die("respond");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (done < count) {
		struct l2tp_nfq_msg2 m;
		struct sockaddr_storage ss;
		socklen_t sl;
		char reply[1100];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 || l2tp_nfq_msg_valid(buf, (size_t)n) != 2)
			continue;
		memcpy(&m, buf, sizeof(m));
		snprintf(reply, sizeof(reply), "reply-%s",
			 (char *)buf + sizeof(m));
		memset(&ss, 0, sizeof(ss));
		if (m.family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			in->sin_family = AF_INET;
			in->sin_addr = m.peer_addr.v4;
			in->sin_port = htons(m.peer_port);
			sl = sizeof(*in);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			in6->sin6_family = AF_INET6;
			in6->sin6_addr = m.peer_addr.v6;
			in6->sin6_port = htons(m.peer_port);
			sl = sizeof(*in6);
		}
		/* what an L2TP daemon does with the message: the tunnel's
		 * socket gets the mark, so the reply takes the tunnel's SA */
		ufd = bound_socket(m.family, m.local_port);
		if (setsockopt(ufd, SOL_SOCKET, SO_MARK, &m.mark,
			       sizeof(m.mark)))
			die("SO_MARK");
		if (sendto(ufd, reply, strlen(reply), 0,
			   (struct sockaddr *)&ss, sl) < 0)
			perror("respond: sendto");
		close(ufd);
		{
			char a[INET6_ADDRSTRLEN];

			inet_ntop(m.family, &m.peer_addr, a, sizeof(a));
			printf("answered peer %s port %u tunnel %u mark 0x%x "
			       "source %u host %s\n", a, m.peer_port,
			       m.peer_tid, m.mark, m.mark_source,
			       (char *)buf + sizeof(m));
		}
		done++;
	}
	return 0;
}

static int do_esp(int argc, char **argv)
{
	struct sockaddr_storage ss;
	uint8_t pkt[16] = { 0 };
	uint32_t spi, one = htonl(1);
	socklen_t sl;
	int fd, family;

	if (argc < 4)
		return 2;
	family = parse_addr(argv[2], 0, &ss, &sl);
	spi = htonl((uint32_t)strtoul(argv[3], NULL, 0));
	memcpy(pkt, &spi, 4);
	memcpy(pkt + 4, &one, 4);
	fd = socket(family, SOCK_RAW, IPPROTO_ESP);
	if (fd < 0 || sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss,
			     sl) < 0)
		die("esp");
	return 0;
}

/* Listen on the bound @fd, print "ready", take one connection. */
static int accept_one(int fd, const char *what)
{
	int c;

	if (listen(fd, 1))
		die(what);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	c = accept(fd, NULL, NULL);
	if (c < 0)
		die(what);
	return c;
}

static int do_seqanswer(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char text[4096], req[4096];
	size_t o = 0;
	const char *p;
	ssize_t n;
	int fd, c;

	if (argc < 4 || strlen(argv[2]) >= sizeof(sun.sun_path))
		return 2;
	for (p = argv[3]; *p && o < sizeof(text) - 1; p++)
		if (p[0] == '\\' && p[1] == 'n') {
			text[o++] = '\n';
			p++;
		} else {
			text[o++] = *p;
		}
	strcpy(sun.sun_path, argv[2]);
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		die("seqanswer");
	c = accept_one(fd, "seqanswer");
	while ((n = recv(c, req, sizeof(req) - 1, 0)) > 0) {
		req[n] = 0;
		printf("request %s\n", req);
		if (send(c, text, o, 0) < 0)
			die("seqanswer: send");
	}
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int do_tcpsink(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct timespec t0;
	static char buf[1 << 16];
	unsigned long long got = 0;
	socklen_t len;
	ssize_t n;
	int fd, c, one = 1;

	if (argc < 4)
		return 2;
	fd = socket(parse_addr(argv[2], (unsigned int)atoi(argv[3]), &ss, &len),
		    SOCK_STREAM, 0);
	if (fd < 0)
		die("tcpsink: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("tcpsink: bind");
	c = accept_one(fd, "tcpsink");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = read(c, buf, sizeof(buf))) > 0)
		got += (unsigned long long)n;
	if (n < 0)
		die("tcpsink: read");
	printf("received %llu bytes in %ld ms\n", got, ms_since(&t0));
	return 0;
}

static int do_tcpsend(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct timespec t0;
	struct timeval tv = { .tv_sec = 120 };
	static char buf[1 << 16];
	unsigned long long left, sent = 0;
	socklen_t len;
	ssize_t n;
	int fd;

	if (argc < 5)
		return 2;
	left = strtoull(argv[4], NULL, 0);
	fd = socket(parse_addr(argv[2], (unsigned int)atoi(argv[3]), &ss, &len),
		    SOCK_STREAM, 0);
	if (fd < 0)
		die("tcpsend: socket");
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(buf, 0x5a, sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("tcpsend: connect");
	while (left) {
		n = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n <= 0)
			die("tcpsend: write");
		left -= (unsigned long long)n;
		sent += (unsigned long long)n;
	}
	if (shutdown(fd, SHUT_WR) || read(fd, buf, sizeof(buf)) < 0)
		die("tcpsend: the receiver's close");
	printf("sent %llu bytes in %ld ms\n", sent, ms_since(&t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nettool send|count ...\n");
		return 2;
	}
	optind = 2;
	if (!strcmp(argv[1], "send"))
		return do_send(argc, argv);
	if (!strcmp(argv[1], "count"))
		return do_count(argc, argv);
	if (!strcmp(argv[1], "unixrecv"))
		return do_unixrecv(argc, argv);
	if (!strcmp(argv[1], "respond"))
		return do_respond(argc, argv);
	if (!strcmp(argv[1], "echo"))
		return do_echo(argc, argv);
	if (!strcmp(argv[1], "dump"))
		return do_dump(argc, argv);
	if (!strcmp(argv[1], "esp"))
		return do_esp(argc, argv);
	if (!strcmp(argv[1], "supervise"))
		return do_supervise(argc, argv);
	if (!strcmp(argv[1], "seqanswer"))
		return do_seqanswer(argc, argv);
	if (!strcmp(argv[1], "tcpsink"))
		return do_tcpsink(argc, argv);
	if (!strcmp(argv[1], "tcpsend"))
		return do_tcpsend(argc, argv);
	return 2;
}
