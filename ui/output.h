/* output.h - the sinks: text report, JSON Lines, and the --check runner. */
#ifndef SHAKEDOWN_OUTPUT_H
#define SHAKEDOWN_OUTPUT_H

#include <stdio.h>
#include "analyzer/verdict.h"

/* Text report: collects verdicts, prints them grouped by severity at the
 * summary. verbose shows ok verdicts in full. */
void report_attach(FILE *out, int verbose);
/* JSON Lines: one object per verdict as it happens, then the summary;
 * flush_each makes every line visible at once (live capture). */
void json_attach(FILE *out, bool flush_each);
/* Write s as a JSON string literal (quotes included), escaping anything
 * taken off the wire. */
void json_write_string(FILE *out, const char *s);
/* One verdict as the .expect line format: "fail tcp.refused tcp A:1 -> B:2". */
void expect_line(const struct verdict *v, char *buf, size_t len);

/* --version: shakedown's version, git revision and library versions. */
void ui_print_version(FILE *out);
/* The version alone ("0.1.0"), for the JSON summary. */
const char *ui_version(void);

/* --check DIR: returns 0 when every capture matched, 1 otherwise. */
int check_run(const char *self, const char *dir, bool write_missing);

#endif
