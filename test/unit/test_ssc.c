/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/ssc.c against scripted cards: the exact APDUs read_basic sends (and
 * does not send), per-element outcomes, malformed records named precisely.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "elements.h"
#include "script_card.h"

#define SELECT_SSSE "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"

/* A consistent 3.0 card: GB 11643's own example number. */
static const struct { const char *key, *text; } healthy[] = {
	{ "card_id", "110105D15600000500BF7C7A48FB4966" },
	{ "card_type", "3" },
	{ "spec_version", "3.00" },
	{ "issuer", "110105000001" },
	{ "issue_date", "2020-10-01" },
	{ "expiry_date", "2030-10-01" },
	{ "card_number", "X00000019" },
	{ "ssn", "11010519491231002X" },
	{ "name", "欧阳娜娜" },
	{ "name_ext", "" },
	{ "sex", "2" },
	{ "ethnicity", "01" },
	{ "birthplace", "110105" },
	{ "birth_date", "1949-12-31" },
	{ "person_id", "110105000017" },
	{ "first_region", "110105" },
};

#define MAX_STEPS 40
typedef struct script_buf {
	script_step steps[MAX_STEPS];
	char text[MAX_STEPS][2][96];
	size_t n;
	unsigned cur_ef; /* the EF the script's card has current by SELECT */
} script_buf;

static void step(script_buf *s, const char *expect, const char *answer)
{
	assert_true(s->n < MAX_STEPS);
	snprintf(s->text[s->n][0], sizeof(s->text[0][0]), "%s", expect);
	snprintf(s->text[s->n][1], sizeof(s->text[0][1]), "%s", answer);
	s->steps[s->n] = (script_step){ s->text[s->n][0], s->text[s->n][1], SSCARD_OK };
	s->n++;
}

/* The READ RECORD the library must send for key: by SFI and tag, or
 * (EF0D, field code's form) by number in the selected EF. */
static void read_cmd(const char *key, char *out, size_t outsz)
{
	const sscard_element *e = sscard_elem_by_key(key);
	if (sscard_file_info_of(e->ef)->by_record)
		snprintf(out, outsz, "00B2%02X04%02X", e->record, e->len + 2);
	else
		snprintf(out, outsz, "00B2%02X%02X%02X", e->tag, e->sfi << 3, e->len + 2);
}

/* A well-formed record for key holding text, then 9000. */
static void record_answer(const char *key, const char *text, char *out, size_t outsz)
{
	const sscard_element *e = sscard_elem_by_key(key);
	uint8_t v[SSCARD_ELEM_VALUE_MAX + 2];
	size_t n = 0;
	v[0] = e->tag;
	v[1] = e->len;
	assert_int_equal(sscard_elem_encode(e, text, v + 2, SSCARD_ELEM_VALUE_MAX, &n, NULL, 0), SSCARD_OK);
	sscard_hex_encode(v, n + 2, out, outsz);
	strcat(out, "9000");
}

static void read_step(script_buf *s, const char *key, const char *answer)
{
	const sscard_file_info *fi = sscard_file_info_of(sscard_elem_by_key(key)->ef);
	char cmd[16];
	/* EF0D is selected once, then read by number; an SFI read makes its
	 * own EF current */
	if (fi->by_record && s->cur_ef != fi->fid) {
		char sel[16];
		snprintf(sel, sizeof(sel), "00A4000002%04X", fi->fid);
		step(s, sel, "9000");
	}
	s->cur_ef = fi->by_record ? fi->fid : 0;
	read_cmd(key, cmd, sizeof(cmd));
	step(s, cmd, answer);
}

/* SELECTs of EFs read by number in one read_basic pass (EF0D). */
static size_t ef_selects(void)
{
	return 1;
}

static void good_read(script_buf *s, const char *key, const char *text)
{
	char ans[96];
	record_answer(key, text, ans, sizeof(ans));
	read_step(s, key, ans);
}

static const char *healthy_text(const char *key)
{
	for (size_t i = 0; i < sizeof(healthy) / sizeof(healthy[0]); i++)
		if (strcmp(healthy[i].key, key) == 0)
			return healthy[i].text;
	return NULL;
}

/* Reads of every element from index `from`, healthy unless overridden. */
static void healthy_reads(script_buf *s, size_t from)
{
	for (size_t i = from; i < sscard_elem_count(); i++)
		good_read(s, sscard_elem_at(i)->key, healthy_text(sscard_elem_at(i)->key));
}

static size_t idx(const char *key)
{
	return sscard_elem_index(sscard_elem_by_key(key));
}

static int setup(void **state)
{
	sscard_ctx *ctx = NULL;
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	sscard_ctx *ctx = *state;
	sscard_ctx_free(&ctx);
	return 0;
}

static void test_read_basic_healthy_minimum_apdus(void **state)
{
	static script_buf s;
	memset(&s, 0, sizeof(s));
	step(&s, SELECT_SSSE, "6128"); /* 61xx: success, FCI not fetched */
	healthy_reads(&s, 0);
	healthy_reads(&s, 0);          /* second read: no SELECT */
	sscard_card *card = script_card_connect(*state, s.steps, s.n);
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_false(sscard_basic_valid(b)); /* nothing read yet */

	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	/* one SELECT and one READ RECORD per element, nothing more */
	assert_int_equal(sscard_card_apdu_count(card), 1 + sscard_elem_count() + ef_selects());
	for (size_t i = 0; i < sizeof(healthy) / sizeof(healthy[0]); i++) {
		size_t k = idx(healthy[i].key);
		if (healthy[i].text[0] == '\0') {
			assert_int_equal(sscard_basic_status(b, k), SSCARD_ELEM_BLANK);
			assert_null(sscard_basic_value(b, k));
		} else {
			assert_int_equal(sscard_basic_status(b, k), SSCARD_ELEM_PRESENT);
			assert_string_equal(sscard_basic_get(b, healthy[i].key), healthy[i].text);
		}
	}
	assert_true(sscard_basic_valid(b));
	assert_int_equal(sscard_basic_problem_count(b), 0);

	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	assert_int_equal(sscard_card_apdu_count(card), 1 + 2 * (sscard_elem_count() + ef_selects()));
	assert_string_equal(sscard_basic_get(b, "name"), "欧阳娜娜");
	sscard_basic_free(&b);
	assert_null(b);
	sscard_disconnect(&card);
}

static void test_v3_holder_withheld(void **state)
{
	static script_buf s;
	memset(&s, 0, sizeof(s));
	step(&s, SELECT_SSSE, "9000");
	for (size_t i = 0; sscard_elem_at(i)->ef == SSCARD_EF_SSSE_05; i++)
		good_read(&s, sscard_elem_at(i)->key, healthy_text(sscard_elem_at(i)->key));
	read_step(&s, "ssn", "6982"); /* no EXTERNAL AUTHENTICATE: EF06 refused */
	good_read(&s, "person_id", healthy_text("person_id")); /* EF0D: free to read */
	good_read(&s, "first_region", healthy_text("first_region"));
	sscard_card *card = script_card_connect(*state, s.steps, s.n);
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	/* SELECT, 7 EF05, one EF06, SELECT EF0D and its 2 records */
	assert_int_equal(sscard_card_apdu_count(card), 12);
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		if (sscard_elem_at(i)->ef == SSCARD_EF_SSSE_06) {
			assert_int_equal(sscard_basic_status(b, i), SSCARD_ELEM_WITHHELD);
			assert_int_equal(sscard_basic_error(b, i), SSCARD_E_SECURITY);
			assert_non_null(strstr(sscard_basic_detail(b, i), "6982"));
			assert_null(sscard_basic_value(b, i));
		} else {
			assert_int_equal(sscard_basic_status(b, i), SSCARD_ELEM_PRESENT);
		}
	}
	/* withheld is not missing: what could be read is valid */
	assert_true(sscard_basic_valid(b));
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

static void test_v2_card_not_asked_for_name_ext(void **state)
{
	static script_buf s;
	memset(&s, 0, sizeof(s));
	step(&s, SELECT_SSSE, "9000");
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const char *key = sscard_elem_at(i)->key;
		if (!sscard_elem_at(i)->v3_only)
			good_read(&s, key, strcmp(key, "spec_version") == 0 ? "2.00" : healthy_text(key));
	}
	sscard_card *card = script_card_connect(*state, s.steps, s.n);
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	/* SELECT and every element but the 3.0 ones (name_ext, EF0D) */
	assert_int_equal(sscard_card_apdu_count(card), 1 + sscard_elem_count() - 3);
	assert_int_equal(sscard_basic_status(b, idx("name_ext")), SSCARD_ELEM_NOT_FOUND);
	assert_true(sscard_basic_valid(b));
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

typedef struct bad_record {
	const char *key;
	const char *answer;     /* R-APDU hex */
	sscard_elem_status status;
	sscard_rc rc;
	const char *detail;
} bad_record;

static const bad_record bad_records[] = {
	{ "ssn", "0712" "313130313035313934393132333130303258" "9000", SSCARD_ELEM_UNREADABLE,
	  SSCARD_E_BAD_DATA, "READ RECORD 08 (ssn): record 08: the card answered with tag 07" },
	{ "sex", "0A0231" "9000", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_DATA,
	  "record 0A: length 2 exceeds the element's 1" },
	{ "sex", "0A023132" "9000", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_RESPONSE,
	  "READ RECORD 0A (sex): card sent 4 bytes, 3 were asked for" },
	{ "name", "091ED5C5C8FD" "9000", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_DATA,
	  "record 09: length 30 but only 4 value bytes (truncated)" },
	{ "name", "0904AAA1D5C5" "9000", SSCARD_ELEM_UNREADABLE, SSCARD_E_ENCODING,
	  "name (tag 09): invalid GBK byte sequence at offset 0" },
	{ "birth_date", "0D041949123A" "9000", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_DATA,
	  "birth_date (tag 0D): non-BCD nibble A" },
	{ "birthplace", "6A83", SSCARD_ELEM_NOT_FOUND, SSCARD_E_RECORD_NOT_FOUND, "6A83" },
	{ "ethnicity", "6581", SSCARD_ELEM_UNREADABLE, SSCARD_E_MEMORY_FAILURE, "6581" },
	{ "card_id", "09", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_RESPONSE,
	  "READ RECORD 01 (card_id): answer of 1 byte(s), no status word" },
};

/* Each malformed answer: that element is UNREADABLE (named precisely),
 * the others are read, validation reports it, nothing crashes. */
static void test_bad_records_reported_precisely(void **state)
{
	for (size_t c = 0; c < sizeof(bad_records) / sizeof(bad_records[0]); c++) {
		const bad_record *br = &bad_records[c];
		static script_buf s;
		memset(&s, 0, sizeof(s));
		step(&s, SELECT_SSSE, "9000");
		for (size_t i = 0; i < sscard_elem_count(); i++) {
			const char *key = sscard_elem_at(i)->key;
			if (strcmp(key, br->key) == 0)
				read_step(&s, key, br->answer);
			else
				good_read(&s, key, healthy_text(key));
		}
		sscard_card *card = script_card_connect(*state, s.steps, s.n);
		sscard_basic *b = NULL;
		assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
		assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
		size_t k = idx(br->key);
		assert_int_equal(sscard_basic_status(b, k), br->status);
		assert_int_equal(sscard_basic_error(b, k), br->rc);
		if (strstr(sscard_basic_detail(b, k), br->detail) == NULL)
			fail_msg("case %zu: detail \"%s\" lacks \"%s\"", c, sscard_basic_detail(b, k), br->detail);
		assert_null(sscard_basic_value(b, k));
		assert_string_equal(sscard_basic_get(b, "card_number"), "X00000019");
		/* the problem list names the element */
		assert_false(sscard_basic_valid(b));
		const char *key = NULL;
		int code = 0;
		assert_int_equal(sscard_basic_problem(b, 0, &key, &code, NULL), SSCARD_OK);
		assert_string_equal(key, br->key);
		assert_int_equal(code, br->status == SSCARD_ELEM_NOT_FOUND ? SSCARD_PROBLEM_MISSING
		                                                            : SSCARD_PROBLEM_UNREADABLE);
		sscard_basic_free(&b);
		sscard_disconnect(&card);
	}
}

static void test_validation_through_card(void **state)
{
	static script_buf s;
	memset(&s, 0, sizeof(s));
	step(&s, SELECT_SSSE, "9000");
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const char *key = sscard_elem_at(i)->key;
		const char *text = healthy_text(key);
		if (strcmp(key, "ssn") == 0)
			text = "110105194912310029"; /* wrong check digit */
		if (strcmp(key, "expiry_date") == 0)
			text = "2019-02-29";          /* not a date */
		good_read(&s, key, text);
	}
	sscard_card *card = script_card_connect(*state, s.steps, s.n);
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	assert_false(sscard_basic_valid(b));
	assert_int_equal(sscard_basic_problem_count(b), 2);
	const char *key, *text;
	int code;
	assert_int_equal(sscard_basic_problem(b, 0, &key, &code, &text), SSCARD_OK);
	assert_string_equal(key, "expiry_date");
	assert_int_equal(code, SSCARD_PROBLEM_DATE);
	assert_int_equal(sscard_basic_problem(b, 1, &key, &code, &text), SSCARD_OK);
	assert_string_equal(key, "ssn");
	assert_int_equal(code, SSCARD_PROBLEM_CHECK_DIGIT);
	assert_non_null(strstr(text, "should be X"));
	assert_int_equal(sscard_basic_problem(b, 2, &key, &code, &text), SSCARD_E_INVALID_ARG);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

static void test_whole_read_fails(void **state)
{
	/* not a social security card */
	static const script_step not_ssc[] = { { SELECT_SSSE, "6A82", SSCARD_OK } };
	sscard_card *card = script_card_connect(*state, not_ssc, 1);
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_E_FILE_NOT_FOUND);
	assert_non_null(strstr(sscard_card_last_detail(card), "SELECT SSSE"));
	sscard_disconnect(&card);

	/* removed mid-read: the call fails, nothing half-read is shown */
	static script_buf s;
	memset(&s, 0, sizeof(s));
	step(&s, SELECT_SSSE, "9000");
	good_read(&s, "card_id", healthy_text("card_id"));
	read_step(&s, "card_type", "");
	s.steps[s.n - 1].error = SSCARD_E_CARD_REMOVED;
	card = script_card_connect(*state, s.steps, s.n);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_E_CARD_REMOVED);
	assert_null(sscard_basic_get(b, "card_id"));
	assert_false(sscard_basic_valid(b));
	sscard_disconnect(&card);
	sscard_basic_free(&b);
	assert_int_equal(sscard_read_basic(NULL, b), SSCARD_E_INVALID_ARG);
}

static void test_read_element(void **state)
{
	static script_buf s;
	memset(&s, 0, sizeof(s));
	step(&s, SELECT_SSSE, "9000");
	good_read(&s, "ssn", healthy_text("ssn"));
	good_read(&s, "name_ext", "");
	good_read(&s, "issue_date", healthy_text("issue_date"));
	read_step(&s, "ssn", "6982");
	good_read(&s, "ssn", healthy_text("ssn"));
	sscard_card *card = script_card_connect(*state, s.steps, s.n);
	char text[SSCARD_ELEM_TEXT_MAX];
	assert_int_equal(sscard_read_element(card, "ssn", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "11010519491231002X");
	assert_int_equal(sscard_read_element(card, "4E", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "");
	assert_int_equal(sscard_read_element(card, "0x05", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "2020-10-01");
	assert_int_equal(sscard_read_element(card, "social security number", text, sizeof(text)),
	                 SSCARD_E_SECURITY);
	assert_int_equal(sscard_read_element(card, "photo", text, sizeof(text)), SSCARD_E_INVALID_ARG);
	assert_non_null(strstr(sscard_card_last_detail(card), "photo"));
	assert_int_equal(sscard_read_element(card, "ssn", text, 5), SSCARD_E_BUFFER_TOO_SMALL);
	assert_string_equal(text, "");
	assert_int_equal(sscard_card_apdu_count(card), 6);
	sscard_disconnect(&card);
}

static void test_public_table_view(void **state)
{
	(void)state;
	assert_int_equal(sscard_element_count(), sscard_elem_count());
	int i = sscard_element_find("ssn");
	assert_true(i >= 0);
	assert_int_equal(sscard_element_tag((size_t)i), 0x08);
	assert_string_equal(sscard_element_key((size_t)i), "ssn");
	assert_string_equal(sscard_element_label((size_t)i), "社会保障号码");
	assert_string_equal(sscard_element_label_en((size_t)i), "social security number");
	assert_string_equal(sscard_element_file((size_t)i), "SSSE/EF06");
	assert_int_equal(sscard_element_find("nope"), -1);
	assert_int_equal(sscard_element_tag(99), -1);
	assert_null(sscard_element_key(99));
	assert_null(sscard_element_file(99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_basic_healthy_minimum_apdus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v3_holder_withheld, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_card_not_asked_for_name_ext, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_records_reported_precisely, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation_through_card, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_read_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_element, setup, teardown),
		cmocka_unit_test(test_public_table_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
