/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DF04 (medical insurance) elements through libsscard's public API on the
 * in-process simulator: the APDUs that reach them (SELECT SSSE, SELECT
 * DF04 by FID, READ RECORD by SFI and tag), their values as the shipped
 * profiles hold them, the PIN that EF06 needs, and that reading them
 * leaves sscard_read_basic() and SSSE reads as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sscard/sscard.h>

#define TRACE_MAX 32

typedef struct trace {
	char cmd[TRACE_MAX][80];
	size_t n;
} trace;

static void on_trace(void *userdata, sscard_trace_dir dir, const char *hex)
{
	trace *t = userdata;

	if (dir == SSCARD_TRACE_COMMAND && t->n < TRACE_MAX)
		snprintf(t->cmd[t->n++], sizeof(t->cmd[0]), "%s", hex);
}

typedef struct fixture {
	sscard_ctx *ctx;
	sscard_card *card;
	trace t;
} fixture;

static void open_profile(fixture *f, const char *profile)
{
	char reader[512];

	snprintf(reader, sizeof(reader), "sim:%s/cards/%s.json", getenv("SSCARD_VECTORS"),
	         profile);
	memset(f, 0, sizeof(*f));
	assert_int_equal(sscard_ctx_new(&f->ctx), SSCARD_OK);
	assert_int_equal(sscard_ctx_set_trace(f->ctx, on_trace, &f->t), SSCARD_OK);
	assert_int_equal(sscard_connect(f->ctx, reader, &f->card), SSCARD_OK);
}

static void close_profile(fixture *f)
{
	sscard_disconnect(&f->card);
	sscard_ctx_free(&f->ctx);
}

static void test_table_view(void **state)
{
	int i = sscard_element_find("mi_account");

	(void)state;
	assert_true(sscard_element_count() < sscard_element_count_all());
	assert_true(i >= (int)sscard_element_count());
	assert_int_equal(sscard_element_tag((size_t)i), 0x8B);
	assert_string_equal(sscard_element_file((size_t)i), "SSSE/DF04/EF05");
	assert_string_equal(sscard_element_label((size_t)i), "个人账号");
	assert_int_equal(sscard_element_find("8b"), i);
	assert_null(sscard_element_key(sscard_element_count_all()));
	assert_int_equal(sscard_element_find("92"), -1);
	assert_string_equal(sscard_element_format((size_t)i), "an");
	assert_int_equal(sscard_element_length((size_t)i), 29);
	assert_string_equal(sscard_element_format((size_t)sscard_element_find("mi_account_date")),
	                    "cn-date");
	assert_null(sscard_element_format(sscard_element_count_all()));
	assert_int_equal(sscard_element_length(sscard_element_count_all()), -1);
}

static void test_read_ef05(void **state)
{
	fixture f;
	char text[128];

	(void)state;
	open_profile(&f, "healthy-v2");
	assert_int_equal(sscard_read_element(f.card, "mi_region", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "630100");
	/* SELECT SSSE by name, SELECT DF04 by FID, READ RECORD 84 by SFI 5 (P2 28: first record with that identifier) */
	assert_int_equal(f.t.n, 3);
	assert_string_equal(f.t.cmd[0], "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
	assert_string_equal(f.t.cmd[1], "00A4000002DF04");
	assert_string_equal(f.t.cmd[2], "00B2842805");
	/* DF04 stays selected: the next element is one APDU */
	assert_int_equal(sscard_read_element(f.card, "8B", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "6301000000000019");
	assert_int_equal(f.t.n, 4);
	assert_int_equal(sscard_read_element(f.card, "mi_account_date", text, sizeof(text)),
	                 SSCARD_OK);
	assert_string_equal(text, "2018-06-20");
	assert_int_equal(sscard_read_element(f.card, "mi_hospital2", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, ""); /* blank record */
	/* back in SSSE for an SSSE element: selected again by name */
	assert_int_equal(sscard_read_element(f.card, "card_number", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "X00000019");
	assert_string_equal(f.t.cmd[f.t.n - 2], "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
	close_profile(&f);
}

/* EF06 needs the PIN: without it 6982; the PIN verified in SSSE opens it. */
static void test_read_ef06_needs_pin(void **state)
{
	fixture f;
	char text[128];

	(void)state;
	open_profile(&f, "healthy-v2");
	assert_int_equal(sscard_read_element(f.card, "mi_offline", text, sizeof(text)),
	                 SSCARD_E_SECURITY);
	assert_int_equal(sscard_card_last_sw(f.card), 0x6982);
	assert_int_equal(sscard_pin_verify(f.card, "123456", NULL), SSCARD_OK);
	assert_int_equal(sscard_read_element(f.card, "mi_offline", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "1");
	assert_int_equal(sscard_read_element(f.card, "mi_offline_count", text, sizeof(text)),
	                 SSCARD_OK);
	assert_string_equal(text, "02");
	close_profile(&f);
}

/* sscard_read_basic() reads SSSE only, whatever DF was current. */
static void test_read_basic_unchanged(void **state)
{
	fixture f;
	sscard_basic *b = NULL;
	char text[128];

	(void)state;
	open_profile(&f, "healthy-v2");
	assert_int_equal(sscard_read_element(f.card, "mi_scheme", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "11000000");
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	f.t.n = 0;
	assert_int_equal(sscard_read_basic(f.card, b), SSCARD_OK);
	assert_true(sscard_basic_valid(b));
	assert_string_equal(sscard_basic_get(b, "name"), "李四");
	assert_null(sscard_basic_get(b, "mi_scheme"));
	/* SELECT SSSE again (DF04 was current), then READ RECORDs by SFI 5
	 * and 6 only (a 2.0 card: no EF0D): nothing of DF04 */
	assert_true(f.t.n > 1);
	assert_string_equal(f.t.cmd[0], "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
	for (size_t i = 1; i < f.t.n; i++) {
		assert_memory_equal(f.t.cmd[i], "00B2", 4);
		assert_true(strncmp(f.t.cmd[i] + 6, "28", 2) == 0 ||
		            strncmp(f.t.cmd[i] + 6, "30", 2) == 0);
	}
	sscard_basic_free(&b);
	close_profile(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_view),
		cmocka_unit_test(test_read_ef05),
		cmocka_unit_test(test_read_ef06_needs_pin),
		cmocka_unit_test(test_read_basic_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
