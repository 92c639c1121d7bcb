/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privdrop.c - giving up privileges once the live capture is open, as
 * tcpdump does with -Z: packets written by strangers are parsed by a
 * process that can no longer do anything a capture needs root for.
 *
 * Started as root: switch to the -Z user (default "nobody"; "root" keeps
 * root, on purpose), with that user's primary group and no supplementary
 * groups, after emptying the capability bounding set. Started as a normal
 * user with file capabilities (setcap cap_net_raw,cap_net_admin+eip):
 * clear the permitted, effective and inheritable sets. Both: clear the
 * ambient set and set no_new_privs, so nothing executed later regains them. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#define NOBODY_ID 65534 /* Debian's nobody/nogroup, when no passwd entry exists */

/* Empty the permitted, effective and inheritable capability sets. */
static int caps_clear(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	return (int)syscall(SYS_capset, &h, d);
}

/* Does the process still hold an effective capability? */
static bool caps_any(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) < 0)
		return true;
	return d[0].effective || d[1].effective || d[0].permitted || d[1].permitted;
}

/* The account priv_drop switches to when started as root; false when the
 * named user does not exist. */
static bool target_ids(const char *user, uid_t *uid, gid_t *gid)
{
	*uid = NOBODY_ID;
	*gid = NOBODY_ID;
	struct passwd *pw = getpwnam(user ? user : "nobody");
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	return pw || !user;
}

int priv_hand_over(const char *user, const char *path)
{
	uid_t uid;
	gid_t gid;
	if (geteuid() != 0 || (user && !strcmp(user, "root")) || !target_ids(user, &uid, &gid))
		return 0;
	return chown(path, uid, gid);
}

int priv_drop(const char *user, char *err, size_t errlen)
{
	bool root = geteuid() == 0;
	if (user && !strcmp(user, "root")) {
		if (!root) {
			snprintf(err, errlen, "-Z root: not running as root");
			return -1;
		}
		return 0; /* asked to keep root */
	}
	if (root) {
		uid_t uid;
		gid_t gid;
		const char *name = user ? user : "nobody";
		if (!target_ids(user, &uid, &gid)) {
			snprintf(err, errlen, "-Z %s: no such user", user);
			return -1;
		}
		if (uid == 0) {
			snprintf(err, errlen, "-Z %s: that user is root", name);
			return -1;
		}
		/* the bounding set can only shrink while we hold CAP_SETPCAP */
		for (int cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				break;
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
			snprintf(err, errlen, "cannot switch to user %s: %s", name, strerror(errno));
			return -1;
		}
		if (setuid(0) == 0) {
			snprintf(err, errlen, "dropped to %s but could become root again", name);
			return -1;
		}
	} else if (user) {
		struct passwd *pw = getpwnam(user);
		if (!pw || pw->pw_uid != getuid()) {
			snprintf(err, errlen, "-Z %s: only root can switch users", user);
			return -1;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (caps_clear() < 0 || caps_any()) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}
