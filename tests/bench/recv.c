// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark receiver: a fast AF_UNIX datagram consumer of format-1
 * messages whose host names are send times (bench-send).  After IDLE_MS
 * without a message (or COUNT messages) it prints the count and the
 * latency p50/p99/max in microseconds.
 *
 *   bench-recv PATH COUNT IDLE_MS
 *   bench-recv --notify PATH      print CLOCK_REALTIME ns at READY=1
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <l2tp-nfq/l2tp-nfqd.h>

#define BATCH 64

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int bound(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		perror("bench-recv");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][L2TP_NFQ_MSG_MAX_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long count, got = 0;
	uint64_t *lat;
	struct pollfd pfd;
	int fd, idle, i, n;

	if (argc == 3 && !strcmp(argv[1], "--notify")) {
		char b[256];
		ssize_t r;

		fd = bound(argv[2]);
		printf("ready\n");
		fflush(stdout);
		while ((r = recv(fd, b, sizeof(b) - 1, 0)) >= 0) {
			b[r] = '\0';
			if (strstr(b, "READY=1")) {
				printf("%llu\n", (unsigned long long)
				       now_ns(CLOCK_REALTIME));
				return 0;
			}
		}
		return 1;
	}
	if (argc != 4)
		return 2;
	count = strtoul(argv[2], NULL, 0);
	idle = atoi(argv[3]);
	lat = calloc(count + 1, sizeof(*lat));
	fd = bound(argv[1]);
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < count && poll(&pfd, 1, got ? idle : 60000) > 0) {
		uint64_t t;

		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		t = now_ns(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++) {
			char host[32] = { 0 };
			size_t len = msgs[i].msg_len;

			if (l2tp_nfq_msg_valid(bufs[i], len) != 1 ||
			    len - 16 >= sizeof(host))
				continue;
			memcpy(host, bufs[i] + 16, len - 16);
			if (got < count)
				lat[got] = t - strtoull(host, NULL, 10);
			got++;
		}
	}
	if (got > count)
		got = count;
	qsort(lat, got, sizeof(*lat), cmp);
	printf("received %lu p50 %.1f p99 %.1f max %.1f\n", got,
	       got ? lat[got / 2] / 1e3 : 0.0,
	       got ? lat[got * 99 / 100] / 1e3 : 0.0,
	       got ? lat[got - 1] / 1e3 : 0.0);
	return 0;
}
