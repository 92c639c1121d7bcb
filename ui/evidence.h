/* SPDX-License-Identifier: GPL-2.0-or-later */
/* evidence.h - --evidence DIR: one small pcap per warn/fail verdict, cut
 * from the analysed capture file, with index.json and README.txt. */
#ifndef SHAKEDOWN_EVIDENCE_H
#define SHAKEDOWN_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

/* Register the sink for one capture file (frames are read from it again at
 * the end). all: every verdict, not only warn and fail. */
int evidence_attach(const char *dir, const char *file, bool all, char *err, size_t errlen);
/* 0, or 2 when a file could not be written. */
int evidence_status(void);

#endif
