/* SPDX-License-Identifier: GPL-2.0-or-later */
/* version.c - what --version prints: shakedown's version (one place:
 * project() in CMakeLists.txt), the git revision when built from a
 * checkout, and the libraries it runs with (as tcpdump --version does). */
#include "output.h"
#include "capture/capture.h"
#include "gitrev.h"
#include "version.h"

#include <ncurses.h>

const char *ui_version(void)
{
	return SHAKEDOWN_VERSION;
}

void ui_print_version(FILE *o)
{
	if (SHAKEDOWN_GIT_REVISION[0])
		fprintf(o, "shakedown %s (git %s)\n", SHAKEDOWN_VERSION, SHAKEDOWN_GIT_REVISION);
	else
		fprintf(o, "shakedown %s\n", SHAKEDOWN_VERSION);
	fprintf(o, "%s\n", capture_pcap_version());
	fprintf(o, "libnids version %s (headers it was built with)\n", capture_nids_version());
	fprintf(o, "%s\n", curses_version());
}
