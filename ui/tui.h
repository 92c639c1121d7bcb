/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui.h - the ncurses live view. */
#ifndef SHAKEDOWN_TUI_H
#define SHAKEDOWN_TUI_H

#include "analyzer/driver.h"

/* Set up the screen and register the view as a verdict sink; fills the
 * driver's poll hook (and the poll period in o) so the screen redraws
 * from the driver's snapshots while packets flow. */
bool tui_start(struct capture_opts *o, struct driver_hooks *hooks, const char *source, const char *filter, char *err, size_t errlen);
/* Let the user look at the final state until they quit (offline input),
 * then restore the terminal. */
void tui_finish(const struct run_summary *s, volatile sig_atomic_t *stop);

#endif
