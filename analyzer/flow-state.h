/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow-state.h - the analyzers' per-flow state, kept in flow->state, and
 * the deadline a flow asks the engine for. It sits below the dispatcher
 * (analyzer.c) and every analyzer: they all include it, it includes none
 * of them. */
#ifndef SHAKEDOWN_FLOW_STATE_H
#define SHAKEDOWN_FLOW_STATE_H

#include "../capture/flow.h"

struct tcp_state;

enum app_proto {
	APP_UNKNOWN = 0, /* no payload seen yet */
	APP_SSH,         /* an SSH identification was seen (or expected on its port) */
	APP_NOT_SSH,     /* payload seen, not SSH: no stream bytes wanted */
	APP_IKE,
	APP_ESP,
	APP_OTHER,
};

/* The fixed per-flow state, kept in flow->state. */
struct flow_state {
	uint8_t app;          /* enum app_proto */
	bool app_verdict;     /* an application analyzer reported on this flow */
	bool done;            /* all verdicts for this flow were emitted */
	bool tcp_fresh;       /* TCP: no state yet; the flow's first packet, a
				* plain SYN, makes its compact form (tcp.c) */
	uint32_t app_aux;     /* analyzer-owned: ESP flows keep 1 + their ESP
				* SA's index (esp.c), checked before use */
	void *app_state;       /* analyzer-owned, from a bounded pool; a plain
				* ESP flow's is only a prefetch hint (esp.c) */
	struct tcp_state *tcp; /* TCP flows only: from tcp.c's pool, so UDP and
				* ESP flows stay small */
	uint32_t tcp_packed;   /* while tcp is NULL: 1 + the index of the compact
				* copy of a connection that is only its client's
				* SYNs so far, with the top bit set when it is the
				* wide form of three SYNs or more (tcp-state.c),
				* 0 = none */
	bool tcp_closed;       /* TCP: the connection closed cleanly and was
				* judged (analyzer_close); tcp is NULL, and the
				* flow only absorbs late packets until it leaves
				* the table or a new SYN restarts it (tcp.c) */
};

_Static_assert(sizeof(struct flow_state) <= FLOW_STATE_BYTES, "flow_state outgrew FLOW_STATE_BYTES");
_Static_assert(_Alignof(struct flow_state) <= 8, "flow->state is 8-byte aligned");

static inline struct flow_state *flow_state(struct flow *f)
{
	return (struct flow_state *)(void *)f->state;
}
static inline const struct flow_state *flow_state_c(const struct flow *f)
{
	return (const struct flow_state *)(const void *)f->state;
}

/* Analyzers ask to be called back at packet time t (earliest wins). */
static inline void flow_set_deadline(struct flow *f, ts_usec t)
{
	if (t && (!f->deadline || t < f->deadline))
		f->deadline = t;
}

#endif
