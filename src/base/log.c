// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "base/log.h"

/* Logging is process-wide by nature: its settings live at file scope,
 * like the service manager's socket in notify.c. */
static struct {
	int syslog;
	int debug;
} lg;

void log_init(const char *ident, int use_syslog, int debug)
{
	lg.syslog = use_syslog;
	lg.debug = debug;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_debug_enabled(void)
{
	return lg.debug > 0;
}

static void vlog(int prio, const char *fmt, va_list ap, const char *err)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (lg.syslog) {
		if (err)
			syslog(prio, "%s: %s", line, err);
		else
			syslog(prio, "%s", line);
		return;
	}
	if (err)
		fprintf(stderr, "l2tp-nfqd: %s: %s\n", line, err);
	else
		fprintf(stderr, "l2tp-nfqd: %s\n", line);
}

#define LOG_BODY(prio, err)			\
	do {					\
		int saved = errno;		\
		va_list ap;			\
		va_start(ap, fmt);		\
		vlog(prio, fmt, ap, err);	\
		va_end(ap);			\
		errno = saved;			\
	} while (0)

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, NULL);
}

void log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, strerror(errno));
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, NULL);
}

void log_debug(const char *fmt, ...)
{
	if (lg.debug)
		LOG_BODY(LOG_DEBUG, NULL);
}

int log_ratelimit(struct ratelimit *rl)
{
	time_t now = mono_sec();

	if (now - rl->start >= (time_t)rl->interval) {
		if (rl->suppressed)
			log_info("%u %s lines suppressed", rl->suppressed,
				 rl->what);
		rl->start = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}

time_t mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}
