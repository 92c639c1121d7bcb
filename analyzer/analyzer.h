/* SPDX-License-Identifier: GPL-2.0-or-later */
/* analyzer.h - what the engine calls, and the per-flow state layout.
 *
 * The pipeline driver (driver.c) hands every decoded packet to analyzer_packet()
 * with its flow, in-order stream bytes to analyzer_stream(), and calls
 * analyzer_timer() when a flow's deadline passes and analyzer_flow_end()
 * when a flow leaves the table. Dispatch to tcp, ssh, ike and esp lives
 * in analyzer.c; the analyzers never call back into it (what they share
 * about a flow is in flow-state.h, below them all). */
#ifndef SHAKEDOWN_ANALYZER_H
#define SHAKEDOWN_ANALYZER_H

#include "../capture/flow.h"
#include "config.h"
#include "flow-state.h"
#include "tcp.h"

/* Start a run: empty tables and counters (see analyzer.c). */
void analyzer_init(void);
/* End of a run: give back what analyzer_init() and the run allocated;
 * analyzer_init() may follow for another run. */
void analyzer_teardown(void);
void analyzer_flow_new(struct flow *f, const struct pkt *p);
/* True when the packet closed a TCP connection cleanly (both FINs
 * acknowledged): the driver then calls analyzer_close() once the
 * reassembler has seen the packet too. */
bool analyzer_packet(struct flow *f, int dir, const struct pkt *p);
/* Judge a cleanly closed TCP connection now (its verdicts can no longer
 * change) and free its TCP and SSH state; the flow stays in the table,
 * a few hundred bytes, until the closed-flow linger ends, and absorbs the
 * late ACKs and retransmissions of the closed connection. A new SYN on
 * it starts a new connection as before. */
void analyzer_close(struct flow *f, ts_usec now);
/* Ask the CPU for the analyzers' state of f, which a packet a few places
 * ahead in the batch will need (a hint: changes nothing). */
void analyzer_prefetch(const struct flow *f);
/* A packet with no flow of its own (ICMP, non-first fragments...). */
void analyzer_flowless(const struct pkt *p, struct flow *quoted, int quoted_dir);
void analyzer_stream(struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame, ts_usec ts);
void analyzer_timer(struct flow *f, ts_usec now);
/* A flow silent for ANALYZER_QUIET_AFTER (the flow table's quiet callback,
 * once per silence): shrink what it holds until its next packet (a TCP
 * connection's full state is squeezed, losslessly: tcp_state_squeeze).
 * Most connections open at once on a busy link are waiting: for a FIN's
 * ACK, a server's banner, a retried SYN, an idle timeout. */
#define ANALYZER_QUIET_AFTER SEC(5)
void analyzer_quiet(struct flow *f, ts_usec now);
/* A new connection reuses this flow's 4-tuple: application analyzers end
 * the old one (tcp.c resets its own state). */
void analyzer_conn_restart(struct flow *f, ts_usec now);
void analyzer_tick(ts_usec now); /* about once per second of packet time */
void analyzer_flow_end(struct flow *f, enum flow_end_reason why, ts_usec now);
struct run_summary;
/* End of input: aggregated verdicts and capture quality. */
void analyzer_finish(ts_usec now, struct run_summary *sum);
/* One line of "where is this flow now" for the live flow view. */
void analyzer_describe(const struct flow *f, ts_usec now, char *buf, size_t len);
/* A problem developing on the flow before its verdict is due ("SSH: no
 * server banner for 3.2 s, client data unacknowledged x4"), as of now:
 * true with the line in buf, false (buf empty) when there is none. */
bool analyzer_problem(const struct flow *f, ts_usec now, char *buf, size_t len);

#endif
