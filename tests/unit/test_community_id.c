/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_community_id.c - ui/community-id.c against values computed by an
 * independent implementation: tshark 4.0's communityid post-dissector
 * (`tshark --enable-protocol communityid -T fields -e communityid`) on
 * bundled captures and on public captures of ../shared/corpus/external.
 * Each case names the capture and frame the value came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "ui/community-id.h"

static struct addr ip(const char *s)
{
	struct addr a = { 0 };
	if (inet_pton(AF_INET, s, a.b) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		a.family = 6;
	return a;
}

/* Hash both directions: the id must be the same and equal to want. */
static void check(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		  const char *want)
{
	struct addr s = ip(src), d = ip(dst);
	char out[COMMUNITY_ID_LEN] = "";
	assert_true(community_id_v1(0, proto, &s, sport, &d, dport, out));
	assert_string_equal(out, want);
}

static void test_tcp(void **state)
{
	(void)state;
	/* pcaps/ssh/ssh-ok.pcap frames 1 and 2 */
	check(6, "192.0.2.10", 58864, "198.51.100.20", 22, "1:/CTmmsnDfP3wMvbQGrchBmJS6U4=");
	check(6, "198.51.100.20", 22, "192.0.2.10", 58864, "1:/CTmmsnDfP3wMvbQGrchBmJS6U4=");
}

static void test_tcp_ipv6(void **state)
{
	(void)state;
	/* pcaps/ssh/ssh-ipv6-ok.pcap frames 1 and 2 */
	check(6, "2001:db8:1::10", 60588, "2001:db8:2::20", 22, "1:nJpJ26sGG/uK73557sew8NhXwLQ=");
	check(6, "2001:db8:2::20", 22, "2001:db8:1::10", 60588, "1:nJpJ26sGG/uK73557sew8NhXwLQ=");
}

static void test_udp(void **state)
{
	(void)state;
	/* pcaps/ike/ike-ok.pcap frame 3 (UDP 500) and the UDP 4500 flow */
	check(17, "192.0.2.1", 500, "198.51.100.1", 500, "1:v1NFalxrtHREdPnR3ZQS2WZmUNo=");
	check(17, "198.51.100.1", 500, "192.0.2.1", 500, "1:v1NFalxrtHREdPnR3ZQS2WZmUNo=");
	check(17, "192.0.2.1", 4500, "198.51.100.1", 4500, "1:blklcIkHSTjamtAGYdlYUobIMM0=");
}

static void test_esp(void **state)
{
	(void)state;
	/* pcaps/ike-crafted/esp-missing-plain.pcap, IP protocol 50: no ports */
	check(50, "192.0.2.10", 0, "198.51.100.20", 0, "1:NL72G7234zjaPu13D+HRTTC3SMk=");
	check(50, "198.51.100.20", 0, "192.0.2.10", 0, "1:NL72G7234zjaPu13D+HRTTC3SMk=");
}

static void test_icmp(void **state)
{
	(void)state;
	/* echo request (type 8, code 0), external corpus; the reply (type 0)
	 * from the other side hashes to the same id */
	check(1, "10.0.0.1", 8, "10.0.0.2", 0, "1:YcMyyWJfhc95EW1GfXt6jlZ3DiQ=");
	check(1, "10.0.0.2", 0, "10.0.0.1", 0, "1:YcMyyWJfhc95EW1GfXt6jlZ3DiQ=");
	check(1, "192.168.123.2", 8, "192.168.123.1", 0, "1:nU7cavN/v0EVPN9CZ2pFffoEerE=");
	/* port unreachable (type 3, code 3) has no counterpart: one-way, the
	 * sender stays first (pcaps/ike-crafted/ike-icmp-port-unreachable.pcap frame 2) */
	check(1, "198.51.100.20", 3, "192.0.2.10", 3, "1:pNdioqnw3kZcYslTyXkUuOXc4gU=");
}

static void test_icmp6(void **state)
{
	(void)state;
	/* ICMPv6 echo request (128), external corpus (KAME addresses) */
	check(58, "3ffe:507:0:1:200:86ff:fe05:80da", 128, "3ffe:501:0:1001::2", 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=");
}

static void test_refuses_mixed_families(void **state)
{
	(void)state;
	struct addr a = ip("192.0.2.1"), b = ip("2001:db8::1"), none = { 0 };
	char out[COMMUNITY_ID_LEN] = "unchanged";
	assert_false(community_id_v1(0, 6, &a, 1, &b, 2, out));
	assert_false(community_id_v1(0, 6, &none, 1, &none, 2, out));
	assert_string_equal(out, "unchanged");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_esp),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_icmp6),
		cmocka_unit_test(test_refuses_mixed_families),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
