/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output.h - the sinks: text report, JSON Lines, and the --check runner. */
#ifndef SHAKEDOWN_OUTPUT_H
#define SHAKEDOWN_OUTPUT_H

#include <stdio.h>
#include "analyzer/driver.h"
#include "analyzer/verdict.h"

/* Text report: collects verdicts, prints them grouped by severity at the
 * summary. verbose shows ok verdicts in full and lists the flows without
 * a verdict; with flows, the flows that ended are handed over by
 * report_note_ended (the driver's ended rows) and counted. */
void report_attach(FILE *out, int verbose, bool flows);
void report_note_ended(const struct driver_flow_row *rows, size_t n);
/* --bundle: print the report to out as well (after report_attach). */
void report_copy_to(FILE *out);
/* --localtime: absolute times in local time with its offset, not UTC. */
void report_set_localtime(bool local);
/* JSON Lines: one object per verdict as it happens, then the summary;
 * flush_each makes every line visible at once (live capture). */
void json_attach(FILE *out, bool flush_each);
/* --bundle: write every line to out as well (after json_attach). */
void json_copy_to(FILE *out);
/* --community-id-seed (default 0, as Zeek and Suricata). */
void json_set_community_id_seed(uint16_t seed);
/* Write s as a JSON string literal (quotes included), escaping anything
 * taken off the wire. */
void json_write_string(FILE *out, const char *s);
/* One verdict as the .expect line format: "fail tcp.refused tcp A:1 -> B:2". */
void expect_line(const struct verdict *v, char *buf, size_t len);

/* --list-verdicts: the catalog, one line (or JSON object) per verdict. */
int verdict_list_print(FILE *out, bool json);

/* --check DIR (ui/check.c). */
struct check_opts {
	const char *self;	/* this binary, for the exec runner */
	const char *dir;	/* a directory, or one capture file */
	int (*run_main)(int argc, char **argv); /* the command line, run in a forked child */
	bool write_missing;	/* --write-expect */
	bool update, yes;	/* --update-expect [--yes] */
	bool json;		/* one JSON object per capture and a summary */
	const char *junit;	/* --junit FILE or NULL */
	int jobs;		/* captures at once (-j) */
	double timeout;		/* seconds per capture (--check-timeout) */
};
/* Returns 0 when every capture matched, 1 when one did not, 2 when there was
 * nothing to check or the run could not start. */
int check_run(const struct check_opts *o);

/* --version: shakedown's version, git revision and library versions. */
void ui_print_version(FILE *out);
/* The version alone ("0.1.0"), for the JSON summary. */
const char *ui_version(void);


#endif
