/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check-write.c - the files --check --write-expect and --update-expect
 * write: a run's verdicts as sorted .expect lines, writing them without
 * following a link or replacing a file by accident, reading an .expect
 * back, and the unified diff shown before an update. check.c decides
 * when; this file only does it. */
#include "check-write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The produced verdicts as sorted .expect lines, ephemeral client ports as *. */
void check_draft_lines(const struct expect_verdict *got, size_t n, struct expect_lines *out)
{
	char line[512];
	size_t first = out->n;
	for (size_t i = 0; i < n; i++) {
		expect_verdict_line(&got[i], true, line, sizeof line);
		expect_lines_add(out, line);
	}
	expect_lines_sort(out, first);
}

/* Create ep (never through a link, never over an existing file) or, with
 * replace, write beside it and rename over it. */
bool check_write_lines(const char *ep, const struct expect_lines *lines, bool replace, char *err, size_t errlen)
{
	size_t tl = strlen(ep) + 16;
	char *tmp = malloc(tl);
	if (!tmp)
		abort();
	snprintf(tmp, tl, "%s.tmp%ld", ep, (long)getpid());
	const char *target = replace ? tmp : ep;
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = f != NULL;
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		for (size_t i = 0; i < lines->n; i++)
			fprintf(f, "%s\n", lines->v[i]);
		ok = fclose(f) == 0;
		if (!ok)
			snprintf(err, errlen, "%s", strerror(errno));
		if (ok && replace && rename(tmp, ep) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			ok = false;
		}
		if (!ok)
			unlink(target);
	}
	free(tmp);
	return ok;
}

bool check_read_lines(int fd, struct expect_lines *out)
{
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = 0;
		expect_lines_add(out, line);
	}
	free(line);
	fclose(f);
	return true;
}

/* A unified diff of two line lists as one hunk with full context (longest
 * common subsequence; .expect files are small). */
void check_unified_diff(const char *name, const struct expect_lines *a, const struct expect_lines *b,
			 struct expect_lines *out)
{
	size_t n = a->n, m = b->n;
	unsigned *L = calloc((n + 1) * (m + 1), sizeof *L);
	if (!L)
		abort();
	for (size_t i = n; i-- > 0;)
		for (size_t k = m; k-- > 0;)
			L[i * (m + 1) + k] = !strcmp(a->v[i], b->v[k]) ? L[(i + 1) * (m + 1) + k + 1] + 1
					     : L[(i + 1) * (m + 1) + k] > L[i * (m + 1) + k + 1] ? L[(i + 1) * (m + 1) + k]
												  : L[i * (m + 1) + k + 1];
	expect_lines_addf(out, "  --- %s", name);
	expect_lines_addf(out, "  +++ %s (new)", name);
	expect_lines_addf(out, "  @@ -1,%zu +1,%zu @@", n, m);
	size_t i = 0, k = 0;
	while (i < n || k < m) {
		if (i < n && k < m && !strcmp(a->v[i], b->v[k]))
			expect_lines_addf(out, "   %s", a->v[i]), i++, k++;
		else if (k < m && (i == n || L[i * (m + 1) + k + 1] >= L[(i + 1) * (m + 1) + k]))
			expect_lines_addf(out, "  +%s", b->v[k++]);
		else
			expect_lines_addf(out, "  -%s", a->v[i++]);
	}
	free(L);
}
