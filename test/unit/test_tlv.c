/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict record parser (lib/tlv.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlv.h"

static void test_good_record(void **state)
{
	(void)state;
	const uint8_t rec[] = { 0x0A, 0x01, '1' };
	sscard_tlv t;
	assert_int_equal(sscard_tlv_parse_record(rec, sizeof(rec), 0x0A, 1, &t, NULL, 0), SSCARD_OK);
	assert_int_equal(t.tag, 0x0A);
	assert_int_equal(t.len, 1);
	assert_ptr_equal(t.value, rec + 2);
	/* an empty value is a record too (blank cards) */
	const uint8_t empty[] = { 0x09, 0x00 };
	assert_int_equal(sscard_tlv_parse_record(empty, 2, 0x09, 30, &t, NULL, 0), SSCARD_OK);
	assert_int_equal(t.len, 0);
}

typedef struct bad_case {
	uint8_t bytes[8];
	size_t len;
	uint8_t want;
	size_t max;
	const char *detail;
} bad_case;

static void test_bad_records_named(void **state)
{
	(void)state;
	static const bad_case bad[] = {
		{ { 0x07, 0x01, 'X' }, 3, 0x08, 18, "record 08: the card answered with tag 07" },
		{ { 0x0A, 0x02, '1', '2' }, 4, 0x0A, 1, "record 0A: length 2 exceeds the element's 1" },
		{ { 0x0D, 0x04, 0x19, 0x49 }, 4, 0x0D, 4, "record 0D: length 4 but only 2 value bytes (truncated)" },
		{ { 0x0A, 0x01, '1', 0x00 }, 4, 0x0A, 1, "record 0A: 1 bytes after the value" },
		{ { 0x0A }, 1, 0x0A, 1, "record 0A: 1 byte, a record needs tag and length" },
		{ { 0 }, 0, 0x0B, 1, "record 0B: 0 bytes" },
		{ { 0x0D, 0xFF, 1, 2, 3, 4 }, 6, 0x0D, 4, "record 0D: length 255" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sscard_tlv t = { 0 };
		char why[160] = "";
		assert_int_equal(sscard_tlv_parse_record(bad[i].bytes, bad[i].len, bad[i].want,
		                                         bad[i].max, &t, why, sizeof(why)),
		                 SSCARD_E_BAD_DATA);
		assert_non_null(strstr(why, bad[i].detail));
		assert_null(t.value); /* nothing handed out on error */
	}
	sscard_tlv t;
	assert_int_equal(sscard_tlv_parse_record(NULL, 3, 1, 1, &t, NULL, 0), SSCARD_E_INVALID_ARG);
}

static void test_walk_concatenated_records(void **state)
{
	(void)state;
	/* EF05 "all records": 02 '3', 03 "3.00", 07 "X00000019" */
	const uint8_t buf[] = { 0x02, 0x01, '3', 0x03, 0x04, '3', '.', '0', '0',
	                        0x07, 0x09, 'X', '0', '0', '0', '0', '0', '0', '1', '9',
	                        0x55, 0x00 /* unknown tag: walked over, not judged */ };
	size_t off = 0;
	sscard_tlv t;
	const uint8_t tags[] = { 0x02, 0x03, 0x07, 0x55 };
	for (size_t i = 0; i < sizeof(tags); i++) {
		assert_int_equal(sscard_tlv_next(buf, sizeof(buf), &off, &t, NULL, 0), SSCARD_OK);
		assert_int_equal(t.tag, tags[i]);
	}
	assert_int_equal(off, sizeof(buf));
	assert_int_equal(sscard_tlv_next(buf, sizeof(buf), &off, &t, NULL, 0), SSCARD_E_RECORD_NOT_FOUND);
	off = sizeof(buf) + 1;
	assert_int_equal(sscard_tlv_next(buf, sizeof(buf), &off, &t, NULL, 0), SSCARD_E_INVALID_ARG);
}

static void test_walk_rejects_bad_lengths(void **state)
{
	(void)state;
	char why[160] = "";
	sscard_tlv t;
	size_t off = 0;
	/* card type (max 1) claiming 2 bytes */
	const uint8_t over[] = { 0x02, 0x02, '3', '3' };
	assert_int_equal(sscard_tlv_next(over, sizeof(over), &off, &t, why, sizeof(why)), SSCARD_E_BAD_DATA);
	assert_non_null(strstr(why, "record 02 at offset 0: length 2 exceeds the element's 1"));
	assert_int_equal(off, 0);
	/* second record truncated */
	const uint8_t trunc[] = { 0x02, 0x01, '3', 0x03, 0x04, '3', '.' };
	assert_int_equal(sscard_tlv_next(trunc, sizeof(trunc), &off, &t, why, sizeof(why)), SSCARD_OK);
	assert_int_equal(sscard_tlv_next(trunc, sizeof(trunc), &off, &t, why, sizeof(why)), SSCARD_E_BAD_DATA);
	assert_non_null(strstr(why, "record 03: length 4 but only 2"));
	/* a lone tag byte at the end */
	const uint8_t lone[] = { 0x02, 0x01, '3', 0x03 };
	off = 0;
	assert_int_equal(sscard_tlv_next(lone, sizeof(lone), &off, &t, why, sizeof(why)), SSCARD_OK);
	assert_int_equal(sscard_tlv_next(lone, sizeof(lone), &off, &t, why, sizeof(why)), SSCARD_E_BAD_DATA);
	assert_non_null(strstr(why, "offset 3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_record),
		cmocka_unit_test(test_bad_records_named),
		cmocka_unit_test(test_walk_concatenated_records),
		cmocka_unit_test(test_walk_rejects_bad_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
