/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_STATUS_H
#define L2TP_NFQD_STATUS_H

/*
 * `l2tp-nfqd status [OPTIONS]` and `l2tp-nfqd metrics [OPTIONS]`: the
 * tunnels and counters of the running daemon, or of the kernel's maps
 * when it is not running (status.c).  @argv[0] is the subcommand.
 * Returns the exit status: 0, 1 (system error), 2 (bad use).
 */
int status_main(int argc, char **argv);

#endif
