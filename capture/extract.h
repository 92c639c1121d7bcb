/* SPDX-License-Identifier: GPL-2.0-or-later */
/* extract.h - write the frames behind a verdict from a capture file into a
 * small pcap of their own (--evidence). */
#ifndef SHAKEDOWN_EXTRACT_H
#define SHAKEDOWN_EXTRACT_H

#include <stddef.h>
#include <stdint.h>
#include "packet.h"

/* One evidence file: the frames first_frame..last_frame (inclusive) of the
 * flow between a and b (either direction; a port of 0 matches any), and the
 * ICMP errors that quote it. With ike set, UDP 500/4500, IP fragments and
 * ESP between the two addresses count too (an IKE SA and its ESP). */
struct extract_want {
	uint8_t proto;
	struct addr a, b;
	uint16_t aport, bport;
	bool ike;
	uint64_t first_frame, last_frame;
	const char *path; /* the pcap to write */
	uint64_t written; /* out: frames written */
	void *dumper;     /* private */
};

/* One pass over file writing every request; at most a few hundred at a
 * time (each holds an open file). 0, or -1 with a message in err. */
int capture_extract(const char *file, struct extract_want *w, size_t n, char *err, size_t errlen);

/* Live evidence: a ring of the most recent frames, `packets` of them at
 * most, each cut to `snap` bytes (the frame's own length is kept). Memory
 * is allocated once: packets * (snap + a few dozen bytes). */
struct extract_ring;
struct extract_ring *extract_ring_new(uint32_t packets, uint32_t snap);
void extract_ring_add(struct extract_ring *r, int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		      ts_usec ts, uint64_t frame);
/* Write the request's frames still in the ring to w->path (w->written set).
 * 0, or -1 with a message in err. */
int extract_ring_write(struct extract_ring *r, struct extract_want *w, char *err, size_t errlen);
/* Frames the ring held at most, and frames that left it. */
uint32_t extract_ring_capacity(const struct extract_ring *r);
void extract_ring_free(struct extract_ring *r);

#endif
