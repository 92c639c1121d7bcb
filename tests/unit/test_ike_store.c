/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ike_store.c - ike-text.c: the shared, counted copies of the IKE
 * SAs' texts and the blocks of their message logs read back what was put
 * in, are shared and given back as counted, and keep the room limits of
 * the fixed arrays they replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/ike-int.h"

static int setup(void **state)
{
	(void)state;
	memset(&ike_tab, 0, sizeof ike_tab);
	ike_store_init(4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_store_free();
	return 0;
}

static void test_texts_shared_and_counted(void **state)
{
	(void)state;
	struct ike_sa a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	ike_text_set(&a.offered, "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519");
	ike_text_set(&b.offered, "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519");
	assert_int_not_equal(a.offered, 0);
	assert_int_equal(a.offered, b.offered); /* one copy for both */
	assert_int_equal(ike_tab.texts, 1);
	ike_text_set(&b.chosen, "");
	assert_int_equal(b.chosen, 0); /* empty: no copy */
	assert_string_equal(ike_text(b.chosen), "");
	ike_store_release(&a);
	assert_int_equal(ike_tab.texts, 1); /* b still refers to it */
	assert_string_equal(ike_text(b.offered), "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519");
	ike_store_release(&b);
	assert_int_equal(ike_tab.texts, 0);
	assert_int_equal(ike_tab.text_lost, 0);
}

static void test_append_once_keeps_room(void **state)
{
	(void)state;
	struct ike_sa a;
	memset(&a, 0, sizeof a);
	ike_text_append_once(&a.notifies, IKE_TEXT_ROOM, "NAT_DETECTION_SOURCE_IP");
	ike_text_append_once(&a.notifies, IKE_TEXT_ROOM, "COOKIE");
	ike_text_append_once(&a.notifies, IKE_TEXT_ROOM, "NAT_DETECTION_SOURCE_IP");
	ike_text_append_once(&a.notifies, IKE_TEXT_ROOM, "");
	assert_string_equal(ike_text(a.notifies), "NAT_DETECTION_SOURCE_IP, COOKIE");
	assert_int_equal(ike_tab.texts, 1); /* the shorter text was given back */
	/* past the room, the text is cut where the fixed array cut it */
	char item[40];
	for (int i = 0; i < 10; i++) {
		snprintf(item, sizeof item, "ITEM_NUMBER_%02d_PADDING", i);
		ike_text_append_once(&a.notifies, IKE_TEXT_ROOM, item);
	}
	assert_int_equal(strlen(ike_text(a.notifies)), IKE_TEXT_ROOM - 1);
	ike_store_release(&a);
	assert_int_equal(ike_tab.texts, 0);
}

static void test_log_blocks(void **state)
{
	(void)state;
	struct ike_sa a;
	memset(&a, 0, sizeof a);
	for (uint32_t i = 0; i < 30; i++) {
		struct mrec r;
		memset(&r, 0, sizeof r);
		r.frame = 100 + i;
		r.msgid = i;
		r.retrans = i & 1;
		ike_log_msg(&a, &r);
	}
	assert_int_equal(a.nlog, 30);
	assert_int_equal(a.nhead, LOG_HEAD);
	assert_int_equal(ike_tab.log_blocks, LOG_SLOTS / IKE_LOG_BLOCK);
	/* the head holds the first messages, the ring the last ones */
	assert_int_equal(ike_log_slot(&a, 0)->frame, 100);
	assert_int_equal(ike_log_slot(&a, LOG_HEAD - 1)->frame, 100 + LOG_HEAD - 1);
	assert_true(ike_log_slot(&a, 1)->retrans);
	assert_false(ike_log_slot(&a, 2)->retrans);
	/* message 29 went to ring slot (29 - LOG_HEAD) % LOG_TAIL */
	assert_int_equal(ike_log_slot(&a, LOG_HEAD + (29 - LOG_HEAD) % LOG_TAIL)->msgid, 29);
	ike_store_release(&a);
	assert_int_equal(ike_tab.log_blocks, 0);
	struct ike_sa b;
	memset(&b, 0, sizeof b);
	struct mrec r = { .frame = 7 };
	ike_log_msg(&b, &r);
	assert_int_equal(ike_tab.log_blocks, 1); /* one message, one block */
	ike_store_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_texts_shared_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_once_keeps_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_blocks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
