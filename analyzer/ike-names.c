/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-names.c - IKE's wire numbers by name (exchanges, payloads, notifies,
 * transforms, DH groups, vendor ids) and the readable form of proposals
 * ("IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048") that
 * the verdicts print. Pure functions over constant tables. */
#include "ike-proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Name tables */

struct name {
	uint16_t n;
	const char *s;
};

static const char *lookup(const struct name *t, size_t nt, uint16_t n)
{
	for (size_t i = 0; i < nt; i++)
		if (t[i].n == n)
			return t[i].s;
	return NULL;
}
#define LOOKUP(t, n) lookup(t, sizeof(t) / sizeof(t[0]), n)

static const struct name v2_exch[] = {
	{34, "IKE_SA_INIT"},     {35, "IKE_AUTH"},           {36, "CREATE_CHILD_SA"},
	{37, "INFORMATIONAL"},   {38, "IKE_SESSION_RESUME"}, {43, "IKE_INTERMEDIATE"},
	{44, "IKE_FOLLOWUP_KE"},
};
static const struct name v1_exch[] = {
	{1, "Base"},          {2, "Main Mode"},  {3, "Authentication Only"}, {4, "Aggressive Mode"},
	{5, "Informational"}, {6, "Transaction"}, {32, "Quick Mode"},         {33, "New Group Mode"},
};

const char *ike_exch_name(bool v2, uint8_t exch)
{
	const char *s = v2 ? LOOKUP(v2_exch, exch) : LOOKUP(v1_exch, exch);
	return s ? s : "unknown exchange";
}

static const struct name v2_payloads[] = {
	{33, "SA"},   {34, "KE"},  {35, "IDi"},  {36, "IDr"},     {37, "CERT"}, {38, "CERTREQ"}, {39, "AUTH"},
	{40, "Ni/Nr"}, {41, "N"},   {42, "D"},    {43, "V"},       {44, "TSi"},  {45, "TSr"},     {46, "SK"},
	{47, "CP"},   {48, "EAP"}, {49, "GSPM"}, {53, "SKF"},
};
static const struct name v1_payloads[] = {
	{1, "SA"},    {2, "P"},     {3, "T"},      {4, "KE"},       {5, "ID"},      {6, "CERT"},  {7, "CR"},
	{8, "HASH"},  {9, "SIG"},   {10, "NONCE"}, {11, "N"},       {12, "D"},      {13, "VID"},  {14, "ATTR"},
	{20, "NAT-D"}, {21, "NAT-OA"}, {130, "NAT-D(draft)"}, {131, "NAT-OA(draft)"}, {132, "FRAG"},
};

const char *ike_payload_name(bool v2, uint8_t type)
{
	return v2 ? LOOKUP(v2_payloads, type) : LOOKUP(v1_payloads, type);
}

/* IKEv2 notify message types (IANA "IKEv2 Notify Message Types"). */
static const struct name v2_notify[] = {
	{1, "UNSUPPORTED_CRITICAL_PAYLOAD"},
	{4, "INVALID_IKE_SPI"},
	{5, "INVALID_MAJOR_VERSION"},
	{7, "INVALID_SYNTAX"},
	{9, "INVALID_MESSAGE_ID"},
	{11, "INVALID_SPI"},
	{14, "NO_PROPOSAL_CHOSEN"},
	{17, "INVALID_KE_PAYLOAD"},
	{24, "AUTHENTICATION_FAILED"},
	{34, "SINGLE_PAIR_REQUIRED"},
	{35, "NO_ADDITIONAL_SAS"},
	{36, "INTERNAL_ADDRESS_FAILURE"},
	{37, "FAILED_CP_REQUIRED"},
	{38, "TS_UNACCEPTABLE"},
	{39, "INVALID_SELECTORS"},
	{40, "UNACCEPTABLE_ADDRESSES"},
	{41, "UNEXPECTED_NAT_DETECTED"},
	{42, "USE_ASSIGNED_HoA"},
	{43, "TEMPORARY_FAILURE"},
	{44, "CHILD_SA_NOT_FOUND"},
	{45, "INVALID_GROUP_ID"},
	{46, "AUTHORIZATION_FAILED"},
	{47, "STATE_NOT_FOUND"},
	{16384, "INITIAL_CONTACT"},
	{16385, "SET_WINDOW_SIZE"},
	{16386, "ADDITIONAL_TS_POSSIBLE"},
	{16387, "IPCOMP_SUPPORTED"},
	{16388, "NAT_DETECTION_SOURCE_IP"},
	{16389, "NAT_DETECTION_DESTINATION_IP"},
	{16390, "COOKIE"},
	{16391, "USE_TRANSPORT_MODE"},
	{16392, "HTTP_CERT_LOOKUP_SUPPORTED"},
	{16393, "REKEY_SA"},
	{16394, "ESP_TFC_PADDING_NOT_SUPPORTED"},
	{16395, "NON_FIRST_FRAGMENTS_ALSO"},
	{16396, "MOBIKE_SUPPORTED"},
	{16397, "ADDITIONAL_IP4_ADDRESS"},
	{16398, "ADDITIONAL_IP6_ADDRESS"},
	{16399, "NO_ADDITIONAL_ADDRESSES"},
	{16400, "UPDATE_SA_ADDRESSES"},
	{16401, "COOKIE2"},
	{16402, "NO_NATS_ALLOWED"},
	{16403, "AUTH_LIFETIME"},
	{16404, "MULTIPLE_AUTH_SUPPORTED"},
	{16405, "ANOTHER_AUTH_FOLLOWS"},
	{16406, "REDIRECT_SUPPORTED"},
	{16407, "REDIRECT"},
	{16408, "REDIRECTED_FROM"},
	{16409, "TICKET_LT_OPAQUE"},
	{16410, "TICKET_REQUEST"},
	{16411, "TICKET_ACK"},
	{16412, "TICKET_NACK"},
	{16413, "TICKET_OPAQUE"},
	{16414, "LINK_ID"},
	{16415, "USE_WESP_MODE"},
	{16416, "ROHC_SUPPORTED"},
	{16417, "EAP_ONLY_AUTHENTICATION"},
	{16418, "CHILDLESS_IKEV2_SUPPORTED"},
	{16419, "QUICK_CRASH_DETECTION"},
	{16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED"},
	{16421, "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED"},
	{16422, "IKEV2_MESSAGE_ID_SYNC"},
	{16423, "IPSEC_REPLAY_COUNTER_SYNC"},
	{16424, "SECURE_PASSWORD_METHODS"},
	{16425, "PSK_PERSIST"},
	{16426, "PSK_CONFIRM"},
	{16427, "ERX_SUPPORTED"},
	{16428, "IFOM_CAPABILITY"},
	{16429, "SENDER_REQUEST_ID"},
	{16430, "IKEV2_FRAGMENTATION_SUPPORTED"},
	{16431, "SIGNATURE_HASH_ALGORITHMS"},
	{16432, "CLONE_IKE_SA_SUPPORTED"},
	{16433, "CLONE_IKE_SA"},
	{16434, "PUZZLE"},
	{16435, "USE_PPK"},
	{16436, "PPK_IDENTITY"},
	{16437, "NO_PPK_AUTH"},
	{16438, "INTERMEDIATE_EXCHANGE_SUPPORTED"},
	{16439, "IP4_ALLOWED"},
	{16440, "IP6_ALLOWED"},
	{16441, "ADDITIONAL_KEY_EXCHANGE"},
	{16442, "USE_AGGFRAG"},
};

/* ISAKMP notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706). */
static const struct name v1_notify[] = {
	{1, "INVALID-PAYLOAD-TYPE"},
	{2, "DOI-NOT-SUPPORTED"},
	{3, "SITUATION-NOT-SUPPORTED"},
	{4, "INVALID-COOKIE"},
	{5, "INVALID-MAJOR-VERSION"},
	{6, "INVALID-MINOR-VERSION"},
	{7, "INVALID-EXCHANGE-TYPE"},
	{8, "INVALID-FLAGS"},
	{9, "INVALID-MESSAGE-ID"},
	{10, "INVALID-PROTOCOL-ID"},
	{11, "INVALID-SPI"},
	{12, "INVALID-TRANSFORM-ID"},
	{13, "ATTRIBUTES-NOT-SUPPORTED"},
	{14, "NO-PROPOSAL-CHOSEN"},
	{15, "BAD-PROPOSAL-SYNTAX"},
	{16, "PAYLOAD-MALFORMED"},
	{17, "INVALID-KEY-INFORMATION"},
	{18, "INVALID-ID-INFORMATION"},
	{19, "INVALID-CERT-ENCODING"},
	{20, "INVALID-CERTIFICATE"},
	{21, "CERT-TYPE-UNSUPPORTED"},
	{22, "INVALID-CERT-AUTHORITY"},
	{23, "INVALID-HASH-INFORMATION"},
	{24, "AUTHENTICATION-FAILED"},
	{25, "INVALID-SIGNATURE"},
	{26, "ADDRESS-NOTIFICATION"},
	{27, "NOTIFY-SA-LIFETIME"},
	{28, "CERTIFICATE-UNAVAILABLE"},
	{29, "UNSUPPORTED-EXCHANGE-TYPE"},
	{30, "UNEQUAL-PAYLOAD-LENGTHS"},
	{16384, "CONNECTED"},
	{24576, "RESPONDER-LIFETIME"},
	{24577, "REPLAY-STATUS"},
	{24578, "INITIAL-CONTACT"},
	{36136, "R-U-THERE"},
	{36137, "R-U-THERE-ACK"},
};

const char *ike_notify_name(bool v2, uint16_t type)
{
	return v2 ? LOOKUP(v2_notify, type) : LOOKUP(v1_notify, type);
}

const char *ike_notify_str(bool v2, uint16_t type, char *buf, size_t len)
{
	const char *s = ike_notify_name(v2, type);
	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "notify %u", type);
	return buf;
}

static const struct name v2_encr[] = {
	{1, "DES_IV64"},     {2, "DES"},          {3, "3DES"},          {4, "RC5"},
	{5, "IDEA"},         {6, "CAST"},         {7, "BLOWFISH"},      {8, "3IDEA"},
	{9, "DES_IV32"},     {11, "NULL"},        {12, "AES_CBC"},      {13, "AES_CTR"},
	{14, "AES_CCM_8"},   {15, "AES_CCM_12"},  {16, "AES_CCM_16"},   {18, "AES_GCM_8"},
	{19, "AES_GCM_12"},  {20, "AES_GCM_16"},  {21, "NULL_AUTH_AES_GMAC"}, {23, "CAMELLIA_CBC"},
	{24, "CAMELLIA_CTR"}, {25, "CAMELLIA_CCM_8"}, {26, "CAMELLIA_CCM_12"}, {27, "CAMELLIA_CCM_16"},
	{28, "CHACHA20_POLY1305"},
};
static const struct name v2_prf[] = {
	{1, "PRF_HMAC_MD5"},      {2, "PRF_HMAC_SHA1"},     {3, "PRF_HMAC_TIGER"},
	{4, "PRF_AES128_XCBC"},   {5, "PRF_HMAC_SHA2_256"}, {6, "PRF_HMAC_SHA2_384"},
	{7, "PRF_HMAC_SHA2_512"}, {8, "PRF_AES128_CMAC"},
};
static const struct name v2_integ[] = {
	{1, "HMAC_MD5_96"},        {2, "HMAC_SHA1_96"},       {3, "DES_MAC"},
	{4, "KPDK_MD5"},           {5, "AES_XCBC_96"},        {6, "HMAC_MD5_128"},
	{7, "HMAC_SHA1_160"},      {8, "AES_CMAC_96"},        {9, "AES_128_GMAC"},
	{10, "AES_192_GMAC"},      {11, "AES_256_GMAC"},      {12, "HMAC_SHA2_256_128"},
	{13, "HMAC_SHA2_384_192"}, {14, "HMAC_SHA2_512_256"},
};
static const struct name dh_groups[] = {
	{1, "MODP_768"},       {2, "MODP_1024"},      {5, "MODP_1536"},      {14, "MODP_2048"},
	{15, "MODP_3072"},     {16, "MODP_4096"},     {17, "MODP_6144"},     {18, "MODP_8192"},
	{19, "ECP_256"},       {20, "ECP_384"},       {21, "ECP_521"},       {22, "MODP_1024_160"},
	{23, "MODP_2048_224"}, {24, "MODP_2048_256"}, {25, "ECP_192"},       {26, "ECP_224"},
	{27, "ECP_224_BP"},    {28, "ECP_256_BP"},    {29, "ECP_384_BP"},    {30, "ECP_512_BP"},
	{31, "CURVE_25519"},   {32, "CURVE_448"},     {35, "ML_KEM_512"},    {36, "ML_KEM_768"},
	{37, "ML_KEM_1024"},
};

const char *ike_dh_name(uint16_t group)
{
	if (group == 0)
		return "NONE";
	return LOOKUP(dh_groups, group);
}

const char *ikev2_transform_name(uint8_t ttype, uint16_t id)
{
	switch (ttype) {
	case IKEV2_TT_ENCR: return LOOKUP(v2_encr, id);
	case IKEV2_TT_PRF: return LOOKUP(v2_prf, id);
	case IKEV2_TT_INTEG: return id == 0 ? "NONE" : LOOKUP(v2_integ, id);
	case IKEV2_TT_DH: return ike_dh_name(id);
	case IKEV2_TT_ESN: return id == 0 ? "NO_ESN" : id == 1 ? "ESN" : NULL;
	default: return NULL;
	}
}

static const struct name v1_enc[] = {
	{1, "DES_CBC"}, {2, "IDEA_CBC"}, {3, "BLOWFISH_CBC"}, {4, "RC5_CBC"},
	{5, "3DES_CBC"}, {6, "CAST_CBC"}, {7, "AES_CBC"},     {8, "CAMELLIA_CBC"},
};
static const struct name v1_hash[] = {
	{1, "MD5"}, {2, "SHA1"}, {3, "TIGER"}, {4, "SHA2_256"}, {5, "SHA2_384"}, {6, "SHA2_512"},
};
static const struct name v1_auth[] = {
	{1, "PSK"},
	{2, "DSS_SIG"},
	{3, "RSA_SIG"},
	{4, "RSA_ENC"},
	{5, "RSA_ENC_REV"},
	{9, "ECDSA_SIG"},
	{64221, "HYBRID_INIT_RSA"},
	{64222, "HYBRID_RESP_RSA"},
	{64223, "HYBRID_INIT_DSS"},
	{64224, "HYBRID_RESP_DSS"},
	{65001, "XAUTH_INIT_PSK"},
	{65002, "XAUTH_RESP_PSK"},
	{65003, "XAUTH_INIT_DSS"},
	{65004, "XAUTH_RESP_DSS"},
	{65005, "XAUTH_INIT_RSA"},
	{65006, "XAUTH_RESP_RSA"},
	{65007, "XAUTH_INIT_RSA_ENC"},
	{65008, "XAUTH_RESP_RSA_ENC"},
	{65009, "XAUTH_INIT_RSA_ENC_REV"},
	{65010, "XAUTH_RESP_RSA_ENC_REV"},
};
static const struct name v1_esp[] = {
	{1, "DES_IV64"},   {2, "DES"},        {3, "3DES"},       {4, "RC5"},        {5, "IDEA"},
	{6, "CAST"},       {7, "BLOWFISH"},   {8, "3IDEA"},      {9, "DES_IV32"},   {10, "RC4"},
	{11, "NULL"},      {12, "AES_CBC"},   {13, "AES_CTR"},   {14, "AES_CCM_8"}, {15, "AES_CCM_12"},
	{16, "AES_CCM_16"}, {18, "AES_GCM_8"}, {19, "AES_GCM_12"}, {20, "AES_GCM_16"}, {21, "NULL_AUTH_AES_GMAC"},
	{22, "CAMELLIA_CBC"},
};
static const struct name v1_ipsec_auth[] = {
	{1, "HMAC_MD5_96"},        {2, "HMAC_SHA1_96"},       {3, "DES_MAC"},          {4, "KPDK"},
	{5, "HMAC_SHA2_256_128"},  {6, "HMAC_SHA2_384_192"},  {7, "HMAC_SHA2_512_256"}, {8, "HMAC_RIPEMD"},
	{9, "AES_XCBC_96"},        {10, "SIG_RSA"},           {11, "AES_128_GMAC"},     {12, "AES_192_GMAC"},
	{13, "AES_256_GMAC"},
};
static const struct name v1_encap[] = {
	{1, "TUNNEL"},           {2, "TRANSPORT"},          {3, "UDP_TUNNEL"},
	{4, "UDP_TRANSPORT"},    {61443, "UDP_TUNNEL(draft)"}, {61444, "UDP_TRANSPORT(draft)"},
};

const char *ikev1_enc_name(uint16_t id) { return LOOKUP(v1_enc, id); }
const char *ikev1_hash_name(uint16_t id) { return LOOKUP(v1_hash, id); }
const char *ikev1_auth_name(uint16_t id) { return LOOKUP(v1_auth, id); }
const char *ikev1_esp_name(uint16_t id) { return LOOKUP(v1_esp, id); }
const char *ikev1_ipsec_auth_name(uint16_t id) { return LOOKUP(v1_ipsec_auth, id); }
const char *ikev1_encap_name(uint16_t id) { return LOOKUP(v1_encap, id); }

const char *ike_proto_name(uint8_t proto)
{
	switch (proto) {
	case IKE_PROTO_IKE: return "IKE";
	case IKE_PROTO_AH: return "AH";
	case IKE_PROTO_ESP: return "ESP";
	case IKE_PROTO_IPCOMP: return "IPCOMP";
	default: return "proto?";
	}
}

/* Vendor ids: most are the MD5 of a text; some carry version bytes after
 * a fixed prefix, so entries match on `cmp` leading bytes. */
struct vendor {
	uint8_t cmp; /* bytes compared; ids longer than 16 only when `prefix` */
	uint8_t b[16];
	const char *name;
	bool natt;
};

static const struct vendor vendors[] = {
	{16, {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f},
	 "RFC 3947 NAT-T", true},
	{16, {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f},
	 "NAT-T draft 02n", true},
	{16, {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48},
	 "NAT-T draft 02", true},
	{16, {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56},
	 "NAT-T draft 03", true},
	{16, {0x44, 0x85, 0x15, 0x2d, 0x18, 0xb6, 0xbb, 0xcd, 0x0b, 0xe8, 0xa8, 0x46, 0x95, 0x79, 0xdd, 0xcc},
	 "NAT-T draft 00", true},
	{16, {0x16, 0xf6, 0xca, 0x16, 0xe4, 0xa4, 0x06, 0x6d, 0x83, 0x82, 0x1a, 0x0f, 0x0a, 0xea, 0xa8, 0x62},
	 "NAT-T draft 01", true},
	{16, {0x99, 0x09, 0xb6, 0x4e, 0xed, 0x93, 0x7c, 0x65, 0x73, 0xde, 0x52, 0xac, 0xe9, 0x52, 0xfa, 0x6b},
	 "NAT-T draft 04", true},
	{16, {0x80, 0xd0, 0xbb, 0x3d, 0xef, 0x54, 0x56, 0x5e, 0xe8, 0x46, 0x45, 0xd4, 0xc8, 0x5c, 0xe3, 0xee},
	 "NAT-T draft 05", true},
	{16, {0x4d, 0xf3, 0x79, 0x28, 0xe9, 0xfc, 0x4f, 0xd1, 0xb3, 0x26, 0x21, 0x70, 0xd5, 0x15, 0xc6, 0x62},
	 "NAT-T draft", true},
	{16, {0x4d, 0x1e, 0x0e, 0x13, 0x6d, 0xea, 0xfa, 0x34, 0xc4, 0xf3, 0xea, 0x9f, 0x02, 0xec, 0x72, 0x85},
	 "NAT-T draft 06", true},
	{16, {0x43, 0x9b, 0x59, 0xf8, 0xba, 0x67, 0x6c, 0x4c, 0x77, 0x37, 0xae, 0x22, 0xea, 0xb8, 0xf5, 0x82},
	 "NAT-T draft 07", true},
	{16, {0x8f, 0x8d, 0x83, 0x82, 0x6d, 0x24, 0x6b, 0x6f, 0xc7, 0xa8, 0xa6, 0xa4, 0x28, 0xc1, 0x1d, 0xe8},
	 "NAT-T draft 08", true},
	{16, {0x42, 0xea, 0x5b, 0x6f, 0x89, 0x8d, 0x97, 0x73, 0xa5, 0x75, 0xdf, 0x26, 0xe7, 0xdd, 0x19, 0xe1},
	 "NAT-T draft 09", true},
	{16, {0x27, 0xba, 0xb5, 0xdc, 0x01, 0xea, 0x07, 0x60, 0xea, 0x4e, 0x31, 0x90, 0xac, 0x27, 0xc0, 0xd0},
	 "NAT-T stenberg 01", true},
	{16, {0x61, 0x05, 0xc4, 0x22, 0xe7, 0x68, 0x47, 0xe4, 0x3f, 0x96, 0x84, 0x80, 0x12, 0x92, 0xae, 0xcd},
	 "NAT-T stenberg 02", true},
	{16, {0x6a, 0x74, 0x34, 0xc1, 0x9d, 0x7e, 0x36, 0x34, 0x80, 0x90, 0xa0, 0x23, 0x34, 0xc9, 0xc8, 0x05},
	 "ESP-in-UDP huttunen 00", true},
	{16, {0x58, 0xb3, 0x5b, 0x47, 0xd8, 0x2e, 0xe8, 0x49, 0x54, 0xcb, 0x62, 0xca, 0x82, 0xe1, 0xdf, 0xdd},
	 "ESP-in-UDP huttunen 01", true},
	{14, {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57}, "DPD (RFC 3706)",
	 false},
	{8, {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12}, "XAUTH", false},
	{14, {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc}, "Cisco Unity", false},
	{16, {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3},
	 "IKE fragmentation", false},
	{16, {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc, 0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb},
	 "strongSwan", false},
	{16, {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61},
	 "Microsoft Windows", false},
	{16, {0xfb, 0x1d, 0xe3, 0xcd, 0xf3, 0x41, 0xb7, 0xea, 0x16, 0xb7, 0xe5, 0xbe, 0x08, 0x55, 0xf1, 0x20},
	 "MS-Negotiation Discovery Capable", false},
	{16, {0x26, 0x24, 0x4d, 0x38, 0xed, 0xdb, 0x61, 0xb3, 0x17, 0x2a, 0x36, 0xe3, 0xd0, 0xcf, 0xb8, 0x19},
	 "Vid-Initial-Contact", false},
	{16, {0xe3, 0xa5, 0x96, 0x6a, 0x76, 0x37, 0x9f, 0xe7, 0x07, 0x22, 0x82, 0x31, 0xe5, 0xce, 0x86, 0x52},
	 "IKE CGA version 1", false},
	{16, {0x70, 0x03, 0xcb, 0xc1, 0x09, 0x7d, 0xbe, 0x9c, 0x26, 0x00, 0xba, 0x69, 0x83, 0xbc, 0x8b, 0x35},
	 "KAME/racoon", false},
};

static bool vendor_may_extend(const struct vendor *v)
{
	return v->b[0] == 0x1e || v->b[0] == 0x40;
}

static const struct vendor *vendor_find(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		const struct vendor *v = &vendors[i];
		if (len < v->cmp)
			continue;
		/* Ids of 16 bytes must match whole; a few (Windows, the
		 * fragmentation id) append version or flag bytes. */
		if (v->cmp == 16 && len != 16 && !vendor_may_extend(v))
			continue;
		if (memcmp(b, v->b, v->cmp) == 0)
			return v;
	}
	return NULL;
}

const char *ike_vendor_name(const uint8_t *b, size_t len)
{
	const struct vendor *v = vendor_find(b, len);
	if (v)
		return v->name;
	/* Libreswan/Openswan ids start with "OE" and are printable. */
	if (len >= 4 && b[0] == 'O' && b[1] == 'E')
		return "Libreswan/Openswan";
	return NULL;
}

const char *ike_vendor_str(const uint8_t *b, size_t len, size_t wire_len, char *buf, size_t buflen)
{
	const char *n = ike_vendor_name(b, len);
	if (n) {
		snprintf(buf, buflen, "%s", n);
		return buf;
	}
	bool text = len >= 4;
	for (size_t i = 0; i < len && text; i++)
		text = b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"';
	if (text) {
		snprintf(buf, buflen, "\"%.*s%s\"", (int)len, (const char *)b, wire_len > len ? "..." : "");
		return buf;
	}
	size_t at = (size_t)snprintf(buf, buflen, "unknown ");
	for (size_t i = 0; i < len && i < 8 && at + 3 <= buflen; i++)
		at += (size_t)snprintf(buf + at, buflen - at, "%02x", b[i]);
	return buf;
}

bool ike_vendor_is_natt(const uint8_t *b, size_t len)
{
	const struct vendor *v = vendor_find(b, len);
	return v && v->natt;
}

/* ------------------------------------------------------------------ */
/* Proposal rendering */

struct sbuf {
	char *b;
	size_t len, n;
};

/* Append a string, as much as fits; n counts what was asked for, and is
 * len once anything was cut (so sb_clipped tells). The same as
 * snprintf(b + n, len - n, "%s", str) with its clipping, without the
 * format parsing: proposals are rendered for every IKE message. */
static void sb_str(struct sbuf *s, const char *str)
{
	if (s->len == 0)
		return;
	if (s->n >= s->len - 1) {
		s->n = s->len; /* mark clipped */
		return;
	}
	size_t w = strlen(str), room = s->len - s->n - 1;
	memcpy(s->b + s->n, str, w < room ? w : room);
	s->b[s->n + (w < room ? w : room)] = 0;
	s->n += w;
	if (s->n >= s->len)
		s->n = s->len;
}

static void sb_num(struct sbuf *s, unsigned v)
{
	char d[12];
	size_t i = sizeof d;
	d[--i] = 0;
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i);
	sb_str(s, d + i);
}

static bool sb_clipped(const struct sbuf *s)
{
	return s->len && s->n >= s->len;
}

static void sb_name(struct sbuf *s, const char *name, const char *kind, unsigned num)
{
	if (name)
		sb_str(s, name);
	else
		sb_str(s, kind), sb_num(s, num);
}

size_t ike_format_v2_prop(const struct ike_prop *p, char *buf, size_t len)
{
	struct sbuf s = {buf, len, 0};
	if (len)
		buf[0] = 0;
	/* Order: ENCR, INTEG, PRF, DH, ESN, as people write suites. */
	static const uint8_t order[] = {IKEV2_TT_ENCR, IKEV2_TT_INTEG, IKEV2_TT_PRF, IKEV2_TT_DH, IKEV2_TT_ESN};
	bool first = true;
	for (size_t o = 0; o < sizeof(order); o++) {
		for (unsigned i = 0; i < p->nx; i++) {
			const struct ike_xform *x = &p->x[i];
			if (x->type != order[o])
				continue;
			/* ESP proposals say NO_ESN by default: not worth the room. */
			if (x->type == IKEV2_TT_ESN && x->id == 0)
				continue;
			if (!first)
				sb_str(&s, "/");
			first = false;
			sb_name(&s, ikev2_transform_name(x->type, x->id), x->type == IKEV2_TT_DH ? "group" : "id", x->id);
			if (x->type == IKEV2_TT_ENCR && x->keylen)
				sb_str(&s, "_"), sb_num(&s, x->keylen);
		}
	}
	/* Transforms of unknown types still show. */
	for (unsigned i = 0; i < p->nx; i++) {
		const struct ike_xform *x = &p->x[i];
		if (x->type >= 1 && x->type <= 5)
			continue;
		if (!first)
			sb_str(&s, "/");
		first = false;
		sb_str(&s, "type"), sb_num(&s, x->type), sb_str(&s, ":"), sb_num(&s, x->id);
	}
	if (len && s.n >= len)
		s.n = len - 1;
	return s.n;
}

size_t ike_format_v1_xform(const struct ike_prop *p, const struct ike_xform *x, char *buf, size_t len)
{
	struct sbuf s = {buf, len, 0};
	if (len)
		buf[0] = 0;
	if (p->proto == IKE_PROTO_IKE) {
		sb_name(&s, ikev1_enc_name(x->v1_enc), "enc", x->v1_enc);
		if (x->keylen)
			sb_str(&s, "_"), sb_num(&s, x->keylen);
		sb_str(&s, "/");
		sb_name(&s, ikev1_hash_name(x->v1_hash), "hash", x->v1_hash);
		sb_str(&s, "/");
		sb_name(&s, ike_dh_name(x->v1_group), "group", x->v1_group);
		sb_str(&s, "/");
		sb_name(&s, ikev1_auth_name(x->v1_auth), "auth", x->v1_auth);
	} else {
		if (p->proto == IKE_PROTO_ESP) {
			sb_name(&s, ikev1_esp_name(x->id), "esp", x->id);
			if (x->keylen)
				sb_str(&s, "_"), sb_num(&s, x->keylen);
		} else {
			sb_str(&s, ike_proto_name(p->proto)), sb_num(&s, x->id);
		}
		if (x->v1_integ) {
			sb_str(&s, "/");
			sb_name(&s, ikev1_ipsec_auth_name(x->v1_integ), "auth", x->v1_integ);
		}
		if (x->v1_group) {
			sb_str(&s, "/PFS ");
			sb_name(&s, ike_dh_name(x->v1_group), "group", x->v1_group);
		}
		if (x->v1_encap) {
			sb_str(&s, "/");
			sb_name(&s, ikev1_encap_name(x->v1_encap), "encap", x->v1_encap);
		}
	}
	if (x->v1_life_secs)
		sb_str(&s, "/"), sb_num(&s, x->v1_life_secs), sb_str(&s, "s");
	if (len && s.n >= len)
		s.n = len - 1;
	return s.n;
}

size_t ike_format_sa(bool v2, const struct ike_sa_pl *sa, char *buf, size_t len)
{
	struct sbuf s = {buf, len, 0};
	char one[200];
	if (len)
		buf[0] = 0;
	bool first = true;
	for (unsigned i = 0; i < sa->nprops; i++) {
		const struct ike_prop *p = &sa->p[i];
		if (v2) {
			ike_format_v2_prop(p, one, sizeof(one));
			sb_str(&s, first ? "" : ", "), sb_str(&s, ike_proto_name(p->proto)), sb_str(&s, ":"), sb_str(&s, one);
			first = false;
		} else {
			for (unsigned j = 0; j < p->nx; j++) {
				ike_format_v1_xform(p, &p->x[j], one, sizeof(one));
				sb_str(&s, first ? "" : ", "), sb_str(&s, ike_proto_name(p->proto)), sb_str(&s, ":"), sb_str(&s, one);
				first = false;
			}
		}
	}
	if (sa->more || sb_clipped(&s)) {
		/* Leave room for the ellipsis. */
		if (len > 4) {
			size_t at = s.n < len - 4 ? s.n : len - 4;
			memcpy(buf + at, "...", 4);
			s.n = at + 3;
		}
	}
	if (len && s.n >= len)
		s.n = len - 1;
	return s.n;
}
