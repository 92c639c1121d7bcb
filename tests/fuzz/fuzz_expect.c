/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_expect.c - libFuzzer target: the --check expectation parser and
 * judge (ui/expect.c).
 *
 * Input: an .expect file, then optionally a line "=====" and JSON Lines as
 * shakedown --json prints them. The .expect is loaded (rules, globs,
 * regexes, `# args:`), each JSON line parsed as a produced verdict, the
 * verdicts judged against the rules and printed back in the exact-line
 * form. Memory safety is the check (under ASan and UBSan). Built with
 * -DFUZZ_STANDALONE it replays files or directories (replay.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "ui/expect.h"

#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_GOT 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	static const char sep[] = "\n=====\n";
	size_t exp_len = size;
	const uint8_t *json = NULL;
	size_t json_len = 0;
	for (size_t i = 0; i + sizeof sep - 1 <= size; i++)
		if (!memcmp(data + i, sep, sizeof sep - 1)) {
			exp_len = i + 1;
			json = data + i + sizeof sep - 1;
			json_len = size - i - (sizeof sep - 1);
			break;
		}
	int fd = memfd_create("fuzz-expect", 0);
	if (fd < 0)
		return 0;
	if (exp_len && write(fd, data, exp_len) != (ssize_t)exp_len) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	struct expect_file e;
	memset(&e, 0, sizeof e);
	char err[512];
	bool loaded = expect_file_load(fd, &e, err, sizeof err); /* closes fd */

	struct expect_verdict got[MAX_GOT];
	size_t ngot = 0;
	char *lines = malloc(json_len + 1);
	if (lines) {
		memcpy(lines, json ? json : (const uint8_t *)"", json_len);
		lines[json_len] = 0;
		char *save = NULL;
		for (char *l = strtok_r(lines, "\n", &save); l && ngot < MAX_GOT; l = strtok_r(NULL, "\n", &save)) {
			memset(&got[ngot], 0, sizeof got[ngot]);
			if (expect_verdict_parse(l, &got[ngot])) {
				char out[512];
				expect_verdict_line(&got[ngot], ngot & 1, out, sizeof out);
				ngot++;
			} else {
				expect_verdict_free(&got[ngot]);
			}
		}
		free(lines);
	}
	if (loaded) {
		struct expect_lines diff;
		memset(&diff, 0, sizeof diff);
		expect_file_judge(&e, got, ngot, &diff);
		expect_lines_free(&diff);
		expect_file_free(&e);
	}
	for (size_t i = 0; i < ngot; i++)
		expect_verdict_free(&got[i]);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "replay.h"
#endif
