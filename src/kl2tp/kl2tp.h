/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef L2TP_NFQD_KL2TP_H
#define L2TP_NFQD_KL2TP_H

/*
 * Kernel L2TP watch: on Linux before 6.10, warn when kernel L2TP tunnels
 * share one (local address, local port, peer address, peer port), since
 * the kernel then delivers all their data to one of them.
 */
struct kl2tp;

/*
 * kl2tp_open - start watching.  Returns 0, -EOPNOTSUPP when this kernel
 * needs no watch, or another -errno (logged); *@out is NULL unless 0.  The
 * daemon carries on in every case.  l2tp modules that are not loaded yet
 * are no failure: the watch starts when they load.
 */
int kl2tp_open(struct kl2tp **out);
/* The one descriptor to poll for reading; -1 for NULL or once given up
 * (it stays open until kl2tp_close(), so a copy of it is harmless). */
int kl2tp_fd(const struct kl2tp *k);
/* Poll said readable.  A failure is logged once and ends the watch. */
void kl2tp_dispatch(struct kl2tp *k);
void kl2tp_close(struct kl2tp *k);

#endif
