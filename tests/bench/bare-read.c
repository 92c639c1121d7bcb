/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bare-read.c - the baseline for the benchmark: read every packet of a
 * capture with libpcap and touch its first and last byte, nothing else.
 * By default libpcap opens the file, as tcpdump does (stdio's 4 KiB
 * buffer: one system call per 4 KiB). With -b the file is read through a
 * 256 KiB buffer, as shakedown reads it (capture/gzsource.c): the lower
 * floor, for an honest ratio. */
#include <pcap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int big = argc == 3 && strcmp(argv[1], "-b") == 0;
	if (argc != 2 + big) {
		fprintf(stderr, "usage: bare-read [-b] FILE\n");
		return 2;
	}
	const char *path = argv[1 + big];
	char err[PCAP_ERRBUF_SIZE];
	static char buf[256 << 10];
	pcap_t *p = NULL;
	if (big) {
		FILE *f = fopen(path, "rb");
		if (!f || setvbuf(f, buf, _IOFBF, sizeof buf) != 0) {
			perror(path);
			return 2;
		}
		p = pcap_fopen_offline(f, err);
	} else {
		p = pcap_open_offline(path, err);
	}
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
