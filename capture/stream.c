/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.c - the one module that talks to libnids, plus our IPv6 in-order
 * reassembler. libnids is process-global: one open struct stream per
 * process, reached from libnids' callbacks through `active`. */
#include "stream.h"
#include "util.h"

#include <arpa/inet.h>
#include <nids.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* The IPv4 datagrams libnids is rebuilding, as far as we can tell: one
 * slot per datagram (addresses, id, protocol), with the bytes handed over
 * and when. A slot is freed when libnids gives the datagram back whole, or
 * once libnids has surely dropped it: it expires a datagram 30 s of WALL
 * time after its last fragment (not packet time), so a capture file read
 * in seconds keeps its incomplete datagrams for the whole run. Refusing
 * fragments beyond both caps bounds libnids' fragment memory globally
 * (libnids itself bounds it only per destination address). */
#define FRAG_WALL_EXPIRY 31000000 /* libnids' 30 s, plus a margin */
#define FRAG_OVERHEAD 128         /* libnids' bookkeeping per fragment, about */
#define NO_SLOT UINT32_MAX

struct frag_slot {
	uint8_t src[4], dst[4];
	uint16_t id;
	uint8_t proto;
	bool used;
	uint32_t bytes;
	int64_t wall;               /* monotonic usec of the last fragment */
	uint32_t hnext;             /* hash chain */
	uint32_t older, newer;      /* age list, oldest first */
};

struct frag_table {
	struct frag_slot *slot;
	uint32_t *bucket;
	uint32_t max, nbuckets, used, free_head;
	uint32_t oldest, newest;
	uint64_t bytes, max_bytes;
};

struct stream {
	struct stream_stats st;
	struct flow_table *flows;
	struct stream_hooks hooks;
	pcap_t *dead;
	const uint8_t *fed_data; /* the buffer we last handed to libnids */
	const struct pkt *fed_pkt;
	struct nids_chksum_ctl nocheck;
	struct frag_table frag;
	uint8_t fixbuf[65536];
};

/* libnids' callbacks carry no argument: the open stream, if any. */
static struct stream *active;

static void nids_warning(int type, int err, struct ip *iph, void *data)
{
	(void)type;
	(void)iph;
	(void)data;
	if (!active)
		return;
	active->st.nids_warnings++;
	if (err == NIDS_WARN_TCP_TOOMUCH) {
		active->st.nids_evicted++;
		const struct pkt *p = active->fed_pkt;
		limit_note(&active->st.nids_full, p ? p->ts : 0, p ? p->frame : 0);
	}
}

static int64_t mono_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static uint32_t frag_hash(const struct frag_table *T, const uint8_t *src, const uint8_t *dst, uint16_t id,
			  uint8_t proto)
{
	uint32_t h = HASH32_SEED;
	uint32_t w[3] = { (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3],
			  (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3],
			  (uint32_t)id << 8 | proto };
	for (int i = 0; i < 3; i++)
		h = hash32_word(h, w[i]);
	return h & (T->nbuckets - 1);
}

static void frag_age_unlink(struct frag_table *T, uint32_t i)
{
	struct frag_slot *e = &T->slot[i];
	if (e->older != NO_SLOT)
		T->slot[e->older].newer = e->newer;
	else
		T->oldest = e->newer;
	if (e->newer != NO_SLOT)
		T->slot[e->newer].older = e->older;
	else
		T->newest = e->older;
}

static void frag_age_append(struct frag_table *T, uint32_t i)
{
	struct frag_slot *e = &T->slot[i];
	e->older = T->newest;
	e->newer = NO_SLOT;
	if (T->newest != NO_SLOT)
		T->slot[T->newest].newer = i;
	else
		T->oldest = i;
	T->newest = i;
}

static uint32_t frag_find(const struct frag_table *T, const uint8_t *src, const uint8_t *dst, uint16_t id,
			  uint8_t proto, uint32_t **link)
{
	uint32_t *pp = &T->bucket[frag_hash(T, src, dst, id, proto)];
	while (*pp) {
		const struct frag_slot *e = &T->slot[*pp - 1];
		if (e->id == id && e->proto == proto && !memcmp(e->src, src, 4) && !memcmp(e->dst, dst, 4))
			break;
		pp = &T->slot[*pp - 1].hnext;
	}
	*link = pp;
	return *pp ? *pp - 1 : NO_SLOT;
}

static void frag_release(struct frag_table *T, uint32_t i)
{
	struct frag_slot *e = &T->slot[i];
	uint32_t *link;
	frag_find(T, e->src, e->dst, e->id, e->proto, &link);
	if (*link == i + 1)
		*link = e->hnext;
	frag_age_unlink(T, i);
	T->bytes -= e->bytes;
	T->used--;
	e->used = false;
	e->hnext = T->free_head;
	T->free_head = i + 1;
}

/* A datagram came back whole: libnids freed its fragments. */
static void frag_done(struct frag_table *T, const uint8_t *ip)
{
	uint32_t *link;
	uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);
	if (!T->max)
		return;
	uint32_t i = frag_find(T, ip + 12, ip + 16, id, ip[9], &link);
	if (i != NO_SLOT)
		frag_release(T, i);
}

/* May this fragment go to libnids? Counts it against both caps. */
static bool frag_admit(struct stream *S, const uint8_t *ip, const struct pkt *p)
{
	struct frag_table *T = &S->frag;
	if (!T->max)
		return true;
	int64_t now = mono_usec();
	while (T->oldest != NO_SLOT && now - T->slot[T->oldest].wall > FRAG_WALL_EXPIRY)
		frag_release(T, T->oldest);
	uint32_t *link;
	uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);
	uint32_t i = frag_find(T, ip + 12, ip + 16, id, ip[9], &link);
	uint32_t cost = p->l3_len + FRAG_OVERHEAD;
	if (T->bytes + cost > T->max_bytes) {
		limit_note(&S->st.frag_bytes_full, p->ts, p->frame);
		return false;
	}
	if (i == NO_SLOT) {
		if (!T->free_head) {
			limit_note(&S->st.frag_full, p->ts, p->frame);
			return false;
		}
		i = T->free_head - 1;
		struct frag_slot *e = &T->slot[i];
		T->free_head = e->hnext;
		memcpy(e->src, ip + 12, 4);
		memcpy(e->dst, ip + 16, 4);
		e->id = id;
		e->proto = ip[9];
		e->used = true;
		e->bytes = 0;
		e->hnext = 0;
		*link = i + 1;
		T->used++;
	} else {
		frag_age_unlink(T, i);
	}
	struct frag_slot *e = &T->slot[i];
	e->bytes += cost;
	e->wall = now;
	T->bytes += cost;
	frag_age_append(T, i);
	if (T->used > S->st.frag_peak)
		S->st.frag_peak = T->used;
	if (T->bytes > S->st.frag_bytes_peak)
		S->st.frag_bytes_peak = T->bytes;
	return true;
}

static void frag_table_free(struct frag_table *T)
{
	free(T->slot);
	free(T->bucket);
	memset(T, 0, sizeof *T);
}

bool stream_set_frag_limits(struct stream *S, uint32_t datagrams, uint64_t bytes)
{
	struct frag_table *T = &S->frag;
	frag_table_free(T);
	T->oldest = T->newest = NO_SLOT;
	S->st.frag_full.limit = datagrams;
	S->st.frag_bytes_full.limit = bytes;
	if (!datagrams)
		return true;
	T->nbuckets = 16;
	while (T->nbuckets < datagrams && T->nbuckets < (1u << 30))
		T->nbuckets <<= 1;
	T->slot = calloc(datagrams, sizeof *T->slot);
	T->bucket = calloc(T->nbuckets, sizeof *T->bucket);
	if (!T->slot || !T->bucket) {
		frag_table_free(T);
		return false;
	}
	T->max = datagrams;
	T->max_bytes = bytes;
	for (uint32_t i = datagrams; i-- > 0;) {
		T->slot[i].hnext = T->free_head;
		T->free_head = i + 1;
	}
	return true;
}

static void nids_nomem(char *where)
{
	fprintf(stderr, "shakedown: libnids out of memory in %s\n", where);
}

static struct flow *flow_of(struct stream *S, struct tcp_stream *s, int *dir_of_client)
{
	struct addr a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.family = b.family = 4;
	memcpy(a.b, &s->addr.saddr, 4);
	memcpy(b.b, &s->addr.daddr, 4);
	return flow_table_find(S->flows, IPPROTO_NUM_TCP, &a, s->addr.source, &b, s->addr.dest, 0, dir_of_client);
}

static void nids_tcp_cb(struct tcp_stream *s, void **unused)
{
	(void)unused;
	struct stream *S = active;
	if (!S)
		return;
	int cdir;
	struct flow *f = flow_of(S, s, &cdir);
	switch (s->nids_state) {
	case NIDS_JUST_EST:
		S->st.nids_streams++;
		if (f && f->want_stream) {
			f->in_nids = true;
			s->client.collect = 1;
			s->server.collect = 1;
		}
		return;
	case NIDS_DATA:
		break;
	default: /* closed, reset, timed out, exiting */
		if (f)
			f->in_nids = false;
		return;
	}
	if (!f || !f->want_stream) {
		s->client.collect = 0;
		s->server.collect = 0;
		if (f)
			f->in_nids = false;
		return;
	}
	uint64_t frame = S->fed_pkt ? S->fed_pkt->frame : 0;
	ts_usec ts = S->fed_pkt ? S->fed_pkt->ts : 0;
	/* libnids' "client" half receives what the server sent */
	struct half_stream *halves[2] = { &s->client, &s->server };
	for (int i = 0; i < 2; i++) {
		struct half_stream *h = halves[i];
		if (!h->count_new || !f->want_stream)
			continue;
		int dir = (i == 0) == (cdir == DIR_C2S) ? DIR_S2C : DIR_C2S;
		size_t unread = (size_t)(h->count - h->offset);
		size_t n = (size_t)h->count_new <= unread ? (size_t)h->count_new : unread;
		S->st.bytes_delivered += n;
		S->hooks.on_bytes(S->hooks.arg, f, dir, (const uint8_t *)h->data + (unread - n), n, frame, ts);
	}
	if (!f->want_stream) {
		/* nobody needs more: libnids frees the stream */
		s->client.collect = 0;
		s->server.collect = 0;
		f->in_nids = false;
	}
}

static void nids_ip_cb(struct ip *iph, int len)
{
	(void)len;
	struct stream *S = active;
	if (!S || (const uint8_t *)iph == S->fed_data || !S->hooks.on_datagram)
		return;
	/* a datagram libnids rebuilt from fragments */
	S->st.reassembled++;
	frag_done(&S->frag, (const uint8_t *)iph);
	uint32_t total = ntohs(iph->ip_len);
	S->hooks.on_datagram(S->hooks.arg, (const uint8_t *)iph, total);
}

struct stream *stream_new(uint32_t max_streams, struct flow_table *ft, const struct stream_hooks *hooks, char *err,
			  size_t errlen)
{
	if (active) {
		snprintf(err, errlen, "libnids is already in use in this process");
		return NULL;
	}
	struct stream *S = calloc(1, sizeof *S);
	if (!S) {
		snprintf(err, errlen, "out of memory for the reassembler");
		return NULL;
	}
	S->flows = ft;
	S->hooks = *hooks;
	S->dead = pcap_open_dead(DLT_RAW, 65535);
	if (!S->dead) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(S);
		return NULL;
	}
	/* libnids holds only the flows whose bytes an analyzer still wants
	 * (a TCP handshake up to its first payload, an SSH handshake up to
	 * NEWKEYS), a fraction of all flows; it touches its whole pool at
	 * start (~216 bytes a stream), so do not size it for every flow: an
	 * eighth (16395 streams by default) */
	max_streams /= 8;
	if (max_streams < 1024)
		max_streams = 1024;
	if (max_streams > 65536)
		max_streams = 65536;
	nids_params.pcap_desc = S->dead;
	nids_params.n_tcp_streams = (int)(max_streams / 3 * 4 + 16);
	/* libnids refuses a new stream beyond 3/4 of n_tcp_streams */
	S->st.nids_full.limit = (uint64_t)nids_params.n_tcp_streams * 3 / 4;
	if (!stream_set_frag_limits(S, STREAM_FRAG_DATAGRAMS, STREAM_FRAG_BYTES)) {
		snprintf(err, errlen, "out of memory for the fragment table");
		pcap_close(S->dead);
		free(S);
		return NULL;
	}
	nids_params.n_hosts = 1024;
	nids_params.scan_num_hosts = 0; /* no port-scan detector */
	nids_params.syslog = nids_warning;
	nids_params.no_mem = nids_nomem;
	nids_params.tcp_workarounds = 0;
	nids_params.one_loop_less = 0;
	nids_params.multiproc = 0;
	nids_params.pcap_filter = NULL;
	if (!nids_init()) {
		snprintf(err, errlen, "libnids: %s", nids_errbuf);
		pcap_close(S->dead);
		free(S);
		return NULL;
	}
	/* Never drop packets for their checksums: offload makes them normal. */
	S->nocheck.action = NIDS_DONT_CHKSUM;
	nids_register_chksum_ctl(&S->nocheck, 1);
	nids_register_tcp((void *)nids_tcp_cb);
	nids_register_ip((void *)nids_ip_cb);
	active = S;
	return S;
}

void stream_free(struct stream *S)
{
	if (!S)
		return;
	/* nids_exit frees neither list node: take ours back first */
	nids_unregister_tcp((void *)nids_tcp_cb);
	nids_unregister_ip((void *)nids_ip_cb);
	nids_exit();
	frag_table_free(&S->frag);
	pcap_close(S->dead);
	if (active == S)
		active = NULL;
	free(S);
}

static uint16_t ip_header_sum(const uint8_t *h, size_t len)
{
	return csum_fold(csum_add(0, h, len));
}

void stream_feed_ipv4(struct stream *S, const struct pkt *p)
{
	if (!S || p->ipver != 4 || p->ip_truncated || !p->l3 || p->l3_len < 20)
		return;
	const uint8_t *data = p->l3;
	size_t ihl = (size_t)(data[0] & 15) * 4;
	if (ihl < 20 || ihl > p->l3_len)
		return;
	if (p->is_fragment && !frag_admit(S, data, p))
		return;
	/* libnids drops a bad IP header checksum (crafted captures, some
	 * offload setups): hand it a corrected copy instead. */
	if (ip_header_sum(data, ihl) != 0 && p->l3_len <= sizeof S->fixbuf) {
		uint8_t *fix = S->fixbuf;
		memcpy(fix, data, p->l3_len);
		fix[10] = fix[11] = 0;
		uint16_t s = ip_header_sum(fix, ihl);
		fix[10] = (uint8_t)(s >> 8);
		fix[11] = (uint8_t)s;
		data = fix;
	}
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(p->ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(p->ts % 1000000);
	h.caplen = h.len = p->l3_len;
	/* a datagram libnids rebuilds during this call re-enters the engine,
	 * which may feed us again: keep the outer packet's marks */
	const uint8_t *outer_data = S->fed_data;
	const struct pkt *outer_pkt = S->fed_pkt;
	S->fed_data = data;
	S->fed_pkt = p;
	S->st.nids_packets++;
	nids_pcap_handler(NULL, &h, (u_char *)(uintptr_t)data);
	S->fed_data = outer_data;
	S->fed_pkt = outer_pkt;
}

/* IPv6: deliver in-order bytes from the SYN on; a segment beyond the next
 * expected byte is skipped (and counted) until the hole is retransmitted. */
void stream_tcp6(struct stream *S, struct flow *f, int dir, const struct pkt *p)
{
	if (p->tcp_flags & TH_SYN) {
		f->rx_next[dir] = p->seq + 1;
		f->rx_on |= 1u << dir;
		return;
	}
	if (!(f->rx_on >> dir & 1u) || !p->payload_len || p->ip_truncated)
		return;
	uint32_t seq = p->seq;
	uint32_t len = p->payload_len;
	int32_t ahead = seq_diff(seq, f->rx_next[dir]);
	if (ahead > 0) {
		S->st.v6_out_of_order++;
		return;
	}
	uint32_t skip = (uint32_t)(-ahead);
	if (skip >= len)
		return; /* all old */
	f->rx_next[dir] = seq + len;
	S->st.bytes_delivered += len - skip;
	S->hooks.on_bytes(S->hooks.arg, f, dir, p->payload + skip, len - skip, p->frame, p->ts);
}

const struct stream_stats *stream_stats(const struct stream *S)
{
	return &S->st;
}
