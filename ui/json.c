/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.c - JSON Lines output (schema 1, documented in docs/json.md). */
#include "output.h"
#include "analyzer/points.h"
#include "community-id.h"
#include "provenance.h"
#include "roles.h"
#include "capture/capture.h"
#include "capture/sanitize.h"

#include <math.h>
#include <string.h>

static FILE *json_out;
static FILE *json_copy; /* --bundle's report.jsonl beside the output */
static bool live_flush; /* flush each line (live capture, pipes) */
static uint16_t community_id_seed;

void json_write_string(FILE *out, const char *str)
{
	sanitize_json(out, str);
}

/* Numbers without printf: verdict lines are the bulk of a big run's output. */
static void put_u64(FILE *o, uint64_t n)
{
	char b[24];
	int i = (int)sizeof b;
	do {
		b[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	fwrite_unlocked(b + i, 1, sizeof b - (size_t)i, o);
}

static void put_i64(FILE *o, long long n)
{
	if (n < 0) {
		putc_unlocked('-', o);
		put_u64(o, (uint64_t)0 - (uint64_t)n);
	} else {
		put_u64(o, (uint64_t)n);
	}
}

/* seconds with six decimals */
static void put_ts(FILE *o, ts_usec t)
{
	put_u64(o, t / 1000000);
	char b[8] = { '.' };
	uint32_t us = (uint32_t)(t % 1000000);
	for (int i = 6; i >= 1; i--, us /= 10)
		b[i] = (char)('0' + us % 10);
	fwrite_unlocked(b, 1, 7, o);
}

static void put(FILE *o, const char *s)
{
	fputs_unlocked(s, o);
}

static void write_endpoint(FILE *o, const char *name, const struct addr *a, uint16_t port)
{
	char b[64];
	putc_unlocked('"', o);
	put(o, name);
	put(o, "\":{\"ip\":");
	if (a->family)
		json_write_string(o, addr_str(a, b, sizeof b));
	else
		put(o, "null");
	put(o, ",\"port\":");
	put_u64(o, port);
	putc_unlocked('}', o);
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_NUM_TCP:
		return "tcp";
	case IPPROTO_NUM_UDP:
		return "udp";
	case IPPROTO_NUM_ESP:
		return "esp";
	default:
		return NULL;
	}
}

/* What log pipelines join on: the time as Suricata's EVE writes it, our
 * flow id, and the Community ID of the flow (Zeek, Suricata, Elastic). */
static void write_join_keys(FILE *o, const struct verdict *v)
{
	char b[64];
	put(o, ",\"timestamp\":");
	if (v->first_ts) {
		/* ts_iso's "...123456Z" written as EVE writes it: "...123456+0000" */
		size_t n = strlen(ts_iso(v->first_ts, b, sizeof b - 4));
		if (n && b[n - 1] == 'Z')
			memcpy(b + n - 1, "+0000", 6);
		json_write_string(o, b);
	} else {
		put(o, "null");
	}
	put(o, ",\"flow_id\":");
	if (v->flow_id)
		put_u64(o, v->flow_id);
	else
		put(o, "null");
	put(o, ",\"community_id\":");
	char cid[COMMUNITY_ID_LEN];
	if (v->proto && v->client.family &&
	    community_id_v1(community_id_seed, v->proto, &v->client, v->cport, &v->server, v->sport, cid))
		json_write_string(o, cid);
	else
		put(o, "null");
}

/* --points: where the flow's packets were seen (docs/json.md). */
#define JSON_LADDER_MAX 200

static void write_name_list(FILE *o, const struct points *P, unsigned mask)
{
	putc_unlocked('[', o);
	bool first = true;
	for (unsigned k = 0; k < P->n; k++)
		if ((mask >> k) & 1) {
			if (!first)
				putc_unlocked(',', o);
			first = false;
			json_write_string(o, P->p[k].name);
		}
	putc_unlocked(']', o);
}

static void write_points(FILE *o, const struct verdict *v)
{
	const struct points *P = points_active();
	struct points_view w;
	if (!P || !points_explain(P, v, &w))
		return;
	put(o, ",\"points\":{\"seen_at\":");
	write_name_list(o, P, w.seen_mask);
	put(o, ",\"lost_between\":");
	if (w.lost_between[0]) {
		/* "from,to" (names have no comma: points_parse_arg) */
		char from[sizeof w.lost_between];
		snprintf(from, sizeof from, "%s", w.lost_between);
		char *comma = strrchr(from, ',');
		if (comma)
			*comma++ = 0;
		putc_unlocked('[', o);
		json_write_string(o, from);
		putc_unlocked(',', o);
		json_write_string(o, comma ? comma : "");
		putc_unlocked(']', o);
	} else {
		put(o, "null");
	}
	put(o, ",\"direction\":");
	if (w.direction[0])
		json_write_string(o, w.direction);
	else
		put(o, "null");
	put(o, ",\"place\":");
	json_write_string(o, w.place);
	put(o, ",\"lost_packets\":");
	put_u64(o, w.nlost);
	put(o, ",\"conclusion\":");
	json_write_string(o, w.conclusion);
	put(o, ",\"ladder\":[");
	unsigned rows = w.ncross < JSON_LADDER_MAX ? w.ncross : JSON_LADDER_MAX;
	for (unsigned i = 0; i < rows; i++) {
		const struct points_cross *c = &w.c[i];
		put(o, i ? ",{\"ts\":" : "{\"ts\":");
		put_ts(o, c->t0);
		put(o, c->dir == DIR_C2S ? ",\"dir\":\"c2s\",\"what\":" : ",\"dir\":\"s2c\",\"what\":");
		json_write_string(o, c->what);
		put(o, ",\"frames\":{");
		for (unsigned k = 0; k < P->n; k++) {
			if (k)
				putc_unlocked(',', o);
			json_write_string(o, P->p[k].name);
			putc_unlocked(':', o);
			if (c->rec[k] != POINTS_NONE)
				put_u64(o, P->rec[c->rec[k]].frame);
			else
				put(o, c->judged[k] || P->p[k].pflog ? "null" : "\"not capturing\"");
		}
		put(o, c->lost ? "},\"lost\":true}" : "},\"lost\":false}");
	}
	put(o, "],\"ladder_rows_left_out\":");
	put_u64(o, w.ncross - rows);
	putc_unlocked('}', o);
	points_view_free(&w);
}

static void write_points_summary(FILE *o)
{
	const struct points *P = points_active();
	if (!P)
		return;
	put(o, ",\"points\":[");
	for (unsigned k = 0; k < P->n; k++) {
		const struct point *p = &P->p[k];
		put(o, k ? ",{\"name\":" : "{\"name\":");
		json_write_string(o, p->name);
		put(o, ",\"file\":");
		json_write_string(o, p->path);
		put(o, p->pflog ? ",\"pflog\":true,\"ip_packets\":" : ",\"pflog\":false,\"ip_packets\":");
		put_u64(o, p->ip_packets);
		put(o, ",\"first_ts\":");
		put_ts(o, p->first_ts);
		put(o, ",\"last_ts\":");
		put_ts(o, p->last_ts);
		put(o, ",\"clock_offset_s\":");
		if (k == 0 || p->offset_samples || P->live)
			fprintf(o, "%.6f", (double)p->offset / 1e6);
		else
			put(o, "null");
		put(o, ",\"offset_samples\":");
		put_u64(o, p->offset_samples);
		put(o, ",\"matched\":");
		put_u64(o, p->matched);
		put(o, ",\"duplicates\":");
		put_u64(o, p->duplicates);
		put(o, ",\"not_compared\":");
		put_u64(o, p->not_kept);
		putc_unlocked('}', o);
	}
	putc_unlocked(']', o);
	put(o, ",\"points_live\":");
	put(o, P->live ? "true" : "false");
	put(o, ",\"points_restarts\":");
	put_u64(o, P->restarts);
}

/* The input the verdict came from and its frame range there; a
 * capture-wide verdict spans the whole run. */
static void write_source(FILE *o, const struct verdict *v, int src)
{
	put(o, ",\"source\":");
	const char *name = provenance_name(src);
	if (name)
		json_write_string(o, name);
	else
		put(o, "null");
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 0; i < v->nevidence; i++) {
		if (v->ev[i].frame < lo)
			lo = v->ev[i].frame;
		if (v->ev[i].frame > hi)
			hi = v->ev[i].frame;
	}
	if (!v->nevidence && !v->client.family) {
		ts_usec a, b;
		provenance_span(&a, &b, &hi);
		lo = hi ? 1 : UINT64_MAX;
	}
	put(o, ",\"first_frame\":");
	if (lo != UINT64_MAX)
		put_u64(o, lo);
	else
		put(o, "null");
	put(o, ",\"last_frame\":");
	if (hi)
		put_u64(o, hi);
	else
		put(o, "null");
}

static void json_verdict_to(FILE *o, const struct verdict *v)
{
	put(o, "{\"schema\":1,\"type\":\"verdict\",\"id\":");
	json_write_string(o, v->id);
	put(o, ",\"severity\":\"");
	put(o, severity_name(v->sev));
	put(o, "\",\"proto\":");
	const char *pn = proto_name(v->proto);
	if (pn) {
		putc_unlocked('"', o);
		put(o, pn);
		put(o, "\",");
	} else {
		put(o, "null,");
	}
	write_endpoint(o, "client", &v->client, v->cport);
	putc_unlocked(',', o);
	write_endpoint(o, "server", &v->server, v->sport);
	put(o, ",\"first_ts\":");
	put_ts(o, v->first_ts);
	put(o, ",\"last_ts\":");
	put_ts(o, v->last_ts);
	write_join_keys(o, v);
	int src = provenance_of_verdict(v);
	write_source(o, v, src);
	put(o, ",\"frames\":[");
	for (unsigned i = 0; i < v->nevidence; i++) {
		if (i)
			putc_unlocked(',', o);
		put_u64(o, v->ev[i].frame);
	}
	put(o, "],\"evidence\":[");
	for (unsigned i = 0; i < v->nevidence; i++) {
		const struct evidence *e = &v->ev[i];
		put(o, i ? ",{\"frame\":" : "{\"frame\":");
		put_u64(o, e->frame);
		put(o, ",\"ts\":");
		put_ts(o, e->ts);
		put(o, e->dir == DIR_C2S ? ",\"dir\":\"c2s\",\"what\":"
		       : e->dir == DIR_S2C ? ",\"dir\":\"s2c\",\"what\":"
					   : ",\"dir\":\"other\",\"what\":");
		json_write_string(o, e->what);
		put(o, ",\"role\":\"");
		put(o, evidence_role_name(evidence_role(v, e)));
		putc_unlocked('"', o);
		int esrc = provenance_of_evidence(v, e);
		if (esrc != src) {
			put(o, ",\"source\":");
			json_write_string(o, provenance_name(esrc));
		}
		putc_unlocked('}', o);
	}
	put(o, "],\"summary\":");
	json_write_string(o, v->summary);
	put(o, ",\"details\":{");
	for (unsigned i = 0; i < v->ndetails; i++) {
		const struct verdict_detail *d = &v->details[i];
		if (i)
			putc_unlocked(',', o);
		json_write_string(o, d->key);
		putc_unlocked(':', o);
		switch (d->kind) {
		case DETAIL_STR:
			json_write_string(o, d->s);
			break;
		case DETAIL_INT:
			put_i64(o, d->i);
			break;
		case DETAIL_NUM:
			if (isfinite(d->d))
				fprintf(o, "%.6f", d->d);
			else
				put(o, "null"); /* JSON has no NaN or infinity */
			break;
		case DETAIL_BOOL:
			put(o, d->i ? "true" : "false");
			break;
		}
	}
	put(o, "},\"remediation\":");
	json_write_string(o, v->remediation ? v->remediation : "");
	write_points(o, v);
	put(o, "}\n");
	if (live_flush)
		fflush(o);
}

static void json_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	json_verdict_to(json_out, v);
	if (json_copy)
		json_verdict_to(json_copy, v);
}

static void json_summary_to(FILE *o, const struct run_summary *s)
{
	fprintf(o,
		"{\"schema\":1,\"type\":\"summary\",\"version\":\"%s\",\"source\":", ui_version());
	json_write_string(o, s->source ? s->source : "");
	put(o, ",\"filter\":");
	if (s->filter)
		json_write_string(o, s->filter);
	else
		put(o, "null");
	fprintf(o, ",\"filter_extended\":%s,\"filter_extra_packets\":%llu,\"filter_extra_analysed\":%llu,\"filter_note\":",
		s->filter_mode == CAPTURE_FILTER_EXTENDED ? "true" : "false", (unsigned long long)s->filter_widened,
		(unsigned long long)s->filter_widened_used);
	json_write_string(o, s->filter_mode == CAPTURE_FILTER_STRICT ? "--strict-filter: used as written" : s->filter_note);
	fprintf(o,
		",\"live\":%s,\"packets\":%llu,\"bytes\":%llu,\"flows\":%llu,\"flows_peak\":%llu,"
		"\"flows_evicted\":%llu,\"drops\":%llu,\"drops_kernel\":%llu,\"drops_interface\":%llu,"
		"\"bad_checksums\":%llu,\"truncated\":%llu,\"decode_errors\":%llu,\"duplicates\":%llu,"
		"\"fragments\":%llu,\"reassembled\":%llu,\"nids_warnings\":%llu,\"ipv6_segments_skipped\":%llu,"
		"\"counts\":{\"ok\":%llu,\"info\":%llu,\"warn\":%llu,\"fail\":%llu},",
		s->live ? "true" : "false", (unsigned long long)s->packets, (unsigned long long)s->bytes,
		(unsigned long long)s->flows, (unsigned long long)s->flows_peak, (unsigned long long)s->flows_evicted,
		(unsigned long long)(s->drops_kernel + s->drops_iface), (unsigned long long)s->drops_kernel,
		(unsigned long long)s->drops_iface, (unsigned long long)s->bad_checksums,
		(unsigned long long)s->truncated, (unsigned long long)s->decode_errors,
		(unsigned long long)s->duplicates, (unsigned long long)s->fragments,
		(unsigned long long)s->reassembled, (unsigned long long)s->nids_warnings,
		(unsigned long long)s->v6_out_of_order, (unsigned long long)s->counts[SEV_OK],
		(unsigned long long)s->counts[SEV_INFO], (unsigned long long)s->counts[SEV_WARN],
		(unsigned long long)s->counts[SEV_FAIL]);
	/* every bounded table: how often it was full (0: never) */
	put(o, "\"limits\":{");
	for (int i = 0; i < LIMIT_COUNT; i++)
		fprintf(o, "%s\"%s\":%llu", i ? "," : "", limit_info((enum limit_table)i)->key,
			(unsigned long long)s->limits[i].times);
	put(o, "}");
	write_points_summary(o);
	put(o, "}\n");
	fflush(o);
}

static void json_summary(const struct run_summary *s, void *arg)
{
	(void)arg;
	json_summary_to(json_out, s);
	if (json_copy)
		json_summary_to(json_copy, s);
}

void json_copy_to(FILE *out)
{
	json_copy = out;
}

void json_set_community_id_seed(uint16_t seed)
{
	community_id_seed = seed;
}

void json_attach(FILE *out, bool flush_each)
{
	json_out = out;
	live_flush = flush_each;
	struct verdict_sink s = { json_verdict, json_summary, NULL };
	verdict_add_sink(&s);
}

void expect_line(const struct verdict *v, char *buf, size_t len)
{
	const char *pn = proto_name(v->proto);
	if (!pn || !v->client.family) {
		snprintf(buf, len, "%s %s", severity_name(v->sev), v->id);
		return;
	}
	char c[64], s[64];
	snprintf(buf, len, "%s %s %s %s -> %s", severity_name(v->sev), v->id, pn,
		 endpoint_str(&v->client, v->cport, c, sizeof c), endpoint_str(&v->server, v->sport, s, sizeof s));
}
