/* SPDX-License-Identifier: GPL-2.0-or-later */
/* digest.h - message digests for the analyzers and sinks (HASSH, IKE NAT
 * detection, Community ID): each algorithm is fetched from OpenSSL once per
 * run and one context is reused, instead of a lookup by name and a context
 * allocation on every hash. Not reentrant: one digest at a time. */
#ifndef SHAKEDOWN_DIGEST_H
#define SHAKEDOWN_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum digest_alg { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA384, DIGEST_SHA512, DIGEST__COUNT };

#define DIGEST_MAX 64

/* Start a digest; false if OpenSSL cannot provide the algorithm. */
bool digest_begin(enum digest_alg a);
bool digest_update(const void *p, size_t n);
/* Finish: writes the digest to out and returns its length (0 on error). */
unsigned digest_end(uint8_t out[DIGEST_MAX]);
/* The three in one call. */
unsigned digest_once(enum digest_alg a, const void *p, size_t n, uint8_t out[DIGEST_MAX]);

/* Lower-case hex of n bytes into out (2n + 1 bytes with the NUL). */
void digest_hex(const uint8_t *b, size_t n, char *out);

#endif
