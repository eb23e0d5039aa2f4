/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/pin.c against scripted cards: exact APDUs, one try per call, tries
 * left from 63Cx, PIN digits never in the trace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "script_card.h"

#define SELECT_SSSE "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"

typedef struct fixture {
	sscard_ctx *ctx;
	char trace[2048];
} fixture;

static void collect(void *ud, sscard_trace_dir dir, const char *hex)
{
	fixture *f = ud;
	(void)dir;
	strncat(f->trace, hex, sizeof(f->trace) - strlen(f->trace) - 2);
	strcat(f->trace, "\n");
}

static int setup(void **state)
{
	static fixture f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(sscard_ctx_new(&f.ctx), SSCARD_OK);
	assert_int_equal(sscard_ctx_set_trace(f.ctx, collect, &f), SSCARD_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	sscard_ctx_free(&f->ctx);
	return 0;
}

static void test_verify_ok_and_masked(void **state)
{
	fixture *f = *state;
	static const script_step steps[] = {
		{ SELECT_SSSE, "9000", SSCARD_OK },
		{ "0020000003123456", "9000", SSCARD_OK },
	};
	sscard_card *card = script_card_connect(f->ctx, steps, 2);
	int tries = 99;
	assert_int_equal(sscard_pin_verify(card, "123456", &tries), SSCARD_OK);
	assert_int_equal(tries, -1);
	assert_int_equal(sscard_card_apdu_count(card), 2);
	assert_null(strstr(f->trace, "123456"));
	assert_non_null(strstr(f->trace, "0020000003******"));
	sscard_disconnect(&card);
}

static void test_wrong_pin_sent_once(void **state)
{
	fixture *f = *state;
	static const script_step steps[] = {
		{ SELECT_SSSE, "9000", SSCARD_OK },
		{ "0020000003111111", "63C2", SSCARD_OK },
		{ "0020000003222222", "63C1", SSCARD_OK },
		{ "0020000003333333", "6983", SSCARD_OK },
	};
	sscard_card *card = script_card_connect(f->ctx, steps, 4);
	int tries = 99;
	assert_int_equal(sscard_pin_verify(card, "111111", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 2);
	/* exactly one VERIFY: the library did not try again */
	assert_int_equal(sscard_card_apdu_count(card), 2);
	assert_int_equal(sscard_card_last_sw(card), 0x63C2);
	assert_int_equal(sscard_pin_verify(card, "222222", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 1);
	assert_int_equal(sscard_pin_verify(card, "333333", &tries), SSCARD_E_PIN_BLOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(sscard_card_apdu_count(card), 4);
	sscard_disconnect(&card);
}

static void test_bad_pin_not_sent(void **state)
{
	fixture *f = *state;
	sscard_card *card = script_card_connect(f->ctx, NULL, 0);
	static const char *const bad[] = { "12345", "1234567", "12a456", "", " 12345", "12345\n" };
	int tries = 5;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sscard_pin_verify(card, bad[i], &tries), SSCARD_E_INVALID_ARG);
		assert_int_equal(tries, -1);
	}
	assert_int_equal(sscard_pin_verify(card, NULL, NULL), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_pin_change(card, "123456", "12345", NULL), SSCARD_E_INVALID_ARG);
	assert_non_null(strstr(sscard_card_last_detail(card), "new PIN"));
	assert_int_equal(sscard_pin_change(card, "1x3456", "123456", NULL), SSCARD_E_INVALID_ARG);
	assert_non_null(strstr(sscard_card_last_detail(card), "current PIN"));
	assert_int_equal(sscard_card_apdu_count(card), 0);
	assert_int_equal(sscard_pin_verify(NULL, "123456", NULL), SSCARD_E_INVALID_ARG);
	sscard_disconnect(&card);
}

static void test_tries_without_a_try(void **state)
{
	fixture *f = *state;
	static const script_step steps[] = {
		{ SELECT_SSSE, "9000", SSCARD_OK },
		{ "00200000", "63C3", SSCARD_OK },
		{ "00200000", "9000", SSCARD_OK },
		{ "00200000", "6983", SSCARD_OK },
		{ "00200000", "6A81", SSCARD_OK },
	};
	sscard_card *card = script_card_connect(f->ctx, steps, 5);
	int tries = 99;
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 3);
	assert_string_equal(sscard_card_last_detail(card), "");
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, -1); /* already verified */
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 0);  /* blocked */
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_E_NOT_SUPPORTED);
	assert_int_equal(tries, -1);
	assert_int_equal(sscard_pin_tries(card, NULL), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_card_apdu_count(card), 5);
	sscard_disconnect(&card);
}

/* Found by fuzz_ssc: a card answering 63Cx to the SELECT has not told
 * the tries left; that is an error, not a count. */
static void test_tries_only_from_verify(void **state)
{
	fixture *f = *state;
	static const script_step steps[] = {
		{ SELECT_SSSE, "63C2", SSCARD_OK },
		{ SELECT_SSSE, "6983", SSCARD_OK },
	};
	sscard_card *card = script_card_connect(f->ctx, steps, 2);
	int tries = 99;
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, -1);
	assert_non_null(strstr(sscard_card_last_detail(card), "SELECT"));
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_E_PIN_BLOCKED);
	assert_int_equal(tries, -1);
	sscard_disconnect(&card);
}

static void test_change(void **state)
{
	fixture *f = *state;
	static const script_step steps[] = {
		{ SELECT_SSSE, "9000", SSCARD_OK },
		{ "805E010007123456FF654321", "9000", SSCARD_OK },
		{ "805E010007999999FF654321", "63C4", SSCARD_OK },
	};
	sscard_card *card = script_card_connect(f->ctx, steps, 3);
	int tries = 99;
	assert_int_equal(sscard_pin_change(card, "123456", "654321", &tries), SSCARD_OK);
	assert_int_equal(tries, -1);
	assert_int_equal(sscard_pin_change(card, "999999", "654321", &tries), SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 4);
	assert_null(strstr(f->trace, "654321"));
	assert_null(strstr(f->trace, "123456"));
	assert_int_equal(sscard_card_apdu_count(card), 3);
	sscard_disconnect(&card);
}

/* A reader without a pad: nothing is sent, the caller is told why. */
static void test_pinpad_absent(void **state)
{
	fixture *f = *state;
	sscard_card *card = script_card_connect(f->ctx, NULL, 0);
	int tries = 5;

	assert_int_equal(sscard_pin_verify_pinpad(card, &tries), SSCARD_E_NOT_IMPLEMENTED);
	assert_int_equal(tries, -1);
	assert_non_null(strstr(sscard_card_last_detail(card), "no PIN pad"));
	assert_int_equal(sscard_pin_change_pinpad(card, NULL), SSCARD_E_NOT_IMPLEMENTED);
	assert_int_equal(sscard_card_apdu_count(card), 0);
	assert_int_equal(sscard_pin_verify_pinpad(NULL, NULL), SSCARD_E_INVALID_ARG);
	sscard_disconnect(&card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verify_ok_and_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_pin_sent_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pin_not_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tries_without_a_try, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tries_only_from_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinpad_absent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
