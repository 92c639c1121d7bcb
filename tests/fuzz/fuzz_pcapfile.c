/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_pcapfile.c - libFuzzer target: a whole capture file (pcap or pcapng,
 * any link type libpcap accepts) read by libpcap from memory
 * (pcap_fopen_offline on fmemopen) and fed through the whole pipeline:
 * decode, flows, analyzers, reassembly, verdicts, then both sinks (text
 * report and JSON Lines) into memory. The output is checked: the text may
 * hold no control byte but newline (and tab), no DEL, no C1, and must be
 * valid UTF-8; every JSON line must be too, without a raw control, and
 * well-formed (sink-check.h).
 *
 * Built with -DFUZZ_STANDALONE it replays the files named on the command
 * line (the seed corpus tests/fuzz/corpus/pcapfile) without libFuzzer. */
#include "analyzer/config.h"
#include "analyzer/driver.h"
#include "sink-check.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 24)
		return 0;
	FILE *mem = fmemopen((void *)data, size, "rb");
	if (!mem)
		return 0;
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_fopen_offline(mem, ebuf); /* owns mem from here */
	if (!pc) {
		fclose(mem);
		return 0;
	}
	config_defaults(&sd_cfg);
	sd_cfg.max_ssh = 64;
	sd_cfg.max_ike = 64;
	static struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.max_flows = 64;
	o.idle_timeout = SEC(600);
	struct sink_out out;
	sinks_open(&out, 1);
	char err[256];
	struct driver *d = driver_begin(&o, NULL, err, sizeof err);
	if (!d)
		abort();
	int lt = pcap_datalink(pc);
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int n = 0;
	while (n++ < 20000 && pcap_next_ex(pc, &h, &pkt) == 1) {
		ts_usec t = (ts_usec)h->ts.tv_sec * 1000000u + (ts_usec)h->ts.tv_usec;
		/* a private copy of exactly caplen bytes, so ASan sees any overread */
		uint8_t *frame = malloc(h->caplen ? h->caplen : 1);
		memcpy(frame, pkt, h->caplen);
		driver_feed(d, lt, frame, h->caplen, h->len, t);
		free(frame);
	}
	pcap_close(pc);
	struct run_summary sum;
	driver_end(d, true, &sum);
	sum.source = "fuzz.pcap";
	sinks_close_check(&out, &sum);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "replay.h"
#endif
