/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_LOG_H
#define L2TP_NFQD_LOG_H

#include <time.h>

#define PRINTF(f, a) __attribute__((format(printf, f, a)))

void log_init(const char *ident, int use_syslog, int debug);
void log_info(const char *fmt, ...) PRINTF(1, 2);
void log_warn(const char *fmt, ...) PRINTF(1, 2);	/* appends errno text */
void log_warnx(const char *fmt, ...) PRINTF(1, 2);
void log_debug(const char *fmt, ...) PRINTF(1, 2);
int log_debug_enabled(void);

/*
 * A budget of lines per interval, for messages that a remote peer can
 * trigger once per packet.  log_ratelimit() says whether to print now and,
 * when a new interval starts, logs how many lines the last one suppressed.
 */
struct ratelimit {
	const char *what;
	unsigned int burst, interval;	/* lines per interval seconds */
	time_t start;
	unsigned int printed, suppressed;
};

#define RATELIMIT_INIT(w, b, i) { .what = (w), .burst = (b), .interval = (i) }

int log_ratelimit(struct ratelimit *rl);

/* Seconds on the monotonic clock, the one the rate limits use. */
time_t mono_sec(void);

#endif
