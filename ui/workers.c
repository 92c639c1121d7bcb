/* SPDX-License-Identifier: GPL-2.0-or-later */
/* workers.c - `--workers N`: one process per worker, each with its own
 * flow table, analyzers and libnids, all on the same interface in one Linux
 * PACKET_FANOUT group (hash mode: the kernel's flow hash is symmetric, so
 * both directions of a flow reach the same worker; defragmentation first,
 * so every fragment of a datagram does too).
 *
 * Owns the workers' lives and the merge: a worker's only verdict sink
 * writes each verdict, as a record, to a pipe; this process reads the
 * pipes and emits every verdict into its own sinks (text report, JSON
 * Lines), so the output is one stream. The workers are forks of this
 * process: the catalog strings a verdict points at are at the same
 * addresses in both. At the end each worker sends its run summary and
 * this process adds them up. */
#include "workers.h"
#include "analyzer/verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum rec_type { REC_VERDICT = 1, REC_SUMMARY, REC_ERROR };

struct rec_hdr {
	uint32_t type, len;
};

#define REC_MAX (sizeof(struct verdict) > 1024 ? sizeof(struct verdict) : 1024)

struct worker {
	pid_t pid;
	int fd; /* read end; -1 once at end of file */
	unsigned char buf[sizeof(struct rec_hdr) + REC_MAX + sizeof(struct run_summary)];
	size_t have;
	bool summarised;
};

/* ---- in a worker ---- */

static bool write_all(int fd, const void *p, size_t len)
{
	const unsigned char *b = p;
	while (len) {
		ssize_t n = write(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		b += n;
		len -= (size_t)n;
	}
	return true;
}

static bool rec_write(int fd, enum rec_type t, const void *p, size_t len)
{
	struct rec_hdr h = { (uint32_t)t, (uint32_t)len };
	return write_all(fd, &h, sizeof h) && write_all(fd, p, len);
}

struct pipe_sink {
	int fd;
	volatile sig_atomic_t *stop;
};

static void pipe_verdict(const struct verdict *v, void *arg)
{
	struct pipe_sink *ps = arg;
	if (!rec_write(ps->fd, REC_VERDICT, v, sizeof *v))
		*ps->stop = 1; /* the merging process is gone: stop capturing */
}

static void worker_main(int fd, const struct capture_opts *o, const struct driver_hooks *hooks,
			volatile sig_atomic_t *stop)
{
	struct pipe_sink ps = { fd, stop };
	verdict_clear_sinks();
	verdict_reset_counts();
	verdict_add_sink(&(struct verdict_sink){ .on_verdict = pipe_verdict, .arg = &ps });
	struct run_summary sum;
	memset(&sum, 0, sizeof sum);
	char err[512] = "";
	int rc = driver_run(o, hooks, &sum, stop, err, sizeof err);
	if (rc == CAPTURE_OK)
		rec_write(fd, REC_SUMMARY, &sum, sizeof sum);
	else
		rec_write(fd, REC_ERROR, err, strnlen(err, sizeof err - 1) + 1);
	fflush(NULL);
	_exit(rc == CAPTURE_OK ? 0 : 2);
}

/* ---- in the merging process ---- */

/* Add a worker's summary to the total. New counters in struct run_summary
 * must be added here too. */
static void summary_add(struct run_summary *t, const struct run_summary *s)
{
	t->packets += s->packets;
	t->bytes += s->bytes;
	t->flows += s->flows;
	t->flows_evicted += s->flows_evicted;
	t->flows_expired += s->flows_expired;
	t->flows_peak += s->flows_peak; /* peaks need not coincide: an upper bound */
	t->drops_kernel += s->drops_kernel;
	t->drops_iface += s->drops_iface;
	t->live = t->live || s->live;
	t->verdicts_suppressed += s->verdicts_suppressed;
	if (s->first_ts && (!t->first_ts || s->first_ts < t->first_ts))
		t->first_ts = s->first_ts;
	if (s->last_ts > t->last_ts)
		t->last_ts = s->last_ts;
	t->bad_checksums += s->bad_checksums;
	t->truncated += s->truncated;
	t->non_ip += s->non_ip;
	t->decode_errors += s->decode_errors;
	if (s->out_of_order) {
		/* the first disorder of the earliest worker, the largest of all */
		struct time_disorder *td = &t->disorder;
		const struct time_disorder *sd = &s->disorder;
		if (!t->out_of_order || sd->first_ts < td->first_ts) {
			td->first_frame = sd->first_frame;
			td->first_ts = sd->first_ts;
			td->first_back = sd->first_back;
		}
		if (sd->max_back > td->max_back) {
			td->max_back = sd->max_back;
			td->max_frame = sd->max_frame;
			td->max_ts = sd->max_ts;
		}
	}
	t->out_of_order += s->out_of_order;
	t->duplicates += s->duplicates;
	t->files_truncated += s->files_truncated;
	t->tcp_not_held += s->tcp_not_held;
	t->tcp_flows += s->tcp_flows;
	t->tcp_midstream += s->tcp_midstream;
	t->tcp_one_direction += s->tcp_one_direction;
	t->fragments += s->fragments;
	t->reassembled += s->reassembled;
	t->nids_warnings += s->nids_warnings;
	t->filter_widened += s->filter_widened;
	t->filter_widened_used += s->filter_widened_used;
	if (s->filter_mode > t->filter_mode) {
		t->filter_mode = s->filter_mode; /* every worker opens the same filter */
		memcpy(t->filter_note, s->filter_note, sizeof t->filter_note);
	}
	for (int i = 0; i < LIMIT_COUNT; i++) {
		struct limit_hit *th = &t->limits[i];
		const struct limit_hit *sh = &s->limits[i];
		if (sh->times && (!th->times || sh->first_ts < th->first_ts)) {
			th->first_ts = sh->first_ts;
			th->first_frame = sh->first_frame;
		}
		th->times += sh->times;
		if (sh->limit > th->limit)
			th->limit = sh->limit;
	}
}

/* Take the complete records in w's buffer. */
static void take_records(struct worker *w, unsigned idx, unsigned n, struct run_summary *sum, char *err,
			 size_t errlen, bool *failed)
{
	size_t off = 0;
	for (;;) {
		struct rec_hdr h;
		if (w->have - off < sizeof h)
			break;
		memcpy(&h, w->buf + off, sizeof h);
		if (h.len > REC_MAX + sizeof(struct run_summary)) {
			*failed = true; /* cannot happen between forks of one binary */
			snprintf(err, errlen, "worker %u: corrupt record", idx + 1);
			w->have = 0;
			return;
		}
		if (w->have - off < sizeof h + h.len)
			break;
		const unsigned char *p = w->buf + off + sizeof h;
		if (h.type == REC_VERDICT && h.len == sizeof(struct verdict)) {
			struct verdict v;
			memcpy(&v, p, sizeof v);
			if ((unsigned)v.vid < V__COUNT && (unsigned)v.sev <= SEV_FAIL) {
				/* each worker numbers its own flows: keep the ids apart */
				if (v.flow_id)
					v.flow_id = (v.flow_id - 1) * n + idx + 1;
				verdict_emit(&v);
			}
		} else if (h.type == REC_SUMMARY && h.len == sizeof(struct run_summary)) {
			struct run_summary s;
			memcpy(&s, p, sizeof s);
			summary_add(sum, &s);
			w->summarised = true;
		} else if (h.type == REC_ERROR && h.len > 0) {
			if (!*failed)
				snprintf(err, errlen, "%.*s", (int)(h.len - 1), (const char *)p);
			*failed = true;
		}
		off += sizeof h + h.len;
	}
	memmove(w->buf, w->buf + off, w->have - off);
	w->have -= off;
}

static void tell_stop(struct worker *ws, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ws[i].pid > 0 && ws[i].fd >= 0)
			kill(ws[i].pid, SIGTERM);
}

int workers_run(int n, const struct capture_opts *o, const struct driver_hooks *hooks,
		int (*after_fork)(void *arg, char *err, size_t errlen), void *after_arg, struct run_summary *sum,
		volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	unsigned nw = n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
	/* each worker's record buffer is large: on the heap, for this run only */
	struct worker *ws = calloc(nw, sizeof *ws);
	if (!ws) {
		snprintf(err, errlen, "out of memory for %u workers", nw);
		return CAPTURE_INPUT_ERROR;
	}
	struct capture_opts wo = *o;
	wo.fanout_group = (uint16_t)((getpid() & 0x7fff) | 0x8000);
	memset(sum, 0, sizeof *sum);
	sum->live = true;
	bool failed = false;
	unsigned started = 0;
	fflush(NULL);
	for (unsigned i = 0; i < nw; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			failed = true;
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			snprintf(err, errlen, "fork: %s", strerror(errno));
			close(p[0]), close(p[1]);
			failed = true;
			break;
		}
		if (pid == 0) {
			close(p[0]);
			for (unsigned k = 0; k < i; k++)
				close(ws[k].fd); /* the others' pipes are not this worker's */
			worker_main(p[1], &wo, hooks, stop);
		}
		close(p[1]);
		ws[i] = (struct worker){ .pid = pid, .fd = p[0] };
		started++;
	}
	if (!failed && after_fork && after_fork(after_arg, err, errlen) < 0)
		failed = true;
	if (failed)
		tell_stop(ws, started);
	struct pollfd pfd[WORKERS_MAX];
	unsigned open_fds = started;
	bool told = failed;
	while (open_fds) {
		if (!told && (*stop || failed)) {
			tell_stop(ws, started);
			told = true;
		}
		for (unsigned i = 0; i < started; i++)
			pfd[i] = (struct pollfd){ .fd = ws[i].fd, .events = POLLIN };
		int pr = poll(pfd, started, 200);
		if (pr < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; pr > 0 && i < started; i++) {
			struct worker *w = &ws[i];
			if (w->fd < 0 || !pfd[i].revents)
				continue;
			ssize_t r = read(w->fd, w->buf + w->have, sizeof w->buf - w->have);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close(w->fd);
				w->fd = -1;
				open_fds--;
				continue;
			}
			w->have += (size_t)r;
			take_records(w, i, nw, sum, err, errlen, &failed);
		}
	}
	for (unsigned i = 0; i < started; i++) {
		int status = 0;
		while (waitpid(ws[i].pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!failed && !ws[i].summarised) {
			failed = true;
			if (WIFSIGNALED(status))
				snprintf(err, errlen, "worker %u died of signal %d", i + 1, WTERMSIG(status));
			else
				snprintf(err, errlen, "worker %u ended without a summary", i + 1);
		}
		if (ws[i].fd >= 0)
			close(ws[i].fd);
		ws[i] = (struct worker){ .pid = 0, .fd = -1 };
	}
	free(ws);
	return failed ? CAPTURE_INPUT_ERROR : CAPTURE_OK;
}
