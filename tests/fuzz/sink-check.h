/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sink-check.h - for the fuzz targets: the text and JSON sinks written
 * into memory, and the checks on what they wrote: valid UTF-8 without a
 * control byte (newline and tab in text, newline between JSON lines), DEL
 * or C1, and every JSON line one well-formed object (a small strict RFC 8259
 * parser). Any fault aborts, which libFuzzer reports as a crash. */
#ifndef SHAKEDOWN_FUZZ_SINK_CHECK_H
#define SHAKEDOWN_FUZZ_SINK_CHECK_H

#include "ui/output.h"
#include "capture/sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a strict JSON checker (RFC 8259), enough to reject what a sink
 * could get wrong: bad escapes, raw controls, stray commas, bad numbers */

static const char *json_value(const char *p, const char *end, int depth);

static const char *json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static const char *json_string(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				for (int i = 0; i < 4; i++)
					if (++p >= end || !strchr("0123456789abcdefABCDEF", *p) || !*p)
						return NULL;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
				return NULL;
			}
		}
	}
	return NULL;
}

static const char *json_number(const char *p, const char *end)
{
	const char *s = p;
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (p < end && *p == '.') {
		const char *d = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return NULL;
	}
	return p > s ? p : NULL;
}

/* Members of an object (close '}') or elements of an array (close ']'). */
static const char *json_items(const char *p, const char *end, int depth, char close)
{
	p = json_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			p = json_string(json_ws(p, end), end);
			if (!p)
				return NULL;
			p = json_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		p = json_value(p, end, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		return p < end && *p == close ? p + 1 : NULL;
	}
}

static const char *json_value(const char *p, const char *end, int depth)
{
	static const char *const lit[] = { "true", "false", "null" };
	if (depth > 32)
		return NULL;
	p = json_ws(p, end);
	if (p >= end)
		return NULL;
	if (*p == '{' || *p == '[')
		return json_items(p, end, depth, *p == '{' ? '}' : ']');
	if (*p == '"')
		return json_string(p, end);
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(lit[i]);
		if ((size_t)(end - p) >= l && !memcmp(p, lit[i], l))
			return p + l;
	}
	return json_number(p, end);
}

static void json_check_lines(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || *p != '{') {
			fprintf(stderr, "JSON output: a line that is not an object: %.80s\n", p);
			abort();
		}
		const char *q = json_value(p, nl, 0);
		if (!q || json_ws(q, nl) != nl) {
			fprintf(stderr, "JSON output: malformed line: %.*s\n", (int)(nl - p), p);
			abort();
		}
		p = nl + 1;
	}
}

static void check_clean(const char *what, const char *buf, size_t len, const char *allowed)
{
	if (!sanitize_is_clean(buf, len, allowed)) {
		fprintf(stderr, "%s output holds a control, C1 or invalid UTF-8 (%zu bytes)\n", what, len);
		abort();
	}
}

/* Both sinks into memory, in a fresh verdict state. */
struct sink_out {
	char *tbuf, *jbuf;
	size_t tlen, jlen;
	FILE *text, *json;
};

static void sinks_open(struct sink_out *s, int verbose)
{
	memset(s, 0, sizeof *s);
	s->text = open_memstream(&s->tbuf, &s->tlen);
	s->json = open_memstream(&s->jbuf, &s->jlen);
	if (!s->text || !s->json)
		abort();
	verdict_clear_sinks();
	verdict_reset_counts();
	report_attach(s->text, verbose, false);
	json_attach(s->json, false);
}

/* Emit the summary, then check what both sinks wrote; abort on a fault. */
static void sinks_close_check(struct sink_out *s, struct run_summary *sum)
{
	verdict_counts(sum->counts);
	verdict_emit_summary(sum);
	fclose(s->text);
	fclose(s->json);
	check_clean("text", s->tbuf, s->tlen, "\n\t");
	check_clean("JSON", s->jbuf, s->jlen, "\n");
	json_check_lines(s->jbuf, s->jlen);
	free(s->tbuf);
	free(s->jbuf);
}

#endif
