// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark sender for the data path: N L2TP data messages (no L bit, as
 * the kernel's L2TP sends them) from udp/1701, Tunnel IDs cycling from
 * FIRST to LAST, with sendmmsg, as fast as the output path takes them:
 * what the server's L2TP daemon does for PPP traffic.  Prints the rate
 * and the CPU time it took per packet.
 *
 *   bench-data N DST FIRST LAST
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#define BATCH	64
#define SIZE	100	/* L2TP header, PPP header, a small IP packet */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][SIZE];
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_port = htons(1701) };
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(1701) };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long n, sent = 0, first, last, tid;
	int fd, one = 1, i;
	struct timespec c0, c1;
	uint64_t t0, t1;

	if (argc != 5 || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: bench-data N DST FIRST LAST\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	first = strtoul(argv[3], NULL, 0);
	last = strtoul(argv[4], NULL, 0);
	if (!first || last < first || last > 65535)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		perror("bench-data");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		bufs[i][1] = 0x02;	/* flags: data, version 2 */
		bufs[i][5] = 1;		/* session 1 */
		bufs[i][6] = 0xff;	/* PPP address, control */
		bufs[i][7] = 0x03;
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = SIZE;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	tid = first;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	t0 = now_ns();
	while (sent < n) {
		unsigned int k = n - sent < BATCH ? (unsigned int)(n - sent) :
			BATCH;
		int r;

		for (i = 0; i < (int)k; i++) {
			bufs[i][2] = (uint8_t)(tid >> 8);
			bufs[i][3] = (uint8_t)tid;
			tid = tid == last ? first : tid + 1;
		}
		r = sendmmsg(fd, msgs, k, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned long)r;
	}
	t1 = now_ns();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	/* CPU time, not wall time: other load on the machine does not
	 * count, the output path (our rules included) does */
	printf("sent %lu in %.3f ms: %.0f/s, cpu %.0f ns/packet\n", sent,
	       (t1 - t0) / 1e6, sent / ((t1 - t0) / 1e9),
	       ((c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec)) /
	       (double)sent);
	return 0;
}
