/* ike.c - the IKE / NAT-T / ESP analyzer: follows every IKE SA it sees
 * (by SPI pair, across the move from UDP 500 to 4500) and every ESP SA
 * (by destination and SPI), and says why a tunnel does not come up or
 * drops: blocked ports, proposal and DH group mismatches, authentication
 * and traffic selector failures (read in cleartext, or inferred from the
 * size of encrypted answers), dead peer detection and rekey failures,
 * IKE messages lost as IP fragments, one-way or missing ESP.
 *
 * Packet timestamps drive every timer. Verdicts about a failure are given
 * as soon as the wire proves it (a cleartext error) or when its timer runs
 * out (ike_timeout, esp_timeout); the healthy verdict (ike.ok) and the
 * inferences that need to see what follows are given when the capture
 * ends, or when the SA's slot is recycled. */
#include "analyzer/ike.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/cursor.h"
#include "analyzer.h"
#include "config.h"
#include "esp-sa.h"
#include "ike-proto.h"
#include "verdict.h"

#define NAT_T_PORT 4500
#define IKE_PORT 500

enum { SIDE_I = 0, SIDE_R = 1 };

/* What the NAT detection data said about one peer's address: its own
 * source hash matched (or not) the address seen here; the other peer's
 * destination hash matched (or not) the address seen here. */
enum { NAT_SRC_OK = 1, NAT_SRC_BAD = 2, NAT_DST_OK = 4, NAT_DST_BAD = 8 };

/* Shape of an encrypted IKE_AUTH response, judged from its size. */
enum auth_shape { SHAPE_UNKNOWN = 0, SHAPE_NOTIFY_ONLY, SHAPE_NO_CHILD, SHAPE_FULL };

/* Bits of ike_sa.reported: verdicts already given for this SA. */
enum {
	R_NO_RESPONSE = 1u << 0,
	R_ICMP = 1u << 1,
	R_NATT = 1u << 2,
	R_NO_PROPOSAL = 1u << 3,
	R_DH = 1u << 4,
	R_AUTH_FAILED = 1u << 5,
	R_TS = 1u << 6,
	R_AUTH_LIKELY = 1u << 7,
	R_CHILD_LIKELY = 1u << 8,
	R_VERSION = 1u << 9,
	R_FRAGS = 1u << 10,
	R_DPD = 1u << 11,
	R_REKEY = 1u << 12,
	R_ABANDONED = 1u << 13,
	R_ESP = 1u << 14,
	R_OK = 1u << 15,
};

#define LOG_HEAD 14
#define LOG_TAIL 10

/* One IKE message, as remembered for evidence. */
struct mrec {
	uint64_t frame;
	ts_usec ts;
	uint32_t msgid;
	uint16_t len;
	uint16_t note; /* a notify worth naming (error, INVALID_KE, COOKIE) */
	uint8_t exch;
	uint8_t side;  /* sender */
	uint8_t v1pos; /* IKEv1 main/aggressive position, 0 otherwise */
	uint8_t skf_num, skf_total; /* IKEv2 fragment (RFC 7383), 0 if none */
	bool response, retrans, natt, frag, enc, dpd_like;
};

/* The latest request of one side. For IKEv1, whose messages carry no
 * request/response flag, a message expecting an answer (main mode 1-5,
 * aggressive 1-2, quick mode 1-2) plays the request. */
struct req {
	bool active, answered, judged;
	bool natt;         /* sent on 4500 */
	bool frag;         /* seen as IP fragments */
	uint8_t exch;
	uint8_t v1pos;
	uint8_t sends;     /* copies seen, the first one included */
	uint8_t frag_firsts, frag_done;
	uint16_t len;
	uint32_t msgid;
	uint32_t inner;    /* IKEv2: plaintext bytes the SK payload can hold */
	uint32_t skf_mask; /* IKEv2 fragments of the current copy seen (bit n-1) */
	uint64_t fp;       /* fingerprint of the message bytes */
	uint64_t first_frame, last_frame, answer_frame;
	ts_usec first_ts, last_ts, answer_ts;
	/* an ICMP error about it */
	uint8_t icmp_type, icmp_code;
	uint64_t icmp_frame;
	ts_usec icmp_ts;
	uint16_t answer_note; /* the answer asked for a retry (INVALID_KE, COOKIE) */
};

struct ike_sa {
	bool in_use;
	uint8_t ver; /* 1 or 2 */
	uint8_t spi_i[8], spi_r[8];
	bool have_spir;
	struct addr ini, rsp;
	uint16_t iport, rport;         /* as in the first message */
	uint16_t iport_now, rport_now; /* after the move to 4500 */
	bool floated;
	bool resp_natt;                /* the responder sent something on 4500 */
	bool midstream;                /* the capture began after the SA was set up */
	uint64_t flow_id;
	uint64_t first_frame, last_frame;
	ts_usec first_ts, last_ts;
	uint32_t msgs[2];
	uint32_t answered_reqs;
	uint32_t generation;

	/* setup progress */
	bool init_ok;      /* IKE_SA_INIT / MM2 / AM2 answered with an SA */
	bool auth_sent;
	bool established;  /* the IKE SA is up */
	bool child_up;     /* a child SA came up (or must have, as ESP flows) */
	bool rekey_error;  /* a CREATE_CHILD_SA answer too small for success */
	uint64_t rekey_err_frame;
	ts_usec rekey_err_ts;
	ts_usec child_ok_ts; /* latest child SA that came up */
	ts_usec up_ts;
	uint8_t v1_exch;   /* main or aggressive */
	uint8_t mm_count;  /* distinct main/aggressive mode messages */
	uint64_t mm_fp[2]; /* last main mode message of each side */
	uint32_t qm_msgid;
	uint8_t qm_count, qm_side, qm_done;
	uint64_t qm_fp[2];
	uint32_t n_v1_info[2];
	uint32_t v1_info_after_auth; /* Informationals from the responder after main mode 5 */
	uint64_t qm_refused_frame;   /* a quick mode offer answered by an Informational */
	ts_usec qm_refused_ts;
	uint8_t qm_refused_done;     /* qm_done at that time */
	/* IKEv1 Informationals one side sent since the other's last message
	 * (DPD R-U-THERE travels in them, encrypted) */
	uint32_t v1_info_run[2];
	uint64_t v1_info_frame[2];
	ts_usec v1_info_first[2], v1_info_last[2];

	/* IKE_AUTH answer */
	uint8_t shape;
	uint64_t auth_frame;
	ts_usec auth_ts;
	uint16_t auth_len;
	uint32_t auth_inner, auth_req_inner;

	/* negotiated crypto */
	bool have_chosen;
	uint16_t encr, encr_keylen, integ, prf, dh;
	uint16_t v1_hash;
	uint16_t ke_sent, ke_asked, ke_retry_group;
	uint8_t n_invalid_ke, n_cookie;
	uint64_t ke_frame;
	ts_usec ke_ts;
	bool ke_resolved;  /* a retry after INVALID_KE_PAYLOAD succeeded */
	char offered[VERDICT_VALUE_LEN];
	char chosen[160];

	/* first cleartext error notify */
	uint16_t err;
	uint8_t err_side, err_exch;
	uint64_t err_frame;
	ts_usec err_ts;
	char notifies[160]; /* names of every notify seen, once each */

	/* NAT as seen from here */
	uint8_t nat_i, nat_r;
	bool natd_seen, natt_vid;
	bool frag_supported;
	char vendors[2][160];

	struct req req[2];

	/* message log: the first LOG_HEAD, then a ring of the last LOG_TAIL */
	uint8_t nhead;
	uint32_t nlog;
	struct mrec head[LOG_HEAD], tail[LOG_TAIL];

	uint32_t reported;
	bool bad;     /* a warn or fail verdict was given about this SA */
	bool final;   /* end-of-SA evaluation done */
	bool esp_two_way; /* ESP seen both ways since up: check_esp has nothing left to find */
	struct pflog_meta pf; /* of the last logged message (pfSense pflog0 captures) */
	uint32_t prev; /* index+1 of the previous attempt between the same peers */
	uint32_t next; /* index+1 of the attempt that followed */
	uint32_t hnext;
	uint32_t idx;
};

#define SA_CHUNK 128
#define SA_MAX_CHUNKS 4096

static struct {
	struct ike_sa *chunks[SA_MAX_CHUNKS];
	uint32_t nchunks, nused, cap;
	uint32_t *buckets;
	uint32_t *latest; /* by peer-pair hash: index+1 of the newest SA between them */
	uint32_t nbuckets;
	uint32_t recycle_cursor;
	uint32_t generation;
	ts_usec last_tick;
	/* counters */
	uint64_t msgs, bad_msgs, keepalives, esp_udp, esp_plain, fragments;
	uint64_t sa_created, sa_recycled, table_full;
} T;

static struct ike_sa *sa_at(uint32_t idx)
{
	return &T.chunks[idx / SA_CHUNK][idx % SA_CHUNK];
}

static uint32_t spi_hash(const uint8_t spi[8])
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 8; i++)
		h = (h ^ spi[i]) * 16777619u;
	return h & (T.nbuckets - 1);
}

static uint64_t fingerprint(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ^ n;
}

static const uint8_t zero8[8];

/* ------------------------------------------------------------------ */
/* Table */

static void sa_finalize(struct ike_sa *sa, ts_usec now);
static void emit_auth_likely(struct ike_sa *sa, const char *after);

void ike_free(void)
{
	for (uint32_t i = 0; i < T.nchunks; i++)
		free(T.chunks[i]);
	free(T.buckets);
	free(T.latest);
	memset(&T, 0, sizeof(T));
	esp_table_free();
}

void ike_init(void)
{
	ike_free();
	uint32_t max = sd_cfg.max_ike ? sd_cfg.max_ike : 16384;
	if (max > (uint32_t)SA_CHUNK * SA_MAX_CHUNKS)
		max = (uint32_t)SA_CHUNK * SA_MAX_CHUNKS;
	T.cap = max;
	T.nbuckets = 1;
	while (T.nbuckets < max)
		T.nbuckets <<= 1;
	T.buckets = calloc(T.nbuckets, sizeof(*T.buckets));
	T.latest = calloc(T.nbuckets, sizeof(*T.latest));
	if (!T.buckets || !T.latest)
		T.cap = T.nbuckets = 0;
	/* ESP: two directions per child SA, a few child SAs per IKE SA. */
	esp_table_init(max * 4);
}

static void sa_unlink(struct ike_sa *sa)
{
	uint32_t *pp = &T.buckets[spi_hash(sa->spi_i)];
	while (*pp) {
		struct ike_sa *e = sa_at(*pp - 1);
		if (e == sa) {
			*pp = e->hnext;
			return;
		}
		pp = &e->hnext;
	}
}

static struct ike_sa *sa_new(const uint8_t spi_i[8], ts_usec now)
{
	uint32_t idx = UINT32_MAX;
	if (T.nused < T.nchunks * SA_CHUNK) {
		idx = T.nused++;
	} else if (T.nused < T.cap && T.nchunks < SA_MAX_CHUNKS) {
		struct ike_sa *c = calloc(SA_CHUNK, sizeof(*c));
		if (c) {
			T.chunks[T.nchunks++] = c;
			idx = T.nused++;
		}
	}
	if (idx == UINT32_MAX) {
		/* Full: finish and recycle the SA idle the longest among a
		 * rotating sample of 64 (an exact search would cost a scan of
		 * the whole table for every new SA under load). */
		T.table_full++;
		for (uint32_t k = 0; k < 64 && k < T.nused; k++) {
			uint32_t i = (T.recycle_cursor + k) % T.nused;
			if (idx == UINT32_MAX || sa_at(i)->last_ts < sa_at(idx)->last_ts)
				idx = i;
		}
		T.recycle_cursor = (T.recycle_cursor + 64) % (T.nused ? T.nused : 1);
		if (idx == UINT32_MAX)
			return NULL;
		struct ike_sa *old = sa_at(idx);
		sa_finalize(old, now);
		sa_unlink(old);
		T.sa_recycled++;
	}
	struct ike_sa *sa = sa_at(idx);
	memset(sa, 0, sizeof(*sa));
	sa->in_use = true;
	sa->idx = idx;
	sa->generation = ++T.generation;
	memcpy(sa->spi_i, spi_i, 8);
	uint32_t h = spi_hash(spi_i);
	sa->hnext = T.buckets[h];
	T.buckets[h] = idx + 1;
	T.sa_created++;
	return sa;
}

/* The SA of a message: same initiator SPI, and the same responder SPI
 * once both are known. */
static struct ike_sa *sa_find(const struct ike_hdr *h)
{
	if (!T.nbuckets)
		return NULL;
	bool zr = memcmp(h->spi_r, zero8, 8) == 0;
	struct ike_sa *loose = NULL;
	for (uint32_t i = T.buckets[spi_hash(h->spi_i)]; i; i = sa_at(i - 1)->hnext) {
		struct ike_sa *sa = sa_at(i - 1);
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

/* ------------------------------------------------------------------ */
/* Small helpers */

static void append_once(char *buf, size_t len, const char *item)
{
	if (!item || !*item)
		return;
	size_t il = strlen(item);
	for (const char *p = buf; (p = strstr(p, item)); p++) {
		bool start = p == buf || p[-1] == ' ';
		bool end = p[il] == 0 || p[il] == ',';
		if (start && end)
			return;
	}
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", item);
}

static const char *exch_short(uint8_t ver, uint8_t exch)
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

static void log_msg(struct ike_sa *sa, const struct mrec *r)
{
	if (sa->nhead < LOG_HEAD)
		sa->head[sa->nhead++] = *r;
	else
		sa->tail[(sa->nlog - LOG_HEAD) % LOG_TAIL] = *r;
	sa->nlog++;
}

static void ev_from_rec(struct verdict *v, const struct ike_sa *sa, const struct mrec *r)
{
	char what[64];
	const char *ex = exch_short(sa->ver, r->exch);
	char pos[8] = "";
	if (r->v1pos)
		snprintf(pos, sizeof(pos), "%u", r->v1pos);
	const char *kind = sa->ver == 2 ? (r->response ? " resp" : " req") : "";
	char note[40] = "";
	if (r->note) {
		const char *n = ike_notify_name(sa->ver == 2, r->note);
		snprintf(note, sizeof(note), " %s", n ? n : "N?");
	} else if (r->dpd_like) {
		snprintf(note, sizeof(note), " DPD/del");
	}
	char skf[16] = "";
	if (r->skf_num)
		snprintf(skf, sizeof(skf), " SKF %u/%u", r->skf_num, r->skf_total);
	int n = snprintf(what, sizeof(what), "%s%s%s%s %uB%s%s%s%s", ex, pos, kind, r->retrans ? " again" : "",
			 r->len, r->natt ? " :4500" : "", r->frag ? " frag" : "", skf, note);
	(void)n; /* a label cut short is fine: evidence labels are short by design */
	int dir = r->side == SIDE_I ? DIR_C2S : DIR_S2C;
	verdict_evidence(v, r->frame, r->ts, dir, "%.39s", what);
}

/* Evidence from the message log; `only_side`/`only_msgid` filter when >= 0. */
static void ev_log(struct verdict *v, const struct ike_sa *sa, int only_side, int64_t only_msgid)
{
	uint32_t ntail = sa->nlog > LOG_HEAD ? sa->nlog - LOG_HEAD : 0;
	if (ntail > LOG_TAIL)
		ntail = LOG_TAIL;
	for (unsigned i = 0; i < sa->nhead; i++) {
		const struct mrec *r = &sa->head[i];
		if ((only_side < 0 || r->side == only_side) && (only_msgid < 0 || r->msgid == only_msgid))
			ev_from_rec(v, sa, r);
	}
	uint32_t start = sa->nlog > LOG_HEAD + LOG_TAIL ? (sa->nlog - LOG_HEAD) % LOG_TAIL : 0;
	for (uint32_t k = 0; k < ntail; k++) {
		const struct mrec *r = &sa->tail[(start + k) % LOG_TAIL];
		if ((only_side < 0 || r->side == only_side) && (only_msgid < 0 || r->msgid == only_msgid))
			ev_from_rec(v, sa, r);
	}
}

static const char *nat_text(uint8_t st)
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

static bool nat_found(uint8_t st)
{
	return (st & (NAT_SRC_BAD | NAT_DST_BAD)) != 0;
}

static void spi_hex(const uint8_t spi[8], char *buf)
{
	for (int i = 0; i < 8; i++)
		snprintf(buf + 2 * i, 3, "%02x", spi[i]);
}

/* Exchanges seen, e.g. "IKE_SA_INIT x2, IKE_AUTH x1, INFORMATIONAL x2". */
static void exchange_list(const struct ike_sa *sa, char *buf, size_t len)
{
	uint8_t ex[16];
	uint32_t cnt[16];
	unsigned n = 0;
	uint32_t ntail = sa->nlog > LOG_HEAD ? sa->nlog - LOG_HEAD : 0;
	if (ntail > LOG_TAIL)
		ntail = LOG_TAIL;
	for (unsigned i = 0; i < sa->nhead + ntail; i++) {
		const struct mrec *r = i < sa->nhead ? &sa->head[i] : &sa->tail[i - sa->nhead];
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

/* ESP between the two peers since a time. */
struct esp_sum {
	const struct ike_sa *sa;
	uint64_t pkts[2], bytes[2];
	uint32_t nspi[2];
	bool plain[2], udp[2];
	uint64_t first_frame[2], last_frame[2];
	ts_usec first_ts[2], last_ts[2];
	uint32_t spi[2];
	uint64_t gaps, replays;
	char list[VERDICT_VALUE_LEN];
};

static void esp_sum_fn(const struct esp_sa *s, void *arg)
{
	struct esp_sum *e = arg;
	int d = addr_eq(&s->src, &e->sa->ini) ? SIDE_I : SIDE_R;
	e->pkts[d] += s->pkts;
	e->bytes[d] += s->bytes;
	if (!e->nspi[d] || s->first_ts < e->first_ts[d]) {
		e->first_ts[d] = s->first_ts;
		e->first_frame[d] = s->first_frame;
		e->spi[d] = s->spi;
	}
	if (s->last_ts >= e->last_ts[d]) {
		e->last_ts[d] = s->last_ts;
		e->last_frame[d] = s->last_frame;
	}
	e->nspi[d]++;
	if (s->udp)
		e->udp[d] = true;
	else
		e->plain[d] = true;
	e->gaps += s->gaps;
	e->replays += s->replays;
	char one[80];
	snprintf(one, sizeof(one), "0x%08x %s x%llu%s", s->spi, d == SIDE_I ? "i->r" : "r->i",
		 (unsigned long long)s->pkts, s->udp ? " udp" : "");
	append_once(e->list, sizeof(e->list), one);
}

static void esp_summarize(const struct ike_sa *sa, ts_usec since, struct esp_sum *e)
{
	memset(e, 0, sizeof(*e));
	e->sa = sa;
	esp_foreach_pair(&sa->ini, &sa->rsp, since, esp_sum_fn, e);
}

/* ------------------------------------------------------------------ */
/* Verdicts */

static void sa_verdict(struct verdict *v, enum verdict_id id, enum severity sev, struct ike_sa *sa)
{
	verdict_begin(v, id, sev, NULL);
	verdict_endpoints(v, IPPROTO_NUM_UDP, &sa->ini, sa->iport, &sa->rsp, sa->rport);
	v->flow_id = sa->flow_id;
	if (sev >= SEV_WARN)
		sa->bad = true;
}

/* The details every IKE verdict carries. */
static void sa_details(struct verdict *v, const struct ike_sa *sa)
{
	char buf[VERDICT_VALUE_LEN];
	char si[17], sr[17];
	spi_hex(sa->spi_i, si);
	spi_hex(sa->spi_r, sr);
	verdict_str(v, "ike_version", "IKEv%u", sa->ver);
	if (v->summary[0])
		verdict_pflog_note(v, &sa->pf);
	verdict_pflog(v, &sa->pf);
	verdict_str(v, "spi_i", "%s", si);
	verdict_str(v, "spi_r", "%s", sa->have_spir ? sr : "(none yet)");
	exchange_list(sa, buf, sizeof(buf));
	verdict_str(v, "exchanges", "%s", buf);
	if (sa->offered[0])
		verdict_str(v, "proposals_offered", "%s", sa->offered);
	if (sa->chosen[0])
		verdict_str(v, "proposal_chosen", "%s", sa->chosen);
	if (sa->floated)
		verdict_str(v, "nat_t", "moved to UDP %u/%u", sa->iport_now, sa->rport_now);
	if (sa->natd_seen) {
		verdict_str(v, "nat_initiator", "%s", nat_text(sa->nat_i));
		verdict_str(v, "nat_responder", "%s", nat_text(sa->nat_r));
	}
	if (sa->vendors[SIDE_I][0])
		verdict_str(v, "vendor_initiator", "%s", sa->vendors[SIDE_I]);
	if (sa->vendors[SIDE_R][0])
		verdict_str(v, "vendor_responder", "%s", sa->vendors[SIDE_R]);
	if (sa->notifies[0])
		verdict_str(v, "notifies", "%s", sa->notifies);
	if (sa->midstream)
		verdict_bool(v, "capture_began_mid_sa", true);
}

static double secs(ts_usec d)
{
	return (double)d / 1e6;
}

/* "+0.000 +1.000 +2.500 s": when each copy of a request left. */
static void schedule(const struct ike_sa *sa, const struct req *r, int side, char *buf, size_t len)
{
	buf[0] = 0;
	uint32_t ntail = sa->nlog > LOG_HEAD ? sa->nlog - LOG_HEAD : 0;
	if (ntail > LOG_TAIL)
		ntail = LOG_TAIL;
	uint32_t start = sa->nlog > LOG_HEAD + LOG_TAIL ? (sa->nlog - LOG_HEAD) % LOG_TAIL : 0;
	for (unsigned i = 0; i < sa->nhead + ntail; i++) {
		const struct mrec *m = i < sa->nhead ? &sa->head[i] : &sa->tail[(start + i - sa->nhead) % LOG_TAIL];
		if (m->side != side || m->response || m->msgid != r->msgid || m->exch != r->exch ||
		    m->ts < r->first_ts)
			continue;
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s+%.3f", l ? " " : "", secs(m->ts - r->first_ts));
	}
	size_t l = strlen(buf);
	snprintf(buf + l, len - l, " s");
}

static void emit_unanswered(struct ike_sa *sa, int side, ts_usec now, bool at_end)
{
	struct req *r = &sa->req[side];
	struct verdict v;
	char sched[160];
	const char *ex = exch_short(sa->ver, r->exch);
	schedule(sa, r, side, sched, sizeof(sched));
	const char *who = side == SIDE_I ? "initiator" : "responder";
	const char *until = at_end ? "until the capture ended" : "for the whole timeout";
	bool is_init = (sa->ver == 2 && r->exch == IKEV2_SA_INIT) || (sa->ver == 1 && r->v1pos == 1);
	bool is_auth = (sa->ver == 2 && r->exch == IKEV2_AUTH) || (sa->ver == 1 && r->v1pos >= 5);
	bool is_info = r->exch == IKEV2_INFORMATIONAL || r->exch == IKEV1_INFORMATIONAL;
	bool is_child = r->exch == IKEV2_CREATE_CHILD_SA || r->exch == IKEV1_QUICK;
	uint32_t bit;

	if (sa->ver == 1 && r->v1pos == 5 && sa->v1_info_after_auth) {
		emit_auth_likely(sa, "message 6 never came");
		return;
	}
	if (r->icmp_frame) {
		bit = R_ICMP;
		if (sa->reported & bit)
			return;
		sa_verdict(&v, V_IKE_ICMP_UNREACHABLE, SEV_FAIL, sa);
		bool port = (r->icmp_type == 3 && r->icmp_code == 3) || (r->icmp_type == 1 && r->icmp_code == 4);
		bool admin = (r->icmp_type == 3 && (r->icmp_code == 9 || r->icmp_code == 10 || r->icmp_code == 13)) ||
			     (r->icmp_type == 1 && (r->icmp_code == 1 || r->icmp_code == 5 || r->icmp_code == 6));
		verdict_summary(&v, "%s %s answered by ICMP %s (type %u code %u)%s", ex,
				sa->ver == 2 ? "request" : "message", port ? "port unreachable" : admin ? "administratively prohibited" : "destination unreachable",
				r->icmp_type, r->icmp_code,
				port ? ": nothing listens for IKE on the peer" : admin ? ": a firewall rejects it" : "");
		ev_log(&v, sa, side, r->msgid);
		verdict_evidence(&v, r->icmp_frame, r->icmp_ts, -1, "ICMP unreachable %u/%u", r->icmp_type, r->icmp_code);
		verdict_int(&v, "icmp_type", r->icmp_type);
		verdict_int(&v, "icmp_code", r->icmp_code);
		verdict_str(&v, "sent_at", "%s", sched);
		sa_details(&v, sa);
		if (port)
			verdict_remedy(&v, RV_IKE_ICMP_UNREACHABLE_PORT);
	} else if (r->frag) {
		bit = R_FRAGS;
		if (sa->reported & bit)
			return;
		sa_verdict(&v, V_IKE_FRAGMENTS_LOST, SEV_FAIL, sa);
		bool done = r->frag_done > 0;
		verdict_summary(&v, "%s %s of %u bytes went out as IP fragments and got no answer%s (%u copies, %s)", ex,
				r->v1pos ? "message" : "request", r->len,
				done ? "; the fragments did reassemble at this point, so they are lost beyond it"
				     : "; its fragment set never completed at this point",
				r->sends, until);
		ev_log(&v, sa, side, r->msgid);
		verdict_int(&v, "message_bytes", r->len);
		verdict_int(&v, "fragmented_copies", r->frag_firsts);
		verdict_int(&v, "reassembled_here", r->frag_done);
		verdict_str(&v, "sent_at", "%s", sched);
		verdict_bool(&v, "fragmentation_supported_ikev2", sa->frag_supported);
		sa_details(&v, sa);
	} else if (is_auth && (r->natt || sa->floated) && !sa->resp_natt) {
		bit = R_NATT;
		if (sa->reported & bit)
			return;
		sa_verdict(&v, V_IKE_NATT_BLOCKED, SEV_FAIL, sa);
		const char *why = nat_found(sa->nat_i) || nat_found(sa->nat_r)
					  ? "NAT was detected"
					  : sa->natd_seen ? "no NAT was detected (the peers float to 4500 anyway, e.g. for MOBIKE)"
							  : "NAT status unknown";
		verdict_summary(&v, "%s answered on UDP %u, then the initiator moved to UDP 4500 (%s) and its %s went "
				    "unanswered %s (%u copies): UDP 4500 is blocked on the way",
				sa->ver == 2 ? "IKE_SA_INIT" : "Main mode 1-4", sa->rport, why,
				sa->ver == 2 ? "IKE_AUTH" : "message 5", until, r->sends);
		ev_log(&v, sa, -1, -1);
		verdict_str(&v, "sent_at", "%s", sched);
		sa_details(&v, sa);
	} else if (is_info && sa->established) {
		bit = R_DPD;
		if (sa->reported & bit)
			return;
		sa_verdict(&v, V_IKE_DPD_FAILED, SEV_FAIL, sa);
		verdict_summary(&v, "Liveness check from the %s (%s request, message ID %u, %u copies) unanswered %s: "
				    "the peer or the path to it is gone, and the SA %s",
				who, ex, r->msgid, r->sends, until,
				sa->next ? "was set up again from scratch" : "is dropped");
		ev_log(&v, sa, side, r->msgid);
		verdict_str(&v, "sent_at", "%s", sched);
		verdict_num(&v, "up_for_s", secs(r->first_ts - sa->up_ts));
		sa_details(&v, sa);
	} else if (is_child && (sa->child_up || sa->qm_done)) {
		bit = R_REKEY;
		if (sa->reported & bit)
			return;
		sa_verdict(&v, V_IKE_REKEY_FAILED, SEV_FAIL, sa);
		verdict_summary(&v, "%s request from the %s (message ID %u, %u copies) unanswered %s: the rekey of a "
				    "working tunnel failed",
				ex, who, r->msgid, r->sends, until);
		ev_log(&v, sa, side, r->msgid);
		verdict_str(&v, "sent_at", "%s", sched);
		sa_details(&v, sa);
	} else {
		bit = R_NO_RESPONSE;
		if (sa->reported & bit)
			return;
		sa_verdict(&v, V_IKE_NO_RESPONSE, SEV_FAIL, sa);
		if (is_init)
			verdict_summary(&v, "%s request sent %u times with nothing back %s: UDP %u is blocked on the way "
					    "or the peer's IPsec service is down",
					ex, r->sends, until, sa->rport);
		else
			verdict_summary(&v, "%s %s from the %s sent %u times with nothing back %s", ex,
					sa->ver == 2 ? "request" : "message", who, r->sends, until);
		ev_log(&v, sa, side, r->msgid);
		verdict_str(&v, "sent_at", "%s", sched);
		sa_details(&v, sa);
	}
	(void)now;
	sa->reported |= bit;
	verdict_emit(&v);
}

/* A request is unanswered once ike_timeout has passed since its first
 * copy and a little more since its latest one (an answer to the latest
 * retransmission may still be on its way). The sender must have sent it
 * at least twice: every IKE implementation retransmits, so one lone copy
 * means the capture does not show the whole exchange. At the end of the
 * capture three copies (two retransmissions) are enough, or one ICMP
 * error. */
#define IKE_GRACE SEC(2)

static void judge_requests(struct ike_sa *sa, ts_usec now, bool at_end)
{
	for (int s = 0; s < 2; s++) {
		struct req *r = &sa->req[s];
		if (!r->active || r->answered || r->judged)
			continue;
		bool old = now >= r->first_ts + sd_cfg.ike_timeout && now >= r->last_ts + IKE_GRACE;
		bool enough = (old && (r->sends >= 2 || r->icmp_frame)) ||
			      (at_end && (r->sends >= 3 || r->icmp_frame ||
					  (r->frag && r->frag_done < r->frag_firsts && r->sends >= 2)));
		if (!enough)
			continue;
		r->judged = true;
		emit_unanswered(sa, s, now, at_end && !old);
	}
}

static void emit_error_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type, uint64_t frame, ts_usec ts)
{
	struct verdict v;
	bool v2 = sa->ver == 2;
	char nn[48];
	ike_notify_str(v2, type, nn, sizeof(nn));
	const char *ex = exch_short(sa->ver, m->h.exch);
	bool phase2 = sa->established || m->h.exch == IKEV2_CREATE_CHILD_SA || m->h.exch == IKEV1_QUICK;

	if (type == IKE_N_NO_PROPOSAL_CHOSEN) {
		if (sa->reported & R_NO_PROPOSAL)
			return;
		sa->reported |= R_NO_PROPOSAL;
		sa_verdict(&v, V_IKE_NO_PROPOSAL_CHOSEN, SEV_FAIL, sa);
		verdict_summary(&v, "The responder refused every %s proposal the initiator offered (%s in %s)",
				phase2 ? "child SA" : "IKE", nn, ex);
		ev_log(&v, sa, -1, -1);
		sa_details(&v, sa);
	} else if (type == IKE_N_INVALID_MAJOR_VERSION) {
		if (sa->reported & R_VERSION)
			return;
		sa->reported |= R_VERSION;
		sa_verdict(&v, V_IKE_VERSION_MISMATCH, SEV_FAIL, sa);
		verdict_summary(&v, "The responder rejected IKEv%u with %s", sa->ver, nn);
		ev_log(&v, sa, -1, -1);
		sa_details(&v, sa);
	} else if (type == IKE_N_TS_UNACCEPTABLE || type == IKE_N_INVALID_SELECTORS ||
		   (!v2 && type == IKEV1_N_INVALID_ID_INFORMATION && phase2)) {
		if (sa->reported & R_TS)
			return;
		sa->reported |= R_TS;
		sa_verdict(&v, V_IKE_TS_UNACCEPTABLE, SEV_FAIL, sa);
		verdict_summary(&v, "The responder refused the traffic selectors (phase 2 networks): %s in %s", nn, ex);
		ev_log(&v, sa, -1, -1);
		sa_details(&v, sa);
	} else {
		if (sa->reported & R_AUTH_FAILED)
			return;
		sa->reported |= R_AUTH_FAILED;
		sa_verdict(&v, V_IKE_AUTH_FAILED, SEV_FAIL, sa);
		verdict_summary(&v, "Authentication failed: %s in cleartext %s", nn, ex);
		ev_log(&v, sa, -1, -1);
		sa_details(&v, sa);
	}
	(void)frame;
	(void)ts;
	verdict_emit(&v);
}

static bool is_auth_error(bool v2, uint16_t t)
{
	if (t == IKE_N_AUTHENTICATION_FAILED || t == IKE_N_AUTHORIZATION_FAILED)
		return true;
	if (v2)
		return false;
	return t == IKEV1_N_INVALID_HASH_INFORMATION || t == IKEV1_N_INVALID_SIGNATURE ||
	       t == IKEV1_N_INVALID_CERTIFICATE || t == IKEV1_N_INVALID_ID_INFORMATION;
}

static void dh_str(uint16_t group, char *buf, size_t len)
{
	const char *n = ike_dh_name(group);
	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "group %u", group);
}

static void emit_dh(struct ike_sa *sa, bool recovered)
{
	if (sa->reported & R_DH)
		return;
	sa->reported |= R_DH;
	struct verdict v;
	sa_verdict(&v, V_IKE_DH_GROUP_MISMATCH, recovered ? SEV_INFO : SEV_FAIL, sa);
	char s1[24], s2[24];
	dh_str(sa->ke_sent, s1, sizeof(s1));
	dh_str(sa->ke_asked, s2, sizeof(s2));
	if (recovered)
		verdict_summary(&v, "The initiator's key exchange used %s, the responder asked for %s "
				    "(INVALID_KE_PAYLOAD); the retry with %s succeeded",
				s1, s2, s2);
	else if (sa->ke_asked == sa->ke_sent)
		verdict_summary(&v, "The responder answered INVALID_KE_PAYLOAD %u times asking for %s, the group the "
				    "initiator already sent: it cannot compute the group it has configured",
				sa->n_invalid_ke, s2);
	else
		verdict_summary(&v, "The initiator's key exchange used %s, the responder asked for %s "
				    "(INVALID_KE_PAYLOAD) and no retry succeeded",
				s1, s2);
	ev_log(&v, sa, -1, 0);
	verdict_str(&v, "group_sent", "%s", s1);
	verdict_str(&v, "group_requested", "%s", s2);
	verdict_int(&v, "invalid_ke_count", sa->n_invalid_ke);
	sa_details(&v, sa);
	if (recovered)
		verdict_remedy(&v, RV_IKE_DH_GROUP_MISMATCH_RECOVERED);
	verdict_emit(&v);
}

static bool saw_esp_since(const struct ike_sa *sa, ts_usec since)
{
	struct esp_sum e;
	esp_summarize(sa, since, &e);
	return e.pkts[0] + e.pkts[1] > 0;
}

static void emit_auth_likely(struct ike_sa *sa, const char *after)
{
	if (sa->reported & (R_AUTH_LIKELY | R_AUTH_FAILED))
		return;
	sa->reported |= R_AUTH_LIKELY;
	struct verdict v;
	sa_verdict(&v, V_IKE_AUTH_REJECTED_LIKELY, SEV_WARN, sa);
	if (sa->ver == 2)
		verdict_summary(&v, "Authentication was most likely rejected: the IKE_AUTH response (%u bytes, room for "
				    "about %u bytes of encrypted payloads) is too small to carry the identity and AUTH "
				    "payloads of a success, and %s (inference from sizes; the notify itself is encrypted)",
				sa->auth_len, sa->auth_inner, after);
	else
		verdict_summary(&v, "Authentication was most likely rejected: main mode message 5 (the first encrypted "
				    "one, with identity and hash) was answered by an Informational instead of message 6, "
				    "and %s (inference: the usual shape of a pre-shared key mismatch, where the responder "
				    "cannot decrypt message 5)",
				after);
	ev_log(&v, sa, -1, -1);
	verdict_int(&v, "auth_response_bytes", sa->auth_len);
	verdict_int(&v, "auth_response_payload_room", sa->auth_inner);
	verdict_int(&v, "auth_request_payload_room", sa->auth_req_inner);
	sa_details(&v, sa);
	verdict_emit(&v);
}

static void emit_child_likely(struct ike_sa *sa)
{
	if (sa->reported & (R_CHILD_LIKELY | R_TS))
		return;
	sa->reported |= R_CHILD_LIKELY;
	struct verdict v;
	sa_verdict(&v, V_IKE_CHILD_SA_FAILED_LIKELY, SEV_WARN, sa);
	if (sa->ver == 2)
		verdict_summary(&v, "The IKE SA came up but most likely no child SA did: the IKE_AUTH response (%u "
				    "bytes, room for about %u bytes of encrypted payloads) holds identity and AUTH but is "
				    "too small for an SA and traffic selectors, and no ESP followed (inference from "
				    "sizes: the shape of TS_UNACCEPTABLE or NO_PROPOSAL_CHOSEN for phase 2)",
				sa->auth_len, sa->auth_inner);
	else
		verdict_summary(&v, "Phase 1 came up but phase 2 most likely did not: the quick mode offer was "
				    "answered by an encrypted Informational instead of quick mode message 2, and no "
				    "quick mode completed (inference: the notify is encrypted; the shape of "
				    "INVALID-ID-INFORMATION or NO-PROPOSAL-CHOSEN)");
	ev_log(&v, sa, -1, -1);
	verdict_int(&v, "auth_response_bytes", sa->auth_len);
	verdict_int(&v, "auth_response_payload_room", sa->auth_inner);
	sa_details(&v, sa);
	verdict_emit(&v);
}

static void emit_abandoned(struct ike_sa *sa)
{
	if (sa->reported & R_ABANDONED)
		return;
	sa->reported |= R_ABANDONED;
	struct verdict v;
	sa_verdict(&v, V_IKE_INITIATION_ABANDONED, SEV_WARN, sa);
	const struct req *r = &sa->req[SIDE_I];
	verdict_summary(&v, "The initiator stopped after its %s was answered and never continued or retried: the "
			    "tunnel stays down until something triggers it again",
			exch_short(sa->ver, r->exch));
	ev_log(&v, sa, -1, -1);
	sa_details(&v, sa);
	verdict_emit(&v);
}

/* ESP verdicts for an established IKE SA. */
static void check_esp(struct ike_sa *sa, ts_usec now, bool at_end)
{
	if ((sa->reported & (R_ESP | R_DPD)) || !sa->established || !(sa->child_up || sa->qm_done) ||
	    sa->esp_two_way)
		return;
	struct esp_sum e;
	esp_summarize(sa, sa->up_ts, &e);
	if (e.pkts[SIDE_I] && e.pkts[SIDE_R]) {
		sa->esp_two_way = true;
		return;
	}
	int from = -1;
	if (e.pkts[SIDE_I] >= 3 && e.pkts[SIDE_R] == 0)
		from = SIDE_I;
	else if (e.pkts[SIDE_R] >= 3 && e.pkts[SIDE_I] == 0)
		from = SIDE_R;
	if (from < 0)
		return;
	if (!at_end && now < e.first_ts[from] + sd_cfg.esp_timeout)
		return;
	sa->reported |= R_ESP;
	bool plain = e.plain[from] && !e.udp[from];
	struct verdict v;
	verdict_begin(&v, plain ? V_ESP_MISSING : V_ESP_ONE_WAY, SEV_FAIL, NULL);
	const struct addr *src = from == SIDE_I ? &sa->ini : &sa->rsp;
	const struct addr *dst = from == SIDE_I ? &sa->rsp : &sa->ini;
	verdict_endpoints(&v, IPPROTO_NUM_ESP, src, 0, dst, 0);
	char sa_s[56], da_s[56];
	addr_str(src, sa_s, sizeof(sa_s));
	addr_str(dst, da_s, sizeof(da_s));
	if (plain)
		verdict_summary(&v, "IKE set up the tunnel, %s sent %llu ESP packets (IP protocol 50) to %s, and no ESP at "
				    "all came back %s: ESP is most likely blocked on the path",
				sa_s, (unsigned long long)e.pkts[from], da_s, at_end ? "until the capture ended" : "");
	else
		verdict_summary(&v, "ESP-in-UDP flows one way only: %s sent %llu packets to %s and nothing came back "
				    "while the IKE SA was up%s",
				sa_s, (unsigned long long)e.pkts[from], da_s, at_end ? " (until the capture ended)" : "");
	verdict_evidence(&v, e.first_frame[from], e.first_ts[from], from == SIDE_I ? DIR_C2S : DIR_S2C,
			 "ESP spi 0x%08x first", e.spi[from]);
	verdict_evidence(&v, e.last_frame[from], e.last_ts[from], from == SIDE_I ? DIR_C2S : DIR_S2C,
			 "ESP x%llu last", (unsigned long long)e.pkts[from]);
	verdict_str(&v, "esp_sas", "%s", e.list);
	verdict_int(&v, "packets", (long long)e.pkts[from]);
	verdict_int(&v, "bytes", (long long)e.bytes[from]);
	verdict_int(&v, "reverse_packets", 0);
	verdict_bool(&v, "udp_encapsulated", !plain);
	char si[17];
	spi_hex(sa->spi_i, si);
	verdict_str(&v, "ike_spi_i", "%s", si);
	verdict_emit(&v);
}

/* A CREATE_CHILD_SA answer with room for a notify only, and no child SA
 * came up after it. */
static void emit_rekey_refused(struct ike_sa *sa, uint64_t frame, ts_usec ts)
{
	if (sa->reported & R_REKEY)
		return;
	sa->reported |= R_REKEY;
	bool alive = sa->last_ts > ts + SEC(1) || saw_esp_since(sa, ts + SEC(1));
	struct verdict v;
	sa_verdict(&v, V_IKE_REKEY_FAILED, alive ? SEV_WARN : SEV_FAIL, sa);
	if (sa->ver == 2)
		verdict_summary(&v, "A CREATE_CHILD_SA request was answered with a message too small to hold a new "
				    "child SA (an error notify: inference from sizes, the notify is encrypted) and no "
				    "child SA came up after it%s",
				alive ? "; the tunnel kept working on its older SAs" : "");
	else
		verdict_summary(&v, "A new quick mode offer was answered by an encrypted Informational instead of quick "
				    "mode message 2 (inference: the refusal notify is encrypted) and no quick mode "
				    "completed after it%s",
				alive ? "; the tunnel kept working on its older SAs" : "");
	ev_log(&v, sa, -1, -1);
	verdict_evidence(&v, frame, ts, -1, "refusal-sized answer");
	sa_details(&v, sa);
	verdict_remedy(&v, RV_IKE_REKEY_FAILED_REFUSED);
	verdict_emit(&v);
}

/* IKEv1: a run of encrypted Informationals from one side with nothing at
 * all back. Dead peer detection (R-U-THERE) has no request/response
 * relation on the wire, so this is an inference from the pattern. */
static void emit_v1_dpd(struct ike_sa *sa, int side, bool at_end)
{
	if (sa->reported & R_DPD)
		return;
	sa->reported |= R_DPD;
	struct verdict v;
	sa_verdict(&v, V_IKE_DPD_FAILED, SEV_FAIL, sa);
	verdict_summary(&v, "The %s sent %u encrypted Informationals over %.1f s and nothing came back from the peer "
			    "%s: its dead peer detection (R-U-THERE) went unanswered (inference: IKEv1 DPD is encrypted "
			    "and unpaired on the wire)",
			side == SIDE_I ? "initiator" : "responder", sa->v1_info_run[side],
			secs(sa->v1_info_last[side] - sa->v1_info_first[side]),
			at_end ? "until the capture ended" : "afterwards");
	ev_log(&v, sa, side, -1);
	verdict_int(&v, "unanswered_informationals", sa->v1_info_run[side]);
	sa_details(&v, sa);
	verdict_remedy(&v, RV_IKE_DPD_FAILED_V1_INFERRED);
	verdict_emit(&v);
}

/* Is there a later attempt from the same initiator to the same responder? */
static bool restarted(const struct ike_sa *sa)
{
	return sa->next != 0;
}

/* Everything that needs the SA's future: run from ike_tick (with the
 * timers) and at the end (at_end). */
static void sa_evaluate(struct ike_sa *sa, ts_usec now, bool at_end)
{
	judge_requests(sa, now, at_end);

	if (sa->n_invalid_ke && !(sa->reported & R_DH)) {
		if (sa->ke_resolved)
			emit_dh(sa, true);
		else if (at_end || now >= sa->ke_ts + sd_cfg.ike_timeout)
			emit_dh(sa, false);
	}

	bool quiet = at_end || now >= sa->last_ts + sd_cfg.ike_timeout;
	if (sa->shape == SHAPE_NOTIFY_ONLY && quiet && sa->answered_reqs <= 2 &&
	    sa->last_ts <= sa->auth_ts + SEC(2))
		emit_auth_likely(sa, restarted(sa) ? "the initiator started over with a new IKE SA"
						   : "the SA was abandoned right after");
	if (sa->ver == 1 && sa->auth_sent && !sa->established && sa->v1_info_after_auth && quiet)
		emit_auth_likely(sa, "message 6 never came");
	for (int sd = 0; sd < 2 && sa->ver == 1 && quiet; sd++)
		if (sa->v1_info_run[sd] >= 3 && sa->v1_info_last[sd] >= sa->v1_info_first[sd] + SEC(2))
			emit_v1_dpd(sa, sd, at_end);
	if (sa->qm_refused_frame && quiet && sa->qm_done == sa->qm_refused_done) {
		if (sa->qm_done)
			emit_rekey_refused(sa, sa->qm_refused_frame, sa->qm_refused_ts);
		else
			emit_child_likely(sa);
	}
	if (sa->shape == SHAPE_NO_CHILD && !sa->child_up &&
	    (at_end || now >= sa->auth_ts + sd_cfg.esp_timeout) && !saw_esp_since(sa, sa->auth_ts))
		emit_child_likely(sa);

	/* The initiator's turn, and it never took it. */
	const struct req *ri = &sa->req[SIDE_I];
	if (!sa->established && !sa->bad && !sa->midstream && ri->active && ri->answered && !restarted(sa) &&
	    !sa->n_invalid_ke && now >= sa->last_ts + sd_cfg.ike_timeout && sa->init_ok)
		emit_abandoned(sa);

	if (sa->rekey_error && !(sa->reported & R_REKEY) && sa->child_ok_ts < sa->rekey_err_ts &&
	    (at_end || now >= sa->rekey_err_ts + sd_cfg.ike_timeout))
		emit_rekey_refused(sa, sa->rekey_err_frame, sa->rekey_err_ts);

	check_esp(sa, now, at_end);
}

static void emit_ok(struct ike_sa *sa, ts_usec now)
{
	sa->reported |= R_OK;
	struct verdict v;
	sa_verdict(&v, V_IKE_OK, SEV_OK, sa);
	struct esp_sum e;
	esp_summarize(sa, sa->up_ts ? sa->up_ts : sa->first_ts, &e);
	char ini[56], rsp[56];
	endpoint_str(&sa->ini, sa->iport, ini, sizeof(ini));
	endpoint_str(&sa->rsp, sa->rport, rsp, sizeof(rsp));
	if (sa->midstream)
		verdict_summary(&v, "IKEv%u SA %s <-> %s answers its exchanges (the capture began after it was set up); "
				    "ESP %llu/%llu packets",
				sa->ver, ini, rsp, (unsigned long long)e.pkts[0], (unsigned long long)e.pkts[1]);
	else
		verdict_summary(&v, "IKEv%u SA %s -> %s up in %.3f s%s; ESP %llu packets i->r, %llu r->i", sa->ver, ini,
				rsp, secs(sa->up_ts - sa->first_ts), sa->floated ? " (NAT-T, UDP 4500)" : "",
				(unsigned long long)e.pkts[0], (unsigned long long)e.pkts[1]);
	ev_log(&v, sa, -1, -1);
	if (e.nspi[0])
		verdict_evidence(&v, e.first_frame[0], e.first_ts[0], DIR_C2S, "ESP spi 0x%08x x%llu", e.spi[0],
				 (unsigned long long)e.pkts[0]);
	if (e.nspi[1])
		verdict_evidence(&v, e.first_frame[1], e.first_ts[1], DIR_S2C, "ESP spi 0x%08x x%llu", e.spi[1],
				 (unsigned long long)e.pkts[1]);
	sa_details(&v, sa);
	if (e.list[0])
		verdict_str(&v, "esp_sas", "%s", e.list);
	verdict_int(&v, "esp_packets_i2r", (long long)e.pkts[0]);
	verdict_int(&v, "esp_packets_r2i", (long long)e.pkts[1]);
	if (e.gaps || e.replays) {
		verdict_int(&v, "esp_seq_gaps", (long long)e.gaps);
		verdict_int(&v, "esp_seq_replays", (long long)e.replays);
	}
	if (sa->ver == 1)
		verdict_int(&v, "quick_modes", sa->qm_done);
	(void)now;
	verdict_emit(&v);
}

/* The last word on an SA: at the end of the capture, or when its slot is
 * recycled. */
static void sa_finalize(struct ike_sa *sa, ts_usec now)
{
	if (!sa->in_use || sa->final)
		return;
	sa_evaluate(sa, now, true);
	sa->final = true;
	bool healthy = sa->established || (sa->midstream && sa->answered_reqs > 0);
	if (healthy && !sa->bad)
		emit_ok(sa, now);
}

/* ------------------------------------------------------------------ */
/* NAT detection */

static bool natd_match(const struct ike_sa *sa, const uint8_t *hash, size_t hlen, const struct addr *a,
		       uint16_t port, const struct ike_hdr *h)
{
	uint8_t want[IKE_HASH_MAX];
	size_t n = ike_natd_hash(sa->ver == 2, sa->v1_hash, h->spi_i, h->spi_r, a, port, want);
	return n && n == hlen && memcmp(want, hash, n) == 0;
}

/* Record what one message's NAT detection data says. `side` sent it:
 * its source hash is about itself, its destination hash about the other
 * peer. */
static void nat_note(struct ike_sa *sa, int side, bool src_ok, bool dst_ok)
{
	uint8_t *me = side == SIDE_I ? &sa->nat_i : &sa->nat_r;
	uint8_t *peer = side == SIDE_I ? &sa->nat_r : &sa->nat_i;
	sa->natd_seen = true;
	*me |= src_ok ? NAT_SRC_OK : NAT_SRC_BAD;
	*peer |= dst_ok ? NAT_DST_OK : NAT_DST_BAD;
}

static void nat_check_v2(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p)
{
	bool any_src = false, src_ok = false, have_dst = false, dst_ok = false;
	for (unsigned i = 0; i < m->nnotify; i++) {
		const struct ike_notify *n = &m->n[i];
		if (n->type == IKEV2_N_NAT_DETECTION_SOURCE_IP) {
			any_src = true;
			if (natd_match(sa, n->data, n->data_len > IKE_NOTIFY_DATA ? IKE_NOTIFY_DATA : n->data_len, &p->src,
				       p->sport, &m->h))
				src_ok = true;
		} else if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			dst_ok = natd_match(sa, n->data, n->data_len > IKE_NOTIFY_DATA ? IKE_NOTIFY_DATA : n->data_len,
					    &p->dst, p->dport, &m->h);
		}
	}
	if (any_src && have_dst)
		nat_note(sa, side, src_ok, dst_ok);
}

static void nat_check_v1(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p)
{
	if (m->nnatd < 2 || !sa->v1_hash)
		return;
	/* RFC 3947: the first NAT-D is the remote end, the others local. */
	bool dst_ok = natd_match(sa, m->natd[0], m->natd_len[0], &p->dst, p->dport, &m->h);
	bool src_ok = false;
	for (unsigned i = 1; i < m->nnatd; i++)
		if (natd_match(sa, m->natd[i], m->natd_len[i], &p->src, p->sport, &m->h))
			src_ok = true;
	nat_note(sa, side, src_ok, dst_ok);
}

/* ------------------------------------------------------------------ */
/* Message handling */

static void note_vendors(struct ike_sa *sa, int side, const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->nvid; i++) {
		char nb[48];
		ike_vendor_str(m->vid[i].b, m->vid[i].len, m->vid[i].wire_len, nb, sizeof(nb));
		if (ike_vendor_is_natt(m->vid[i].b, m->vid[i].len))
			sa->natt_vid = true;
		append_once(sa->vendors[side], sizeof(sa->vendors[side]), nb);
	}
}

static void note_notifies(struct ike_sa *sa, const struct ike_msg *m)
{
	char nn[48];
	for (unsigned i = 0; i < m->nnotify; i++) {
		uint16_t t = m->n[i].type;
		if (t == IKEV2_N_FRAGMENTATION_SUPPORTED && sa->ver == 2)
			sa->frag_supported = true;
		append_once(sa->notifies, sizeof(sa->notifies), ike_notify_str(sa->ver == 2, t, nn, sizeof(nn)));
	}
}

/* The first error notify of a message (types below 16384). */
static uint16_t first_error(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->n[i].type && m->n[i].type < 16384)
			return m->n[i].type;
	return 0;
}

static void record_chosen_v2(struct ike_sa *sa, const struct ike_msg *m)
{
	if (!m->has_sa || !m->sa.nprops)
		return;
	const struct ike_prop *p = &m->sa.p[0];
	sa->have_chosen = true;
	for (unsigned i = 0; i < p->nx; i++) {
		const struct ike_xform *x = &p->x[i];
		switch (x->type) {
		case IKEV2_TT_ENCR: sa->encr = x->id; sa->encr_keylen = x->keylen; break;
		case IKEV2_TT_INTEG: sa->integ = x->id; break;
		case IKEV2_TT_PRF: sa->prf = x->id; break;
		case IKEV2_TT_DH: sa->dh = x->id; break;
		default: break;
		}
	}
	ike_format_sa(true, &m->sa, sa->chosen, sizeof(sa->chosen));
}

static unsigned prf_len(uint16_t prf)
{
	switch (prf) {
	case 1: return 16;
	case 2: return 20;
	case 3: return 24;
	case 4: case 8: return 16;
	case 5: return 32;
	case 6: return 48;
	case 7: return 64;
	default: return 20;
	}
}

/* Bytes of payloads an SK payload of `sk_len` can hold with the chosen
 * cipher: its length less header, IV and ICV (padding included). */
static uint32_t sk_room(const struct ike_sa *sa, uint32_t sk_len)
{
	unsigned iv, icv, blk;
	if (!sa->have_chosen || !ikev2_sk_overhead(sa->encr, sa->encr_keylen, sa->integ, &iv, &icv, &blk))
		return UINT32_MAX;
	if (sk_len < 4 + iv + icv)
		return 0;
	return sk_len - 4 - iv - icv;
}

/* Judge an encrypted IKE_AUTH response from its size. A success carries
 * IDr, AUTH, an SA with one ESP proposal and TSi/TSr: at least 12 + (8 +
 * PRF output) + 28 + 2 * 24 bytes with the smallest of each. A response
 * without room for IDr + AUTH can only hold notifies. */
static uint8_t auth_shape(const struct ike_sa *sa, uint32_t room)
{
	if (room == UINT32_MAX)
		return SHAPE_UNKNOWN;
	unsigned id_auth = 12 + 8 + prf_len(sa->prf);
	unsigned success = id_auth + 28 + 48;
	if (room < id_auth)
		return SHAPE_NOTIFY_ONLY;
	if (room < success)
		return SHAPE_NO_CHILD;
	return SHAPE_FULL;
}

static void mark_up(struct ike_sa *sa, ts_usec ts)
{
	if (!sa->established) {
		sa->established = true;
		sa->up_ts = ts;
	}
}

static void new_request(struct req *r, const struct ike_msg *m, uint8_t v1pos, uint64_t fp, const struct pkt *p,
			uint16_t len, bool natt, uint32_t room)
{
	memset(r, 0, sizeof(*r));
	r->active = true;
	r->exch = m->h.exch;
	r->msgid = m->h.msgid;
	r->v1pos = v1pos;
	r->fp = fp;
	r->len = len;
	r->natt = natt;
	r->sends = 1;
	r->inner = room;
	r->first_frame = r->last_frame = p->frame;
	r->first_ts = r->last_ts = p->ts;
}

static void answer(struct ike_sa *sa, int side_of_req, const struct pkt *p)
{
	struct req *r = &sa->req[side_of_req];
	if (!r->active || r->answered)
		return;
	r->answered = true;
	r->answer_frame = p->frame;
	r->answer_ts = p->ts;
	sa->answered_reqs++;
}

static uint32_t peers_hash(const struct addr *a, const struct addr *b)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ b->b[i]) * 16777619u;
	return h & (T.nbuckets - 1);
}

/* Link a new attempt to the latest earlier SA between the same peers
 * (remembered per peer pair, so this costs one look-up). */
static void link_attempt(struct ike_sa *sa)
{
	uint32_t *slot = &T.latest[peers_hash(&sa->ini, &sa->rsp)];
	if (*slot) {
		struct ike_sa *o = sa_at(*slot - 1);
		if (o != sa && o->in_use && !o->next && o->ver == sa->ver && addr_eq(&o->ini, &sa->ini) &&
		    addr_eq(&o->rsp, &sa->rsp)) {
			o->next = sa->idx + 1;
			sa->prev = o->idx + 1;
		}
	}
	*slot = sa->idx + 1;
}

static void handle_v2(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p, struct mrec *rec,
		      uint64_t fp, bool natt)
{
	uint32_t room = m->encrypted ? sk_room(sa, m->sk_len) : UINT32_MAX;
	uint8_t ex = m->h.exch;
	if (!m->response) {
		struct req *r = &sa->req[side];
		/* Same message ID and exchange: a retransmission (IKEv2 never
		 * reuses an ID for a new request, except IKE_SA_INIT retried
		 * after a COOKIE or INVALID_KE_PAYLOAD answer). */
		uint32_t fbit = m->skf && m->frag_num >= 1 && m->frag_num <= 32 ? 1u << (m->frag_num - 1) : 0;
		if (r->active && r->msgid == m->h.msgid && r->exch == ex && !r->answer_note) {
			if (fbit && !(r->skf_mask & fbit)) {
				/* another fragment of the same copy */
				r->skf_mask |= fbit;
				if (r->len < 0xffff - m->h.length)
					r->len = (uint16_t)(r->len + m->h.length);
			} else {
				if (r->sends < 255)
					r->sends++;
				r->skf_mask = fbit;
				rec->retrans = true;
			}
			r->last_frame = p->frame;
			r->last_ts = p->ts;
		} else {
			new_request(r, m, 0, fp, p, (uint16_t)m->h.length, natt, room);
			r->skf_mask = fbit;
		}
		if (ex == IKEV2_INFORMATIONAL && m->encrypted && room != UINT32_MAX && room <= 16)
			rec->dpd_like = true;
		if (ex == IKEV2_SA_INIT) {
			if (m->has_sa)
				ike_format_sa(true, &m->sa, sa->offered, sizeof(sa->offered));
			if (m->has_ke) {
				if (sa->n_invalid_ke && m->ke_group == sa->ke_asked)
					sa->ke_retry_group = m->ke_group;
				else if (!sa->n_invalid_ke)
					sa->ke_sent = m->ke_group;
			}
			nat_check_v2(sa, side, m, p);
		} else if (ex == IKEV2_AUTH) {
			sa->auth_sent = true;
			if (room != UINT32_MAX)
				sa->auth_req_inner = room;
		}
		return;
	}
	/* A response answers the other side's request with the same ID. */
	int rs = 1 - side;
	struct req *r = &sa->req[rs];
	if (r->active && r->msgid == m->h.msgid) {
		if (r->answered && !(m->skf && m->frag_num > 1))
			rec->retrans = true;
		answer(sa, rs, p);
	}
	uint16_t err = first_error(m);
	if (ex == IKEV2_SA_INIT) {
		uint16_t g = ike_invalid_ke_group(m);
		if (g || ike_find_notify(m, IKE_N_INVALID_KE_PAYLOAD)) {
			if (!rec->retrans) {
				sa->n_invalid_ke++;
				sa->ke_asked = g;
				sa->ke_frame = p->frame;
				sa->ke_ts = p->ts;
			}
			rec->note = IKE_N_INVALID_KE_PAYLOAD;
			r->answer_note = rec->note;
		} else if (ike_find_notify(m, IKEV2_N_COOKIE)) {
			if (!rec->retrans)
				sa->n_cookie++;
			rec->note = IKEV2_N_COOKIE;
			r->answer_note = rec->note;
		} else if (m->has_sa && m->has_ke) {
			sa->init_ok = true;
			record_chosen_v2(sa, m);
			if (sa->n_invalid_ke)
				sa->ke_resolved = true;
			if (sa->prev) {
				struct ike_sa *o = sa_at(sa->prev - 1);
				if (o->n_invalid_ke && !o->ke_resolved && m->ke_group == o->ke_asked)
					o->ke_resolved = true;
			}
			nat_check_v2(sa, side, m, p);
		}
	} else if (ex == IKEV2_AUTH && m->encrypted) {
		sa->auth_frame = p->frame;
		sa->auth_ts = p->ts;
		sa->auth_len = (uint16_t)m->h.length;
		sa->auth_inner = room;
		/* A response big enough to need IKE fragmentation is no error. */
		sa->shape = m->skf ? SHAPE_FULL : auth_shape(sa, room);
		if (sa->shape == SHAPE_FULL || sa->shape == SHAPE_UNKNOWN) {
			mark_up(sa, p->ts);
			sa->child_up = true;
			sa->child_ok_ts = p->ts;
		} else if (sa->shape == SHAPE_NO_CHILD) {
			mark_up(sa, p->ts);
		}
	} else if (ex == IKEV2_CREATE_CHILD_SA && m->encrypted) {
		/* Success carries SA, nonce and TS: far more than a notify. */
		if (room != UINT32_MAX && room < 48 && !rec->retrans) {
			sa->rekey_error = true;
			sa->rekey_err_frame = p->frame;
			sa->rekey_err_ts = p->ts;
		} else if (room >= 48) {
			sa->child_up = true;
			sa->child_ok_ts = p->ts;
		}
	}
	if (err && err != IKE_N_INVALID_KE_PAYLOAD) {
		rec->note = err;
		if (!sa->err) {
			sa->err = err;
			sa->err_side = (uint8_t)side;
			sa->err_exch = ex;
			sa->err_frame = p->frame;
			sa->err_ts = p->ts;
		}
		if (err == IKE_N_NO_PROPOSAL_CHOSEN || err == IKE_N_INVALID_MAJOR_VERSION || err == IKE_N_TS_UNACCEPTABLE ||
		    err == IKE_N_INVALID_SELECTORS || is_auth_error(true, err))
			emit_error_notify(sa, m, err, p->frame, p->ts);
	}
}

static void handle_v1(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p, struct mrec *rec,
		      uint64_t fp, bool natt)
{
	uint8_t ex = m->h.exch;
	if (ex == IKEV1_MAIN || ex == IKEV1_AGGRESSIVE) {
		if (!sa->v1_exch)
			sa->v1_exch = ex;
		if (sa->mm_fp[side] == fp) {
			rec->retrans = true;
			struct req *r = &sa->req[side];
			if (r->active && r->fp == fp) {
				if (r->sends < 255)
					r->sends++;
				r->last_frame = p->frame;
				r->last_ts = p->ts;
			}
			rec->v1pos = r->active ? r->v1pos : 0;
			return;
		}
		sa->mm_fp[side] = fp;
		if (sa->mm_count < 255)
			sa->mm_count++;
		uint8_t pos = sa->mm_count;
		if (sa->midstream)
			pos = 0;
		rec->v1pos = pos;
		answer(sa, 1 - side, p);
		uint8_t last = ex == IKEV1_MAIN ? 6 : 3;
		if (pos && pos < last)
			new_request(&sa->req[side], m, pos, fp, p, (uint16_t)m->h.length, natt, UINT32_MAX);
		else
			sa->req[side].active = false;
		if (pos == 1 && m->has_sa)
			ike_format_sa(false, &m->sa, sa->offered, sizeof(sa->offered));
		if (pos == 2 && m->has_sa && m->sa.nprops && m->sa.p[0].nx) {
			sa->init_ok = true;
			sa->have_chosen = true;
			sa->v1_hash = m->sa.p[0].x[0].v1_hash;
			ike_format_sa(false, &m->sa, sa->chosen, sizeof(sa->chosen));
		}
		if (m->nnatd >= 2)
			nat_check_v1(sa, side, m, p);
		if (pos >= 5 && ex == IKEV1_MAIN)
			sa->auth_sent = true;
		if ((ex == IKEV1_MAIN && pos == 6) || (ex == IKEV1_AGGRESSIVE && pos == 3))
			mark_up(sa, p->ts);
		return;
	}
	if (ex == IKEV1_QUICK) {
		if (m->h.msgid != sa->qm_msgid || !sa->qm_count) {
			sa->qm_msgid = m->h.msgid;
			sa->qm_count = 1;
			sa->qm_side = (uint8_t)side;
			sa->qm_fp[side] = fp;
			sa->qm_fp[1 - side] = 0;
			new_request(&sa->req[side], m, 0, fp, p, (uint16_t)m->h.length, natt, UINT32_MAX);
			/* Phase 1 must be done if quick mode runs. */
			mark_up(sa, p->ts);
			return;
		}
		if (sa->qm_fp[side] == fp) {
			rec->retrans = true;
			struct req *r = &sa->req[side];
			if (r->active && r->fp == fp && r->msgid == m->h.msgid) {
				if (r->sends < 255)
					r->sends++;
				r->last_frame = p->frame;
				r->last_ts = p->ts;
			}
			return;
		}
		sa->qm_fp[side] = fp;
		sa->qm_count++;
		if (sa->qm_count == 2 && side != sa->qm_side) {
			answer(sa, sa->qm_side, p);
			sa->child_up = true;
			if (sa->qm_done < 255)
				sa->qm_done++;
		}
		return;
	}
	if (ex == IKEV1_INFORMATIONAL) {
		sa->n_v1_info[side]++;
		if (m->encrypted && sa->established && !rec->retrans) {
			if (!sa->v1_info_run[side]++) {
				sa->v1_info_first[side] = p->ts;
				sa->v1_info_frame[side] = p->frame;
			}
			sa->v1_info_last[side] = p->ts;
		}
		struct req *other = &sa->req[1 - side];
		if (side == SIDE_R && sa->auth_sent && !sa->established)
			sa->v1_info_after_auth++;
		if (other->active && !other->answered && other->exch == IKEV1_QUICK && other->msgid == sa->qm_msgid &&
		    sa->qm_count == 1 && !sa->qm_refused_frame) {
			/* An Informational instead of quick mode message 2. */
			sa->qm_refused_frame = p->frame;
			sa->qm_refused_ts = p->ts;
			sa->qm_refused_done = sa->qm_done;
			other->judged = true;
		}
		uint16_t err = first_error(m);
		if (err) {
			rec->note = err;
			/* A cleartext error answers what the other side sent. */
			answer(sa, 1 - side, p);
			if (!sa->err) {
				sa->err = err;
				sa->err_side = (uint8_t)side;
				sa->err_exch = ex;
				sa->err_frame = p->frame;
				sa->err_ts = p->ts;
			}
			if (err == IKE_N_NO_PROPOSAL_CHOSEN || err == IKE_N_INVALID_MAJOR_VERSION ||
			    is_auth_error(false, err))
				emit_error_notify(sa, m, err, p->frame, p->ts);
			else if ((err == IKEV1_N_PAYLOAD_MALFORMED || err == 1) && sa->auth_sent && !sa->established) {
				sa->bad = true;
				emit_auth_likely(sa, "phase 1 stopped there");
			}
		}
		return;
	}
	answer(sa, 1 - side, p);
}

/* Which side of the SA sent this packet? */
static int side_of(const struct ike_sa *sa, const struct ike_msg *m, const struct pkt *p)
{
	bool from_i = addr_eq(&p->src, &sa->ini);
	bool from_r = addr_eq(&p->src, &sa->rsp);
	if (from_i && !from_r)
		return SIDE_I;
	if (from_r && !from_i)
		return SIDE_R;
	if (from_i && from_r) /* same address both ends (loopback tests) */
		return p->sport == sa->iport_now || p->sport == sa->iport ? SIDE_I : SIDE_R;
	if (m->v2)
		return m->initiator ? SIDE_I : SIDE_R;
	return addr_eq(&p->dst, &sa->rsp) ? SIDE_I : SIDE_R;
}

/* The move to 4500: the initiator's first message there floats the SA;
 * anything from the responder there shows 4500 passes back. */
static void note_ports(struct ike_sa *sa, int side, const struct pkt *p, bool natt)
{
	if (!natt)
		return;
	if (side == SIDE_I) {
		if (!sa->floated && sa->iport != NAT_T_PORT && sa->rport != NAT_T_PORT)
			sa->floated = true;
		sa->iport_now = p->sport;
		sa->rport_now = p->dport;
	} else {
		sa->resp_natt = true;
	}
}

static struct ike_sa *sa_create(const struct ike_msg *m, const struct pkt *p, const struct flow *f)
{
	struct ike_sa *sa = sa_new(m->h.spi_i, p->ts);
	if (!sa)
		return NULL;
	sa->ver = m->v2 ? 2 : 1;
	bool zr = memcmp(m->h.spi_r, zero8, 8) == 0;
	bool initial = m->v2 ? (m->h.exch == IKEV2_SA_INIT && !m->response)
			     : ((m->h.exch == IKEV1_MAIN || m->h.exch == IKEV1_AGGRESSIVE) && zr);
	/* Who started it: the sender of a request flagged I (IKEv2), or of
	 * the first message we see (IKEv1); the receiver of a response. */
	bool sender_is_i = !m->v2 || (!m->response && (m->initiator || m->h.exch == IKEV2_SA_INIT));
	if (sender_is_i) {
		sa->ini = p->src, sa->iport = p->sport;
		sa->rsp = p->dst, sa->rport = p->dport;
	} else {
		sa->ini = p->dst, sa->iport = p->dport;
		sa->rsp = p->src, sa->rport = p->sport;
	}
	sa->iport_now = sa->iport;
	sa->rport_now = sa->rport;
	sa->midstream = !initial;
	sa->flow_id = f ? f->id : 0;
	sa->first_frame = p->frame;
	sa->first_ts = p->ts;
	if (initial)
		link_attempt(sa);
	return sa;
}

static void handle_message(struct flow *f, const uint8_t *b, size_t n, const struct pkt *p, bool natt)
{
	struct ike_msg m;
	enum ike_parse_status st = ike_parse(b, n, &m);
	if (st == IKE_PARSE_SHORT) {
		T.bad_msgs++;
		return;
	}
	if (st != IKE_PARSE_OK)
		T.bad_msgs++;
	T.msgs++;
	struct ike_sa *sa = sa_find(&m.h);
	if (sa && sa->ver != (m.v2 ? 2 : 1)) {
		/* The same SPI answered in the other IKE version. */
		int side = side_of(sa, &m, p);
		if (side == SIDE_R && !(sa->reported & R_VERSION)) {
			sa->reported |= R_VERSION;
			struct verdict v;
			sa_verdict(&v, V_IKE_VERSION_MISMATCH, SEV_FAIL, sa);
			verdict_summary(&v, "The initiator speaks IKEv%u, the responder answered in IKEv%u", sa->ver,
					m.v2 ? 2 : 1);
			ev_log(&v, sa, -1, -1);
			verdict_evidence(&v, p->frame, p->ts, DIR_S2C, "IKEv%u %s", m.v2 ? 2 : 1,
					 ike_exch_name(m.v2, m.h.exch));
			sa_details(&v, sa);
			verdict_remedy(&v, RV_IKE_VERSION_MISMATCH_ANSWERED_OTHER);
			verdict_emit(&v);
			answer(sa, SIDE_I, p);
		}
		return;
	}
	if (!sa)
		sa = sa_create(&m, p, f);
	if (!sa)
		return;
	if (f)
		flow_state(f)->app_state = sa;
	int side = side_of(sa, &m, p);
	if (!sa->have_spir && memcmp(m.h.spi_r, zero8, 8) != 0) {
		memcpy(sa->spi_r, m.h.spi_r, 8);
		sa->have_spir = true;
	}
	if (sa->msgs[side] < UINT32_MAX)
		sa->msgs[side]++;
	sa->last_frame = p->frame;
	sa->last_ts = p->ts;
	if (p->pflog.present)
		sa->pf = p->pflog;
	note_ports(sa, side, p, natt);

	uint64_t fp = fingerprint(b, n);
	struct mrec rec;
	memset(&rec, 0, sizeof(rec));
	rec.frame = p->frame;
	rec.ts = p->ts;
	rec.msgid = m.h.msgid;
	rec.len = (uint16_t)(m.h.length > 0xffff ? 0xffff : m.h.length);
	rec.exch = m.h.exch;
	rec.side = (uint8_t)side;
	rec.response = m.response;
	rec.natt = natt;
	rec.frag = p->reassembled;
	rec.enc = m.encrypted;
	if (m.skf) {
		rec.skf_num = (uint8_t)(m.frag_num > 255 ? 255 : m.frag_num);
		rec.skf_total = (uint8_t)(m.frag_total > 255 ? 255 : m.frag_total);
	}

	/* Anything from this side answers the other side's Informationals. */
	sa->v1_info_run[1 - side] = 0;
	if (!m.encrypted || m.v2)
		note_vendors(sa, side, &m);
	note_notifies(sa, &m);
	if (m.v2)
		handle_v2(sa, side, &m, p, &rec, fp, natt);
	else
		handle_v1(sa, side, &m, p, &rec, fp, natt);

	/* A reassembled copy of a request whose first fragment we saw. */
	struct req *r = &sa->req[side];
	if (p->reassembled && r->active && r->frag && r->msgid == m.h.msgid) {
		if (r->frag_done < r->frag_firsts) {
			r->frag_done++;
			if (rec.retrans && r->sends > 1)
				r->sends--; /* the first fragment already counted this copy */
		}
	}
	log_msg(sa, &rec);
}

/* The first IP fragment of an IKE datagram: only the header may be there. */
static void handle_fragment(struct flow *f, const uint8_t *b, size_t n, const struct pkt *p, bool natt)
{
	struct ike_hdr h;
	T.fragments++;
	if (!ike_parse_header(b, n, &h) || (h.major != 1 && h.major != 2))
		return;
	struct ike_sa *sa = sa_find(&h);
	if (!sa)
		return; /* a fragmented first message: too little to start an SA on */
	if (f)
		flow_state(f)->app_state = sa;
	struct ike_msg m;
	memset(&m, 0, sizeof(m));
	m.h = h;
	m.v2 = h.major == 2;
	m.response = m.v2 && (h.flags & IKEV2_FLAG_RESPONSE);
	m.initiator = m.v2 && (h.flags & IKEV2_FLAG_INITIATOR);
	int side = side_of(sa, &m, p);
	sa->last_frame = p->frame;
	sa->last_ts = p->ts;
	if (p->pflog.present)
		sa->pf = p->pflog;
	struct req *r = &sa->req[side];
	bool is_req = m.v2 ? !m.response : true;
	if (is_req) {
		if (r->active && r->msgid == h.msgid && r->exch == h.exch && !r->answered) {
			if (r->sends < 255)
				r->sends++;
			r->last_frame = p->frame;
			r->last_ts = p->ts;
		} else {
			uint8_t pos = 0;
			if (!m.v2 && (h.exch == IKEV1_MAIN || h.exch == IKEV1_AGGRESSIVE)) {
				pos = (uint8_t)(sa->mm_count + 1);
				sa->mm_count++;
				sa->mm_fp[side] = 0;
				if (pos >= 5 && h.exch == IKEV1_MAIN)
					sa->auth_sent = true;
			}
			new_request(r, &m, pos, 0, p, (uint16_t)h.length, natt, UINT32_MAX);
			if (m.v2 && h.exch == IKEV2_AUTH)
				sa->auth_sent = true;
		}
		r->frag = true;
		if (r->frag_firsts < 255)
			r->frag_firsts++;
	}
	note_ports(sa, side, p, natt);
	struct mrec rec;
	memset(&rec, 0, sizeof(rec));
	rec.frame = p->frame;
	rec.ts = p->ts;
	rec.msgid = h.msgid;
	rec.len = (uint16_t)(h.length > 0xffff ? 0xffff : h.length);
	rec.exch = h.exch;
	rec.side = (uint8_t)side;
	rec.response = m.response;
	rec.natt = natt;
	rec.frag = true;
	rec.v1pos = r->v1pos;
	log_msg(sa, &rec);
}

/* ------------------------------------------------------------------ */
/* Engine hooks */

static bool natt_port(const struct pkt *p)
{
	return p->sport == NAT_T_PORT || p->dport == NAT_T_PORT;
}

bool ike_claims(const struct pkt *p)
{
	if (!p->ipver || p->proto != IPPROTO_NUM_UDP)
		return false;
	if (p->sport == IKE_PORT || p->dport == IKE_PORT || natt_port(p))
		return true;
	if (p->is_fragment)
		return false;
	if (ike_header_plausible(p->payload, p->payload_len))
		return true;
	/* A non-ESP marker in front of a whole IKE message. */
	return p->payload_len > 4 + IKE_HDR_LEN && !memcmp(p->payload, zero8, 4) &&
	       ike_header_plausible(p->payload + 4, p->payload_len - 4);
}

void ike_packet(struct flow *f, int dir, const struct pkt *p)
{
	(void)dir;
	struct cursor c = cursor_make(p->payload, p->payload_len);
	bool marker = false;
	if (natt_port(p)) {
		if (p->payload_len == 1 && p->payload[0] == 0xff) {
			T.keepalives++;
			return;
		}
		uint8_t first[4];
		if (!cursor_peek(&c, 0, first, 4))
			return;
		if (memcmp(first, zero8, 4) != 0) {
			/* ESP in UDP: SPI and sequence number. */
			if (p->is_fragment)
				return;
			uint32_t spi = cursor_be32(&c);
			uint32_t seq = cursor_be32(&c);
			if (!cursor_ok(&c))
				return;
			T.esp_udp++;
			uint32_t wire = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
			esp_account(p, spi, seq, true, wire);
			return;
		}
		marker = true;
	} else if (p->sport != IKE_PORT && p->dport != IKE_PORT && p->payload_len > 4 + IKE_HDR_LEN &&
		   !memcmp(p->payload, zero8, 4) && ike_header_plausible(p->payload + 4, p->payload_len - 4)) {
		marker = true;
	}
	if (marker)
		cursor_skip(&c, 4);
	const uint8_t *b = cursor_here(&c);
	size_t n = cursor_left(&c);
	if (p->is_fragment)
		handle_fragment(f, b, n, p, marker || natt_port(p));
	else
		handle_message(f, b, n, p, marker || natt_port(p));
}

void esp_packet(struct flow *f, int dir, const struct pkt *p)
{
	(void)f;
	(void)dir;
	if (p->is_fragment)
		return;
	T.esp_plain++;
	uint32_t wire = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
	esp_account(p, p->esp_spi, p->esp_seq, false, wire);
}

void ike_icmp(struct flow *f, int dir, const struct pkt *icmp)
{
	(void)f;
	(void)dir;
	const struct icmp_quote *q = &icmp->quote;
	if (!q->present || q->proto != IPPROTO_NUM_UDP)
		return;
	bool unreach = (icmp->ipver == 4 && icmp->icmp_type == 3) || (icmp->ipver == 6 && icmp->icmp_type == 1);
	if (!unreach)
		return;
	/* The newest SA with an unanswered request on that 5-tuple. */
	struct ike_sa *best = NULL;
	int best_side = 0;
	for (uint32_t i = 0; i < T.nused; i++) {
		struct ike_sa *sa = sa_at(i);
		if (!sa->in_use)
			continue;
		for (int s = 0; s < 2; s++) {
			const struct addr *src = s == SIDE_I ? &sa->ini : &sa->rsp;
			const struct addr *dst = s == SIDE_I ? &sa->rsp : &sa->ini;
			const struct req *r = &sa->req[s];
			if (!r->active || r->answered || !addr_eq(src, &q->src) || !addr_eq(dst, &q->dst))
				continue;
			if (!best || r->last_ts > best->req[best_side].last_ts) {
				best = sa;
				best_side = s;
			}
		}
	}
	if (!best)
		return;
	struct req *r = &best->req[best_side];
	r->icmp_type = icmp->icmp_type;
	r->icmp_code = icmp->icmp_code;
	r->icmp_frame = icmp->frame;
	r->icmp_ts = icmp->ts;
}

void ike_tick(ts_usec now)
{
	T.last_tick = now;
	for (uint32_t i = 0; i < T.nused; i++) {
		struct ike_sa *sa = sa_at(i);
		if (sa->in_use && !sa->final)
			sa_evaluate(sa, now, false);
	}
}

void ike_flow_end(struct flow *f, int why, ts_usec now)
{
	(void)why;
	(void)now;
	if (f)
		flow_state(f)->app_state = NULL;
}

void ike_finish(ts_usec now)
{
	ike_tick(now);
	for (uint32_t i = 0; i < T.nused; i++)
		sa_finalize(sa_at(i), now);
}

void ike_describe(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = 0;
	if (f->proto == IPPROTO_NUM_ESP) {
		const struct esp_sa *e = esp_find(&f->srv, f->spi);
		if (!e)
			e = esp_find(&f->cli, f->spi);
		if (e)
			snprintf(buf, len, "ESP spi 0x%08x: %llu packets, seq %u..%u, %llu gaps, %llu replays", e->spi,
				 (unsigned long long)e->pkts, e->seq_first, e->seq_max, (unsigned long long)e->gaps,
				 (unsigned long long)e->replays);
		else
			snprintf(buf, len, "ESP");
		return;
	}
	const struct ike_sa *sa = flow_state_c(f)->app_state;
	if (!sa || !sa->in_use) {
		snprintf(buf, len, "UDP 500/4500");
		return;
	}
	const struct req *ri = &sa->req[SIDE_I];
	if (sa->established) {
		struct esp_sum e;
		esp_summarize(sa, sa->up_ts, &e);
		snprintf(buf, len, "IKEv%u up%s, ESP %llu/%llu%s", sa->ver, sa->floated ? " (NAT-T)" : "",
			 (unsigned long long)e.pkts[0], (unsigned long long)e.pkts[1],
			 (e.pkts[0] && !e.pkts[1]) || (e.pkts[1] && !e.pkts[0]) ? " one-way" : "");
	} else if (ri->active && !ri->answered) {
		snprintf(buf, len, "IKEv%u %s%s sent%s, %.0f s unanswered", sa->ver, exch_short(sa->ver, ri->exch),
			 ri->natt ? " on 4500" : "", ri->sends > 1 ? " (retransmitted)" : "",
			 secs(now > ri->first_ts ? now - ri->first_ts : 0));
	} else if (sa->err) {
		char nn[48];
		snprintf(buf, len, "IKEv%u failed: %s", sa->ver, ike_notify_str(sa->ver == 2, sa->err, nn, sizeof(nn)));
	} else {
		snprintf(buf, len, "IKEv%u %s in progress", sa->ver, exch_short(sa->ver, ri->exch));
	}
}
