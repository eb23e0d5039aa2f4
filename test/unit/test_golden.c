/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Golden APDU sequences of the secure channel (issue 14): every C-APDU of
 * each flow checked byte for byte against the forms field code sends to
 * real cards and PSAMs (design.md s.4 and s.8; doc/secure-channel.md names
 * the sources), on a scripted card with fixed challenges. The cryptograms
 * and MACs are not computed here: they are the known answers that
 * vectors/crypto/gen.sh computed with the openssl command line
 * (vectors/crypto/generated.txt, "session-cg" / "session-mac" lines), so a
 * library and a simulator that agree on a wrong convention fail here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sscard/sscard.h>

#include "keys.h"
#include "script_card.h"

/* the factors of the scripted card: ATR ...8660130425001C4E, card id of
 * region 639900 ("639900sx") */
#define CARD_FACTOR "8660130425001C4E"
#define CITY_FACTOR "3633393930307378"
#define CARD_ID "639900D15600000500BF7C7A48FB4966"

#define SELECT_SSSE_FCI "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00"
#define FCI(flag) "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601" flag "9000"
#define READ_CARD_ID "00B2012812"
#define CARD_ID_ANSWER "0110" CARD_ID "9000"
#define GET_CHALLENGE "0084000008"
#define R "1122334455667788" /* the card's challenge in every flow */

/* Test keys (vectors/crypto/gen.sh K3A, K3B), used undiversified ("-") so
 * the known answers apply as they are. */
#define K3A "404142434445464748494A4B4C4D4E4F"
#define K3B "0123456789ABCDEFFEDCBA9876543210"

/* Known answers (vectors/crypto/generated.txt). */
#define CG_DES_K3A_R "032F4CE56861045A"   /* session-cg 3DES K3A R R */
#define CG_DES_K3B_R "8E083F967775DE49"   /* session-cg 3DES K3B R R */
#define CG_SM4_K3A_R "10868CD23797518E"   /* session-cg SM4 K3A R R */
#define CG_SM4_K3B_R "53DD42125E003D92"   /* session-cg SM4 K3B R R */
#define IN_FACTOR "0102030405060708"
#define IN_ORIGINAL "A1A2A3A4A5A6A7A8"
#define CG_DES_K3B_IN "136D464E32BAE82E"  /* session-cg 3DES K3B factor original */
#define CG_SM4_K3B_IN "44AF9381FB597698"  /* session-cg SM4 K3B factor original */
#define MAC_DES_K3A_BLOCK "99701DCB"      /* session-mac 3DES K3A R 841E000004 */
#define MAC_SM4_K3A_UNBLOCK "08493D14"    /* session-mac SM4 K3A R 8424000004 */

static sscard_keys *keystore(sscard_ctx *ctx, const char *alg)
{
	char text[1024];
	sscard_keys *keys = NULL;

	snprintf(text, sizeof(text),
	         "sscard-keystore 1\n"
	         "key external SSSE 0A %s - " K3A "\n"
	         "key update   SSSE 04 %s - " K3B "\n"
	         "key unblock  SSSE 06 %s - " K3B "\n"
	         "key line     SSSE 02 %s - " K3A "\n",
	         alg, alg, alg, alg);
	assert_int_equal(sscard_keys_parse_text(ctx, text, strlen(text), &keys, NULL, 0),
	                 SSCARD_OK);
	return keys;
}

/* Connect a scripted card; after the flow every step must have been sent. */
static sscard_card *script(sscard_ctx *ctx, const script_step *steps, size_t n)
{
	return script_card_connect(ctx, steps, n);
}

#define STEPS(a) (a), (sizeof(a) / sizeof((a)[0]))

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

/* ---- EXTERNAL AUTHENTICATE (terminal -> card), software keystore --------- */

static void external_auth(sscard_ctx *ctx, const char *alg, const char *flag,
                          const char *cryptogram)
{
	char ext[80];
	const script_step steps[] = {
		{ SELECT_SSSE_FCI, "", SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ GET_CHALLENGE, R "9000", SSCARD_OK },
		{ ext, "9000", SSCARD_OK },
	};
	char fci[80];
	script_step s[4];
	sscard_keys *keys = keystore(ctx, alg);
	sscard_card *card;
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;

	snprintf(fci, sizeof(fci), FCI("%s"), flag);
	/* 00 82 00 <RKSSSE 0A> 10 <cryptogram 8><original 8 = the challenge> */
	snprintf(ext, sizeof(ext), "0082000A10%s" R, cryptogram);
	memcpy(s, steps, sizeof(s));
	s[0].answer = fci;
	card = script(ctx, STEPS(s));
	assert_int_equal(sscard_authenticate(card, keys, "SSSE", &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_TERMINAL_ONLY); /* no IRK in this keystore */
	assert_int_equal(sscard_card_apdu_count(card), 4);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
}

static void test_external_auth_des(void **state)
{
	external_auth(*state, "3DES", "01", CG_DES_K3A_R);
}

static void test_external_auth_sm4(void **state)
{
	external_auth(*state, "SM4", "03", CG_SM4_K3A_R);
}

/* ---- the two-step read of a 3.0 card (internal + external) -------------- */

static void two_step(sscard_ctx *ctx, const char *internal_answer, sscard_rc want,
                     sscard_auth_verdict want_verdict)
{
	static const uint8_t factor[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t original[8] = { 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8 };
	char intauth_answer[40];
	const script_step steps[] = {
		{ SELECT_SSSE_FCI, FCI("03"), SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ "00B2032806", "0304332E30309000", SSCARD_OK }, /* "3.00": external wanted */
		/* 00 88 00 <IRK 00> 10 <process factor><original>, Le 00 */
		{ "0088000010" IN_FACTOR IN_ORIGINAL "00", intauth_answer, SSCARD_OK },
		{ GET_CHALLENGE, R "9000", SSCARD_OK }, /* last before Step2 */
		{ "0082000A10" CG_SM4_K3A_R R, "9000", SSCARD_OK },
	};
	sscard_auth_options opt = { 0, 0x00, 0x0A, 1, SSCARD_AUTH_AUTO, factor, original };
	uint8_t cryptogram[8], expected[8];
	sscard_auth_request *req = NULL;
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	sscard_card *card;
	const uint8_t *value;
	size_t len = 0, n = 0;

	snprintf(intauth_answer, sizeof(intauth_answer), "%s9000", internal_answer);
	card = script(ctx, STEPS(steps));
	assert_int_equal(sscard_auth_begin(card, NULL, &opt, &req), SSCARD_OK);
	assert_int_equal(sscard_auth_request_alg(req), SSCARD_ALG_SM4);
	/* Step1's four values: what the back end computes from */
	value = sscard_auth_request_value(req, SSCARD_AUTH_INTERNAL_FACTOR, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(value, factor, 8);
	value = sscard_auth_request_value(req, SSCARD_AUTH_INTERNAL_ORIGINAL, &len);
	assert_memory_equal(value, original, 8);
	value = sscard_auth_request_value(req, SSCARD_AUTH_EXTERNAL_FACTOR, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(value, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	value = sscard_auth_request_value(req, SSCARD_AUTH_EXTERNAL_ORIGINAL, &len);
	assert_memory_equal(value, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	assert_int_equal(sscard_card_apdu_count(card), 5);
	/* the back end's answers (known answers: IRK = K3B, RK = K3A) */
	assert_int_equal(sscard_hex_decode(CG_SM4_K3A_R, cryptogram, 8, &n), SSCARD_OK);
	assert_int_equal(sscard_hex_decode(CG_SM4_K3B_IN, expected, 8, &n), SSCARD_OK);
	assert_int_equal(sscard_auth_finish(card, req, cryptogram, 8, expected, 8, &v), want);
	assert_int_equal(v, want_verdict);
	assert_int_equal(sscard_card_apdu_count(card), 6);
	sscard_auth_request_free(&req);
	sscard_disconnect(&card);
}

static void test_two_step_genuine(void **state)
{
	two_step(*state, CG_SM4_K3B_IN, SSCARD_OK, SSCARD_AUTH_GENUINE);
}

/* A forged card: its INTERNAL AUTHENTICATE answer is not the back end's. */
static void test_two_step_forged(void **state)
{
	two_step(*state, "44AF9381FB597699", SSCARD_E_NOT_GENUINE, SSCARD_AUTH_NOT_GENUINE);
}

/* A DES card's internal authentication alone (2.0: no external part). */
static void test_internal_auth_des(void **state)
{
	static const uint8_t factor[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t original[8] = { 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8 };
	const script_step steps[] = {
		{ SELECT_SSSE_FCI, FCI("01"), SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ "00B2032806", "0304322E30309000", SSCARD_OK }, /* "2.00" */
		{ "0088000010" IN_FACTOR IN_ORIGINAL "00", CG_DES_K3B_IN "9000", SSCARD_OK },
	};
	sscard_auth_options opt = { 0, 0x00, 0x0A, 1, SSCARD_AUTH_AUTO, factor, original };
	sscard_ctx *ctx = *state;
	uint8_t expected[8];
	sscard_auth_request *req = NULL;
	sscard_auth_verdict v;
	sscard_card *card = script(ctx, STEPS(steps));
	size_t len = 1, n = 0;

	assert_int_equal(sscard_auth_begin(card, "SSSE", &opt, &req), SSCARD_OK);
	assert_int_equal(sscard_auth_request_alg(req), SSCARD_ALG_3DES);
	assert_null(sscard_auth_request_value(req, SSCARD_AUTH_EXTERNAL_FACTOR, &len));
	assert_int_equal(len, 0);
	assert_int_equal(sscard_hex_decode(CG_DES_K3B_IN, expected, 8, &n), SSCARD_OK);
	assert_int_equal(sscard_auth_finish(card, req, NULL, 0, expected, 8, &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_GENUINE);
	assert_int_equal(sscard_card_apdu_count(card), 4); /* nothing after finish */
	sscard_auth_request_free(&req);
	sscard_disconnect(&card);
}

/* ---- a protected write: update key, plain UPDATE RECORD, read-back ------ */

static void test_protected_write_des(void **state)
{
	const script_step steps[] = {
		/* the check of the value against the card's data (the card
		 * number relates to no other element: itself only) */
		{ "00A404000F7378312E73682EC9E7BBE1B1A3D5CF", "6128", SSCARD_OK },
		{ "00B207280B", "0709413030303030303139" "9000", SSCARD_OK }, /* A00000019 */
		/* the write: the FCI for the algorithm, the factors */
		{ SELECT_SSSE_FCI, FCI("01"), SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ "00B207280B", "0709413030303030303139" "9000", SSCARD_OK },
		{ GET_CHALLENGE, R "9000", SSCARD_OK },
		/* UKSSSE (04), then the record as field code writes it */
		{ "0082000410" CG_DES_K3B_R R, "9000", SSCARD_OK },
		{ "00DC07280B0709423132333435363738", "9000", SSCARD_OK },
		{ "00B207280B", "0709423132333435363738" "9000", SSCARD_OK }, /* read back */
	};
	sscard_ctx *ctx = *state;
	sscard_keys *keys = keystore(ctx, "3DES");
	sscard_card *card = script(ctx, STEPS(steps));
	int written = -1;

	assert_int_equal(sscard_write_element(card, keys, "card_number", "B12345678", &written),
	                 SSCARD_OK);
	assert_int_equal(written, 1);
	assert_int_equal(sscard_card_apdu_count(card), 9);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
}

/* ---- lifecycle: application block (lock), PIN unblock ------------------- */

static void test_lock_des(void **state)
{
	const script_step steps[] = {
		{ SELECT_SSSE_FCI, FCI("01"), SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ GET_CHALLENGE, R "9000", SSCARD_OK },
		/* 84 1E 00 00 04 <MAC by STK's process key, IV zero> (verify) */
		{ "841E000004" MAC_DES_K3A_BLOCK, "9000", SSCARD_OK },
	};
	sscard_ctx *ctx = *state;
	sscard_keys *keys = keystore(ctx, "3DES");
	sscard_card *card = script(ctx, STEPS(steps));

	assert_int_equal(sscard_app_block(card, keys, "SSSE", 0), SSCARD_OK);
	assert_int_equal(sscard_card_apdu_count(card), 4);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
}

static void test_pin_unblock_sm4(void **state)
{
	const script_step steps[] = {
		{ SELECT_SSSE_FCI, FCI("03"), SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ GET_CHALLENGE, R "9000", SSCARD_OK },
		{ "0082000610" CG_SM4_K3B_R R, "9000", SSCARD_OK }, /* PUK (06) */
		{ GET_CHALLENGE, R "9000", SSCARD_OK },
		{ "8424000004" MAC_SM4_K3A_UNBLOCK, "9000", SSCARD_OK },
	};
	sscard_ctx *ctx = *state;
	sscard_keys *keys = keystore(ctx, "SM4");
	sscard_card *card = script(ctx, STEPS(steps));

	assert_int_equal(sscard_pin_unblock(card, keys, "SSSE"), SSCARD_OK);
	assert_int_equal(sscard_card_apdu_count(card), 6);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
}

/* ---- the PSAM provider: the card's and the PSAM's APDUs ------------------ */

/* The PSAM's answers are arbitrary here: what matters is that the library
 * sends them the field's forms and folds/forwards their results. */
static void psam_external_auth(sscard_ctx *ctx, bool sm4)
{
	char ext[80], fci[80];
	const script_step des_psam[] = {
		{ "00A4040006D15600000590", "9000", SSCARD_OK },
		/* BF DE <RKSSSE: usage 47> <index 0A> 18 <card><city><challenge> */
		{ "BFDE470A18" CARD_FACTOR CITY_FACTOR R, "9000", SSCARD_OK },
		{ "80FA000008" R, "6108", SSCARD_OK },
		{ "00C0000008", "0011223344556677" "9000", SSCARD_OK },
	};
	const script_step sm4_psam[] = {
		{ "00A404000F7378332E73682EC9E7BBE1B1A3D5CF", "610A", SSCARD_OK },
		{ "00A4000002DF01", "9000", SSCARD_OK },
		/* SM4 process data: the challenge + 8 bytes 00 */
		{ "BFDE470A20" CARD_FACTOR CITY_FACTOR R "0000000000000000", "9000", SSCARD_OK },
		{ "80FA000010" R "0000000000000000", "6110", SSCARD_OK },
		{ "00C0000010", "00112233445566778899AABBCCDDEEFF" "9000", SSCARD_OK },
	};
	script_step card_steps[] = {
		{ SELECT_SSSE_FCI, NULL, SSCARD_OK },
		{ READ_CARD_ID, CARD_ID_ANSWER, SSCARD_OK },
		{ GET_CHALLENGE, R "9000", SSCARD_OK },
		{ ext, "9000", SSCARD_OK },
	};
	sscard_card *psam, *card;
	sscard_keys *keys = NULL;
	sscard_auth_verdict v;

	/* DES: the PSAM's 8 bytes as they are; SM4: 16 bytes folded by XOR
	 * of the halves: 0011223344556677 ^ 8899AABBCCDDEEFF = 8888888888888888 */
	snprintf(ext, sizeof(ext), "0082000A10%s" R,
	         sm4 ? "8888888888888888" : "0011223344556677");
	snprintf(fci, sizeof(fci), FCI("%s"), sm4 ? "03" : "01");
	card_steps[0].answer = fci;
	psam = sm4 ? script(ctx, STEPS(sm4_psam)) : script(ctx, STEPS(des_psam));
	/* a map of RKSSSE alone (the key index table's row, PSAM 47/0A), so
	 * that only external authentication runs */
	{
		static const char map[] = "sscard-keystore 1\npsam external SSSE 0A 47 0A\n";
		char path[] = "/tmp/sscard-golden-XXXXXX";
		int fd = mkstemp(path);
		FILE *f;

		assert_true(fd >= 0);
		f = fdopen(fd, "w");
		assert_non_null(f);
		fputs(map, f);
		fclose(f);
		assert_int_equal(sscard_keys_open_psam_card(ctx, psam, path, &keys), SSCARD_OK);
		unlink(path);
	}
	card = script(ctx, STEPS(card_steps));
	assert_int_equal(sscard_authenticate(card, keys, "SSSE", &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_TERMINAL_ONLY);
	assert_int_equal(sscard_card_apdu_count(card), 4);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
}

static void test_psam_des(void **state)
{
	psam_external_auth(*state, false);
}

static void test_psam_sm4(void **state)
{
	psam_external_auth(*state, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_external_auth_des, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_auth_sm4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_step_genuine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_step_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_internal_auth_des, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protected_write_des, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_des, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_unblock_sm4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psam_des, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psam_sm4, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
