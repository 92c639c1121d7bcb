/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_timers.c - libFuzzer target: the timers (SYN, FIN, half-close,
 * TIME_WAIT, SSH, IKE and ESP deadlines, idle expiry, the flow table's
 * sweeps) under hostile timestamps: equal, going backwards, jumping years
 * ahead, or any 64-bit value at all (a pcapng timestamp can be).
 *
 * Input: 4 bytes of thresholds (syn, fin, ike, idle timeouts: 0-255 s,
 * i.e. also 0), then records of 12 bytes, each one packet of a small set
 * of well-formed raw IPv4 packets between two hosts, so that the
 * analyzers' state machines, not the decoders, see the fuzzed time:
 *   kind (TCP, IKE 500/4500, ESP, UDP fragment, ICMP unreachable),
 *   TCP flags, client port offset, direction and time operation,
 *   8 bytes of time argument.
 * Built with -DFUZZ_STANDALONE it replays files or directories (replay.h). */
#include "analyzer/driver.h"
#include "capture/decode.h"
#include "analyzer/config.h"
#include "analyzer/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

/* An IPv4 header for proto and payload length; returns its length. */
static size_t ip4(uint8_t *b, uint8_t proto, size_t payload, bool dir, uint16_t id, uint16_t frag)
{
	static const uint8_t a[4] = { 192, 0, 2, 10 }, z[4] = { 198, 51, 100, 20 };
	memset(b, 0, 20);
	b[0] = 0x45;
	be16(b + 2, (uint16_t)(20 + payload));
	be16(b + 4, id);
	be16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, dir ? z : a, 4);
	memcpy(b + 16, dir ? a : z, 4);
	return 20;
}

/* Build the packet of one record into b; returns its length. */
static size_t build(uint8_t *b, const uint8_t *r)
{
	bool dir = r[3] & 1;
	uint16_t cport = (uint16_t)(40000 + r[2] % 8);
	uint16_t sport = (uint16_t)((r[2] & 0x80) ? 22 : 80);
	size_t n;
	switch (r[0] % 7) {
	case 0: /* TCP, any flags; sequence numbers from the time argument */
	case 1: {
		size_t pl = (r[1] & 0x08) ? 21 : 0; /* PSH: an SSH identification */
		n = ip4(b, 6, 20 + pl, dir, r[4], 0x4000);
		uint8_t *t = b + n;
		memset(t, 0, 20);
		be16(t, dir ? sport : cport);
		be16(t + 2, dir ? cport : sport);
		be32(t + 4, 1000u + r[5] * 1000u + (dir ? 7777u : 0));
		be32(t + 8, 1000u + r[6] * 1000u + (dir ? 0 : 7777u));
		t[12] = 5 << 4;
		t[13] = r[1];
		be16(t + 14, 65535);
		if (pl)
			memcpy(t + 20, dir ? "SSH-2.0-OpenSSH_9.6\r\n" : "SSH-2.0-fuzz_client\r\n", pl);
		return n + 20 + pl;
	}
	case 2: /* IKE_SA_INIT request or response, 500 or 4500 */
	case 3: {
		bool natt = r[0] % 7 == 3;
		size_t ike = 28 + (natt ? 4 : 0);
		n = ip4(b, 17, 8 + ike, dir, r[4], 0x4000);
		uint8_t *u = b + n;
		be16(u, natt ? 4500 : 500);
		be16(u + 2, natt ? 4500 : 500);
		be16(u + 4, (uint16_t)(8 + ike));
		be16(u + 6, 0);
		uint8_t *h = u + 8 + (natt ? 4 : 0);
		memset(u + 8, 0, ike);
		memset(h, r[2] & 7, 8); /* SPIi: a few SAs */
		if (dir)
			memset(h + 8, 0x5a, 8);
		h[17] = 0x20;
		h[18] = (r[1] & 1) ? 35 : 34; /* IKE_AUTH or IKE_SA_INIT */
		h[19] = dir ? 0x20 : 0x08;
		be32(h + 20, r[1] >> 1 & 3);
		be32(h + 24, 28);
		return n + 8 + ike;
	}
	case 4: /* ESP, a few SPIs */
		n = ip4(b, 50, 24, dir, r[4], 0x4000);
		memset(b + n, 0, 24);
		be32(b + n, 0x1000u + (r[2] & 3) + (dir ? 16 : 0));
		be32(b + n + 4, r[5]);
		return n + 24;
	case 5: { /* a UDP fragment: first or later, of a few datagrams */
		uint16_t off = (r[1] & 1) ? 0 : (uint16_t)(r[1] & 0x0f);
		n = ip4(b, 17, 40, dir, (uint16_t)(r[2] & 3), (uint16_t)((r[1] & 2 ? 0x2000 : 0) | off));
		memset(b + n, 0, 40);
		if (!off) {
			be16(b + n, 500);
			be16(b + n + 2, 500);
			be16(b + n + 4, 8 + 72);
		}
		return n + 40;
	}
	default: { /* ICMP port unreachable quoting a UDP 500 datagram */
		n = ip4(b, 1, 8 + 28, !dir, r[4], 0);
		uint8_t *c = b + n;
		memset(c, 0, 8);
		c[0] = 3;
		c[1] = 3;
		size_t q = ip4(c + 8, 17, 8, dir, 1, 0);
		be16(c + 8 + q, 500);
		be16(c + 8 + q + 2, 500);
		be16(c + 8 + q + 4, 8);
		be16(c + 8 + q + 6, 0);
		return n + 8 + 28;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 || size > 4 + 4096 * REC)
		return 0;
	config_defaults(&sd_cfg);
	sd_cfg.syn_timeout = SEC(data[0]);
	sd_cfg.fin_timeout = SEC(data[1]);
	sd_cfg.ike_timeout = SEC(data[2]);
	sd_cfg.idle_timeout = SEC(data[3]);
	sd_cfg.max_ssh = 16;
	sd_cfg.max_ike = 128;
	struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.max_flows = 16;
	o.idle_timeout = sd_cfg.idle_timeout;
	o.max_frag_datagrams = 16;
	o.max_frag_bytes = 1u << 20;
	verdict_clear_sinks();
	char err[256];
	struct driver *drv = driver_begin(&o, NULL, err, sizeof err);
	if (!drv)
		abort();
	ts_usec t = 1700000000000000ull;
	for (size_t off = 4; off + REC <= size; off += REC) {
		const uint8_t *r = data + off;
		uint64_t arg = 0;
		for (int i = 0; i < 8; i++)
			arg = arg << 8 | r[4 + i];
		switch (r[3] >> 1 & 7) {
		case 0: /* the same time again */
			break;
		case 1: /* forward up to a minute */
			t += arg % SEC(60);
			break;
		case 2: /* backwards up to an hour */
			t -= arg % SEC(3600);
			break;
		case 3: /* years ahead */
			t += (arg % 100 + 1) * SEC(86400.0 * 365);
			break;
		case 4: /* years back */
			t -= (arg % 100 + 1) * SEC(86400.0 * 365);
			break;
		case 5: /* anything at all */
			t = arg;
			break;
		default: /* forward a little */
			t += arg % 2000000;
			break;
		}
		uint8_t pkt[128];
		size_t len = build(pkt, r);
		uint8_t *frame = malloc(len);
		memcpy(frame, pkt, len);
		driver_feed(drv, LINK_RAW, frame, (uint32_t)len, (uint32_t)len, t);
		free(frame);
	}
	struct run_summary sum;
	driver_end(drv, true, &sum);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "replay.h"
#endif
