/* tui.c - placeholder until the ncurses view lands. */
#include "tui.h"

#include <stdio.h>

bool tui_start(struct capture_opts *o, const char *source, const char *filter, char *err, size_t errlen)
{
	(void)o;
	(void)source;
	(void)filter;
	snprintf(err, errlen, "the live view is not built yet");
	return false;
}

void tui_finish(const struct run_summary *s, volatile sig_atomic_t *stop)
{
	(void)s;
	(void)stop;
}
