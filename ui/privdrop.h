/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privdrop.h - drop root and every capability once the capture is open
 * (-Z USER, default nobody when started as root; -Z root keeps root). */
#ifndef SHAKEDOWN_PRIVDROP_H
#define SHAKEDOWN_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/* 0, or -1 with a one-line message in err (the caller then stops: going
 * on with privileges the user asked to give up is worse than stopping). */
int priv_drop(const char *user, char *err, size_t errlen);
/* Give path (a folder written after the drop: live --evidence, --bundle)
 * to the user priv_drop will switch to; 0 when there is nothing to do. */
int priv_hand_over(const char *user, const char *path);

#endif
