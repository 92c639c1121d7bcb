/* SPDX-License-Identifier: GPL-2.0-or-later */
/* expect.c - the .expect grammar used by `--check`.
 *
 * Owns: reading an expectation file strictly (every non-comment line is a
 * rule or a syntax error with its line number), the allow-list of `# args:`,
 * reading shakedown's own JSON verdict lines back into fields, and judging a
 * capture's verdicts against the rules.  The grammar is documented in
 * docs/user-guide.md ("Expectation files"). */
#include "expect.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const sev_names[] = { "ok", "info", "warn", "fail" };

void expect_lines_add(struct expect_lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort();
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		abort();
	l->n++;
}

void expect_lines_addf(struct expect_lines *l, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	expect_lines_add(l, buf);
}

void expect_lines_free(struct expect_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void expect_lines_sort(struct expect_lines *l, size_t from)
{
	if (l->n > from + 1)
		qsort(l->v + from, l->n - from, sizeof *l->v, cmp_line);
}

bool expect_lines_has_sorted(const struct expect_lines *l, const char *s)
{
	return l->n && bsearch(&s, l->v, l->n, sizeof *l->v, cmp_line);
}

/* ---- reading our own JSON verdict lines ---- */

struct jparse {
	const char *p;
	struct expect_verdict *v;
	bool is_verdict;
};

static void jp_ws(struct jparse *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static void put_utf8(char *out, size_t len, size_t *n, unsigned cp)
{
	unsigned char b[4];
	size_t k;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp, k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6), b[1] = (unsigned char)(0x80 | (cp & 0x3f)), k = 2;
	} else {
		b[0] = (unsigned char)(0xe0 | cp >> 12), b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f)), k = 3;
	}
	for (size_t i = 0; i < k && *n + 1 < len; i++)
		out[(*n)++] = (char)b[i];
}

/* A JSON string at j->p (on the opening quote), decoded into out. */
static bool jp_string(struct jparse *j, char *out, size_t len)
{
	size_t n = 0;
	if (*j->p != '"')
		return false;
	j->p++;
	while (*j->p && *j->p != '"') {
		char c = *j->p++;
		if (c != '\\') {
			if (n + 1 < len)
				out[n++] = c;
			continue;
		}
		c = *j->p++;
		switch (c) {
		case 'n': c = '\n'; break;
		case 't': c = '\t'; break;
		case 'r': c = '\r'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 0; i < 4; i++) {
				char h = *j->p++;
				cp <<= 4;
				if (h >= '0' && h <= '9')
					cp |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					cp |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					cp |= (unsigned)(h - 'A' + 10);
				else
					return false;
			}
			put_utf8(out, len, &n, cp);
			continue;
		}
		case 0:
			return false;
		default:
			break; /* \" \\ \/ */
		}
		if (n + 1 < len)
			out[n++] = c;
	}
	if (*j->p != '"')
		return false;
	j->p++;
	out[n] = 0;
	return true;
}

static void jp_store(struct jparse *j, const char *path, const char *val)
{
	struct expect_verdict *v = j->v;
	static const struct {
		const char *path;
		size_t off, len;
	} fields[] = {
		{ "id", offsetof(struct expect_verdict, id), sizeof v->id },
		{ "severity", offsetof(struct expect_verdict, sev), sizeof v->sev },
		{ "proto", offsetof(struct expect_verdict, proto), sizeof v->proto },
		{ "client.ip", offsetof(struct expect_verdict, cip), sizeof v->cip },
		{ "client.port", offsetof(struct expect_verdict, cport), sizeof v->cport },
		{ "server.ip", offsetof(struct expect_verdict, sip), sizeof v->sip },
		{ "server.port", offsetof(struct expect_verdict, sport), sizeof v->sport },
	};
	if (!strcmp(path, "type")) {
		j->is_verdict = !strcmp(val, "verdict");
		return;
	}
	if (!strncmp(path, "details.", 8)) {
		if (v->ndetails < EXPECT_MAX_DETAILS) {
			v->dkey[v->ndetails] = strdup(path + 8);
			v->dval[v->ndetails] = strdup(val);
			if (!v->dkey[v->ndetails] || !v->dval[v->ndetails])
				abort();
			v->ndetails++;
		}
		return;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strcmp(path, fields[i].path))
			snprintf((char *)v + fields[i].off, fields[i].len, "%s", val);
}

/* One value at j->p; scalars under a path we want are stored. */
static bool jp_value(struct jparse *j, const char *path, int depth)
{
	char buf[8192];
	jp_ws(j);
	if (depth > 16)
		return false;
	if (*j->p == '{' || *j->p == '[') {
		bool obj = *j->p == '{';
		char close = obj ? '}' : ']';
		j->p++;
		jp_ws(j);
		if (*j->p == close) {
			j->p++;
			return true;
		}
		for (;;) {
			char sub[256] = "";
			if (obj) {
				char key[128];
				jp_ws(j);
				if (!jp_string(j, key, sizeof key))
					return false;
				jp_ws(j);
				if (*j->p++ != ':')
					return false;
				snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
			}
			/* array members are not stored: "[]" marks the path */
			if (!jp_value(j, obj ? sub : "[]", depth + 1))
				return false;
			jp_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ != close)
				return false;
			return true;
		}
	}
	if (*j->p == '"') {
		if (!jp_string(j, buf, sizeof buf))
			return false;
	} else {
		size_t n = 0;
		while (*j->p && !strchr(",}] \t\r\n", *j->p) && n + 1 < sizeof buf)
			buf[n++] = *j->p++;
		buf[n] = 0;
		if (!n)
			return false;
	}
	if (!strchr(path, '['))
		jp_store(j, path, buf);
	return true;
}

bool expect_verdict_parse(const char *json, struct expect_verdict *v)
{
	memset(v, 0, sizeof *v);
	struct jparse j = { json, v, false };
	if (!jp_value(&j, "", 0) || !j.is_verdict || !v->id[0] || !v->sev[0]) {
		expect_verdict_free(v);
		return false;
	}
	v->flow = v->proto[0] && strcmp(v->proto, "null") && v->cip[0] && strcmp(v->cip, "null");
	return true;
}

void expect_verdict_free(struct expect_verdict *v)
{
	for (size_t i = 0; i < v->ndetails; i++) {
		free(v->dkey[i]);
		free(v->dval[i]);
	}
	v->ndetails = 0;
}

static void endpoint(char *out, size_t len, const char *ip, const char *port)
{
	bool v6 = strchr(ip, ':') != NULL;
	snprintf(out, len, "%s%s%s:%s", v6 ? "[" : "", ip, v6 ? "]" : "", port);
}

void expect_verdict_line(const struct expect_verdict *v, bool star_ephemeral, char *out, size_t len)
{
	if (!v->flow) {
		snprintf(out, len, "%s %s", v->sev, v->id);
		return;
	}
	/* a client port is ephemeral when it is high and not the server's own
	 * (IKE's 500/4500 pairs and ESP's 0 stay as they are) */
	long cp = strtol(v->cport, NULL, 10), sp = strtol(v->sport, NULL, 10);
	bool star = star_ephemeral && cp >= 1024 && cp != sp;
	char c[96], s[96];
	endpoint(c, sizeof c, v->cip, star ? "*" : v->cport);
	endpoint(s, sizeof s, v->sip, v->sport);
	snprintf(out, len, "%s %s %s %s -> %s", v->sev, v->id, v->proto, c, s);
}

/* ---- the allow-list of `# args:` ---- */

static const char *const allowed_opts[] = {
	"--syn-timeout", "--rtt-warn",	  "--fin-timeout", "--half-close-timeout", "--msl",
	"--ssh-timeout", "--banner-timeout", "--ike-timeout", "--esp-timeout",	 "--idle-timeout",
	"--max-flows", "--max-ssh", "--max-ike", "--max-frag-datagrams", "--max-frag-mb",
};

static bool is_number(const char *s)
{
	bool digit = false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s != '.')
			return false;
	}
	return digit;
}

static bool opt_allowed(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof allowed_opts / sizeof allowed_opts[0]; i++)
		if (strlen(allowed_opts[i]) == len && !strncmp(allowed_opts[i], name, len))
			return true;
	return false;
}

/* "-r [NAME=]FILE" in `# args:` (a --points capture): a file beside the
 * capture, by its plain name. */
static bool sibling_capture(const char *v)
{
	const char *eq = strchr(v, '=');
	const char *file = eq ? eq + 1 : v;
	return *file && *file != '.' && *file != '-' && !strchr(v, '/') && (!eq || eq > v);
}

bool expect_args_allowed(char *const *words, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *w = words[i];
		if (!strcmp(w, "--"))
			return true; /* the rest is a BPF filter */
		if (w[0] != '-')
			return true; /* a BPF filter starts here, as on the command line */
		if (!strcmp(w, "--points") || !strcmp(w, "--strict-filter"))
			continue;
		if (!strcmp(w, "-r")) {
			if (i + 1 >= n || !sibling_capture(words[i + 1])) {
				snprintf(err, errlen, "`# args:` -r takes [NAME=]FILE, a capture beside this one (no '/')");
				return false;
			}
			i++;
			continue;
		}
		const char *eq = strchr(w, '=');
		size_t len = eq ? (size_t)(eq - w) : strlen(w);
		if (!opt_allowed(w, len)) {
			snprintf(err, errlen,
				 "`# args:` may not set '%.*s': only thresholds (--syn-timeout, --rtt-warn, --fin-timeout, "
				 "--half-close-timeout, --msl, --ssh-timeout, --banner-timeout, --ike-timeout, "
				 "--esp-timeout, --idle-timeout, --max-flows and the other --max-* limits), --points with "
				 "-r [NAME=]FILE beside the capture, --strict-filter and a BPF filter",
				 (int)(len > 64 ? 64 : len), w);
			return false;
		}
		const char *val = eq ? eq + 1 : (i + 1 < n ? words[++i] : NULL);
		if (!val || !is_number(val)) {
			snprintf(err, errlen, "`# args:` option %.*s needs a number", (int)len, w);
			return false;
		}
	}
	return true;
}

/* ---- the .expect parser ---- */

/* Split a line into words; a double-quoted part (with \" and \\) stays in
 * its word.  false on an unterminated quote. */
static bool split_words(char *s, char **w, size_t max, size_t *n)
{
	*n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return true;
		if (*n == max)
			return false;
		w[(*n)++] = s;
		bool quoted = false;
		for (; *s && (quoted || (*s != ' ' && *s != '\t')); s++) {
			if (quoted && *s == '\\' && s[1])
				s++;
			else if (*s == '"')
				quoted = !quoted;
		}
		if (quoted)
			return false;
		if (*s)
			*s++ = 0;
	}
}

static bool parse_sev(const char *w, bool floor_ok, int *sev, bool *floor)
{
	size_t len = strlen(w);
	*floor = len > 1 && w[len - 1] == '+';
	if (*floor && !floor_ok)
		return false;
	for (int i = 0; i < 4; i++)
		if (strlen(sev_names[i]) == len - *floor && !strncmp(w, sev_names[i], len - *floor)) {
			*sev = i;
			return true;
		}
	return false;
}

static bool word_chars(const char *w, const char *extra)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') || (*w >= '0' && *w <= '9') || strchr(extra, *w)))
			return false;
	return true;
}

/* "host:port", "[v6]:port"; globs allowed in both. */
static bool parse_endpoint(const char *w, char *ip, size_t iplen, char *port, size_t portlen)
{
	const char *colon;
	if (w[0] == '[') {
		const char *close = strchr(w, ']');
		if (!close || close[1] != ':')
			return false;
		snprintf(ip, iplen, "%.*s", (int)(close - w - 1), w + 1);
		colon = close + 1;
	} else {
		colon = strrchr(w, ':');
		if (!colon)
			return false;
		snprintf(ip, iplen, "%.*s", (int)(colon - w), w);
	}
	snprintf(port, portlen, "%s", colon + 1);
	return ip[0] && word_chars(ip, ".:*?[]-") && word_chars(port, "*?[]-");
}

/* key="value" or key~"regex" */
/* glibc compiles a regular expression by copying the subtree of every
 * repetition: stacked repetitions ("a+++"), nested groups under "+" and big
 * {m,n} counts grow it exponentially (a 300-byte pattern took 2 GB,
 * found by fuzz_expect). A detail check needs none of that: NULL when the
 * pattern is cheap, else why not. */
static const char *regex_too_costly(const char *re)
{
	size_t len = strlen(re);
	if (len > 256)
		return "longer than 256 characters";
	int depth = 0, bounds = 0;
	bool after_quant = false, in_class = false;
	for (size_t i = 0; i < len; i++) {
		char ch = re[i];
		if (in_class) {
			if (ch == ']' && i > 0 && re[i - 1] != '[')
				in_class = false;
			continue;
		}
		bool quant = ch == '*' || ch == '+' || ch == '?' || ch == '{';
		if (quant && after_quant)
			return "a repetition of a repetition";
		if (ch == '\\' && i + 1 < len) {
			i++;
			after_quant = false;
			continue;
		}
		if (ch == '{') {
			if (++bounds > 1)
				return "more than one {m,n} count";
			long n = 0;
			for (i++; i < len && re[i] != '}'; i++) {
				if (re[i] >= '0' && re[i] <= '9') {
					n = n * 10 + (re[i] - '0');
					if (n > 100)
						return "a {m,n} count over 100";
				} else {
					n = 0;
				}
			}
		} else if (ch == '[') {
			in_class = true;
		} else if (ch == '(' && ++depth > 4) {
			return "groups nested more than 4 deep";
		} else if (ch == ')' && depth > 0) {
			depth--;
		}
		after_quant = quant;
	}
	return NULL;
}

static bool parse_check(const char *w, struct expect_check *c, char *why, size_t whylen)
{
	size_t klen = strcspn(w, "=~");
	if (!klen || !w[klen] || klen >= sizeof c->key) {
		snprintf(why, whylen, "'%.40s' is not key=\"value\" or key~\"regex\"", w);
		return false;
	}
	snprintf(c->key, sizeof c->key, "%.*s", (int)klen, w);
	if (!word_chars(c->key, "_.-")) {
		snprintf(why, whylen, "bad detail key '%.40s'", c->key);
		return false;
	}
	c->is_regex = w[klen] == '~';
	const char *q = w + klen + 1;
	size_t qlen = strlen(q);
	if (qlen < 2 || q[0] != '"' || q[qlen - 1] != '"') {
		snprintf(why, whylen, "the value of %s must be in double quotes", c->key);
		return false;
	}
	char *val = malloc(qlen);
	if (!val)
		abort();
	size_t n = 0;
	for (size_t i = 1; i + 1 < qlen; i++) {
		if (q[i] == '\\' && i + 2 < qlen)
			i++;
		val[n++] = q[i];
	}
	val[n] = 0;
	const char *costly = c->is_regex ? regex_too_costly(val) : NULL;
	if (costly) {
		free(val);
		snprintf(why, whylen, "regular expression for %s refused: %s", c->key, costly);
		c->is_regex = false;
		return false;
	}
	if (c->is_regex) {
		int rc = regcomp(&c->re, val, REG_EXTENDED | REG_NOSUB);
		free(val);
		if (rc) {
			char rerr[128];
			regerror(rc, &c->re, rerr, sizeof rerr);
			snprintf(why, whylen, "bad regular expression for %s: %s", c->key, rerr);
			return false;
		}
	} else {
		c->value = val;
	}
	return true;
}

static void rule_free(struct expect_rule *r)
{
	for (size_t i = 0; i < r->nchecks; i++) {
		if (r->checks[i].is_regex)
			regfree(&r->checks[i].re);
		else
			free(r->checks[i].value);
	}
	free(r->text);
}

/* One rule line (already trimmed, not a comment). */
static bool parse_rule(char *line, struct expect_rule *r, char *why, size_t whylen)
{
	char *w[EXPECT_MAX_CHECKS + 12];
	size_t n, i = 0;
	memset(r, 0, sizeof *r);
	r->count = -1;
	if (!split_words(line, w, sizeof w / sizeof w[0], &n)) {
		snprintf(why, whylen, "unterminated quote or too many words");
		return false;
	}
	r->kind = EXPECT_EXACT;
	if (!strcmp(w[0], "require"))
		r->kind = EXPECT_REQUIRE, i++;
	else if (!strcmp(w[0], "forbid"))
		r->kind = EXPECT_FORBID, i++;
	if (r->kind == EXPECT_REQUIRE && i < n && w[i][0] >= '0' && w[i][0] <= '9') {
		char *end;
		r->count = strtol(w[i], &end, 10);
		r->count_min = *end == '+';
		if (*end && strcmp(end, "+")) {
			snprintf(why, whylen, "bad count '%.20s' (a number, or N+ for at least N)", w[i]);
			return false;
		}
		i++;
	}
	if (i >= n || !parse_sev(w[i], r->kind != EXPECT_EXACT, &r->sev, &r->sev_floor)) {
		snprintf(why, whylen, "expected a severity (ok, info, warn, fail%s) where '%.40s' is",
			 r->kind != EXPECT_EXACT ? "; SEV+ for that or worse" : "", i < n ? w[i] : "");
		return false;
	}
	i++;
	if (i >= n || !word_chars(w[i], "_.-*?[]") || strlen(w[i]) >= sizeof r->id) {
		snprintf(why, whylen, "expected a verdict id (e.g. tcp.refused, globs allowed) where '%.40s' is",
			 i < n ? w[i] : "");
		return false;
	}
	snprintf(r->id, sizeof r->id, "%s", w[i++]);
	if (i < n && !strpbrk(w[i], "=~\"")) {
		/* a flow: PROTO CLIENT -> SERVER */
		if (i + 4 > n || strcmp(w[i + 2], "->") || !word_chars(w[i], "*?") ||
		    !parse_endpoint(w[i + 1], r->cip, sizeof r->cip, r->cport, sizeof r->cport) ||
		    !parse_endpoint(w[i + 3], r->sip, sizeof r->sip, r->sport, sizeof r->sport)) {
			snprintf(why, whylen, "bad flow: want 'PROTO HOST:PORT -> HOST:PORT' ([v6]:port, * allowed)");
			return false;
		}
		snprintf(r->proto, sizeof r->proto, "%s", w[i]);
		r->flow = true;
		i += 4;
	}
	for (; i < n; i++) {
		if (r->nchecks == EXPECT_MAX_CHECKS) {
			snprintf(why, whylen, "at most %d detail checks per line", EXPECT_MAX_CHECKS);
			return false;
		}
		if (!parse_check(w[i], &r->checks[r->nchecks], why, whylen))
			return false;
		r->nchecks++;
	}
	return true;
}

static void collapse_blanks(const char *in, char *out, size_t len)
{
	size_t n = 0;
	for (const char *p = in; *p && n + 1 < len; p++) {
		char c = *p == '\t' ? ' ' : *p;
		if (!(c == ' ' && n && out[n - 1] == ' '))
			out[n++] = c;
	}
	out[n] = 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

static bool load_args(struct expect_file *e, const char *text, char *why, size_t whylen)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", text);
	char *w[EXPECT_MAX_ARGS];
	size_t n = 0;
	for (char *t = strtok(buf, " \t"); t; t = strtok(NULL, " \t")) {
		if (n == EXPECT_MAX_ARGS) {
			snprintf(why, whylen, "`# args:` holds more than %d words", EXPECT_MAX_ARGS);
			return false;
		}
		w[n++] = t;
	}
	if (!expect_args_allowed(w, n, why, whylen))
		return false;
	/* options first, then "--" and the filter words */
	bool filter = false;
	for (size_t i = 0; i < n && e->nargs < EXPECT_MAX_ARGS + 1; i++) {
		if (!filter && (w[i][0] != '-' || !strcmp(w[i], "--"))) {
			filter = true;
			e->args[e->nargs++] = strdup("--");
			if (!strcmp(w[i], "--"))
				continue;
		}
		e->args[e->nargs++] = strdup(w[i]);
		if (!filter && !strchr(w[i], '=') && strcmp(w[i], "--points") && i + 1 < n)
			e->args[e->nargs++] = strdup(w[++i]); /* the option's value */
	}
	return true;
}

bool expect_file_load(int fd, struct expect_file *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		snprintf(err, errlen, ": cannot read");
		return false;
	}
	char *line = NULL;
	size_t cap = 0, have = 0;
	ssize_t len;
	unsigned lineno = 0;
	bool ok = true, plain = false, asserts = false, args_seen = false;
	char why[512];
	while (ok && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > EXPECT_MAX_LINE) {
			snprintf(err, errlen, ":%u: line longer than %d bytes", lineno, EXPECT_MAX_LINE);
			ok = false;
			break;
		}
		if (memchr(line, 0, (size_t)len)) {
			snprintf(err, errlen, ":%u: NUL byte: not a text file", lineno);
			ok = false;
			break;
		}
		if (len && line[len - 1] == '\n')
			line[len - 1] = 0;
		char *l = trim(line);
		if (*l == '#' || !*l) {
			if (!strncmp(l, "# args:", 7)) {
				if (args_seen) {
					snprintf(err, errlen, ":%u: a second `# args:` line", lineno);
					ok = false;
				} else if (!load_args(e, l + 7, why, sizeof why)) {
					snprintf(err, errlen, ":%u: %s", lineno, why);
					ok = false;
				}
				args_seen = true;
			}
			if (!strncmp(l, "# DRAFT", 7))
				e->draft = true;
			if (!e->nrules)
				expect_lines_add(&e->head, l);
			continue;
		}
		char *norm = malloc(strlen(l) + 1);
		if (!norm)
			abort();
		collapse_blanks(l, norm, strlen(l) + 1);
		if (e->nrules == have) {
			have = have ? have * 2 : 16;
			e->rules = realloc(e->rules, have * sizeof *e->rules);
			if (!e->rules)
				abort();
		}
		struct expect_rule *r = &e->rules[e->nrules];
		if (!parse_rule(l, r, why, sizeof why)) {
			snprintf(err, errlen, ":%u: syntax error: %s", lineno, why);
			rule_free(r);
			free(norm);
			ok = false;
			break;
		}
		r->text = norm;
		r->lineno = lineno;
		e->nrules++;
		if (r->kind == EXPECT_EXACT)
			plain = true;
		else
			asserts = true;
	}
	if (ok && ferror(f)) {
		snprintf(err, errlen, ": read error");
		ok = false;
	}
	free(line);
	fclose(f);
	e->exact = plain || !asserts;
	e->args[e->nargs] = NULL;
	if (!ok)
		expect_file_free(e);
	return ok;
}

void expect_file_free(struct expect_file *e)
{
	for (size_t i = 0; i < e->nrules; i++)
		rule_free(&e->rules[i]);
	free(e->rules);
	for (size_t i = 0; i < e->nargs; i++)
		free(e->args[i]);
	expect_lines_free(&e->head);
	memset(e, 0, sizeof *e);
}

/* ---- judging ---- */

static int sev_index(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, sev_names[i]))
			return i;
	return -1;
}

static const char *detail(const struct expect_verdict *v, const char *key)
{
	for (size_t i = 0; i < v->ndetails; i++)
		if (!strcmp(v->dkey[i], key))
			return v->dval[i];
	return NULL;
}

static bool rule_matches(const struct expect_rule *r, const struct expect_verdict *v)
{
	int s = sev_index(v->sev);
	if (r->sev_floor ? s < r->sev : s != r->sev)
		return false;
	if (fnmatch(r->id, v->id, 0))
		return false;
	if (r->flow) {
		if (!v->flow || fnmatch(r->proto, v->proto, 0) || fnmatch(r->cip, v->cip, 0) ||
		    fnmatch(r->cport, v->cport, 0) || fnmatch(r->sip, v->sip, 0) || fnmatch(r->sport, v->sport, 0))
			return false;
	} else if (r->kind == EXPECT_EXACT && v->flow) {
		return false; /* an exact line without a flow is a capture-wide verdict */
	}
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct expect_check *c = &r->checks[i];
		const char *val = detail(v, c->key);
		if (!val)
			return false;
		if (c->is_regex ? regexec(&c->re, val, 0, NULL, 0) != 0 : strcmp(val, c->value) != 0)
			return false;
	}
	return true;
}

bool expect_file_judge(const struct expect_file *e, const struct expect_verdict *got, size_t ngot,
		       struct expect_lines *diff)
{
	bool ok = true;
	char line[512];
	if (e->exact) {
		bool *used = calloc(ngot + 1, sizeof *used);
		if (!used)
			abort();
		for (size_t i = 0; i < e->nrules; i++) {
			const struct expect_rule *r = &e->rules[i];
			if (r->kind != EXPECT_EXACT)
				continue;
			bool found = false;
			for (size_t j = 0; j < ngot && !found; j++)
				if (!used[j] && rule_matches(r, &got[j]))
					used[j] = found = true;
			if (!found) {
				expect_lines_addf(diff, "  - expected, not produced: %s", r->text);
				ok = false;
			}
		}
		for (size_t j = 0; j < ngot; j++)
			if (!used[j]) {
				expect_verdict_line(&got[j], false, line, sizeof line);
				expect_lines_addf(diff, "  + produced, not expected: %s", line);
				ok = false;
			}
		free(used);
	}
	for (size_t i = 0; i < e->nrules; i++) {
		const struct expect_rule *r = &e->rules[i];
		if (r->kind == EXPECT_EXACT)
			continue;
		long m = 0;
		for (size_t j = 0; j < ngot; j++) {
			if (!rule_matches(r, &got[j]))
				continue;
			m++;
			if (r->kind == EXPECT_FORBID) {
				expect_verdict_line(&got[j], false, line, sizeof line);
				expect_lines_addf(diff, "  + line %u: forbidden, produced: %s", r->lineno, line);
				ok = false;
			}
		}
		if (r->kind == EXPECT_REQUIRE) {
			bool pass = r->count < 0 ? m >= 1 : r->count_min ? m >= r->count : m == r->count;
			if (!pass) {
				expect_lines_addf(diff, "  - line %u: %s: %ld matching verdict%s produced", r->lineno, r->text,
						  m, m == 1 ? "" : "s");
				ok = false;
			}
		}
	}
	return ok;
}
