/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-store.h - what the live view remembers, with no curses in sight.
 *
 * Verdicts are copied (the engine's struct verdict lives on its stack)
 * into a bounded pool. Verdicts of the same id between the same two hosts
 * share a row, so a flood of one kind is one line with a count; each row
 * keeps only its newest members. When the pool is full the oldest verdict
 * of the mildest severity goes first, so a flood of ok verdicts never
 * pushes a failure out. Flows are remembered from the driver's periodic
 * snapshots of its flow table and from the verdicts that name them. */
#ifndef SHAKEDOWN_TUI_STORE_H
#define SHAKEDOWN_TUI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/driver.h"
#include "analyzer/verdict.h"
#include "capture/flow.h"

#define TS_KEEP 10000       /* verdicts kept in full */
#define TS_KEEP_PER_ROW 64  /* newest members kept per row */
#define TS_FLOWS 4096       /* flow records remembered */
#define TS_NONE UINT32_MAX

/* One verdict, copied. */
struct ts_rec {
	uint64_t seq;         /* 1-based order of arrival; 0 = free slot */
	uint32_t row;         /* its row's slot */
	uint32_t age_prev, age_next; /* per-severity list, oldest first */
	uint32_t mem_prev, mem_next; /* the row's members, oldest first */
	const char *id;
	enum severity sev;
	uint8_t proto;
	struct addr client, server;
	uint16_t cport, sport;
	uint64_t flow_id;
	ts_usec first_ts, last_ts;
	unsigned nev;
	struct evidence *ev;     /* sorted by time, then frame */
	char *summary;
	char *details;           /* "key\tvalue\n" lines */
	char *ladder;            /* --points: the per-point ladder, "line\n" each, or NULL */
	char *where;             /* --points: its conclusion, sanitized, or NULL */
	const char *remediation; /* static text from the analyzer */
};

/* One line of the verdict list. */
struct ts_row {
	uint32_t gen;   /* bumped each time the slot is reused; 0 = free */
	const char *id;
	enum severity sev;
	uint8_t proto;
	struct addr client, server;
	int cport, sport;   /* -1 when members differ */
	uint64_t flow_id;   /* 0 when members differ or none */
	uint64_t count;     /* every verdict that joined, kept or not */
	uint32_t kept;
	uint32_t head, tail; /* oldest and newest kept member */
	ts_usec first_ts, last_ts;
	uint64_t last_seq;
	uint32_t hnext;
};

/* What the view remembers of a flow. */
struct ts_flow {
	uint64_t id; /* engine flow id; 0 = free */
	uint8_t proto;
	struct addr client, server;
	uint16_t cport, sport;
	uint32_t spi;
	uint64_t pkts[2], bytes[2];
	ts_usec first_ts, last_ts;
	char phase[96];
	char problem[120]; /* a developing problem (before its verdict), or "" */
	ts_usec phase_ts; /* packet time the phase was read at */
	int worst;        /* worst verdict severity, -1 = none */
	uint32_t nverdicts;
	const char *last_id;
	uint64_t look;    /* the table look that last saw it */
	uint32_t hnext, lru_prev, lru_next;
};

/* The filter typed after '/': space separated words, all must match.
 * fail|warn|info|ok = that severity, warn+ = warn or worse,
 * tcp|udp|esp|icmp = that protocol, anything else = text found in the id,
 * the endpoints, the summary or the flow phase; '-' before a word negates it. */
#define FILTER_TEXT 128
#define FILTER_WORDS 8
enum { FW_TEXT, FW_SEV, FW_SEV_MIN, FW_PROTO };
struct filter_word {
	int kind;
	bool neg;
	int sev;
	uint8_t proto;
	char s[FILTER_TEXT];
};
struct filter {
	char text[FILTER_TEXT];
	int nwords;
	struct filter_word w[FILTER_WORDS];
};

/* A row as the list shows it; copied so a paused display stays still. */
struct ts_view_row {
	uint32_t slot, gen;
	struct ts_row r;
	char mark; /* place in its group: 0 alone, 'f' first, 'm' middle, 'l' last */
};

enum { SORT_SEVERITY = 0, SORT_NEWEST = 1 };
enum { FSORT_RECENT = 0, FSORT_IDLE = 1 };

void store_init(void);
void store_free(void);
/* The verdict sink. */
void store_add(const struct verdict *v);
/* Take the driver's snapshot: the newest flows of the engine's table
 * (when snap->look) and the last state of the flows that ended. */
void store_look_flows(const struct driver_snapshot *snap);
/* Verdicts kept / seen but not kept (per severity). */
uint64_t store_kept(void);
uint64_t store_dropped(void);
bool store_changed(uint64_t *since);

const struct ts_row *store_row(uint32_t slot, uint32_t gen);
const struct ts_rec *store_rec_at(uint32_t idx);
/* Members of a row: the newest, and stepping through them. */
const struct ts_rec *store_row_member(const struct ts_row *r, uint64_t seq);
const struct ts_rec *store_row_step(const struct ts_row *r, uint64_t seq, int delta);
/* Position of member seq in its row (1 = oldest kept). */
unsigned store_row_position(const struct ts_row *r, uint64_t seq);
/* The kept verdicts naming a flow, most severe first; returns how many. */
size_t store_flow_verdicts(uint64_t flow_id, const struct ts_rec **out, size_t max);

/* Build the list. Returns the number of rows in *out (caller frees). */
size_t store_rows(const struct filter *f, int sort, struct ts_view_row **out);
/* Build the flows list; live_only keeps the flows seen by the last look. */
size_t store_flows(const struct filter *f, int sort, bool live_only, struct ts_flow **out);
uint64_t store_flows_known(void);
/* The flows of the last look with a developing problem, the longest
 * known first; returns how many (at most max) were put in out. */
size_t store_developing(const struct ts_flow **out, size_t max);

void filter_parse(struct filter *f, const char *text);
bool filter_row(const struct filter *f, const struct ts_row *r, const char *summary);
bool filter_flow(const struct filter *f, const struct ts_flow *fl);

/* Helpers shared with the drawing code. */
const char *proto_label(uint8_t proto);
/* "192.0.2.1:22", "[2001:db8::1]:*" (port -1 = varies). */
void endpoint_text(const struct addr *a, int port, char *buf, size_t len);
/* "192.0.2.1:* > 198.51.100.2:22" with '*' for a port that varies. */
void endpoints_text(const struct addr *c, int cport, const struct addr *s, int sport, const char *arrow, char *buf,
		    size_t len);

#endif
