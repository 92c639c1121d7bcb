/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bare-read.c - the baseline for the benchmark: read every packet of a
 * capture with libpcap and touch its first and last byte, nothing else. */
#include <pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bare-read FILE\n");
		return 2;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0, sum = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		n++;
		if (h->caplen)
			sum += d[0] + d[h->caplen - 1];
	}
	printf("%llu packets (checksum %llu)\n", n, sum);
	pcap_close(p);
	return 0;
}
