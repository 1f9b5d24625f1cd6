/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_REPORT_H
#define L2TP_NFQD_REPORT_H

#include <stdint.h>

/*
 * One counter or gauge of a module's x_report(), which reports what its
 * x_log_stats() logs: @name in Prometheus style without the program's
 * prefix (sccrqs_total), @labels "" or Prometheus label text without the
 * braces (reason="quota"); neither holds a space.  The control socket
 * (ctl/ctl.h) passes them on as they are.
 */
typedef void report_fn(void *arg, const char *name, const char *labels,
		       uint64_t value);

#endif
