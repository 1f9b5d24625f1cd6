// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark sender: N well-formed SCCRQs from udp/1701, tunnel IDs cycling
 * through 1-65535, with sendmmsg, as fast as possible or at RATE per
 * second.  Each host name is the CLOCK_MONOTONIC time of sending, in ns,
 * 20 digits, so the receiver can compute latency.  The Assigned Tunnel
 * ID is then at bytes 60-61 of the L2TP message (@th,544,16).  Prints
 * the offered rate.
 *
 *   bench-send [-r RATE] N DST
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "sccrq.h"

#define BATCH 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t sccrq(uint8_t *p, unsigned int tid, uint64_t ts)
{
	char host[32];

	/* fixed width: the Assigned Tunnel ID at a fixed offset, for the
	 * benchmark's stand-in SAs */
	snprintf(host, sizeof(host), "%020llu", (unsigned long long)ts);
	return sccrq_build(p, tid, host);
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][128];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_port = htons(1701) };
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(1701) };
	unsigned long n, sent = 0, rate = 0;
	uint64_t t0, t1;
	int fd, c, one = 1;

	while ((c = getopt(argc, argv, "r:")) != -1)
		if (c == 'r')
			rate = strtoul(optarg, NULL, 0);
	if (argc - optind != 2 || inet_pton(AF_INET, argv[optind + 1],
					    &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: bench-send [-r RATE] N DST\n");
		return 2;
	}
	n = strtoul(argv[optind], NULL, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* unconnected: ICMP port unreachable must not fail later sends */
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		perror("bench-send");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	t0 = now_ns();
	while (sent < n) {
		unsigned int k = rate ? 1 : BATCH, i;
		uint64_t ts;
		int r;

		if (k > n - sent)
			k = (unsigned int)(n - sent);
		if (rate) {
			uint64_t due = t0 + sent * 1000000000ull / rate;

			while ((ts = now_ns()) < due)
				if (due - ts > 200000)
					usleep((useconds_t)((due - ts) / 1000 - 100));
		}
		ts = now_ns();
		for (i = 0; i < k; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sccrq(bufs[i],
					       (unsigned int)((sent + i) % 65535 + 1),
					       ts);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &dst;
			msgs[i].msg_hdr.msg_namelen = sizeof(dst);
		}
		r = sendmmsg(fd, msgs, k, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned long)r;
	}
	t1 = now_ns();
	printf("sent %lu in %.3f ms: %.0f/s\n", sent, (t1 - t0) / 1e6,
	       sent / ((t1 - t0) / 1e9));
	return 0;
}
