/* SPDX-License-Identifier: GPL-2.0-or-later */
/* digest.c - the run's message digests: OpenSSL algorithms fetched once,
 * one reusable context (see digest.h). */
#include "digest.h"

#include <openssl/evp.h>

static EVP_MD *mds[DIGEST__COUNT];
static EVP_MD_CTX *ctx;

static const char *const md_names[DIGEST__COUNT] = { "MD5", "SHA1", "SHA256", "SHA384", "SHA512" };

bool digest_begin(enum digest_alg a)
{
	if ((unsigned)a >= DIGEST__COUNT)
		return false;
	if (!mds[a] && !(mds[a] = EVP_MD_fetch(NULL, md_names[a], NULL)))
		return false;
	if (!ctx && !(ctx = EVP_MD_CTX_new()))
		return false;
	return EVP_DigestInit_ex(ctx, mds[a], NULL) == 1;
}

bool digest_update(const void *p, size_t n)
{
	return ctx && EVP_DigestUpdate(ctx, p, n) == 1;
}

unsigned digest_end(uint8_t out[DIGEST_MAX])
{
	unsigned len = 0;
	if (!ctx || EVP_DigestFinal_ex(ctx, out, &len) != 1)
		return 0;
	return len;
}

unsigned digest_once(enum digest_alg a, const void *p, size_t n, uint8_t out[DIGEST_MAX])
{
	if (!digest_begin(a) || !digest_update(p, n))
		return 0;
	return digest_end(out);
}

void digest_hex(const uint8_t *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = 0;
}
