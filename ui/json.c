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

/* A verdict line is assembled here and written with one fwrite to each
 * destination (stdout and --bundle's copy); a line longer than the buffer
 * (a long --points ladder) goes out in pieces, in order. Between lines
 * the buffer is empty, so nothing else written to the same FILE can
 * land inside a line. */
#define JB_CAP 16384
static struct {
	size_t n;
	char b[JB_CAP];
} jb;

static void jb_flush(void)
{
	if (!jb.n)
		return;
	fwrite_unlocked(jb.b, 1, jb.n, json_out);
	if (json_copy)
		fwrite_unlocked(jb.b, 1, jb.n, json_copy);
	jb.n = 0;
}

/* Room for k more bytes (k <= JB_CAP). */
static inline char *jb_room(size_t k)
{
	if (jb.n + k > JB_CAP)
		jb_flush();
	return jb.b + jb.n;
}

static inline void jb_put(const char *s, size_t k)
{
	if (k > JB_CAP) {
		jb_flush();
		fwrite_unlocked(s, 1, k, json_out);
		if (json_copy)
			fwrite_unlocked(s, 1, k, json_copy);
		return;
	}
	memcpy(jb_room(k), s, k);
	jb.n += k;
}

/* A string constant, its length known at compile time. */
#define JB_LIT(lit) jb_put("" lit, sizeof(lit) - 1)

static inline void jb_char(char c)
{
	*jb_room(1) = c;
	jb.n++;
}

static void jb_cstr(const char *s)
{
	jb_put(s, strlen(s));
}

/* A string of our own making (a name, an address, a base64 hash: nothing
 * to escape) quoted, or null. */
static void jb_ours(const char *s)
{
	if (!s) {
		JB_LIT("null");
		return;
	}
	jb_char('"');
	jb_cstr(s);
	jb_char('"');
}

/* s as a JSON string literal: through the one sanitizer (capture/sanitize.c). */
static void jb_string(const char *str)
{
	const char *s = str ? str : "";
	size_t n = strlen(s);
	jb_room(n * SANITIZE_JSON_UNIT + 2 <= JB_CAP ? n * SANITIZE_JSON_UNIT + 2 : JB_CAP);
	jb.b[jb.n++] = '"';
	for (;;) {
		size_t used;
		jb.n += sanitize_json_mem(s, n, &used, jb.b + jb.n, JB_CAP - 1 - jb.n);
		s += used;
		n -= used;
		if (!n)
			break;
		jb_flush();
	}
	jb.b[jb.n++] = '"';
}

/* Numbers without printf: verdict lines are the bulk of a big run's
 * output. Written in place, two digits at a time. */
static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			      "8081828384858687888990919293949596979899";

static void put_u32(uint32_t n)
{
	unsigned len = 1;
	for (uint32_t p = 10; len < 10 && n >= p; p *= 10)
		len++;
	char *b = jb_room(10), *q = b + len;
	while (n >= 100) {
		uint32_t r = n % 100;
		n /= 100;
		*--q = digits2[2 * r + 1];
		*--q = digits2[2 * r];
	}
	if (n >= 10) {
		*--q = digits2[2 * n + 1];
		*--q = digits2[2 * n];
	} else {
		*--q = (char)('0' + n);
	}
	jb.n += len;
}

static void put_u64(uint64_t n)
{
	if (n <= UINT32_MAX) {
		put_u32((uint32_t)n);
		return;
	}
	unsigned len = 1;
	for (uint64_t p = 10; len < 20 && n >= p; p *= 10)
		len++;
	char *b = jb_room(20), *q = b + len;
	while (n >= 100) {
		unsigned r = (unsigned)(n % 100);
		n /= 100;
		*--q = digits2[2 * r + 1];
		*--q = digits2[2 * r];
	}
	if (n >= 10) {
		*--q = digits2[2 * n + 1];
		*--q = digits2[2 * n];
	} else {
		*--q = (char)('0' + n);
	}
	jb.n += len;
}

static void put_i64(long long n)
{
	if (n < 0) {
		jb_char('-');
		put_u64((uint64_t)0 - (uint64_t)n);
	} else {
		put_u64((uint64_t)n);
	}
}

/* six decimals of a microsecond count */
static inline void put_usec6(uint32_t us)
{
	char *b = jb_room(7);
	b[0] = '.';
	for (int i = 5; i >= 1; i -= 2, us /= 100) {
		b[i + 1] = digits2[2 * (us % 100) + 1];
		b[i] = digits2[2 * (us % 100)];
	}
	jb.n += 7;
}

/* seconds with six decimals; the seconds' digits of the last time kept
 * (a verdict's evidence times share them) */
static struct {
	uint64_t sec;
	size_t len;
	char d[20];
} ts_cache = { UINT64_MAX, 0, { 0 } };

static void put_ts(ts_usec t)
{
	uint64_t sec = t / 1000000;
	if (sec != ts_cache.sec) {
		size_t at = jb_room(20) - jb.b;
		put_u64(sec);
		ts_cache.sec = sec;
		ts_cache.len = jb.n - at;
		memcpy(ts_cache.d, jb.b + at, ts_cache.len);
	} else {
		memcpy(jb_room(20), ts_cache.d, ts_cache.len);
		jb.n += ts_cache.len;
	}
	put_usec6((uint32_t)(t % 1000000));
}

/* A double as printf's "%.6f". Small values are rounded by hand, which
 * gives printf's digits whenever the product with 1e6 is not within 1e-3
 * of a tie (then, and for large or odd values, printf itself). */
static void put_num6(double d)
{
	double a = fabs(d);
	if (a < 4e3) {
		double y = a * 1e6, fl = floor(y), fr = y - fl;
		if (fabs(fr - 0.5) > 1e-3) {
			uint64_t r = (uint64_t)fl + (fr > 0.5);
			if (signbit(d))
				jb_char('-');
			put_u64(r / 1000000);
			put_usec6((uint32_t)(r % 1000000));
			return;
		}
	}
	char b[400];
	int k = snprintf(b, sizeof b, "%.6f", d);
	if (k > 0)
		jb_put(b, (size_t)k < sizeof b ? (size_t)k : sizeof b - 1);
}

static void write_endpoint(const char *head, size_t hlen, const struct addr *a, uint16_t port)
{
	/* head: ",\"client\":{\"ip\":" */
	jb_put(head, hlen);
	/* addr_str's dotted quad or inet_ntop's form: nothing to escape */
	char b[64];
	jb_ours(a->family ? addr_str(a, b, sizeof b) : NULL);
	JB_LIT(",\"port\":");
	put_u64(port);
	jb_char('}');
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

/* ts_iso's "2024-01-02T03:04:05" for the last second asked: verdicts come
 * in time order, so most lines reuse it. */
static struct {
	bool valid;
	uint64_t sec;
	size_t len;
	char s[48];
} iso_cache;

/* The time as Suricata's EVE writes it: ts_iso's "...123456Z" as
 * "...123456+0000". */
static void put_eve_time(ts_usec t)
{
	uint64_t sec = t / 1000000;
	if (!iso_cache.valid || iso_cache.sec != sec) {
		char b[64];
		size_t n = strlen(ts_iso(sec * 1000000, b, sizeof b - 4));
		/* "<date>T<time>.000000Z": keep what precedes the fraction */
		iso_cache.len = n >= 8 && b[n - 8] == '.' && n - 8 < sizeof iso_cache.s ? n - 8 : 0;
		memcpy(iso_cache.s, b, iso_cache.len);
		iso_cache.valid = iso_cache.len > 0;
		iso_cache.sec = sec;
		if (!iso_cache.valid) {
			/* not the usual form: as before, whole */
			n = strlen(ts_iso(t, b, sizeof b - 4));
			if (n && b[n - 1] == 'Z')
				memcpy(b + n - 1, "+0000", 6);
			jb_string(b);
			return;
		}
	}
	jb_char('"');
	jb_put(iso_cache.s, iso_cache.len);
	put_usec6((uint32_t)(t % 1000000));
	JB_LIT("+0000\"");
}

/* The Community ID of the last tuple asked: a flow's verdicts (tcp.ok
 * then ssh.ok...) ask for the same one. */
struct cid_key {
	uint16_t seed, cport, sport;
	struct addr c, s;
	uint8_t proto, zero; /* no padding: keys compare with memcmp */
};
_Static_assert(sizeof(struct cid_key) == 3 * 2 + 2 * sizeof(struct addr) + 2, "cid_key has padding");

static struct {
	bool valid, ok;
	struct cid_key key;
	char cid[COMMUNITY_ID_LEN];
} cid_cache;

static const char *community_id_of(const struct verdict *v)
{
	struct cid_key k = { .seed = community_id_seed, .cport = v->cport, .sport = v->sport,
			     .c = v->client, .s = v->server, .proto = v->proto };
	if (!cid_cache.valid || memcmp(&k, &cid_cache.key, sizeof k)) {
		cid_cache.valid = true;
		cid_cache.key = k;
		cid_cache.ok = community_id_v1(k.seed, k.proto, &k.c, k.cport, &k.s, k.sport, cid_cache.cid);
	}
	return cid_cache.ok ? cid_cache.cid : NULL;
}

/* What log pipelines join on: the time as Suricata's EVE writes it, our
 * flow id, and the Community ID of the flow (Zeek, Suricata, Elastic). */
static void write_join_keys(const struct verdict *v)
{
	JB_LIT(",\"timestamp\":");
	if (v->first_ts)
		put_eve_time(v->first_ts);
	else
		JB_LIT("null");
	JB_LIT(",\"flow_id\":");
	if (v->flow_id)
		put_u64(v->flow_id);
	else
		JB_LIT("null");
	JB_LIT(",\"community_id\":");
	jb_ours(v->proto && v->client.family ? community_id_of(v) : NULL); /* "1:" and base64 */
}

/* --points: where the flow's packets were seen (docs/json.md). */
#define JSON_LADDER_MAX 200

static void write_name_list(const struct points *P, unsigned mask)
{
	jb_char('[');
	bool first = true;
	for (unsigned k = 0; k < P->n; k++)
		if ((mask >> k) & 1) {
			if (!first)
				jb_char(',');
			first = false;
			jb_string(P->p[k].name);
		}
	jb_char(']');
}

static void write_points(const struct verdict *v)
{
	const struct points *P = points_active();
	struct points_view w;
	if (!P || !points_explain(P, v, &w))
		return;
	JB_LIT(",\"points\":{\"seen_at\":");
	write_name_list(P, w.seen_mask);
	JB_LIT(",\"lost_between\":");
	if (w.lost_between[0]) {
		/* "from,to" (names have no comma: points_parse_arg) */
		char from[sizeof w.lost_between];
		snprintf(from, sizeof from, "%s", w.lost_between);
		char *comma = strrchr(from, ',');
		if (comma)
			*comma++ = 0;
		jb_char('[');
		jb_string(from);
		jb_char(',');
		jb_string(comma ? comma : "");
		jb_char(']');
	} else {
		JB_LIT("null");
	}
	JB_LIT(",\"direction\":");
	if (w.direction[0])
		jb_string(w.direction);
	else
		JB_LIT("null");
	JB_LIT(",\"place\":");
	jb_string(w.place);
	JB_LIT(",\"lost_packets\":");
	put_u64(w.nlost);
	JB_LIT(",\"conclusion\":");
	jb_string(w.conclusion);
	JB_LIT(",\"ladder\":[");
	unsigned rows = w.ncross < JSON_LADDER_MAX ? w.ncross : JSON_LADDER_MAX;
	for (unsigned i = 0; i < rows; i++) {
		const struct points_cross *c = &w.c[i];
		if (i)
			JB_LIT(",{\"ts\":");
		else
			JB_LIT("{\"ts\":");
		put_ts(c->t0);
		if (c->dir == DIR_C2S)
			JB_LIT(",\"dir\":\"c2s\",\"what\":");
		else
			JB_LIT(",\"dir\":\"s2c\",\"what\":");
		jb_string(c->what);
		JB_LIT(",\"frames\":{");
		for (unsigned k = 0; k < P->n; k++) {
			if (k)
				jb_char(',');
			jb_string(P->p[k].name);
			jb_char(':');
			if (c->rec[k] != POINTS_NONE)
				put_u64(P->rec[c->rec[k]].frame);
			else if (c->judged[k] || P->p[k].pflog)
				JB_LIT("null");
			else
				JB_LIT("\"not capturing\"");
		}
		if (c->lost)
			JB_LIT("},\"lost\":true}");
		else
			JB_LIT("},\"lost\":false}");
	}
	JB_LIT("],\"ladder_rows_left_out\":");
	put_u64(w.ncross - rows);
	jb_char('}');
	points_view_free(&w);
}

static void write_points_summary(FILE *o)
{
	const struct points *P = points_active();
	if (!P)
		return;
	fputs(",\"points\":[", o);
	for (unsigned k = 0; k < P->n; k++) {
		const struct point *p = &P->p[k];
		fputs(k ? ",{\"name\":" : "{\"name\":", o);
		json_write_string(o, p->name);
		fputs(",\"file\":", o);
		json_write_string(o, p->path);
		fprintf(o, ",\"pflog\":%s,\"ip_packets\":%llu,\"first_ts\":%llu.%06u,\"last_ts\":%llu.%06u",
			p->pflog ? "true" : "false", (unsigned long long)p->ip_packets,
			(unsigned long long)(p->first_ts / 1000000), (unsigned)(p->first_ts % 1000000),
			(unsigned long long)(p->last_ts / 1000000), (unsigned)(p->last_ts % 1000000));
		fputs(",\"clock_offset_s\":", o);
		if (k == 0 || p->offset_samples || P->live)
			fprintf(o, "%.6f", (double)p->offset / 1e6);
		else
			fputs("null", o);
		fprintf(o, ",\"offset_samples\":%llu,\"matched\":%llu,\"duplicates\":%llu,\"not_compared\":%llu}",
			(unsigned long long)p->offset_samples, (unsigned long long)p->matched,
			(unsigned long long)p->duplicates, (unsigned long long)p->not_kept);
	}
	fprintf(o, "],\"points_live\":%s,\"points_restarts\":%llu", P->live ? "true" : "false",
		(unsigned long long)P->restarts);
}

/* The input the verdict came from and its frame range there; a
 * capture-wide verdict spans the whole run. */
static void write_source(const struct verdict *v, int src)
{
	JB_LIT(",\"source\":");
	const char *name = provenance_name(src);
	if (name)
		jb_string(name);
	else
		JB_LIT("null");
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
	JB_LIT(",\"first_frame\":");
	if (lo != UINT64_MAX)
		put_u64(lo);
	else
		JB_LIT("null");
	JB_LIT(",\"last_frame\":");
	if (hi)
		put_u64(hi);
	else
		JB_LIT("null");
}

static void json_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	JB_LIT("{\"schema\":1,\"type\":\"verdict\",\"id\":");
	jb_string(v->id);
	JB_LIT(",\"severity\":\"");
	jb_cstr(severity_name(v->sev));
	JB_LIT("\",\"proto\":");
	jb_ours(proto_name(v->proto));
	static const char client_head[] = ",\"client\":{\"ip\":", server_head[] = ",\"server\":{\"ip\":";
	write_endpoint(client_head, sizeof client_head - 1, &v->client, v->cport);
	write_endpoint(server_head, sizeof server_head - 1, &v->server, v->sport);
	JB_LIT(",\"first_ts\":");
	put_ts(v->first_ts);
	JB_LIT(",\"last_ts\":");
	put_ts(v->last_ts);
	write_join_keys(v);
	int src = provenance_of_verdict(v);
	write_source(v, src);
	JB_LIT(",\"frames\":[");
	for (unsigned i = 0; i < v->nevidence; i++) {
		if (i)
			jb_char(',');
		put_u64(v->ev[i].frame);
	}
	JB_LIT("],\"evidence\":[");
	for (unsigned i = 0; i < v->nevidence; i++) {
		const struct evidence *e = &v->ev[i];
		if (i)
			JB_LIT(",{\"frame\":");
		else
			JB_LIT("{\"frame\":");
		put_u64(e->frame);
		JB_LIT(",\"ts\":");
		put_ts(e->ts);
		if (e->dir == DIR_C2S)
			JB_LIT(",\"dir\":\"c2s\",\"what\":");
		else if (e->dir == DIR_S2C)
			JB_LIT(",\"dir\":\"s2c\",\"what\":");
		else
			JB_LIT(",\"dir\":\"other\",\"what\":");
		jb_string(e->what);
		JB_LIT(",\"role\":\"");
		jb_cstr(evidence_role_name(evidence_role(v, e)));
		jb_char('"');
		int esrc = provenance_of_evidence(v, e);
		if (esrc != src) {
			JB_LIT(",\"source\":");
			jb_string(provenance_name(esrc));
		}
		jb_char('}');
	}
	JB_LIT("],\"summary\":");
	jb_string(v->summary);
	JB_LIT(",\"details\":{");
	for (unsigned i = 0; i < v->ndetails; i++) {
		const struct verdict_detail *d = &v->details[i];
		if (i)
			jb_char(',');
		jb_string(d->key);
		jb_char(':');
		switch (d->kind) {
		case DETAIL_STR:
			jb_string(d->s);
			break;
		case DETAIL_INT:
			put_i64(d->i);
			break;
		case DETAIL_NUM:
			if (isfinite(d->d))
				put_num6(d->d);
			else
				JB_LIT("null"); /* JSON has no NaN or infinity */
			break;
		case DETAIL_BOOL:
			if (d->i)
				JB_LIT("true");
			else
				JB_LIT("false");
			break;
		}
	}
	JB_LIT("},\"remediation\":");
	jb_string(v->remediation ? v->remediation : "");
	write_points(v);
	JB_LIT("}\n");
	jb_flush();
	if (live_flush) {
		fflush(json_out);
		if (json_copy)
			fflush(json_copy);
	}
}

static void json_summary_to(FILE *o, const struct run_summary *s)
{
	fprintf(o,
		"{\"schema\":1,\"type\":\"summary\",\"version\":\"%s\",\"source\":", ui_version());
	json_write_string(o, s->source ? s->source : "");
	fputs(",\"filter\":", o);
	if (s->filter)
		json_write_string(o, s->filter);
	else
		fputs("null", o);
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
		(unsigned long long)s->tcp_not_held, (unsigned long long)s->counts[SEV_OK],
		(unsigned long long)s->counts[SEV_INFO], (unsigned long long)s->counts[SEV_WARN],
		(unsigned long long)s->counts[SEV_FAIL]);
	/* every bounded table: how often it was full (0: never) */
	fputs("\"limits\":{", o);
	for (int i = 0; i < LIMIT_COUNT; i++)
		fprintf(o, "%s\"%s\":%llu", i ? "," : "", limit_info((enum limit_table)i)->key,
			(unsigned long long)s->limits[i].times);
	fputs("}", o);
	write_points_summary(o);
	fputs("}\n", o);
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
