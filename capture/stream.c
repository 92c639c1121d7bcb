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

struct stream {
	struct stream_stats st;
	struct flow_table *flows;
	struct stream_hooks hooks;
	pcap_t *dead;
	const uint8_t *fed_data; /* the buffer we last handed to libnids */
	const struct pkt *fed_pkt;
	struct nids_chksum_ctl nocheck;
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
	if (err == NIDS_WARN_TCP_TOOMUCH)
		active->st.nids_evicted++;
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
	 * (an SSH handshake in progress), a fraction of all flows; it touches
	 * its whole pool at start, so do not size it for every flow */
	max_streams /= 4;
	if (max_streams < 1024)
		max_streams = 1024;
	if (max_streams > 65536)
		max_streams = 65536;
	nids_params.pcap_desc = S->dead;
	nids_params.n_tcp_streams = (int)(max_streams / 3 * 4 + 16);
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
		f->rx_on[dir] = true;
		return;
	}
	if (!f->rx_on[dir] || !p->payload_len || p->ip_truncated)
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
