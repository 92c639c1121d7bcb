/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-int.h - counters of the SSH analyzer, for a run summary or a test.
 * (ssh.h stays the engine's interface; this is extra.) */
#ifndef SHAKEDOWN_SSH_INT_H
#define SHAKEDOWN_SSH_INT_H

#include <stdint.h>
#include "../capture/limits.h"

struct ssh_stats {
	uint64_t sessions;  /* pool entries handed out */
	uint64_t pool_full; /* a flow wanted an entry and none was left */
	uint64_t not_ssh;   /* flows found not to carry SSH */
	uint64_t verdicts;  /* ssh.* verdicts emitted */
	uint32_t active;    /* entries in use now */
	uint32_t peak;
	struct limit_hit full; /* the pool was full: a new connection not followed */
	uint32_t kexinit_active, kexinit_peak; /* KEXINIT buffers held now, at most */
	uint64_t kexinit_full; /* a side found no KEXINIT buffer (out of memory) */
	uint32_t kex_active, kex_peak; /* key exchange blocks held now, at most */
	uint64_t kex_full; /* a session found no key exchange block (out of memory) */
};

const struct ssh_stats *ssh_stats(void);

#endif
