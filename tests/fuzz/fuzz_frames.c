/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_frames.c - libFuzzer target: a sequence of frames through the whole
 * pipeline (decode, flows, TCP/SSH/IKE analyzers, reassembly, verdicts).
 *
 * Input: one byte choosing the link type, then frames, each a 2-byte
 * big-endian length, a 1-byte time step in milliseconds, and the bytes.
 * Built with -DFUZZ_STANDALONE it replays files given on the command line
 * (and every packet of pcap files, via their raw frames) without libFuzzer. */
#include "analyzer/driver.h"
#include "capture/decode.h"
#include "analyzer/config.h"
#include "analyzer/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int linktypes[] = { LINK_EN10MB, LINK_RAW,	 LINK_IPV4,  LINK_IPV6,	      LINK_NULL, LINK_LOOP,
				 LINK_ENC,    LINK_PFLOG, LINK_NFLOG, LINK_LINUX_SLL, LINK_LINUX_SLL2 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static struct capture_opts o;
	config_defaults(&sd_cfg);
	sd_cfg.max_ssh = 64;
	sd_cfg.max_ike = 64;
	memset(&o, 0, sizeof o);
	o.max_flows = 64;
	o.idle_timeout = SEC(600);
	verdict_clear_sinks();
	char err[256];
	struct driver *drv = driver_begin(&o, NULL, err, sizeof err);
	if (!drv)
		abort();
	int lt = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
	size_t off = 1;
	ts_usec t = 1700000000000000ull;
	while (off + 3 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		t += (ts_usec)data[off + 2] * 1000;
		off += 3;
		if (len > size - off)
			len = size - off;
		/* a private copy, exactly len bytes, so ASan sees any overread */
		uint8_t *frame = malloc(len ? len : 1);
		memcpy(frame, data + off, len);
		driver_feed(drv, lt, frame, (uint32_t)len, (uint32_t)len + (data[0] & 0x80 ? 100 : 0), t);
		free(frame);
		off += len;
	}
	struct run_summary sum;
	driver_end(drv, true, &sum);
	drv = NULL;
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f)
			continue;
		static uint8_t buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
#endif
