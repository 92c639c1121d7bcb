/* SPDX-License-Identifier: GPL-2.0-or-later */
/* evidence.h - --evidence DIR: one small pcap per warn/fail verdict, cut
 * from the analysed capture files (or, live, from a ring of recent
 * frames), with index.json and README.txt. */
#ifndef SHAKEDOWN_EVIDENCE_H
#define SHAKEDOWN_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include "capture/capture.h"

/* Register the sink. Offline the frames are read again from the -r files
 * (provenance.h names them) at the end; live they are kept in a ring as
 * they pass. all: every verdict, not only warn and fail. */
int evidence_attach(const char *dir, bool all, bool live, char *err, size_t errlen);
/* Every frame (live: a copy goes into the ring). */
void evidence_note_frame(const struct capture_frame *fr);
/* 0, or 2 when a file could not be written. */
int evidence_status(void);

#endif
