// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * l2tp-nfqd: tells an L2TP daemon which netfilter mark (IPsec SA) belongs
 * to each new L2TPv2 tunnel.  Start-up and teardown order, the poll loop,
 * signals and exit codes live here; options.c reads the command line.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "packet/ct.h"
#include "packet/handler.h"
#include "packet/ipc.h"
#include "kl2tp/kl2tp.h"
#include "base/log.h"
#include "nft/nft.h"
#include "nft/nft_build.h"
#include "nft/nft_guard.h"
#include "base/notify.h"
#include "options.h"
#include "base/priv.h"
#include "packet/queue.h"
#include "status/status.h"
#include "xfrm/xfrm.h"
#include "tunnel/xlate.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

/* The open modules, in start-up order. */
struct daemon {
	const struct config *cfg;
	struct ipc *ipc;
	struct ct *ct;
	struct handler *handler;
	struct queue *queue;
	struct nft *nft;
	struct xlate *xlate;
	struct kl2tp *kl2tp;
	struct xfrm *xfrm;
	struct ctl *ctl;
};

static const struct queue_ops handler_ops = {
	.packet = handler_packet,
	.pause = handler_pause,
	.before_verdict = handler_before_verdict,
	.after_verdict = handler_after_verdict,
};

/* What the loop polls: the control socket's listener and clients last. */
enum { SLOT_QUEUE, SLOT_OUTPUT, SLOT_NFT, SLOT_KL2TP, SLOT_XFRM, SLOT_CTL,
       SLOT_MAX = SLOT_CTL + CTL_POLLFDS };

static volatile sig_atomic_t sig_quit, sig_hup, sig_usr1;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_hup = 1;
	else if (sig == SIGUSR1)
		sig_usr1 = 1;
	else
		sig_quit = 1;
}

/* Signals are blocked except inside ppoll(): no wake-up is lost. */
static void setup_signals(sigset_t *waitmask)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigdelset(waitmask, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

/* What the control socket reports (ctl.h), read at each request. */
static void report_options(void *arg, ctl_option_fn *fn, void *fnarg)
{
	const struct daemon *d = arg;

	options_report(d->cfg, fn, fnarg);
}

static void report_counters(void *arg, report_fn *fn, void *fnarg)
{
	const struct daemon *d = arg;

	queue_report(d->queue, fn, fnarg);
	handler_report(d->handler, fn, fnarg);
	xlate_report(d->xlate, fn, fnarg);
	xfrm_report(d->xfrm, fn, fnarg);
	ipc_report(d->ipc, fn, fnarg);
}

static int report_tunnels(void *arg, size_t first, ctl_tunnel_fn *fn,
			  void *fnarg)
{
	const struct daemon *d = arg;

	return xlate_tunnels(d->xlate, first, fn, fnarg);
}

/*
 * Output first, rules last: by the time the kernel queues an SCCRQ to
 * us, everything that handles it is there.  Each module logs its own
 * failure.
 */
static int start_modules(struct daemon *d, struct config *c)
{
	struct nft_adopt kept;
	int ret;

	d->cfg = c;
	/* fail closed first: no cleartext L2TP from now on */
	if (c->nft.require_ipsec && nft_guard_install(&c->nft))
		return -1;
	if (ipc_open(&d->ipc, &c->ipc))
		return -1;
	if (c->ct_lookup && ct_open(&d->ct))
		return -1;
	if (handler_open(&d->handler, &c->handler, d->ct, d->ipc))
		return -1;
	if (queue_open(&d->queue, &c->queue, &handler_ops, d->handler))
		return -1;
	log_info("l2tp-nfqd %s: queue %u, output %s (format %d), marks from "
		 "%s", VERSION, c->queue.num,
		 c->ipc.path ? c->ipc.path : "(none: log only)",
		 c->handler.format, queue_has_ct(d->queue) ?
		 "packet, conntrack attached to it" : c->ct_lookup ?
		 "packet, conntrack lookup" : "packet only");
	/* only a warning for the admin: its failures never stop us */
	kl2tp_open(&d->kl2tp);
	if (!c->manage_rules) {
		log_info("--no-rules: queue the SCCRQs to queue %u yourself",
			 c->queue.num);
		return 0;
	}
	if (nft_open(&d->nft, &c->nft, &kept))
		return -1;
	if (c->nft.tunnel_marks) {
		/* the sweep: often enough to free what expired for reuse */
		struct xlate_cfg xc = { .max = c->nft.tunnel_max,
					.per_mark = c->per_mark,
					.sweep_sec = c->nft.tunnel_timeout,
					.translate = !c->no_translate };

		if (xlate_open(&d->xlate, d->nft, &xc)) {
			nft_adopt_free(&kept);
			return -1;
		}
		handler_set_xlate(d->handler, d->xlate);
	}
	/* a kept table's chains per mark are xfrm.c's to replace */
	ret = c->nft.sa_marks ? xfrm_open(&d->xfrm, d->nft, &kept) : 0;
	nft_adopt_free(&kept);
	return ret ? -1 : 0;
}

/*
 * The control socket last: it only reads what the others keep, and a
 * second daemon on the same table or queue is told so by them first.
 */
static int start(struct daemon *d, struct config *c)
{
	struct ctl_source src = { .options = report_options,
				  .counters = report_counters,
				  .tunnels = report_tunnels, .arg = d };

	if (start_modules(d, c))
		return -1;
	return ctl_open(&d->ctl, &c->ctl, &src) ? -1 : 0;
}

/* The reverse: rules first, so the kernel never queues to a listener
 * that is gone. */
static void stop(struct daemon *d)
{
	ctl_close(d->ctl);
	kl2tp_close(d->kl2tp);
	xfrm_close(d->xfrm);
	xlate_close(d->xlate);
	nft_close(d->nft);
	queue_close(d->queue);
	handler_close(d->handler);
	ct_close(d->ct);
	ipc_close(d->ipc);
}

static void log_counters(const struct daemon *d)
{
	queue_log_stats(d->queue);
	handler_log_stats(d->handler);
	xlate_log_stats(d->xlate);
	xfrm_log_stats(d->xfrm);
	ipc_log_stats(d->ipc);
	nft_guard_log_stats(&d->cfg->nft);
}

static int run(struct daemon *d, const sigset_t *waitmask)
{
	struct timespec tick = { .tv_sec = 1 };
	struct pollfd pfd[SLOT_MAX];
	int n;

	notify_tick(&tick);
	while (!sig_quit) {
		pfd[SLOT_QUEUE] = (struct pollfd){ queue_fd(d->queue), POLLIN, 0 };
		ipc_pollfd(d->ipc, &pfd[SLOT_OUTPUT]);
		pfd[SLOT_NFT] = (struct pollfd){ nft_fd(d->nft), POLLIN, 0 };
		pfd[SLOT_KL2TP] = (struct pollfd){ kl2tp_fd(d->kl2tp), POLLIN, 0 };
		pfd[SLOT_XFRM] = (struct pollfd){ xfrm_fd(d->xfrm), POLLIN, 0 };
		ctl_pollfds(d->ctl, &pfd[SLOT_CTL]);
		n = ppoll(pfd, SLOT_MAX, &tick, waitmask);
		if (n < 0 && errno != EINTR) {
			log_warn("poll");
			return -1;
		}
		if (n < 0)
			memset(pfd, 0, sizeof(pfd));
		if (sig_hup) {
			sig_hup = 0;
			log_info("SIGHUP: reconnecting the output");
			ipc_reconnect(d->ipc);
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			log_counters(d);
		}
		if ((pfd[SLOT_QUEUE].revents & (POLLIN | POLLERR)) &&
		    queue_dispatch(d->queue))
			return -1;
		if (pfd[SLOT_NFT].revents & POLLIN)
			nft_dispatch(d->nft);
		if (pfd[SLOT_KL2TP].revents & POLLIN)
			kl2tp_dispatch(d->kl2tp);
		if (pfd[SLOT_XFRM].revents & (POLLIN | POLLERR))
			xfrm_dispatch(d->xfrm);
		ipc_dispatch(d->ipc, pfd[SLOT_OUTPUT].revents);
		/* after the packet path: it answers from what that left */
		ctl_dispatch(d->ctl, &pfd[SLOT_CTL]);
		xlate_tick(d->xlate);
		notify_watchdog();
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct config c;
	sigset_t waitmask;
	int status = 1;

	/* the admin's view: a program of its own in this binary */
	if (argc > 1 && (!strcmp(argv[1], "status") ||
			 !strcmp(argv[1], "metrics")))
		return status_main(argc - 1, argv + 1);
	options_parse(argc, argv, &c);
	if (c.print_rules) {
		nft_print(stdout, &c.nft);
		if (c.nft.require_ipsec)
			nft_guard_print(stdout, &c.nft);
		return 0;
	}
	log_init("l2tp-nfqd", c.use_syslog, c.debug);
	setup_signals(&waitmask);
	notify_init();
	/* already that user (a unit with User=): nothing to switch */
	if (c.user && geteuid() == c.user_uid && getegid() == c.user_gid) {
		c.user = NULL;
		c.ctl.owner = (uid_t)-1;
	}
	if (c.user && geteuid() != 0) {
		log_warnx("--user %s: only root can switch users", c.user);
		return 1;
	}
	if (start(&d, &c))
		goto out;
	if (c.user) {
		if (priv_drop(c.user, c.user_uid, c.user_gid))
			goto out;
		log_info("running as %s with CAP_NET_ADMIN only", c.user);
	}
	notify_send("READY=1");
	if (run(&d, &waitmask))
		goto out;
	notify_send("STOPPING=1");
	log_counters(&d);
	status = 0;
out:
	stop(&d);
	return status;
}
