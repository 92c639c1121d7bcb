/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh.h - the SSH analyzer: identification lines, binary packet framing
 * up to NEWKEYS, KEXINIT negotiation, HASSH, and where a handshake stalls. */
#ifndef SHAKEDOWN_SSH_H
#define SHAKEDOWN_SSH_H

#include "../capture/flow.h"

struct pkt;

void ssh_init(void);
/* Give the session pool back (the analyzer's teardown). */
void ssh_free(void);
/* Every TCP packet of a flow (after tcp_packet). Decides whether the flow
 * may be SSH and sets f->want_stream accordingly. */
void ssh_packet(struct flow *f, int dir, const struct pkt *p);
/* In-order stream bytes of side `dir`. */
void ssh_stream(struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame, ts_usec ts);
void ssh_timer(struct flow *f, ts_usec now);
void ssh_flow_end(struct flow *f, int why, ts_usec now);
void ssh_describe(const struct flow *f, ts_usec now, char *buf, size_t len);
/* The handshake waits on the server longer than a second, or the client's
 * data goes unacknowledged and re-sent: one line saying so (see
 * analyzer_problem()). False when the session is healthy or judged. */
bool ssh_problem(const struct flow *f, ts_usec now, char *buf, size_t len);

#endif
