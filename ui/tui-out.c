/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-out.c - keep a slow terminal from ever stopping the capture.
 *
 * ncurses writes each frame with blocking write(2)s; a terminal that reads
 * slowly (a thin SSH link, a paused or detached tmux pane, Ctrl-S) would
 * then hold the thread that also reads packets. So ncurses gets its own
 * descriptor for the terminal, and once the screen is set up that
 * descriptor is switched to a pipe emptied by a writer thread. A frame is
 * drawn only when the pipe is empty (the terminal took the last one);
 * otherwise it is skipped, so the capture thread never waits.
 *
 * The terminal modes are set while the descriptor is still the terminal,
 * and it is switched back before endwin() restores them. The size is read
 * from the real terminal on SIGWINCH, since a pipe has none. */
#include "tui-int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static struct {
	int term_fd;  /* the real terminal (not ours to close) */
	int curses_fd; /* ncurses' descriptor: the terminal, then the pipe */
	FILE *curses_fp;
	int pipe_r;
	bool detached;
	bool thread_up;
	pthread_t writer;
	struct sigaction old_winch;
	bool winch_set;
} O = { .term_fd = -1, .curses_fd = -1, .pipe_r = -1 };

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void *writer_main(void *arg)
{
	(void)arg;
	char buf[16384];
	for (;;) {
		ssize_t n = read(O.pipe_r, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(O.term_fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return NULL; /* the terminal is gone */
			off += w;
		}
	}
	return NULL;
}

FILE *tui_out_open(FILE *term)
{
	O.term_fd = fileno(term);
	O.curses_fd = dup(O.term_fd);
	if (O.curses_fd < 0)
		return NULL;
	fcntl(O.curses_fd, F_SETFD, FD_CLOEXEC);
	O.curses_fp = fdopen(O.curses_fd, "w");
	if (!O.curses_fp) {
		close(O.curses_fd);
		O.curses_fd = -1;
	}
	return O.curses_fp;
}

bool tui_out_detach(void)
{
	int p[2];
	if (O.curses_fd < 0 || pipe(p) < 0)
		return false;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* room for any full repaint; 64 KiB if refused */
	O.pipe_r = p[0];
	/* the writer takes no signals: they stay with the capture thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&O.writer, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(p[0]);
		close(p[1]);
		O.pipe_r = -1;
		return false;
	}
	O.thread_up = true;
	fflush(O.curses_fp);
	dup2(p[1], O.curses_fd);
	close(p[1]);
	O.detached = true;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	O.winch_set = sigaction(SIGWINCH, &sa, &O.old_winch) == 0;
	return true;
}

bool tui_out_busy(void)
{
	int n = 0;
	return O.detached && ioctl(O.pipe_r, FIONREAD, &n) == 0 && n > 0;
}

bool tui_out_resized(int *rows, int *cols)
{
	if (!winch)
		return false;
	winch = 0;
	struct winsize ws;
	if (ioctl(O.term_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

void tui_out_reattach(void)
{
	if (O.winch_set) {
		sigaction(SIGWINCH, &O.old_winch, NULL);
		O.winch_set = false;
	}
	if (!O.detached)
		return;
	fflush(O.curses_fp);
	/* the terminal again under ncurses' descriptor; that closes the pipe's
	 * write end, so the writer drains what is left and stops */
	dup2(O.term_fd, O.curses_fd);
	O.detached = false;
	if (O.thread_up) {
		struct timespec limit;
		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_sec += 2;
		if (pthread_timedjoin_np(O.writer, NULL, &limit) != 0)
			pthread_detach(O.writer); /* a terminal that takes nothing: leave it */
		O.thread_up = false;
	}
	close(O.pipe_r);
	O.pipe_r = -1;
}

void tui_out_close(void)
{
	if (O.curses_fp)
		fclose(O.curses_fp);
	O.curses_fp = NULL;
	O.curses_fd = -1;
}
