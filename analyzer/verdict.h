/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verdict.h - the verdict model: what every analyzer produces and every
 * sink (text report, JSON lines, --check, ncurses) consumes.
 *
 * A verdict is raised by its catalog enum with verdict_begin() (built on
 * the stack), filled with evidence, a summary and details, then handed to
 * verdict_emit(), which copies it to the registered sinks. Its id, title
 * and remediation come from the catalog (catalog.def), which also lists
 * the detail keys it may carry; docs/verdicts.md documents the same. */
#ifndef SHAKEDOWN_VERDICT_H
#define SHAKEDOWN_VERDICT_H

#include <stdarg.h>
#include <string.h>
#include "../capture/flow.h"
#include "../capture/summary.h" /* struct run_summary, handed to the sinks */
#include "catalog.h"

#define VERDICT_MAX_EVIDENCE 24
#define VERDICT_MAX_DETAILS 28
#define VERDICT_SUMMARY_LEN 320
#define VERDICT_VALUE_LEN 240

/* One packet that proves something: for ladder diagrams and "frames". */
struct evidence {
	uint64_t frame;
	ts_usec ts;
	int8_t dir;      /* DIR_C2S, DIR_S2C, or -1 (third party, e.g. ICMP from a router) */
	char what[40];   /* "SYN", "SYN-ACK", "KEXINIT 1480 B", "IKE_SA_INIT req", ... */
};

struct verdict_detail {
	const char *key; /* static string */
	enum detail_kind kind;
	long long i;
	double d;
	char s[VERDICT_VALUE_LEN];
};

struct verdict {
	enum verdict_id vid;
	const char *id; /* the catalog's id string, e.g. "tcp.syn_unanswered" */
	enum severity sev;
	uint8_t proto;
	struct addr client, server;
	uint16_t cport, sport;
	/* the flow it is about (0: none); such a verdict names that flow's
	 * endpoints, which is how the text report tells the flows that had a
	 * verdict (ui/report.c keeps no flow ids) */
	uint64_t flow_id;
	ts_usec first_ts, last_ts;
	unsigned nevidence;
	struct evidence ev[VERDICT_MAX_EVIDENCE];
	char summary[VERDICT_SUMMARY_LEN];
	unsigned ndetails;
	struct verdict_detail details[VERDICT_MAX_DETAILS];
	const char *remediation; /* the catalog's text (NULL for the "ok" verdicts) */
	/* Set by verdict_begin when no sink reads more than the header of a
	 * verdict of this severity (see verdict_sink.brief): evidence keeps its
	 * frames and times but no text, summary and details stay empty. */
	bool brief;
};

/* Start verdict id about flow f (may be NULL for capture-wide verdicts),
 * with the catalog's remediation; sev may differ from the catalog's
 * default where the verdict has two (warn or fail...). */
void verdict_begin(struct verdict *v, enum verdict_id id, enum severity sev, const struct flow *f);
/* Set the endpoints explicitly (aggregates, IKE SAs that moved ports). */
void verdict_endpoints(struct verdict *v, uint8_t proto, const struct addr *cli, uint16_t cport,
		       const struct addr *srv, uint16_t sport);
void verdict_evidence(struct verdict *v, uint64_t frame, ts_usec ts, int dir, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The same with a label built by hand (n bytes, cut as "%s" would be):
 * for the analyzers' hot labels, no printf per packet of evidence. */
void verdict_evidence_label(struct verdict *v, uint64_t frame, ts_usec ts, int dir, const char *label, size_t n);
void verdict_add_evidence(struct verdict *v, const struct evidence *e, unsigned n);
void verdict_summary(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Details: key must be one the catalog declares for the verdict (a debug
 * build asserts it). */
void verdict_str(struct verdict *v, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void verdict_int(struct verdict *v, const char *key, long long val);
void verdict_num(struct verdict *v, const char *key, double val);
void verdict_bool(struct verdict *v, const char *key, bool val);
/* Use one of the verdict's named remediation variants instead. */
void verdict_remedy(struct verdict *v, enum verdict_remedy r);
/* Times first_ts/last_ts default to the evidence range. */
void verdict_emit(struct verdict *v);
/* True when nobody will read v's text (summary, details, evidence labels):
 * an analyzer may skip building strings for it. The verdict_* calls above
 * already do nothing costly for such a verdict. */
static inline bool verdict_brief(const struct verdict *v)
{
	return v->brief;
}

/* What pf logged for a flow (pflog captures): rule, action, reason,
 * interface and direction as details; verdict_pflog_note appends "pf logged
 * it blocked by rule N on IF" to the summary when the action was block. */
void verdict_pflog(struct verdict *v, const struct pflog_meta *pf);
void verdict_pflog_note(struct verdict *v, const struct pflog_meta *pf);
const char *pf_action_name(uint8_t action);
const char *pf_reason_name(uint8_t reason);

const char *severity_name(enum severity s);
bool severity_parse(const char *s, enum severity *out);

/* Sinks. Each gets every verdict in emission order, then the summary
 * (struct run_summary, capture/summary.h). */
struct verdict_sink {
	void (*on_verdict)(const struct verdict *v, void *arg);
	void (*on_summary)(const struct run_summary *s, void *arg);
	void *arg;
};

/* A sink that reads everything of every verdict. */
void verdict_add_sink(const struct verdict_sink *s);
/* A hook that may add details to every verdict after its times are set
 * and before any sink sees it (--points); NULL removes it. */
void verdict_set_annotator(void (*fn)(struct verdict *v, void *arg), void *arg);
/* A sink that, for the severities in the mask `brief` (1u << SEV_OK | ...),
 * reads only a verdict's header: id, severity, endpoints, flow id, evidence
 * frames and times. When every sink is brief about a severity, verdicts of
 * it are not formatted at all (see verdict_brief). */
void verdict_add_sink_brief(const struct verdict_sink *s, unsigned brief);
/* The sink whose on_verdict is fn will read, from now on, only the header
 * of the verdicts of the severities in `brief`, the capture.* ones
 * excepted: the text report once its list is full, so that nobody formats
 * what it drops. Until the sinks are cleared. */
void verdict_sink_full(void (*on_verdict)(const struct verdict *v, void *arg), unsigned brief);
void verdict_clear_sinks(void);
void verdict_counts(uint64_t counts[4]);
void verdict_reset_counts(void);
/* How often a verdict had no room for evidence or a detail. */
void verdict_fill_limits(struct run_summary *sum);
void verdict_emit_summary(const struct run_summary *s);

/* Evidence labels built without printf (verdict_evidence_label): append
 * strings and numbers; what does not fit in the 63 bytes is cut (labels
 * keep 39). */
struct verdict_label {
	size_t n;
	char s[64];
};

static inline void label_put(struct verdict_label *l, const char *s, size_t k)
{
	if (k > sizeof l->s - 1 - l->n)
		k = sizeof l->s - 1 - l->n;
	memcpy(l->s + l->n, s, k);
	l->n += k;
}

static inline void label_str(struct verdict_label *l, const char *s)
{
	label_put(l, s, strlen(s));
}

static inline void label_u32(struct verdict_label *l, uint32_t x)
{
	char b[10];
	size_t i = sizeof b;
	do {
		b[--i] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	label_put(l, b + i, sizeof b - i);
}

/* Format "+1.234567" style seconds and "2024-01-02T03:04:05.123456Z". */
const char *ts_iso(ts_usec t, char *buf, size_t len);

#endif
