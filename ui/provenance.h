/* SPDX-License-Identifier: GPL-2.0-or-later */
/* provenance.h - which input a verdict and each of its evidence frames
 * came from (the -r file, or the interface live), and what each input
 * held (frames, link type, first and last time). Fed by the driver's
 * on_frame hook; read by the sinks (report, JSON, --evidence, --bundle). */
#ifndef SHAKEDOWN_PROVENANCE_H
#define SHAKEDOWN_PROVENANCE_H

#include "analyzer/verdict.h"
#include "capture/capture.h"

#define PROVENANCE_MAX_FILES 64

struct provenance_input {
	const char *name;    /* the -r path or the interface */
	int linktype;        /* DLT_ value of its first frame; -1 before one */
	uint64_t frames;     /* the highest frame number seen (filtered frames count) */
	uint64_t packets;    /* frames handed to the pipeline */
	ts_usec first_ts, last_ts;
	uint64_t first_flow; /* flows with this id or above were made while it was read */
};

/* Start a run over n inputs (the -r files, or one interface). */
void provenance_begin(const char *const *names, int n, bool live);
/* One frame (the driver's on_frame hook). */
void provenance_note_frame(const struct capture_frame *fr, uint64_t flows_created);
int provenance_count(void);
bool provenance_live(void);
const struct provenance_input *provenance_input(int i);
/* The input verdict v came from (where its first evidence frame was read,
 * else the input being read when its flow was made); -1 for a
 * capture-wide verdict over several files. Call while v is emitted. */
int provenance_of_verdict(const struct verdict *v);
/* The input evidence e of v was read from. Call while v is emitted. */
int provenance_of_evidence(const struct verdict *v, const struct evidence *e);
/* The name of input i, or NULL for -1. */
const char *provenance_name(int i);
/* The first and last time and frame of the whole run. */
void provenance_span(ts_usec *first, ts_usec *last, uint64_t *last_frame);

#endif
