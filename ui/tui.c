/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui.c - the ncurses live view: terminal setup and teardown, the verdict
 * sink, the engine's poll hook (read keys without waiting, refresh the
 * figures, redraw), and the browsing loop once the input is over.
 *
 * The driver calls tui_poll() about every 200 ms of wall time, never per
 * packet, so drawing cost does not grow with the packet rate. Keys are
 * read with a zero timeout there: the capture never waits on the user. */
#define NCURSES_WIDECHAR 1
#include "tui.h"
#include "tui-int.h"
#include "capture/sanitize.h"

#include <langinfo.h>
#include <locale.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 200

struct tui T;

static SCREEN *screen;
static FILE *tty; /* when stdin/stdout are not the terminal */
static int skip_draws; /* back off when the terminal is slow */

static uint64_t wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void on_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	store_add(v);
}

/* ---------- lists ---------- */

/* Rebuild both lists from the store, keeping the selection on the same
 * row or flow when it is still there. */
static void rebuild(bool live_flows)
{
	uint32_t sel_slot = TS_NONE, sel_gen = 0;
	uint64_t sel_flow = 0;
	if (T.sel[0] < T.nrows) {
		sel_slot = T.rows[T.sel[0]].slot;
		sel_gen = T.rows[T.sel[0]].gen;
	}
	if (T.sel[1] < T.nflows)
		sel_flow = T.flows[T.sel[1]].id;
	free(T.rows);
	free(T.flows);
	T.nrows = store_rows(&T.filter, T.sort, &T.rows);
	T.nflows = store_flows(&T.filter, T.fsort, live_flows, &T.flows);
	if (T.sel[0] != 0)
		for (size_t i = 0; i < T.nrows; i++)
			if (T.rows[i].slot == sel_slot && T.rows[i].gen == sel_gen) {
				T.sel[0] = i;
				break;
			}
	if (T.sel[1] != 0)
		for (size_t i = 0; i < T.nflows; i++)
			if (T.flows[i].id == sel_flow) {
				T.sel[1] = i;
				break;
			}
	/* an open flow detail follows its flow */
	if (T.detail && T.detail_view == VIEW_FLOWS)
		for (size_t i = 0; i < T.nflows; i++)
			if (T.flows[i].id == T.d_flow.id) {
				T.d_flow = T.flows[i];
				break;
			}
	T.list_now = T.now;
	T.dirty = false;
}

static void refresh_figures(ts_usec now, const struct driver_snapshot *snap)
{
	T.now = now;
	uint64_t pkts = snap->packets, bytes = snap->bytes;
	T.pkts = pkts;
	T.bytes = bytes;
	T.drops = snap->drops;
	T.flows_active = snap->flows_active;
	T.flows_seen = snap->flows_created;
	T.evicted = snap->flows_evicted;
	verdict_counts(T.counts);
	/* rates by packet time: the wire's rate, also when replaying a file */
	if (!T.rate_ts || now < T.rate_ts) {
		T.rate_ts = now;
		T.rate_pkts = pkts;
		T.rate_bytes = bytes;
	} else if (now - T.rate_ts >= 500000) {
		double dt = (double)(now - T.rate_ts) / 1e6;
		T.pps = (double)(pkts - T.rate_pkts) / dt;
		T.bps = 8.0 * (double)(bytes - T.rate_bytes) / dt;
		T.rate_ts = now;
		T.rate_pkts = pkts;
		T.rate_bytes = bytes;
	}
}

/* ---------- keys ---------- */

static void move_sel(long delta)
{
	size_t n = T.view == VIEW_VERDICTS ? T.nrows : T.nflows;
	size_t *sel = &T.sel[T.view];
	if (!n) {
		*sel = 0;
		return;
	}
	long s = (long)*sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long)n)
		s = (long)n - 1;
	*sel = (size_t)s;
}

static void open_detail(void)
{
	if (T.view == VIEW_VERDICTS) {
		if (T.sel[0] >= T.nrows)
			return;
		T.d_slot = T.rows[T.sel[0]].slot;
		T.d_gen = T.rows[T.sel[0]].gen;
		T.d_seq = T.rows[T.sel[0]].r.last_seq;
	} else {
		if (T.sel[1] >= T.nflows)
			return;
		T.d_flow = T.flows[T.sel[1]];
	}
	T.detail_view = T.view;
	T.detail = true;
	T.d_scroll = 0;
}

static void edit_key(int ch)
{
	size_t l = strlen(T.edit);
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		T.editing = false;
		return;
	}
	if (ch == 27) {
		snprintf(T.edit, sizeof T.edit, "%s", T.edit_saved);
		T.editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (l)
			T.edit[l - 1] = 0;
	} else if (ch == 21) { /* ^U */
		T.edit[0] = 0;
	} else if (ch >= 0x20 && ch < 0x7f && l + 1 < sizeof T.edit) {
		T.edit[l] = (char)ch;
		T.edit[l + 1] = 0;
	} else {
		return;
	}
	filter_parse(&T.filter, T.edit); /* the lists follow as you type */
	T.dirty = true;
	T.sel[0] = T.sel[1] = 0;
}

static void detail_key(int ch)
{
	int page = tui_list_height();
	switch (ch) {
	case KEY_UP:
	case 'k':
		T.d_scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		T.d_scroll++;
		break;
	case KEY_PPAGE:
		T.d_scroll -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		T.d_scroll += page;
		break;
	case KEY_HOME:
	case 'g':
		T.d_scroll = 0;
		break;
	case KEY_END:
	case 'G':
		T.d_scroll = T.d_lines;
		break;
	case KEY_LEFT:
	case 'h':
	case '[':
	case KEY_RIGHT:
	case 'l':
	case ']':
		if (T.detail_view == VIEW_VERDICTS) {
			int d = (ch == KEY_LEFT || ch == 'h' || ch == '[') ? -1 : 1;
			const struct ts_rec *m = store_row_step(store_row(T.d_slot, T.d_gen), T.d_seq, d);
			if (m)
				T.d_seq = m->seq;
			T.d_scroll = 0;
		}
		break;
	case 27:
	case 'q':
	case KEY_BACKSPACE:
	case 127:
		T.detail = false;
		break;
	case '\t':
		T.detail = false;
		T.view = !T.view;
		break;
	}
	if (T.d_scroll < 0)
		T.d_scroll = 0;
}

static void list_key(int ch)
{
	int page = tui_list_height();
	switch (ch) {
	case KEY_UP:
	case 'k':
		move_sel(-1);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(1);
		break;
	case KEY_PPAGE:
		move_sel(-page);
		break;
	case KEY_NPAGE:
	case ' ':
		move_sel(page);
		break;
	case KEY_HOME:
	case 'g':
		T.sel[T.view] = 0;
		break;
	case KEY_END:
	case 'G':
		move_sel(1L << 30);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		open_detail();
		break;
	case '\t':
		T.view = !T.view;
		break;
	case '/':
		T.editing = true;
		snprintf(T.edit_saved, sizeof T.edit_saved, "%s", T.filter.text);
		snprintf(T.edit, sizeof T.edit, "%s", T.filter.text);
		break;
	case 's':
		if (T.view == VIEW_VERDICTS)
			T.sort = !T.sort;
		else
			T.fsort = !T.fsort;
		T.dirty = true;
		break;
	case 27:
		if (T.filter.nwords) {
			filter_parse(&T.filter, "");
			T.dirty = true;
		}
		break;
	case 'q':
	case 'Q':
		T.quit = true;
		break;
	}
}

static void handle_key(int ch)
{
	if (ch == KEY_RESIZE) {
		clearok(curscr, TRUE);
		return;
	}
	if (ch == KEY_F(10) && !T.editing) {
		T.quit = true;
		return;
	}
	if (T.help) {
		T.help = false;
		return;
	}
	if (T.editing) {
		edit_key(ch);
		return;
	}
	if (ch == '?' || ch == KEY_F(1) || (ch == 'h' && !T.detail)) {
		T.help = true;
		return;
	}
	if (ch == 'p' || ch == 'P') {
		T.paused = !T.paused;
		T.dirty = true;
		return;
	}
	if (T.detail)
		detail_key(ch);
	else
		list_key(ch);
}

static bool read_keys(void)
{
	bool any = false;
	int ch;
	for (int n = 0; n < 64 && (ch = getch()) != ERR; n++) {
		handle_key(ch);
		any = true;
	}
	return any;
}

/* ---------- the engine's hook ---------- */

static void draw_timed(void)
{
	uint64_t t0 = wall_ms();
	tui_draw();
	uint64_t took = wall_ms() - t0;
	/* a terminal that takes long to absorb a frame gets fewer of them */
	if (took > 50)
		skip_draws = (int)(took / 50 < 25 ? took / 50 : 25);
}

/* SIGWINCH came: take the real terminal's new size. */
static bool follow_resize(void)
{
	int rows, cols;
	if (!tui_out_resized(&rows, &cols))
		return false;
	resize_term(rows, cols);
	clearok(curscr, TRUE);
	return true;
}

static void tui_poll(void *arg, const struct driver_snapshot *snap)
{
	(void)arg;
	if (!snap->look) {
		/* flows ended faster than the polls came: only keep their rows */
		store_look_flows(snap);
		return;
	}
	ts_usec now = snap->now;
	bool keys = follow_resize();
	keys |= read_keys();
	if (T.quit) {
		static bool raised;
		if (!raised) {
			raised = true;
			raise(SIGINT); /* main's handler stops the capture */
		}
		return;
	}
	refresh_figures(now, snap);
	if (!T.paused) {
		store_look_flows(snap);
		if (store_changed(&T.changed_seen) || T.dirty)
			rebuild(true);
	} else {
		/* paused: the list stays still, but flows that ended are kept */
		struct driver_snapshot ended = *snap;
		ended.look = false;
		store_look_flows(&ended);
		if (T.dirty)
			rebuild(true); /* a new filter or sort applies even when paused */
	}
	if (tui_out_busy()) /* the terminal still has the last frame to take */
		return;
	if (skip_draws > 0 && !keys) {
		skip_draws--;
		return;
	}
	draw_timed();
}

/* ---------- start and finish ---------- */

static void restore_terminal(void)
{
	if (!T.active)
		return;
	T.active = false;
	tui_out_reattach();
	if (!isendwin())
		endwin();
	if (screen) {
		delscreen(screen);
		screen = NULL;
	}
	tui_out_close();
	if (tty) {
		fclose(tty);
		tty = NULL;
	}
}

static void at_exit(void)
{
	restore_terminal();
}

bool tui_start(struct capture_opts *o, struct driver_hooks *hooks, const char *source, const char *filter, char *err, size_t errlen)
{
	memset(&T, 0, sizeof T);
	/* only the character type: numbers in the reports keep their dots */
	setlocale(LC_CTYPE, "");
	T.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	FILE *in = stdin, *out = stdout;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		tty = fopen("/dev/tty", "r+");
		if (!tty) {
			snprintf(err, errlen, "the live view needs a terminal (use --no-ui or --json)");
			return false;
		}
		in = out = tty;
	}
	const char *term = getenv("TERM");
	FILE *curses_out = tui_out_open(out);
	screen = curses_out ? newterm(NULL, curses_out, in) : NULL;
	if (!screen) {
		snprintf(err, errlen, "cannot start the live view on terminal type '%s'", term ? term : "(unset)");
		tui_out_close();
		if (tty)
			fclose(tty);
		tty = NULL;
		return false;
	}
	set_term(screen);
	T.active = true;
	atexit(at_exit);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && !getenv("NO_COLOR")) {
		start_color();
		use_default_colors();
		init_pair(PAIR_FAIL, COLOR_RED, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_INFO, COLOR_CYAN, -1);
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_ALERT, COLOR_WHITE, COLOR_RED);
		T.color = true;
	}
	sanitize_text(source ? source : "", T.source, sizeof T.source);
	size_t bn = sanitize_text(filter ? filter : "", T.bpf, sizeof T.bpf);
	sanitize_text(o->iface ? o->iface : "", T.iface, sizeof T.iface);
	/* the widened filter (capture.h); the summary says if it could not be */
	if (!o->strict_filter && capture_filter_widens(filter) && bn < sizeof T.bpf)
		snprintf(T.bpf + bn, sizeof T.bpf - bn, " +ICMP errors, fragments");
	T.sort = SORT_SEVERITY;
	T.fsort = FSORT_RECENT;
	T.pace = o->pace;
	filter_parse(&T.filter, "");
	store_init();
	struct verdict_sink sink = { on_verdict, NULL, NULL };
	verdict_add_sink(&sink);
	hooks->on_poll = tui_poll;
	hooks->arg = NULL;
	o->poll_ms = POLL_MS;
	rebuild(true);
	tui_draw();
	/* from here on frames go through the writer thread; without it they
	 * are written directly, which a stuck terminal can hold up */
	tui_out_detach();
	return true;
}

void tui_finish(const struct run_summary *s, volatile sig_atomic_t *stop)
{
	if (!T.active)
		return;
	T.finished = true;
	T.paused = false;
	T.now = s->last_ts;
	T.pkts = s->packets;
	T.bytes = s->bytes;
	T.drops = s->drops_kernel + s->drops_iface;
	T.flows_seen = s->flows;
	T.flows_active = 0;
	T.evicted = s->flows_evicted;
	memcpy(T.counts, s->counts, sizeof T.counts);
	if (s->last_ts > s->first_ts) {
		double dt = (double)(s->last_ts - s->first_ts) / 1e6;
		T.pps = (double)s->packets / dt;
		T.bps = 8.0 * (double)s->bytes / dt;
	}
	rebuild(false);
	/* quit, a signal, or nothing to look at: straight to the report */
	bool browse = !(stop && *stop) && !T.quit && (s->packets || store_kept());
	if (browse) {
		timeout(250);
		tui_draw();
		while (!T.quit && !(stop && *stop)) {
			int ch = getch();
			if (follow_resize())
				tui_draw();
			if (ch == ERR)
				continue;
			handle_key(ch);
			timeout(0);
			while (!T.quit && (ch = getch()) != ERR)
				handle_key(ch);
			timeout(250);
			if (T.dirty)
				rebuild(false);
			tui_draw();
		}
	}
	restore_terminal();
	free(T.rows);
	free(T.flows);
	T.rows = NULL;
	T.flows = NULL;
	store_free();
}
