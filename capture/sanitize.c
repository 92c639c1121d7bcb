/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sanitize.c - owns the escaping of outside strings for every sink: the
 * UTF-8 check, the text form and the JSON form. The rule is in
 * sanitize.h. */
#include "sanitize.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

size_t sanitize_utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (!n)
		return 0;
	unsigned char b = s[0];
	size_t len;
	uint32_t c;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	if (b < 0x80) {
		*cp = b;
		return 1;
	} else if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		c = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0; /* below: overlong */
		else if (b == 0xed)
			hi = 0x9f; /* above: UTF-16 surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		c = b & 0x07;
		if (b == 0xf0)
			lo = 0x90; /* below: overlong */
		else if (b == 0xf4)
			hi = 0x8f; /* above: beyond U+10FFFF */
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, F5-FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		unsigned char x = s[i];
		if (x < (i == 1 ? lo : 0x80) || x > (i == 1 ? hi : 0xbf))
			return 0;
		c = (c << 6) | (x & 0x3f);
	}
	*cp = c;
	return len;
}

/* Characters shown as \uXXXX although valid: C1 controls, and the marks
 * that reorder text or break lines behind the terminal's back. */
static bool cp_escaped(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f || c == 0x2028 ||
	       c == 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

enum unit_kind {
	UNIT_PLAIN, /* copy the bytes */
	UNIT_BYTE,  /* one byte that is a control or not valid UTF-8 */
	UNIT_CP,    /* a valid character shown by its code point */
};

/* Classify the unit at s (n > 0 bytes left); returns its length. */
static size_t unit_next(const unsigned char *s, size_t n, enum unit_kind *k, uint32_t *cp)
{
	if (s[0] >= 0x20 && s[0] < 0x7f) {
		*k = UNIT_PLAIN;
		*cp = s[0];
		return 1;
	}
	size_t len = sanitize_utf8_len(s, n, cp);
	if (len <= 1) {
		/* a C0 control, DEL, or a byte that starts nothing valid */
		*k = UNIT_BYTE;
		*cp = s[0];
		return 1;
	}
	*k = cp_escaped(*cp) ? UNIT_CP : UNIT_PLAIN;
	return len;
}

static const char hexd[] = "0123456789abcdef";

/* Text form of one unit into b (at least 7 bytes); returns its length. */
static size_t unit_text(const unsigned char *s, size_t len, enum unit_kind k, uint32_t cp, char *b)
{
	switch (k) {
	case UNIT_BYTE:
		b[0] = '\\';
		b[1] = 'x';
		b[2] = hexd[cp >> 4];
		b[3] = hexd[cp & 15];
		return 4;
	case UNIT_CP:
		b[0] = '\\';
		b[1] = 'u';
		for (int i = 0; i < 4; i++)
			b[2 + i] = hexd[(cp >> (12 - 4 * i)) & 15];
		return 6;
	case UNIT_PLAIN:
	default:
		if (len == 1 && s[0] == '\\') {
			b[0] = b[1] = '\\';
			return 2;
		}
		memcpy(b, s, len);
		return len;
	}
}

size_t sanitize_text_n(const char *str, size_t n, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;
	if (!cap)
		return 0;
	size_t end = 0;
	while (end < n && s[end])
		end++;
	for (size_t i = 0; i < end;) {
		/* plain ASCII in one go, as much as fits */
		size_t run = i;
		while (i < end && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			i++;
		if (i > run) {
			size_t take = i - run, room = cap - 1 - o;
			memcpy(out + o, s + run, take < room ? take : room);
			o += take < room ? take : room;
			if (take > room)
				break;
			if (i >= end)
				break;
		}
		enum unit_kind k;
		uint32_t cp;
		size_t len = unit_next(s + i, end - i, &k, &cp);
		char b[8];
		size_t w = unit_text(s + i, len, k, cp, b);
		if (o + w + 1 > cap)
			break;
		memcpy(out + o, b, w);
		o += w;
		i += len;
	}
	out[o] = 0;
	return o;
}

size_t sanitize_text(const char *s, char *out, size_t cap)
{
	return sanitize_text_n(s, s ? strlen(s) : 0, out, cap);
}

void sanitize_fwrite(FILE *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n && s[i]) {
		/* plain ASCII in one go */
		size_t run = i;
		while (i < n && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			i++;
		if (i > run)
			fwrite(s + run, 1, i - run, o);
		if (i >= n || !s[i])
			break;
		enum unit_kind k;
		uint32_t cp;
		size_t len = unit_next(s + i, n - i, &k, &cp);
		char b[8];
		fwrite(b, 1, unit_text(s + i, len, k, cp, b), o);
		i += len;
	}
}

void sanitize_fputs(FILE *o, const char *s)
{
	if (s)
		sanitize_fwrite(o, s, strlen(s));
}

/* True when none of the 8 bytes in x needs more than a copy in JSON:
 * each is printable ASCII (0x20-0x7e) other than '"' and '\'. The
 * "has a byte below n" and "has a zero byte" word tricks; exact as a yes/no. */
static inline bool json_plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t below20 = (x - ones * 0x20) & ~x;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\'), del = x ^ (ones * 0x7f);
	uint64_t hit = x | below20 | ((q - ones) & ~q) | ((bs - ones) & ~bs) | ((del - ones) & ~del);
	return !(hit & high);
}

static inline bool json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

size_t sanitize_json_mem(const char *str, size_t n, size_t *used, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, o = 0;
	while (i < n) {
		/* plain ASCII sixteen or eight bytes at a time, then one at a time
		 * up to the unit that needs more than a copy */
#ifdef __SSE2__
		while (i + 16 <= n && o + 16 <= cap) {
			/* signed bytes: 0x80-0xff are below 0x20 too */
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i bad = _mm_or_si128(
				_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
				_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
			if (_mm_movemask_epi8(bad))
				break;
			_mm_storeu_si128((__m128i *)(void *)(out + o), x);
			i += 16;
			o += 16;
		}
#endif
		while (i + 8 <= n && o + 8 <= cap) {
			uint64_t x;
			memcpy(&x, s + i, 8);
			if (!json_plain8(x))
				break;
			memcpy(out + o, &x, 8);
			i += 8;
			o += 8;
		}
		/* a short tail (or a short string) in one check: padded with spaces */
		if (n - i < 8 && o + (n - i) <= cap) {
			uint64_t x = 0x2020202020202020ull;
			memcpy(&x, s + i, n - i);
			if (json_plain8(x)) {
				memcpy(out + o, s + i, n - i);
				o += n - i;
				i = n;
				break;
			}
		}
		while (i < n && o < cap && json_plain(s[i]))
			out[o++] = (char)s[i++];
		if (i >= n || o + SANITIZE_JSON_UNIT > cap)
			break;
		enum unit_kind k;
		uint32_t cp;
		size_t len = unit_next(s + i, n - i, &k, &cp);
		if (k == UNIT_PLAIN && len == 1) {
			/* '"' or '\' */
			out[o++] = '\\';
			out[o++] = (char)s[i];
		} else if (k == UNIT_PLAIN) {
			memcpy(out + o, s + i, len);
			o += len;
		} else {
			/* a control, C1 or stray byte (by its Latin-1 value) as \u00XX;
			 * a line or direction mark as \uXXXX */
			out[o++] = '\\';
			out[o++] = 'u';
			for (int j = 0; j < 4; j++)
				out[o++] = hexd[(cp >> (12 - 4 * j)) & 15];
		}
		i += len;
	}
	*used = i;
	return o;
}

void sanitize_json(FILE *o, const char *str)
{
	const char *s = str ? str : "";
	size_t n = strlen(s);
	char b[512];
	putc_unlocked('"', o);
	while (n) {
		size_t used;
		size_t w = sanitize_json_mem(s, n, &used, b, sizeof b);
		fwrite_unlocked(b, 1, w, o);
		s += used;
		n -= used;
	}
	putc_unlocked('"', o);
}

bool sanitize_is_clean(const char *str, size_t n, const char *allowed)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = sanitize_utf8_len(s + i, n - i, &cp);
		if (!len)
			return false;
		if (cp < 0x20 || cp == 0x7f) {
			if (!cp || !allowed || !strchr(allowed, (int)cp))
				return false;
		} else if (cp >= 0x80 && cp <= 0x9f) {
			return false;
		}
		i += len;
	}
	return true;
}
