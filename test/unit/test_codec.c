/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value codec (lib/codec.c): card bytes <-> UTF-8 display text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "elements.h"

typedef struct enc_case {
	const char *key;
	const char *text;   /* display text in */
	const char *hex;    /* expected card bytes, whole padded value */
	const char *shown;  /* display text decoded back (NULL = text) */
} enc_case;

/* One good value per element, with its exact card bytes. */
static const enc_case good[] = {
	{ "card_id", "639900D15600000500BF7C7A48FB4966", "639900D15600000500BF7C7A48FB4966", NULL },
	{ "card_type", "3", "33", NULL },
	{ "spec_version", "3.00", "332E3030", NULL },
	{ "issuer", "410100813475", "410100813475FFFFFFFFFFFF", NULL },
	{ "issue_date", "2010-10-01", "20101001", NULL },
	{ "expiry_date", "20201001", "20201001", "2020-10-01" },
	{ "card_number", "X00000019", "583030303030303139", NULL },
	{ "ssn", "11010519491231002X", "313130313035313934393132333130303258", NULL },
	{ "name", "张三", "D5C5C8FD0000000000000000000000000000000000000000000000000000", NULL },
	{ "name_ext", "欧阳", "C5B7D1F4FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", NULL },
	{ "sex", "1", "31", NULL },
	{ "ethnicity", "01", "01", NULL },
	{ "birthplace", "11010", "11010F", NULL },
	{ "birth_date", "1949-12-31", "19491231", NULL },
	{ "person_id", "110101000017", "313130313031303030303137", NULL },
	{ "first_region", "110100", "110100", NULL },
};

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void test_round_trip_every_element(void **state)
{
	(void)state;
	assert_int_equal(sizeof(good) / sizeof(good[0]), sscard_elem_count());
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const sscard_element *e = sscard_elem_by_key(good[i].key);
		uint8_t buf[SSCARD_ELEM_VALUE_MAX];
		size_t n = 0;
		char hex[2 * SSCARD_ELEM_VALUE_MAX + 1], text[SSCARD_ELEM_TEXT_MAX], why[200] = "";
		assert_non_null(e);
		assert_int_equal(sscard_elem_encode(e, good[i].text, buf, sizeof(buf), &n, why, sizeof(why)), SSCARD_OK);
		assert_int_equal(n, e->len);
		to_hex(buf, n, hex);
		assert_string_equal(hex, good[i].hex);
		assert_int_equal(sscard_elem_decode(e, buf, n, text, sizeof(text), why, sizeof(why)), SSCARD_OK);
		assert_string_equal(text, good[i].shown ? good[i].shown : good[i].text);
	}
}

static void test_rare_characters(void **state)
{
	(void)state;
	const sscard_element *name = sscard_elem_by_key("name");
	uint8_t buf[SSCARD_ELEM_VALUE_MAX];
	size_t n = 99;
	char text[SSCARD_ELEM_TEXT_MAX], why[200] = "";

	/* 欧阳 is in GBK (C5B7 D1F4) and comes back unchanged */
	assert_int_equal(sscard_elem_encode(name, "欧阳娜娜", buf, sizeof(buf), &n, why, sizeof(why)), SSCARD_OK);
	assert_memory_equal(buf, "\xC5\xB7\xD1\xF4", 4);
	assert_int_equal(sscard_elem_decode(name, buf, n, text, sizeof(text), NULL, 0), SSCARD_OK);
	assert_string_equal(text, "欧阳娜娜");

	/* 䶮 (U+4DAE, CJK extension A) is not in GBK: glibc's iconv stops
	 * with EILSEQ; we say which character, and write nothing */
	assert_int_equal(sscard_elem_encode(name, "刘䶮", buf, sizeof(buf), &n, why, sizeof(why)),
	                 SSCARD_E_ENCODING);
	assert_non_null(strstr(why, "U+4DAE"));
	assert_non_null(strstr(why, "䶮"));
	assert_non_null(strstr(why, "name"));
	assert_int_equal(n, 0);
	for (size_t i = 0; i < name->len; i++)
		assert_int_equal(buf[i], 0x00);

	/* € is the CP936 single byte 80 */
	assert_int_equal(sscard_elem_encode(name, "€", buf, sizeof(buf), &n, NULL, 0), SSCARD_OK);
	assert_int_equal(buf[0], 0x80);
	assert_int_equal(sscard_elem_decode(name, buf, n, text, sizeof(text), NULL, 0), SSCARD_OK);
	assert_string_equal(text, "€");
}

static void test_gbk_helpers(void **state)
{
	(void)state;
	uint8_t gbk[8];
	size_t n;
	char out[16], why[200] = "";
	assert_int_equal(sscard_utf8_to_gbk("a张", gbk, sizeof(gbk), &n, why, sizeof(why)), SSCARD_OK);
	assert_int_equal(n, 3);
	assert_int_equal(sscard_utf8_to_gbk("张三李四王", gbk, sizeof(gbk), &n, why, sizeof(why)),
	                 SSCARD_E_BUFFER_TOO_SMALL);
	assert_int_equal(sscard_utf8_to_gbk("\xE5\xBC", gbk, sizeof(gbk), &n, why, sizeof(why)),
	                 SSCARD_E_ENCODING);
	assert_non_null(strstr(why, "invalid UTF-8"));
	assert_int_equal(sscard_utf8_to_gbk("a\xC0\xAF", gbk, sizeof(gbk), &n, why, sizeof(why)),
	                 SSCARD_E_ENCODING);
	assert_non_null(strstr(why, "byte 1"));
	assert_int_equal(sscard_gbk_to_utf8((const uint8_t *)"\xD5\xC5\xC8\xFD", 4, out, 4, why, sizeof(why)),
	                 SSCARD_E_BUFFER_TOO_SMALL);
	assert_string_equal(out, "");
	assert_int_equal(sscard_gbk_to_utf8((const uint8_t *)"\xD5\xC5\xC8\xFD", 4, out, 7, why, sizeof(why)),
	                 SSCARD_OK);
	assert_string_equal(out, "张三");
}

static void test_encode_refuses_what_does_not_fit(void **state)
{
	(void)state;
	uint8_t buf[SSCARD_ELEM_VALUE_MAX];
	size_t n = 7;
	char why[200] = "";
	/* 16 Chinese characters are 32 GBK bytes; the name holds 30 */
	assert_int_equal(sscard_elem_encode(sscard_elem_by_key("name"),
	                 "一二三四五六七八九十一二三四五六", buf, sizeof(buf), &n, why, sizeof(why)),
	                 SSCARD_E_INVALID_ARG);
	assert_non_null(strstr(why, "32 bytes"));
	assert_int_equal(n, 0);
	assert_int_equal(sscard_elem_encode(sscard_elem_by_key("card_number"), "X000000190",
	                 buf, sizeof(buf), &n, why, sizeof(why)), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_elem_encode(sscard_elem_by_key("birthplace"), "1101010",
	                 buf, sizeof(buf), &n, why, sizeof(why)), SSCARD_E_INVALID_ARG);
	assert_non_null(strstr(why, "7 digits"));
	assert_int_equal(sscard_elem_encode(sscard_elem_by_key("card_id"), "639900D15600000500BF7C7A48FB496600",
	                 buf, sizeof(buf), &n, why, sizeof(why)), SSCARD_E_INVALID_ARG);
	/* room in the caller's buffer */
	assert_int_equal(sscard_elem_encode(sscard_elem_by_key("name"), "张三", buf, 29, &n, why, sizeof(why)),
	                 SSCARD_E_BUFFER_TOO_SMALL);
}

static void test_encode_refuses_wrong_shapes(void **state)
{
	(void)state;
	uint8_t buf[SSCARD_ELEM_VALUE_MAX];
	size_t n;
	char why[200] = "";
	static const struct { const char *key, *text; sscard_rc rc; } bad[] = {
		{ "card_id", "639900D1560000050", SSCARD_E_INVALID_ARG },       /* odd hex */
		{ "card_id", "639900D15600000500BF7C7A48FB49", SSCARD_E_INVALID_ARG }, /* 15 bytes */
		{ "card_id", "ZZ", SSCARD_E_INVALID_ARG },
		{ "card_number", "X0000001\xC3\xA9", SSCARD_E_ENCODING },
		{ "card_number", "X\t0000001", SSCARD_E_ENCODING },
		{ "issuer", "41010A", SSCARD_E_INVALID_ARG },
		{ "issue_date", "2010/10/01", SSCARD_E_INVALID_ARG },
		{ "issue_date", "201010", SSCARD_E_INVALID_ARG },
		{ "issue_date", "2010-1O-01", SSCARD_E_INVALID_ARG },
		{ "name", "张\n三", SSCARD_E_ENCODING },
		{ "name", "\xFF\xFE", SSCARD_E_ENCODING },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(sscard_elem_encode(sscard_elem_by_key(bad[i].key), bad[i].text,
		                                    buf, sizeof(buf), &n, why, sizeof(why)), bad[i].rc);
		assert_non_null(strstr(why, bad[i].key));
	}
	/* a date's calendar is validate.c's business: fault profiles need it */
	assert_int_equal(sscard_elem_encode(sscard_elem_by_key("issue_date"), "2023-02-30",
	                                    buf, sizeof(buf), &n, why, sizeof(why)), SSCARD_OK);
	assert_memory_equal(buf, "\x20\x23\x02\x30", 4);
}

static void test_blank_values(void **state)
{
	(void)state;
	uint8_t buf[SSCARD_ELEM_VALUE_MAX];
	size_t n;
	char text[SSCARD_ELEM_TEXT_MAX];
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		assert_int_equal(sscard_elem_encode(e, "", buf, sizeof(buf), &n, NULL, 0), SSCARD_OK);
		assert_int_equal(n, e->len);
		strcpy(text, "x");
		assert_int_equal(sscard_elem_decode(e, buf, n, text, sizeof(text), NULL, 0), SSCARD_OK);
		assert_string_equal(text, "");
		memset(buf, 0x00, e->len);
		assert_int_equal(sscard_elem_decode(e, buf, e->len, text, sizeof(text), NULL, 0), SSCARD_OK);
		assert_string_equal(text, "");
		memset(buf, 0xFF, e->len);
		assert_int_equal(sscard_elem_decode(e, buf, e->len, text, sizeof(text), NULL, 0), SSCARD_OK);
		assert_string_equal(text, "");
		assert_int_equal(sscard_elem_decode(e, NULL, 0, text, sizeof(text), NULL, 0), SSCARD_OK);
		assert_string_equal(text, "");
	}
}

typedef struct dec_case {
	const char *key;
	const char *bytes;
	size_t len;
	sscard_rc rc;
	const char *in_detail;
} dec_case;

static void test_decode_rejects_bad_card_bytes(void **state)
{
	(void)state;
	static const dec_case bad[] = {
		{ "name", "\xAA\xA1\x00", 3, SSCARD_E_ENCODING, "invalid GBK" },   /* user area */
		{ "name", "\xD5\xC5\xC8", 3, SSCARD_E_ENCODING, "truncated GBK" },
		{ "name", "\xD5\xC5\x00\xC8\xFD", 5, SSCARD_E_ENCODING, "control character 0x00" },
		{ "name", "\xD5\xC5\x1B[2J", 6, SSCARD_E_ENCODING, "control character 0x1B" },
		{ "name_ext", "\xC5\xB7\x00\xFF", 4, SSCARD_E_ENCODING, "name_ext" },
		{ "card_number", "X0000\x80" "019", 9, SSCARD_E_ENCODING, "offset 5" },
		{ "card_number", "X0000\x00" "019", 9, SSCARD_E_ENCODING, "card_number" },
		{ "issuer", "\x41\x01\xA0", 3, SSCARD_E_BAD_DATA, "non-BCD" },
		{ "issuer", "\x41\xF1\x00", 3, SSCARD_E_BAD_DATA, "after F padding" },
		{ "issue_date", "\x20\x10\x10", 3, SSCARD_E_BAD_DATA, "6 digits" },
		{ "issue_date", "\x20\x10\x10\x0F", 4, SSCARD_E_BAD_DATA, "7 digits" },
		{ "sex", "12", 2, SSCARD_E_BAD_DATA, "element holds 1" },
		{ "ssn", "1101051949123100", 16, SSCARD_OK, NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[SSCARD_ELEM_TEXT_MAX] = "junk", why[200] = "";
		sscard_rc rc = sscard_elem_decode(sscard_elem_by_key(bad[i].key),
		                                  (const uint8_t *)bad[i].bytes, bad[i].len,
		                                  text, sizeof(text), why, sizeof(why));
		assert_int_equal(rc, bad[i].rc);
		if (rc != SSCARD_OK) {
			assert_string_equal(text, "");  /* never a partial string */
			assert_non_null(strstr(why, bad[i].in_detail));
		}
	}
}

static void test_decode_output_room(void **state)
{
	(void)state;
	char text[8], why[200] = "";
	const uint8_t id[16] = { 0x63, 0x99, 0x00, 0xD1, 0x56, 0, 0, 0x05, 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_int_equal(sscard_elem_decode(sscard_elem_by_key("card_id"), id, 16, text, sizeof(text),
	                                    why, sizeof(why)), SSCARD_E_BUFFER_TOO_SMALL);
	assert_int_equal(sscard_elem_decode(sscard_elem_by_key("issue_date"), id, 4, text, sizeof(text),
	                                    why, sizeof(why)), SSCARD_E_BAD_DATA);
	char date[11];
	assert_int_equal(sscard_elem_decode(sscard_elem_by_key("issue_date"),
	                 (const uint8_t *)"\x20\x10\x10\x01", 4, date, sizeof(date), why, sizeof(why)), SSCARD_OK);
	assert_string_equal(date, "2010-10-01");
	assert_int_equal(sscard_elem_decode(NULL, id, 4, date, sizeof(date), why, sizeof(why)),
	                 SSCARD_E_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_element),
		cmocka_unit_test(test_rare_characters),
		cmocka_unit_test(test_gbk_helpers),
		cmocka_unit_test(test_encode_refuses_what_does_not_fit),
		cmocka_unit_test(test_encode_refuses_wrong_shapes),
		cmocka_unit_test(test_blank_values),
		cmocka_unit_test(test_decode_rejects_bad_card_bytes),
		cmocka_unit_test(test_decode_output_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
