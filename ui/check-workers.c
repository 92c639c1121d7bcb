/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check-workers.c - the worker processes of `--check` (see check.c's top
 * comment): each is forked once and runs captures one after another
 * in-process by calling the command line's main function again; a capture's
 * stdout and stderr pipes reach it over its control socket (SCM_RIGHTS) with
 * the argument vector, and it answers with the exit code once it has closed
 * them. */
#include "check-workers.h"
#include "expect.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKER_MSG_MAX 65536 /* one request: the arguments, NUL-separated */

/* In a worker: take requests until the control socket closes; never returns. */
static void worker_loop(int ctl, int (*run_main)(int argc, char **argv))
{
	static char msg[WORKER_MSG_MAX + 1];
	char *argv[EXPECT_MAX_ARGS + 8];
	for (;;) {
		union {
			char buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = { .iov_base = msg, .iov_len = WORKER_MSG_MAX };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
				     .msg_controllen = sizeof cbuf.buf };
		ssize_t n = recvmsg(ctl, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len != CMSG_LEN(2 * sizeof(int)))
			_exit(0); /* the scheduler is done (or confused): stop */
		int fds[2];
		memcpy(fds, CMSG_DATA(cm), sizeof fds);
		msg[n] = 0;
		int argc = 0;
		for (char *p = msg; p < msg + n && argc < EXPECT_MAX_ARGS + 7; p += strlen(p) + 1)
			argv[argc++] = p;
		argv[argc] = NULL;
		dup2(fds[0], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		int rc = run_main(argc, argv);
		fflush(NULL);
		/* let go of the pipes: the scheduler reads end of file on both */
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(nul, 1);
		dup2(nul, 2);
		close(nul);
		unsigned char code = (unsigned char)rc;
		while (write(ctl, &code, 1) < 0 && errno == EINTR)
			;
	}
}

static bool worker_spawn(struct check_worker *w, int (*run_main)(int argc, char **argv))
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]), close(sv[1]);
		return false;
	}
	if (pid == 0) {
		/* keep nothing of the scheduler's: other workers' sockets and
		 * other captures' pipes would hold their ends open */
		close(sv[0]);
		if (sv[1] != 3) {
			dup2(sv[1], 3);
			close(sv[1]);
		}
		close_range(4, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		worker_loop(3, run_main);
	}
	close(sv[1]);
	w->pid = pid;
	w->ctl = sv[0];
	w->busy = false;
	return true;
}

/* The worker is dead or must go: reap it; its status when it died. */
int check_worker_reap(struct check_worker *w, bool kill_it)
{
	int status = 0;
	if (w->pid <= 0)
		return 0;
	if (kill_it)
		kill(w->pid, SIGKILL);
	close(w->ctl);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	w->ctl = -1;
	w->busy = false;
	return status;
}

/* Hand a capture to an idle worker with the write ends of its pipes. */
bool check_worker_send(struct check_worker *w, int (*run_main)(int argc, char **argv), char *const *argv, int argc,
		       int out_fd, int err_fd)
{
	static char msg[WORKER_MSG_MAX];
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		if (len + l > sizeof msg) {
			errno = E2BIG;
			return false;
		}
		memcpy(msg + len, argv[i], l);
		len += l;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (w->pid <= 0 && !worker_spawn(w, run_main))
			return false;
		union {
			char buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr align;
		} cbuf;
		memset(&cbuf, 0, sizeof cbuf);
		struct iovec iov = { .iov_base = msg, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
				     .msg_controllen = sizeof cbuf.buf };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
		int fds[2] = { out_fd, err_fd };
		memcpy(CMSG_DATA(cm), fds, sizeof fds);
		ssize_t n;
		while ((n = sendmsg(w->ctl, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
			;
		if (n == (ssize_t)len) {
			w->busy = true;
			return true;
		}
		check_worker_reap(w, true); /* it died while idle: start another */
	}
	return false;
}

/* The capture's pipes are closed: its exit status, as waitpid would give.
 * killed: the worker was sent SIGKILL (its capture timed out), perhaps just
 * after it finished and reported: it is reaped all the same, so the next
 * capture gets a new worker, not this one dying under it. */
int check_worker_result(struct check_worker *w, bool killed)
{
	unsigned char code;
	ssize_t n;
	while ((n = read(w->ctl, &code, 1)) < 0 && errno == EINTR)
		;
	if (n == 1 && !killed) {
		w->busy = false;
		return (int)code << 8; /* exited with code */
	}
	return check_worker_reap(w, killed); /* it died (a crash, or killed on timeout) */
}

