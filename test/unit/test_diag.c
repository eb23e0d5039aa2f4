/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Card diagnosis: verdicts and reasons for healthy and dead cards through
 * the scripted transport (every APDU the probe sends is checked, so the
 * tests also prove it never writes and never presents a PIN), a small
 * ATR transport for the answer-to-reset classes, and every profile of the
 * simulator in-process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sscard/diag.h>
#include <sscard/sscard.h>

#include "script_card.h"
#include "sim/sim.h"

/* 2026-11-24 00:00 UTC: the date the tests judge expiry against */
#define NOW_2026_11_24 INT64_C(1795478400)

/* ---- a healthy 2.0 card, command by command ------------------------------- */

#define SEL "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
#define VERIFY_NO_PIN "00200000"

enum {
	I_SELECT, I_VERIFY, I_01, I_02, I_03, I_04, I_05, I_06, I_07,
	I_08, I_09, I_0A, I_0B, I_0C, I_0D, I_COUNT
};

static const script_step healthy[I_COUNT] = {
	[I_SELECT] = {SEL, "9000", 0},
	[I_VERIFY] = {VERIFY_NO_PIN, "63C3", 0},
	[I_01] = {"00B2012812", "0110639900D15600000500BF7C7A48FB49669000", 0},
	[I_02] = {"00B2022803", "0201319000", 0},
	[I_03] = {"00B2032806", "0304322E30309000", 0},
	[I_04] = {"00B204280E", "040C410100813475FFFFFFFFFFFF9000", 0},
	[I_05] = {"00B2052806", "0504201010019000", 0},
	[I_06] = {"00B2062806", "0604203010019000", 0},
	[I_07] = {"00B207280B", "07095830303030303031399000", 0},
	[I_08] = {"00B2083014", "08123131313131313139383130313031313131309000", 0},
	[I_09] = {"00B2093020", "0904D5C5C8FD9000", 0},
	[I_0A] = {"00B20A3003", "0A01319000", 0},
	[I_0B] = {"00B20B3003", "0B01019000", 0},
	[I_0C] = {"00B20C3005", "0C031101019000", 0},
	[I_0D] = {"00B20D3006", "0D04198101019000", 0},
};

typedef struct fixture {
	sscard_ctx *ctx;
	sscard_diag *d;
	sscard_card *card;
	script_step steps[I_COUNT + 8];
	size_t n;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sscard_ctx_new(&f->ctx), SSCARD_OK);
	assert_int_equal(sscard_diag_new(&f->d), SSCARD_OK);
	assert_int_equal(sscard_diag_set_now(f->d, NOW_2026_11_24), SSCARD_OK);
	memcpy(f->steps, healthy, sizeof(healthy));
	f->n = I_COUNT;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sscard_disconnect(&f->card);
	sscard_diag_free(&f->d);
	sscard_ctx_free(&f->ctx);
	free(f);
	return 0;
}

/* Keep the first n steps of the script. */
static void cut(fixture *f, size_t n)
{
	f->n = n;
}

/* Insert `s` before step i (a re-read the probe must send). */
static void insert(fixture *f, size_t i, script_step s)
{
	assert_true(f->n < sizeof(f->steps) / sizeof(f->steps[0]));
	memmove(&f->steps[i + 1], &f->steps[i], (f->n - i) * sizeof(f->steps[0]));
	f->steps[i] = s;
	f->n++;
}

static void answer(fixture *f, size_t i, const char *rapdu)
{
	f->steps[i].answer = rapdu;
	f->steps[i].error = SSCARD_OK;
}

static void fail_with(fixture *f, size_t i, sscard_rc error)
{
	f->steps[i].answer = NULL;
	f->steps[i].error = error;
}

/* Run the probe on the script; every scripted command must be consumed. */
static void run(fixture *f)
{
	f->card = script_card_connect(f->ctx, f->steps, f->n);
	assert_int_equal(sscard_diagnose(f->card, f->d), SSCARD_OK);
	assert_int_equal(sscard_diag_apdu_count(f->d), f->n);
}

/* The run gave exactly these codes (any order). */
static void assert_codes(const sscard_diag *d, const char *const *codes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sscard_diag_has_reason(d, codes[i]))
			fail_msg("reason %s missing", codes[i]);
	if (sscard_diag_reason_count(d) != n) {
		for (size_t i = 0; i < sscard_diag_reason_count(d); i++)
			print_message("got %s: %s\n", sscard_diag_reason_code(d, i),
			              sscard_diag_reason_detail(d, i));
		fail_msg("%zu reasons, expected %zu", sscard_diag_reason_count(d), n);
	}
}

#define ASSERT_CODES(d, ...)                                                      \
	do {                                                                       \
		static const char *const codes_[] = {__VA_ARGS__};                 \
		assert_codes((d), codes_, sizeof(codes_) / sizeof(codes_[0]));     \
	} while (0)

/* ---- healthy ------------------------------------------------------------------ */

static void test_healthy_is_ok(void **state)
{
	fixture *f = *state;
	sscard_diag_step_info st;
	const uint8_t *atr;
	size_t len;

	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
	assert_int_equal(sscard_diag_reason_count(f->d), 0);
	assert_int_equal(sscard_diag_pin_tries(f->d), 3);
	assert_int_equal(sscard_diag_retries(f->d), 0);
	assert_int_equal(sscard_diag_errors(f->d), 0);
	assert_int_equal(sscard_diag_resets(f->d), 0);
	assert_string_equal(sscard_diag_expiry(f->d), "2030-10-01");
	assert_int_equal(sscard_diag_atr(f->d, &atr, &len), SSCARD_OK);
	assert_int_equal(len, 17);
	assert_int_equal(atr[0], 0x3B);
	/* ATR + SELECT + VERIFY + 13 elements */
	assert_int_equal(sscard_diag_step_count(f->d), 16);
	assert_int_equal(sscard_diag_step(f->d, 1, &st), SSCARD_OK);
	assert_string_equal(st.name, "SELECT SSSE");
	assert_int_equal(st.sw, 0x9000);
	assert_int_equal(st.attempts, 1);
	assert_int_equal(sscard_diag_step(f->d, 16, &st), SSCARD_E_INVALID_ARG);
}

static void test_select_61xx_is_success(void **state)
{
	fixture *f = *state;

	answer(f, I_SELECT, "6112"); /* the FCI is not asked for */
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
}

static void test_result_is_reusable(void **state)
{
	fixture *f = *state;
	sscard_card *c2;
	static const script_step notssc[] = {{SEL, "6A82", 0}};

	run(f);
	c2 = script_card_connect(f->ctx, notssc, 1);
	assert_int_equal(sscard_diagnose(c2, f->d), SSCARD_OK);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_NOT_SSC);
	ASSERT_CODES(f->d, "NOT_SSC");
	assert_int_equal(sscard_diag_pin_tries(f->d), -1);
	sscard_disconnect(&c2);
}

/* ---- application, PIN, dates ------------------------------------------------------ */

static void test_not_ssc_stops(void **state)
{
	fixture *f = *state;

	answer(f, I_SELECT, "6A82");
	cut(f, 1);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_NOT_SSC);
	ASSERT_CODES(f->d, "NOT_SSC");
	assert_int_equal(sscard_diag_reason_sw(f->d, 0), 0x6A82);
}

/* The application refuses SELECT: every later command selects again (the
 * PIN probe, then one element per file) and the files are not asked twice. */
static void lock_script(fixture *f, const char *sw)
{
	for (size_t i = 0; i < 4; i++)
		f->steps[i] = (script_step){SEL, sw, 0};
	cut(f, 4);
}

static void test_app_blocked(void **state)
{
	fixture *f = *state;

	lock_script(f, "6283");
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_ATTENTION);
	ASSERT_CODES(f->d, "APP_BLOCKED");
	assert_string_equal(sscard_diag_reason_action(f->d, 0),
	                    "the card is locked: report or cancel the loss at a service point");
	assert_non_null(strstr(sscard_diag_reason_action_zh(f->d, 0), "挂失"));
}

static void test_app_locked(void **state)
{
	fixture *f = *state;

	lock_script(f, "9303");
	run(f);
	/* cannot be undone: the card must be replaced (issue #19) */
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "APP_LOCKED");
	assert_non_null(strstr(sscard_diag_reason_action(f->d, 0), "cannot be undone"));
	assert_int_equal(sscard_diag_reason_sw(f->d, 0), 0x9303);
	assert_int_equal(sscard_diag_pin_tries(f->d), -1);
}

static void test_pin_blocked(void **state)
{
	fixture *f = *state;

	answer(f, I_VERIFY, "63C0");
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_ATTENTION);
	ASSERT_CODES(f->d, "PIN_BLOCKED");
	assert_int_equal(sscard_diag_pin_tries(f->d), 0);
}

static void test_pin_blocked_6983(void **state)
{
	fixture *f = *state;

	answer(f, I_VERIFY, "6983");
	run(f);
	ASSERT_CODES(f->d, "PIN_BLOCKED");
	assert_int_equal(sscard_diag_pin_tries(f->d), 0);
}

static void test_pin_last_try_is_informational(void **state)
{
	fixture *f = *state;

	answer(f, I_VERIFY, "63C1");
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
	ASSERT_CODES(f->d, "PIN_TRIES_LOW");
	assert_int_equal(sscard_diag_pin_tries(f->d), 1);
}

static void test_pin_tries_unsupported(void **state)
{
	fixture *f = *state;

	answer(f, I_VERIFY, "6D00");
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
	assert_int_equal(sscard_diag_pin_tries(f->d), -1);
}

static void test_expired(void **state)
{
	fixture *f = *state;

	answer(f, I_06, "0604202011019000");
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "EXPIRED");
	assert_string_equal(sscard_diag_reason_detail(f->d, 0), "the card expired on 2020-11-01");
	assert_string_equal(sscard_diag_reason_detail_zh(f->d, 0), "卡片已于 2020-11-01 过期");
}

static void test_expiry_day_itself_is_valid(void **state)
{
	fixture *f = *state;

	answer(f, I_06, "0604202611249000");
	run(f);
	ASSERT_CODES(f->d, "EXPIRING_SOON");
}

static void test_expiring_soon_uses_injected_clock(void **state)
{
	fixture *f = *state;

	answer(f, I_06, "0604202702209000"); /* 88 days after the test's today */
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_ATTENTION);
	ASSERT_CODES(f->d, "EXPIRING_SOON");
	/* a year earlier the same card is fine */
	sscard_disconnect(&f->card);
	assert_int_equal(sscard_diag_set_now(f->d, NOW_2026_11_24 - 365 * 86400), SSCARD_OK);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
}

static void test_temporary_card(void **state)
{
	fixture *f = *state;

	answer(f, I_05, "0504202609019000");
	answer(f, I_06, "0604202703019000"); /* six months */
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_ATTENTION);
	ASSERT_CODES(f->d, "TEMPORARY_CARD");
	assert_non_null(strstr(sscard_diag_reason_action_zh(f->d, 0), "正式"));
}

/* A temporary card past its expiry is told it has lapsed (issue #19). */
static void test_temporary_card_lapsed(void **state)
{
	fixture *f = *state;

	answer(f, I_05, "0504202603019000");
	answer(f, I_06, "0604202609019000"); /* six months, over by 2026-11-24 */
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "EXPIRED", "TEMPORARY_LAPSED");
	assert_true(sscard_diag_has_reason(f->d, "TEMPORARY_LAPSED"));
	assert_false(sscard_diag_has_reason(f->d, "TEMPORARY_CARD"));
}

static void test_holder_data_protected(void **state)
{
	fixture *f = *state;

	answer(f, I_08, "6982");
	cut(f, I_08 + 1); /* the rest of EF06 is not asked */
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
	ASSERT_CODES(f->d, "HOLDER_DATA_PROTECTED");
}

/* ---- damaged data -------------------------------------------------------------------- */

static void test_bad_check_digit(void **state)
{
	fixture *f = *state;

	answer(f, I_08, "08123131313131313139383130313031313131319000");
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "DATA_CORRUPT");
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "CHECK_DIGIT"));
	/* no personal data in the evidence */
	assert_null(strstr(sscard_diag_reason_detail(f->d, 0), "111111"));
}

static void test_impossible_date(void **state)
{
	fixture *f = *state;

	answer(f, I_05, "0504201002309000");
	run(f);
	ASSERT_CODES(f->d, "DATA_CORRUPT");
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "issue_date: DATE"));
}

static void test_wrong_tag_is_reread_then_corrupt(void **state)
{
	fixture *f = *state;
	script_step bad = {"00B2072811", "0809583030303030303139" "9000", 0};

	bad.expect = healthy[I_07].expect;
	answer(f, I_07, bad.answer);
	insert(f, I_07 + 1, bad);
	insert(f, I_07 + 1, bad);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "DATA_CORRUPT");
	assert_int_equal(sscard_diag_retries(f->d), 2);
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "tag"));
}

static void test_missing_record(void **state)
{
	fixture *f = *state;

	answer(f, I_0C, "6A83");
	run(f); /* not re-read: the card answered clearly */
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "DATA_CORRUPT");
	assert_int_equal(sscard_diag_retries(f->d), 0);
}

/* ---- chip errors: permanent and intermittent ------------------------------------------ */

/* A card whose every record fails: the reason lists every element, far
 * beyond what a fixed buffer held (issue #19: cut at 320 bytes). */
static void test_every_failure_listed(void **state)
{
	fixture *f = *state;

	for (size_t i = I_01; i <= I_0D; i++)
		answer(f, i, "6581");
	insert(f, I_08, f->steps[I_08]); /* the first failure of each file is re-read */
	insert(f, I_08, f->steps[I_08]);
	insert(f, I_01, f->steps[I_01]);
	insert(f, I_01, f->steps[I_01]);
	run(f);
	ASSERT_CODES(f->d, "CHIP_ERROR");
	const char *en = sscard_diag_reason_detail(f->d, 0);
	const char *zh = sscard_diag_reason_detail_zh(f->d, 0);
	assert_true(strlen(en) > 320);
	assert_non_null(strstr(en, "READ 01 card_id"));
	assert_non_null(strstr(en, "READ 0D birth_date"));
	assert_non_null(strstr(zh, "READ 0D birth_date"));
}

static void test_chip_error_persists(void **state)
{
	fixture *f = *state;

	answer(f, I_08, "6581");
	insert(f, I_08, f->steps[I_08]);
	insert(f, I_08, f->steps[I_08]);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "CHIP_ERROR");
	assert_int_equal(sscard_diag_reason_sw(f->d, 0), 0x6581);
	assert_int_equal(sscard_diag_retries(f->d), 2);
	assert_int_equal(sscard_diag_errors(f->d), 3);
	assert_string_equal(sscard_diag_reason_action(f->d, 0), "issue a replacement card");
}

static void test_damaged_file_not_reread_twice(void **state)
{
	fixture *f = *state;

	answer(f, I_09, "6581"); /* the next element of the damaged EF06 */
	answer(f, I_08, "6581");
	insert(f, I_08, f->steps[I_08]);
	insert(f, I_08, f->steps[I_08]);
	run(f); /* 08 three times, 09 once */
	ASSERT_CODES(f->d, "CHIP_ERROR");
	assert_int_equal(sscard_diag_retries(f->d), 2);
	assert_int_equal(sscard_diag_errors(f->d), 4);
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "READ 09 name"));
}

static void test_flaky_reads_after_reread(void **state)
{
	fixture *f = *state;
	script_step first = {healthy[I_03].expect, "6F00", 0};

	insert(f, I_03, first);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_ATTENTION);
	ASSERT_CODES(f->d, "FLAKY");
	assert_int_equal(sscard_diag_retries(f->d), 1);
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "6F00"));
}

static void test_flaky_then_garbled_twice(void **state)
{
	fixture *f = *state;
	script_step garbled = {healthy[I_0B].expect, "90", 0};

	insert(f, I_0B, garbled);
	insert(f, I_0B, garbled);
	run(f);
	ASSERT_CODES(f->d, "FLAKY");
	assert_int_equal(sscard_diag_retries(f->d), 2);
}

/* ---- dead cards --------------------------------------------------------------------------- */

static void test_one_byte_answer_is_garbled(void **state)
{
	fixture *f = *state;

	answer(f, I_01, "90");
	insert(f, I_01, f->steps[I_01]);
	insert(f, I_01, f->steps[I_01]);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "GARBLED");
	assert_int_equal(sscard_diag_reason_sw(f->d, 0), 0);
}

static void test_unresponsive_stops_at_once(void **state)
{
	fixture *f = *state;

	fail_with(f, I_SELECT, SSCARD_E_MUTE);
	insert(f, I_SELECT, f->steps[I_SELECT]); /* one re-read, then nothing */
	cut(f, 2);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "MUTE");
}

static void test_timeout_mid_probe(void **state)
{
	fixture *f = *state;

	fail_with(f, I_05, SSCARD_E_TIMEOUT);
	insert(f, I_05, f->steps[I_05]);
	cut(f, I_05 + 2);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "MUTE"); /* and no MISSING for what was not read */
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "READ 05 issue_date"));
}

static void test_verify_never_resent(void **state)
{
	fixture *f = *state;

	fail_with(f, I_VERIFY, SSCARD_E_MUTE);
	cut(f, I_VERIFY + 1);
	run(f);
	ASSERT_CODES(f->d, "MUTE");
	assert_int_equal(sscard_diag_retries(f->d), 0);
}

static void test_removed_mid_probe(void **state)
{
	fixture *f = *state;

	answer(f, I_02, "6581"); /* seen before the card left */
	insert(f, I_02, f->steps[I_02]);
	insert(f, I_02, f->steps[I_02]);
	fail_with(f, I_02 + 3, SSCARD_E_CARD_REMOVED);
	cut(f, I_02 + 4);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_NO_CARD);
	ASSERT_CODES(f->d, "CHIP_ERROR", "CARD_REMOVED");
}

static void test_transmission_error(void **state)
{
	fixture *f = *state;

	fail_with(f, I_09, SSCARD_E_TRANSPORT);
	insert(f, I_09, f->steps[I_09]);
	cut(f, I_09 + 2);
	run(f);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "TRANSMISSION_ERROR");
}

/* ---- ATR classes: a transport with a settable answer to reset ---------------------------- */

typedef struct atr_card {
	const char *atr;       /* hex, "" = none */
	const char *after;     /* ATR after a cold reset */
	unsigned resets, transmits;
	unsigned delay_ms;     /* per transmit */
	const char *answer;    /* to every command */
	sscard_rc begin_rc[2]; /* first two SCardBeginTransaction answers */
	unsigned begins;
} atr_card;

static sscard_rc atr_hex(const char *hex, uint8_t *out, size_t *len)
{
	size_t n = 0;
	sscard_rc rc = sscard_hex_decode(hex, out, *len, &n);

	*len = n;
	return rc;
}

static sscard_rc atr_card_get(void *impl, uint8_t *atr, size_t *len)
{
	return atr_hex(((atr_card *)impl)->atr, atr, len);
}

static sscard_rc atr_card_reset(void *impl, int cold, uint8_t *atr, size_t *len)
{
	atr_card *c = impl;

	assert_int_equal(cold, 1);
	c->resets++;
	c->atr = c->after;
	return atr_hex(c->atr, atr, len);
}

static sscard_rc atr_card_transmit(void *impl, const uint8_t *capdu, size_t clen,
                                   uint8_t *rapdu, size_t *rlen)
{
	atr_card *c = impl;

	(void)capdu;
	(void)clen;
	c->transmits++;
	if (c->delay_ms > 0) {
		struct timespec ts = {0, (long)c->delay_ms * 1000000L};

		nanosleep(&ts, NULL);
	}
	return atr_hex(c->answer, rapdu, rlen);
}

static sscard_rc atr_card_begin(void *impl)
{
	atr_card *c = impl;

	return c->begins < 2 ? c->begin_rc[c->begins++] : SSCARD_OK;
}

static sscard_rc atr_card_end(void *impl)
{
	(void)impl;
	return SSCARD_OK;
}

static void atr_card_close(void *impl)
{
	(void)impl; /* the test owns it */
}

static const sscard_transport_ops atr_ops = {
	.name = "atr-test",
	.transmit = atr_card_transmit,
	.reset = atr_card_reset,
	.get_atr = atr_card_get,
	.begin = atr_card_begin,
	.end = atr_card_end,
	.close = atr_card_close,
};

static void run_atr(fixture *f, atr_card *c)
{
	assert_int_equal(sscard_connect_transport(f->ctx, &atr_ops, c, &f->card), SSCARD_OK);
	assert_int_equal(sscard_diagnose(f->card, f->d), SSCARD_OK);
}

static void test_no_atr_cold_reset_once_then_mute(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "", .after = "", .answer = "9000"};

	run_atr(f, &c);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "MUTE");
	assert_int_equal(c.resets, 1);
	assert_int_equal(c.transmits, 0);
	assert_int_equal(sscard_diag_resets(f->d), 1);
}

static void test_malformed_atr(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "3B6D0000009054", .after = "3B6D0000009054", .answer = "6A82"};

	run_atr(f, &c);
	assert_int_equal(c.resets, 1);
	assert_true(sscard_diag_has_reason(f->d, "BAD_ATR"));
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "TRUNCATED"));
}

static void test_garbled_atr_fixed_by_cold_reset(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "5A", .after = "3B6D000000905431168660130425001C4E",
	              .answer = "6A82"};
	const uint8_t *atr;
	size_t len;

	run_atr(f, &c);
	/* the card answered after the power cycle: flaky, and here not an SSC */
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_NOT_SSC);
	ASSERT_CODES(f->d, "FLAKY", "NOT_SSC");
	sscard_diag_atr(f->d, &atr, &len);
	assert_int_equal(len, 17);
}

static void test_unusual_atr_is_informational(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "3B00", .after = "", .answer = "6A82"};

	run_atr(f, &c);
	assert_int_equal(c.resets, 0);
	ASSERT_CODES(f->d, "NOT_SSC");
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 0), "ATR"));
}

static void test_budget_stops_probe(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "3B6D000000905431168660130425001C4E", .after = "",
	              .answer = "9000", .delay_ms = 60};

	assert_int_equal(sscard_diag_set_budget_ms(f->d, 100), SSCARD_OK);
	run_atr(f, &c);
	assert_true(c.transmits < 15);
	assert_true(sscard_diag_has_reason(f->d, "SLOW"));
	/* elements not read are not reported missing */
	assert_false(sscard_diag_has_reason(f->d, "DATA_CORRUPT"));
}

static void test_slow_on_average(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "3B6D000000905431168660130425001C4E", .answer = "6A82",
	              .delay_ms = 160};

	run_atr(f, &c);
	assert_int_equal(c.transmits, 1);
	ASSERT_CODES(f->d, "NOT_SSC", "SLOW");
	assert_non_null(strstr(sscard_diag_reason_detail(f->d, 1), "on average"));
}

/* A card that answers anything at all: random lengths (0 to 40 bytes),
 * random bytes, now and then a transport error. Seeded: reproducible. */
typedef struct noise_card {
	uint32_t state;
	unsigned transmits;
} noise_card;

static uint32_t noise_next(noise_card *n)
{
	n->state ^= n->state << 13;
	n->state ^= n->state >> 17;
	n->state ^= n->state << 5;
	return n->state;
}

static sscard_rc noise_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                                size_t *rlen)
{
	static const sscard_rc errors[] = {SSCARD_E_MUTE, SSCARD_E_TIMEOUT, SSCARD_E_TRANSPORT,
	                                   SSCARD_E_CARD_RESET, SSCARD_E_CARD_REMOVED};
	noise_card *n = impl;
	size_t len = noise_next(n) % 41;

	(void)c;
	(void)clen;
	n->transmits++;
	if (noise_next(n) % 50 == 0)
		return errors[noise_next(n) % 5];
	for (size_t i = 0; i < len; i++)
		r[i] = (uint8_t)noise_next(n);
	if (len >= 2 && noise_next(n) % 3 == 0) { /* often a plausible SW */
		static const uint16_t sws[] = {0x9000, 0x6100, 0x6C05, 0x6581, 0x6A83, 0x6283};
		uint16_t sw = sws[noise_next(n) % 6] | (uint16_t)(noise_next(n) % 4);

		r[len - 2] = (uint8_t)(sw >> 8);
		r[len - 1] = (uint8_t)sw;
	}
	*rlen = len;
	return SSCARD_OK;
}

static sscard_rc noise_get_atr(void *impl, uint8_t *atr, size_t *len)
{
	(void)impl;
	return atr_hex("3B6D000000905431168660130425001C4E", atr, len);
}

static const sscard_transport_ops noise_ops = {
	.name = "noise",
	.transmit = noise_transmit,
	.get_atr = noise_get_atr,
	.close = atr_card_close,
};

static void test_random_answers_always_give_a_verdict(void **state)
{
	fixture *f = *state;

	for (uint32_t seed = 1; seed <= 400; seed++) {
		noise_card n = {.state = seed * 2654435761u};

		assert_int_equal(sscard_connect_transport(f->ctx, &noise_ops, &n, &f->card),
		                 SSCARD_OK);
		assert_int_equal(sscard_diagnose(f->card, f->d), SSCARD_OK);
		sscard_disconnect(&f->card);
		assert_true(sscard_diag_verdict(f->d) <= SSCARD_VERDICT_NO_CARD);
		/* a card answering nonsense never gets a clean bill of health */
		assert_int_not_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
		/* bounded: re-reads are capped, GET RESPONSE chains end */
		assert_true(n.transmits <= 1200);
		assert_int_equal(n.transmits, sscard_diag_apdu_count(f->d));
	}
}

static void test_card_held_by_another_application(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "3B6D000000905431168660130425001C4E", .answer = "9000",
	              .begin_rc = {SSCARD_E_SHARING, SSCARD_E_SHARING}};

	assert_int_equal(sscard_connect_transport(f->ctx, &atr_ops, &c, &f->card), SSCARD_OK);
	/* nothing can be said about the card: an error, not a verdict */
	assert_int_equal(sscard_diagnose(f->card, f->d), SSCARD_E_SHARING);
	assert_int_equal(c.transmits, 0);
	assert_int_equal(sscard_diag_reason_count(f->d), 0);
}

static void test_reset_before_the_probe_is_harmless(void **state)
{
	fixture *f = *state;
	atr_card c = {.atr = "3B6D000000905431168660130425001C4E", .answer = "6A82",
	              .begin_rc = {SSCARD_E_CARD_RESET, SSCARD_OK}};

	run_atr(f, &c);
	assert_int_equal(c.begins, 2);
	ASSERT_CODES(f->d, "NOT_SSC");
}

/* ---- every simulator profile, in-process ------------------------------------------------ */

/* A transport that owns nothing but lends the test's simulated card, so
 * the test can count the writes afterwards (the "sim:" transport keeps
 * its card to itself). Slow answers are slept as the sim: transport does. */
typedef struct sim_lend {
	sscard_sim *sim;
	uint8_t atr[33];
	size_t atr_len;
} sim_lend;

static sscard_rc lend_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                               size_t *rlen)
{
	sim_lend *l = impl;
	sscard_rc rc = sscard_sim_apdu(l->sim, c, clen, r, rlen);
	unsigned ms = sscard_sim_delay_ms(l->sim);

	if (rc == SSCARD_OK && ms > 0) {
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	}
	return rc;
}

static sscard_rc lend_power(sim_lend *l, int cold)
{
	l->atr_len = sizeof(l->atr);
	return sscard_sim_power_on(l->sim, cold, l->atr, &l->atr_len);
}

static sscard_rc lend_get_atr(void *impl, uint8_t *atr, size_t *len)
{
	sim_lend *l = impl;

	assert_true(*len >= l->atr_len);
	memcpy(atr, l->atr, l->atr_len);
	*len = l->atr_len;
	return SSCARD_OK;
}

static sscard_rc lend_reset(void *impl, int cold, uint8_t *atr, size_t *len)
{
	sscard_rc rc = lend_power(impl, cold);

	return rc == SSCARD_OK ? lend_get_atr(impl, atr, len) : rc;
}

static int lend_protocol(void *impl)
{
	return sscard_sim_protocol(((sim_lend *)impl)->sim);
}

static void lend_close(void *impl)
{
	(void)impl;
}

static const sscard_transport_ops lend_ops = {
	.name = "sim-lent",
	.transmit = lend_transmit,
	.reset = lend_reset,
	.get_atr = lend_get_atr,
	.protocol = lend_protocol,
	.close = lend_close,
};

/* Every command the probe sends must be one of the read-only four:
 * SELECT, READ RECORD, GET RESPONSE, or VERIFY without data. */
static void trace_read_only(void *ud, sscard_trace_dir dir, const char *hex)
{
	static const char *const allowed[] = {"00A4", "00B2", "00C0"};
	unsigned *commands = ud;
	bool ok = strcmp(hex, VERIFY_NO_PIN) == 0;

	if (dir != SSCARD_TRACE_COMMAND)
		return;
	(*commands)++;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ok = ok || strncmp(hex, allowed[i], 4) == 0;
	if (!ok)
		fail_msg("the probe sent %s", hex);
}

typedef struct profile_case {
	const char *file;
	sscard_verdict verdict;
	const char *codes[3];
} profile_case;

static const profile_case profiles[] = {
	{"healthy-v2.json", SSCARD_VERDICT_OK, {NULL}},
	{"healthy-v2-t1.json", SSCARD_VERDICT_OK, {NULL}},
	{"healthy-v3.json", SSCARD_VERDICT_OK, {"HOLDER_DATA_PROTECTED"}},
	{"torn-write.json", SSCARD_VERDICT_OK, {NULL}}, /* tears writes only */
	{"app-blocked.json", SSCARD_VERDICT_ATTENTION, {"APP_BLOCKED"}},
	{"app-locked.json", SSCARD_VERDICT_REPLACE, {"APP_LOCKED"}},
	{"pin-blocked.json", SSCARD_VERDICT_ATTENTION, {"PIN_BLOCKED"}},
	{"temporary.json", SSCARD_VERDICT_ATTENTION, {"TEMPORARY_CARD"}},
	{"flaky.json", SSCARD_VERDICT_ATTENTION, {"FLAKY"}},
	{"slow.json", SSCARD_VERDICT_ATTENTION, {"SLOW"}},
	{"bad-atr.json", SSCARD_VERDICT_REPLACE, {"BAD_ATR"}},
	{"bad-date.json", SSCARD_VERDICT_REPLACE, {"DATA_CORRUPT"}},
	{"bad-ssn.json", SSCARD_VERDICT_REPLACE, {"DATA_CORRUPT"}},
	{"chip-error.json", SSCARD_VERDICT_REPLACE, {"CHIP_ERROR"}},
	{"corrupt-record.json", SSCARD_VERDICT_REPLACE, {"DATA_CORRUPT"}},
	{"expired.json", SSCARD_VERDICT_REPLACE, {"EXPIRED"}},
	{"mute.json", SSCARD_VERDICT_REPLACE, {"MUTE"}},
	{"mute-after.json", SSCARD_VERDICT_REPLACE, {"MUTE"}},
	{"removed.json", SSCARD_VERDICT_NO_CARD, {"CARD_REMOVED"}},
	{"garbled.json", SSCARD_VERDICT_REPLACE, {"GARBLED"}},
};

static void profile_path(const char *file, char *out, size_t outsz)
{
	const char *dir = getenv("SSCARD_VECTORS");

	assert_non_null(dir);
	snprintf(out, outsz, "%s/cards/%s", dir, file);
}

static void run_profile(fixture *f, const profile_case *pc)
{
	char path[1024], err[512];
	sim_lend lend = {0};
	unsigned commands = 0;
	size_t ncodes = 0;

	profile_path(pc->file, path, sizeof(path));
	if (sscard_sim_load(path, &lend.sim, err, sizeof(err)) != SSCARD_OK)
		fail_msg("%s", err);
	assert_int_equal(lend_power(&lend, 1), SSCARD_OK);
	sscard_ctx_set_trace(f->ctx, trace_read_only, &commands);
	assert_int_equal(sscard_connect_transport(f->ctx, &lend_ops, &lend, &f->card), SSCARD_OK);
	assert_int_equal(sscard_diagnose(f->card, f->d), SSCARD_OK);
	sscard_disconnect(&f->card);
	while (ncodes < 3 && pc->codes[ncodes] != NULL)
		ncodes++;
	print_message("%-20s %s\n", pc->file, sscard_verdict_name(sscard_diag_verdict(f->d)));
	assert_string_equal(sscard_verdict_name(sscard_diag_verdict(f->d)),
	                    sscard_verdict_name(pc->verdict));
	assert_codes(f->d, pc->codes, ncodes);
	assert_int_equal(commands, sscard_diag_apdu_count(f->d));
	/* read-only: no write reached the card, not even a refused one */
	assert_int_equal(sscard_sim_write_count(lend.sim), 0);
	assert_int_equal(sscard_sim_write_commands(lend.sim), 0);
	sscard_sim_free(&lend.sim);
}

/* Answers that stay garbled through their re-reads establish the fault:
 * the later reads are not re-read again (the card got 26 before). */
static void test_garbled_card_rereads_once(void **state)
{
	fixture *f = *state;
	const profile_case garbled = {"garbled.json", SSCARD_VERDICT_REPLACE, {"GARBLED"}};

	run_profile(f, &garbled);
	assert_int_equal(sscard_diag_retries(f->d), 2);
}

static void test_every_profile(void **state)
{
	fixture *f = *state;

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		run_profile(f, &profiles[i]);
}

/* The connect-level entry point through the real "sim:" transport: a
 * card that gives no ATR fails sscard_connect() and is still diagnosed. */
static void test_reader_entry_mute_card(void **state)
{
	fixture *f = *state;
	char path[1024], reader[1100];

	profile_path("mute.json", path, sizeof(path));
	snprintf(reader, sizeof(reader), "sim:%s", path);
	assert_int_equal(sscard_diagnose_reader(f->ctx, reader, f->d), SSCARD_OK);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_REPLACE);
	ASSERT_CODES(f->d, "MUTE");
	assert_int_equal(sscard_diag_resets(f->d), 1);
	assert_int_equal(sscard_diag_apdu_count(f->d), 0);
}

static void test_reader_entry_healthy(void **state)
{
	fixture *f = *state;
	char path[1024], reader[1100];

	profile_path("healthy-v3.json", path, sizeof(path));
	snprintf(reader, sizeof(reader), "sim:%s", path);
	assert_int_equal(sscard_diagnose_reader(f->ctx, reader, f->d), SSCARD_OK);
	assert_int_equal(sscard_diag_verdict(f->d), SSCARD_VERDICT_OK);
	assert_int_equal(sscard_diag_resets(f->d), 0);
	assert_true(sscard_diag_apdu_count(f->d) > 0);
}

static void test_reader_entry_nothing_to_diagnose(void **state)
{
	fixture *f = *state;

	/* a profile that does not exist: no card to judge, the error comes back */
	assert_int_not_equal(sscard_diagnose_reader(f->ctx, "sim:/nonexistent/x.json", f->d),
	                     SSCARD_OK);
	assert_int_equal(sscard_diag_reason_count(f->d), 0);
}

/* ---- the table and the API ----------------------------------------------------------------- */

static void test_reason_table(void **state)
{
	static const char *const required[] = {
		"MUTE", "BAD_ATR", "CHIP_ERROR", "DATA_CORRUPT", "EXPIRED", "EXPIRING_SOON",
		"TEMPORARY_CARD", "PIN_BLOCKED", "APP_LOCKED", "APP_BLOCKED", "SLOW", "FLAKY",
		"CARD_REMOVED", "NOT_SSC", "NO_CARD", "GARBLED", "TRANSMISSION_ERROR"};
	size_t n = 0;

	(void)state;
	while (sscard_diag_code_at(n) != NULL)
		n++;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found = found || strcmp(sscard_diag_code_at(j), required[i]) == 0;
		if (!found)
			fail_msg("code %s missing from the table", required[i]);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(sscard_diag_code_at(i), sscard_diag_code_at(j));
}

static void test_verdict_names_and_args(void **state)
{
	sscard_diag *d = NULL;

	(void)state;
	assert_string_equal(sscard_verdict_name(SSCARD_VERDICT_OK), "OK");
	assert_string_equal(sscard_verdict_name(SSCARD_VERDICT_ATTENTION), "ATTENTION");
	assert_string_equal(sscard_verdict_name(SSCARD_VERDICT_REPLACE), "REPLACE");
	assert_string_equal(sscard_verdict_name(SSCARD_VERDICT_NOT_SSC), "NOT_SSC");
	assert_string_equal(sscard_verdict_name(SSCARD_VERDICT_NO_CARD), "NO_CARD");
	assert_string_equal(sscard_verdict_name((sscard_verdict)9), "UNKNOWN");
	assert_int_equal(sscard_diag_new(NULL), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_diag_new(&d), SSCARD_OK);
	assert_int_equal(sscard_diagnose(NULL, d), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_diagnose_reader(NULL, NULL, d), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_diag_set_budget_ms(d, 10), SSCARD_E_INVALID_ARG);
	/* dates before 1970 down to 1900-01-01 (issue #19: --date 1900-01-01) */
	assert_int_equal(sscard_diag_set_now(d, -1), SSCARD_OK);
	assert_int_equal(sscard_diag_set_now(d, INT64_C(-2208988800)), SSCARD_OK);
	assert_int_equal(sscard_diag_set_now(d, INT64_C(-2208988801)), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_diag_set_keys(NULL, NULL), SSCARD_E_INVALID_ARG);
	assert_null(sscard_diag_reason_code(d, 0));
	assert_int_equal(sscard_diag_pin_tries(d), -1);
	sscard_diag_free(&d);
	assert_null(d);
	sscard_diag_free(&d);
	sscard_diag_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_healthy_is_ok),
		T(test_select_61xx_is_success),
		T(test_result_is_reusable),
		T(test_not_ssc_stops),
		T(test_app_blocked),
		T(test_app_locked),
		T(test_pin_blocked),
		T(test_pin_blocked_6983),
		T(test_pin_last_try_is_informational),
		T(test_pin_tries_unsupported),
		T(test_expired),
		T(test_expiry_day_itself_is_valid),
		T(test_expiring_soon_uses_injected_clock),
		T(test_temporary_card),
		T(test_temporary_card_lapsed),
		T(test_holder_data_protected),
		T(test_bad_check_digit),
		T(test_impossible_date),
		T(test_wrong_tag_is_reread_then_corrupt),
		T(test_missing_record),
		T(test_chip_error_persists),
		T(test_every_failure_listed),
		T(test_damaged_file_not_reread_twice),
		T(test_flaky_reads_after_reread),
		T(test_flaky_then_garbled_twice),
		T(test_one_byte_answer_is_garbled),
		T(test_garbled_card_rereads_once),
		T(test_unresponsive_stops_at_once),
		T(test_timeout_mid_probe),
		T(test_verify_never_resent),
		T(test_removed_mid_probe),
		T(test_transmission_error),
		T(test_no_atr_cold_reset_once_then_mute),
		T(test_malformed_atr),
		T(test_garbled_atr_fixed_by_cold_reset),
		T(test_unusual_atr_is_informational),
		T(test_budget_stops_probe),
		T(test_slow_on_average),
		T(test_random_answers_always_give_a_verdict),
		T(test_card_held_by_another_application),
		T(test_reset_before_the_probe_is_harmless),
		T(test_every_profile),
		T(test_reader_entry_mute_card),
		T(test_reader_entry_healthy),
		T(test_reader_entry_nothing_to_diagnose),
		cmocka_unit_test(test_reason_table),
		cmocka_unit_test(test_verdict_names_and_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
