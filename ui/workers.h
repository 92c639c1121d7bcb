/* SPDX-License-Identifier: GPL-2.0-or-later */
/* workers.h - `--workers N`: live capture spread over N processes with
 * Linux PACKET_FANOUT, their verdicts merged into this process's sinks. */
#ifndef SHAKEDOWN_WORKERS_H
#define SHAKEDOWN_WORKERS_H

#include "analyzer/driver.h"

#include <signal.h>

#define WORKERS_MAX 64

/* Fork n workers, each running the driver on o->iface with its own tables
 * and libnids, joined to one fanout group; every verdict they raise is
 * emitted here (verdict_emit: the sinks registered in this process see
 * them as if raised here, flow ids made unique per worker), and sum is the
 * sum of their summaries. after_fork, when set, runs in this process once
 * the workers are started (the privilege drop). Stops when *stop is set
 * (the workers are told with SIGTERM) or when every worker has ended.
 * CAPTURE_OK, or CAPTURE_INPUT_ERROR with the first worker's message. */
int workers_run(int n, const struct capture_opts *o, const struct driver_hooks *hooks,
		int (*after_fork)(void *arg, char *err, size_t errlen), void *after_arg, struct run_summary *sum,
		volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif
