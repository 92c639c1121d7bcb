/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cursor.h - the only way shakedown reads bytes taken off the wire.
 *
 * A cursor is a window over a byte buffer with a read offset. Every read
 * checks the window; a read past the end returns zero, leaves the offset
 * where it was and latches `bad`, so a parser can run straight through a
 * truncated or lying structure and test cursor_ok() once at the end. */
#ifndef SHAKEDOWN_CURSOR_H
#define SHAKEDOWN_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static inline struct cursor cursor_make(const void *p, size_t len)
{
	struct cursor c = { (const uint8_t *)p, p ? len : 0, 0, false };
	return c;
}

static inline size_t cursor_left(const struct cursor *c)
{
	return c->len - c->off;
}

static inline bool cursor_ok(const struct cursor *c)
{
	return !c->bad;
}

static inline bool cursor_has(struct cursor *c, size_t n)
{
	if (n > cursor_left(c)) {
		c->bad = true;
		return false;
	}
	return true;
}

static inline const uint8_t *cursor_here(const struct cursor *c)
{
	return c->p + c->off;
}

static inline uint8_t cursor_u8(struct cursor *c)
{
	if (!cursor_has(c, 1))
		return 0;
	return c->p[c->off++];
}

static inline uint16_t cursor_be16(struct cursor *c)
{
	if (!cursor_has(c, 2))
		return 0;
	const uint8_t *b = c->p + c->off;
	c->off += 2;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t cursor_be24(struct cursor *c)
{
	if (!cursor_has(c, 3))
		return 0;
	const uint8_t *b = c->p + c->off;
	c->off += 3;
	return (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
}

static inline uint32_t cursor_be32(struct cursor *c)
{
	if (!cursor_has(c, 4))
		return 0;
	const uint8_t *b = c->p + c->off;
	c->off += 4;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t cursor_be64(struct cursor *c)
{
	if (!cursor_has(c, 8))
		return 0;
	uint64_t hi = cursor_be32(c);
	uint64_t lo = cursor_be32(c);
	return hi << 32 | lo;
}

static inline uint16_t cursor_le16(struct cursor *c)
{
	if (!cursor_has(c, 2))
		return 0;
	const uint8_t *b = c->p + c->off;
	c->off += 2;
	return (uint16_t)(b[1] << 8 | b[0]);
}

static inline uint32_t cursor_le32(struct cursor *c)
{
	if (!cursor_has(c, 4))
		return 0;
	const uint8_t *b = c->p + c->off;
	c->off += 4;
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* Pointer to the next n bytes and advance, or NULL (and bad) if short. */
static inline const uint8_t *cursor_bytes(struct cursor *c, size_t n)
{
	if (!cursor_has(c, n))
		return NULL;
	const uint8_t *b = c->p + c->off;
	c->off += n;
	return b;
}

static inline bool cursor_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *b = cursor_bytes(c, n);
	if (!b)
		return false;
	memcpy(dst, b, n);
	return true;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
	return cursor_bytes(c, n) != NULL;
}

/* A sub-cursor over the next n bytes; the parent advances past them.
 * If fewer than n remain, the parent goes bad and the child covers what is
 * there, marked bad too, so the child's reads stop at the real end. */
static inline struct cursor cursor_sub(struct cursor *c, size_t n)
{
	struct cursor s;
	if (n > cursor_left(c)) {
		s = cursor_make(c->p + c->off, cursor_left(c));
		s.bad = true;
		c->off = c->len;
		c->bad = true;
		return s;
	}
	s = cursor_make(c->p + c->off, n);
	c->off += n;
	return s;
}

/* Peek without advancing; returns false when off+n is beyond the window. */
static inline bool cursor_peek(const struct cursor *c, size_t at, void *dst, size_t n)
{
	if (at > cursor_left(c) || n > cursor_left(c) - at)
		return false;
	memcpy(dst, c->p + c->off + at, n);
	return true;
}

#endif
