/* SPDX-License-Identifier: GPL-2.0-or-later */
/* evidence.c - the --evidence sink: for each warn/fail verdict (every
 * verdict with --evidence-all) a small pcap of the frames that prove it,
 * cut from the analysed file after the run, plus index.json (one JSON
 * object per file) and README.txt (what each file shows) in the folder.
 *
 * The sink keeps a compact record per verdict (ids, endpoints, frame
 * range, summary), at most EVIDENCE_MAX of them; the frames themselves are
 * read again from the file at the end (capture/extract.c), so memory does
 * not grow with the capture. */
#include "evidence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/extract.h"
#include "output.h"
#include "capture/sanitize.h"

#define EVIDENCE_MAX 10000
#define EVIDENCE_BATCH 200 /* files open at once in one extraction pass */

struct ev_rec {
	const char *id;
	enum severity sev;
	uint8_t proto;
	struct addr client, server;
	uint16_t cport, sport;
	uint64_t first_frame, last_frame;
	ts_usec first_ts;
	char summary[VERDICT_SUMMARY_LEN];
	char name[224];
	uint64_t written;
};

static struct {
	const char *dir;
	const char *file;
	bool all;
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

static void on_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	if (!EV.all && v->sev < SEV_WARN)
		return;
	if (!v->nevidence || !v->client.family)
		return; /* capture-wide verdicts have no flow to cut */
	if (EV.n == EV.cap) {
		if (EV.cap == EVIDENCE_MAX) {
			EV.skipped++;
			return;
		}
		size_t cap = EV.cap ? EV.cap * 2 : 64;
		if (cap > EVIDENCE_MAX)
			cap = EVIDENCE_MAX;
		struct ev_rec *r = realloc(EV.rec, cap * sizeof *r);
		if (!r) {
			EV.skipped++;
			return;
		}
		EV.rec = r;
		EV.cap = cap;
	}
	struct ev_rec *r = &EV.rec[EV.n++];
	memset(r, 0, sizeof *r);
	r->id = v->id;
	r->sev = v->sev;
	r->proto = v->proto;
	r->client = v->client;
	r->server = v->server;
	r->cport = v->cport;
	r->sport = v->sport;
	r->first_ts = v->first_ts;
	r->first_frame = UINT64_MAX;
	for (unsigned i = 0; i < v->nevidence; i++) {
		uint64_t f = v->ev[i].frame;
		if (!f)
			continue;
		if (f < r->first_frame)
			r->first_frame = f;
		if (f > r->last_frame)
			r->last_frame = f;
	}
	if (r->first_frame == UINT64_MAX) {
		EV.n--;
		return;
	}
	snprintf(r->summary, sizeof r->summary, "%s", v->summary);
	char c[80], s[80];
	endpoint_name(&v->client, v->cport, c, sizeof c);
	endpoint_name(&v->server, v->sport, s, sizeof s);
	snprintf(r->name, sizeof r->name, "%04zu-%s-%s-%s.pcap", EV.n, v->id, c, s);
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
	fprintf(t, "Evidence cut by shakedown from one capture: one pcap per verdict,\n"
		   "with the flow's frames from the first to the last evidence frame and\n"
		   "the ICMP errors that quote it. Frame numbers are the original\n"
		   "capture's; timestamps are the original ones.\n\nsource: ");
	sanitize_fputs(t, EV.file);
	fputs("\n\n", t);
	for (size_t i = 0; i < EV.n; i++) {
		const struct ev_rec *r = &EV.rec[i];
		char c[64], s[64], ts[40];
		endpoint_str(&r->client, r->cport, c, sizeof c);
		endpoint_str(&r->server, r->sport, s, sizeof s);
		fputs("{\"file\":", j);
		json_write_string(j, r->name);
		fprintf(j, ",\"id\":\"%s\",\"severity\":\"%s\",\"proto\":\"%s\",\"client\":\"%s\",\"server\":\"%s\","
			   "\"first_frame\":%llu,\"last_frame\":%llu,\"frames_written\":%llu,\"source\":",
			r->id, severity_name(r->sev), proto_name(r->proto), c, s, (unsigned long long)r->first_frame,
			(unsigned long long)r->last_frame, (unsigned long long)r->written);
		json_write_string(j, EV.file);
		fputs(",\"summary\":", j);
		json_write_string(j, r->summary);
		fputs("}\n", j);
		fprintf(t, "%s\n  %s %s %s %s -> %s, frames %llu-%llu (%llu written), first at %s\n  ", r->name,
			severity_name(r->sev), r->id, proto_name(r->proto), c, s, (unsigned long long)r->first_frame,
			(unsigned long long)r->last_frame, (unsigned long long)r->written,
			ts_iso(r->first_ts, ts, sizeof ts));
		sanitize_fputs(t, r->summary);
		fputs("\n\n", t);
	}
	if (EV.skipped)
		fprintf(t, "%llu more verdicts had no evidence file (limit %d).\n", (unsigned long long)EV.skipped,
			EVIDENCE_MAX);
	fclose(j);
	fclose(t);
}

static void on_summary(const struct run_summary *sum, void *arg)
{
	(void)sum;
	(void)arg;
	struct extract_want w[EVIDENCE_BATCH];
	char paths[EVIDENCE_BATCH][4096];
	for (size_t done = 0; done < EV.n;) {
		size_t k = EV.n - done < EVIDENCE_BATCH ? EV.n - done : EVIDENCE_BATCH;
		for (size_t i = 0; i < k; i++) {
			const struct ev_rec *r = &EV.rec[done + i];
			memset(&w[i], 0, sizeof w[i]);
			w[i].proto = r->proto;
			w[i].a = r->client;
			w[i].b = r->server;
			w[i].aport = r->cport;
			w[i].bport = r->sport;
			w[i].ike = is_ike_verdict(r->id);
			w[i].first_frame = r->first_frame;
			w[i].last_frame = r->last_frame;
			snprintf(paths[i], sizeof paths[i], "%s/%s", EV.dir, r->name);
			w[i].path = paths[i];
		}
		char err[512];
		if (capture_extract(EV.file, w, k, err, sizeof err) < 0) {
			fputs("shakedown: --evidence: ", stderr);
			sanitize_fputs(stderr, err);
			fputc('\n', stderr);
			EV.status = 2;
		}
		for (size_t i = 0; i < k; i++)
			EV.rec[done + i].written = w[i].written;
		done += k;
	}
	write_index();
	free(EV.rec);
	EV.rec = NULL;
}

int evidence_attach(const char *dir, const char *file, bool all, char *err, size_t errlen)
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
	EV.file = file;
	EV.all = all;
	struct verdict_sink s = { on_verdict, on_summary, NULL };
	verdict_add_sink(&s);
	return 0;
}

int evidence_status(void)
{
	return EV.status;
}
