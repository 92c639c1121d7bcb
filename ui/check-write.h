/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check-write.h - writing and diffing .expect files for --check
 * (ui/check-write.c); used by ui/check.c only. */
#ifndef SHAKEDOWN_CHECK_WRITE_H
#define SHAKEDOWN_CHECK_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "expect.h"

/* A run's verdicts as sorted .expect lines (ephemeral client ports as *),
 * appended to out. */
void check_draft_lines(const struct expect_verdict *got, size_t n, struct expect_lines *out);
/* Create ep (never through a link, never over an existing file) or, with
 * replace, write beside it and rename over it; false with the reason in err. */
bool check_write_lines(const char *ep, const struct expect_lines *lines, bool replace, char *err, size_t errlen);
/* The lines of the file open on fd (closed after), without their newlines;
 * false when fd is -1 or cannot be read. */
bool check_read_lines(int fd, struct expect_lines *out);
/* A unified diff of a and b, one hunk with full context, appended to out. */
void check_unified_diff(const char *name, const struct expect_lines *a, const struct expect_lines *b,
			struct expect_lines *out);

#endif
