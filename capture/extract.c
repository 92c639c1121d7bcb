/* SPDX-License-Identifier: GPL-2.0-or-later */
/* extract.c - cutting evidence out of a capture file: a second pass over a
 * file that writes, for each request, the frames of one flow within a frame
 * range (plus the ICMP errors that quote that flow) to a pcap of its own,
 * with the original timestamps and link type. Frame numbers count every
 * frame of the file, as Wireshark does, so they match the report's. */
#include "extract.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

/* IKE and NAT-T ports (RFC 7296 §2, RFC 3948). */
enum { PORT_IKE = 500, PORT_IKE_NATT = 4500 };

static bool pair_match(const struct extract_want *w, const struct addr *s, uint16_t sp, const struct addr *d,
		       uint16_t dp)
{
	if (addr_eq(s, &w->a) && addr_eq(d, &w->b))
		return (!w->aport || sp == w->aport) && (!w->bport || dp == w->bport);
	if (addr_eq(s, &w->b) && addr_eq(d, &w->a))
		return (!w->aport || dp == w->aport) && (!w->bport || sp == w->bport);
	return false;
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
