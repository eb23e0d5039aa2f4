/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/ssc.c and lib/pin.c against the in-process simulator (lib/sim):
 * every element and every validation failure from a card, GBK names with
 * rare characters, corrupt records named precisely, the PIN counter.
 * Profiles are the shipped healthy-v3.json or written per test from a 2.0
 * base (EF06 free to read) with one change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "elements.h"
#include "internal.h"

static const char base_v2[] =
	"{ \"description\": \"test_ssc_sim base: 2.0 card, EF06 free to read\","
	"  \"version\": 2, \"algorithm\": \"3des\", \"protocol\": 0,"
	"  \"atr\": \"3B6D00000087CF20018649618C009773F5\","
	"  \"elements\": {"
	"    \"card_id\": \"110105D15600000500A1B2C3D4E5F607\", \"card_type\": \"3\","
	"    \"spec_version\": \"2.00\", \"issuer\": \"110105000001\","
	"    \"issue_date\": \"2020-10-01\", \"expiry_date\": \"2030-10-01\","
	"    \"card_number\": \"X00000019\", \"ssn\": \"11010519491231002X\","
	"    \"name\": \"欧阳娜娜\", \"sex\": \"2\", \"ethnicity\": \"01\","
	"    \"birthplace\": \"110105\", \"birth_date\": \"1949-12-31\" },"
	"  \"pin\": { \"value\": \"123456\", \"tries\": 3, \"max\": 3 } }";

typedef struct fixture {
	sscard_ctx *ctx;
	char path[256];
} fixture;

static int setup(void **state)
{
	static fixture f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(sscard_ctx_new(&f.ctx), SSCARD_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (f->path[0] != '\0')
		unlink(f->path);
	sscard_ctx_free(&f->ctx);
	return 0;
}

/* Write base_v2 with elements[key] = text (text NULL: removed) and an
 * optional "faults" object; return the "sim:PATH" reader name. */
static const char *profile(fixture *f, const char *key, const char *text, const char *faults)
{
	json_object *root = json_tokener_parse(base_v2), *elements;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "elements", &elements));
	if (key != NULL && text != NULL)
		json_object_object_add(elements, key, json_object_new_string(text));
	else if (key != NULL)
		json_object_object_del(elements, key);
	if (faults != NULL)
		json_object_object_add(root, "faults", json_tokener_parse(faults));
	if (f->path[0] != '\0')
		unlink(f->path);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->path, sizeof(f->path), "%s/test_ssc_sim-XXXXXX", tmp ? tmp : "/tmp");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	json_object_put(root);
	static char reader[300];
	snprintf(reader, sizeof(reader), "sim:%s", f->path);
	return reader;
}

static sscard_card *connect_to(fixture *f, const char *reader)
{
	sscard_card *card = NULL;
	assert_int_equal(sscard_connect(f->ctx, reader, &card), SSCARD_OK);
	return card;
}

static sscard_basic *read_all(sscard_card *card)
{
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	return b;
}

static size_t idx(const char *key)
{
	return sscard_elem_index(sscard_elem_by_key(key));
}

/* The shipped 3.0 card: EF05 read, EF06 withheld (no EXTERNAL
 * AUTHENTICATE), in the fewest APDUs. */
static void test_healthy_v3(void **state)
{
	fixture *f = *state;
	char reader[512];
	const char *vec = getenv("SSCARD_VECTORS");
	snprintf(reader, sizeof(reader), "sim:%s/cards/healthy-v3.json", vec ? vec : "vectors");
	sscard_card *card = connect_to(f, reader);
	sscard_basic *b = read_all(card);
	/* SELECT, 7 EF05 records, one EF06 record answering 6982, SELECT
	 * EF0D and its two records by number (free to read) */
	assert_int_equal(sscard_card_apdu_count(card), 12);
	assert_string_equal(sscard_basic_get(b, "person_id"), "110101000017");
	assert_string_equal(sscard_basic_get(b, "first_region"), "110100");
	assert_string_equal(sscard_basic_get(b, "card_id"), "110100D15600000500A1B2C3D4E5F607");
	assert_string_equal(sscard_basic_get(b, "spec_version"), "3.00");
	assert_string_equal(sscard_basic_get(b, "issue_date"), "2021-03-15");
	assert_string_equal(sscard_basic_get(b, "card_number"), "A00000019");
	for (size_t i = 0; i < sscard_elem_count(); i++)
		if (sscard_elem_at(i)->ef == SSCARD_EF_SSSE_06) {
			char own[32];
			assert_int_equal(sscard_basic_status(b, i), SSCARD_ELEM_WITHHELD);
			assert_int_equal(sscard_basic_error(b, i), SSCARD_E_SECURITY);
			/* each detail names its own element (issue #19) */
			snprintf(own, sizeof(own), "%s (tag %02X)", sscard_element_key(i),
			         sscard_element_tag(i));
			if (strstr(sscard_basic_detail(b, i), i == idx("ssn") ? "READ RECORD 08 (ssn)" : own) == NULL)
				fail_msg("%s: %s", own, sscard_basic_detail(b, i));
		}
	assert_true(sscard_basic_valid(b));
	/* read again: SSSE stays selected, no SELECT */
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	assert_int_equal(sscard_card_apdu_count(card), 12 + 11);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

/* Every element of a 2.0 card, with the exact text of the profile. */
static void test_every_element_v2(void **state)
{
	fixture *f = *state;
	sscard_card *card = connect_to(f, profile(f, NULL, NULL, NULL));
	sscard_basic *b = read_all(card);
	json_object *root = json_tokener_parse(base_v2), *elements;
	json_object_object_get_ex(root, "elements", &elements);
	json_object_object_foreach(elements, key, v) {
		assert_int_equal(sscard_basic_status(b, idx(key)), SSCARD_ELEM_PRESENT);
		assert_string_equal(sscard_basic_get(b, key), json_object_get_string(v));
	}
	json_object_put(root);
	/* name_ext is a 3.0 element: not asked of a 2.0 card */
	assert_int_equal(sscard_basic_status(b, idx("name_ext")), SSCARD_ELEM_NOT_FOUND);
	/* not asked of a 2.0 card: name_ext and EF0D's two */
	assert_int_equal(sscard_card_apdu_count(card), 1 + sscard_elem_count() - 3);
	assert_true(sscard_basic_valid(b));
	assert_int_equal(sscard_basic_problem_count(b), 0);

	/* one by one, by key and by tag */
	char text[SSCARD_ELEM_TEXT_MAX];
	assert_int_equal(sscard_read_element(card, "0D", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "1949-12-31");
	assert_int_equal(sscard_read_element(card, "name", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "欧阳娜娜");
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

static void test_gbk_rare_names(void **state)
{
	fixture *f = *state;
	static const char *const names[] = { "欧阳", "司马相如", "€", "A·B", "一二三四五六七八九十一二三四五" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sscard_card *card = connect_to(f, profile(f, "name", names[i], NULL));
		char text[SSCARD_ELEM_TEXT_MAX];
		assert_int_equal(sscard_read_element(card, "name", text, sizeof(text)), SSCARD_OK);
		assert_string_equal(text, names[i]);
		sscard_disconnect(&card);
	}
	/* 䶮 (U+4DAE) has no GBK code: the profile cannot even be made, and
	 * the loader says which character */
	sscard_card *card = NULL;
	assert_int_equal(sscard_connect(f->ctx, profile(f, "name", "刘䶮", NULL), &card),
	                 SSCARD_E_PROFILE);
	assert_null(card);
	/* 16 characters are 32 GBK bytes: never truncated into 30 */
	assert_int_equal(sscard_connect(f->ctx, profile(f, "name", "一二三四五六七八九十一二三四五六", NULL), &card),
	                 SSCARD_E_PROFILE);
}

typedef struct vcase {
	const char *key, *text;
	const char *blamed;
	sscard_problem_code code;
} vcase;

/* Every validation failure, each from a card holding it. */
static const vcase vcases[] = {
	{ "card_id", "110105D15600000600A1B2C3D4E5F607", "card_id", SSCARD_PROBLEM_FORMAT },
	{ "card_type", "-", "card_type", SSCARD_PROBLEM_FORMAT },
	{ "spec_version", "2.0", "spec_version", SSCARD_PROBLEM_FORMAT },
	{ "issuer", "1101", "issuer", SSCARD_PROBLEM_FORMAT },
	{ "issue_date", "2021-02-29", "issue_date", SSCARD_PROBLEM_DATE },
	{ "expiry_date", "2030-13-01", "expiry_date", SSCARD_PROBLEM_DATE },
	{ "expiry_date", "2020-09-30", "expiry_date", SSCARD_PROBLEM_EXPIRY_ORDER },
	{ "card_number", "x0000001", "card_number", SSCARD_PROBLEM_FORMAT },
	{ "ssn", "110105194912310029", "ssn", SSCARD_PROBLEM_CHECK_DIGIT },
	{ "ssn", "11010519491231002", "ssn", SSCARD_PROBLEM_FORMAT },
	{ "ssn", "110105194902300025", "ssn", SSCARD_PROBLEM_DATE },
	{ "sex", "9", "sex", SSCARD_PROBLEM_FORMAT },
	{ "sex", "1", "sex", SSCARD_PROBLEM_SEX_MISMATCH },
	{ "ethnicity", "99", "ethnicity", SSCARD_PROBLEM_FORMAT },
	{ "birthplace", "0101", "birthplace", SSCARD_PROBLEM_FORMAT },
	{ "birth_date", "1949-12-30", "birth_date", SSCARD_PROBLEM_BIRTH_MISMATCH },
	{ "birth_date", "1949-02-30", "birth_date", SSCARD_PROBLEM_DATE },
	{ "name", NULL, "name", SSCARD_PROBLEM_MISSING },
	{ "ssn", "", "ssn", SSCARD_PROBLEM_MISSING },
};

static void test_every_validation_failure(void **state)
{
	fixture *f = *state;
	for (size_t c = 0; c < sizeof(vcases) / sizeof(vcases[0]); c++) {
		sscard_card *card = connect_to(f, profile(f, vcases[c].key, vcases[c].text, NULL));
		sscard_basic *b = read_all(card);
		const char *key = NULL, *text = NULL;
		int code = 0;
		assert_false(sscard_basic_valid(b));
		assert_int_equal(sscard_basic_problem(b, 0, &key, &code, &text), SSCARD_OK);
		if (sscard_basic_problem_count(b) != 1 || strcmp(key, vcases[c].blamed) != 0 ||
		    code != (int)vcases[c].code)
			fail_msg("case %zu (%s=%s): %zu problems, first %s %s: %s", c, vcases[c].key,
			         vcases[c].text ? vcases[c].text : "(none)", sscard_basic_problem_count(b),
			         key, sscard_problem_name(code), text);
		sscard_basic_free(&b);
		sscard_disconnect(&card);
	}
}

typedef struct ccase {
	const char *faults;
	const char *key;
	sscard_elem_status status;
	sscard_rc rc;
	const char *detail;
} ccase;

/* Records the card answers wrongly: the element is UNREADABLE, named with
 * its tag and what was wrong; the other elements are still read. EF06 of
 * a 2.0 card: record 1 ssn (08), 2 name (09), 3 sex (0A). A record whose
 * tag is wrong cannot be found by its identifier on a card that searches
 * honestly (6A83: the element is missing); test_ssc.c has a card that
 * answers with the wrong tag. */
static const ccase ccases[] = {
	{ "{\"corrupt_record\": {\"file\": \"SSSE/EF06\", \"record\": 1, \"hex\": \"0712313130313035313934393132333130303258\"}}",
	  "ssn", SSCARD_ELEM_NOT_FOUND, SSCARD_E_RECORD_NOT_FOUND, "READ RECORD 08 (ssn): 6A83" },
	{ "{\"corrupt_record\": {\"file\": \"SSSE/EF06\", \"record\": 3, \"hex\": \"0A023132\"}}",
	  /* overlong: the answer exceeds Le (BAD_RESPONSE) or, after a 6Cxx
	   * resend, the length exceeds the element (BAD_DATA) */
	  "sex", SSCARD_ELEM_UNREADABLE, SSCARD_OK, "READ RECORD 0A (sex)" },
	{ "{\"corrupt_record\": {\"file\": \"SSSE/EF06\", \"record\": 2, \"hex\": \"091EC5B7D1F4\"}}",
	  "name", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_DATA, "record 09: length 30 but only 4 value bytes (truncated)" },
	{ "{\"corrupt_record\": {\"file\": \"SSSE/EF06\", \"record\": 2, \"hex\": \"0904AAA1C5B7\"}}",
	  "name", SSCARD_ELEM_UNREADABLE, SSCARD_E_ENCODING, "name (tag 09): invalid GBK byte sequence at offset 0" },
	{ "{\"corrupt_record\": {\"file\": \"SSSE/EF06\", \"record\": 2, \"hex\": \"09\"}}",
	  "name", SSCARD_ELEM_UNREADABLE, SSCARD_E_BAD_DATA, "record 09: 1 byte, a record needs tag and length" },
};

static void test_corrupt_records_named(void **state)
{
	fixture *f = *state;
	for (size_t c = 0; c < sizeof(ccases) / sizeof(ccases[0]); c++) {
		sscard_card *card = connect_to(f, profile(f, NULL, NULL, ccases[c].faults));
		sscard_basic *b = read_all(card);
		size_t k = idx(ccases[c].key);
		sscard_rc rc = sscard_basic_error(b, k);
		bool rc_ok = ccases[c].rc != SSCARD_OK ? rc == ccases[c].rc
		                                       : rc == SSCARD_E_BAD_DATA || rc == SSCARD_E_BAD_RESPONSE;
		if (sscard_basic_status(b, k) != ccases[c].status || !rc_ok ||
		    strstr(sscard_basic_detail(b, k), ccases[c].detail) == NULL)
			fail_msg("case %zu: status %d rc %d detail \"%s\"", c, sscard_basic_status(b, k),
			         sscard_basic_error(b, k), sscard_basic_detail(b, k));
		if (strstr(sscard_basic_detail(b, k), ccases[c].detail) == NULL)
			fail_msg("case %zu: detail \"%s\" lacks \"%s\"", c, sscard_basic_detail(b, k),
			         ccases[c].detail);
		assert_string_equal(sscard_basic_get(b, "birth_date"), "1949-12-31");
		const char *key;
		int code;
		assert_int_equal(sscard_basic_problem(b, 0, &key, &code, NULL), SSCARD_OK);
		assert_string_equal(key, ccases[c].key);
		assert_int_equal(code, ccases[c].status == SSCARD_ELEM_UNREADABLE ? SSCARD_PROBLEM_UNREADABLE
		                                                                  : SSCARD_PROBLEM_MISSING);
		sscard_basic_free(&b);
		sscard_disconnect(&card);
	}
}

static void test_chip_error_in_ef06(void **state)
{
	fixture *f = *state;
	sscard_card *card = connect_to(f, profile(f, NULL, NULL,
	        "{\"chip_error\": {\"file\": \"SSSE/EF06\", \"sw\": \"6581\", \"on\": \"read\"}}"));
	sscard_basic *b = read_all(card);
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		if (e->ef == SSCARD_EF_SSSE_06 && !e->v3_only) {
			assert_int_equal(sscard_basic_status(b, i), SSCARD_ELEM_UNREADABLE);
			assert_int_equal(sscard_basic_error(b, i), SSCARD_E_MEMORY_FAILURE);
		} else if (e->ef == SSCARD_EF_SSSE_05) {
			assert_int_equal(sscard_basic_status(b, i), SSCARD_ELEM_PRESENT);
		}
	}
	assert_false(sscard_basic_valid(b));
	/* the problem states the card's real answer, not "malformed" */
	for (size_t i = 0; i < sscard_basic_problem_count(b); i++) {
		const char *text = NULL;
		assert_int_equal(sscard_basic_problem(b, i, NULL, NULL, &text), SSCARD_OK);
		if (strstr(text, "6581 memory failure") == NULL)
			fail_msg("problem %zu: %s", i, text);
	}
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

static void test_not_ssc_and_removed(void **state)
{
	fixture *f = *state;
	/* a card removed after 3 APDUs: the read fails as a whole */
	sscard_card *card = connect_to(f, profile(f, NULL, NULL, "{\"mute_after\": 3}"));
	sscard_basic *b = NULL;
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	sscard_rc rc = sscard_read_basic(card, b);
	assert_true(rc == SSCARD_E_MUTE || rc == SSCARD_E_TIMEOUT || rc == SSCARD_E_CARD_REMOVED);
	assert_null(sscard_basic_get(b, "card_id"));
	assert_false(sscard_basic_valid(b));
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

static void test_pin_on_the_sim(void **state)
{
	fixture *f = *state;
	sscard_card *card = connect_to(f, profile(f, NULL, NULL, NULL));
	int tries = 99;
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 3);
	assert_int_equal(sscard_pin_verify(card, "111111", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 2);
	/* the detail counts the tries (issue #19: it said "x tries left") */
	assert_non_null(strstr(sscard_card_last_detail(card), "63C2 wrong PIN, 2 tries left"));
	/* asking spends nothing */
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 2);
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 2);
	/* the right PIN resets the counter */
	assert_int_equal(sscard_pin_verify(card, "123456", &tries), SSCARD_OK);
	assert_int_equal(sscard_pin_change(card, "123456", "654321", &tries), SSCARD_OK);
	assert_int_equal(sscard_pin_verify(card, "123456", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(sscard_pin_verify(card, "654321", &tries), SSCARD_OK);
	assert_int_equal(sscard_pin_change(card, "000000", "111111", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 2);
	/* three wrong: blocked, and the right PIN no longer helps */
	assert_int_equal(sscard_pin_verify(card, "000000", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 1);
	assert_non_null(strstr(sscard_card_last_detail(card), "63C1 wrong PIN, 1 try left"));
	assert_int_equal(sscard_pin_verify(card, "000000", &tries), SSCARD_E_PIN_BLOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 0);
	assert_int_equal(sscard_pin_verify(card, "654321", &tries), SSCARD_E_PIN_BLOCKED);
	sscard_disconnect(&card);
}

/* ---- checking a write before it is sent (issue #19, item 1) -------------- */

typedef struct wcase {
	const char *key, *text;
	unsigned flags;
	sscard_rc rc;
	const char *detail; /* part of the detail; NULL: "" */
} wcase;

/* On base_v2 (ssn 11010519491231002X: born 1949-12-31, female; issued
 * 2020-10-01, expires 2030-10-01). */
static const wcase wcases[] = {
	/* a value failing its own check: refused, forced or not */
	{ "ssn", "123", 0, SSCARD_E_DATA_INVALID, "not 17 digits and a check character" },
	{ "ssn", "110105194912310021", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID,
	  "check character of \"110105194912310021\" is 1, should be X" },
	{ "birth_date", "1975-02-30", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID,
	  "\"1975-02-30\" is not a real calendar date" },
	{ "name", "", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID, "name (name): absent or blank" },
	{ "sex", "9", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID, "neither 1 (male) nor 2" },
	{ "card_type", "?", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID, "not one letter or digit" },
	{ "card_number", "X0000001", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID,
	  "not 9 upper-case letters or digits" },
	{ "ethnicity", "99", SSCARD_WRITE_FORCE, SSCARD_E_DATA_INVALID, "GB 3304" },
	/* the codec's refusals come first */
	{ "sex", "12", SSCARD_WRITE_FORCE, SSCARD_E_INVALID_ARG, "sex" },
	{ "birth_date", "1975-2-1", 0, SSCARD_E_INVALID_ARG, "birth" },
	{ "no-such", "1", 0, SSCARD_E_INVALID_ARG, "no data element \"no-such\"" },
	/* disagreeing with the card's other elements: refused unless forced */
	{ "expiry_date", "2001-01-01", 0, SSCARD_E_DATA_INVALID,
	  "2001-01-01 is not after the issue date 2020-10-01 (only a deliberate repair" },
	{ "expiry_date", "2001-01-01", SSCARD_WRITE_FORCE, SSCARD_OK, NULL },
	{ "issue_date", "2030-10-01", 0, SSCARD_E_DATA_INVALID, "not after the issue date" },
	{ "birth_date", "1950-01-01", 0, SSCARD_E_DATA_INVALID,
	  "1950-01-01 differs from 19491231 in the social security number" },
	{ "sex", "1", 0, SSCARD_E_DATA_INVALID, "17th digit 2 says female" },
	{ "sex", "1", SSCARD_WRITE_FORCE, SSCARD_OK, NULL },
	{ "ssn", "110105195001010020", 0, SSCARD_E_DATA_INVALID, "differs from 19500101" },
	{ "ssn", "110105194912310011", 0, SSCARD_E_DATA_INVALID, "17th digit 1 says male" },
	{ "ssn", "110105195001010020", SSCARD_WRITE_FORCE, SSCARD_OK, NULL },
	/* good values, the card's own form or another */
	{ "birth_date", "19491231", 0, SSCARD_OK, NULL },
	{ "expiry_date", "2040-10-01", 0, SSCARD_OK, NULL },
	{ "name", "王五", 0, SSCARD_OK, NULL },
	{ "card_number", "Z00000001", 0, SSCARD_OK, NULL },
	{ "09", "欧阳修", 0, SSCARD_OK, NULL },
	/* DF04 elements: the codec's shape only, no SSSE relations */
	{ "mi_region", "110105", 0, SSCARD_OK, NULL },
	{ "mi_region", "11A", 0, SSCARD_E_INVALID_ARG, NULL },
};

static void check_case(sscard_card *card, const wcase *w, size_t c)
{
	sscard_rc rc = sscard_check_write(card, NULL, w->key, w->text, w->flags);
	const char *detail = sscard_card_last_detail(card);
	if (rc != w->rc || (w->detail != NULL && strstr(detail, w->detail) == NULL))
		fail_msg("case %zu (%s=\"%s\", flags %u): %s \"%s\", expected %s \"%s\"", c, w->key,
		         w->text, w->flags, sscard_rc_name(rc), detail, sscard_rc_name(w->rc),
		         w->detail ? w->detail : "");
}

static void test_check_write(void **state)
{
	fixture *f = *state;
	sscard_card *card = connect_to(f, profile(f, NULL, NULL, NULL));
	char before[SSCARD_ELEM_TEXT_MAX], after[SSCARD_ELEM_TEXT_MAX];

	assert_int_equal(sscard_read_element(card, "ssn", before, sizeof(before)), SSCARD_OK);
	for (size_t c = 0; c < sizeof(wcases) / sizeof(wcases[0]); c++)
		check_case(card, &wcases[c], c);
	/* nothing was written */
	assert_int_equal(sscard_read_element(card, "ssn", after, sizeof(after)), SSCARD_OK);
	assert_string_equal(before, after);
	assert_int_equal(sscard_check_write(NULL, NULL, "ssn", "1", 0), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_check_write(card, NULL, NULL, "1", 0), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_check_write(card, NULL, "ssn", NULL, 0), SSCARD_E_INVALID_ARG);
	sscard_disconnect(&card);
}

/* The pure form on data already read; problems the card had that the
 * write does not touch do not refuse it, and a repair is accepted. */
static void test_basic_check_write(void **state)
{
	fixture *f = *state;
	sscard_card *card = connect_to(f, profile(f, "birth_date", "1949-12-30", NULL));
	sscard_basic *b = read_all(card);
	sscard_basic *unread = NULL;
	char detail[256];

	assert_false(sscard_basic_valid(b)); /* BIRTH_MISMATCH */
	assert_int_equal(sscard_basic_check_write(b, "name", "王五", 0, detail, sizeof(detail)),
	                 SSCARD_OK);
	assert_string_equal(detail, "");
	assert_int_equal(sscard_basic_check_write(b, "birth_date", "1949-12-31", 0, detail,
	                                          sizeof(detail)), SSCARD_OK);
	/* another wrong date of birth is a new problem */
	assert_int_equal(sscard_basic_check_write(b, "birth_date", "1949-12-29", 0, detail,
	                                          sizeof(detail)), SSCARD_E_DATA_INVALID);
	assert_non_null(strstr(detail, "1949-12-29 differs from 19491231"));
	/* every reason is named, cut to the caller's buffer */
	assert_int_equal(sscard_basic_check_write(b, "ssn", "110105195001010011", 0, detail,
	                                          sizeof(detail)), SSCARD_E_DATA_INVALID);
	assert_non_null(strstr(detail, "check character"));
	assert_int_equal(sscard_basic_check_write(b, "ssn", "1", 0, detail, 8),
	                 SSCARD_E_DATA_INVALID);
	assert_int_equal(strlen(detail), 7);
	assert_int_equal(sscard_basic_check_write(b, "ssn", "1", 0, NULL, 0),
	                 SSCARD_E_DATA_INVALID);
	/* a result that was never filled by a read cannot judge */
	assert_int_equal(sscard_basic_new(&unread), SSCARD_OK);
	assert_int_equal(sscard_basic_check_write(unread, "name", "王五", 0, detail,
	                                          sizeof(detail)), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_basic_check_write(NULL, "name", "王五", 0, NULL, 0),
	                 SSCARD_E_INVALID_ARG);
	sscard_basic_free(&unread);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
}

/* A private copy (mode 600, as the library demands) of a test keystore. */
static sscard_keys *test_keys(fixture *f, const char *name)
{
	char src[512], dst[256], buf[4096];
	const char *vec = getenv("SSCARD_VECTORS");
	sscard_keys *keys = NULL;
	snprintf(src, sizeof(src), "%s/sm/%s", vec ? vec : "vectors", name);
	snprintf(dst, sizeof(dst), "%s/test_ssc_sim-keys-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(dst);
	FILE *in = fopen(src, "r");
	assert_true(fd >= 0);
	assert_non_null(in);
	size_t n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(dst, 0600), 0);
	assert_int_equal(sscard_keys_open_file(f->ctx, dst, &keys), SSCARD_OK);
	unlink(dst);
	return keys;
}

/* A 3.0 card withholds EF06: with keys the check authenticates to judge
 * the holder's elements, and only when the element needs them. */
static void test_check_write_v3(void **state)
{
	fixture *f = *state;
	char reader[512];
	const char *vec = getenv("SSCARD_VECTORS");
	snprintf(reader, sizeof(reader), "sim:%s/cards/healthy-v3.json", vec ? vec : "vectors");
	sscard_card *card = connect_to(f, reader);
	sscard_keys *good = test_keys(f, "healthy-v3.keys");
	sscard_keys *wrong = test_keys(f, "wrong.keys");

	/* the card's sex is 1, its SSN's 17th digit 1 (male) */
	assert_int_equal(sscard_check_write(card, good, "sex", "2", 0), SSCARD_E_DATA_INVALID);
	assert_non_null(strstr(sscard_card_last_detail(card), "says male"));
	assert_int_equal(sscard_check_write(card, good, "sex", "2", SSCARD_WRITE_FORCE), SSCARD_OK);
	assert_int_equal(sscard_check_write(card, good, "birth_date", "1981-01-01", 0), SSCARD_OK);
	/* EF05 needs no authentication: wrong keys are not even tried */
	assert_int_equal(sscard_check_write(card, wrong, "card_number", "Z00000001", 0), SSCARD_OK);
	sscard_disconnect(&card);
	card = connect_to(f, reader);
	assert_int_equal(sscard_check_write(card, wrong, "sex", "2", 0), SSCARD_E_KEYS_MISMATCH);
	assert_non_null(strstr(sscard_card_last_detail(card), "to check the write"));
	/* without keys the withheld elements cannot be judged, its own check still runs */
	assert_int_equal(sscard_check_write(card, NULL, "sex", "2", 0), SSCARD_OK);
	assert_int_equal(sscard_check_write(card, NULL, "sex", "3", 0), SSCARD_E_DATA_INVALID);
	sscard_keys_free(&good);
	sscard_keys_free(&wrong);
	sscard_disconnect(&card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy_v3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_element_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gbk_rare_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_validation_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_records_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chip_error_in_ef06, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ssc_and_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_on_the_sim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_check_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_write_v3, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
