/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-int.h - state shared by the live view's input side (tui.c) and its
 * drawing side (tui-draw.c). One view per process. */
#ifndef SHAKEDOWN_TUI_INT_H
#define SHAKEDOWN_TUI_INT_H

#include <stdio.h>

#include "tui-store.h"

enum { VIEW_VERDICTS = 0, VIEW_FLOWS = 1 };
enum { PAIR_FAIL = 1, PAIR_WARN, PAIR_INFO, PAIR_OK, PAIR_BAR, PAIR_ALERT };

struct tui {
	bool active;   /* the screen is up */
	bool utf8;     /* the terminal takes UTF-8: box drawing and arrows */
	bool color;
	bool finished; /* input is over; browsing the final state */
	bool paused;
	bool pace;     /* offline replay at capture speed: the clock runs between packets */
	bool quit;
	bool help;
	bool detail;
	bool editing;
	bool dirty; /* filter or sort changed: rebuild the lists */
	int view;

	char source[256];
	char iface[64]; /* live: the interface (empty offline) */
	char bpf[256];

	/* the filter, and the line being typed after '/' */
	struct filter filter;
	char edit[FILTER_TEXT];
	char edit_saved[FILTER_TEXT];

	int sort;  /* SORT_* for verdicts */
	int fsort; /* FSORT_* for flows */

	struct ts_view_row *rows;
	size_t nrows;
	struct ts_flow *flows;
	size_t nflows;
	size_t sel[2], top[2];

	/* detail pane: a verdict row (and which member) or a flow */
	int detail_view;
	uint32_t d_slot, d_gen;
	uint64_t d_seq;
	struct ts_flow d_flow;
	int d_scroll;
	int d_lines; /* lines the last draw produced, for scrolling limits */

	/* header figures */
	ts_usec now;
	ts_usec list_now; /* the clock when the lists were built (a paused list keeps its times) */
	uint64_t pkts, bytes, drops;
	uint64_t flows_active, flows_seen, evicted;
	uint64_t counts[4];
	double pps, bps;
	bool have_rate;
	uint64_t rate_pkts, rate_bytes;
	ts_usec rate_ts;
	uint64_t changed_seen;
};

extern struct tui T;

/* tui-out.c: ncurses' output through a pipe and a writer thread, so a slow
 * terminal never holds the capture. open gives newterm its FILE; detach
 * (after setup) switches it to the pipe; busy = the terminal has not taken
 * the last frame yet; resized = SIGWINCH came, with the new size;
 * reattach (before endwin) switches back; close after delscreen. */
FILE *tui_out_open(FILE *term);
bool tui_out_detach(void);
bool tui_out_busy(void);
bool tui_out_resized(int *rows, int *cols);
void tui_out_reattach(void);
void tui_out_close(void);

/* Draw the whole screen for the current state. */
void tui_draw(void);
/* Lines of the list area (for paging). */
int tui_list_height(void);

#endif
