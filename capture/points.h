/* SPDX-License-Identifier: GPL-2.0-or-later */
/* points.h - several captures of the same traffic taken at different
 * points of its path (--points): the LAN and WAN side of a firewall, the
 * client host. Each point's IP packets are read once and fingerprinted by
 * what a router or a NAT leaves alone (IP id, TCP sequence, ack, flags and
 * length, a hash of UDP payloads, ESP SPI and sequence), never by
 * addresses or ports, so a NAT'd copy matches its original. From packets
 * that match one to one this module estimates each point's clock offset
 * from the first point, then matches every packet to its copies at the
 * other points, nearest in corrected time.
 *
 * What others may use: the tables (struct points, struct point,
 * struct point_rec) read-only, and the calls below. The conclusions drawn
 * from them for verdicts are in analyzer/points.h. */
#ifndef SHAKEDOWN_POINTS_H
#define SHAKEDOWN_POINTS_H

#include "capture/capture.h"
#include "packet.h"

#define POINTS_MAX 8
#define POINTS_NAME_LEN 32
/* Records kept over all points; more IP packets are counted, not kept.
 * Live, the table holds POINTS_LIVE_RECORDS and starts over when full. */
#define POINTS_MAX_RECORDS (2u << 20)
#define POINTS_LIVE_RECORDS (1u << 18)
/* Live: a point is judged up to this long (µs) before the newest frame of
 * any point: a copy still on its way (through the firewall, through the
 * other interface's ring) is not called lost. */
#define POINTS_LIVE_SETTLE 100000ull
#define POINTS_NONE UINT32_MAX

/* One IP packet at one point. */
struct point_rec {
	uint64_t frame; /* in its own file, 1-based */
	ts_usec ts;     /* its own clock */
	uint64_t fp;    /* fingerprint: no addresses, ports or TTL */
	struct addr src, dst;
	uint16_t sport, dport;
	uint32_t spi;
	uint8_t proto, ttl, tcp_flags;
	uint8_t point;  /* the point it was captured at */
	bool dup;       /* a copy of the packet just before it (span ports) */
	uint32_t payload_len;
	uint32_t flow_next;          /* next record of the same 5-tuple at this point */
	uint32_t match[POINTS_MAX];  /* the same packet at each point (own index at its own) */
	struct pflog_meta pf;        /* pflog points */
	char what[24];               /* "SYN", "PSH-ACK 41 B", "SSH banner", ... */
};

struct point {
	char name[POINTS_NAME_LEN];
	const char *path;
	bool pflog;        /* a pflog capture: says what pf blocked, not a place */
	uint32_t first, n; /* its records */
	ts_usec first_ts, last_ts;
	/* this point's clock minus the first point's, from matched packets */
	int64_t offset;
	uint32_t offset_samples;
	uint64_t frames, ip_packets, duplicates, matched, not_kept;
};

struct points_live;

struct points {
	unsigned n;
	struct point p[POINTS_MAX];
	/* live (points_live_new): interfaces on one clock, records added as
	 * frames pass; when the table is full it starts over (restarts) */
	bool live;
	uint64_t restarts;
	struct points_live *lv;
	struct point_rec *rec;
	uint32_t nrec, caprec;
	/* index by fingerprint and by 5-tuple: open addressing, record + 1 */
	uint32_t *by_fp, *by_flow;
	uint32_t index_mask;
	/* router hops between two points, from TTLs of matched packets:
	 * -1 unknown */
	int hops[POINTS_MAX][POINTS_MAX];
};

/* "name=path" or "path" (the name is the file's base name without its
 * extensions); false when the name is empty or too long. */
bool points_parse_arg(const char *arg, char *name, size_t namelen, const char **path);
/* Read every point, fingerprint, estimate offsets and match. filter is a
 * BPF filter or NULL. NULL with a message in err. */
struct points *points_load(unsigned n, char names[][POINTS_NAME_LEN], const char **paths, const char *filter,
			   char *err, size_t errlen);
void points_free(struct points *P);
/* Live points (--points -i NAME=IFACE ...): an empty table for interfaces
 * that share one clock (every offset 0). NULL with a message in err. */
struct points *points_live_new(unsigned n, char names[][POINTS_NAME_LEN], const char **ifaces, char *err,
			       size_t errlen);
/* Live: one frame of point fr->file, in time order across the points
 * (capture_opts.ifaces merges them): fingerprinted, indexed and matched to
 * the copies already recorded at the other points. */
void points_live_add(struct points *P, const struct capture_frame *fr);

/* A point's time of a record, on the first point's clock. */
static inline ts_usec points_time0(const struct points *P, unsigned pt, ts_usec ts)
{
	return (ts_usec)((int64_t)ts - P->p[pt].offset);
}
/* Was point pt capturing at first-point time t (its interval, shifted by
 * its offset)? */
bool points_capturing(const struct points *P, unsigned pt, ts_usec t0);
/* The point a record belongs to. */
unsigned points_owner(const struct points *P, uint32_t rec);
/* The first record of a 5-tuple (either orientation) at point pt, then
 * the next ones through rec[i].flow_next; POINTS_NONE when none. */
uint32_t points_flow_first(const struct points *P, unsigned pt, uint8_t proto, const struct addr *a, uint16_t ap,
			   const struct addr *b, uint16_t bp);
/* The record of frame at point pt, or POINTS_NONE (files only: live
 * records of the points are interleaved). */
uint32_t points_by_frame(const struct points *P, unsigned pt, uint64_t frame);
/* Is record r of the 5-tuple (either orientation)? */
bool points_rec_in_flow(const struct point_rec *r, uint8_t proto, const struct addr *a, uint16_t ap,
			const struct addr *b, uint16_t bp);

#endif
