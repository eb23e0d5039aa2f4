/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The data element table (lib/elements.c) against design.md s.4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "elements.h"

/* The keys `cardtool info --json` promises (issue #5), plus name_ext. */
static const char *const json_keys[] = {
	"card_id", "card_type", "spec_version", "issuer", "issue_date",
	"expiry_date", "card_number", "ssn", "name", "name_ext", "sex",
	"ethnicity", "birthplace", "birth_date", "person_id", "first_region",
};

static void test_every_key_present_once(void **state)
{
	(void)state;
	assert_int_equal(sscard_elem_count(), sizeof(json_keys) / sizeof(json_keys[0]));
	for (size_t i = 0; i < sizeof(json_keys) / sizeof(json_keys[0]); i++) {
		const sscard_element *e = sscard_elem_by_key(json_keys[i]);
		assert_non_null(e);
		assert_string_equal(e->key, json_keys[i]);
		assert_ptr_equal(sscard_elem_at(sscard_elem_index(e)), e);
	}
	assert_null(sscard_elem_at(sscard_elem_count_all()));
	assert_null(sscard_elem_by_key("photo"));
	assert_null(sscard_elem_by_key(NULL));
}

static void test_tags_unique_and_found(void **state)
{
	(void)state;
	for (size_t i = 0; i < sscard_elem_count_all(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		assert_ptr_equal(sscard_elem_by_tag(e->tag), e);
		for (size_t j = i + 1; j < sscard_elem_count_all(); j++)
			assert_int_not_equal(e->tag, sscard_elem_at(j)->tag);
	}
	assert_null(sscard_elem_by_tag(0x00));
	assert_null(sscard_elem_by_tag(0x0E));
}

static void test_rows_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < sscard_elem_count_all(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		const sscard_file_info *f = sscard_file_info_of(e->ef);
		assert_non_null(f);
		assert_int_equal(e->sfi, f->sfi);
		assert_true(e->len > 0 && e->len <= SSCARD_ELEM_VALUE_MAX);
		assert_true(e->record >= 1);
		assert_true(strlen(e->label_zh) > 0 && strlen(e->label_en) > 0);
		assert_string_not_equal(sscard_format_name(e->format), "?");
		/* display text of the longest value fits the text buffer */
		assert_true(3u * e->len + 1 <= SSCARD_ELEM_TEXT_MAX);
	}
}

/* Spot checks of the facts in design.md s.4. */
static void test_design_facts(void **state)
{
	(void)state;
	const sscard_element *ssn = sscard_elem_by_tag(0x08);
	assert_string_equal(ssn->key, "ssn");
	assert_int_equal(ssn->ef, SSCARD_EF_SSSE_06);
	assert_int_equal(ssn->sfi, 6);
	assert_int_equal(ssn->len, 18);
	assert_int_equal(ssn->format, SSCARD_FMT_AN);
	assert_string_equal(ssn->label_zh, "社会保障号码");

	const sscard_element *id = sscard_elem_by_key("card_id");
	assert_int_equal(id->tag, 0x01);
	assert_int_equal(id->len, 16);
	assert_int_equal(id->format, SSCARD_FMT_B);
	assert_int_equal(id->sfi, 5);

	const sscard_element *ext = sscard_elem_by_tag(0x4E);
	assert_string_equal(ext->key, "name_ext");
	assert_int_equal(ext->format, SSCARD_FMT_GBK_FF);
	assert_int_equal(ext->len, 20);
	assert_true(ext->v3_only);
	assert_false(ext->mandatory);

	assert_int_equal(sscard_elem_by_key("name")->format, SSCARD_FMT_GBK);
	assert_int_equal(sscard_elem_by_key("name")->len, 30);
	assert_int_equal(sscard_elem_by_key("birth_date")->format, SSCARD_FMT_CN_DATE);
	assert_int_equal(sscard_elem_by_key("issuer")->len, 12);
	assert_int_equal(sscard_elem_by_key("card_number")->len, 9);
	assert_int_equal(sscard_elem_by_key("birthplace")->len, 3);
	/* EF05: record numbers equal tags */
	for (uint8_t t = 1; t <= 7; t++)
		assert_int_equal(sscard_elem_by_tag(t)->record, t);
	assert_int_equal(sscard_elem_by_tag(0x08)->record, 1);
	assert_int_equal(sscard_elem_by_tag(0x09)->record, 2);

	const sscard_file_info *f = sscard_file_info_of(SSCARD_EF_SSSE_06);
	assert_int_equal(f->fid, 0xEF06);
	assert_string_equal(f->name, "SSSE/EF06");
	assert_null(sscard_file_info_of((sscard_ef)99));
}

/*
 * DF04 (medical insurance): after every SSSE row (so sscard_elem_count()
 * stays SSSE's and arrays of SSCARD_ELEM_SLOTS hold it), in the order and
 * with the lengths of the ministry layout (design.md s.4).
 */
static void test_df04_rows(void **state)
{
	static const struct {
		uint8_t tag, len;
		sscard_format fmt;
	} ef05[] = {
		{ 0x81, 8, SSCARD_FMT_AN },  { 0x84, 3, SSCARD_FMT_CN },  { 0x87, 17, SSCARD_FMT_AN },
		{ 0x8C, 1, SSCARD_FMT_CN },  { 0x80, 4, SSCARD_FMT_CN_DATE }, { 0x8B, 29, SSCARD_FMT_AN },
		{ 0x8A, 15, SSCARD_FMT_AN }, { 0x83, 9, SSCARD_FMT_AN },  { 0x86, 9, SSCARD_FMT_AN },
		{ 0x89, 9, SSCARD_FMT_AN },  { 0x7D, 9, SSCARD_FMT_AN },  { 0x7E, 9, SSCARD_FMT_AN },
		{ 0x7F, 9, SSCARD_FMT_AN },  { 0x8D, 9, SSCARD_FMT_AN },  { 0x8E, 9, SSCARD_FMT_AN },
		{ 0x8F, 1, SSCARD_FMT_AN },
	};
	size_t first = sscard_elem_count();

	(void)state;
	assert_true(sscard_elem_count() <= SSCARD_ELEM_SLOTS);
	for (size_t i = 0; i < first; i++)
		assert_int_equal(sscard_file_info_of(sscard_elem_at(i)->ef)->df_fid, 0);
	for (size_t i = first; i < sscard_elem_count_all(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		assert_int_equal(sscard_file_info_of(e->ef)->df_fid, 0xDF04);
		assert_false(e->mandatory);
	}
	for (size_t i = 0; i < sizeof(ef05) / sizeof(ef05[0]); i++) {
		const sscard_element *e = sscard_elem_at(first + i);
		assert_int_equal(e->tag, ef05[i].tag);
		assert_int_equal(e->len, ef05[i].len);
		assert_int_equal(e->format, ef05[i].fmt);
		assert_int_equal(e->ef, SSCARD_EF_DF04_05);
		assert_int_equal(e->record, i + 1);
	}
	assert_int_equal(sscard_elem_by_tag(0x90)->ef, SSCARD_EF_DF04_06);
	assert_int_equal(sscard_elem_by_tag(0x93)->len, 2);
	/* 92: the sources disagree on its format; not guessed */
	assert_null(sscard_elem_by_tag(0x92));
	const sscard_file_info *f = sscard_file_info_of(SSCARD_EF_DF04_05);
	assert_string_equal(f->name, "SSSE/DF04/EF05");
	assert_string_equal(f->df, "DF04");
	assert_int_equal(f->fid, 0xEF05);
	assert_int_equal(f->sfi, 5);
	assert_string_equal(sscard_file_info_of(SSCARD_EF_SSSE_05)->df, "SSSE");
}

static void test_lookup_forms(void **state)
{
	(void)state;
	assert_ptr_equal(sscard_elem_lookup("08"), sscard_elem_by_tag(0x08));
	assert_ptr_equal(sscard_elem_lookup("0x4e"), sscard_elem_by_tag(0x4E));
	assert_ptr_equal(sscard_elem_lookup("4E"), sscard_elem_by_tag(0x4E));
	assert_ptr_equal(sscard_elem_lookup("d"), sscard_elem_by_tag(0x0D));
	assert_ptr_equal(sscard_elem_lookup("SSN"), sscard_elem_by_key("ssn"));
	assert_ptr_equal(sscard_elem_lookup("place of birth"), sscard_elem_by_key("birthplace"));
	assert_null(sscard_elem_lookup("108"));
	assert_null(sscard_elem_lookup("0x"));
	assert_null(sscard_elem_lookup("zz"));
	assert_null(sscard_elem_lookup("7C"));
	assert_ptr_equal(sscard_elem_lookup("7F"), sscard_elem_by_key("mi_injury3"));
	assert_null(sscard_elem_lookup(""));
	assert_null(sscard_elem_lookup(NULL));
}

static void test_format_names(void **state)
{
	(void)state;
	assert_string_equal(sscard_format_name(SSCARD_FMT_B), "b");
	assert_string_equal(sscard_format_name(SSCARD_FMT_CN_DATE), "cn-date");
	assert_string_equal(sscard_format_name(SSCARD_FMT_GBK_FF), "gbk-ff");
	assert_string_equal(sscard_format_name((sscard_format)0), "?");
	assert_string_equal(sscard_format_name((sscard_format)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_present_once),
		cmocka_unit_test(test_tags_unique_and_found),
		cmocka_unit_test(test_rows_consistent),
		cmocka_unit_test(test_df04_rows),
		cmocka_unit_test(test_design_facts),
		cmocka_unit_test(test_lookup_forms),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
