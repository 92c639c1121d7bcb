/* check.c - `--check DIR`: run every capture under DIR, compare its
 * verdicts with the .expect file beside it, print the differences.
 *
 * Each capture runs in a child process of this same binary (libnids keeps
 * process-global state), with --json and the `# args:` of its .expect. */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CAPTURES 4096
#define MAX_LINES 4096
#define MAX_ARGS 32

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort();
	}
	l->v[l->n++] = strdup(s);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_capture(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcmp(dot, ".pcap") || !strcmp(dot, ".pcapng") || !strcmp(dot, ".cap"));
}

static void find_captures(const char *dir, struct lines *out, int depth)
{
	DIR *d = opendir(dir);
	if (!d || depth > 8) {
		if (d)
			closedir(d);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			find_captures(path, out, depth + 1);
		else if (is_capture(e->d_name) && out->n < MAX_CAPTURES)
			lines_add(out, path);
	}
	closedir(d);
}

/* Pull "key":"value" or "key":number out of our own JSON line. */
static bool json_field(const char *line, const char *key, char *out, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	size_t n = 0;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n + 1 < len)
			out[n++] = *p++;
	} else {
		while (*p && *p != ',' && *p != '}' && n + 1 < len)
			out[n++] = *p++;
	}
	out[n] = 0;
	return true;
}

/* Turn one JSON verdict line into the .expect form. */
static bool verdict_to_line(const char *json, char *out, size_t len)
{
	if (!strstr(json, "\"type\":\"verdict\""))
		return false;
	char id[64], sev[16], proto[16] = "", cip[64] = "", sip[64] = "", cport[16] = "0", sport[16] = "0";
	if (!json_field(json, "id", id, sizeof id) || !json_field(json, "severity", sev, sizeof sev))
		return false;
	json_field(json, "proto", proto, sizeof proto);
	const char *c = strstr(json, "\"client\":");
	const char *s = strstr(json, "\"server\":");
	if (c)
		json_field(c, "ip", cip, sizeof cip), json_field(c, "port", cport, sizeof cport);
	if (s)
		json_field(s, "ip", sip, sizeof sip), json_field(s, "port", sport, sizeof sport);
	if (!strcmp(proto, "null") || !proto[0] || !strcmp(cip, "null") || !cip[0]) {
		snprintf(out, len, "%s %s", sev, id);
		return true;
	}
	bool v6c = strchr(cip, ':') != NULL, v6s = strchr(sip, ':') != NULL;
	snprintf(out, len, "%s %s %s %s%s%s:%s -> %s%s%s:%s", sev, id, proto, v6c ? "[" : "", cip, v6c ? "]" : "", cport,
		 v6s ? "[" : "", sip, v6s ? "]" : "", sport);
	return true;
}

/* An expected line matches a produced one; "*" stands for any port. */
static bool line_matches(const char *want, const char *got)
{
	char pat[512];
	size_t n = 0;
	for (const char *p = want; *p && n + 4 < sizeof pat; p++) {
		if (*p == '[' || *p == ']') {
			pat[n++] = '\\';
			pat[n++] = *p;
		} else {
			pat[n++] = *p;
		}
	}
	pat[n] = 0;
	return fnmatch(pat, got, 0) == 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

static bool read_expect(const char *path, struct lines *want, char *args, size_t argslen, bool *draft)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char buf[1024];
	args[0] = 0;
	*draft = false;
	while (fgets(buf, sizeof buf, f)) {
		char *l = trim(buf);
		if (!strncmp(l, "# args:", 7)) {
			snprintf(args, argslen, "%s", trim(l + 7));
			continue;
		}
		if (!strncmp(l, "# DRAFT", 7))
			*draft = true;
		if (!*l || *l == '#')
			continue;
		/* collapse runs of blanks so alignment in the file does not matter */
		char norm[1024];
		size_t n = 0;
		for (char *p = l; *p && n + 1 < sizeof norm; p++)
			if (!((*p == ' ' || *p == '\t') && n && norm[n - 1] == ' '))
				norm[n++] = (*p == '\t') ? ' ' : *p;
		norm[n] = 0;
		lines_add(want, norm);
	}
	fclose(f);
	return true;
}

static int run_one(const char *self, const char *capture, const char *args, struct lines *got, char *err,
		   size_t errlen)
{
	char argbuf[1024];
	snprintf(argbuf, sizeof argbuf, "%s", args);
	char *argv[MAX_ARGS + 6];
	int argc = 0;
	argv[argc++] = (char *)self;
	argv[argc++] = (char *)"--json";
	argv[argc++] = (char *)"-r";
	argv[argc++] = (char *)capture;
	for (char *tok = strtok(argbuf, " \t"); tok && argc < MAX_ARGS; tok = strtok(NULL, " \t"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	int pfd[2];
	if (pipe(pfd) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(self, argv);
		_exit(127);
	}
	close(pfd[1]);
	FILE *in = fdopen(pfd[0], "r");
	char *line = NULL;
	size_t cap = 0;
	while (in && getline(&line, &cap, in) > 0) {
		char l[600];
		if (verdict_to_line(line, l, sizeof l))
			lines_add(got, l);
	}
	free(line);
	if (in)
		fclose(in);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		snprintf(err, errlen, "shakedown exited with %s %d", WIFEXITED(status) ? "status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

static bool compare(const struct lines *want, const struct lines *got, const char *capture)
{
	bool *used = calloc(got->n + 1, sizeof *used);
	bool ok = true;
	for (size_t i = 0; i < want->n; i++) {
		bool found = false;
		for (size_t j = 0; j < got->n && !found; j++)
			if (!used[j] && line_matches(want->v[i], got->v[j]))
				used[j] = found = true;
		if (!found) {
			if (ok)
				printf("FAIL %s\n", capture);
			ok = false;
			printf("  - expected, not produced: %s\n", want->v[i]);
		}
	}
	for (size_t j = 0; j < got->n; j++)
		if (!used[j]) {
			if (ok)
				printf("FAIL %s\n", capture);
			ok = false;
			printf("  + produced, not expected: %s\n", got->v[j]);
		}
	free(used);
	return ok;
}

static void write_draft(const char *path, const char *capture, struct lines *got)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "# DRAFT written by shakedown --write-expect from its own output for %s.\n"
		   "# Check every line against the capture (tshark/tcpdump), fix what is wrong, replace fixed\n"
		   "# ephemeral ports with *, then delete these DRAFT lines: --check fails while they remain.\n",
		capture);
	qsort(got->v, got->n, sizeof *got->v, cmp_str);
	for (size_t i = 0; i < got->n; i++)
		fprintf(f, "%s\n", got->v[i]);
	fclose(f);
}

int check_run(const char *self, const char *dir, bool write_missing)
{
	struct lines caps = { 0 };
	struct stat st;
	if (stat(dir, &st) < 0) {
		fprintf(stderr, "shakedown: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode))
		find_captures(dir, &caps, 0);
	else
		lines_add(&caps, dir);
	qsort(caps.v, caps.n, sizeof *caps.v, cmp_str);
	unsigned passed = 0, failed = 0;
	for (size_t i = 0; i < caps.n; i++) {
		const char *cap = caps.v[i];
		char exp[4096];
		snprintf(exp, sizeof exp, "%s", cap);
		char *dot = strrchr(exp, '.');
		snprintf(dot, sizeof exp - (size_t)(dot - exp), ".expect");
		struct lines want = { 0 }, got = { 0 };
		char args[512], err[256] = "";
		bool draft = false;
		bool have = read_expect(exp, &want, args, sizeof args, &draft);
		if (run_one(self, cap, have ? args : "", &got, err, sizeof err) < 0) {
			printf("FAIL %s: %s\n", cap, err);
			failed++;
		} else if (!have) {
			if (write_missing) {
				write_draft(exp, cap, &got);
				printf("FAIL %s: no .expect; wrote a DRAFT to %s: check it against the capture\n", cap, exp);
			} else {
				printf("FAIL %s: no .expect file (%s); --write-expect writes a draft\n", cap, exp);
			}
			failed++;
		} else if (draft) {
			printf("FAIL %s: %s is still a DRAFT: check it against the capture and remove the DRAFT lines\n",
			       cap, exp);
			failed++;
		} else if (compare(&want, &got, cap)) {
			printf("PASS %s (%zu verdicts)\n", cap, got.n);
			passed++;
		} else {
			failed++;
		}
		lines_free(&want);
		lines_free(&got);
	}
	lines_free(&caps);
	printf("check: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
