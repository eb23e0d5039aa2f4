/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validation of decoded values (lib/validate.c): every failure named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

/* A consistent healthy card (GB 11643's own example number). */
static const struct { const char *key, *text; } healthy[] = {
	{ "card_id", "110105D15600000500BF7C7A48FB4966" },
	{ "card_type", "3" },
	{ "spec_version", "3.00" },
	{ "issuer", "110105000001" },
	{ "issue_date", "2020-10-01" },
	{ "expiry_date", "2030-10-01" },
	{ "card_number", "X00000019" },
	{ "ssn", "11010519491231002X" },
	{ "name", "张三" },
	{ "sex", "2" },
	{ "ethnicity", "01" },
	{ "birthplace", "110105" },
	{ "birth_date", "1949-12-31" },
};

static void fill(sscard_elem_values *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sizeof(healthy) / sizeof(healthy[0]); i++)
		v->text[sscard_elem_index(sscard_elem_by_key(healthy[i].key))] = healthy[i].text;
}

static void set(sscard_elem_values *v, const char *key, const char *text)
{
	v->text[sscard_elem_index(sscard_elem_by_key(key))] = text;
}

static void test_healthy_card_valid(void **state)
{
	(void)state;
	sscard_elem_values v;
	sscard_problems p;
	fill(&v);
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	assert_int_equal(p.count, 0);
	set(&v, "name_ext", "欧阳");
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	assert_int_equal(p.count, 0);
	assert_int_equal(sscard_validate_values(NULL, &p), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_validate_values(&v, NULL), SSCARD_E_INVALID_ARG);
}

typedef struct fail_case {
	const char *key;   /* element changed */
	const char *text;  /* its bad value */
	const char *blamed;/* element the problem names */
	sscard_problem_code code;
	const char *why;   /* part of the text */
} fail_case;

static const fail_case fails[] = {
	{ "card_id", "110105D15600000500BF7C7A48FB49", "card_id", SSCARD_PROBLEM_FORMAT, "32 hex" },
	{ "card_id", "1101A5D15600000500BF7C7A48FB4966", "card_id", SSCARD_PROBLEM_FORMAT, "region" },
	{ "card_id", "110105D15600000600BF7C7A48FB4966", "card_id", SSCARD_PROBLEM_FORMAT, "D156000005" },
	{ "card_type", "-", "card_type", SSCARD_PROBLEM_FORMAT, "letter or digit" },
	{ "spec_version", "3.0", "spec_version", SSCARD_PROBLEM_FORMAT, "like 3.00" },
	{ "spec_version", "3-00", "spec_version", SSCARD_PROBLEM_FORMAT, "3-00" },
	{ "issuer", "1101", "issuer", SSCARD_PROBLEM_FORMAT, "6 or more digits" },
	{ "issue_date", "2021-02-29", "issue_date", SSCARD_PROBLEM_DATE, "not a real calendar date" },
	{ "issue_date", "2020-13-01", "issue_date", SSCARD_PROBLEM_DATE, "2020-13-01" },
	{ "expiry_date", "1900-02-29", "expiry_date", SSCARD_PROBLEM_DATE, "1900-02-29" },
	{ "expiry_date", "2030-04-31", "expiry_date", SSCARD_PROBLEM_DATE, "2030-04-31" },
	{ "expiry_date", "2020-10-01", "expiry_date", SSCARD_PROBLEM_EXPIRY_ORDER, "not after the issue date 2020-10-01" },
	{ "expiry_date", "2019-01-01", "expiry_date", SSCARD_PROBLEM_EXPIRY_ORDER, "2019-01-01" },
	{ "card_number", "x00000019", "card_number", SSCARD_PROBLEM_FORMAT, "upper-case" },
	{ "card_number", "X0000001", "card_number", SSCARD_PROBLEM_FORMAT, "9 " },
	{ "ssn", "11010519491231002", "ssn", SSCARD_PROBLEM_FORMAT, "17 digits" },
	{ "ssn", "1101051949123100x", "ssn", SSCARD_PROBLEM_FORMAT, "check character" },
	{ "ssn", "11010519491231002x", "ssn", SSCARD_PROBLEM_FORMAT, "0-9, X" },
	{ "ssn", "110105194912310029", "ssn", SSCARD_PROBLEM_CHECK_DIGIT, "is 9, should be X" },
	{ "ssn", "110105194902300025", "ssn", SSCARD_PROBLEM_DATE, "19490230" },
	{ "sex", "0", "sex", SSCARD_PROBLEM_FORMAT, "neither 1 (male) nor 2 (female)" },
	{ "sex", "1", "sex", SSCARD_PROBLEM_SEX_MISMATCH, "17th digit 2 says female" },
	{ "ethnicity", "57", "ethnicity", SSCARD_PROBLEM_FORMAT, "GB 3304" },
	{ "ethnicity", "00", "ethnicity", SSCARD_PROBLEM_FORMAT, "00" },
	{ "birthplace", "0101", "birthplace", SSCARD_PROBLEM_FORMAT, "GB/T 2260" },
	{ "birthplace", "010105", "birthplace", SSCARD_PROBLEM_FORMAT, "010105" },
	{ "birth_date", "1949-12-30", "birth_date", SSCARD_PROBLEM_BIRTH_MISMATCH, "differs from 19491231" },
	{ "birth_date", "1949-02-30", "birth_date", SSCARD_PROBLEM_DATE, "1949-02-30" },
	{ "name", "", "name", SSCARD_PROBLEM_MISSING, "absent" },
	{ "ssn", NULL, "ssn", SSCARD_PROBLEM_MISSING, "social security number (ssn)" },
};

static void test_each_failure_named(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		sscard_elem_values v;
		sscard_problems p;
		fill(&v);
		set(&v, fails[i].key, fails[i].text);
		assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
		if (p.count != 1 || strcmp(p.item[0].elem->key, fails[i].blamed) != 0 ||
		    p.item[0].code != fails[i].code || strstr(p.item[0].text, fails[i].why) == NULL)
			fail_msg("case %zu (%s=%s): %zu problems, first %s %s \"%s\"", i, fails[i].key,
			         fails[i].text ? fails[i].text : "NULL", p.count,
			         p.count ? p.item[0].elem->key : "-",
			         p.count ? sscard_problem_name((int)p.item[0].code) : "-",
			         p.count ? p.item[0].text : "");
	}
}

static void test_withheld_and_unreadable(void **state)
{
	(void)state;
	sscard_elem_values v;
	sscard_problems p;
	fill(&v);
	/* a 3.0 card without external authentication: EF06 withheld */
	for (size_t i = 0; i < sscard_elem_count(); i++)
		if (sscard_elem_at(i)->ef == SSCARD_EF_SSSE_06) {
			v.text[i] = NULL;
			v.withheld[i] = true;
		}
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	assert_int_equal(p.count, 0);

	fill(&v);
	size_t n = sscard_elem_index(sscard_elem_by_key("name"));
	v.text[n] = NULL;
	v.unreadable[n] = true;
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	assert_int_equal(p.count, 1);
	assert_int_equal(p.item[0].code, SSCARD_PROBLEM_UNREADABLE);
	assert_string_equal(p.item[0].elem->key, "name");
}

static void test_blank_card_lists_every_mandatory(void **state)
{
	(void)state;
	sscard_elem_values v;
	sscard_problems p;
	memset(&v, 0, sizeof(v));
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	size_t mandatory = 0;
	for (size_t i = 0; i < sscard_elem_count(); i++)
		mandatory += sscard_elem_at(i)->mandatory;
	assert_int_equal(p.count, mandatory);
	for (size_t i = 0; i < p.count; i++)
		assert_int_equal(p.item[i].code, SSCARD_PROBLEM_MISSING);
}

static void test_several_problems_at_once(void **state)
{
	(void)state;
	sscard_elem_values v;
	sscard_problems p;
	fill(&v);
	set(&v, "ssn", "110105194912310029");   /* check digit */
	set(&v, "birth_date", "1950-01-01");    /* not compared: ssn bad */
	set(&v, "expiry_date", "2010-01-01");   /* before issue */
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	assert_int_equal(p.count, 2);
	assert_int_equal(p.item[0].code, SSCARD_PROBLEM_CHECK_DIGIT);
	assert_int_equal(p.item[1].code, SSCARD_PROBLEM_EXPIRY_ORDER);
}

static void test_check_char_and_dates(void **state)
{
	(void)state;
	assert_int_equal(sscard_ssn_check_char("11010519491231002"), 'X');
	assert_int_equal(sscard_ssn_check_char("44052418800101001"), '4');
	assert_int_equal(sscard_ssn_check_char("11111119810101111"), '0');
	assert_int_equal(sscard_ssn_check_char("1101051949123100"), 0);
	assert_int_equal(sscard_ssn_check_char("1101051949123100A"), 0);
	assert_int_equal(sscard_ssn_check_char(NULL), 0);
	assert_true(sscard_date_is_real("2000-02-29"));
	assert_true(sscard_date_is_real("2024-02-29"));
	assert_false(sscard_date_is_real("2100-02-29"));
	assert_false(sscard_date_is_real("2023-02-29"));
	assert_false(sscard_date_is_real("2023-00-10"));
	assert_false(sscard_date_is_real("2023-01-00"));
	assert_false(sscard_date_is_real("2023-01-32"));
	assert_false(sscard_date_is_real("1899-12-31"));
	assert_false(sscard_date_is_real("20230101"));
	assert_false(sscard_date_is_real(NULL));
	assert_true(sscard_date_is_real("2023-12-31"));
}

static void test_problem_names(void **state)
{
	(void)state;
	assert_string_equal(sscard_problem_name(SSCARD_PROBLEM_MISSING), "MISSING");
	assert_string_equal(sscard_problem_name(SSCARD_PROBLEM_CHECK_DIGIT), "CHECK_DIGIT");
	assert_string_equal(sscard_problem_name(SSCARD_PROBLEM_UNREADABLE), "UNREADABLE");
	assert_string_equal(sscard_problem_name(0), "UNKNOWN");
	assert_string_equal(sscard_problem_name(99), "UNKNOWN");
	assert_string_equal(sscard_problem_name(-1), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_card_valid),
		cmocka_unit_test(test_each_failure_named),
		cmocka_unit_test(test_withheld_and_unreadable),
		cmocka_unit_test(test_blank_card_lists_every_mandatory),
		cmocka_unit_test(test_several_problems_at_once),
		cmocka_unit_test(test_check_char_and_dates),
		cmocka_unit_test(test_problem_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
