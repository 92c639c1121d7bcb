/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_options.c - libFuzzer target: the command-line parser (ui/options.c)
 * on any argument vector.
 *
 * Input: the arguments after argv[0], separated by NUL bytes (at most 64).
 * Checks, besides memory safety: a vector the parser accepts leaves every
 * limit and threshold in its documented range, and a refused one returns
 * 2 (or 0 for --help/--version). Built with -DFUZZ_STANDALONE it replays
 * the files or directories named on its command line (replay.h). */
#include "ui/options.h"
#include "analyzer/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dummy_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	char *argv[MAX_WORDS + 2];
	int argc = 0;
	argv[argc++] = (char *)"shakedown";
	for (size_t i = 0; i <= size && argc <= MAX_WORDS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	struct cli c;
	/* help and version text go to stdout: keep it out of the way */
	FILE *saved = stdout;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stdout = null;
	int rc = cli_parse(argc, argv, &c, dummy_main);
	if (null) {
		stdout = saved;
		fclose(null);
	}
	if (rc == CLI_RUN) {
		if (c.nfiles < 0 || c.nfiles > CLI_MAX_FILES || c.filter_at < 1 || c.filter_at > argc)
			abort();
		if (sd_cfg.max_flows < 16 || sd_cfg.max_flows > 50000000 || sd_cfg.max_ssh < 16 ||
		    sd_cfg.max_ike < 128 || sd_cfg.max_ike > 524288)
			abort();
		if (c.max_frag_datagrams && (c.max_frag_datagrams < 16 || c.max_frag_datagrams > 16777216))
			abort();
		if (c.max_frag_bytes && (c.max_frag_bytes < (1u << 20) || c.max_frag_bytes > (65536ull << 20)))
			abort();
		if (c.buffer_mb < 0 || c.snaplen < 0 || c.snaplen > 262144 || c.co.jobs < 1 || c.co.jobs > 256)
			abort();
		const ts_usec year = SEC(86400.0 * 365);
		ts_usec t[] = { sd_cfg.syn_timeout, sd_cfg.rtt_warn,	 sd_cfg.fin_timeout,
				sd_cfg.half_close_timeout, sd_cfg.msl, sd_cfg.ssh_timeout,
				sd_cfg.banner_timeout, sd_cfg.ike_timeout, sd_cfg.esp_timeout,
				sd_cfg.idle_timeout };
		for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
			if (t[i] > year)
				abort();
	} else if (rc != 0 && rc != 2) {
		abort();
	}
	free(buf);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "replay.h"
#endif
