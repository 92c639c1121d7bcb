/* SPDX-License-Identifier: GPL-2.0-or-later */
/* options.h - the command line parsed (ui/options.c): what main.c and the
 * options fuzz target may use. */
#ifndef SHAKEDOWN_OPTIONS_H
#define SHAKEDOWN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "output.h"

#define CLI_MAX_FILES 64
#define CLI_MAX_IFACES 8
#define CLI_RUN (-1) /* cli_parse: go on and run */

struct cli {
	const char *files[CLI_MAX_FILES]; /* -r, in order */
	int nfiles;
	const char *ifaces[CLI_MAX_IFACES]; /* -i, in order (several with --points) */
	int nifaces;
	const char *iface, *check_dir, *evidence_dir, *drop_user, *bundle_path;
	bool evidence_all, points, json, list_verdicts, write_expect, want_ui, no_ui, pace, banner_set;
	struct check_opts co;
	enum severity fail_on;
	int buffer_mb, snaplen;
	int workers;                 /* --workers, 1 = capture in this process */
	int threads;                 /* --threads, offline: 2 = a reading thread */
	uint32_t max_frag_datagrams; /* 0: the default */
	uint64_t max_frag_bytes;     /* 0: the default */
	int filter_at;               /* argv index of the first BPF filter word */
	bool list_interfaces;        /* -D */
	bool no_promisc;             /* -p */
	uint64_t count;              /* -c, 0 = no limit */
	const char *write_file;      /* -w */
	bool strict_filter;          /* --strict-filter */
	uint64_t write_rotate_bytes; /* -C, 0 = one file */
	unsigned write_files;        /* -W, 0 = no limit */
};

/* --help's text. */
void cli_usage(FILE *o);
/* Parse argv into *c and sd_cfg (reset to the defaults first). CLI_RUN to
 * go on; otherwise the exit status: 0 after --help or --version, 2 after
 * a message on stderr. run_main is what --check runs for each capture. */
int cli_parse(int argc, char **argv, struct cli *c, int (*run_main)(int argc, char **argv));

#endif
