/* SPDX-License-Identifier: GPL-2.0-or-later */
/* extract.c - cutting evidence out of a capture file (or, live, out of a
 * ring of the most recent frames): a second pass over a
 * file that writes, for each request, the frames of one flow within a frame
 * range (plus the ICMP errors that quote that flow) to a pcap of its own,
 * with the original timestamps and link type. Frame numbers count every
 * frame of the file, as Wireshark does, so they match the report's. */
#include "extract.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* IKE and NAT-T ports (RFC 7296 §2, RFC 3948). */
enum { PORT_IKE = 500, PORT_IKE_NATT = 4500 };

static bool pair_match(const struct extract_want *w, const struct addr *s, uint16_t sp, const struct addr *d,
		       uint16_t dp)
{
	/* both orientations: a flow between two ports of one host (lo) matches
	 * the first address test either way */
	if (addr_eq(s, &w->a) && addr_eq(d, &w->b) && (!w->aport || sp == w->aport) && (!w->bport || dp == w->bport))
		return true;
	return addr_eq(s, &w->b) && addr_eq(d, &w->a) && (!w->aport || dp == w->aport) && (!w->bport || sp == w->bport);
}

static bool addrs_match(const struct extract_want *w, const struct addr *s, const struct addr *d)
{
	return (addr_eq(s, &w->a) && addr_eq(d, &w->b)) || (addr_eq(s, &w->b) && addr_eq(d, &w->a));
}

static bool is_ike_port(uint16_t p)
{
	return p == PORT_IKE || p == PORT_IKE_NATT;
}

/* Does the decoded frame p belong to request w? */
static bool want_frame(const struct extract_want *w, const struct pkt *p)
{
	if (!p->ipver)
		return false;
	if (p->frame < w->first_frame || p->frame > w->last_frame)
		return false;
	if ((p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6) && p->quote.present) {
		const struct icmp_quote *q = &p->quote;
		if (q->proto == w->proto && pair_match(w, &q->src, q->sport, &q->dst, q->dport))
			return true;
		return w->ike && addrs_match(w, &q->src, &q->dst) &&
		       (q->proto == IPPROTO_NUM_ESP || (q->proto == IPPROTO_NUM_UDP && is_ike_port(q->dport)));
	}
	if (w->ike && addrs_match(w, &p->src, &p->dst)) {
		/* an IKE SA moves from 500 to 4500 and its ESP travels beside it */
		if (p->proto == IPPROTO_NUM_ESP)
			return true;
		if (p->proto == IPPROTO_NUM_UDP && (is_ike_port(p->sport) || is_ike_port(p->dport) || p->is_fragment))
			return true;
	}
	if (p->proto != w->proto)
		return false;
	if (p->is_fragment && !p->frag_first)
		return addrs_match(w, &p->src, &p->dst); /* later fragments carry no ports */
	return pair_match(w, &p->src, p->sport, &p->dst, p->dport);
}

int capture_extract(const char *file, struct extract_want *w, size_t n, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	/* nanosecond precision keeps nanosecond files exact; microsecond
	 * files convert without loss */
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", file, ebuf);
		return -1;
	}
	int lt = pcap_datalink(pc);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		w[i].written = 0;
		w[i].dumper = pcap_dump_open(pc, w[i].path);
		if (!w[i].dumper) {
			snprintf(err, errlen, "%s: %s", w[i].path, pcap_geterr(pc));
			rc = -1;
			n = i;
			break;
		}
	}
	uint64_t last = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i].last_frame > last)
			last = w[i].last_frame;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t frame = 0;
	struct decode_stats ds; /* this pass's own: the run's counters stay as they were */
	memset(&ds, 0, sizeof ds);
	int r;
	while (rc == 0 && frame < last && (r = pcap_next_ex(pc, &h, &data)) >= 0) {
		if (r == 0)
			continue;
		struct pkt p;
		memset(&p, 0, sizeof p);
		p.frame = ++frame;
		p.caplen = h->caplen;
		p.wirelen = h->len;
		if (decode_frame(&ds, lt, data, h->caplen, &p) != DECODE_OK)
			continue;
		for (size_t i = 0; i < n; i++)
			if (want_frame(&w[i], &p)) {
				pcap_dump((u_char *)w[i].dumper, h, data);
				w[i].written++;
			}
	}
	for (size_t i = 0; i < n; i++) {
		pcap_dump_close(w[i].dumper);
		w[i].dumper = NULL;
	}
	pcap_close(pc);
	return rc;
}

/* ---------- live: the ring of recent frames ---------- */

struct ring_slot {
	uint64_t frame;
	ts_usec ts;
	uint32_t caplen, wirelen;
	int linktype;
};

struct extract_ring {
	uint32_t cap, snap;
	uint32_t next;  /* slot written next */
	uint32_t count; /* slots in use */
	struct ring_slot *slot;
	uint8_t *data;  /* cap * snap bytes */
};

struct extract_ring *extract_ring_new(uint32_t packets, uint32_t snap)
{
	struct extract_ring *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->cap = packets;
	r->snap = snap;
	r->slot = calloc(packets, sizeof *r->slot);
	r->data = malloc((size_t)packets * snap);
	if (!r->slot || !r->data) {
		extract_ring_free(r);
		return NULL;
	}
	return r;
}

void extract_ring_free(struct extract_ring *r)
{
	if (!r)
		return;
	free(r->slot);
	free(r->data);
	free(r);
}

uint32_t extract_ring_capacity(const struct extract_ring *r)
{
	return r ? r->cap : 0;
}

void extract_ring_add(struct extract_ring *r, int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		      ts_usec ts, uint64_t frame)
{
	struct ring_slot *s = &r->slot[r->next];
	s->frame = frame;
	s->ts = ts;
	s->caplen = caplen < r->snap ? caplen : r->snap;
	s->wirelen = wirelen;
	s->linktype = linktype;
	memcpy(r->data + (size_t)r->next * r->snap, data, s->caplen);
	r->next = (r->next + 1) % r->cap;
	if (r->count < r->cap)
		r->count++;
}

int extract_ring_write(struct extract_ring *r, struct extract_want *w, char *err, size_t errlen)
{
	w->written = 0;
	if (!r->count) {
		snprintf(err, errlen, "%s: no frames kept", w->path);
		return -1;
	}
	uint32_t oldest = (r->next + r->cap - r->count) % r->cap;
	pcap_t *dead = pcap_open_dead(r->slot[oldest].linktype, (int)r->snap);
	if (!dead) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pcap_dumper_t *dump = pcap_dump_open(dead, w->path);
	if (!dump) {
		snprintf(err, errlen, "%s: %s", w->path, pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	struct decode_stats ds;
	memset(&ds, 0, sizeof ds);
	for (uint32_t k = 0; k < r->count; k++) {
		uint32_t i = (oldest + k) % r->cap;
		const struct ring_slot *s = &r->slot[i];
		const uint8_t *data = r->data + (size_t)i * r->snap;
		struct pkt p;
		memset(&p, 0, sizeof p);
		p.frame = s->frame;
		p.caplen = s->caplen;
		p.wirelen = s->wirelen;
		if (decode_frame(&ds, s->linktype, data, s->caplen, &p) != DECODE_OK || !want_frame(w, &p))
			continue;
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof h);
		h.ts.tv_sec = (time_t)(s->ts / 1000000);
		h.ts.tv_usec = (suseconds_t)(s->ts % 1000000);
		h.caplen = s->caplen;
		h.len = s->wirelen;
		pcap_dump((u_char *)dump, &h, data);
		w->written++;
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	return 0;
}
