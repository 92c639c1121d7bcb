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

#endif
