// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Least privilege without libcap: raw capget/capset and prctl.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "base/log.h"
#include "base/priv.h"

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return (int)syscall(SYS_capget, &h, d);
}

static int caps_set_only(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { { 0 } };

	d[CAP_TO_INDEX(cap)].effective = CAP_TO_MASK(cap);
	d[CAP_TO_INDEX(cap)].permitted = CAP_TO_MASK(cap);
	return (int)syscall(SYS_capset, &h, d);
}

int priv_has_net_admin(void)
{
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (caps_get(d))
		return 1;	/* cannot tell: let the kernel decide */
	return !!(d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &
		  CAP_TO_MASK(CAP_NET_ADMIN));
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

static int drop(uid_t uid, gid_t gid)
{
	int cap, last = last_cap();

	/* the bounding set needs CAP_SETPCAP: drop it while still root */
	for (cap = 0; cap <= last; cap++)
		if (cap != CAP_NET_ADMIN &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setgroups(0, NULL) ||
	    setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	if (caps_set_only(CAP_NET_ADMIN) ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* best effort: kernels before 4.3 have no ambient set */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

int priv_drop(const char *user, uid_t uid, gid_t gid)
{
	int ret = drop(uid, gid);

	if (ret) {
		errno = -ret;
		log_warn("cannot switch to user %s", user);
	}
	return ret;
}
