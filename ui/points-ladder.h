/* SPDX-License-Identifier: GPL-2.0-or-later */
/* points-ladder.h - the per-point ladder of a verdict (--points) as lines
 * of text, for the text report and the live view's detail pane alike. */
#ifndef SHAKEDOWN_POINTS_LADDER_H
#define SHAKEDOWN_POINTS_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include "analyzer/verdict.h"

/* Rows shown at most: the first and last halves of a longer flow. */
#define POINTS_LADDER_ROWS 40

/* The ladder of v's flow with the active points (points_active()): a
 * heading, a line naming the points, then one line per packet (time from
 * the first, arrow, what, the frame at each point, "--" not seen, ".."
 * not capturing, and "lost A->B"), each handed to line() without a
 * newline; names are sanitized. The conclusion (raw, to be sanitized and
 * wrapped by the caller) goes into conclusion. false, and nothing handed
 * on, when no point saw v's flow. */
bool points_ladder(const struct verdict *v, void (*line)(void *arg, const char *s), void *arg, char *conclusion,
		   size_t len);

#endif
