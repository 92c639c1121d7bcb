/* SPDX-License-Identifier: GPL-2.0-or-later */
/* evidence.c - the --evidence sink: for each warn/fail verdict (every
 * verdict with --evidence-all) a small pcap of the frames that prove it,
 * plus index.json (one JSON object per file) and README.txt (what each
 * file shows) in the folder.
 *
 * The sink keeps a compact record per verdict (ids, endpoints, the -r file
 * and frame range, summary), at most EVIDENCE_MAX of them. Offline the
 * frames are read again from each -r file at the end (capture/extract.c),
 * so memory does not grow with the capture. Live, every frame is copied
 * into a ring of the EVIDENCE_RING_PACKETS most recent ones (each cut to
 * EVIDENCE_RING_SNAP bytes: 16 MiB in all, allocated once) and a verdict's
 * pcap is written from the ring as the verdict is made; frames that left
 * the ring before are missing from it (index.json says how many were
 * written). */
#include "evidence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/points.h"
#include "capture/extract.h"
#include "output.h"
#include "provenance.h"
#include "capture/sanitize.h"

#define EVIDENCE_MAX 10000
#define EVIDENCE_BATCH 200 /* files open at once in one extraction pass */
#define EVIDENCE_RING_PACKETS 8192
#define EVIDENCE_RING_SNAP 2048

struct ev_rec {
	const char *id;
	enum severity sev;
	struct extract_want w; /* the flow and frame range (path set when cut) */
	int src; /* the input (provenance.h) its frames are cut from */
	int point; /* --points: the point its frames are cut from (0 the
		    * analysed one, src), -1 without --points */
	ts_usec first_ts;
	char summary[VERDICT_SUMMARY_LEN];
	char name[224];
	uint64_t written;
};

static struct {
	const char *dir;
	bool all;
	struct extract_ring *ring; /* live only */
	struct ev_rec *rec;
	size_t n, cap;
	uint64_t skipped; /* over EVIDENCE_MAX */
	int status;
} EV;

static bool is_ike_verdict(const char *id)
{
	return !strncmp(id, "ike.", 4) || !strncmp(id, "esp.", 4);
}

/* "192.0.2.10_58872"; IPv6 colons become dots so the name is portable. */
static void endpoint_name(const struct addr *a, uint16_t port, char *buf, size_t len)
{
	char ip[64];
	addr_str(a, ip, sizeof ip);
	for (char *c = ip; *c; c++)
		if (*c == ':')
			*c = '.';
	snprintf(buf, len, "%s_%u", ip, port);
}

static void want_of(const struct ev_rec *r, struct extract_want *w, char *path, size_t pathlen)
{
	*w = r->w;
	snprintf(path, pathlen, "%s/%s", EV.dir, r->name);
	w->path = path;
}

static void say_failure(const char *err)
{
	fputs("shakedown: --evidence: ", stderr);
	sanitize_fputs(stderr, err);
	fputc('\n', stderr);
	EV.status = 2;
}

/* Live: the verdict's frames are in the ring now, and may not be later. */
static void cut_from_ring(struct ev_rec *r)
{
	struct extract_want w;
	char path[4096], err[512];
	want_of(r, &w, path, sizeof path);
	if (extract_ring_write(EV.ring, &w, err, sizeof err) < 0)
		say_failure(err);
	r->written = w.written;
}

/* A new record at the end of EV.rec, zeroed; NULL (counted) past the
 * limit or out of memory. */
static struct ev_rec *rec_new(void)
{
	if (EV.n == EV.cap) {
		if (EV.cap == EVIDENCE_MAX) {
			EV.skipped++;
			return NULL;
		}
		size_t cap = EV.cap ? EV.cap * 2 : 64;
		if (cap > EVIDENCE_MAX)
			cap = EVIDENCE_MAX;
		struct ev_rec *r = realloc(EV.rec, cap * sizeof *r);
		if (!r) {
			EV.skipped++;
			return NULL;
		}
		EV.rec = r;
		EV.cap = cap;
	}
	struct ev_rec *r = &EV.rec[EV.n++];
	memset(r, 0, sizeof *r);
	return r;
}

/* --points: besides the analysed point's file (record first, number n),
 * one file per other point that saw the flow: its packets there, as that
 * point saw them (through a NAT, its own addresses), first to last. */
static void add_points(const struct verdict *v, ptrdiff_t first, size_t n, const char *c, const char *s)
{
	const struct points *P = points_active();
	struct points_view w;
	if (!P || P->live || !points_explain(P, v, &w))
		return;
	for (unsigned k = 1; k < P->n; k++) {
		const struct point_rec *at = NULL;
		uint64_t lo = UINT64_MAX, hi = 0;
		int dir = DIR_C2S;
		for (unsigned i = 0; i < w.ncross; i++) {
			uint32_t x = w.c[i].rec[k];
			if (x == POINTS_NONE)
				continue;
			if (!at) {
				at = &P->rec[x];
				dir = w.c[i].dir;
			}
			if (P->rec[x].frame < lo)
				lo = P->rec[x].frame;
			if (P->rec[x].frame > hi)
				hi = P->rec[x].frame;
		}
		if (!at)
			continue;
		struct ev_rec *r = rec_new();
		if (!r)
			break;
		*r = EV.rec[first]; /* EV.rec may have moved: index, not pointer */
		r->point = (int)k;
		r->written = 0;
		r->w.a = dir == DIR_C2S ? at->src : at->dst;
		r->w.b = dir == DIR_C2S ? at->dst : at->src;
		r->w.aport = dir == DIR_C2S ? at->sport : at->dport;
		r->w.bport = dir == DIR_C2S ? at->dport : at->sport;
		r->w.first_frame = lo;
		r->w.last_frame = hi;
		snprintf(r->name, sizeof r->name, "%04zu-%s-%s-%s.%s.pcap", n, v->id, c, s, P->p[k].name);
	}
	points_view_free(&w);
}

static void on_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	if (!EV.all && v->sev < SEV_WARN)
		return;
	if (!v->nevidence || !v->client.family)
		return; /* capture-wide verdicts have no flow to cut */
	struct ev_rec *r = rec_new();
	if (!r)
		return;
	r->point = points_active() ? 0 : -1;
	r->id = v->id;
	r->sev = v->sev;
	r->w.proto = v->proto;
	r->w.a = v->client;
	r->w.b = v->server;
	r->w.aport = v->cport;
	r->w.bport = v->sport;
	r->w.ike = is_ike_verdict(v->id);
	r->first_ts = v->first_ts;
	r->w.first_frame = UINT64_MAX;
	r->src = provenance_of_verdict(v);
	for (unsigned i = 0; i < v->nevidence; i++) {
		uint64_t f = v->ev[i].frame;
		/* frame numbers of another -r file are another file's frames */
		if (!f || provenance_of_evidence(v, &v->ev[i]) != r->src)
			continue;
		if (f < r->w.first_frame)
			r->w.first_frame = f;
		if (f > r->w.last_frame)
			r->w.last_frame = f;
	}
	if (r->w.first_frame == UINT64_MAX) {
		EV.n--;
		return;
	}
	snprintf(r->summary, sizeof r->summary, "%s", v->summary);
	char c[80], s[80];
	endpoint_name(&v->client, v->cport, c, sizeof c);
	endpoint_name(&v->server, v->sport, s, sizeof s);
	if (r->point < 0) {
		snprintf(r->name, sizeof r->name, "%04zu-%s-%s-%s.pcap", EV.n, v->id, c, s);
	} else {
		/* --points: one file per point, named after it */
		size_t n = EV.n;
		const struct points *P = points_active();
		snprintf(r->name, sizeof r->name, "%04zu-%s-%s-%s.%s.pcap", n, v->id, c, s, P->p[0].name);
		ptrdiff_t at = r - EV.rec;
		add_points(v, at, n, c, s);
		r = &EV.rec[at];
	}
	if (EV.ring)
		cut_from_ring(r);
}

/* The capture file a record's frames are cut from. */
static const char *rec_source(const struct ev_rec *r)
{
	const struct points *P = points_active();
	if (r->point > 0 && P)
		return P->p[r->point].path;
	return provenance_name(r->src);
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_NUM_TCP ? "tcp" : p == IPPROTO_NUM_UDP ? "udp" : p == IPPROTO_NUM_ESP ? "esp" : "ip";
}

static FILE *open_in_dir(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", EV.dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "shakedown: --evidence: %s: %s\n", name, strerror(errno));
		EV.status = 2;
	}
	return f;
}

static void write_index(void)
{
	FILE *j = open_in_dir("index.json"), *t = open_in_dir("README.txt");
	if (!j || !t) {
		if (j)
			fclose(j);
		if (t)
			fclose(t);
		return;
	}
	fprintf(t, "Evidence cut by shakedown: one pcap per verdict, with the flow's\n"
		   "frames from the first to the last evidence frame and the ICMP errors\n"
		   "that quote it. Frame numbers are those of the capture file named as\n"
		   "the verdict's source; timestamps are the original ones.\n");
	if (points_active())
		fprintf(t, "With --points, each verdict has one file per point that saw its\n"
			   "flow (NNNN-...-POINT.pcap): the analysed point's evidence frames, and\n"
			   "at every other point the flow's packets as that point saw them\n"
			   "(through a NAT, with its addresses), first to last. Open them side\n"
			   "by side; the report's ladder gives each packet's frame at each point.\n");
	if (EV.ring)
		fprintf(t, "Live capture: frames were kept in a ring of the %u most recent\n"
			   "(each cut to %u bytes); older frames are not in the files.\n",
			extract_ring_capacity(EV.ring), EVIDENCE_RING_SNAP);
	fputs("\nsources:\n", t);
	for (int i = 0; i < provenance_count(); i++) {
		fputs("  ", t);
		sanitize_fputs(t, provenance_name(i));
		fputc('\n', t);
	}
	fputc('\n', t);
	for (size_t i = 0; i < EV.n; i++) {
		const struct ev_rec *r = &EV.rec[i];
		char c[64], s[64], ts[40];
		endpoint_str(&r->w.a, r->w.aport, c, sizeof c);
		endpoint_str(&r->w.b, r->w.bport, s, sizeof s);
		fputs("{\"file\":", j);
		json_write_string(j, r->name);
		fprintf(j, ",\"id\":\"%s\",\"severity\":\"%s\",\"proto\":\"%s\",\"client\":\"%s\",\"server\":\"%s\","
			   "\"first_frame\":%llu,\"last_frame\":%llu,\"frames_written\":%llu,\"source\":",
			r->id, severity_name(r->sev), proto_name(r->w.proto), c, s, (unsigned long long)r->w.first_frame,
			(unsigned long long)r->w.last_frame, (unsigned long long)r->written);
		json_write_string(j, rec_source(r));
		if (r->point >= 0 && points_active()) {
			fputs(",\"point\":", j);
			json_write_string(j, points_active()->p[r->point].name);
		}
		fputs(",\"summary\":", j);
		json_write_string(j, r->summary);
		fputs("}\n", j);
		fprintf(t, "%s\n  %s %s %s %s -> %s, frames %llu-%llu (%llu written), first at %s\n  source: ",
			r->name, severity_name(r->sev), r->id, proto_name(r->w.proto), c, s,
			(unsigned long long)r->w.first_frame, (unsigned long long)r->w.last_frame,
			(unsigned long long)r->written, ts_iso(r->first_ts, ts, sizeof ts));
		sanitize_fputs(t, rec_source(r));
		if (r->point >= 0 && points_active()) {
			fputs(" (point ", t);
			sanitize_fputs(t, points_active()->p[r->point].name);
			fputc(')', t);
		}
		fputs("\n  ", t);
		sanitize_fputs(t, r->summary);
		fputs("\n\n", t);
	}
	if (EV.skipped)
		fprintf(t, "%llu more verdicts had no evidence file (limit %d).\n", (unsigned long long)EV.skipped,
			EVIDENCE_MAX);
	fclose(j);
	fclose(t);
}

/* Offline: one pass over capture file path for the records cut from it
 * (those of input src at point pt; pt -1 without --points). */
static void cut_from_file(const char *path, int src, int pt)
{
	struct extract_want w[EVIDENCE_BATCH];
	char (*paths)[4096] = malloc(EVIDENCE_BATCH * sizeof *paths); /* 800 KiB: not in every run's image */
	size_t idx[EVIDENCE_BATCH];
	size_t next = 0;
	if (!paths) {
		say_failure("out of memory for the evidence file names");
		return;
	}
	for (;;) {
		size_t k = 0;
		for (; next < EV.n && k < EVIDENCE_BATCH; next++) {
			const struct ev_rec *r = &EV.rec[next];
			if (pt > 0 ? r->point == pt : r->src == src && r->point <= 0) {
				idx[k] = next;
				want_of(r, &w[k], paths[k], sizeof paths[k]);
				k++;
			}
		}
		if (!k)
			break;
		char err[512];
		if (capture_extract(path, w, k, err, sizeof err) < 0)
			say_failure(err);
		for (size_t i = 0; i < k; i++)
			EV.rec[idx[i]].written = w[i].written;
	}
	free(paths);
}

static void cut_from_files(void)
{
	for (int src = 0; src < provenance_count(); src++)
		cut_from_file(provenance_name(src), src, -1);
	const struct points *P = points_active();
	for (unsigned k = 1; P && k < P->n; k++)
		cut_from_file(P->p[k].path, 0, (int)k);
}

static void on_summary(const struct run_summary *sum, void *arg)
{
	(void)sum;
	(void)arg;
	if (!EV.ring)
		cut_from_files();
	write_index();
	free(EV.rec);
	EV.rec = NULL;
	extract_ring_free(EV.ring);
	EV.ring = NULL;
}

void evidence_note_frame(const struct capture_frame *fr)
{
	if (EV.ring)
		extract_ring_add(EV.ring, fr->linktype, fr->data, fr->caplen, fr->wirelen, fr->ts, fr->frame);
}

int evidence_attach(const char *dir, bool all, bool live, char *err, size_t errlen)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "--evidence %s: %s", dir, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "--evidence %s: not a directory", dir);
		return -1;
	}
	memset(&EV, 0, sizeof EV);
	EV.dir = dir;
	EV.all = all;
	if (live && !(EV.ring = extract_ring_new(EVIDENCE_RING_PACKETS, EVIDENCE_RING_SNAP))) {
		snprintf(err, errlen, "--evidence: no memory for the ring of recent frames");
		return -1;
	}
	struct verdict_sink s = { on_verdict, on_summary, NULL };
	verdict_add_sink(&s);
	return 0;
}

int evidence_status(void)
{
	return EV.status;
}
