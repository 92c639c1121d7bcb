/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check.c - `--check DIR`: run every capture under DIR, judge its verdicts
 * against the .expect beside it (grammar in ui/expect.c), report per capture
 * as text, JSON Lines or JUnit XML.
 *
 * Owns the walk of the corpus (sorted, no symbolic links followed, regular
 * files only), the scheduler (up to -j captures at once, each with a time
 * limit, results printed in sorted order whatever finishes first), and
 * --write-expect / --update-expect.
 *
 * Captures run in a pool of -j worker processes forked once at the start:
 * each worker runs one capture after another in-process, calling the
 * command line's main function again (the engine and the analyzers start
 * every run from a clean state; libnids is re-initialised per run).  A
 * worker stays a separate process only so that a capture that crashes the
 * engine or overruns --check-timeout costs one worker (killed and replaced),
 * not the whole check.  For each capture the scheduler makes a stdout and a
 * stderr pipe and hands their write ends to the worker over its control
 * socket (SCM_RIGHTS) with the argument vector; the worker answers with the
 * exit code once it has closed them, so end of file on both pipes still marks
 * the end of one capture's output.  SHAKEDOWN_CHECK_EXEC=1 (or no main
 * function to call) falls back to fork and exec of this binary per capture. */
#include "check-workers.h"
#include "check-write.h"
#include "expect.h"
#include "output.h"
#include "capture/sanitize.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 64		 /* directories deeper than this are listed as skipped */
#define MAX_STDERR (64 * 1024) /* stderr kept per capture */

enum outcome { OUT_PASS, OUT_FAIL, OUT_ERROR };

/* What one run of the engine on one capture printed.  A capture file with
 * several names (hard links) and the same `# args:` runs once: its run is
 * kept in a small table and the other names are judged against it. */
struct run {
	struct expect_verdict *got;
	size_t ngot, capgot;
	char *errtext;
	size_t errlen;
	bool errcut; /* stderr went over MAX_STDERR: the rest was dropped, and said */
	int status;
	bool timed_out, done;
	double secs;
	char *key;	  /* device, inode, size, mtime and args; NULL when not shared */
	struct run *next; /* in the table */
};

struct job {
	char *path;
	/* while running */
	pid_t pid;
	struct check_worker *worker; /* NULL with the exec runner */
	int fd_out, fd_err;
	int raw_fd; /* SHAKEDOWN_CHECK_RAW: a copy of the child's stdout */
	char *part; /* an incomplete stdout line */
	size_t partlen;
	struct run *run; /* its own, or the shared run of another name */
	bool owns_run, waiting;
	double start, deadline;
	struct expect_file exp;
	bool have_exp;
	/* result */
	bool done;
	enum outcome outcome;
	double secs;
	char *message;		  /* one line: why it failed */
	struct expect_lines diff; /* the lines under FAIL */
	size_t nverdicts;
};

struct walk {
	struct expect_lines caps, expects, skipped;
};

static const struct check_opts *O;

static struct check_worker *workers;
static size_t nworkers;

#define RUN_BUCKETS 4096
static struct run *run_table[RUN_BUCKETS];

static unsigned run_hash(const char *key)
{
	unsigned h = 2166136261u;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % RUN_BUCKETS;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->ngot; i++)
		expect_verdict_free(&r->got[i]);
	free(r->got);
	free(r->errtext);
	free(r->key);
	free(r);
}

/* Every file name printed by --check goes through here (text output). */
static void check_print_name(FILE *out, const char *name)
{
	sanitize_fputs(out, name); /* the sinks' one escaping rule (sanitize.h) */
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static const char *const capture_suffixes[] = { ".pcap.gz", ".pcapng.gz", ".cap.gz", ".pcap", ".pcapng", ".cap" };

static size_t capture_suffix(const char *name)
{
	for (size_t i = 0; i < sizeof capture_suffixes / sizeof capture_suffixes[0]; i++)
		if (ends_with(name, capture_suffixes[i]) && strlen(name) > strlen(capture_suffixes[i]))
			return strlen(capture_suffixes[i]);
	return 0;
}

/* NAME.expect beside the capture, from the file name only: a known capture
 * suffix is dropped, else the last dot of the file name and what follows. */
static char *expect_path(const char *capture)
{
	const char *base = strrchr(capture, '/');
	base = base ? base + 1 : capture;
	size_t keep = strlen(capture);
	size_t suf = capture_suffix(base);
	if (suf) {
		keep -= suf;
	} else {
		const char *dot = strrchr(base, '.');
		if (dot && dot > base)
			keep = (size_t)(dot - capture);
	}
	char *out = malloc(keep + sizeof ".expect");
	if (!out)
		abort();
	memcpy(out, capture, keep);
	memcpy(out + keep, ".expect", sizeof ".expect");
	return out;
}

/* ---- the walk ---- */

static void walk_dir(int dfd, const char *path, int depth, struct walk *w)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		expect_lines_addf(&w->skipped, "%s: %s", path, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		if (name[0] == '.')
			continue; /* ".", "..", and hidden files (.git) */
		size_t plen = strlen(path) + strlen(name) + 2;
		char *full = malloc(plen);
		if (!full)
			abort();
		snprintf(full, plen, "%s%s%s", path, ends_with(path, "/") ? "" : "/", name);
		struct stat st;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			expect_lines_addf(&w->skipped, "%s: %s", full, strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			expect_lines_addf(&w->skipped, "%s: a symbolic link, not followed", full);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = depth + 1 < MAX_DEPTH
					  ? openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
					  : -1;
			if (depth + 1 >= MAX_DEPTH)
				expect_lines_addf(&w->skipped, "%s: deeper than %d directories", full, MAX_DEPTH);
			else if (sub < 0)
				expect_lines_addf(&w->skipped, "%s: %s", full, strerror(errno));
			else
				walk_dir(sub, full, depth + 1, w);
		} else if (capture_suffix(name)) {
			if (!S_ISREG(st.st_mode))
				expect_lines_addf(&w->skipped, "%s: not a regular file", full);
			else if (faccessat(dirfd(d), name, R_OK, AT_EACCESS) < 0)
				expect_lines_addf(&w->skipped, "%s: unreadable (%s)", full, strerror(errno));
			else
				expect_lines_add(&w->caps, full);
		} else if (ends_with(name, ".expect")) {
			expect_lines_add(&w->expects, full);
		}
		free(full);
	}
	closedir(d);
}

/* ---- running one capture ---- */

/* The argument vector of one capture's run; owned[i] says that argv[i]
 * was allocated here (job_argv_free frees those). */
static int job_argv(const struct job *j, char **argv, bool *owned)
{
	int argc = 0;
	for (int i = 0; i < 4; i++)
		owned[i] = false;
	argv[argc++] = (char *)O->self;
	argv[argc++] = (char *)"--json";
	argv[argc++] = (char *)"-r";
	argv[argc++] = j->path;
	/* a --points capture's other files lie beside it: -r [NAME=]FILE
	 * becomes -r [NAME=]DIR/FILE */
	const char *slash = strrchr(j->path, '/');
	int dirlen = slash ? (int)(slash - j->path) : 1;
	const char *dir = slash ? j->path : ".";
	for (size_t i = 0; j->have_exp && i < j->exp.nargs; i++) {
		const char *a = j->exp.args[i];
		owned[argc] = false;
		if (i > 0 && !strcmp(j->exp.args[i - 1], "-r")) {
			const char *eq = strchr(a, '=');
			size_t len = strlen(a) + (size_t)dirlen + 2;
			char *full = malloc(len);
			if (full) {
				snprintf(full, len, "%.*s%.*s/%s", eq ? (int)(eq - a + 1) : 0, a, dirlen, dir,
					 eq ? eq + 1 : a);
				a = full;
				owned[argc] = true;
			}
		}
		argv[argc++] = (char *)a;
	}
	argv[argc] = NULL;
	return argc;
}

static void job_argv_free(char **argv, const bool *owned, int argc)
{
	for (int i = 0; i < argc; i++)
		if (owned[i])
			free(argv[i]);
}

/* The exec runner, in a child per capture whose stdout and stderr are the
 * pipes; never returns. */
static void run_child(const struct job *j)
{
	char *argv[EXPECT_MAX_ARGS + 8];
	bool owned[EXPECT_MAX_ARGS + 8];
	job_argv(j, argv, owned);
	execv(O->self, argv);
	fprintf(stderr, "cannot run %s: %s\n", O->self, strerror(errno));
	_exit(127);
}

static struct check_worker *worker_idle(void)
{
	for (size_t i = 0; i < nworkers; i++)
		if (!workers[i].busy)
			return &workers[i];
	return NULL;
}

static void job_fail(struct job *j, enum outcome o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void job_fail(struct job *j, enum outcome o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	j->outcome = o;
	free(j->message);
	j->message = strdup(buf);
	if (!j->message)
		abort();
}

/* Open a file for reading without following a link; regular files only.
 * -1 with errno ELOOP for a link, EINVAL for anything not regular. */
static int open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}

static const char *open_why(int err)
{
	return err == ELOOP ? "a symbolic link: refused" : err == EINVAL ? "not a regular file: refused" : strerror(err);
}

/* For tests: SHAKEDOWN_CHECK_RAW=DIR keeps each capture's --json output as
 * DIR/<path with '/' as '_'>.jsonl, to compare with a run of its own. */
static int raw_open(const char *capture)
{
	const char *dir = getenv("SHAKEDOWN_CHECK_RAW");
	if (!dir)
		return -1;
	size_t len = strlen(dir) + strlen(capture) + 8;
	char *name = malloc(len);
	if (!name)
		abort();
	int n = snprintf(name, len, "%s/", dir);
	for (const char *p = capture; *p; p++)
		name[n++] = *p == '/' ? '_' : *p;
	snprintf(name + n, len - (size_t)n, ".jsonl");
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	free(name);
	return fd;
}

/* Read the .expect and start the child; false when the job is already done. */
static bool job_start(struct job *j)
{
	j->start = now();
	int cfd = open_regular(j->path);
	struct stat st;
	if (cfd < 0 || fstat(cfd, &st) < 0) {
		job_fail(j, OUT_ERROR, "%s", open_why(errno));
		if (cfd >= 0)
			close(cfd);
		return false;
	}
	close(cfd);
	char *ep = expect_path(j->path);
	int efd = open_regular(ep);
	if (efd >= 0) {
		char err[600];
		if (!expect_file_load(efd, &j->exp, err, sizeof err)) {
			job_fail(j, OUT_ERROR, "%s%s", ep, err);
			free(ep);
			return false;
		}
		j->have_exp = true;
	} else if (errno != ENOENT) {
		job_fail(j, OUT_ERROR, "%s: %s", ep, open_why(errno));
		free(ep);
		return false;
	}
	free(ep);
	j->run = calloc(1, sizeof *j->run);
	if (!j->run)
		abort();
	j->owns_run = true;
	if (st.st_nlink > 1) {
		/* the same file under another name may have run already */
		char key[8192];
		size_t kl = (size_t)snprintf(key, sizeof key, "%ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.st_dev,
					     (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
					     st.st_mtim.tv_nsec);
		for (size_t i = 0; j->have_exp && i < j->exp.nargs && kl < sizeof key; i++)
			kl += (size_t)snprintf(key + kl, sizeof key - kl, "\x1f%s", j->exp.args[i]);
		unsigned h = run_hash(key);
		for (struct run *r = run_table[h]; r; r = r->next)
			if (!strcmp(r->key, key)) {
				free(j->run);
				j->run = r;
				j->owns_run = false;
				j->waiting = true;
				return false;
			}
		j->run->key = strdup(key);
		if (!j->run->key)
			abort();
		j->run->next = run_table[h];
		run_table[h] = j->run;
		j->owns_run = false; /* the table keeps it to the end */
	}
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		job_fail(j, OUT_ERROR, "pipe: %s", strerror(errno));
		return false;
	}
	struct check_worker *w = workers ? worker_idle() : NULL;
	if (w) {
		char *argv[EXPECT_MAX_ARGS + 8];
		bool owned[EXPECT_MAX_ARGS + 8];
		int argc = job_argv(j, argv, owned);
		bool sent = check_worker_send(w, O->run_main, argv, argc, po[1], pe[1]);
		job_argv_free(argv, owned, argc);
		if (!sent) {
			job_fail(j, OUT_ERROR, "cannot start a worker: %s", strerror(errno));
			close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
			return false;
		}
		j->worker = w;
		j->pid = w->pid;
	} else {
		fflush(NULL);
		j->pid = fork();
		if (j->pid < 0) {
			job_fail(j, OUT_ERROR, "fork: %s", strerror(errno));
			close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
			return false;
		}
		if (j->pid == 0) {
			dup2(po[1], 1);
			dup2(pe[1], 2);
			signal(SIGPIPE, SIG_DFL);
			run_child(j);
		}
	}
	close(po[1]);
	close(pe[1]);
	j->fd_out = po[0];
	j->fd_err = pe[0];
	j->raw_fd = raw_open(j->path);
	j->deadline = j->start + O->timeout;
	return true;
}

static void job_line(struct job *j, const char *line)
{
	struct run *r = j->run;
	if (r->ngot == r->capgot) {
		r->capgot = r->capgot ? r->capgot * 2 : 16;
		r->got = realloc(r->got, r->capgot * sizeof *r->got);
		if (!r->got)
			abort();
	}
	if (expect_verdict_parse(line, &r->got[r->ngot]))
		r->ngot++;
}

/* Take what the child wrote on one pipe; false at end of file. */
static bool job_read(struct job *j, bool is_err)
{
	char buf[65536];
	ssize_t n = read(is_err ? j->fd_err : j->fd_out, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (is_err) {
		struct run *r = j->run;
		static const char cut[] = "\n[stderr cut: only its first 64 KiB are kept]\n";
		if (r->errcut)
			return true;
		size_t take = r->errlen + (size_t)n > MAX_STDERR ? MAX_STDERR - r->errlen : (size_t)n;
		bool over = take < (size_t)n;
		r->errtext = realloc(r->errtext, r->errlen + take + (over ? sizeof cut : 0) + 1);
		if (!r->errtext)
			abort();
		memcpy(r->errtext + r->errlen, buf, take);
		r->errlen += take;
		if (over) {
			memcpy(r->errtext + r->errlen, cut, sizeof cut - 1);
			r->errlen += sizeof cut - 1;
			r->errcut = true;
		}
		r->errtext[r->errlen] = 0;
		return true;
	}
	if (j->raw_fd >= 0 && write(j->raw_fd, buf, (size_t)n) != n) {
		close(j->raw_fd);
		j->raw_fd = -1;
	}
	j->part = realloc(j->part, j->partlen + (size_t)n + 1);
	if (!j->part)
		abort();
	memcpy(j->part + j->partlen, buf, (size_t)n);
	j->partlen += (size_t)n;
	j->part[j->partlen] = 0;
	char *start = j->part, *nl;
	while ((nl = memchr(start, '\n', j->partlen - (size_t)(start - j->part)))) {
		*nl = 0;
		job_line(j, start);
		start = nl + 1;
	}
	j->partlen -= (size_t)(start - j->part);
	memmove(j->part, start, j->partlen);
	return true;
}

static void write_expect_file(struct job *j, const char *ep);
static void update_expect_file(struct job *j, const char *ep);

/* The child is gone: keep what it printed. */
static void run_finish(struct job *j, int status)
{
	if (j->partlen) {
		j->part[j->partlen] = 0;
		job_line(j, j->part);
	}
	free(j->part);
	j->part = NULL;
	if (j->raw_fd >= 0)
		close(j->raw_fd);
	j->raw_fd = -1;
	j->run->status = status;
	j->run->secs = now() - j->start;
	j->run->done = true;
}

/* Judge a capture against its run. */
static void job_judge(struct job *j)
{
	const struct run *r = j->run;
	j->secs = r->secs;
	j->nverdicts = r->ngot;
	int status = r->status;
	char *ep = expect_path(j->path);
	if (r->timed_out) {
		job_fail(j, OUT_ERROR, "timed out after %g s (--check-timeout)", O->timeout);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		/* keep the child's own complaint: it says what was wrong */
		char first[512] = "";
		if (r->errtext)
			snprintf(first, sizeof first, "%.*s", (int)strcspn(r->errtext, "\n"), r->errtext);
		if (WIFEXITED(status))
			job_fail(j, OUT_ERROR, "shakedown exited with status %d%s%s", WEXITSTATUS(status),
				 first[0] ? ": " : "", first);
		else
			job_fail(j, OUT_ERROR, "shakedown died of signal %d", WTERMSIG(status));
	} else if (!j->have_exp) {
		if (O->write_missing)
			write_expect_file(j, ep);
		else
			job_fail(j, OUT_FAIL, "no .expect file (%s); --write-expect writes a draft", ep);
	} else if (j->exp.draft) {
		job_fail(j, OUT_FAIL, "%s is still a DRAFT: check it against the capture and remove the DRAFT lines", ep);
	} else if (!expect_file_judge(&j->exp, r->got, r->ngot, &j->diff)) {
		j->outcome = OUT_FAIL;
		if (O->update)
			update_expect_file(j, ep);
	} else {
		j->outcome = OUT_PASS;
	}
	free(ep);
	if (j->have_exp)
		expect_file_free(&j->exp);
	j->have_exp = false;
	j->waiting = false;
	j->done = true;
}

/* ---- writing .expect files ---- */

static void write_expect_file(struct job *j, const char *ep)
{
	struct expect_lines lines = { 0 };
	expect_lines_add(&lines, "# DRAFT written by shakedown --write-expect from its own output.");
	expect_lines_add(&lines, "# Check every line against the capture (tshark/tcpdump), fix what is wrong,");
	expect_lines_add(&lines, "# then delete these DRAFT lines: --check fails while they remain.");
	check_draft_lines(j->run->got, j->run->ngot, &lines);
	char err[256];
	if (check_write_lines(ep, &lines, false, err, sizeof err))
		job_fail(j, OUT_FAIL, "no .expect; wrote a DRAFT to %s: check it against the capture", ep);
	else
		job_fail(j, OUT_FAIL, "no .expect; cannot write a draft to %s: %s", ep, err);
	expect_lines_free(&lines);
}

/* --update-expect: show how the file would change; write it with --yes. */
static void update_expect_file(struct job *j, const char *ep)
{
	if (!j->exp.exact) {
		job_fail(j, OUT_FAIL, "%s holds require/forbid lines: --update-expect rewrites exact files only", ep);
		return;
	}
	struct expect_lines old = { 0 }, neu = { 0 };
	if (!check_read_lines(open_regular(ep), &old)) {
		expect_lines_free(&old);
		job_fail(j, OUT_FAIL, "%s: cannot read it again", ep);
		return;
	}
	/* keep the comments and `# args:` above the first verdict line */
	for (size_t i = 0; i < j->exp.head.n; i++)
		expect_lines_add(&neu, j->exp.head.v[i]);
	check_draft_lines(j->run->got, j->run->ngot, &neu);
	check_unified_diff(ep, &old, &neu, &j->diff);
	char err[256];
	if (!O->yes)
		job_fail(j, OUT_FAIL, "differs; --update-expect --yes writes %s as shown below", ep);
	else if (check_write_lines(ep, &neu, true, err, sizeof err))
		job_fail(j, OUT_FAIL, "updated %s as shown below: check the change against the capture", ep);
	else
		job_fail(j, OUT_FAIL, "cannot update %s: %s", ep, err);
	expect_lines_free(&old);
	expect_lines_free(&neu);
}

/* ---- reporting ---- */

static const char *job_stderr(const struct job *j)
{
	return j->run && j->run->errtext ? j->run->errtext : "";
}

static void print_text(const struct job *j)
{
	fputs(j->outcome == OUT_PASS ? "PASS " : "FAIL ", stdout);
	check_print_name(stdout, j->path);
	if (j->outcome == OUT_PASS)
		printf(" (%zu verdicts)\n", j->nverdicts);
	else if (j->message) {
		fputs(": ", stdout);
		check_print_name(stdout, j->message);
		putchar('\n');
	} else
		putchar('\n');
	for (size_t i = 0; i < j->diff.n; i++) {
		check_print_name(stdout, j->diff.v[i]);
		putchar('\n');
	}
	/* what the capture run said on stderr, under its own name */
	for (const char *p = job_stderr(j); *p;) {
		size_t n = strcspn(p, "\n");
		char *l = strndup(p, n);
		fputs("  stderr: ", stdout);
		check_print_name(stdout, l);
		putchar('\n');
		free(l);
		p += n + (p[n] == '\n');
	}
}

static const char *outcome_name(enum outcome o)
{
	return o == OUT_PASS ? "pass" : o == OUT_FAIL ? "fail" : "error";
}

static void print_json(const struct job *j)
{
	fputs("{\"schema\":1,\"type\":\"check\",\"capture\":", stdout);
	json_write_string(stdout, j->path);
	printf(",\"result\":\"%s\",\"verdicts\":%zu,\"time_s\":%.3f,\"message\":", outcome_name(j->outcome),
	       j->nverdicts, j->secs);
	if (j->message)
		json_write_string(stdout, j->message);
	else
		fputs("null", stdout);
	fputs(",\"diff\":[", stdout);
	for (size_t i = 0; i < j->diff.n; i++) {
		if (i)
			putchar(',');
		json_write_string(stdout, j->diff.v[i] + 2);
	}
	fputs("],\"stderr\":", stdout);
	json_write_string(stdout, job_stderr(j));
	fputs("}\n", stdout);
}

/* Text in XML: markup escaped, bytes XML 1.0 cannot hold shown as '?'. */
static void xml_text(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			putc((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f || *p >= 0x80 ? '?' : *p, out);
		}
	}
}

struct junit_case {
	char *name, *text;
	enum outcome outcome;
	double secs;
};

static void junit_keep(struct junit_case *c, const struct job *j)
{
	c->name = strdup(j->path);
	c->outcome = j->outcome;
	c->secs = j->secs;
	size_t len = 1 + (j->message ? strlen(j->message) + 1 : 0) + strlen(job_stderr(j));
	for (size_t i = 0; i < j->diff.n; i++)
		len += strlen(j->diff.v[i]) + 1;
	c->text = malloc(len);
	if (!c->name || !c->text)
		abort();
	size_t n = 0;
	if (j->message)
		n += (size_t)sprintf(c->text + n, "%s\n", j->message);
	for (size_t i = 0; i < j->diff.n; i++)
		n += (size_t)sprintf(c->text + n, "%s\n", j->diff.v[i]);
	n += (size_t)sprintf(c->text + n, "%s", job_stderr(j));
	c->text[n] = 0;
}

static bool junit_write(const char *file, struct junit_case *c, size_t n, double total)
{
	FILE *f = fopen(file, "w");
	if (!f)
		return false;
	size_t failures = 0, errors = 0;
	for (size_t i = 0; i < n; i++)
		failures += c[i].outcome == OUT_FAIL, errors += c[i].outcome == OUT_ERROR;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"shakedown --check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		n, failures, errors, total);
	fprintf(f, "  <testsuite name=\"");
	xml_text(f, O->dir);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n", n, failures,
		errors, total);
	for (size_t i = 0; i < n; i++) {
		fputs("    <testcase name=\"", f);
		xml_text(f, c[i].name);
		fputs("\" classname=\"shakedown.check\" time=\"", f);
		fprintf(f, "%.3f\"", c[i].secs);
		if (c[i].outcome == OUT_PASS) {
			fputs("/>\n", f);
			continue;
		}
		const char *tag = c[i].outcome == OUT_FAIL ? "failure" : "error";
		fprintf(f, ">\n      <%s message=\"", tag);
		char *first = strndup(c[i].text, strcspn(c[i].text, "\n"));
		xml_text(f, first ? first : "");
		free(first);
		fprintf(f, "\" type=\"%s\">", outcome_name(c[i].outcome));
		xml_text(f, c[i].text);
		fprintf(f, "</%s>\n    </testcase>\n", tag);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return fclose(f) == 0;
}

/* ---- the run ---- */

static void print_list(const char *what, const struct expect_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (O->json) {
			printf("{\"schema\":1,\"type\":\"check_%s\",\"path\":", what);
			json_write_string(stdout, l->v[i]);
			fputs("}\n", stdout);
		} else {
			printf("%s: ", what);
			check_print_name(stdout, l->v[i]);
			putchar('\n');
		}
	}
}

/* .expect files that no capture uses */
static void find_orphans(struct walk *w, struct expect_lines *orphans)
{
	struct expect_lines used = { 0 };
	for (size_t i = 0; i < w->caps.n; i++) {
		char *ep = expect_path(w->caps.v[i]);
		expect_lines_add(&used, ep);
		free(ep);
	}
	expect_lines_sort(&used, 0);
	expect_lines_sort(&w->expects, 0);
	for (size_t i = 0; i < w->expects.n; i++)
		if (!expect_lines_has_sorted(&used, w->expects.v[i]))
			expect_lines_addf(orphans, "%s: no capture beside it", w->expects.v[i]);
	expect_lines_free(&used);
}

static void job_kill(struct job *j)
{
	kill(j->pid, SIGKILL);
	j->run->timed_out = true;
}

int check_run(const struct check_opts *opts)
{
	O = opts;
	struct walk w = { 0 };
	struct stat st;
	if (stat(O->dir, &st) < 0) {
		fprintf(stderr, "shakedown: ");
		check_print_name(stderr, O->dir);
		fprintf(stderr, ": %s\n", strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = open(O->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "shakedown: ");
			check_print_name(stderr, O->dir);
			fprintf(stderr, ": %s\n", strerror(errno));
			return 2;
		}
		walk_dir(fd, O->dir, 0, &w);
	} else if (S_ISREG(st.st_mode)) {
		expect_lines_add(&w.caps, O->dir);
	} else {
		fprintf(stderr, "shakedown: --check ");
		check_print_name(stderr, O->dir);
		fprintf(stderr, ": not a directory or a regular file\n");
		return 2;
	}
	expect_lines_sort(&w.caps, 0);
	expect_lines_sort(&w.skipped, 0);
	struct expect_lines orphans = { 0 };
	find_orphans(&w, &orphans);

	size_t n = w.caps.n;
	struct job *jobs = calloc(n + 1, sizeof *jobs);
	struct junit_case *cases = O->junit ? calloc(n + 1, sizeof *cases) : NULL;
	int slots = O->jobs > 0 ? O->jobs : 1;
	struct pollfd *pfd = calloc((size_t)slots * 2, sizeof *pfd);
	size_t *running = calloc((size_t)slots, sizeof *running);
	size_t *waiting = calloc(n + 1, sizeof *waiting), nwait = 0;
	if (!jobs || !pfd || !running || !waiting || (O->junit && !cases))
		abort();
	if (O->run_main && !getenv("SHAKEDOWN_CHECK_EXEC")) {
		nworkers = (size_t)slots < n ? (size_t)slots : n;
		workers = calloc(nworkers + 1, sizeof *workers);
		if (!workers)
			abort();
	}
	size_t next = 0, printed = 0, nrun = 0;
	unsigned passed = 0, failed = 0, errors = 0;
	double t0 = now();
	signal(SIGPIPE, SIG_IGN);
	while (printed < n) {
		/* start what the slots allow */
		while (nrun < (size_t)slots && next < n) {
			struct job *j = &jobs[next];
			j->path = w.caps.v[next];
			j->fd_out = j->fd_err = j->raw_fd = -1;
			if (job_start(j))
				running[nrun++] = next;
			else if (j->waiting && j->run->done)
				job_judge(j);
			else if (j->waiting)
				waiting[nwait++] = next;
			else
				j->done = true, j->secs = now() - j->start;
			next++;
		}
		/* print, in order, what is finished */
		while (printed < n && jobs[printed].done) {
			struct job *j = &jobs[printed];
			if (O->json)
				print_json(j);
			else
				print_text(j);
			fflush(stdout);
			passed += j->outcome == OUT_PASS;
			failed += j->outcome == OUT_FAIL;
			errors += j->outcome == OUT_ERROR;
			if (cases)
				junit_keep(&cases[printed], j);
			free(j->message);
			if (j->owns_run)
				run_free(j->run);
			j->run = NULL;
			expect_lines_free(&j->diff);
			j->message = NULL;
			printed++;
		}
		if (!nrun)
			continue;
		/* wait for output, an exit, or the nearest deadline */
		double soonest = 1e300, t = now();
		for (size_t k = 0; k < nrun; k++) {
			struct job *j = &jobs[running[k]];
			pfd[2 * k] = (struct pollfd){ .fd = j->fd_out, .events = POLLIN };
			pfd[2 * k + 1] = (struct pollfd){ .fd = j->fd_err, .events = POLLIN };
			if (!j->run->timed_out && j->deadline < soonest)
				soonest = j->deadline;
		}
		double wait_ms = soonest > 1e299 ? 1000 : (soonest - t) * 1000 + 1;
		int rc = poll(pfd, (nfds_t)nrun * 2, wait_ms < 0 ? 0 : wait_ms > 60000 ? 60000 : (int)wait_ms);
		if (rc < 0 && errno != EINTR) {
			perror("shakedown: poll");
			return 2;
		}
		t = now();
		for (size_t k = 0; k < nrun;) {
			struct job *j = &jobs[running[k]];
			for (int e = 0; e < 2; e++) {
				struct pollfd *p = &pfd[2 * k + (size_t)e];
				int *fd = e ? &j->fd_err : &j->fd_out;
				if (*fd >= 0 && p->revents && !job_read(j, e == 1)) {
					close(*fd);
					*fd = -1;
				}
			}
			if (!j->run->timed_out && t >= j->deadline)
				job_kill(j);
			if (j->fd_out < 0 && j->fd_err < 0) {
				int status = 0;
				if (j->worker)
					status = check_worker_result(j->worker, j->run->timed_out);
				else
					while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
						;
				run_finish(j, status);
				job_judge(j);
				/* other names of the same file waited for this run */
				size_t keep = 0;
				for (size_t q = 0; q < nwait; q++)
					if (jobs[waiting[q]].run->done)
						job_judge(&jobs[waiting[q]]);
					else
						waiting[keep++] = waiting[q];
				nwait = keep;
				running[k] = running[--nrun];
				memmove(&pfd[2 * k], &pfd[2 * nrun], 2 * sizeof *pfd);
				continue;
			}
			k++;
		}
	}
	double total = now() - t0;
	print_list("orphan", &orphans);
	print_list("skipped", &w.skipped);
	int ret;
	if (!n) {
		if (O->json)
			printf("{\"schema\":1,\"type\":\"check_summary\",\"captures\":0,\"passed\":0,\"failed\":0,"
			       "\"errors\":0,\"skipped\":%zu,\"orphans\":%zu,\"error\":\"no captures found\"}\n",
			       w.skipped.n, orphans.n);
		else
			printf("check: no captures found\n");
		ret = 2;
	} else {
		if (O->json)
			printf("{\"schema\":1,\"type\":\"check_summary\",\"captures\":%zu,\"passed\":%u,\"failed\":%u,"
			       "\"errors\":%u,\"skipped\":%zu,\"orphans\":%zu,\"time_s\":%.3f}\n",
			       n, passed, failed, errors, w.skipped.n, orphans.n, total);
		else
			printf("check: %u passed, %u failed\n", passed, failed + errors);
		ret = failed + errors ? 1 : 0;
	}
	if (cases) {
		if (!junit_write(O->junit, cases, n, total)) {
			fprintf(stderr, "shakedown: --junit ");
			check_print_name(stderr, O->junit);
			fprintf(stderr, ": %s\n", strerror(errno));
			ret = 2;
		}
		for (size_t i = 0; i < n; i++)
			free(cases[i].name), free(cases[i].text);
		free(cases);
	}
	fflush(stdout);
	for (size_t i = 0; i < nworkers; i++)
		check_worker_reap(&workers[i], false); /* end of file on its socket: it exits */
	free(workers);
	workers = NULL;
	nworkers = 0;
	free(jobs);
	free(pfd);
	free(running);
	free(waiting);
	for (size_t h = 0; h < RUN_BUCKETS; h++)
		while (run_table[h]) {
			struct run *r = run_table[h];
			run_table[h] = r->next;
			run_free(r);
		}
	expect_lines_free(&orphans);
	expect_lines_free(&w.caps);
	expect_lines_free(&w.expects);
	expect_lines_free(&w.skipped);
	return ret;
}
