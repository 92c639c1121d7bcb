/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-sa.c - the IKE SA table (by initiator SPI, bounded; when full it
 * recycles first a settled SA, one whose verdict can no longer change, or
 * under a flood of one-off requests the oldest SA that has shown a single
 * message, since it cannot carry a verdict yet; see pick_victim), each
 * SA's message log, and the text the verdicts
 * make of an SA: exchanges, NAT status, SPIs, retransmission schedules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

struct ike_tables ike_tab;

struct ike_sa *ike_sa_at(uint32_t idx)
{
	return &ike_tab.chunks[idx / SA_CHUNK][idx % SA_CHUNK];
}

struct ike_sa *ike_sa_next(const struct ike_sa *sa)
{
	if (!sa->next)
		return NULL;
	struct ike_sa *o = ike_sa_at(sa->next - 1);
	return o->in_use && o->prev == sa->idx + 1 ? o : NULL;
}

struct ike_sa *ike_sa_prev(const struct ike_sa *sa)
{
	if (!sa->prev)
		return NULL;
	struct ike_sa *o = ike_sa_at(sa->prev - 1);
	return o->in_use && o->next == sa->idx + 1 ? o : NULL;
}

static uint32_t spi_hash(const uint8_t spi[8])
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 8; i++)
		h = (h ^ spi[i]) * 16777619u;
	return h & (ike_tab.nbuckets - 1);
}

uint64_t ike_fingerprint(const uint8_t *b, size_t n)
{
	/* identity of a message's bytes (a retransmission repeats them all):
	 * eight bytes per step, multiply-xorshift */
	uint64_t h = 1469598103934665603ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ^ (h >> 32);
}

static const uint8_t zero8[8];

void ike_free(void)
{
	for (uint32_t i = 0; i < ike_tab.nchunks; i++)
		free(ike_tab.chunks[i]);
	free(ike_tab.buckets);
	free(ike_tab.latest);
	ike_store_free();
	memset(&ike_tab, 0, sizeof(ike_tab));
	esp_table_free();
}

void ike_init(void)
{
	ike_free();
	uint32_t max = sd_cfg.max_ike ? sd_cfg.max_ike : 16384;
	if (max > (uint32_t)SA_CHUNK * SA_MAX_CHUNKS)
		max = (uint32_t)SA_CHUNK * SA_MAX_CHUNKS;
	ike_tab.cap = max;
	ike_tab.nbuckets = 1;
	while (ike_tab.nbuckets < max)
		ike_tab.nbuckets <<= 1;
	ike_tab.buckets = calloc(ike_tab.nbuckets, sizeof(*ike_tab.buckets));
	ike_tab.latest = calloc(ike_tab.nbuckets, sizeof(*ike_tab.latest));
	if (!ike_tab.buckets || !ike_tab.latest)
		ike_tab.cap = ike_tab.nbuckets = 0;
	ike_store_init(ike_tab.cap);
	/* ESP: two directions per child SA, a few child SAs per IKE SA. */
	esp_table_init(max * 4);
}

static void sa_unlink(struct ike_sa *sa)
{
	uint32_t *pp = &ike_tab.buckets[spi_hash(sa->spi_i)];
	while (*pp) {
		struct ike_sa *e = ike_sa_at(*pp - 1);
		if (e == sa) {
			*pp = e->hnext;
			return;
		}
		pp = &e->hnext;
	}
}

/* The half-open list: SAs that have shown one message only (a lone
 * IKE_SA_INIT or main mode 1), oldest first. When the table is full they
 * go first: a single copy of a request says nothing yet (every initiator
 * retransmits), while an SA with a retransmission or an answer may be the
 * evidence of a verdict. A flood of spoofed one-off requests thus cannot
 * push out the one real tunnel that is retrying. */
static void ho_unlink(struct ike_sa *sa)
{
	if (!sa->ho_linked)
		return;
	if (sa->ho_prev)
		ike_sa_at(sa->ho_prev - 1)->ho_next = sa->ho_next;
	else
		ike_tab.ho_head = sa->ho_next;
	if (sa->ho_next)
		ike_sa_at(sa->ho_next - 1)->ho_prev = sa->ho_prev;
	else
		ike_tab.ho_tail = sa->ho_prev;
	sa->ho_prev = sa->ho_next = 0;
	sa->ho_linked = false;
	ike_tab.ho_count--;
}

static void ho_append(struct ike_sa *sa)
{
	sa->ho_prev = ike_tab.ho_tail;
	sa->ho_next = 0;
	if (ike_tab.ho_tail)
		ike_sa_at(ike_tab.ho_tail - 1)->ho_next = sa->idx + 1;
	else
		ike_tab.ho_head = sa->idx + 1;
	ike_tab.ho_tail = sa->idx + 1;
	sa->ho_linked = true;
	ike_tab.ho_count++;
}

/* A second message for the SA: it leaves the half-open list. */
void ike_sa_seen_twice(struct ike_sa *sa)
{
	ho_unlink(sa);
}

/* How long an SA must have been silent (no IKE message, no ESP between
 * its peers as esp.c counts it) to be called settled: by then every timed
 * verdict about it has been given, so judging it now says what the end
 * of the capture would. */
static ts_usec settle_wait(void)
{
	return sd_cfg.ike_timeout > sd_cfg.esp_timeout ? sd_cfg.ike_timeout : sd_cfg.esp_timeout;
}

static ts_usec last_activity(const struct ike_sa *sa)
{
	ts_usec t = sa->last_ts;
	for (int d = 0; d < 2; d++)
		if (sa->esp_last[d] > t)
			t = sa->esp_last[d];
	return t;
}

/* A request of either side still waits for its answer (and for its
 * verdict, if none comes). */
static bool pending(const struct ike_sa *sa)
{
	for (int d = 0; d < 2; d++)
		if (sa->req[d].active && !sa->req[d].answered && !sa->req[d].judged)
			return true;
	return false;
}

/* Given its last word, or silent for settle_wait() with nothing pending. */
static bool settled(const struct ike_sa *sa, ts_usec now)
{
	return sa->final || (!pending(sa) && now - last_activity(sa) >= settle_wait());
}

/* The half-open list holds a quarter of the table or more: a flood of
 * one-off requests (spoofed IKE_SA_INITs) rather than handshakes in
 * flight, which on a busy concentrator are a few dozen. */
static bool half_open_flood(void)
{
	return ike_tab.ho_count >= ike_tab.cap / 4;
}

/* The slot to recycle when the table is full, in this order:
 *  1. the oldest half-open SA (one message only), once it has been silent
 *     for settle_wait(): its initiator gave up or never retried, and a
 *     single copy of a request carries no verdict;
 *  2. under a flood of one-off requests (half_open_flood), the oldest
 *     half-open SA even if young, at once (no scan: a flood must cost
 *     O(1) per request): the real tunnel that is retrying (two messages
 *     or more) and the established ones must stay;
 *  3. a settled SA, the first one from a clock hand that goes round the
 *     slots (at most 256 looked at per call: an exact search would cost
 *     a scan of the whole table for every new SA under load): judged now,
 *     it gets the verdict it would get at the end;
 *  4. otherwise, of those looked at, the SA idle the longest with nothing
 *     pending (an answered exchange, not yet silent for settle_wait());
 *  5. the oldest half-open SA; 6. of those looked at, the idlest.
 * Before, the oldest half-open SA went first whatever the load: on a busy
 * concentrator (the bench's large workload) a table full of finished tunnels evicted
 * live IKE_SA_INITs a few milliseconds old, whose answers then came back
 * to no SA: tunnels were split into mid-stream SAs and unanswered ones
 * lost their ike.no_response (large: 2,389 of the 4,042 a table with
 * room for every SA gives; now 4,042). */
static uint32_t pick_victim(ts_usec now)
{
	if (ike_tab.ho_head && now - ike_sa_at(ike_tab.ho_head - 1)->last_ts >= settle_wait()) {
		ike_tab.half_open_evicted++;
		return ike_tab.ho_head - 1;
	}
	if (ike_tab.ho_head && half_open_flood()) { /* O(1) per new SA under a flood */
		ike_tab.half_open_evicted++;
		return ike_tab.ho_head - 1;
	}
	/* a clock hand over the slots: the first settled SA from it on (up to
	 * 256 looked at) goes, and the hand stops just past it, so the settled
	 * SAs after it are found by the next calls */
	uint32_t n = ike_tab.nused, idle = UINT32_MAX, quiet = UINT32_MAX, k;
	if (!n)
		return UINT32_MAX;
	for (k = 0; k < 256 && k < n; k++) {
		uint32_t i = (ike_tab.recycle_cursor + k) % n;
		const struct ike_sa *c = ike_sa_at(i);
		if (settled(c, now)) {
			ike_tab.recycle_cursor = (i + 1) % n;
			return i;
		}
		ts_usec act = last_activity(c);
		if (!c->ho_linked && !pending(c) && (quiet == UINT32_MAX || act < last_activity(ike_sa_at(quiet))))
			quiet = i;
		if (idle == UINT32_MAX || act < last_activity(ike_sa_at(idle)))
			idle = i;
	}
	ike_tab.recycle_cursor = (ike_tab.recycle_cursor + k) % n;
	if (quiet != UINT32_MAX)
		return quiet;
	if (ike_tab.ho_head) {
		ike_tab.half_open_evicted++;
		return ike_tab.ho_head - 1;
	}
	return idle;
}

struct ike_sa *ike_sa_new(const uint8_t spi_i[8], ts_usec now)
{
	uint32_t idx = UINT32_MAX;
	if (ike_tab.nused < ike_tab.nchunks * SA_CHUNK) {
		idx = ike_tab.nused++;
	} else if (ike_tab.nused < ike_tab.cap && ike_tab.nchunks < SA_MAX_CHUNKS) {
		struct ike_sa *c = calloc(SA_CHUNK, sizeof(*c));
		if (c) {
			ike_tab.chunks[ike_tab.nchunks++] = c;
			idx = ike_tab.nused++;
		}
	}
	if (idx == UINT32_MAX) {
		/* Full: finish and recycle a slot. */
		ike_tab.table_full++;
		idx = pick_victim(now);
		if (idx == UINT32_MAX)
			return NULL;
		struct ike_sa *old = ike_sa_at(idx);
		ike_sa_finalize(old, now);
		sa_unlink(old);
		ho_unlink(old);
		ike_tab.sa_recycled++;
	}
	struct ike_sa *sa = ike_sa_at(idx);
	ike_store_release(sa); /* a recycled slot's texts and log */
	memset(sa, 0, sizeof(*sa));
	sa->in_use = true;
	sa->idx = idx;
	sa->generation = ++ike_tab.generation;
	memcpy(sa->spi_i, spi_i, 8);
	uint32_t h = spi_hash(spi_i);
	sa->hnext = ike_tab.buckets[h];
	ike_tab.buckets[h] = idx + 1;
	ike_tab.sa_created++;
	ho_append(sa);
	return sa;
}

/* The SA of a message: same initiator SPI, and the same responder SPI
 * once both are known. */
struct ike_sa *ike_sa_find(const struct ike_hdr *h)
{
	if (!ike_tab.nbuckets)
		return NULL;
	bool zr = memcmp(h->spi_r, zero8, 8) == 0;
	struct ike_sa *loose = NULL;
	for (uint32_t i = ike_tab.buckets[spi_hash(h->spi_i)]; i; i = ike_sa_at(i - 1)->hnext) {
		struct ike_sa *sa = ike_sa_at(i - 1);
		if (memcmp(sa->spi_i, h->spi_i, 8) != 0)
			continue;
		if (zr || !sa->have_spir)
			return sa;
		if (memcmp(sa->spi_r, h->spi_r, 8) == 0)
			return sa;
		loose = sa;
	}
	(void)loose;
	return NULL;
}

bool ike_list_has(const char *buf, const char *item)
{
	size_t il = strlen(item);
	for (const char *p = buf; (p = strstr(p, item)); p++) {
		bool start = p == buf || p[-1] == ' ';
		bool end = p[il] == 0 || p[il] == ',';
		if (start && end)
			return true;
	}
	return false;
}

void ike_append_once(char *buf, size_t len, const char *item)
{
	if (!item || !*item || ike_list_has(buf, item))
		return;
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", item);
}

const char *ike_exch_short(uint8_t ver, uint8_t exch)
{
	if (ver == 2)
		return ike_exch_name(true, exch);
	switch (exch) {
	case IKEV1_MAIN: return "MM";
	case IKEV1_AGGRESSIVE: return "AM";
	case IKEV1_QUICK: return "QM";
	case IKEV1_INFORMATIONAL: return "INFO";
	case IKEV1_TRANSACTION: return "CFG";
	default: return ike_exch_name(false, exch);
	}
}

void ike_log_msg(struct ike_sa *sa, const struct mrec *r)
{
	if (sa->nhead < LOG_HEAD) {
		if (!ike_log_put(sa, sa->nhead, r))
			return;
		sa->nhead++;
	} else if (!ike_log_put(sa, LOG_HEAD + (sa->nlog - LOG_HEAD) % LOG_TAIL, r)) {
		return;
	}
	sa->nlog++;
}

void ike_ev_from_rec(struct verdict *v, const struct ike_sa *sa, const struct mrec *r)
{
	int dir = r->side == SIDE_I ? DIR_C2S : DIR_S2C;
	if (verdict_brief(v)) { /* the frame only: nobody reads the label */
		verdict_evidence(v, r->frame, r->ts, dir, "%s", "");
		return;
	}
	/* "EX[pos][ req| resp][ again] NB[ :4500][ frag][ SKF i/n][ note]",
	 * built by hand (an SA's log gives every ike.* verdict its evidence) */
	struct verdict_label l = { 0 };
	label_str(&l, ike_exch_short(sa->ver, r->exch));
	if (r->v1pos)
		label_u32(&l, r->v1pos);
	if (sa->ver == 2)
		label_str(&l, r->response ? " resp" : " req");
	if (r->retrans)
		label_put(&l, " again", 6);
	label_put(&l, " ", 1);
	label_u32(&l, r->len);
	label_put(&l, "B", 1);
	if (r->natt)
		label_put(&l, " :4500", 6);
	if (r->frag)
		label_put(&l, " frag", 5);
	if (r->skf_num) {
		char skf[16];
		snprintf(skf, sizeof(skf), " SKF %u/%u", r->skf_num, r->skf_total);
		label_str(&l, skf);
	}
	if (r->note) {
		const char *n = ike_notify_name(sa->ver == 2, r->note);
		char note[40];
		snprintf(note, sizeof(note), " %s", n ? n : "N?");
		label_str(&l, note);
	} else if (r->dpd_like) {
		label_put(&l, " DPD/del", 8);
	}
	/* a label cut short is fine: evidence labels are short by design */
	verdict_evidence_label(v, r->frame, r->ts, dir, l.s, l.n);
}

/* Evidence from the message log; `only_side`/`only_msgid` filter when >= 0. */
void ike_ev_log(struct verdict *v, const struct ike_sa *sa, int only_side, int64_t only_msgid)
{
	uint32_t ntail = sa->nlog > LOG_HEAD ? sa->nlog - LOG_HEAD : 0;
	if (ntail > LOG_TAIL)
		ntail = LOG_TAIL;
	for (unsigned i = 0; i < sa->nhead; i++) {
		const struct mrec r_rec = ike_log_slot(sa, i), *r = &r_rec;
		if ((only_side < 0 || r->side == only_side) && (only_msgid < 0 || r->msgid == only_msgid))
			ike_ev_from_rec(v, sa, r);
	}
	uint32_t start = sa->nlog > LOG_HEAD + LOG_TAIL ? (sa->nlog - LOG_HEAD) % LOG_TAIL : 0;
	for (uint32_t k = 0; k < ntail; k++) {
		const struct mrec r_rec = ike_log_slot(sa, LOG_HEAD + (start + k) % LOG_TAIL), *r = &r_rec;
		if ((only_side < 0 || r->side == only_side) && (only_msgid < 0 || r->msgid == only_msgid))
			ike_ev_from_rec(v, sa, r);
	}
}

const char *ike_nat_text(uint8_t st)
{
	bool before = st & NAT_SRC_BAD, after = st & NAT_DST_BAD;
	if (before && after)
		return "inconsistent: both its own and its peer's hashes disagree with the addresses here (the "
		       "peers compute them differently, or the capture's addresses were rewritten)";
	if (before)
		return "its own NAT detection hash does not match its address here: a NAT between it and this capture "
		       "point, or UDP encapsulation forced on purpose (strongSwan encap=yes fakes this hash)";
	if (after)
		return "behind a NAT between this capture point and the other peer";
	if (st)
		return "no NAT";
	return "unknown (no NAT detection payloads seen)";
}

bool ike_nat_found(uint8_t st)
{
	return (st & (NAT_SRC_BAD | NAT_DST_BAD)) != 0;
}

void ike_spi_hex(const uint8_t spi[8], char *buf)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++) {
		buf[2 * i] = hx[spi[i] >> 4];
		buf[2 * i + 1] = hx[spi[i] & 15];
	}
	buf[16] = 0;
}

/* Exchanges seen, e.g. "IKE_SA_INIT x2, IKE_AUTH x1, INFORMATIONAL x2". */
void ike_exchange_list(const struct ike_sa *sa, char *buf, size_t len)
{
	uint8_t ex[16];
	uint32_t cnt[16];
	unsigned n = 0;
	uint32_t ntail = sa->nlog > LOG_HEAD ? sa->nlog - LOG_HEAD : 0;
	if (ntail > LOG_TAIL)
		ntail = LOG_TAIL;
	for (unsigned i = 0; i < sa->nhead + ntail; i++) {
		/* the ring in storage order: counts only, first seen first */
		const struct mrec r_rec = ike_log_slot(sa, i < sa->nhead ? i : LOG_HEAD + (i - sa->nhead)), *r = &r_rec;
		unsigned k = 0;
		while (k < n && ex[k] != r->exch)
			k++;
		if (k == n) {
			if (n == 16)
				continue;
			ex[n] = r->exch;
			cnt[n++] = 0;
		}
		cnt[k]++;
	}
	buf[0] = 0;
	for (unsigned k = 0; k < n; k++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s x%u", k ? ", " : "", ike_exch_name(sa->ver == 2, ex[k]), cnt[k]);
	}
	if (sa->nlog > LOG_HEAD + LOG_TAIL) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, " (%u messages in all)", sa->nlog);
	}
}

double ike_secs(ts_usec d)
{
	return (double)d / 1e6;
}

/* "+0.000 +1.000 +2.500 s": when each copy of a request left. */
void ike_schedule(const struct ike_sa *sa, const struct req *r, int side, char *buf, size_t len)
{
	buf[0] = 0;
	uint32_t ntail = sa->nlog > LOG_HEAD ? sa->nlog - LOG_HEAD : 0;
	if (ntail > LOG_TAIL)
		ntail = LOG_TAIL;
	uint32_t start = sa->nlog > LOG_HEAD + LOG_TAIL ? (sa->nlog - LOG_HEAD) % LOG_TAIL : 0;
	for (unsigned i = 0; i < sa->nhead + ntail; i++) {
		const struct mrec m_rec = ike_log_slot(sa, i < sa->nhead ? i : LOG_HEAD + (start + i - sa->nhead) % LOG_TAIL), *m = &m_rec;
		if (m->side != side || m->response || m->msgid != r->msgid || m->exch != r->exch ||
		    m->ts < r->first_ts)
			continue;
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s+%.3f", l ? " " : "", ike_secs(m->ts - r->first_ts));
	}
	size_t l = strlen(buf);
	snprintf(buf + l, len - l, " s");
}

void ike_sa_prefetch_esp(const void *p)
{
	const struct ike_sa *sa = p;
	if (!sa)
		return;
	__builtin_prefetch(sa, 1); /* the peers' addresses */
	__builtin_prefetch((const char *)sa + offsetof(struct ike_sa, rsp) + sizeof sa->rsp - 1, 1); /* and in_use */
	__builtin_prefetch(&sa->esp_n[0], 1); /* what each ESP packet counts */
	__builtin_prefetch(&sa->esp_spi_last[0], 1);
	__builtin_prefetch(&sa->esp_run_frame[1], 1);
}
