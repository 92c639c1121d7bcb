/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check-workers.h - the `--check` worker pool (ui/check-workers.c), for
 * check.c only. */
#ifndef SHAKEDOWN_CHECK_WORKERS_H
#define SHAKEDOWN_CHECK_WORKERS_H

#include <stdbool.h>
#include <sys/types.h>

/* A process that runs captures one after another. */
struct check_worker {
	pid_t pid; /* 0: not started or gone */
	int ctl;   /* our end of the control socket */
	bool busy;
};

/* Hand one capture (argv, run by run_main) to an idle worker, starting it
 * first when it is not running, with the write ends of the capture's
 * stdout and stderr pipes; false with errno when it cannot. */
bool check_worker_send(struct check_worker *w, int (*run_main)(int argc, char **argv), char *const *argv, int argc,
		       int out_fd, int err_fd);
/* The capture's pipes are closed: its exit status, as waitpid gives it
 * (the worker's own when it died: a crash, or killed on timeout). killed:
 * the worker was sent SIGKILL, so it is reaped even if it reported first. */
int check_worker_result(struct check_worker *w, bool killed);
/* Reap a worker that is gone or must go (kill_it: SIGKILL first); its
 * status. */
int check_worker_reap(struct check_worker *w, bool kill_it);

#endif
