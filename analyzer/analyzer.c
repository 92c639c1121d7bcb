/* SPDX-License-Identifier: GPL-2.0-or-later */
/* analyzer.c - dispatch from the engine to the tcp, ssh, ike and esp
 * analyzers, and the capture-quality verdicts (capture.*). */
#include "analyzer.h"
#include "analyzer/ike.h"
#include "esp-sa.h"
#include "analyzer/ssh.h"
#include "ssh-int.h"
#include "verdict.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* UDP and ESP flows carry no connection state of their own (the IKE
 * analyzer keeps its SAs in its own tables) */
#define UDP_IDLE_S 60
#define UDP_IDLE SEC(UDP_IDLE_S)
/* flow->idle_timeout is 32-bit microseconds (checked in whole seconds:
 * SEC() goes through a double, no integer constant expression for clang) */
_Static_assert(UDP_IDLE_S * 1000000LL <= UINT32_MAX, "flow->idle_timeout is 32-bit microseconds");

/* Every table and counter of the analyzers starts empty: a run after
 * analyzer_init() gives what a fresh process gives. The verdict sinks and
 * sd_cfg are the caller's and stay as they are. */
void analyzer_init(void)
{
	tcp_tracker_init();
	ssh_init();
	ike_init();
	verdict_reset_counts();
}

void analyzer_teardown(void)
{
	tcp_tracker_free();
	ssh_free();
	ike_free();
	verdict_reset_counts();
}

void analyzer_flow_new(struct flow *f, const struct pkt *p)
{
	struct flow_state *s = flow_state(f);
	memset(s, 0, sizeof *s);
	switch (p->proto) {
	case IPPROTO_NUM_TCP:
		tcp_flow_new(f, p);
		f->want_stream = true; /* until the first payload shows it is not SSH */
		break;
	case IPPROTO_NUM_UDP:
		if (ike_claims(p))
			s->app = APP_IKE;
		f->idle_timeout = UDP_IDLE; /* the IKE analyzer keeps its own SA state */
		break;
	case IPPROTO_NUM_ESP:
		s->app = APP_ESP;
		f->idle_timeout = UDP_IDLE;
		break;
	default:
		break;
	}
}

bool analyzer_packet(struct flow *f, int dir, const struct pkt *p)
{
	struct flow_state *s = flow_state(f);
	enum tcp_step step;
	switch (p->proto) {
	case IPPROTO_NUM_TCP:
		step = tcp_packet(f, dir, p);
		if (step == TCP_STEP_NEW_CONNECTION) {
			/* the application analyzers finish the old connection first */
			analyzer_conn_restart(f, p->ts);
			tcp_restart(f, p);
			step = tcp_packet(f, dir, p);
		}
		if (s->app != APP_NOT_SSH)
			ssh_packet(f, dir, p);
		tcp_state_pack(f);
		return step == TCP_STEP_CLOSED;
	case IPPROTO_NUM_UDP:
		if (s->app == APP_IKE || ike_claims(p)) {
			s->app = APP_IKE;
			ike_packet(f, dir, p);
		}
		break;
	case IPPROTO_NUM_ESP:
		esp_packet(f, dir, p);
		break;
	default:
		break;
	}
	return false;
}

void analyzer_prefetch(const struct flow *f)
{
	const struct flow_state *fs = flow_state_c(f);
	const unsigned char *t = (const unsigned char *)fs->tcp;
	const unsigned char *a = (const unsigned char *)fs->app_state;
	for (unsigned off = 0; t && off < 256; off += 64)
		__builtin_prefetch(t + off, 1);
	if (!t && f->proto == IPPROTO_NUM_TCP)
		tcp_prefetch_packed(f);
	for (unsigned off = 0; a && fs->app != APP_ESP && off < 128; off += 64)
		__builtin_prefetch(a + off, 1);
	if (fs->app == APP_ESP) {
		esp_sa_prefetch(fs->app_aux);
		ike_sa_prefetch_esp(fs->app_state);
	}
}

void analyzer_flowless(const struct pkt *p, struct flow *quoted, int quoted_dir)
{
	if (!p->quote.present)
		return;
	switch (p->quote.proto) {
	case IPPROTO_NUM_TCP:
		if (quoted) {
			tcp_icmp(quoted, quoted_dir, p);
			tcp_state_pack(quoted);
			if (quoted->quiet) /* an ICMP error is not the flow's own packet */
				tcp_state_squeeze(quoted);
		}
		break;
	case IPPROTO_NUM_UDP:
	case IPPROTO_NUM_ESP:
		ike_icmp(quoted, quoted_dir, p);
		break;
	default:
		break;
	}
}

void analyzer_stream(struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame, ts_usec ts)
{
	if (flow_state(f)->app != APP_NOT_SSH)
		ssh_stream(f, dir, data, len, frame, ts);
}

void analyzer_timer(struct flow *f, ts_usec now)
{
	if (f->proto != IPPROTO_NUM_TCP)
		return;
	tcp_timer(f, now);
	if (flow_state(f)->app != APP_NOT_SSH)
		ssh_timer(f, now);
	tcp_state_pack(f);
	if (f->quiet) /* still silent: as it was before its timer */
		tcp_state_squeeze(f);
}

void analyzer_quiet(struct flow *f, ts_usec now)
{
	(void)now;
	if (f->proto == IPPROTO_NUM_TCP)
		tcp_state_squeeze(f);
}

void analyzer_close(struct flow *f, ts_usec now)
{
	ssh_flow_end(f, FLOW_END_DONE, now);
	tcp_close(f, now);
	flow_state(f)->app = APP_NOT_SSH; /* no more bytes wanted, no SSH session */
	f->want_stream = false;
}

void analyzer_conn_restart(struct flow *f, ts_usec now)
{
	ssh_flow_end(f, FLOW_END_DONE, now);
}

void analyzer_tick(ts_usec now)
{
	ike_tick(now);
}

void analyzer_flow_end(struct flow *f, enum flow_end_reason why, ts_usec now)
{
	switch (f->proto) {
	case IPPROTO_NUM_TCP:
		ssh_flow_end(f, (int)why, now);
		tcp_flow_end(f, (int)why, now);
		break;
	case IPPROTO_NUM_UDP:
	case IPPROTO_NUM_ESP:
		ike_flow_end(f, (int)why, now);
		break;
	default:
		break;
	}
}

static void capture_verdict(enum verdict_id id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static struct verdict qv;
static ts_usec capture_first_ts, capture_last_ts; /* of the run being finished */

/* A capture-wide verdict, at the catalog's severity, spanning the whole
 * capture (it is about all of it). */
static void capture_verdict(enum verdict_id id, const char *fmt, ...)
{
	verdict_begin(&qv, id, catalog_get(id)->sev, NULL);
	qv.first_ts = capture_first_ts;
	qv.last_ts = capture_last_ts;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(qv.summary, sizeof qv.summary, fmt, ap);
	va_end(ap);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Capture-quality verdicts that are one counter of the run summary. */
struct counted_verdict {
	enum verdict_id id;
	size_t count_offset; /* a uint64_t in struct run_summary */
	const char *key;     /* the count's name in the details */
	const char *what;    /* the summary, after the count */
};

static const struct counted_verdict counted[] = {
	{ V_CAPTURE_BAD_CHECKSUMS, offsetof(struct run_summary, bad_checksums), "bad_checksums",
	  "packets had a bad TCP/UDP checksum (typical of checksum offload on the capture host)" },
	{ V_CAPTURE_SNAPLEN_SHORT, offsetof(struct run_summary, truncated), "truncated_packets",
	  "packets were cut by the capture's snap length: their headers were analysed, their payload was not (no "
	  "payload verdicts for them)" },
	{ V_CAPTURE_MIDSTREAM, offsetof(struct run_summary, tcp_midstream), "flows",
	  "TCP flows began before the capture started (no handshake seen)" },
	{ V_CAPTURE_DUPLICATES, offsetof(struct run_summary, duplicates), "duplicates",
	  "packets appeared twice within microseconds; the copies were ignored" },
};

/* Timestamps that go backwards, explained: which packets, how far back,
 * and (live) what usually causes it. */
static void disorder_verdict(const struct run_summary *s)
{
	const struct time_disorder *td = &s->disorder;
	char first[48];
	ts_iso(td->first_ts, first, sizeof first);
	capture_verdict(V_CAPTURE_TIME_DISORDER,
			"%llu packets had a timestamp earlier than a packet before them: the first at frame %llu "
			"(%s, %.6f s back), the furthest %.6f s back at frame %llu%s",
			(unsigned long long)s->out_of_order, (unsigned long long)td->first_frame, first,
			(double)td->first_back / 1e6, (double)td->max_back / 1e6, (unsigned long long)td->max_frame,
			s->live ? "; live, this is the capture socket delivering packets of different CPUs or NIC "
				  "queues out of step, not the network"
				: "");
	verdict_evidence(&qv, td->first_frame, td->first_ts, -1, "first packet older than the one before it (%.6f s back)",
			 (double)td->first_back / 1e6);
	if (td->max_frame != td->first_frame)
		verdict_evidence(&qv, td->max_frame, td->max_ts, -1, "the furthest back (%.6f s)",
				 (double)td->max_back / 1e6);
	verdict_int(&qv, "packets_out_of_order", (long long)s->out_of_order);
	verdict_num(&qv, "largest_step_back_s", (double)td->max_back / 1e6);
	verdict_emit(&qv);
}

/* What the capture itself says about how far its verdicts can be trusted. */
static void quality_verdicts(const struct run_summary *s)
{
	capture_first_ts = s->first_ts;
	capture_last_ts = s->last_ts;
	uint64_t drops = s->drops_kernel + s->drops_iface;
	if (drops) {
		capture_verdict(V_CAPTURE_DROPS,
				"the capture dropped %llu packets (kernel %llu, interface %llu): verdicts about "
				"missing packets are suspect",
				(unsigned long long)drops, (unsigned long long)s->drops_kernel,
				(unsigned long long)s->drops_iface);
		verdict_int(&qv, "dropped_kernel", (long long)s->drops_kernel);
		verdict_int(&qv, "dropped_interface", (long long)s->drops_iface);
		verdict_int(&qv, "packets", (long long)s->packets);
		verdict_emit(&qv);
	}
	if (s->files_truncated) {
		capture_verdict(V_CAPTURE_FILE_TRUNCATED,
				"the capture file is cut short in the middle of a packet; analysed the %llu packets "
				"before the cut",
				(unsigned long long)s->packets);
		verdict_emit(&qv);
	}
	if (s->tcp_flows >= 4 && s->tcp_one_direction * 10 >= s->tcp_flows * 6) {
		capture_verdict(V_CAPTURE_ONE_DIRECTION, "%llu of %llu TCP flows (%.0f%%) show only one direction",
				(unsigned long long)s->tcp_one_direction, (unsigned long long)s->tcp_flows,
				pct(s->tcp_one_direction, s->tcp_flows));
		verdict_int(&qv, "one_direction_flows", (long long)s->tcp_one_direction);
		verdict_int(&qv, "tcp_flows", (long long)s->tcp_flows);
		verdict_emit(&qv);
	}
	if (s->out_of_order)
		disorder_verdict(s);
	for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++) {
		const struct counted_verdict *c = &counted[i];
		uint64_t n = *(const uint64_t *)(const void *)((const char *)s + c->count_offset);
		if (!n)
			continue;
		capture_verdict(c->id, "%llu %s", (unsigned long long)n, c->what);
		verdict_int(&qv, c->key, (long long)n);
		verdict_emit(&qv);
	}
}

/* One verdict per bounded table that was full: which, how often, since
 * when, what was lost and what raises it. The flow table keeps its own id. */
static void limit_verdicts(const struct run_summary *s)
{
	for (int i = 0; i < LIMIT_COUNT; i++) {
		const struct limit_hit *h = &s->limits[i];
		const struct limit_info *li = limit_info((enum limit_table)i);
		if (!h->times)
			continue;
		char when[48] = "";
		if (h->first_ts) {
			char iso[40];
			snprintf(when, sizeof when, ", first at %s", ts_iso(h->first_ts, iso, sizeof iso));
		}
		char raise[64] = "";
		if (li->option)
			snprintf(raise, sizeof raise, "; raise %s or filter", li->option);
		capture_verdict(i == LIMIT_FLOWS ? V_CAPTURE_FLOW_TABLE_FULL : V_CAPTURE_LIMITS_REACHED,
				"%s full %llu times (limit %llu %s%s): %s%s", li->table, (unsigned long long)h->times,
				(unsigned long long)h->limit, li->unit, when, li->lost, raise);
		if (h->first_frame)
			verdict_evidence(&qv, h->first_frame, h->first_ts, -1, "first hit: %s full", li->table);
		if (i == LIMIT_FLOWS)
			verdict_int(&qv, "evicted", (long long)h->times);
		verdict_str(&qv, "table", "%s", li->key);
		verdict_int(&qv, "limit", (long long)h->limit);
		verdict_str(&qv, "unit", "%s", li->unit);
		verdict_int(&qv, "times", (long long)h->times);
		verdict_num(&qv, "first_hit_ts", (double)h->first_ts / 1e6);
		verdict_str(&qv, "option", "%s", li->option ? li->option : "");
		verdict_str(&qv, "lost", "%s", li->lost);
		verdict_emit(&qv);
	}
}

void analyzer_finish(ts_usec now, struct run_summary *sum)
{
	tcp_finish(now);
	ike_finish(now);
	tcp_fill_summary(sum);
	sum->limits[LIMIT_SSH] = ssh_stats()->full;
	ike_fill_limits(&sum->limits[LIMIT_IKE], &sum->limits[LIMIT_ESP]);
	quality_verdicts(sum);
	verdict_fill_limits(sum);
	limit_verdicts(sum);
}

bool analyzer_problem(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	if (!len)
		return false;
	buf[0] = 0;
	if (f->proto == IPPROTO_NUM_TCP && flow_state_c(f)->app != APP_NOT_SSH)
		return ssh_problem(f, now, buf, len);
	return false;
}

void analyzer_describe(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	const struct flow_state *s = flow_state_c(f);
	buf[0] = 0;
	if (f->proto == IPPROTO_NUM_TCP) {
		if (s->app == APP_SSH)
			ssh_describe(f, now, buf, len);
		if (!buf[0])
			tcp_describe(f, now, buf, len);
	} else if (s->app == APP_IKE || s->app == APP_ESP) {
		ike_describe(f, now, buf, len);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", f->proto == IPPROTO_NUM_UDP ? "udp" : "");
}
