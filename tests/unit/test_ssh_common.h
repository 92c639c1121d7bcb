/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ssh_common.h - builders of SSH wire bytes shared by the SSH tests. */
#ifndef SHAKEDOWN_TEST_SSH_COMMON_H
#define SHAKEDOWN_TEST_SSH_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline size_t put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	return 4;
}

/* Wrap a payload into a cleartext binary packet with `pad` padding bytes. */
static inline size_t make_packet(uint8_t *out, const uint8_t *payload, size_t plen, uint8_t pad)
{
	size_t o = put32(out, (uint32_t)(1 + plen + pad));
	out[o++] = pad;
	memcpy(out + o, payload, plen);
	o += plen;
	memset(out + o, 0xa5, pad);
	return o + pad;
}

/* The same with the padding a real implementation picks (block size 8). */
static inline size_t packetize(uint8_t *out, const uint8_t *payload, size_t plen)
{
	uint8_t pad = (uint8_t)(8 - (5 + plen) % 8);
	if (pad < 4)
		pad += 8;
	return make_packet(out, payload, plen, pad);
}

/* A KEXINIT payload from ten name-lists. */
static inline size_t make_kexinit(uint8_t *out, const char *const lists[10], bool follows)
{
	size_t o = 0;
	out[o++] = 20;
	for (int i = 0; i < 16; i++)
		out[o++] = (uint8_t)(0x40 + i);
	for (int i = 0; i < 10; i++) {
		size_t n = strlen(lists[i]);
		o += put32(out + o, (uint32_t)n);
		memcpy(out + o, lists[i], n);
		o += n;
	}
	out[o++] = follows;
	o += put32(out + o, 0);
	return o;
}

#endif
