/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Context, error text, status-word table and hex codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static void test_ctx_lifecycle(void **state)
{
	sscard_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(sscard_ctx_new(NULL), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	assert_non_null(ctx);
	assert_int_equal(sscard_ctx_set_log_level(ctx, (sscard_log_level)9), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_ctx_set_log_level(ctx, SSCARD_LOG_DEBUG), SSCARD_OK);
	assert_int_equal(sscard_ctx_set_log(NULL, NULL, NULL), SSCARD_E_INVALID_ARG);
	sscard_ctx_free(&ctx);
	assert_null(ctx);
	sscard_ctx_free(&ctx); /* freeing NULL is fine */
	sscard_ctx_free(NULL);
	assert_non_null(sscard_version());
}

typedef struct log_capture {
	int calls;
	sscard_log_level last_level;
	char last[128];
} log_capture;

static void capture(void *ud, sscard_log_level level, const char *msg)
{
	log_capture *c = ud;

	c->calls++;
	c->last_level = level;
	snprintf(c->last, sizeof(c->last), "%s", msg);
}

static void test_log_levels(void **state)
{
	sscard_ctx *ctx = NULL;
	log_capture cap = {0};

	(void)state;
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	sscard_ctx_set_log(ctx, capture, &cap);
	sscard_ctx_set_log_level(ctx, SSCARD_LOG_WARN);
	sscard_log(ctx, SSCARD_LOG_DEBUG, "hidden %d", 1);
	assert_int_equal(cap.calls, 0);
	sscard_log(ctx, SSCARD_LOG_ERROR, "shown %d", 2);
	assert_int_equal(cap.calls, 1);
	assert_string_equal(cap.last, "shown 2");
	assert_int_equal(cap.last_level, SSCARD_LOG_ERROR);
	sscard_ctx_free(&ctx);
}

static void test_strerror_covers_every_rc(void **state)
{
	(void)state;
	/* every value of the enum has its own name and both texts */
	for (int rc = -100; rc <= 0; rc++) {
		const char *name = sscard_rc_name(rc);

		if (strcmp(name, "UNKNOWN") == 0) {
			assert_string_equal(sscard_strerror(rc), "unknown error");
			continue;
		}
		assert_string_not_equal(sscard_strerror(rc), "unknown error");
		assert_string_not_equal(sscard_strerror_zh(rc), "未知错误");
	}
	assert_string_equal(sscard_rc_name(SSCARD_E_PIN_BLOCKED), "PIN_BLOCKED");
	assert_string_equal(sscard_strerror(SSCARD_E_NO_CARD), "no card in the reader");
	assert_string_equal(sscard_rc_name(12345), "UNKNOWN");
}

static void test_sw_table(void **state)
{
	static const struct {
		uint16_t sw;
		sscard_rc rc;
	} cases[] = {
		{0x9000, SSCARD_OK},
		{0x6110, SSCARD_OK},
		{0x63C2, SSCARD_E_WRONG_PIN},
		{0x63C0, SSCARD_E_WRONG_PIN},
		{0x6300, SSCARD_E_AUTH_FAILED},
		{0x6983, SSCARD_E_PIN_BLOCKED},
		{0x6982, SSCARD_E_SECURITY},
		{0x6A81, SSCARD_E_NOT_SUPPORTED},
		{0x6A82, SSCARD_E_FILE_NOT_FOUND},
		{0x6A83, SSCARD_E_RECORD_NOT_FOUND},
		{0x6A86, SSCARD_E_WRONG_PARAMS},
		{0x6A88, SSCARD_E_KEY_NOT_FOUND},
		{0x6700, SSCARD_E_WRONG_LENGTH},
		{0x6283, SSCARD_E_APP_BLOCKED},
		{0x9303, SSCARD_E_APP_LOCKED},
		{0x6581, SSCARD_E_MEMORY_FAILURE},
		{0x6F00, SSCARD_E_CARD_ERROR},
		{0x6988, SSCARD_E_MAC},
		{0x9302, SSCARD_E_MAC},
		{0x6984, SSCARD_E_RANDOM_INVALID},
		{0x6985, SSCARD_E_CONDITIONS},
		{0x9403, SSCARD_E_KEY_NOT_FOUND},
		{0x6D00, SSCARD_E_NOT_SUPPORTED},
		{0x6E00, SSCARD_E_NOT_SUPPORTED},
		{0x1234, SSCARD_E_CARD_ERROR}, /* unknown: still an error */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sscard_sw_rc(cases[i].sw), cases[i].rc);
		assert_non_null(sscard_sw_text(cases[i].sw));
		assert_non_null(sscard_sw_text_zh(cases[i].sw));
	}
	assert_string_equal(sscard_sw_text(0x6A82), "file not found");
	assert_string_equal(sscard_sw_text_zh(0x9303), "应用已永久锁定");
	assert_string_equal(sscard_sw_text(0x1234), "unknown status word");
}

static void test_hex(void **state)
{
	uint8_t buf[8];
	char out[5];
	size_t n = 0;

	(void)state;
	assert_int_equal(sscard_hex_decode("3b 6D:00", buf, sizeof(buf), &n), SSCARD_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "\x3B\x6D\x00", 3);
	assert_int_equal(sscard_hex_decode("3B6", buf, sizeof(buf), &n), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_hex_decode("3G", buf, sizeof(buf), &n), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_hex_decode("3 B", buf, sizeof(buf), &n), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_hex_decode("001122334455667788", buf, sizeof(buf), &n),
	                 SSCARD_E_BUFFER_TOO_SMALL);
	assert_int_equal(sscard_hex_decode("", buf, sizeof(buf), &n), SSCARD_OK);
	assert_int_equal(n, 0);
	/* encode never writes past outsz and always terminates */
	assert_int_equal(sscard_hex_decode("3B6D00", buf, sizeof(buf), &n), SSCARD_OK);
	assert_int_equal(sscard_hex_encode(buf, 3, out, sizeof(out)), 4);
	assert_string_equal(out, "3B6D");
	assert_int_equal(sscard_hex_encode(buf, 3, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_lifecycle),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_strerror_covers_every_rc),
		cmocka_unit_test(test_sw_table),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
