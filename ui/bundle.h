/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bundle.h - --bundle FILE.tar.gz (or DIR): one thing to attach to a
 * ticket. The report as text and JSON, the evidence pcaps, the command
 * line, shakedown's version, and each capture's metadata (sha256, size,
 * link type, first and last time). */
#ifndef SHAKEDOWN_BUNDLE_H
#define SHAKEDOWN_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Make the folder the bundle is written in (DIR itself, or a temporary one
 * beside FILE.tar.gz) and open the report files in it. 0, or -1 with a
 * message in err. */
int bundle_begin(const char *path, int argc, char **argv, char *err, size_t errlen);
/* The folder's evidence/ subfolder, report.txt and report.jsonl. */
const char *bundle_evidence_dir(void);
/* The folder itself (temporary for a tarball). */
const char *bundle_dir(void);
FILE *bundle_text(void);
FILE *bundle_json(void);
/* After the run: write the metadata, close the files, pack the tarball
 * (and remove the temporary folder). 0, or 2 after saying why. */
int bundle_finish(void);

#endif
