/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay.h - the main() of a fuzz target built without libFuzzer
 * (-DFUZZ_STANDALONE): runs LLVMFuzzerTestOneInput once per file named on
 * the command line, and once per file inside a named directory (a seed
 * corpus). Files are read whole up to FUZZ_REPLAY_MAX bytes. */
#ifndef SHAKEDOWN_FUZZ_REPLAY_H
#define SHAKEDOWN_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REPLAY_MAX (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	uint8_t *buf = malloc(FUZZ_REPLAY_MAX);
	if (!buf) {
		fclose(f);
		return 0;
	}
	size_t n = fread(buf, 1, FUZZ_REPLAY_MAX, f);
	fclose(f);
	/* exactly n bytes, so ASan sees a read past the input */
	uint8_t *exact = malloc(n ? n : 1);
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 1;
}

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			n += replay_file(argv[i]);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			n += replay_file(path);
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", n);
	return n > 0 ? 0 : 1;
}

#endif
