/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver.c - the pipeline driver. For every frame: keep the packet-time
 * clock, decode, find the flow, drop span-port duplicates, hand the packet
 * to the analyzers and its bytes to the reassembler; the reassembler's
 * bytes and rebuilt datagrams come back here. Sweeps timers once per
 * second of packet time, and gives the live view snapshots at poll time.
 * All state of a run is in struct driver. */
#include "analyzer/driver.h"
#include "analyzer.h"
#include "../capture/decode.h"
#include "../capture/stream.h"
#include "../capture/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USEC 1000000ull

/* Offline, frames are handled in batches: copied out of libpcap's buffer,
 * decoded and hashed first (on a second thread with --threads 2), then
 * processed in order while the flow table entries of the next ones are
 * fetched into the cache. BATCH_ARENA holds the copies; it is larger than
 * any frame libpcap hands over (262,144 bytes at most for the link types
 * decode.c accepts). */
#define BATCH_FRAMES 256
#define BATCH_ARENA (1u << 19)
#define PIPE_BATCHES 8
#define PREFETCH_BUCKET 8 /* frames ahead: the hash entry */
#define PREFETCH_FLOW 4   /* frames ahead: the flow it points to */
#define PREFETCH_STATE 2  /* frames ahead: the analyzers' state of that flow */
#define PREFETCH_SLOT 16  /* frames ahead: the slot itself and its frame's first bytes
			   * (with --threads 2 they were written on the other core) */

enum slot_kind { SLOT_FRAME, SLOT_IDLE, SLOT_IDLE_QUIET };

/* One frame read ahead: its copy, the decoded packet and the flow probe. */
struct slot {
	enum slot_kind kind;
	enum decode_result rc;
	bool decoded;
	struct capture_frame fr;
	struct pkt p;
	struct flow_probe probe;
};

struct batch {
	struct slot s[BATCH_FRAMES];
	unsigned n;
	size_t used; /* bytes of arena */
	uint8_t *arena;
};

struct driver {
	struct capture_opts o;
	struct driver_hooks hooks;
	struct flow_table *flows;
	struct stream *stream;
	/* decode counters: of the frames read (kept by the reading thread
	 * with --threads 2) and of datagrams rebuilt from fragments */
	struct decode_stats decode, decode_re;
	bool wide; /* the frame being processed came through a widened filter */
	struct capture_source *src; /* driver_run only */
	struct batch *batch;        /* offline, one thread: the batch being filled */
	ts_usec now, next_sweep, last_pkt_ts, first_ts;
	ts_usec newest_pkt_ts; /* the latest packet timestamp so far */
	uint64_t wall_at_last_pkt; /* live clock */
	uint64_t frame;            /* of the frame being processed */
	uint64_t fed;              /* frames given by driver_feed */
	uint64_t packets, bytes;
	uint64_t out_of_order, duplicates;
	struct time_disorder disorder; /* where the timestamps went backwards */
	bool in_reassembly;
	bool frag_widened; /* reassembling a fragment read only for the widened filter */
	uint64_t widened, widened_used;
	bool live;
	uint64_t last_poll_wall;
	/* live view snapshots (only with an on_poll hook) */
	struct driver_flow_row *look, *ended; /* look NULL: hooks.ended_only */
	size_t nlook, nended, ended_cap;
	uint64_t ended_lost, look_skip;
	ts_usec view_now; /* the clock a snapshot shows */
};

/* libnids allows one reassembler per process, so one run at a time. */
static bool driver_open;

static uint64_t wall_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * USEC + (uint64_t)t.tv_nsec / 1000;
}

ts_usec driver_now(const struct driver *d)
{
	return d->now;
}

struct flow_table *driver_flows(struct driver *d)
{
	return d->flows;
}

/* ---------- snapshots for the live view ---------- */

static void row_fill(struct driver_flow_row *r, const struct flow *f, ts_usec now, bool ended, bool describe)
{
	memset(r, 0, sizeof *r);
	r->id = f->id;
	r->proto = f->proto;
	r->ended = ended;
	r->client = flow_cli(f);
	r->server = flow_srv(f);
	r->cport = f->cport;
	r->sport = f->sport;
	r->spi = f->key.spi;
	memcpy(r->pkts, f->pkts, sizeof r->pkts);
	memcpy(r->bytes, f->bytes, sizeof r->bytes);
	r->first_ts = f->first_ts;
	r->last_ts = f->last_ts;
	if (describe)
		analyzer_describe(f, now, r->phase, sizeof r->phase);
	if (!ended)
		analyzer_problem(f, now, r->problem, sizeof r->problem);
	r->phase_ts = now;
}

static void look_one(struct flow *f, void *arg)
{
	struct driver *d = arg;
	if (d->look_skip) {
		d->look_skip--;
		return;
	}
	if (d->nlook < DRIVER_LOOK_ROWS)
		row_fill(&d->look[d->nlook++], f, d->view_now, false, true);
}

/* A paced replay sleeps between packets: the shown clock runs on by wall
 * time from the last packet, as the live clock does, so a stall visibly
 * grows. The engine's own clock moves only with packets. */
static ts_usec view_clock(const struct driver *d)
{
	if (d->o.pace && d->wall_at_last_pkt)
		return d->now + (wall_usec() - d->wall_at_last_pkt);
	return d->now;
}

/* Hand the hook what it may show; with look, the newest flows of the
 * table too (else only the flows that ended). */
static void snapshot(struct driver *d, bool look)
{
	struct driver_snapshot s;
	memset(&s, 0, sizeof s);
	d->nlook = 0;
	d->view_now = view_clock(d);
	if (look && d->look && d->flows) {
		const struct flow_stats *st = flow_table_stats(d->flows);
		d->look_skip = st->active > DRIVER_LOOK_ROWS ? st->active - DRIVER_LOOK_ROWS : 0;
		flow_table_foreach(d->flows, look_one, d);
		s.look = true;
		s.rows = d->look;
		s.nrows = d->nlook;
	}
	s.now = d->view_now;
	s.packets = d->packets;
	s.bytes = d->bytes;
	uint64_t dk = 0, di = 0;
	capture_source_drops(d->src, &dk, &di);
	s.drops = dk + di;
	if (d->flows) {
		const struct flow_stats *st = flow_table_stats(d->flows);
		s.flows_active = st->active;
		s.flows_created = st->created;
		s.flows_evicted = st->evicted;
	}
	s.ended = d->ended;
	s.nended = d->nended;
	s.ended_lost = d->ended_lost;
	d->hooks.on_poll(d->hooks.arg, &s);
	d->nended = 0;
	d->ended_lost = 0;
}

static void maybe_poll(struct driver *d)
{
	if (!d->hooks.on_poll)
		return;
	uint64_t w = wall_usec();
	uint64_t every = (uint64_t)(d->o.poll_ms > 0 ? d->o.poll_ms : 200) * 1000;
	if (w - d->last_poll_wall >= every) {
		d->last_poll_wall = w;
		snapshot(d, true);
	}
}

/* ---------- the per-packet pipeline ---------- */

static void on_flow_end(struct flow *f, enum flow_end_reason why, ts_usec now, void *arg)
{
	struct driver *d = arg;
	if (d->ended) {
		/* the view keeps what the flow was just before it ended; a full
		 * list goes to the view at once rather than being lost */
		if (d->nended == d->ended_cap)
			snapshot(d, false);
		row_fill(&d->ended[d->nended++], f, now, true, !d->hooks.ended_without_phase);
	}
	analyzer_flow_end(f, why, now);
	stream_release(d->stream, f);
}

static void on_evict_soon(const struct flow *f, void *arg)
{
	(void)arg;
	analyzer_prefetch(f);
}

static void on_deadline(struct flow *f, ts_usec now, void *arg)
{
	struct driver *d = arg;
	analyzer_timer(f, now);
	if (!f->want_stream && f->rx_held)
		stream_release(d->stream, f); /* judged: its held bytes are not wanted */
}

static void on_quiet(struct flow *f, ts_usec now, void *arg)
{
	(void)arg;
	analyzer_quiet(f, now);
}

static void sweep(struct driver *d, ts_usec now)
{
	flow_table_sweep(d->flows, now, on_deadline, d);
	analyzer_tick(now);
	/* live, a verdict is due within a second of its deadline: sweep more
	 * often; offline the cadence stays one second of packet time */
	d->next_sweep = now + (d->live ? USEC / 4 : USEC);
}

/* The clock never runs back. Live, it may be ahead of a packet's own
 * timestamp without any disorder in the capture: while the link is quiet
 * it runs on wall time, and the kernel hands packets over in blocks up to
 * CAPTURE_BLOCK_TIMEOUT_MS late. */
static void advance_clock(struct driver *d, ts_usec t)
{
	if (t < d->now)
		return;
	d->now = t;
	if (d->now >= d->next_sweep)
		sweep(d, d->now);
}

/* Some span ports and capture setups deliver each packet twice within
 * microseconds; a copy is not a retransmission. */
static bool is_duplicate(struct flow *f, int dir, const struct pkt *p)
{
	uint32_t h = HASH32_SEED;
	uint32_t parts[7] = { p->ip_id, p->seq, p->ack, p->tcp_flags, p->payload_wire_len, (uint32_t)dir, p->win };
	for (int i = 0; i < 7; i++)
		h = hash32_word(h, parts[i]);
	ts_usec window = (p->ipver == 4 && p->ip_id) ? 5000 : 200;
	bool dup = f->dup_sig == h && f->dup_ts && p->ts >= f->dup_ts && p->ts - f->dup_ts <= window;
	f->dup_sig = h;
	f->dup_ts = p->ts;
	return dup;
}

/* A widened filter (capture/'s header) also reads the ICMP errors and IP
 * fragments the user's filter does not select. Those only count for the
 * flows it selects: an ICMP error if the datagram it quotes passes the
 * user's filter, an IPv4 fragment only through its reassembled datagram
 * (judged in on_datagram), an IPv6 first fragment (not reassembled) only
 * if its flow is already known. true: analyse p as usual. */
static bool selects(const struct driver *d, const uint8_t *ip, uint32_t len)
{
	return !d->wide || capture_source_selects(d->src, ip, len);
}

static bool widened_admit(struct driver *d, const struct pkt *p)
{
	bool icmp = (p->proto == IPPROTO_NUM_ICMP && p->ipver == 4) || (p->proto == IPPROTO_NUM_ICMPV6 && p->ipver == 6);
	if (d->in_reassembly || !(icmp || p->is_fragment) || selects(d, p->l3, p->l3_len))
		return true;
	d->widened++;
	if (p->is_fragment && p->ipver == 4) {
		d->frag_widened = true;
		stream_feed_ipv4(d->stream, p);
		d->frag_widened = false;
		return false;
	}
	bool ok;
	if (p->is_fragment) {
		int dir;
		ok = p->frag_first && (p->proto == IPPROTO_NUM_UDP || p->proto == IPPROTO_NUM_TCP) &&
		     flow_table_find(d->flows, p->proto, &p->src, p->sport, &p->dst, p->dport, 0, &dir);
	} else {
		ok = p->quote.present && selects(d, p->payload, p->payload_len);
	}
	d->widened_used += ok;
	return ok;
}

static void process(struct driver *d, struct pkt *p, const struct flow_probe *probe)
{
	advance_clock(d, p->ts);
	if (!widened_admit(d, p))
		return;
	if (p->ipver == 4 && p->is_fragment && !d->in_reassembly)
		stream_feed_ipv4(d->stream, p); /* libnids rebuilds it; we get it back whole */
	if ((p->proto == IPPROTO_NUM_ICMP && p->ipver == 4) || (p->proto == IPPROTO_NUM_ICMPV6 && p->ipver == 6)) {
		struct flow *qf = NULL;
		int qdir = DIR_C2S;
		if (p->quote.present && (p->quote.proto == IPPROTO_NUM_TCP || p->quote.proto == IPPROTO_NUM_UDP))
			qf = flow_table_find(d->flows, p->quote.proto, &p->quote.src, p->quote.sport, &p->quote.dst,
					     p->quote.dport, 0, &qdir);
		else if (p->quote.present && p->quote.proto == IPPROTO_NUM_ESP)
			qf = flow_table_find(d->flows, IPPROTO_NUM_ESP, &p->quote.src, 0, &p->quote.dst, 0,
					     p->quote.spi, &qdir);
		analyzer_flowless(p, qf, qdir);
		return;
	}
	int dir = DIR_C2S;
	struct flow *f = probe ? flow_table_lookup_probe(d->flows, p, probe, &dir) : flow_table_lookup(d->flows, p, &dir);
	if (!f) {
		analyzer_flowless(p, NULL, 0);
		return;
	}
	bool first = f->pkts[0] + f->pkts[1] == 1;
	if (first)
		analyzer_flow_new(f, p);
	if (p->proto != IPPROTO_NUM_ESP && is_duplicate(f, dir, p) && !first) {
		d->duplicates++;
		f->pkts[dir]--;
		return;
	}
	bool closed = analyzer_packet(f, dir, p);
	/* TCP to our reassembler, also a segment rebuilt from IPv4 fragments */
	if ((f->want_stream || f->rx_on || f->rx_held) && p->proto == IPPROTO_NUM_TCP && !p->ip_truncated)
		stream_tcp(d->stream, f, dir, p);
	/* a cleanly closed connection is judged and its analyzers' state freed
	 * at once (after the reassembler has seen its last packet: SSH gets
	 * its last bytes first); the flow itself stays for the closed-flow
	 * linger to absorb late packets, and wants no more bytes */
	if (closed) {
		analyzer_close(f, p->ts);
		stream_release(d->stream, f);
	}
}

/* The reassembler's in-order bytes go to the analyzers. */
static void on_stream_bytes(void *arg, struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame,
			    ts_usec ts)
{
	(void)arg;
	analyzer_stream(f, dir, data, len, frame, ts);
}

/* A datagram rebuilt from fragments goes through the pipeline again. */
static void on_datagram(void *arg, const uint8_t *ip, uint32_t len)
{
	struct driver *d = arg;
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.frame = d->frame;
	p.ts = d->now;
	p.caplen = p.wirelen = len;
	if (decode_ip(&d->decode_re, ip, len, len, &p) != DECODE_OK)
		return;
	if (d->frag_widened) {
		/* completed by a fragment the user's filter did not select */
		if (!selects(d, ip, len))
			return;
		d->widened_used++;
	}
	p.reassembled = true;
	d->in_reassembly = true;
	process(d, &p, NULL);
	d->in_reassembly = false;
}

/* The part of a frame's handling that needs nothing but the frame:
 * decoding and the flow probe. It may run on the reading thread. */
static void frame_prepare(const struct driver *d, struct decode_stats *ds, struct slot *sl)
{
	struct pkt *p = &sl->p;
	memset(p, 0, sizeof *p);
	p->frame = sl->fr.frame;
	p->ts = sl->fr.ts;
	p->caplen = sl->fr.caplen;
	p->wirelen = sl->fr.wirelen;
	sl->probe.valid = false;
	/* live --points: the other interfaces only explain the first one */
	sl->decoded = !(d->o.nifaces > 1 && sl->fr.file != 0);
	if (!sl->decoded)
		return;
	sl->rc = decode_frame(ds, sl->fr.linktype, sl->fr.data, sl->fr.caplen, p);
	if (sl->rc == DECODE_OK)
		flow_probe_make(p, &sl->probe);
}

static void frame_process(struct driver *d, struct slot *sl)
{
	const struct capture_frame *fr = &sl->fr;
	if (d->hooks.on_frame)
		d->hooks.on_frame(d->hooks.frame_arg, fr, flow_table_stats(d->flows)->created);
	if (!sl->decoded)
		return;
	struct pkt *p = &sl->p;
	d->frame = fr->frame;
	d->wide = fr->widened;
	d->packets++;
	d->bytes += fr->wirelen;
	/* disorder is judged between packets: a timestamp older than one
	 * already read (merged captures, several queues of a NIC) */
	if (p->ts < d->newest_pkt_ts) {
		struct time_disorder *td = &d->disorder;
		ts_usec back = d->newest_pkt_ts - p->ts;
		if (!d->out_of_order++) {
			td->first_frame = p->frame;
			td->first_ts = p->ts;
			td->first_back = back;
		}
		if (back > td->max_back) {
			td->max_back = back;
			td->max_frame = p->frame;
			td->max_ts = p->ts;
		}
	} else {
		d->newest_pkt_ts = p->ts;
	}
	d->last_pkt_ts = p->ts;
	if (!d->first_ts)
		d->first_ts = p->ts;
	if (d->live || d->o.pace)
		d->wall_at_last_pkt = wall_usec();
	if (sl->rc != DECODE_OK) {
		advance_clock(d, p->ts);
		return;
	}
	process(d, p, &sl->probe);
}

/* One frame, now (live, paced, driver_feed). */
static void frame_in(struct driver *d, const struct capture_frame *fr)
{
	struct slot sl;
	sl.kind = SLOT_FRAME;
	sl.fr = *fr;
	frame_prepare(d, &d->decode, &sl);
	frame_process(d, &sl);
}

static void idle_now(struct driver *d, bool quiet);

/* Process a batch in order, fetching the flow table entries of the frames
 * a few places ahead. */
static void batch_run(struct driver *d, struct batch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		if (i + PREFETCH_SLOT < b->n) {
			const struct slot *ahead = &b->s[i + PREFETCH_SLOT];
			for (size_t off = 0; off < sizeof *ahead; off += 64)
				__builtin_prefetch((const char *)ahead + off);
			__builtin_prefetch(ahead->fr.data);
			__builtin_prefetch(ahead->fr.data + 64);
		}
		if (i + PREFETCH_BUCKET < b->n)
			flow_table_prefetch(d->flows, &b->s[i + PREFETCH_BUCKET].probe, 0);
		if (i + PREFETCH_FLOW < b->n)
			flow_table_prefetch(d->flows, &b->s[i + PREFETCH_FLOW].probe, 1);
		if (i + PREFETCH_STATE < b->n) {
			const struct flow *ahead = flow_table_peek(d->flows, &b->s[i + PREFETCH_STATE].probe);
			if (ahead)
				analyzer_prefetch(ahead);
		}
		struct slot *sl = &b->s[i];
		if (sl->kind == SLOT_FRAME)
			frame_process(d, sl);
		else
			idle_now(d, sl->kind == SLOT_IDLE_QUIET);
	}
	b->n = 0;
	b->used = 0;
}

static struct batch *batch_new(void)
{
	struct batch *b = calloc(1, sizeof *b);
	if (b && !(b->arena = malloc(BATCH_ARENA))) {
		free(b);
		b = NULL;
	}
	return b;
}

static void batch_free(struct batch *b)
{
	if (b)
		free(b->arena);
	free(b);
}

static bool batch_full(const struct batch *b, uint32_t caplen)
{
	return b->n == BATCH_FRAMES || caplen > BATCH_ARENA - b->used;
}

/* Copy a frame into the batch (which has room: batch_full) and prepare it. */
static void batch_add(const struct driver *d, struct decode_stats *ds, struct batch *b, const struct capture_frame *fr)
{
	struct slot *sl = &b->s[b->n++];
	sl->kind = SLOT_FRAME;
	sl->fr = *fr;
	if (sl->fr.caplen > BATCH_ARENA)
		sl->fr.caplen = BATCH_ARENA; /* not reached: see BATCH_ARENA */
	memcpy(b->arena + b->used, fr->data, sl->fr.caplen);
	sl->fr.data = b->arena + b->used;
	b->used += (sl->fr.caplen + 63u) & ~(size_t)63u;
	if (b->used > BATCH_ARENA)
		b->used = BATCH_ARENA;
	frame_prepare(d, ds, sl);
}

static void batch_add_idle(struct batch *b, bool quiet)
{
	struct slot *sl = &b->s[b->n++];
	sl->kind = quiet ? SLOT_IDLE_QUIET : SLOT_IDLE;
	sl->probe.valid = false;
}

/* ---------- --threads 2: a reading thread ---------- */

/* The reading thread runs the capture source and fills batches; the
 * driver's thread processes them in order. Batches go round two bounded
 * queues (full, free); the lock is taken once per batch, never per frame,
 * and a thread is woken only when it sleeps: the reader (the faster one)
 * once half the batches are free again, so the two do not wake each other
 * for every batch. */
struct pipe {
	struct driver *d;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_main, cv_reader;
	bool main_waits, reader_waits;
	struct batch *all[PIPE_BATCHES];
	struct batch *full[PIPE_BATCHES], *free_[PIPE_BATCHES];
	unsigned full_head, full_n, free_n;
	bool done;
	struct batch *cur; /* the reading thread's */
	volatile sig_atomic_t *stop;
	int rc;
	char err[256];
};

static void pipe_publish(struct pipe *pp)
{
	pthread_mutex_lock(&pp->mu);
	pp->full[(pp->full_head + pp->full_n++) % PIPE_BATCHES] = pp->cur;
	pp->cur = NULL;
	if (pp->main_waits)
		pthread_cond_signal(&pp->cv_main);
	while (!pp->free_n) {
		pp->reader_waits = true;
		pthread_cond_wait(&pp->cv_reader, &pp->mu);
	}
	pp->reader_waits = false;
	pp->cur = pp->free_[--pp->free_n];
	pthread_mutex_unlock(&pp->mu);
}

static void pipe_frame(void *arg, const struct capture_frame *fr)
{
	struct pipe *pp = arg;
	if (batch_full(pp->cur, fr->caplen))
		pipe_publish(pp);
	batch_add(pp->d, &pp->d->decode, pp->cur, fr);
}

static void pipe_idle(void *arg, bool quiet)
{
	struct pipe *pp = arg;
	if (batch_full(pp->cur, 0))
		pipe_publish(pp);
	batch_add_idle(pp->cur, quiet);
}

static void *pipe_read(void *arg)
{
	struct pipe *pp = arg;
	struct capture_sink sink = { pipe_frame, pipe_idle, pp };
	pp->rc = capture_source_run(pp->d->src, &sink, pp->stop, pp->err, sizeof pp->err);
	pthread_mutex_lock(&pp->mu);
	if (pp->cur->n)
		pp->full[(pp->full_head + pp->full_n++) % PIPE_BATCHES] = pp->cur;
	pp->cur = NULL;
	pp->done = true;
	pthread_cond_signal(&pp->cv_main);
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

static void pipe_destroy_sync(struct pipe *pp)
{
	pthread_mutex_destroy(&pp->mu);
	pthread_cond_destroy(&pp->cv_main);
	pthread_cond_destroy(&pp->cv_reader);
}

/* Run the source on a reading thread; -1 (nothing read) when the thread or
 * its batches cannot be had: the caller then reads on its own. */
static int pipe_run(struct driver *d, volatile sig_atomic_t *stop, char *err, size_t errlen, int *rc)
{
	struct pipe *pp = calloc(1, sizeof *pp);
	if (!pp)
		return -1;
	pp->d = d;
	pp->stop = stop;
	bool ok = true;
	for (unsigned i = 0; i < PIPE_BATCHES; i++)
		ok = (pp->all[i] = batch_new()) != NULL && ok;
	if (ok) {
		pp->cur = pp->all[0];
		for (unsigned i = 1; i < PIPE_BATCHES; i++)
			pp->free_[pp->free_n++] = pp->all[i];
		pthread_mutex_init(&pp->mu, NULL);
		pthread_cond_init(&pp->cv_main, NULL);
		pthread_cond_init(&pp->cv_reader, NULL);
		ok = pthread_create(&pp->thread, NULL, pipe_read, pp) == 0;
		if (!ok)
			pipe_destroy_sync(pp);
	}
	if (!ok) {
		for (unsigned i = 0; i < PIPE_BATCHES; i++)
			batch_free(pp->all[i]);
		free(pp);
		return -1;
	}
	for (;;) {
		pthread_mutex_lock(&pp->mu);
		while (!pp->full_n && !pp->done) {
			pp->main_waits = true;
			pthread_cond_wait(&pp->cv_main, &pp->mu);
		}
		pp->main_waits = false;
		if (!pp->full_n) {
			pthread_mutex_unlock(&pp->mu);
			break;
		}
		struct batch *b = pp->full[pp->full_head];
		pp->full_head = (pp->full_head + 1) % PIPE_BATCHES;
		pp->full_n--;
		pthread_mutex_unlock(&pp->mu);
		batch_run(d, b);
		pthread_mutex_lock(&pp->mu);
		pp->free_[pp->free_n++] = b;
		if (pp->reader_waits && pp->free_n >= PIPE_BATCHES / 2)
			pthread_cond_signal(&pp->cv_reader);
		pthread_mutex_unlock(&pp->mu);
	}
	pthread_join(pp->thread, NULL);
	pipe_destroy_sync(pp);
	*rc = pp->rc;
	if (pp->rc != CAPTURE_OK)
		snprintf(err, errlen, "%s", pp->err);
	for (unsigned i = 0; i < PIPE_BATCHES; i++)
		batch_free(pp->all[i]);
	free(pp);
	return 0;
}

/* ---------- a run ---------- */

static void sink_frame(void *arg, const struct capture_frame *fr)
{
	struct driver *d = arg;
	if (!d->batch) {
		frame_in(d, fr);
		return;
	}
	if (batch_full(d->batch, fr->caplen))
		batch_run(d, d->batch);
	batch_add(d, &d->decode, d->batch, fr);
}

static void idle_now(struct driver *d, bool quiet)
{
	if (quiet && d->last_pkt_ts) {
		/* a stalled flow sends nothing: let the clock run on wall time */
		ts_usec t = d->last_pkt_ts + (wall_usec() - d->wall_at_last_pkt);
		if (t > d->now)
			advance_clock(d, t);
	}
	maybe_poll(d);
}

static void sink_idle(void *arg, bool quiet)
{
	struct driver *d = arg;
	if (d->batch && d->batch->n)
		batch_run(d, d->batch); /* the frames before it first */
	idle_now(d, quiet);
}

struct driver *driver_begin(const struct capture_opts *o, const struct driver_hooks *hooks, char *err,
			    size_t errlen)
{
	if (driver_open) {
		snprintf(err, errlen, "a capture is already running in this process");
		return NULL;
	}
	struct driver *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->o = *o;
	if (hooks)
		d->hooks = *hooks;
	if (d->hooks.on_poll) {
		d->ended_cap = d->hooks.ended_only ? DRIVER_ENDED_ONLY_ROWS : DRIVER_ENDED_ROWS;
		d->look = d->hooks.ended_only ? NULL : calloc(DRIVER_LOOK_ROWS, sizeof *d->look);
		d->ended = calloc(d->ended_cap, sizeof *d->ended);
		if ((!d->look && !d->hooks.ended_only) || !d->ended) {
			snprintf(err, errlen, "out of memory for the live view's rows");
			goto fail;
		}
	}
	d->flows = flow_table_new(o->max_flows, o->idle_timeout, on_flow_end, d);
	if (!d->flows) {
		snprintf(err, errlen, "out of memory for %u flows", o->max_flows);
		goto fail;
	}
	flow_table_set_prefetch(d->flows, on_evict_soon);
	flow_table_set_quiet(d->flows, ANALYZER_QUIET_AFTER, on_quiet);
	struct stream_hooks sh = { on_stream_bytes, on_datagram, d };
	d->stream = stream_new(o->max_flows, &sh, err, errlen);
	if (!d->stream)
		goto fail;
	if ((o->max_frag_datagrams || o->max_frag_bytes) &&
	    !stream_set_frag_limits(d->stream, o->max_frag_datagrams ? o->max_frag_datagrams : STREAM_FRAG_DATAGRAMS,
				    o->max_frag_bytes ? o->max_frag_bytes : STREAM_FRAG_BYTES)) {
		snprintf(err, errlen, "out of memory for %u fragmented datagrams", o->max_frag_datagrams);
		stream_free(d->stream);
		goto fail;
	}
	analyzer_init();
	driver_open = true;
	return d;
fail:
	flow_table_free(d->flows);
	free(d->look);
	free(d->ended);
	free(d);
	return NULL;
}

void driver_feed(struct driver *d, int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, ts_usec ts)
{
	struct capture_frame fr = { linktype, data, caplen, wirelen, ts, ++d->fed, 0, false };
	frame_in(d, &fr);
}

void driver_end(struct driver *d, bool resolve, struct run_summary *sum)
{
	if (d->live && d->wall_at_last_pkt) {
		ts_usec t = d->last_pkt_ts + (wall_usec() - d->wall_at_last_pkt);
		if (t > d->now)
			d->now = t;
	}
	memset(sum, 0, sizeof *sum);
	if (resolve)
		flow_table_end_all(d->flows, d->now);
	const struct flow_stats *fs = flow_table_stats(d->flows);
	sum->packets = d->packets;
	sum->bytes = d->bytes;
	sum->flows = fs->created;
	sum->flows_evicted = fs->evicted;
	sum->flows_expired = fs->expired;
	sum->flows_peak = fs->peak;
	sum->live = d->live;
	sum->out_of_order = d->out_of_order;
	sum->disorder = d->disorder;
	sum->duplicates = d->duplicates;
	sum->bad_checksums = d->decode.checksum_bad + d->decode_re.checksum_bad;
	sum->truncated = d->decode.ip_truncated + d->decode_re.ip_truncated;
	sum->non_ip = d->decode.not_ip + d->decode_re.not_ip;
	sum->decode_errors = d->decode.malformed + d->decode_re.malformed;
	capture_source_drops(d->src, &sum->drops_kernel, &sum->drops_iface);
	sum->files_truncated = capture_source_files_truncated(d->src);
	const char *note = "";
	sum->filter_mode = (int)capture_source_filter_mode(d->src, &note);
	snprintf(sum->filter_note, sizeof sum->filter_note, "%s", note);
	sum->filter_widened = d->widened;
	sum->filter_widened_used = d->widened_used;
	const struct stream_stats *ss = stream_stats(d->stream);
	sum->tcp_not_held = ss->hold_dropped;
	sum->nids_warnings = ss->nids_warnings;
	sum->reassembled = ss->reassembled;
	sum->fragments = d->decode.fragments + d->decode_re.fragments;
	sum->limits[LIMIT_FLOWS] = (struct limit_hit){ fs->evicted, fs->max_flows, fs->first_evicted_ts, 0 };
	sum->limits[LIMIT_TCP_HOLD] = ss->hold_full;
	sum->limits[LIMIT_TCP_HOLD_DIR] = ss->hold_dir_full;
	sum->limits[LIMIT_FRAGMENTS] = ss->frag_full;
	sum->limits[LIMIT_FRAGMENT_BYTES] = ss->frag_bytes_full;
	sum->first_ts = d->first_ts;
	sum->last_ts = d->now;
	if (resolve)
		analyzer_finish(d->now, sum);
	/* the flows that ended at the end of input reach the view too */
	if (d->hooks.on_poll && d->nended)
		snapshot(d, false);
	stream_free(d->stream);
	flow_table_free(d->flows);
	free(d->look);
	free(d->ended);
	free(d);
	driver_open = false;
}

int driver_run(const struct capture_opts *o, const struct driver_hooks *hooks, struct run_summary *sum,
	       volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct driver *d = driver_begin(o, hooks, err, errlen);
	if (!d)
		return CAPTURE_INPUT_ERROR;
	int rc = CAPTURE_OK;
	d->live = o->iface != NULL;
	d->src = capture_source_open(o, err, errlen);
	if (!d->src) {
		rc = CAPTURE_INPUT_ERROR;
	} else if (hooks && hooks->on_open && hooks->on_open(hooks->open_arg, err, errlen) != 0) {
		rc = CAPTURE_INPUT_ERROR;
	} else {
		/* offline, unpaced: frames in batches, read on a second thread
		 * with --threads 2 */
		bool batched = !d->live && !o->pace;
		if (!batched || o->threads < 2 || pipe_run(d, stop, err, errlen, &rc) < 0) {
			d->batch = batched ? batch_new() : NULL;
			struct capture_sink sink = { sink_frame, sink_idle, d };
			rc = capture_source_run(d->src, &sink, stop, err, errlen);
			if (d->batch)
				batch_run(d, d->batch);
			batch_free(d->batch);
			d->batch = NULL;
		}
	}
	struct capture_source *src = d->src;
	driver_end(d, rc == CAPTURE_OK, sum);
	capture_source_close(src);
	return rc;
}
