/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.c - the one module that talks to libnids, plus our IPv6 in-order
 * reassembler, and the first SYN of each IPv4 flow held back from libnids
 * until the flow shows a second packet (see stream_tcp4). libnids is
 * process-global: one open struct stream per process, reached from
 * libnids' callbacks through `active`. */
#include "stream.h"
#include "cursor.h"
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

struct stream *stream_new(uint32_t max_flows, uint64_t tcp_frames_max, struct flow_table *ft,
			  const struct stream_hooks *hooks, char *err, size_t errlen)
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
	 * eighth (16395 streams by default); and never for more streams
	 * than the input has TCP frames, with the same floor of 1024 (a small
	 * file's run then touches 300 KiB of it, not 4.4 MiB: about 1,000
	 * page faults, 15 ms on this VM, less per run; the floor leaves room
	 * for a file that grows while it is read) */
	uint32_t max_streams = max_flows / 8;
	if (max_streams < 1024)
		max_streams = 1024;
	if (max_streams > 65536)
		max_streams = 65536;
	if (tcp_frames_max < max_streams)
		max_streams = tcp_frames_max < 1024 ? 1024 : (uint32_t)tcp_frames_max;
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

static void syn4_flush(struct stream *S, struct flow *f);

void stream_feed_ipv4(struct stream *S, const struct pkt *p)
{
	if (!S || p->ipver != 4 || p->ip_truncated || !p->l3 || p->l3_len < 20)
		return;
	if (p->is_fragment && p->frag_first && p->proto == IPPROTO_NUM_TCP) {
		/* libnids may rebuild a segment of a flow whose SYN we hold:
		 * it must have the SYN first, as it would have */
		int dir;
		struct flow *f = flow_table_find(S->flows, IPPROTO_NUM_TCP, &p->src, p->sport, &p->dst, p->dport, 0, &dir);
		if (f)
			syn4_flush(S, f);
	}
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

/* A flow's first SYN, held back from libnids. libnids makes a stream of a
 * client's SYN and reports it only once the handshake completes; the SYNs
 * of a flood or a scan are never answered, and each cost a libnids stream
 * look-up and creation (and a place in its table). So a flow's first
 * packet, when it is a plain well-formed SYN, stays here: what libnids
 * takes from a SYN (add_new_tcp in its tcp.c: the addresses and ports,
 * sequence number, window, and its own reading of the timestamp and
 * window-scale options) is kept in the flow (seq, tsval, win, opts: 11
 * bytes that the IPv6 reassembler uses on IPv6 flows), and an equivalent
 * SYN, with the original's timestamp, goes to libnids just before the
 * flow's next packet that does (or a first fragment of the flow).
 * libnids ignores a client's SYN while its stream is open, so a
 * retransmitted SYN meanwhile is not handed over either (unless libnids'
 * tcp_flow_timeout would have restarted the stream). */
#define SYN4_HELD 0x80
#define SYN4_TS 0x40
#define SYN4_WS_NONE 0x0f /* the low four bits: the window-scale shift, 0-14 */
#define NIDS_FLOW_TIMEOUT 3600 /* libnids' default tcp_flow_timeout, seconds */

/* libnids' reading of one TCP option in a SYN (get_ts / get_wscale): a
 * walk over the options area while at least `room` bytes are left from
 * the option's start; EOL or an option length under 2 ends it; the last
 * one of `kind` found counts. */
static bool nids_option(const uint8_t *opt, size_t optlen, uint8_t kind, size_t room, uint32_t *val)
{
	struct cursor c = cursor_make(opt, optlen);
	bool found = false;
	size_t i = 0;
	while (i + room <= optlen) {
		uint8_t k = 0, len = 0;
		cursor_peek(&c, i, &k, 1);
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (k == kind) {
			uint8_t v[4] = { 0 };
			cursor_peek(&c, i + 2, v, kind == 8 ? 4 : 1);
			*val = kind == 8 ? (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3] : v[0];
			found = true;
		}
		cursor_peek(&c, i + 1, &len, 1);
		if (len < 2)
			break;
		i += len;
	}
	return found;
}

/* Hold p, the flow's first packet, if it is a SYN libnids would make a
 * stream of and nothing about it needs the packet itself. */
static bool syn4_hold(struct flow *f, int dir, const struct pkt *p)
{
	if (!p->l3 || dir != DIR_C2S || f->pkts[DIR_C2S] + f->pkts[DIR_S2C] != 1 || p->is_fragment ||
	    (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
		return false;
	struct cursor c = cursor_make(p->l3, p->l3_len);
	uint8_t vihl = cursor_u8(&c);
	cursor_skip(&c, 1);
	uint16_t iplen = cursor_be16(&c);
	if (!cursor_ok(&c) || vihl != 0x45 || iplen > p->l3_len || iplen < 40)
		return false;
	struct cursor t = cursor_make(p->l3 + 20, (size_t)iplen - 20);
	cursor_skip(&t, 12);
	uint8_t off = (uint8_t)(cursor_u8(&t) >> 4);
	size_t thlen = (size_t)off * 4;
	static const uint8_t zero4[4];
	if (!cursor_ok(&t) || off < 5 || thlen > (size_t)iplen - 20 ||
	    (!memcmp(p->src.b, zero4, 4) && !memcmp(p->dst.b, zero4, 4)))
		return false;
	const uint8_t *opt = p->l3 + 40;
	size_t optlen = thlen - 20;
	uint32_t tsval = 0, shift = 0;
	uint8_t opts = SYN4_HELD;
	if (nids_option(opt, optlen, 8, 10, &tsval))
		opts |= SYN4_TS;
	opts |= nids_option(opt, optlen, 3, 3, &shift) ? (uint8_t)(shift > 14 ? 14 : shift) : SYN4_WS_NONE;
	f->syn4.seq = p->seq;
	f->syn4.tsval = tsval;
	f->syn4_win = p->win;
	f->syn4_opts = opts;
	return true;
}

/* The held SYN goes to libnids, rebuilt, with its own time and frame. */
static void syn4_flush(struct stream *S, struct flow *f)
{
	if (!f->syn4_opts || f->ipver != 4)
		return;
	uint8_t opts = f->syn4_opts;
	f->syn4_opts = 0;
	uint8_t b[60];
	size_t optlen = (opts & SYN4_TS ? 12 : 0) + ((opts & 0x0f) != SYN4_WS_NONE ? 4 : 0);
	size_t len = 40 + optlen;
	memset(b, 0, sizeof b);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = IPPROTO_NUM_TCP;
	struct addr cli = flow_cli(f), srv = flow_srv(f);
	memcpy(b + 12, cli.b, 4);
	memcpy(b + 16, srv.b, 4);
	uint16_t sum = ip_header_sum(b, 20);
	b[10] = (uint8_t)(sum >> 8);
	b[11] = (uint8_t)sum;
	uint8_t *t = b + 20;
	t[0] = (uint8_t)(f->cport >> 8);
	t[1] = (uint8_t)f->cport;
	t[2] = (uint8_t)(f->sport >> 8);
	t[3] = (uint8_t)f->sport;
	for (int i = 0; i < 4; i++)
		t[4 + i] = (uint8_t)(f->syn4.seq >> (24 - 8 * i));
	t[12] = (uint8_t)((20 + optlen) / 4 << 4);
	t[13] = TH_SYN;
	t[14] = (uint8_t)(f->syn4_win >> 8);
	t[15] = (uint8_t)f->syn4_win;
	uint8_t *o = t + 20;
	if (opts & SYN4_TS) {
		o[0] = o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		for (int i = 0; i < 4; i++)
			o[4 + i] = (uint8_t)(f->syn4.tsval >> (24 - 8 * i));
		o += 12;
	}
	if ((opts & 0x0f) != SYN4_WS_NONE) {
		o[0] = 1;
		o[1] = 3;
		o[2] = 3;
		o[3] = opts & 0x0f;
	}
	struct pkt syn;
	memset(&syn, 0, sizeof syn);
	syn.ts = f->first_ts;
	syn.frame = f->first_frame;
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(syn.ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(syn.ts % 1000000);
	h.caplen = h.len = (bpf_u_int32)len;
	const uint8_t *outer_data = S->fed_data;
	const struct pkt *outer_pkt = S->fed_pkt;
	S->fed_data = b;
	S->fed_pkt = &syn;
	S->st.nids_packets++;
	nids_pcap_handler(NULL, &h, b);
	S->fed_data = outer_data;
	S->fed_pkt = outer_pkt;
}

void stream_tcp4(struct stream *S, struct flow *f, int dir, const struct pkt *p)
{
	if (!S)
		return;
	if (f->syn4_opts) {
		/* libnids would ignore the client's SYN again: its stream is open */
		if (dir == DIR_C2S && (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
		    p->ts / 1000000 <= f->first_ts / 1000000 + NIDS_FLOW_TIMEOUT)
			return;
		syn4_flush(S, f);
	} else if (syn4_hold(f, dir, p)) {
		S->st.syns_held++;
		return;
	}
	stream_feed_ipv4(S, p);
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
