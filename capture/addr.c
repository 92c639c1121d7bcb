/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr.c - printing, parsing and ordering IPv4/IPv6 addresses. */
#include "packet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

const char *addr_str(const struct addr *a, char *buf, size_t len)
{
	if (a->family == 4 && len >= 16) {
		/* inet_ntop's dotted quad, without its call (every verdict's
		 * endpoints are formatted) */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			unsigned x = a->b[i];
			if (i)
				*p++ = '.';
			if (x >= 100)
				*p++ = (char)('0' + x / 100);
			if (x >= 10)
				*p++ = (char)('0' + x / 10 % 10);
			*p++ = (char)('0' + x % 10);
		}
		*p = 0;
	} else if (a->family == 4)
		inet_ntop(AF_INET, a->b, buf, (socklen_t)len);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

const char *endpoint_str(const struct addr *a, uint16_t port, char *buf, size_t len)
{
	char ab[64];
	addr_str(a, ab, sizeof ab);
	if (a->family == 6)
		snprintf(buf, len, "[%s]:%u", ab, port);
	else
		snprintf(buf, len, "%s:%u", ab, port);
	return buf;
}

bool addr_parse(const char *s, struct addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = 6;
		return true;
	}
	return false;
}
