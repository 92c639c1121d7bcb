/* json.c - JSON Lines output (schema 1, documented in docs/json.md). */
#include "output.h"

#include <string.h>

static FILE *json_out;
static bool live_flush; /* flush each line (live capture, pipes) */

/* Length of a valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_write_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	putc_unlocked('"', out);
	while (*s) {
		/* copy runs of plain ASCII in one go */
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
			s++;
		if (s > run)
			fwrite_unlocked(run, 1, (size_t)(s - run), out);
		unsigned char c = *s;
		if (!c)
			break;
		if (c == '"' || c == '\\') {
			putc_unlocked('\\', out);
			putc_unlocked(c, out);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			s++;
		} else {
			int n = utf8_len(s);
			if (n) {
				fwrite_unlocked(s, 1, (size_t)n, out);
				s += n;
			} else {
				fprintf(out, "\\u%04x", c); /* a stray byte, shown as Latin-1 */
				s++;
			}
		}
	}
	putc_unlocked('"', out);
}

static void write_endpoint(FILE *o, const char *name, const struct addr *a, uint16_t port)
{
	char b[64];
	fprintf(o, "\"%s\":{\"ip\":", name);
	if (a->family)
		json_write_string(o, addr_str(a, b, sizeof b));
	else
		fputs("null", o);
	fprintf(o, ",\"port\":%u}", port);
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

static void json_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	FILE *o = json_out;
	fprintf(o, "{\"schema\":1,\"type\":\"verdict\",\"id\":");
	json_write_string(o, v->id);
	fprintf(o, ",\"severity\":\"%s\",\"proto\":", severity_name(v->sev));
	const char *pn = proto_name(v->proto);
	if (pn)
		fprintf(o, "\"%s\",", pn);
	else
		fputs("null,", o);
	write_endpoint(o, "client", &v->client, v->cport);
	fputc(',', o);
	write_endpoint(o, "server", &v->server, v->sport);
	fprintf(o, ",\"first_ts\":%llu.%06u,\"last_ts\":%llu.%06u", (unsigned long long)(v->first_ts / 1000000),
		(unsigned)(v->first_ts % 1000000), (unsigned long long)(v->last_ts / 1000000),
		(unsigned)(v->last_ts % 1000000));
	fputs(",\"frames\":[", o);
	for (unsigned i = 0; i < v->nevidence; i++)
		fprintf(o, "%s%llu", i ? "," : "", (unsigned long long)v->ev[i].frame);
	fputs("],\"evidence\":[", o);
	for (unsigned i = 0; i < v->nevidence; i++) {
		const struct evidence *e = &v->ev[i];
		fprintf(o, "%s{\"frame\":%llu,\"ts\":%llu.%06u,\"dir\":\"%s\",\"what\":", i ? "," : "",
			(unsigned long long)e->frame, (unsigned long long)(e->ts / 1000000), (unsigned)(e->ts % 1000000),
			e->dir == DIR_C2S ? "c2s" : e->dir == DIR_S2C ? "s2c" : "other");
		json_write_string(o, e->what);
		fputc('}', o);
	}
	fputs("],\"summary\":", o);
	json_write_string(o, v->summary);
	fputs(",\"details\":{", o);
	for (unsigned i = 0; i < v->ndetails; i++) {
		const struct verdict_detail *d = &v->details[i];
		if (i)
			fputc(',', o);
		json_write_string(o, d->key);
		fputc(':', o);
		switch (d->kind) {
		case DETAIL_STR:
			json_write_string(o, d->s);
			break;
		case DETAIL_INT:
			fprintf(o, "%lld", d->i);
			break;
		case DETAIL_NUM:
			fprintf(o, "%.6f", d->d);
			break;
		case DETAIL_BOOL:
			fputs(d->i ? "true" : "false", o);
			break;
		}
	}
	fputs("},\"remediation\":", o);
	json_write_string(o, v->remediation ? v->remediation : "");
	fputs("}\n", o);
	if (live_flush)
		fflush(o);
}

static void json_summary(const struct run_summary *s, void *arg)
{
	(void)arg;
	FILE *o = json_out;
	fprintf(o,
		"{\"schema\":1,\"type\":\"summary\",\"source\":");
	json_write_string(o, s->source ? s->source : "");
	fprintf(o,
		",\"live\":%s,\"packets\":%llu,\"bytes\":%llu,\"flows\":%llu,\"flows_peak\":%llu,"
		"\"flows_evicted\":%llu,\"drops\":%llu,\"drops_kernel\":%llu,\"drops_interface\":%llu,"
		"\"bad_checksums\":%llu,\"truncated\":%llu,\"decode_errors\":%llu,\"duplicates\":%llu,"
		"\"counts\":{\"ok\":%llu,\"info\":%llu,\"warn\":%llu,\"fail\":%llu}}\n",
		s->live ? "true" : "false", (unsigned long long)s->packets, (unsigned long long)s->bytes,
		(unsigned long long)s->flows, (unsigned long long)s->flows_peak, (unsigned long long)s->flows_evicted,
		(unsigned long long)(s->drops_kernel + s->drops_iface), (unsigned long long)s->drops_kernel,
		(unsigned long long)s->drops_iface, (unsigned long long)s->bad_checksums,
		(unsigned long long)s->truncated, (unsigned long long)s->decode_errors,
		(unsigned long long)s->duplicates, (unsigned long long)s->counts[SEV_OK],
		(unsigned long long)s->counts[SEV_INFO], (unsigned long long)s->counts[SEV_WARN],
		(unsigned long long)s->counts[SEV_FAIL]);
	fflush(o);
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
