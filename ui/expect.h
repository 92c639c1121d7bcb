/* SPDX-License-Identifier: GPL-2.0-or-later */
/* expect.h - the .expect grammar of `--check`: parsing an expectation file,
 * reading shakedown's own JSON verdict lines back, and judging the produced
 * verdicts against the expectation (used by ui/check.c only). */
#ifndef SHAKEDOWN_EXPECT_H
#define SHAKEDOWN_EXPECT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define EXPECT_MAX_DETAILS 64	/* details kept per produced verdict */
#define EXPECT_MAX_CHECKS 8	/* key="value" checks per rule */
#define EXPECT_MAX_ARGS 32	/* words of `# args:` */
#define EXPECT_MAX_LINE 65536	/* longest line of an .expect file */

/* A growable list of owned strings. */
struct expect_lines {
	char **v;
	size_t n, cap;
};
void expect_lines_add(struct expect_lines *l, const char *s);
void expect_lines_addf(struct expect_lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void expect_lines_free(struct expect_lines *l);
/* Sort the lines from index `from` on (bytewise). */
void expect_lines_sort(struct expect_lines *l, size_t from);
/* Is s one of the lines of l, sorted whole by expect_lines_sort? */
bool expect_lines_has_sorted(const struct expect_lines *l, const char *s);

/* One verdict as shakedown printed it with --json. */
struct expect_verdict {
	char sev[8], id[96], proto[16];
	char cip[64], sip[64], cport[16], sport[16];
	bool flow; /* false for capture-wide verdicts */
	size_t ndetails;
	char *dkey[EXPECT_MAX_DETAILS], *dval[EXPECT_MAX_DETAILS];
};
/* Parse one JSON line; false when it is not a verdict object. */
bool expect_verdict_parse(const char *json, struct expect_verdict *v);
void expect_verdict_free(struct expect_verdict *v);
/* The verdict in the exact-line form "SEV ID [PROTO C:P -> S:P]"; with
 * star_ephemeral the client's ephemeral port is written as *. */
void expect_verdict_line(const struct expect_verdict *v, bool star_ephemeral, char *out, size_t len);

enum expect_kind { EXPECT_EXACT, EXPECT_REQUIRE, EXPECT_FORBID };

struct expect_check {
	char key[64];
	char *value; /* for '=' */
	bool is_regex;
	regex_t re;
};

struct expect_rule {
	enum expect_kind kind;
	unsigned lineno;
	char *text; /* the line, blanks collapsed, for messages */
	int sev;    /* 0 ok .. 3 fail */
	bool sev_floor; /* "warn+": this severity or worse */
	char id[96];	/* glob */
	bool flow;
	char proto[16], cip[64], cport[16], sip[64], sport[16]; /* globs */
	long count;	/* require: -1 = at least one */
	bool count_min; /* "3+": at least count */
	size_t nchecks;
	struct expect_check checks[EXPECT_MAX_CHECKS];
};

struct expect_file {
	struct expect_rule *rules;
	size_t nrules;
	bool exact;			/* plain lines present, or no require/forbid at all */
	bool draft;			/* a "# DRAFT" line remains */
	char *args[EXPECT_MAX_ARGS + 2];	/* allow-listed `# args:` words, NULL-terminated */
	size_t nargs;
	struct expect_lines head;	/* comment and args lines before the first rule */
};

/* Read an .expect from an open descriptor (closed here). false with
 * ":LINE: why" in err (the caller prints the file name before it) on a
 * syntax error or a refused `# args:` word. */
bool expect_file_load(int fd, struct expect_file *e, char *err, size_t errlen);
void expect_file_free(struct expect_file *e);

/* Judge the produced verdicts; appends "  - ..." / "  + ..." lines to diff.
 * true when the capture passes. */
bool expect_file_judge(const struct expect_file *e, const struct expect_verdict *got, size_t ngot,
		       struct expect_lines *diff);

/* Does one `# args:` word list pass the allow-list?  Exposed for tests. */
bool expect_args_allowed(char *const *words, size_t n, char *err, size_t errlen);

#endif
