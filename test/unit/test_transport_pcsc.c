/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PC/SC transport: the error table, reader selection, feature TLV parsing
 * and the multi-string splitter (no pcscd needed; the integration suite
 * covers the transport against a real one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <reader.h>

#include "internal.h"
#include "pcsc_state.h"

static void test_rc_table(void **state)
{
	(void)state;
	assert_int_equal(sscard_pcsc_rc(SCARD_S_SUCCESS), SSCARD_OK);
	assert_int_equal(sscard_pcsc_rc(SCARD_W_RESET_CARD), SSCARD_E_CARD_RESET);
	assert_int_equal(sscard_pcsc_rc(SCARD_W_REMOVED_CARD), SSCARD_E_CARD_REMOVED);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_NO_SMARTCARD), SSCARD_E_NO_CARD);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_NO_SERVICE), SSCARD_E_NO_SERVICE);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_SERVICE_STOPPED), SSCARD_E_NO_SERVICE);
	assert_int_equal(sscard_pcsc_rc(SCARD_W_UNRESPONSIVE_CARD), SSCARD_E_MUTE);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_TIMEOUT), SSCARD_E_TIMEOUT);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_SHARING_VIOLATION), SSCARD_E_SHARING);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_UNKNOWN_READER), SSCARD_E_NO_READER);
	assert_int_equal(sscard_pcsc_rc(SCARD_E_CANCELLED), SSCARD_E_CANCELLED);
	/* anything unknown is a transport failure, never success */
	assert_int_equal(sscard_pcsc_rc((LONG)0x80100FFF), SSCARD_E_TRANSPORT);
	assert_true(sscard_pcsc_service_lost(SCARD_E_NO_SERVICE));
	assert_true(sscard_pcsc_service_lost(SCARD_E_SERVICE_STOPPED));
	assert_false(sscard_pcsc_service_lost(SCARD_W_RESET_CARD));
	assert_false(sscard_pcsc_service_lost((LONG)0x80100FFF));
}

static const char *const readers[] = {
	"Virtual PCD 00 00", "Virtual PCD 00 01", "ACS ACR38U-CCID 01 00",
};

static void test_pick_exact_and_substring(void **state)
{
	const bool present[] = { false, true, false };
	char detail[SSCARD_DETAIL_MAX];
	size_t idx = 99;
	(void)state;
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "Virtual PCD 00 00", &idx,
	                                         detail, sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 0);
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "ACR38", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "00 01", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 1);
}

/* Case is ignored only when no reader matches with it (issue #19). */
static void test_pick_ignores_case_when_needed(void **state)
{
	static const char *const mixed[] = { "ACS ACR38U 00", "acs acr38u 01", "Gemalto PC Twin" };
	const bool present[] = { false, false, false };
	char detail[SSCARD_DETAIL_MAX];
	size_t idx = 99;
	(void)state;
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "acr38", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "virtual pcd 00 01", &idx,
	                                         detail, sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 1);
	/* a case-exact match wins over one that ignores case */
	assert_int_equal(sscard_pcsc_pick_reader(mixed, present, 3, "acs", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(sscard_pcsc_pick_reader(mixed, present, 3, "ACR38U", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 0);
	assert_int_equal(sscard_pcsc_pick_reader(mixed, present, 3, "acr38u", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(sscard_pcsc_pick_reader(mixed, present, 3, "Acr38U", &idx, detail,
	                                         sizeof detail), SSCARD_E_READER_AMBIGUOUS);
	assert_int_equal(sscard_reader_match("ACS ACR38U 00", "ACS ACR38U 00"), SSCARD_MATCH_EXACT);
	assert_int_equal(sscard_reader_match("ACS ACR38U 00", "ACR"), SSCARD_MATCH_SUBSTRING);
	assert_int_equal(sscard_reader_match("ACS ACR38U 00", "acr"), SSCARD_MATCH_NOCASE);
	assert_int_equal(sscard_reader_match("ACS ACR38U 00", "Gem"), SSCARD_MATCH_NONE);
	assert_int_equal(sscard_reader_match("ACS", ""), SSCARD_MATCH_NONE);
	assert_int_equal(sscard_reader_match(NULL, "x"), SSCARD_MATCH_NONE);
}

static void test_pick_ambiguous_lists_readers(void **state)
{
	const bool present[] = { true, true, false };
	char detail[SSCARD_DETAIL_MAX];
	size_t idx = 99;
	(void)state;
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "Virtual", &idx, detail,
	                                         sizeof detail), SSCARD_E_READER_AMBIGUOUS);
	assert_int_equal(idx, 99);
	assert_non_null(strstr(detail, "\"Virtual PCD 00 00\""));
	assert_non_null(strstr(detail, "\"ACS ACR38U-CCID 01 00\""));
}

static void test_pick_missing_and_empty(void **state)
{
	const bool present[] = { false, false, false };
	char detail[SSCARD_DETAIL_MAX];
	size_t idx = 99;
	(void)state;
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "Gemalto", &idx, detail,
	                                         sizeof detail), SSCARD_E_NO_READER);
	assert_non_null(strstr(detail, "Gemalto"));
	assert_non_null(strstr(detail, "\"Virtual PCD 00 01\""));
	/* no name: the first reader with a card; none has one */
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, NULL, &idx, detail,
	                                         sizeof detail), SSCARD_E_NO_CARD);
	assert_non_null(strstr(detail, "ACR38U"));
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 0, NULL, &idx, detail,
	                                         sizeof detail), SSCARD_E_NO_READER);
}

static void test_pick_first_with_card(void **state)
{
	const bool present[] = { false, false, true };
	char detail[SSCARD_DETAIL_MAX];
	size_t idx = 99;
	(void)state;
	assert_int_equal(sscard_pcsc_pick_reader(readers, present, 3, "", &idx, detail,
	                                         sizeof detail), SSCARD_OK);
	assert_int_equal(idx, 2);
}

static void test_pick_detail_truncates_safely(void **state)
{
	char longname[300];
	memset(longname, 'R', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	const char *const many[] = { longname, longname };
	const bool present[] = { false, false };
	char detail[64];
	size_t idx = 0;
	(void)state;
	assert_int_equal(sscard_pcsc_pick_reader(many, present, 2, "R", &idx, detail,
	                                         sizeof detail), SSCARD_E_READER_AMBIGUOUS);
	assert_true(strlen(detail) < sizeof detail);
}

static void test_features_pinpad(void **state)
{
	const uint8_t tlv[] = {
		FEATURE_VERIFY_PIN_DIRECT, 4, 0x42, 0x33, 0x00, 0x06,
		FEATURE_IFD_PIN_PROPERTIES, 4, 0x42, 0x33, 0x00, 0x0A,
		FEATURE_MODIFY_PIN_DIRECT, 4, 0x42, 0x33, 0x00, 0x07,
	};
	unsigned f = 0;
	uint32_t v = 0, m = 0;
	(void)state;
	assert_int_equal(sscard_pcsc_parse_features(tlv, sizeof tlv, &f, &v, &m), SSCARD_OK);
	assert_int_equal(f, SSCARD_FEATURE_PINPAD_VERIFY | SSCARD_FEATURE_PINPAD_MODIFY);
	assert_int_equal(v, 0x42330006u);
	assert_int_equal(m, 0x42330007u);
	assert_int_equal(sscard_pcsc_parse_features(tlv, 6, &f, NULL, NULL), SSCARD_OK);
	assert_int_equal(f, SSCARD_FEATURE_PINPAD_VERIFY);
	assert_int_equal(sscard_pcsc_parse_features(tlv, 0, &f, NULL, NULL), SSCARD_OK);
	assert_int_equal(f, 0);
}

static void test_features_malformed(void **state)
{
	const uint8_t short_value[] = { FEATURE_VERIFY_PIN_DIRECT, 4, 0x42, 0x33, 0x00 };
	const uint8_t bad_len[] = { FEATURE_VERIFY_PIN_DIRECT, 2, 0x42, 0x33 };
	const uint8_t lone_tag[] = { FEATURE_VERIFY_PIN_DIRECT, 4, 0, 0, 0, 1, 0x07 };
	unsigned f = 0;
	(void)state;
	assert_int_equal(sscard_pcsc_parse_features(short_value, sizeof short_value, &f, NULL, NULL),
	                 SSCARD_E_BAD_RESPONSE);
	assert_int_equal(sscard_pcsc_parse_features(bad_len, sizeof bad_len, &f, NULL, NULL),
	                 SSCARD_E_BAD_RESPONSE);
	assert_int_equal(sscard_pcsc_parse_features(lone_tag, sizeof lone_tag, &f, NULL, NULL),
	                 SSCARD_E_BAD_RESPONSE);
}

static void test_pinpad_blocks(void **state)
{
	/* PIN_VERIFY_STRUCTURE for 00 20 00 00 03 <6 BCD digits> */
	static const uint8_t verify[] = {
		30, 15, 0x81, 0x03, 0x00, 0x06, 0x06, 0x02, 0x01, 0x04, 0x08, 0x00,
		0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
		0x00, 0x20, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF,
	};
	/* PIN_MODIFY_STRUCTURE for 80 5E 01 00 07 <old> FF <new> */
	static const uint8_t modify[] = {
		30, 15, 0x81, 0x03, 0x00, 0x00, 0x04, 0x06, 0x06, 0x03, 0x02, 0x03,
		0x04, 0x08, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00,
		0x80, 0x5E, 0x01, 0x00, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	};
	uint8_t out[64];
	size_t n = 0;
	(void)state;
	assert_int_equal(sscard_pcsc_pin_verify_block(out, sizeof out, &n), SSCARD_OK);
	assert_int_equal(n, sizeof verify);
	assert_memory_equal(out, verify, sizeof verify);
	/* the block layout is the one pcsc-lite's reader.h declares */
	assert_int_equal(n, sizeof(PIN_VERIFY_STRUCTURE) + 8);
	assert_int_equal(sscard_pcsc_pin_modify_block(out, sizeof out, &n), SSCARD_OK);
	assert_int_equal(n, sizeof modify);
	assert_memory_equal(out, modify, sizeof modify);
	assert_int_equal(n, sizeof(PIN_MODIFY_STRUCTURE) + 12);
	/* too small a buffer is an error, never an overrun */
	memset(out, 0xAA, sizeof out);
	assert_int_equal(sscard_pcsc_pin_verify_block(out, 10, &n), SSCARD_E_BUFFER_TOO_SMALL);
	assert_int_equal(out[10], 0xAA);
	/* a card that is not on a PC/SC reader has no pad */
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	char where[600];
	uint16_t sw = 0;
	const char *vectors = getenv("SSCARD_VECTORS");
	assert_non_null(vectors);
	snprintf(where, sizeof where, "sim:%s/cards/healthy-v3.json", vectors);
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	assert_int_equal(sscard_connect(ctx, where, &card), SSCARD_OK);
	assert_int_equal(sscard_pcsc_pinpad(card, false, &sw), SSCARD_E_NOT_IMPLEMENTED);
	assert_int_equal(sscard_card_features(card), 0);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

static void test_split_names(void **state)
{
	static const char mstr[] = "A\0BB\0CCC\0";
	const char *names[4];
	(void)state;
	/* sizeof includes the final terminator of the multi-string */
	assert_int_equal(sscard_pcsc_split_names(mstr, sizeof mstr, names, 4), 3);
	assert_string_equal(names[0], "A");
	assert_string_equal(names[2], "CCC");
	assert_int_equal(sscard_pcsc_split_names(mstr, sizeof mstr, names, 2), 2);
	/* an unterminated fragment is dropped, never read past the end */
	static const char cut[] = { 'A', '\0', 'B', 'B' };
	assert_int_equal(sscard_pcsc_split_names(cut, sizeof cut, names, 4), 1);
	assert_int_equal(sscard_pcsc_split_names(mstr, 0, names, 4), 0);
}

static void test_no_service_is_typed(void **state)
{
	/* Run with PCSCLITE_CSOCK_NAME pointing nowhere: pcsc-lite's client
	 * honours it, so this context cannot reach any pcscd. */
	sscard_ctx *ctx = NULL;
	sscard_reader_list *list = NULL;
	sscard_card *card = NULL;
	sscard_event ev;
	(void)state;
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	assert_int_equal(sscard_list_readers(ctx, &list), SSCARD_E_NO_SERVICE);
	assert_null(list);
	assert_int_equal(sscard_connect(ctx, "Virtual PCD", &card), SSCARD_E_NO_SERVICE);
	assert_null(card);
	assert_int_equal(sscard_wait_event(ctx, 10, &ev), SSCARD_E_NO_SERVICE);
	assert_int_equal(sscard_wait_event(ctx, 10, NULL), SSCARD_E_INVALID_ARG);
	assert_string_equal(sscard_event_name(SSCARD_EVENT_CARD_INSERTED), "card-inserted");
	assert_string_equal(sscard_event_name((sscard_event_type)77), "unknown");
	sscard_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rc_table),
		cmocka_unit_test(test_pick_exact_and_substring),
		cmocka_unit_test(test_pick_ignores_case_when_needed),
		cmocka_unit_test(test_pick_ambiguous_lists_readers),
		cmocka_unit_test(test_pick_missing_and_empty),
		cmocka_unit_test(test_pick_first_with_card),
		cmocka_unit_test(test_pick_detail_truncates_safely),
		cmocka_unit_test(test_features_pinpad),
		cmocka_unit_test(test_features_malformed),
		cmocka_unit_test(test_pinpad_blocks),
		cmocka_unit_test(test_split_names),
		cmocka_unit_test(test_no_service_is_typed),
	};
	setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/sscard-test/pcscd.comm", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
