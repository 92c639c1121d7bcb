/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ike_store.c - ike-text.c: the shared, counted copies of the IKE
 * SAs' texts, the blocks of their message logs and their IKEv1 and pf
 * side records read back what was put in, are shared and given back as counted, and
 * keep the room limits of the fixed arrays they replaced; the texts' hash
 * buckets grow with the texts and still find every one. */
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
	assert_int_equal(ike_log_slot(&a, 0).frame, 100);
	assert_int_equal(ike_log_slot(&a, LOG_HEAD - 1).frame, 100 + LOG_HEAD - 1);
	assert_true(ike_log_slot(&a, 1).retrans);
	assert_false(ike_log_slot(&a, 2).retrans);
	/* message 29 went to ring slot (29 - LOG_HEAD) % LOG_TAIL */
	assert_int_equal(ike_log_slot(&a, LOG_HEAD + (29 - LOG_HEAD) % LOG_TAIL).msgid, 29);
	ike_store_release(&a);
	assert_int_equal(ike_tab.log_blocks, 0);
	struct ike_sa b;
	memset(&b, 0, sizeof b);
	struct mrec r = { .frame = 7 };
	ike_log_msg(&b, &r);
	assert_int_equal(ike_tab.log_blocks, 1); /* one message, one block */
	ike_store_release(&b);
}

/* The log keeps a record packed (24 bytes) and gives back every field as
 * it was: times far before 1970 and far after now, to the microsecond,
 * the largest frame and message id, every flag and both senders. */
static void test_log_record_packed_exactly(void **state)
{
	(void)state;
	const ts_usec times[] = { 0, 1, -1, 1700000000123456ll, -2147483648ll * 1000000 - 999999,
				  4294967295ll * 1000000 + 999999, (1ll << 55) - 1, -(1ll << 55) };
	for (unsigned k = 0; k < sizeof times / sizeof times[0]; k++) {
		struct ike_sa a;
		memset(&a, 0, sizeof a);
		struct mrec w;
		memset(&w, 0, sizeof w);
		w.ts = times[k];
		w.frame = k & 1 ? UINT32_MAX : 12345;
		w.msgid = k & 1 ? UINT32_MAX : k;
		w.len = (uint16_t)(k & 1 ? UINT16_MAX : 300 + k);
		w.note = (uint16_t)(k & 1 ? UINT16_MAX : 17);
		w.exch = (uint8_t)(k & 1 ? UINT8_MAX : 34);
		w.side = (uint8_t)(k & 1);
		w.v1pos = (uint8_t)(k & 1 ? 6 : 0);
		w.skf_num = (uint8_t)(k & 1 ? UINT8_MAX : 1);
		w.skf_total = (uint8_t)(k & 1 ? UINT8_MAX : 2);
		w.response = k & 1, w.retrans = !(k & 1), w.natt = k & 2, w.frag = !(k & 2), w.enc = k & 4,
		w.dpd_like = !(k & 4);
		ike_log_msg(&a, &w);
		struct mrec r = ike_log_slot(&a, 0);
		assert_true(r.ts == w.ts);
		assert_int_equal(r.frame, w.frame);
		assert_int_equal(r.msgid, w.msgid);
		assert_int_equal(r.len, w.len);
		assert_int_equal(r.note, w.note);
		assert_int_equal(r.exch, w.exch);
		assert_int_equal(r.side, w.side);
		assert_int_equal(r.v1pos, w.v1pos);
		assert_int_equal(r.skf_num, w.skf_num);
		assert_int_equal(r.skf_total, w.skf_total);
		assert_int_equal(r.response, w.response);
		assert_int_equal(r.retrans, w.retrans);
		assert_int_equal(r.natt, w.natt);
		assert_int_equal(r.frag, w.frag);
		assert_int_equal(r.enc, w.enc);
		assert_int_equal(r.dpd_like, w.dpd_like);
		ike_store_release(&a);
	}
}

/* More distinct texts than the first buckets hold: the buckets grow (the
 * texts chained again), and every text is still found, shared, and given
 * back. */
static void test_texts_many(void **state)
{
	(void)state;
	enum { N = 20 }; /* 4 SAs x 5 texts: the store's whole room */
	struct ike_sa sa[4];
	memset(sa, 0, sizeof sa);
	uint32_t *slot[N];
	for (int i = 0; i < N; i++)
		slot[i] = i % 5 == 0 ? &sa[i / 5].offered : i % 5 == 1 ? &sa[i / 5].chosen : i % 5 == 2 ? &sa[i / 5].notifies
			: &sa[i / 5].vendors[i % 5 - 3];
	char t[40];
	for (int i = 0; i < N; i++) {
		snprintf(t, sizeof t, "TEXT_%02d", i);
		ike_text_set(slot[i], t);
	}
	assert_int_equal(ike_tab.texts, N);
	assert_int_equal(ike_tab.text_lost, 0);
	for (int i = 0; i < N; i++) {
		snprintf(t, sizeof t, "TEXT_%02d", i);
		assert_string_equal(ike_text(*slot[i]), t);
	}
	/* a second SA's copy of each is found again: shared, not stored twice */
	struct ike_sa other;
	memset(&other, 0, sizeof other);
	for (int i = 0; i < N; i++) {
		snprintf(t, sizeof t, "TEXT_%02d", i);
		ike_text_set(&other.offered, t);
		assert_int_equal(other.offered, *slot[i]);
		assert_int_equal(ike_tab.texts, N);
	}
	ike_text_set(&other.offered, "");
	for (int i = 0; i < 4; i++)
		ike_store_release(&sa[i]);
	assert_int_equal(ike_tab.texts, 0);
}

static void test_texts_grow_past_first_buckets(void **state)
{
	(void)state;
	/* a store for 64 SAs: 320 texts, more than the 64 first buckets */
	ike_store_init(64);
	struct ike_sa sa[64];
	memset(sa, 0, sizeof sa);
	char t[40];
	for (int i = 0; i < 64; i++)
		for (int k = 0; k < 2; k++) {
			snprintf(t, sizeof t, "SA_%02d_VENDOR_%d", i, k);
			ike_text_set(&sa[i].vendors[k], t);
		}
	assert_int_equal(ike_tab.texts, 128);
	for (int i = 0; i < 64; i++)
		for (int k = 0; k < 2; k++) {
			snprintf(t, sizeof t, "SA_%02d_VENDOR_%d", i, k);
			assert_string_equal(ike_text(sa[i].vendors[k]), t);
			uint32_t again = 0;
			ike_text_set(&again, t); /* found through the grown buckets */
			assert_int_equal(again, sa[i].vendors[k]);
			ike_text_set(&again, "");
		}
	assert_int_equal(ike_tab.texts, 128);
	for (int i = 0; i < 64; i++)
		ike_store_release(&sa[i]);
	assert_int_equal(ike_tab.texts, 0);
}

/* pf's fields live in a side record, taken on the first logged message,
 * overwritten by the next ones, given back with the SA. */
static void test_pf_side_record(void **state)
{
	(void)state;
	struct ike_sa a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	assert_false(ike_pf(&a)->present);
	struct pflog_meta m = { .present = true, .action = 1, .reason = 0, .dir = 1, .rulenr = 42, .subrulenr = 7 };
	snprintf(m.ifname, sizeof m.ifname, "igb0");
	snprintf(m.ruleset, sizeof m.ruleset, "anchor");
	ike_pf_set(&a, &m);
	assert_int_not_equal(a.pf, 0);
	assert_int_equal(ike_tab.pf_records, 1);
	m.rulenr = 43;
	snprintf(m.ifname, sizeof m.ifname, "igb1");
	ike_pf_set(&a, &m); /* the same record, the last message's fields */
	assert_int_equal(ike_tab.pf_records, 1);
	ike_pf_set(&b, &m);
	assert_int_equal(ike_tab.pf_records, 2);
	const struct pflog_meta *got = ike_pf(&a);
	assert_true(got->present);
	assert_int_equal(got->action, 1);
	assert_int_equal(got->dir, 1);
	assert_int_equal(got->rulenr, 43);
	assert_int_equal(got->subrulenr, 7);
	assert_string_equal(got->ifname, "igb1");
	assert_string_equal(got->ruleset, "anchor");
	ike_store_release(&a);
	assert_int_equal(a.pf, 0);
	assert_false(ike_pf(&a)->present);
	assert_int_equal(ike_tab.pf_records, 1);
	assert_int_equal(ike_pf(&b)->rulenr, 43);
	ike_store_release(&b);
	assert_int_equal(ike_tab.pf_records, 0);
	/* one record per SA: a store for 4 SAs serves SA after SA only if
	 * each gives its record back */
	for (int i = 0; i < 10; i++) {
		ike_pf_set(&a, &m);
		ike_store_release(&a);
	}
	assert_int_equal(ike_tab.pf_lost, 0);
}

/* An SA without an IKEv1 record reads zeroes; the record is taken once,
 * zeroed even when its slot held another SA's, and given back. */
static void test_v1_side_record(void **state)
{
	(void)state;
	struct ike_sa a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	assert_int_equal(ike_v1_of(&a)->qm_done, 0);
	assert_int_equal(ike_v1_of(&a)->mm_fp[0], 0);
	struct ike_v1 *v1 = ike_v1_take(&a);
	assert_non_null(v1);
	assert_int_not_equal(a.v1, 0);
	v1->mm_fp[0] = 0x1122334455667788ull;
	v1->qm_done = 3;
	v1->info_run[1] = 9;
	assert_ptr_equal(ike_v1_take(&a), v1); /* the same record */
	assert_int_equal(ike_v1_of(&a)->qm_done, 3);
	assert_int_equal(ike_tab.v1_records, 1);
	ike_store_release(&a);
	assert_int_equal(a.v1, 0);
	assert_int_equal(ike_tab.v1_records, 0);
	/* b gets the slot a gave back: it reads as new */
	const struct ike_v1 *w = ike_v1_take(&b);
	assert_non_null(w);
	assert_int_equal(w->mm_fp[0], 0);
	assert_int_equal(w->qm_done, 0);
	assert_int_equal(w->info_run[1], 0);
	ike_store_release(&b);
	/* one record per SA, given back each time */
	for (int i = 0; i < 10; i++) {
		assert_non_null(ike_v1_take(&a));
		ike_store_release(&a);
	}
	assert_int_equal(ike_tab.v1_lost, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_texts_shared_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_once_keeps_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_record_packed_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_texts_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_texts_grow_past_first_buckets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_side_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_side_record, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
