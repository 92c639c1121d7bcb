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
 * every evidence line asks). Each shift is masked: the branches not
 * taken are still compiled for every byte value, and clang warns of a
 * negative or oversized shift in them. */
#define RB(c)                                                                                            \
	((c) >= 'a' && (c) <= 'z'   ? 1ull << ((26 + (c) - 'a') & 63)                                         \
	 : (c) >= 'A' && (c) <= 'Z' ? 1ull << (((c) - 'A') & 63)                                               \
	 : (c) == ' '		    ? 1ull << 52                                                          \
	 : (c) == '?'		    ? 1ull << 54                                                          \
	 : (c) == '_' || (c) == '-' ? 1ull << 53                                                          \
				    : 0)
#define RB3(a, b, c) (RB(a) | RB(b) | RB(c))

#define RB4(i) RB(i), RB((i) + 1), RB((i) + 2), RB((i) + 3)
#define RB16(i) RB4(i), RB4((i) + 4), RB4((i) + 8), RB4((i) + 12)
#define RB64(i) RB16(i), RB16((i) + 16), RB16((i) + 32), RB16((i) + 48)
static const uint64_t rbit[256] = { RB64(0), RB64(64), RB64(128), RB64(192) };

static uint64_t label_chars(const char *s)
{
	uint64_t m = 0;
	for (; *s; s++)
		m |= rbit[(unsigned char)*s];
	return m;
}

/* !strncmp(w, p, 3) for a three-letter p, without the call. */
static inline bool starts3(const char *w, const char *p)
{
	return w[0] == p[0] && w[1] == p[1] && w[2] == p[2];
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
	/* IKEv1 names are spelt with '-', IKEv2 ones with '_' (one bit in m);
	 * the copy and the search only for a word whose letters are all there */
	static const struct {
		const char *word;
		uint64_t need;
	} words[] = {
		{ "NO_PROPOSAL_CHOSEN", RB3('P', 'L', 'H') }, { "INVALID_", RB3('V', 'L', 'D') },
		{ "AUTHENTICATION_FAILED", RB3('H', 'F', 'L') }, { "TS_UNACCEPTABLE", RB3('C', 'P', 'B') },
		{ "FAILED", RB3('F', 'A', 'L') }, { "UNSUPPORTED", RB3('U', 'P', 'D') },
		{ "NO_ADDITIONAL_SAS", RB3('D', 'L', 'S') }, { "CHILD_SA_NOT_FOUND", RB3('H', 'F', 'U') },
		{ "N?", RB('N') | RB('?') },
	};
	char w[sizeof ((struct evidence *)0)->what];
	bool copied = false;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if ((m & words[i].need) != words[i].need)
			continue;
		if (!copied) {
			snprintf(w, sizeof w, "%s", label);
			for (char *c = w; *c; c++)
				if (*c == '-')
					*c = '_';
			copied = true;
		}
		if (strstr(w, words[i].word))
			return true;
	}
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
	if ((starts3(w, "ICM") && w[3] == 'P'))
		return ROLE_ICMP;
	uint64_t m = label_chars(w);
	if (has(m, RB3(' ', 'g', 'i'), w, " again") || has(m, RB3('r', 't', 'm'), w, "retransmission"))
		return ROLE_RETRANSMISSION;
	if (starts3(w, "RST"))
		return ROLE_RESET;
	if (has(m, RB3('F', 'I', 'N'), w, "FIN"))
		return ROLE_CLOSE;
	if (is_refusal(w, m))
		return ROLE_REFUSAL;
	if ((starts3(w, "SYN") && starts3(w + 3, ",AC") && w[6] == 'K'))
		return ROLE_RESPONSE;
	if (starts3(w, "SYN"))
		return ROLE_REQUEST;
	if (starts3(w, "ACK") || starts3(w, "PSH") || starts3(w, "ESP") ||
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
