/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The APDU core: encoding, parsing and the one exchange path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "script_card.h"

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
	assert_null(ctx);
	return 0;
}

static void encode_hex(const sscard_apdu *a, const char *expect)
{
	uint8_t buf[SSCARD_APDU_MAX_ENCODED];
	char hex[600];
	size_t len = 0;

	assert_int_equal(sscard_apdu_encode(a, buf, sizeof(buf), &len), SSCARD_OK);
	sscard_hex_encode(buf, len, hex, sizeof(hex));
	assert_string_equal(hex, expect);
}

static void test_encode_short_cases(void **state)
{
	static const uint8_t name[] = {0x73, 0x78, 0x31};
	sscard_apdu a = {.cla = 0x00, .ins = 0x84};

	(void)state;
	encode_hex(&a, "00840000"); /* case 1 */
	a.ne = 8;
	encode_hex(&a, "0084000008"); /* case 2 */
	a.ne = 256;
	encode_hex(&a, "0084000000"); /* Le 256 is 00 */
	a = (sscard_apdu){.ins = 0xA4, .p1 = 0x04, .data = name, .nc = 3};
	encode_hex(&a, "00A4040003737831"); /* case 3 */
	a.ne = 256;
	encode_hex(&a, "00A404000373783100"); /* case 4 */
}

static void test_encode_extended_cases(void **state)
{
	uint8_t *data = calloc(1, 300);
	uint8_t buf[SSCARD_APDU_MAX_ENCODED];
	size_t len = 0;
	sscard_apdu a = {.ins = 0xB0, .ne = 65536};

	(void)state;
	assert_non_null(data);
	encode_hex(&a, "00B00000000000"); /* case 2E, Le 65536 = 0000 */
	a.ne = 300;
	encode_hex(&a, "00B0000000012C");
	a = (sscard_apdu){.ins = 0xD6, .data = data, .nc = 300};
	assert_int_equal(sscard_apdu_encode(&a, buf, sizeof(buf), &len), SSCARD_OK);
	assert_int_equal(len, 4 + 3 + 300); /* case 3E */
	assert_int_equal(buf[4], 0x00);
	assert_int_equal(buf[5], 0x01);
	assert_int_equal(buf[6], 0x2C);
	a.ne = 2;
	assert_int_equal(sscard_apdu_encode(&a, buf, sizeof(buf), &len), SSCARD_OK);
	assert_int_equal(len, 4 + 3 + 300 + 2); /* case 4E: 2-byte Le */
	assert_int_equal(buf[len - 1], 0x02);
	/* the EXTENDED flag forces extended fields for small values */
	a = (sscard_apdu){.ins = 0xB0, .ne = 5, .flags = SSCARD_APDU_EXTENDED};
	encode_hex(&a, "00B00000000005");
	free(data);
}

static void test_encode_rejects_impossible(void **state)
{
	uint8_t buf[16];
	size_t len;
	sscard_apdu a = {.ins = 0xB0, .ne = 65537};

	(void)state;
	assert_int_equal(sscard_apdu_encode(&a, buf, sizeof(buf), &len), SSCARD_E_BAD_APDU);
	a = (sscard_apdu){.ins = 0xD6, .nc = 70000, .data = buf};
	assert_int_equal(sscard_apdu_encode(&a, buf, sizeof(buf), &len), SSCARD_E_BAD_APDU);
	a = (sscard_apdu){.ins = 0xD6, .nc = 3, .data = NULL};
	assert_int_equal(sscard_apdu_encode(&a, buf, sizeof(buf), &len), SSCARD_E_INVALID_ARG);
	a = (sscard_apdu){.ins = 0xD6, .nc = 13, .data = buf};
	assert_int_equal(sscard_apdu_encode(&a, buf, 16, &len), SSCARD_E_BUFFER_TOO_SMALL);
	assert_int_equal(sscard_apdu_encode(NULL, buf, 16, &len), SSCARD_E_INVALID_ARG);
}

static void parse_hex(const char *hex, sscard_rc expect_rc, size_t nc, size_t ne)
{
	uint8_t buf[SSCARD_APDU_MAX_ENCODED];
	size_t len = 0;
	sscard_apdu a;

	assert_int_equal(sscard_hex_decode(hex, buf, sizeof(buf), &len), SSCARD_OK);
	assert_int_equal(sscard_apdu_parse(buf, len, &a), expect_rc);
	if (expect_rc == SSCARD_OK) {
		uint8_t again[SSCARD_APDU_MAX_ENCODED];
		size_t alen = 0;

		assert_int_equal(a.nc, nc);
		assert_int_equal(a.ne, ne);
		/* parse then encode gives the same bytes */
		assert_int_equal(sscard_apdu_encode(&a, again, sizeof(again), &alen), SSCARD_OK);
		assert_int_equal(alen, len);
		assert_memory_equal(again, buf, len);
	}
}

static void test_parse(void **state)
{
	(void)state;
	parse_hex("00840000", SSCARD_OK, 0, 0);
	parse_hex("0084000008", SSCARD_OK, 0, 8);
	parse_hex("0084000000", SSCARD_OK, 0, 256);
	parse_hex("00A4040003737831", SSCARD_OK, 3, 0);
	parse_hex("00A404000373783100", SSCARD_OK, 3, 256);
	parse_hex("00B00000000000", SSCARD_OK, 0, 65536);
	parse_hex("00D600000000020102", SSCARD_OK, 2, 0);
	parse_hex("00D6000000000201020010", SSCARD_OK, 2, 16);
	parse_hex("008400", SSCARD_E_BAD_APDU, 0, 0);           /* too short */
	parse_hex("00A40400037378", SSCARD_E_BAD_APDU, 0, 0);   /* Lc 3, 2 bytes */
	parse_hex("00A4040003737831000000", SSCARD_E_BAD_APDU, 0, 0); /* trailing */
	parse_hex("00D600000000000102", SSCARD_E_BAD_APDU, 0, 0); /* Lc 0 with data */
	parse_hex("00D6000000", SSCARD_OK, 0, 256);              /* case 2S Le=00 */
	parse_hex("00D600000001", SSCARD_E_BAD_APDU, 0, 0);      /* Lc 0 ext truncated */
}

static void test_exchange_plain(void **state)
{
	static const script_step steps[] = {
		{"00B2083014", "08123132339000", 0},
	};
	sscard_card *card = script_card_connect(*state, steps, 1);
	sscard_apdu a = {.ins = 0xB2, .p1 = 0x08, .p2 = 0x30, .ne = 0x14};
	uint8_t resp[32];
	size_t n = 0;
	uint16_t sw = 0;

	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(n, 5);
	assert_memory_equal(resp, "\x08\x12\x31\x32\x33", 5);
	assert_int_equal(sscard_card_last_sw(card), 0x9000);
	assert_int_equal(sscard_card_apdu_count(card), 1);
	sscard_disconnect(&card);
	assert_null(card);
}

static void test_exchange_get_response(void **state)
{
	static const script_step steps[] = {
		{"00A404000F7378312E73682EC9E7BBE1B1A3D5CF00", "6105", 0},
		{"00C0000005", "0102036103", 0}, /* partial + more */
		{"00C0000003", "6C02", 0},       /* the card changes its mind on Le */
		{"00C0000002", "04059000", 0},
	};
	static const uint8_t name[] = {0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
	                               0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
	sscard_card *card = script_card_connect(*state, steps, 4);
	sscard_apdu a = {.ins = 0xA4, .p1 = 0x04, .data = name, .nc = sizeof(name), .ne = 256};
	uint8_t resp[256];
	size_t n = 0;
	uint16_t sw = 0;

	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(n, 5);
	assert_memory_equal(resp, "\x01\x02\x03\x04\x05", 5);
	assert_int_equal(sscard_card_apdu_count(card), 4);
	sscard_disconnect(&card);
}

static void test_exchange_wrong_le_resend(void **state)
{
	static const script_step steps[] = {
		{"00B2083000", "6C14", 0},
		{"00B2083014", "0812" "313131313131313131313131313131313131" "9000", 0},
	};
	sscard_card *card = script_card_connect(*state, steps, 2);
	sscard_apdu a = {.ins = 0xB2, .p1 = 0x08, .p2 = 0x30, .ne = 256};
	uint8_t resp[256];
	size_t n = 0;
	uint16_t sw = 0;

	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(n, 20);
	sscard_disconnect(&card);
}

static void test_exchange_6c_twice_is_bad(void **state)
{
	static const script_step steps[] = {
		{"00B2083000", "6C14", 0},
		{"00B2083014", "6C15", 0},
	};
	sscard_card *card = script_card_connect(*state, steps, 2);
	sscard_apdu a = {.ins = 0xB2, .p1 = 0x08, .p2 = 0x30, .ne = 256};
	uint8_t resp[256];
	size_t n = 0;
	uint16_t sw = 0;

	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_BAD_RESPONSE);
	assert_int_equal(n, 0);
	sscard_disconnect(&card);
}

static void test_exchange_bounds(void **state)
{
	static const script_step steps[] = {
		{"0084000004", "01020304059000", 0}, /* 5 bytes for Le 4 */
		{"0084000008", "01020304050607089000", 0}, /* fits Le, not the buffer */
		{"0084000008", "90", 0},                   /* one-byte R-APDU */
		{"0084000008", "", 0},                     /* empty R-APDU */
		{"00840000", "0102039000", 0},             /* data for a case 1 command */
	};
	sscard_card *card = script_card_connect(*state, steps, 5);
	sscard_apdu a = {.ins = 0x84, .ne = 4};
	uint8_t resp[6];
	size_t n = 99;
	uint16_t sw = 0;

	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_BAD_RESPONSE);
	assert_int_equal(n, 0);
	assert_non_null(strstr(sscard_card_last_detail(card), "asked for"));
	a.ne = 8;
	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_BUFFER_TOO_SMALL);
	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_BAD_RESPONSE);
	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_BAD_RESPONSE);
	a.ne = 0;
	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_BAD_RESPONSE);
	sscard_disconnect(&card);
}

/* A card that announces 61xx forever must not keep us in a loop. */
static sscard_rc endless_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                                  size_t *rlen)
{
	(void)impl;
	(void)c;
	(void)clen;
	r[0] = 0xAA;
	r[1] = 0x61;
	r[2] = 0x01;
	*rlen = 3;
	return SSCARD_OK;
}

static void noop_close(void *impl)
{
	(void)impl;
}

static void test_exchange_endless_get_response(void **state)
{
	static const sscard_transport_ops ops = {.name = "endless",
	                                         .transmit = endless_transmit,
	                                         .close = noop_close};
	sscard_card *card = NULL;
	sscard_apdu a = {.ins = 0x84, .ne = 65536};
	uint8_t *resp = malloc(65536);
	size_t n = 0;
	uint16_t sw = 0;

	assert_non_null(resp);
	assert_int_equal(sscard_connect_transport(*state, &ops, NULL, &card), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &a, resp, 65536, &n, &sw), SSCARD_E_BAD_RESPONSE);
	assert_true(sscard_card_apdu_count(card) <= 301);
	sscard_disconnect(&card);
	free(resp);
}

static void test_exchange_transport_error(void **state)
{
	static const script_step steps[] = {
		{"0084000008", NULL, SSCARD_E_CARD_REMOVED},
		{"0084000008", NULL, SSCARD_E_MUTE},
	};
	sscard_card *card = script_card_connect(*state, steps, 2);
	sscard_apdu a = {.ins = 0x84, .ne = 8};
	uint8_t resp[8];
	size_t n = 0;
	uint16_t sw = 0;

	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw),
	                 SSCARD_E_CARD_REMOVED);
	assert_int_equal(sscard_exchange(card, &a, resp, sizeof(resp), &n, &sw), SSCARD_E_MUTE);
	sscard_disconnect(&card);
}

static void test_exchange_chaining(void **state)
{
	uint8_t data[300];
	char first[4 * 2 + 2 + 255 * 2 + 1] = "10DC0000FF";
	char last[4 * 2 + 2 + 45 * 2 + 1] = "00DC00002D";
	script_step steps[2] = {{first, "9000", 0}, {last, "9000", 0}};
	sscard_card *card;
	sscard_apdu a = {.ins = 0xDC, .nc = sizeof(data), .data = data,
	                 .flags = SSCARD_APDU_CHAIN};
	uint16_t sw = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	sscard_hex_encode(data, 255, first + 10, sizeof(first) - 10);
	sscard_hex_encode(data + 255, 45, last + 10, sizeof(last) - 10);
	card = script_card_connect(*state, steps, 2);
	assert_int_equal(sscard_exchange(card, &a, NULL, 0, NULL, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(sscard_card_apdu_count(card), 2);
	sscard_disconnect(&card);
}

typedef struct trace_log {
	char text[4096];
} trace_log;

static void collect_trace(void *ud, sscard_trace_dir dir, const char *hex)
{
	trace_log *t = ud;

	strncat(t->text, dir == SSCARD_TRACE_COMMAND ? ">" : "<", sizeof(t->text) - strlen(t->text) - 1);
	strncat(t->text, hex, sizeof(t->text) - strlen(t->text) - 1);
	strncat(t->text, "\n", sizeof(t->text) - strlen(t->text) - 1);
}

static void test_trace_masks_pin(void **state)
{
	static const uint8_t pin[] = {0x12, 0x34, 0x56};
	static const script_step steps[] = {
		{"0020000003123456", "63C2", 0},
		{"0084000008", "11223344556677889000", 0},
	};
	trace_log log = {{0}};
	sscard_card *card;
	sscard_apdu verify = {.ins = 0x20, .data = pin, .nc = 3, .flags = SSCARD_APDU_SENSITIVE};
	sscard_apdu challenge = {.ins = 0x84, .ne = 8};
	uint8_t resp[8];
	size_t n;
	uint16_t sw = 0;

	sscard_ctx_set_trace(*state, collect_trace, &log);
	card = script_card_connect(*state, steps, 2);
	assert_int_equal(sscard_exchange(card, &verify, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x63C2);
	assert_int_equal(sscard_sw_rc(sw), SSCARD_E_WRONG_PIN);
	assert_int_equal(sscard_exchange(card, &challenge, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_null(strstr(log.text, "123456"));
	assert_non_null(strstr(log.text, ">0020000003******\n"));
	assert_non_null(strstr(log.text, "<63C2\n"));
	assert_non_null(strstr(log.text, ">0084000008\n"));
	assert_non_null(strstr(log.text, "<11223344556677889000\n"));
	sscard_disconnect(&card);
	sscard_ctx_set_trace(*state, NULL, NULL);
}

/* Raw commands (sscard_transmit: cardtool apdu, scripts) carry no flag:
 * the trace masks PIN and key data by instruction, whatever the class. */
static void test_trace_masks_by_instruction(void **state)
{
	static const struct {
		const char *capdu, *shown, *secret;
	} cmds[] = {
		{ "0020000003123456", ">0020000003******\n", "123456" },
		{ "805E010007123456FF654321", ">805E010007**************\n", "654321" },
		{ "0024000006123456654321", ">0024000006************\n", "654321" },
		{ "8424000004C0FFEE11", ">8424000004********\n", "C0FFEE11" },
		{ "842400010CA1A2A3A4A5A6A7A8C0FFEE12", ">842400010C************************\n", "C0FFEE12" },
		{ "002C000003123456", ">002C000003******\n", "123456" },
		{ "0082000A10C0FFEE13C0FFEE13C0FFEE13C0FFEE13",
		  ">0082000A10********************************\n", "C0FFEE13" },
		{ "0088000008C0FFEE14C0FFEE1408", ">0088000008****************08\n", "C0FFEE14" },
		{ "00B2083014", ">00B2083014\n", NULL }, /* others stay readable */
	};
	script_step steps[sizeof(cmds) / sizeof(cmds[0])];
	trace_log log = {{0}};
	uint8_t capdu[64], rapdu[64];
	size_t clen, rlen;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		steps[i] = (script_step){ cmds[i].capdu, "9000", 0 };
	sscard_ctx_set_trace(*state, collect_trace, &log);
	sscard_card *card = script_card_connect(*state, steps, sizeof(cmds) / sizeof(cmds[0]));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(sscard_hex_decode(cmds[i].capdu, capdu, sizeof(capdu), &clen),
		                 SSCARD_OK);
		assert_int_equal(sscard_transmit(card, capdu, clen, rapdu, sizeof(rapdu), &rlen),
		                 SSCARD_OK);
		if (strstr(log.text, cmds[i].shown) == NULL)
			fail_msg("%s traced as:\n%s", cmds[i].capdu, log.text);
		if (cmds[i].secret != NULL && strstr(log.text, cmds[i].secret) != NULL)
			fail_msg("%s: secret in the trace:\n%s", cmds[i].capdu, log.text);
	}
	sscard_disconnect(&card);
	sscard_ctx_set_trace(*state, NULL, NULL);
}

static void test_apdu_sensitive(void **state)
{
	sscard_apdu a = { .cla = 0x00, .ins = 0x20 };

	(void)state;
	assert_true(sscard_apdu_sensitive(&a));
	a.ins = 0xB2;
	assert_false(sscard_apdu_sensitive(&a));
	a.flags = SSCARD_APDU_SENSITIVE;
	assert_true(sscard_apdu_sensitive(&a));
	assert_false(sscard_apdu_sensitive(NULL));
}

static void test_transmit_raw(void **state)
{
	static const script_step steps[] = {
		{"0084000008", "6108", 0},
		{"00C0000008", "11223344556677889000", 0},
	};
	sscard_card *card = script_card_connect(*state, steps, 2);
	static const uint8_t capdu[] = {0x00, 0x84, 0x00, 0x00, 0x08};
	static const uint8_t bad[] = {0x00, 0x84, 0x00};
	uint8_t r[16];
	size_t n = 0;

	assert_int_equal(sscard_transmit(card, capdu, sizeof(capdu), r, sizeof(r), &n), SSCARD_OK);
	assert_int_equal(n, 10);
	assert_int_equal(r[8], 0x90);
	assert_int_equal(sscard_transmit(card, bad, sizeof(bad), r, sizeof(r), &n),
	                 SSCARD_E_BAD_APDU);
	sscard_disconnect(&card);
}

static void test_card_cmd_maps_sw(void **state)
{
	static const script_step steps[] = {
		{"00B2083014", "6A83", 0},
		{"00B2083014", "6581", 0},
	};
	sscard_card *card = script_card_connect(*state, steps, 2);
	sscard_apdu a = {.ins = 0xB2, .p1 = 0x08, .p2 = 0x30, .ne = 0x14};
	uint8_t resp[32];
	size_t n = 0;

	assert_int_equal(sscard_card_cmd(card, "READ RECORD", &a, resp, sizeof(resp), &n),
	                 SSCARD_E_RECORD_NOT_FOUND);
	assert_string_equal(sscard_card_last_detail(card), "READ RECORD: 6A83 record not found");
	assert_int_equal(sscard_card_cmd(card, "READ RECORD", &a, resp, sizeof(resp), &n),
	                 SSCARD_E_MEMORY_FAILURE);
	assert_int_equal(sscard_card_last_sw(card), 0x6581);
	sscard_disconnect(&card);
}

/* A card that accepts everything and counts its resets. */
typedef struct resettable {
	int resets;
} resettable;

static sscard_rc ok_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                             size_t *rlen)
{
	(void)impl;
	(void)c;
	(void)clen;
	r[0] = 0x90;
	r[1] = 0x00;
	*rlen = 2;
	return SSCARD_OK;
}

static sscard_rc counting_reset(void *impl, int cold, uint8_t *atr, size_t *len)
{
	resettable *r = impl;

	(void)cold;
	(void)atr;
	r->resets++;
	*len = 0;
	return SSCARD_OK;
}

static void test_disconnect_drops_security_state(void **state)
{
	static const sscard_transport_ops ops = {.name = "resettable",
	                                         .transmit = ok_transmit,
	                                         .reset = counting_reset,
	                                         .close = noop_close};
	static const uint8_t pin[] = {0x12, 0x34, 0x56};
	const sscard_apdu tries = {.ins = 0x20};
	const sscard_apdu verify = {.ins = 0x20, .data = pin, .nc = 3,
	                            .flags = SSCARD_APDU_SENSITIVE};
	resettable r = {0};
	sscard_card *card = NULL;
	uint16_t sw;

	/* asking for the tries grants nothing: no reset */
	assert_int_equal(sscard_connect_transport(*state, &ops, &r, &card), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &tries, NULL, 0, NULL, &sw), SSCARD_OK);
	sscard_disconnect(&card);
	assert_int_equal(r.resets, 0);
	/* a verified PIN must not outlive the connection */
	assert_int_equal(sscard_connect_transport(*state, &ops, &r, &card), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &verify, NULL, 0, NULL, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	sscard_disconnect(&card);
	assert_int_equal(r.resets, 1);
}

/* A card another application resets once before each of our transactions. */
static sscard_rc reset_begin(void *impl)
{
	int *pending = impl;

	if (*pending) {
		*pending = 0; /* reported once; the transport has reconnected */
		return SSCARD_E_CARD_RESET;
	}
	return SSCARD_OK;
}

static void test_reset_by_other_application(void **state)
{
	static const sscard_transport_ops ops = {.name = "reset-by-other",
	                                         .transmit = ok_transmit,
	                                         .begin = reset_begin,
	                                         .close = noop_close};
	const sscard_apdu select = {.ins = 0xA4, .p1 = 0x00, .p2 = 0x00};
	int pending = 1;
	sscard_card *card = NULL;
	uint16_t sw;

	/* a fresh handle has nothing to lose: the reset is not its business */
	assert_int_equal(sscard_connect_transport(*state, &ops, &pending, &card), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &select, NULL, 0, NULL, &sw), SSCARD_OK);
	/* once it has talked to the card, a reset must be reported */
	pending = 1;
	assert_int_equal(sscard_exchange(card, &select, NULL, 0, NULL, &sw), SSCARD_E_CARD_RESET);
	assert_int_equal(sscard_exchange(card, &select, NULL, 0, NULL, &sw), SSCARD_OK);
	sscard_disconnect(&card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_short_cases),
		cmocka_unit_test(test_encode_extended_cases),
		cmocka_unit_test(test_encode_rejects_impossible),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_exchange_plain),
		cmocka_unit_test(test_exchange_get_response),
		cmocka_unit_test(test_exchange_wrong_le_resend),
		cmocka_unit_test(test_exchange_6c_twice_is_bad),
		cmocka_unit_test(test_exchange_bounds),
		cmocka_unit_test(test_exchange_endless_get_response),
		cmocka_unit_test(test_exchange_transport_error),
		cmocka_unit_test(test_exchange_chaining),
		cmocka_unit_test(test_trace_masks_pin),
		cmocka_unit_test(test_trace_masks_by_instruction),
		cmocka_unit_test(test_apdu_sensitive),
		cmocka_unit_test(test_transmit_raw),
		cmocka_unit_test(test_card_cmd_maps_sw),
		cmocka_unit_test(test_disconnect_drops_security_state),
		cmocka_unit_test(test_reset_by_other_application),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
