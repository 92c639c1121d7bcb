/* SPDX-License-Identifier: GPL-2.0-or-later */
/* limits.h - every bounded table of the engine and the analyzers, by name,
 * and the record each keeps of reaching its bound: how often, the limit,
 * and the first packet that found the table full. Each module owns its own
 * record; the driver and the analyzer copy them into the run summary, and
 * the capture.* verdicts and the sinks read them from there. Data and one
 * inline helper only, so every layer may include it. */
#ifndef SHAKEDOWN_LIMITS_H
#define SHAKEDOWN_LIMITS_H

#include <stdint.h>
#include "packet.h"

enum limit_table {
	LIMIT_FLOWS,          /* capture/flow.c: the flow table (--max-flows) */
	LIMIT_TCP_HOLD,       /* capture/stream.c: TCP bytes held beyond a hole, all flows */
	LIMIT_TCP_HOLD_DIR,   /* capture/stream.c: the same, per direction */
	LIMIT_FRAGMENTS,      /* capture/stream.c: IPv4 datagrams being reassembled */
	LIMIT_FRAGMENT_BYTES, /* capture/stream.c: bytes of those fragments */
	LIMIT_TIME_WAIT,      /* analyzer/tcp.c: closed connections remembered */
	LIMIT_SYN_TARGETS,    /* analyzer/tcp-verdicts.c: targets of unanswered SYNs */
	LIMIT_SERVER_TTLS,    /* analyzer/tcp.c: TTLs of servers' SYN-ACKs (forged refusals) */
	LIMIT_SSH,            /* analyzer/ssh.c: SSH handshakes followed (--max-ssh) */
	LIMIT_IKE,            /* analyzer/ike-sa.c: IKE SAs (--max-ike) */
	LIMIT_ESP,            /* analyzer/esp-sa.c: ESP SAs (4 x --max-ike) */
	LIMIT_EVIDENCE,       /* analyzer/verdict.c: evidence frames per verdict */
	LIMIT_DETAILS,        /* analyzer/verdict.c: details per verdict */
	LIMIT_COUNT
};

struct limit_hit {
	uint64_t times;       /* items refused, evicted or overwritten */
	uint64_t limit;       /* the bound, in the table's unit */
	ts_usec first_ts;     /* packet time of the first hit (0: unknown) */
	uint64_t first_frame; /* frame of the first hit (0: unknown) */
};

/* What the report, the JSON summary and the verdict say about a table. */
struct limit_info {
	const char *key;    /* JSON key and verdict detail value */
	const char *table;  /* in words */
	const char *unit;   /* what the limit counts */
	const char *option; /* the option that raises it, or NULL */
	const char *lost;   /* what happens to an item that found it full */
};

const struct limit_info *limit_info(enum limit_table t);

/* One more hit; the first one records when. */
static inline void limit_note(struct limit_hit *h, ts_usec ts, uint64_t frame)
{
	if (!h->times++) {
		h->first_ts = ts;
		h->first_frame = frame;
	}
}

#endif
