/* SPDX-License-Identifier: GPL-2.0-or-later */
/* roles.h - what part an evidence packet plays in its verdict (a request,
 * the answer, the refusal, a retransmission...), read from its label and
 * direction. JSON writes it as "role"; tests assert, per verdict id, the
 * roles its evidence must hold. */
#ifndef SHAKEDOWN_ROLES_H
#define SHAKEDOWN_ROLES_H

#include "analyzer/verdict.h"

enum evidence_role {
	ROLE_REQUEST,        /* the initiator asks: SYN, IKE request, client ident, KEXINIT... */
	ROLE_RESPONSE,       /* the responder answers */
	ROLE_REFUSAL,        /* an answer that says no: an IKE error notify */
	ROLE_RETRANSMISSION, /* the same request or data sent again */
	ROLE_RESET,          /* a TCP RST */
	ROLE_CLOSE,          /* a FIN */
	ROLE_DATA,           /* payload, ACKs, ESP */
	ROLE_ICMP,           /* an ICMP error from a router or host */
	ROLE_CONTEXT,        /* anything else (an earlier connection...) */
};

enum evidence_role evidence_role(const struct verdict *v, const struct evidence *e);
const char *evidence_role_name(enum evidence_role r);

#endif
