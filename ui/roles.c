/* SPDX-License-Identifier: GPL-2.0-or-later */
/* roles.c - the role of an evidence packet, from its label. The labels
 * are the analyzers' own ("SYN", "IKE_SA_INIT resp 70B NO_PROPOSAL_CHOSEN",
 * "MM2 120B", "server ident OpenSSH_9.6"), so the rules below follow them:
 * error notifies are refusals, "again" and "(retransmission)" are resent
 * packets, IKEv1 odd message numbers are requests, even ones answers. */
#include "roles.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The letters, space, '_'/'-' and '?' a label holds, one bit each: a
 * word can only be in a label that has all of its characters, so most
 * searches below are answered "no" by one AND (labels are short and
 * every evidence line asks). */
#define RB(c)                                                                                            \
	((c) >= 'a' && (c) <= 'z'   ? 1ull << (26 + (c) - 'a')                                           \
	 : (c) >= 'A' && (c) <= 'Z' ? 1ull << ((c) - 'A')                                                 \
	 : (c) == ' '		    ? 1ull << 52                                                          \
	 : (c) == '?'		    ? 1ull << 54                                                          \
	 : (c) == '_' || (c) == '-' ? 1ull << 53                                                          \
				    : 0)
#define RB3(a, b, c) (RB(a) | RB(b) | RB(c))

static uint64_t label_chars(const char *s)
{
	uint64_t m = 0;
	for (; *s; s++)
		m |= RB((unsigned char)*s);
	return m;
}

/* strstr(w, word), asked only when w has the characters `need` of word. */
static bool has(uint64_t m, uint64_t need, const char *w, const char *word)
{
	return (m & need) == need && strstr(w, word);
}

/* IKE notify names that refuse (RFC 7296 §3.10.1 error types, RFC 2408
 * §3.14.1): every error name the analyzers print ends in one of these. */
static bool is_refusal(const char *label, uint64_t m)
{
	/* most labels ("SYN", "ACK", "FIN,ACK"...) hold none of the characters
	 * every refusal word has but two: a quick no for them */
	if (!(m & (RB('_') | RB('?'))))
		return has(m, RB3('F', 'A', 'L'), label, "FAILED") || has(m, RB3('U', 'P', 'D'), label, "UNSUPPORTED");
	/* IKEv1 names are spelt with '-', IKEv2 ones with '_' */
	char w[sizeof ((struct evidence *)0)->what];
	snprintf(w, sizeof w, "%s", label);
	for (char *c = w; *c; c++)
		if (*c == '-')
			*c = '_';
	static const char *const words[] = { "NO_PROPOSAL_CHOSEN", "INVALID_", "AUTHENTICATION_FAILED",
					     "TS_UNACCEPTABLE",    "FAILED",   "UNSUPPORTED",
					     "NO_ADDITIONAL_SAS",  "CHILD_SA_NOT_FOUND", "N?" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(w, words[i]))
			return true;
	return false;
}

/* "MM3", "AM2", "QM1": an IKEv1 message number, 0 when there is none. */
static int v1_position(const char *w)
{
	if ((w[0] == 'M' || w[0] == 'A' || w[0] == 'Q') && w[1] == 'M' && isdigit((unsigned char)w[2]))
		return w[2] - '0';
	return 0;
}

enum evidence_role evidence_role(const struct verdict *v, const struct evidence *e)
{
	(void)v;
	const char *w = e->what;
	if (!strncmp(w, "ICMP", 4))
		return ROLE_ICMP;
	uint64_t m = label_chars(w);
	if (has(m, RB3(' ', 'g', 'i'), w, " again") || has(m, RB3('r', 't', 'm'), w, "retransmission"))
		return ROLE_RETRANSMISSION;
	if (!strncmp(w, "RST", 3))
		return ROLE_RESET;
	if (has(m, RB3('F', 'I', 'N'), w, "FIN"))
		return ROLE_CLOSE;
	if (is_refusal(w, m))
		return ROLE_REFUSAL;
	if (!strncmp(w, "SYN,ACK", 7))
		return ROLE_RESPONSE;
	if (!strncmp(w, "SYN", 3))
		return ROLE_REQUEST;
	if (!strncmp(w, "ACK", 3) || !strncmp(w, "PSH", 3) || !strncmp(w, "ESP", 3) ||
	    has(m, RB3('e', 'y', 'p'), w, "encrypted") || has(m, RB3('d', 'a', 't'), w, "data"))
		return ROLE_DATA;
	if (has(m, RB3(' ', 'r', 'q'), w, " req"))
		return ROLE_REQUEST;
	if (has(m, RB3(' ', 'r', 'p'), w, " resp"))
		return ROLE_RESPONSE;
	int pos = v1_position(w);
	if (pos)
		return pos % 2 ? ROLE_REQUEST : ROLE_RESPONSE;
	if (e->dir == DIR_C2S)
		return ROLE_REQUEST;
	if (e->dir == DIR_S2C)
		return ROLE_RESPONSE;
	return ROLE_CONTEXT;
}

const char *evidence_role_name(enum evidence_role r)
{
	static const char *const names[] = { "request", "response", "refusal", "retransmission", "reset",
					     "close",   "data",     "icmp",    "context" };
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "context";
}
