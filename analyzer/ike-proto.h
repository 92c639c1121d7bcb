/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-proto.h - pure parsers for ISAKMP/IKEv1 and IKEv2 messages, the
 * NAT detection hashes, and the number-to-name tables used in verdicts.
 *
 * Nothing here keeps state or allocates: ike_parse() fills a caller-owned
 * struct ike_msg from a byte buffer through a cursor and stops cleanly at
 * the first structure that runs past its container. Every array in the
 * parsed form is bounded; what did not fit is counted, not dropped
 * silently. */
#ifndef SHAKEDOWN_IKE_PROTO_H
#define SHAKEDOWN_IKE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../capture/packet.h"

#define IKE_HDR_LEN 28
#define IKE_MAX_PAYLOADS 64  /* payload walk stops here */
#define IKE_MAX_PROPS 8
#define IKE_MAX_XFORMS 16    /* per proposal */
#define IKE_MAX_NOTIFY 16
#define IKE_NOTIFY_DATA 64   /* notify data bytes kept */
#define IKE_MAX_VID 12
#define IKE_VID_KEEP 20      /* vendor id bytes kept */
#define IKE_MAX_NATD 4
#define IKE_HASH_MAX 64

/* IKEv2 exchange types (RFC 7296, 9242, 9370) */
enum {
	IKEV2_SA_INIT = 34,
	IKEV2_AUTH = 35,
	IKEV2_CREATE_CHILD_SA = 36,
	IKEV2_INFORMATIONAL = 37,
	IKEV2_SESSION_RESUME = 38,
	IKEV2_INTERMEDIATE = 43,
	IKEV2_FOLLOWUP_KE = 44,
};

/* ISAKMP / IKEv1 exchange types (RFC 2408, 2409) */
enum {
	IKEV1_BASE = 1,
	IKEV1_MAIN = 2, /* identity protection */
	IKEV1_AUTH_ONLY = 3,
	IKEV1_AGGRESSIVE = 4,
	IKEV1_INFORMATIONAL = 5,
	IKEV1_TRANSACTION = 6, /* mode config */
	IKEV1_QUICK = 32,
	IKEV1_NEW_GROUP = 33,
};

/* Header flags */
enum {
	IKEV1_FLAG_ENC = 0x01,
	IKEV1_FLAG_COMMIT = 0x02,
	IKEV1_FLAG_AUTHONLY = 0x04,
	IKEV2_FLAG_INITIATOR = 0x08,
	IKEV2_FLAG_VERSION = 0x10,
	IKEV2_FLAG_RESPONSE = 0x20,
};

/* IKEv2 payload types */
enum {
	IKEV2_PL_SA = 33,
	IKEV2_PL_KE = 34,
	IKEV2_PL_IDI = 35,
	IKEV2_PL_IDR = 36,
	IKEV2_PL_CERT = 37,
	IKEV2_PL_CERTREQ = 38,
	IKEV2_PL_AUTH = 39,
	IKEV2_PL_NONCE = 40,
	IKEV2_PL_NOTIFY = 41,
	IKEV2_PL_DELETE = 42,
	IKEV2_PL_VID = 43,
	IKEV2_PL_TSI = 44,
	IKEV2_PL_TSR = 45,
	IKEV2_PL_SK = 46,
	IKEV2_PL_CP = 47,
	IKEV2_PL_EAP = 48,
	IKEV2_PL_GSPM = 49,
	IKEV2_PL_SKF = 53,
};

/* IKEv1 payload types */
enum {
	IKEV1_PL_SA = 1,
	IKEV1_PL_P = 2,
	IKEV1_PL_T = 3,
	IKEV1_PL_KE = 4,
	IKEV1_PL_ID = 5,
	IKEV1_PL_CERT = 6,
	IKEV1_PL_CR = 7,
	IKEV1_PL_HASH = 8,
	IKEV1_PL_SIG = 9,
	IKEV1_PL_NONCE = 10,
	IKEV1_PL_N = 11,
	IKEV1_PL_D = 12,
	IKEV1_PL_VID = 13,
	IKEV1_PL_ATTR = 14,
	IKEV1_PL_NATD = 20,
	IKEV1_PL_NATOA = 21,
	IKEV1_PL_NATD_DRAFT = 130,
	IKEV1_PL_NATOA_DRAFT = 131,
	IKEV1_PL_FRAG = 132,
};

/* IKEv2 transform types */
enum { IKEV2_TT_ENCR = 1, IKEV2_TT_PRF = 2, IKEV2_TT_INTEG = 3, IKEV2_TT_DH = 4, IKEV2_TT_ESN = 5 };

/* Notify types named in the analyzer's logic (both versions share most
 * of the error space below 16384). */
enum {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKEV1_N_PAYLOAD_MALFORMED = 16,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKEV1_N_INVALID_ID_INFORMATION = 18,
	IKEV1_N_INVALID_CERTIFICATE = 20,
	IKEV1_N_INVALID_HASH_INFORMATION = 23,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKEV1_N_INVALID_SIGNATURE = 25,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_AUTHORIZATION_FAILED = 46,
	IKEV2_N_INITIAL_CONTACT = 16384,
	IKEV2_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKEV2_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKEV2_N_COOKIE = 16390,
	IKEV2_N_REKEY_SA = 16393,
	IKEV2_N_MOBIKE_SUPPORTED = 16396,
	IKEV2_N_FRAGMENTATION_SUPPORTED = 16430,
	IKEV1_N_R_U_THERE = 36136,
	IKEV1_N_R_U_THERE_ACK = 36137,
};

/* IKEv1 phase 1 SA attribute classes (RFC 2409 appendix A) */
enum {
	IKEV1_A_ENC = 1,
	IKEV1_A_HASH = 2,
	IKEV1_A_AUTH = 3,
	IKEV1_A_GROUP = 4,
	IKEV1_A_LIFE_TYPE = 11,
	IKEV1_A_LIFE_DURATION = 12,
	IKEV1_A_PRF = 13,
	IKEV1_A_KEYLEN = 14,
};

/* IKEv1 IPsec DOI SA attribute classes (RFC 2407 section 4.5) */
enum {
	IPSEC_A_LIFE_TYPE = 1,
	IPSEC_A_LIFE_DURATION = 2,
	IPSEC_A_GROUP = 3,
	IPSEC_A_ENCAP = 4,
	IPSEC_A_AUTH = 5,
	IPSEC_A_KEYLEN = 6,
};

/* Protocol ids in proposals */
enum { IKE_PROTO_IKE = 1, IKE_PROTO_AH = 2, IKE_PROTO_ESP = 3, IKE_PROTO_IPCOMP = 4 };

/* One transform. For IKEv2 `type` is the transform type and `id` its id.
 * For IKEv1 a transform is a complete alternative; its attributes are
 * spread over the named fields (0 = absent). */
struct ike_xform {
	uint8_t type;    /* v2 transform type; v1: 0 */
	uint8_t num;     /* v1 transform number */
	uint16_t id;     /* v2 transform id; v1 transform id (KEY_IKE, ESP_AES...) */
	uint16_t keylen; /* key length attribute in bits, 0 = none */
	/* IKEv1 attributes */
	uint16_t v1_enc, v1_hash, v1_auth, v1_group, v1_prf, v1_encap, v1_integ;
	uint8_t v1_life_type;    /* 1 seconds, 2 kilobytes (last one seen) */
	uint32_t v1_life_secs, v1_life_kb;
};

struct ike_prop {
	uint8_t num;
	uint8_t proto;    /* IKE_PROTO_* */
	uint8_t spi_size;
	uint8_t nx;       /* transforms kept */
	uint8_t nx_wire;  /* transforms the proposal announced */
	uint32_t spi;     /* the SPI when it is 4 bytes (ESP/AH) */
	struct ike_xform x[IKE_MAX_XFORMS];
};

struct ike_sa_pl {
	uint32_t doi;       /* v1 */
	uint8_t nprops;
	bool more;          /* more proposals or transforms than kept */
	struct ike_prop p[IKE_MAX_PROPS];
};

struct ike_notify {
	uint16_t type;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t data_len;  /* on the wire */
	uint8_t data[IKE_NOTIFY_DATA];
};

struct ike_vid {
	uint8_t len; /* bytes kept, <= IKE_VID_KEEP */
	uint16_t wire_len;
	uint8_t b[IKE_VID_KEEP];
};

struct ike_hdr {
	uint8_t spi_i[8], spi_r[8];
	uint8_t np;
	uint8_t major, minor;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

enum ike_parse_status {
	IKE_PARSE_OK = 0,
	IKE_PARSE_SHORT,     /* fewer than 28 bytes, or not ISAKMP at all */
	IKE_PARSE_TRUNCATED, /* the buffer ends before the header's length */
	IKE_PARSE_BAD_LENGTH,/* a payload length runs past its container or is below 4 */
	IKE_PARSE_TOO_MANY,  /* the payload walk hit IKE_MAX_PAYLOADS */
};

struct ike_msg {
	struct ike_hdr h;
	uint8_t status;      /* enum ike_parse_status */
	bool v2;             /* major version 2 */
	bool encrypted;      /* v1 E flag, or a v2 SK/SKF payload */
	bool response;       /* v2 R flag */
	bool initiator;      /* v2 I flag */

	uint8_t npl;         /* payloads walked */
	uint8_t types[IKE_MAX_PAYLOADS];

	bool has_sa;
	struct ike_sa_pl sa;
	bool has_ke;
	uint16_t ke_group;
	uint16_t ke_len;
	uint16_t nonce_len;
	uint8_t nid, ncert, ncertreq, nauth, nhash, nsig, ndelete, nts, ncp, neap;

	uint8_t nnotify;
	uint8_t nnotify_wire;
	struct ike_notify n[IKE_MAX_NOTIFY];

	uint8_t nvid;
	uint8_t nvid_wire;
	struct ike_vid vid[IKE_MAX_VID];

	uint8_t nnatd;       /* IKEv1 NAT-D payloads (RFC 3947 or draft) */
	uint8_t natd_len[IKE_MAX_NATD];
	uint8_t natd[IKE_MAX_NATD][IKE_HASH_MAX];

	/* IKEv2 encrypted payloads */
	uint8_t sk_next;     /* first inner payload type */
	uint32_t sk_len;     /* SK or SKF payload length, header included */
	bool skf;
	uint16_t frag_num, frag_total;
};

/* Parse the fixed header; false if fewer than 28 bytes. */
bool ike_parse_header(const uint8_t *buf, size_t len, struct ike_hdr *h);
/* Parse a whole message (buffer starts at the ISAKMP header, after any
 * non-ESP marker). Returns the status also stored in m->status. */
enum ike_parse_status ike_parse(const uint8_t *buf, size_t len, struct ike_msg *m);
/* An unambiguous IKE header: version 1.0 or 2.0, a known exchange type,
 * and a length field equal to `len`. */
bool ike_header_plausible(const uint8_t *buf, size_t len);

/* Notify data helpers */
const struct ike_notify *ike_find_notify(const struct ike_msg *m, uint16_t type);
/* Group number from an INVALID_KE_PAYLOAD notify, 0 if none. */
uint16_t ike_invalid_ke_group(const struct ike_msg *m);

/* Name tables. All return static strings; unknown numbers give NULL
 * except where noted. */
const char *ike_exch_name(bool v2, uint8_t exch);          /* never NULL */
const char *ike_payload_name(bool v2, uint8_t type);       /* NULL if unknown */
const char *ike_notify_name(bool v2, uint16_t type);       /* NULL if unknown */
const char *ikev2_transform_name(uint8_t ttype, uint16_t id);
const char *ike_dh_name(uint16_t group);
const char *ikev1_enc_name(uint16_t id);
const char *ikev1_hash_name(uint16_t id);
const char *ikev1_auth_name(uint16_t id);
const char *ikev1_esp_name(uint16_t id);
const char *ikev1_ipsec_auth_name(uint16_t id);
const char *ikev1_encap_name(uint16_t id);
const char *ike_proto_name(uint8_t proto);
/* Recognise a vendor id; NULL if unknown. */
const char *ike_vendor_name(const uint8_t *b, size_t len);
/* Text for a vendor id: its name when known, the id itself when it is
 * printable text (as Cisco's are), else "unknown" and its first bytes in
 * hex. `wire_len` is the id's full length (only `len` bytes given). */
const char *ike_vendor_str(const uint8_t *b, size_t len, size_t wire_len, char *buf, size_t buflen);
/* Is this vendor id one of the NAT-T ones (RFC 3947 or a draft)? */
bool ike_vendor_is_natt(const uint8_t *b, size_t len);

/* "NAME" or "NAME(num)"-style rendering of a number with a table, for
 * details: writes e.g. "MODP_2048" or "group 99". Returns buf. */
const char *ike_notify_str(bool v2, uint16_t type, char *buf, size_t len);

/* Render one proposal ("AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048")
 * or, for IKEv1, one transform of it. Returns the number of characters
 * written (like snprintf, clipped). */
size_t ike_format_v2_prop(const struct ike_prop *p, char *buf, size_t len);
size_t ike_format_v1_xform(const struct ike_prop *p, const struct ike_xform *x, char *buf, size_t len);
/* All proposals of an SA payload, separated by ", "; ends with "..." when
 * clipped or when the message held more than was kept. */
size_t ike_format_sa(bool v2, const struct ike_sa_pl *sa, char *buf, size_t len);

/* IKEv2 NAT_DETECTION hash: SHA1(SPIi | SPIr | IP | port). out gets 20
 * bytes. IKEv1 NAT-D (RFC 3947): the negotiated phase 1 hash (IKEv1 hash
 * attribute value: 1 MD5, 2 SHA1, 4/5/6 SHA2) over the same fields.
 * Return the hash length, 0 when the algorithm is unknown. */
size_t ike_natd_hash(bool v2, uint16_t hash_alg, const uint8_t spi_i[8], const uint8_t spi_r[8],
		     const struct addr *a, uint16_t port, uint8_t out[IKE_HASH_MAX]);

/* IV and ICV sizes of an IKEv2 SK payload for a chosen encryption and
 * integrity transform (AEAD ciphers carry their ICV in ENCR). Block is
 * the padding granularity. Returns false if the cipher is unknown. */
bool ikev2_sk_overhead(uint16_t encr, uint16_t keylen, uint16_t integ, unsigned *iv, unsigned *icv,
		       unsigned *block);

#endif
