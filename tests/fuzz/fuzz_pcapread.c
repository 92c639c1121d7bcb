/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_pcapread.c - libFuzzer target: capture/pcapfile.c, the block reader
 * of plain pcap files, against libpcap on the same bytes (a differential
 * check). The input is written to a memory file (memfd) that both open by
 * its /proc/self/fd path, as the engine opens a -r file. Every record the
 * block reader hands out must be the record libpcap hands out next: the
 * same seconds, microseconds, captured and original lengths and bytes. When
 * it reports the clean end of the file, libpcap must report the end too
 * (not an error, not another record). When it hands the file back (-1),
 * libpcap's reading is the engine's from there on, which is not checked
 * here. Any difference aborts.
 *
 * Built with -DFUZZ_STANDALONE it replays the files named on the command
 * line (the seed corpus tests/fuzz/corpus/pcapread) without libFuzzer. */
#include "capture/pcapfile.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 24)
		return 0;
	int fd = memfd_create("pcapread", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			close(fd);
			return 0;
		}
		done += (size_t)n;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *ref = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	pcap_t *pc = ref ? pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf) : NULL;
	struct pcapfile *r = pc ? pcapfile_open(path, pc) : NULL;
	while (r) {
		struct pcap_pkthdr *h, *rh;
		const u_char *d, *rd;
		int rc = pcapfile_next(r, &h, &d);
		if (rc < 0)
			break; /* handed back to libpcap */
		int rr = pcap_next_ex(ref, &rh, &rd);
		if (rc == 0) {
			if (rr != PCAP_ERROR_BREAK)
				abort(); /* libpcap saw more, or an error */
			break;
		}
		if (rr != 1 || h->ts.tv_sec != rh->ts.tv_sec || h->ts.tv_usec != rh->ts.tv_usec ||
		    h->caplen != rh->caplen || h->len != rh->len || memcmp(d, rd, h->caplen) != 0)
			abort(); /* a record that is not libpcap's */
	}
	pcapfile_close(r);
	if (pc)
		pcap_close(pc);
	if (ref)
		pcap_close(ref);
	close(fd);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "replay.h"
#endif
