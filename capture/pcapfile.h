/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcapfile.h - the records of a classic pcap file read in large blocks,
 * without libpcap's per-packet stdio reads. capture.c uses it for -r files
 * that are plain regular pcap files; libpcap stays the reference: it opens
 * every file (header, link type, snapshot length, errors), and whatever
 * this reader does not take as ordinary goes back to libpcap. */
#ifndef SHAKEDOWN_PCAPFILE_H
#define SHAKEDOWN_PCAPFILE_H

#include <pcap.h>

struct pcapfile;

/* A reader for path, whose header libpcap has read into pc, or NULL when
 * the file is not a regular, uncompressed pcap file of version 2.4 (with
 * microsecond or nanosecond timestamps, either byte order) or cannot be
 * opened again: then libpcap reads it. */
struct pcapfile *pcapfile_open(const char *path, pcap_t *pc);

/* The next record, as libpcap would return it with microsecond
 * timestamps: 1 with *h and *data (valid until the next call), 0 at the
 * clean end of the file, -1 for anything else (a record cut short, a
 * capture length above the snapshot length or 262144, a read error).
 * After -1 the caller hands the file to libpcap, which reads the same
 * records again and words the problem exactly as it always does;
 * pcapfile_records() tells how many to skip. */
int pcapfile_next(struct pcapfile *r, struct pcap_pkthdr **h, const u_char **data);
unsigned long long pcapfile_records(const struct pcapfile *r);
void pcapfile_close(struct pcapfile *r);

#endif
