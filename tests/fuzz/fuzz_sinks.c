/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_sinks.c - libFuzzer target: verdicts built from fuzzed bytes (every
 * string field: summary, evidence labels, detail values, the source name;
 * numbers including NaN and infinities) rendered by the text report and the
 * JSON Lines sink into memory, and the output checked:
 *   text: valid UTF-8, no control byte but newline and tab, no DEL, no C1;
 *   JSON: the same with newline only between lines, and every line one
 *         well-formed JSON object (a small strict parser below).
 * Input: a sequence of fields, each one selector byte then, for strings, a
 * length byte and that many bytes (see next_*).
 *
 * Built with -DFUZZ_STANDALONE it replays the files named on the command
 * line (the seed corpus tests/fuzz/corpus/sinks) without libFuzzer. */
#include "sink-check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t next_u8(struct in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

/* A length byte then up to that many bytes, as a C string in out. */
static void next_str(struct in *in, char *out, size_t cap)
{
	size_t len = next_u8(in);
	if (len > in->n - in->off)
		len = in->n - in->off;
	if (len >= cap)
		len = cap - 1;
	memcpy(out, in->p + in->off, len);
	out[len] = 0;
	in->off += len;
}

static double next_num(struct in *in)
{
	static const double special[] = { 0.0, -0.0, 1e300, -1e300, 1e-300, 0.1234567 };
	uint8_t b = next_u8(in);
	switch (b & 7) {
	case 0:
		return (double)b / 0.0; /* inf, or NaN for b == 0 */
	case 1:
		return -(double)(b | 1) / 0.0;
	default:
		return special[b % (sizeof special / sizeof special[0])] * (double)(b >> 3);
	}
}

struct keyset {
	const char *key[32];
	int n;
};

static void add_key(const struct catalog_detail *d, void *arg)
{
	struct keyset *ks = arg;
	if (ks->n < 32)
		ks->key[ks->n++] = d->key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum verdict_id ids[] = { V_TCP_REFUSED, V_SSH_NO_COMMON_ALGORITHM, V_IKE_NO_RESPONSE,
					       V_CAPTURE_DROPS };
	struct in in = { data, size, 0 };
	struct sink_out out;
	sinks_open(&out, next_u8(&in) & 1);

	static struct verdict v;
	char s[VERDICT_SUMMARY_LEN + 1], source[300];
	next_str(&in, source, sizeof source);
	for (int nv = 0; nv < 8 && in.off < in.n; nv++) {
		uint8_t h = next_u8(&in);
		verdict_begin(&v, ids[h % 4], (enum severity)((h >> 2) & 3), NULL);
		/* only keys the catalog declares for this verdict (a debug build
		 * asserts it) */
		struct keyset ks = { .n = 0 };
		catalog_foreach_detail(ids[h % 4], add_key, &ks);
		if (h & 0x10) {
			struct addr a = { 4, { 192, 0, 2, 10 } }, b = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
			verdict_endpoints(&v, (h & 0x20) ? 6 : 17, &a, next_u8(&in), &b, 22);
		}
		int nfield = next_u8(&in) & 31;
		for (int i = 0; i < nfield && in.off < in.n; i++) {
			uint8_t sel = next_u8(&in);
			next_str(&in, s, sizeof s);
			if (!ks.n && sel % 6 >= 2 && sel % 6 <= 5)
				sel = 0;
			const char *key = ks.n ? ks.key[sel % ks.n] : "";
			switch (sel % 6) {
			case 0:
				verdict_summary(&v, "%s", s);
				break;
			case 1:
				verdict_evidence(&v, sel, (ts_usec)sel * 1000, (int)(sel % 3) - 1, "%s", s);
				break;
			case 2:
				verdict_str(&v, key, "%s", s);
				break;
			case 3:
				verdict_num(&v, key, next_num(&in));
				break;
			case 4:
				verdict_int(&v, key, (long long)sel * -123456789LL);
				break;
			default:
				verdict_bool(&v, key, sel & 1);
			}
		}
		verdict_emit(&v);
	}
	struct run_summary sum;
	memset(&sum, 0, sizeof sum);
	sum.source = source;
	sinks_close_check(&out, &sum);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "replay.h"
#endif
