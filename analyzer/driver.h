/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver.h - the pipeline driver: one place that runs, for every packet,
 * decode -> flow -> duplicate drop -> analyzers -> reassembly, keeps the
 * packet-time clock and sweeps the flow timers (as Suricata's FlowWorker
 * does). The sources (capture/capture.h) only produce frames; the
 * reassembler (capture/stream.h) hands bytes back to the driver, which
 * passes them to the analyzers. Everything a run needs hangs off one
 * struct driver: flow table, decode counters, reassembler, clock, options.
 *
 * A run is driver_begin, driver_feed per frame (or driver_run, which does
 * all three over the capture_opts' files or interface), driver_end. Runs
 * may follow each other in one process, each from clean engine state; only
 * one may be open at a time (libnids is one per process). */
#ifndef SHAKEDOWN_DRIVER_H
#define SHAKEDOWN_DRIVER_H

#include "../capture/capture.h"
#include "../capture/summary.h"

/* One flow as the live view shows it, copied at poll time. */
struct driver_flow_row {
	uint64_t id;
	uint8_t proto;
	bool ended;     /* the flow left the table since the last poll */
	struct addr client, server;
	uint16_t cport, sport;
	uint32_t spi;
	uint64_t pkts[2], bytes[2];
	ts_usec first_ts, last_ts;
	char phase[96]; /* analyzer_describe(), read when the row was made */
	char problem[120]; /* analyzer_problem(): a developing problem, or "" */
	ts_usec phase_ts;
};

#define DRIVER_LOOK_ROWS 2000  /* newest flows of the table per snapshot */
#define DRIVER_ENDED_ROWS 1024 /* flows that ended between two snapshots */
#define DRIVER_ENDED_ONLY_ROWS 128 /* the same, for a hook that reads only them */

/* What the driver shows at poll time; valid during the on_poll call. */
struct driver_snapshot {
	bool look;      /* rows holds a fresh look at the table; false when
			 * only ended rows are passed on (a full list, or
			 * hooks.ended_only) */
	ts_usec now;
	uint64_t packets, bytes, drops;
	uint64_t flows_active, flows_created, flows_evicted;
	/* the newest flows still in the table (up to DRIVER_LOOK_ROWS) */
	const struct driver_flow_row *rows;
	size_t nrows;
	/* flows that left the table since the last poll, as they were just
	 * before their analyzers ended them (up to DRIVER_ENDED_ROWS, or
	 * DRIVER_ENDED_ONLY_ROWS with hooks.ended_only; more
	 * are counted in ended_lost) */
	const struct driver_flow_row *ended;
	size_t nended;
	uint64_t ended_lost;
};

struct driver_hooks {
	/* About every capture_opts.poll_ms of wall time (default 200 ms):
	 * the live view redraws. */
	void (*on_poll)(void *arg, const struct driver_snapshot *snap);
	void *arg;
	/* on_poll reads only who the ended flows were (ids, endpoints,
	 * counters): their phase and problem are left empty, not described
	 * (the text report without -v counts them, it does not list them) */
	bool ended_without_phase;
	/* on_poll reads only the ended rows (the text report's count of flows
	 * without a verdict): no look at the table is taken nor room kept for
	 * one, and the ended rows go over DRIVER_ENDED_ONLY_ROWS at a time */
	bool ended_only;
	/* Once the source is open, before the first frame is read (the place
	 * to give up privileges); non-zero stops the run with the message in
	 * err as an input error. May be NULL. */
	int (*on_open)(void *open_arg, char *err, size_t errlen);
	void *open_arg;
	/* Every frame as read, before the pipeline sees it, with the number
	 * of flows created so far (a flow made by this frame or a later one
	 * has a higher id): --evidence keeps recent frames of a live capture,
	 * and the sinks learn which -r file a frame came from. Live on several
	 * interfaces (capture_opts.nifaces > 1, --points) every interface's
	 * frames come here, and only the first interface's go on into the
	 * pipeline. May be NULL. */
	void (*on_frame)(void *frame_arg, const struct capture_frame *fr, uint64_t flows_created);
	void *frame_arg;
};

struct driver;

/* Start a run: a fresh flow table, reassembler, clock and analyzer state.
 * hooks may be NULL. NULL with a one-line message in err. */
struct driver *driver_begin(const struct capture_opts *o, const struct driver_hooks *hooks, char *err,
			    size_t errlen);
/* One frame, with its link type (DLT_ value) and capture time. */
void driver_feed(struct driver *d, int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, ts_usec ts);
/* End the run: with resolve, end every flow and emit the end-of-input
 * verdicts; fill *sum; free d. */
void driver_end(struct driver *d, bool resolve, struct run_summary *sum);
/* The whole run over o's files or interface: begin, read the source,
 * end. Returns CAPTURE_OK or CAPTURE_INPUT_ERROR (message in err). */
int driver_run(const struct capture_opts *o, const struct driver_hooks *hooks, struct run_summary *sum,
	       volatile sig_atomic_t *stop, char *err, size_t errlen);

/* During a run (tests): the clock and the flow table. */
ts_usec driver_now(const struct driver *d);
struct flow_table *driver_flows(struct driver *d);

#endif
