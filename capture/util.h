/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - the small helpers every layer shares, each in one copy: a hash
 * (FNV-1a, 32 and 64 bits), TCP sequence-number arithmetic (RFC 9293 3.4,
 * modulo 2^32), the Internet checksum (RFC 1071) and the names of a flow's
 * two sides. capture/ uses them; analyzer/ may include this header too. */
#ifndef SHAKEDOWN_UTIL_H
#define SHAKEDOWN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- hash: FNV-1a ---- */

#define HASH32_SEED 2166136261u
#define HASH32_PRIME 16777619u
#define HASH64_SEED 1469598103934665603ull
#define HASH64_PRIME 1099511628211ull

/* Mix one 32-bit word (not byte by byte: for signatures of fields). */
static inline uint32_t hash32_word(uint32_t h, uint32_t w)
{
	return (h ^ w) * HASH32_PRIME;
}

static inline uint64_t hash64_bytes(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * HASH64_PRIME;
	return h;
}

static inline uint64_t hash64_byte(uint64_t h, uint8_t b)
{
	return (h ^ b) * HASH64_PRIME;
}

/* A 64-bit hash folded to a table index. */
static inline uint32_t hash64_fold(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

/* ---- sequence numbers: comparisons modulo 2^32 ---- */

/* How far b is ahead of a (negative: behind). */
static inline int32_t seq_diff(uint32_t b, uint32_t a)
{
	return (int32_t)(b - a);
}
static inline int seq_lt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) < 0;
}
static inline int seq_gt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) > 0;
}
static inline int seq_geq(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) >= 0;
}

/* ---- the Internet checksum (RFC 1071) ---- */

/* Add n bytes, as big-endian 16-bit words (an odd last byte padded). */
static inline uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	/* Eight bytes at a time in the host's byte order, each 64-bit word
	 * added as two 32-bit halves (no carry is lost for 2^31 words). The
	 * one's complement sum does not depend on byte order but for a swap
	 * of its two bytes (RFC 1071, 2(B)), so the folded 16-bit sum is
	 * swapped back on a little-endian host. A non-zero sum stays non-zero
	 * through the folds (end-around carry). */
	uint64_t s = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		s += (w & 0xffffffffu) + (w >> 32);
	}
	if (s) {
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		s = (s >> 8 | s << 8) & 0xffff;
#endif
	}
	s += sum;
	for (; i + 4 <= n; i += 4)
		s += (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3];
	for (; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (i < n)
		s += (uint32_t)b[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

/* Fold the carries and complement: 0 over data that holds its checksum. */
static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- sides ---- */

/* "client" for DIR_C2S (0), "server" for DIR_S2C (1): who sent it. */
static inline const char *side_name(int dir)
{
	return dir == 0 ? "client" : "server";
}

#endif
