/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The secure channel (lib/sm.c) against the in-process simulator
 * ("sim:PATH") with the test profiles' keys: authentication verdicts for
 * 3DES and SM4 cards, protected writes (MAC enforced by the card, read
 * back, torn write detected and repaired), application block/unblock,
 * PIN unblock/reload, and no key, PIN or card key in the trace or log.
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

#include "crypto.h"
#include "internal.h"
#include "keys.h"

#include "hsm_backend.h"

#define V3 "cards/healthy-v3.json"
#define V2 "sm/v2-3des.json"
#define FORGED "sm/v2-forged.json"
#define TORN "sm/v2-torn.json"
#define V2_CARD_ID "630100D1560000050087CF2001864961"

typedef struct fixture {
	char dir[64];          /* private copies of the keystores (mode 600) */
	sscard_ctx *ctx;
	sscard_keys *v3, *v2, *wrong;
} fixture;

/* ---- setup: keystores copied with mode 600 (git checks them out 644) --- */

static void copy_keystore(const fixture *fx, const char *name, char *path, size_t pathsz)
{
	char src[512], buf[4096];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), "%s/sm/%s", getenv("SSCARD_VECTORS"), name);
	snprintf(path, pathsz, "%s/%s", fx->dir, name);
	in = fopen(src, "r");
	assert_non_null(in);
	out = fopen(path, "w");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

static sscard_keys *open_keys(fixture *fx, const char *name)
{
	char path[128];
	sscard_keys *keys = NULL;

	copy_keystore(fx, name, path, sizeof(path));
	assert_int_equal(sscard_keys_open_file(fx->ctx, path, &keys), SSCARD_OK);
	assert_int_equal(unlink(path), 0);
	return keys;
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_non_null(getenv("SSCARD_VECTORS"));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sscard-sm-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(sscard_ctx_new(&fx->ctx), SSCARD_OK);
	fx->v3 = open_keys(fx, "healthy-v3.keys");
	fx->v2 = open_keys(fx, "v2.keys");
	fx->wrong = open_keys(fx, "wrong.keys");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	sscard_keys_free(&fx->v3);
	sscard_keys_free(&fx->v2);
	sscard_keys_free(&fx->wrong);
	sscard_ctx_free(&fx->ctx);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static sscard_card *connect_profile(fixture *fx, const char *profile)
{
	char reader[512];
	sscard_card *card = NULL;

	snprintf(reader, sizeof(reader), "sim:%s/%s", getenv("SSCARD_VECTORS"), profile);
	assert_int_equal(sscard_connect(fx->ctx, reader, &card), SSCARD_OK);
	return card;
}

static void expect_auth(fixture *fx, const char *profile, sscard_keys *keys, const char *df,
                        sscard_rc want_rc, sscard_auth_verdict want)
{
	sscard_card *card = connect_profile(fx, profile);
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;

	assert_int_equal(sscard_authenticate(card, keys, df, &v), want_rc);
	assert_int_equal(v, want);
	sscard_disconnect(&card);
}

/* ---- authentication ------------------------------------------------------ */

static void test_auth_genuine(void **state)
{
	fixture *fx = *state;

	expect_auth(fx, V3, fx->v3, "SSSE", SSCARD_OK, SSCARD_AUTH_GENUINE);   /* SM4 */
	expect_auth(fx, V3, fx->v3, "DF04", SSCARD_OK, SSCARD_AUTH_GENUINE);
	expect_auth(fx, V2, fx->v2, "SSSE", SSCARD_OK, SSCARD_AUTH_GENUINE);   /* 3DES */
	expect_auth(fx, V2, fx->v2, NULL, SSCARD_OK, SSCARD_AUTH_GENUINE);
}

static void test_auth_not_genuine(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, FORGED);
	sscard_auth_verdict v;

	assert_int_equal(sscard_authenticate(card, fx->v2, "SSSE", &v), SSCARD_E_NOT_GENUINE);
	assert_int_equal(v, SSCARD_AUTH_NOT_GENUINE);
	assert_non_null(strstr(sscard_card_last_detail(card), "not genuine"));
	sscard_disconnect(&card);
}

static void test_auth_keys_mismatch(void **state)
{
	fixture *fx = *state;

	expect_auth(fx, V3, fx->wrong, "SSSE", SSCARD_E_KEYS_MISMATCH, SSCARD_AUTH_KEYS_MISMATCH);
	/* an SM4 keystore on a 3DES card and the other way round */
	expect_auth(fx, V2, fx->v3, "SSSE", SSCARD_E_KEYS_MISMATCH, SSCARD_AUTH_KEYS_MISMATCH);
	expect_auth(fx, V3, fx->v2, "SSSE", SSCARD_E_KEYS_MISMATCH, SSCARD_AUTH_KEYS_MISMATCH);
	/* the keystore has no key for a DF (nor for SSSE above it) */
	expect_auth(fx, V3, fx->wrong, "DF04", SSCARD_E_KEYS_MISMATCH, SSCARD_AUTH_KEYS_MISMATCH);
}

/* Without an internal-authentication key nothing proves the card genuine. */
static void test_auth_terminal_only(void **state)
{
	fixture *fx = *state;
	static const char text[] =
		"sscard-keystore 1\n"
		"key external SSSE 0A SM4 city,card 00112233445566778899AABBCCDDEEFF\n";
	sscard_keys *keys = NULL;
	sscard_card *card;
	sscard_auth_verdict v;
	char name[128];

	assert_int_equal(sscard_keys_parse_text(fx->ctx, text, strlen(text), &keys, NULL, 0),
	                 SSCARD_OK);
	card = connect_profile(fx, V3);
	assert_int_equal(sscard_authenticate(card, keys, "SSSE", &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_TERMINAL_ONLY);
	assert_int_equal(sscard_read_element(card, "name", name, sizeof(name)), SSCARD_OK);
	/* no external key at all: nothing to authenticate with */
	assert_int_equal(sscard_authenticate(card, fx->v3, "DF99", &v), SSCARD_E_INVALID_ARG);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
	keys = NULL;
	{
		static const char irk_only[] =
			"sscard-keystore 1\n"
			"key internal SSSE 00 SM4 province,city,card 0123456789ABCDEFFEDCBA9876543210\n";
		assert_int_equal(sscard_keys_parse_text(fx->ctx, irk_only, strlen(irk_only), &keys,
		                                        NULL, 0), SSCARD_OK);
	}
	card = connect_profile(fx, V3);
	assert_int_equal(sscard_authenticate(card, keys, "SSSE", &v), SSCARD_E_KEY_NOT_FOUND);
	assert_int_equal(v, SSCARD_AUTH_NOT_RUN);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
}

static void test_auth_bad_arguments(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	sscard_auth_verdict v;

	assert_int_equal(sscard_authenticate(card, NULL, "SSSE", &v), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_authenticate(NULL, fx->v3, "SSSE", &v), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_authenticate(card, fx->v3, "DF99", &v), SSCARD_E_INVALID_ARG);
	assert_int_equal(v, SSCARD_AUTH_NOT_RUN);
	assert_string_equal(sscard_auth_verdict_name(SSCARD_AUTH_KEYS_MISMATCH), "KEYS_MISMATCH");
	assert_string_equal(sscard_auth_verdict_name(42), "UNKNOWN");
	sscard_disconnect(&card);
}

/* On a 3.0 card the holder's identity (EF06) needs external authentication. */
static void test_auth_opens_ef06(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	char name[128];

	assert_int_equal(sscard_read_element(card, "name", name, sizeof(name)), SSCARD_E_SECURITY);
	assert_int_equal(sscard_authenticate(card, fx->v3, "SSSE", NULL), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "name", name, sizeof(name)), SSCARD_OK);
	assert_string_equal(name, "张三");
	sscard_disconnect(&card);
}

/* ---- two steps: the back end computes (sscard_auth_begin/finish) -------- */

/* One answer of the back end: the cryptogram, with the keys of `usage`,
 * over the request's values from `factor` and the original after it. */
static void backend_answer(const sscard_keystore *ks, const sscard_auth_request *req,
                           sscard_key_usage usage, sscard_auth_value factor, uint8_t out[8])
{
	sscard_div_factors f;
	size_t len = 0;

	sscard_auth_request_factors(req, &f);
	backend_cryptogram(ks, usage, &f, sscard_auth_request_value(req, factor, &len),
	                   sscard_auth_request_value(req, (sscard_auth_value)(factor + 1), &len),
	                   out);
}

/* The back end's two answers for a request, from Step1's values alone:
 * the external cryptogram (RK) and the internal result (IRK); only the
 * internal one when `cryptogram` is NULL. */
static void backend_answers(const char *keysfile, const sscard_auth_request *req,
                            uint8_t cryptogram[8], uint8_t expected[8])
{
	sscard_keystore *ks = backend_load(keysfile);

	if (cryptogram)
		backend_answer(ks, req, SSCARD_KEY_EXTERNAL, SSCARD_AUTH_EXTERNAL_FACTOR, cryptogram);
	backend_answer(ks, req, SSCARD_KEY_INTERNAL, SSCARD_AUTH_INTERNAL_FACTOR, expected);
	sscard_keystore_free(ks);
}

/* begin (external part asked for); the back end answers (a bit of one
 * answer flipped on request); finish. Returns finish's code. */
static sscard_rc two_steps(sscard_card *card, const char *keysfile, int flip_cryptogram,
                           int flip_expected, sscard_auth_verdict *v)
{
	sscard_auth_options opt = { 0, 0x00, 0x0A, 1, 1, NULL, NULL };
	uint8_t cryptogram[8], expected[8];
	sscard_auth_request *req = NULL;
	sscard_rc rc;

	assert_int_equal(sscard_auth_begin(card, "SSSE", &opt, &req), SSCARD_OK);
	backend_answers(keysfile, req, cryptogram, expected);
	cryptogram[0] ^= (uint8_t)flip_cryptogram;
	expected[7] ^= (uint8_t)flip_expected;
	rc = sscard_auth_finish(card, req, cryptogram, 8, expected, 8, v);
	sscard_auth_request_free(&req);
	assert_null(req);
	return rc;
}

static void test_two_step_genuine(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	sscard_auth_request *req = NULL;
	sscard_auth_verdict v;
	sscard_div_factors f;
	const uint8_t *id;
	char name[128], hex[40];
	size_t len = 0;

	/* what the back end is given: the algorithm from the card's FCI
	 * (SM4), four 8-byte values (a 3.00 card: the external ones too),
	 * the card id and its factors */
	assert_int_equal(sscard_auth_begin(card, NULL, NULL, &req), SSCARD_OK);
	assert_int_equal(sscard_auth_request_alg(req), SSCARD_ALG_SM4);
	for (int w = SSCARD_AUTH_INTERNAL_FACTOR; w <= SSCARD_AUTH_EXTERNAL_ORIGINAL; w++) {
		assert_non_null(sscard_auth_request_value(req, (sscard_auth_value)w, &len));
		assert_int_equal(len, 8);
	}
	id = sscard_auth_request_card_id(req, &len);
	assert_int_equal(len, 16);
	sscard_hex_encode(id, len, hex, sizeof(hex));
	assert_memory_equal(hex, "110100", 6);
	sscard_auth_request_factors(req, &f);
	assert_true(f.have_card && f.have_region);
	assert_memory_equal(f.city, "110100sx", 8);
	sscard_auth_request_free(&req);

	/* EF06 is closed until the back end's answers are in */
	assert_int_equal(two_steps(card, "healthy-v3.keys", 0, 0, &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_GENUINE);
	assert_int_equal(sscard_read_element(card, "name", name, sizeof(name)), SSCARD_OK);
	assert_string_equal(name, "张三");
	sscard_disconnect(&card);

	card = connect_profile(fx, V2); /* 2.00, DES: no external part by default */
	assert_int_equal(sscard_auth_begin(card, "SSSE", NULL, &req), SSCARD_OK);
	assert_int_equal(sscard_auth_request_alg(req), SSCARD_ALG_3DES);
	assert_null(sscard_auth_request_value(req, SSCARD_AUTH_EXTERNAL_FACTOR, &len));
	assert_int_equal(len, 0);
	assert_non_null(sscard_auth_request_value(req, SSCARD_AUTH_INTERNAL_FACTOR, &len));
	{
		uint8_t cg[8] = { 0 }, exp[8];

		backend_answers("v2.keys", req, NULL, exp);
		/* only the card is checked; a cryptogram is refused */
		assert_int_equal(sscard_auth_finish(card, req, cg, 8, exp, 8, &v), SSCARD_E_INVALID_ARG);
		assert_int_equal(sscard_auth_finish(card, req, NULL, 0, exp, 8, &v), SSCARD_OK);
		assert_int_equal(v, SSCARD_AUTH_GENUINE);
	}
	sscard_auth_request_free(&req);
	assert_int_equal(two_steps(card, "v2.keys", 0, 0, &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_GENUINE);
	sscard_disconnect(&card);
}

static void test_two_step_wrong_cryptogram(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	sscard_auth_verdict v;
	char name[128];

	assert_int_equal(two_steps(card, "healthy-v3.keys", 0x01, 0, &v), SSCARD_E_KEYS_MISMATCH);
	assert_int_equal(v, SSCARD_AUTH_KEYS_MISMATCH);
	assert_int_equal(sscard_read_element(card, "name", name, sizeof(name)), SSCARD_E_SECURITY);
	sscard_disconnect(&card);
	/* the back end holding another card's keys */
	card = connect_profile(fx, V3);
	assert_int_equal(two_steps(card, "wrong.keys", 0, 0, &v), SSCARD_E_KEYS_MISMATCH);
	assert_int_equal(v, SSCARD_AUTH_KEYS_MISMATCH);
	sscard_disconnect(&card);
}

static void test_two_step_not_genuine(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, FORGED);
	sscard_auth_verdict v;

	/* the forged card knows RK but not IRK */
	assert_int_equal(two_steps(card, "v2.keys", 0, 0, &v), SSCARD_E_NOT_GENUINE);
	assert_int_equal(v, SSCARD_AUTH_NOT_GENUINE);
	assert_non_null(strstr(sscard_card_last_detail(card), "not genuine"));
	sscard_disconnect(&card);
	/* a genuine card, but the expected answer is not its answer */
	card = connect_profile(fx, V2);
	assert_int_equal(two_steps(card, "v2.keys", 0, 0x80, &v), SSCARD_E_NOT_GENUINE);
	assert_int_equal(v, SSCARD_AUTH_NOT_GENUINE);
	sscard_disconnect(&card);
}

static void test_two_step_misuse(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V2), *other = connect_profile(fx, V2);
	sscard_auth_options opt = { SSCARD_ALG_SSF33, 0x00, 0x0A, 1, 1, NULL, NULL };
	sscard_auth_options ext = { 0, 0x00, 0x0A, 1, 1, NULL, NULL };
	uint8_t cryptogram[8], expected[8];
	sscard_auth_request *req = NULL;
	sscard_auth_verdict v;

	/* SSF33: not computed here, never a wrong answer */
	assert_int_equal(sscard_auth_begin(card, "SSSE", &opt, &req), SSCARD_E_NOT_SUPPORTED);
	assert_non_null(strstr(sscard_card_last_detail(card), "SSF33"));
	assert_null(req);
	assert_int_equal(sscard_auth_begin(card, "DF99", NULL, &req), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_auth_begin(NULL, "SSSE", NULL, &req), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_auth_begin(card, "SSSE", NULL, NULL), SSCARD_E_INVALID_ARG);

	assert_int_equal(sscard_auth_begin(card, "SSSE", &ext, &req), SSCARD_OK);
	backend_answers("v2.keys", req, cryptogram, expected);
	/* wrong lengths, another card's handle: refused, nothing spent */
	assert_int_equal(sscard_auth_finish(card, req, cryptogram, 16, expected, 8, &v),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_auth_finish(card, req, cryptogram, 8, expected, 7, &v),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_auth_finish(card, req, cryptogram, 8, NULL, 8, &v),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_auth_finish(other, req, cryptogram, 8, expected, 8, &v),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(v, SSCARD_AUTH_NOT_RUN);
	/* without the expected answer the card is not checked */
	assert_int_equal(sscard_auth_finish(card, req, cryptogram, 8, NULL, 0, &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_TERMINAL_ONLY);
	/* a request is used once */
	assert_int_equal(sscard_auth_finish(card, req, cryptogram, 8, expected, 8, &v),
	                 SSCARD_E_INVALID_ARG);
	sscard_auth_request_free(&req);
	sscard_auth_request_free(&req);
	sscard_auth_request_free(NULL);

	/* a reset between the two steps voids the challenge */
	assert_int_equal(sscard_auth_begin(other, "SSSE", &ext, &req), SSCARD_OK);
	backend_answers("v2.keys", req, cryptogram, expected);
	assert_int_equal(sscard_card_reset(other, 0), SSCARD_OK);
	assert_int_not_equal(sscard_auth_finish(other, req, cryptogram, 8, expected, 8, &v),
	                     SSCARD_OK);
	assert_int_not_equal(v, SSCARD_AUTH_GENUINE);
	sscard_auth_request_free(&req);

	/* accessors on NULL */
	assert_null(sscard_auth_request_value(NULL, SSCARD_AUTH_EXTERNAL_FACTOR, NULL));
	assert_int_equal(sscard_auth_request_alg(NULL), 0);
	sscard_disconnect(&other);
	sscard_disconnect(&card);
}

/* ---- protected writes ----------------------------------------------------- */

static void read_text(sscard_card *card, sscard_keys *keys, const char *element, char *out,
                      size_t outsz)
{
	sscard_rc rc = sscard_read_element(card, element, out, outsz);

	if (rc == SSCARD_E_SECURITY) {
		assert_int_equal(sscard_authenticate(card, keys, "SSSE", NULL), SSCARD_OK);
		rc = sscard_read_element(card, element, out, outsz);
	}
	assert_int_equal(rc, SSCARD_OK);
}

static void write_and_check(fixture *fx, const char *profile, sscard_keys *keys)
{
	sscard_card *card = connect_profile(fx, profile);
	char text[128];
	int written = -1;

	assert_int_equal(sscard_write_element(card, keys, "name", "王五", &written), SSCARD_OK);
	assert_int_equal(written, 1);
	read_text(card, keys, "name", text, sizeof(text));
	assert_string_equal(text, "王五");
	/* a second run finds the value there and writes nothing */
	assert_int_equal(sscard_write_element(card, keys, "09", "王五", &written), SSCARD_OK);
	assert_int_equal(written, 0);
	/* another element of EF05, by label */
	assert_int_equal(sscard_write_element(card, keys, "card_number", "B12345678", &written),
	                 SSCARD_OK);
	assert_int_equal(written, 1);
	read_text(card, keys, "card_number", text, sizeof(text));
	assert_string_equal(text, "B12345678");
	sscard_disconnect(&card);
}

static void test_write_3des_and_sm4(void **state)
{
	fixture *fx = *state;

	write_and_check(fx, V2, fx->v2);
	write_and_check(fx, V3, fx->v3);
}

/* A DF04 file behind RK1DF04 (84): authenticating in DF04 opens it, and
 * the read that follows does not select DF04 again (which would drop the
 * grant): the profile of healthy-v3 with DF04/EF05 read "ext:84". */
static void test_df04_read_after_auth(void **state)
{
	fixture *fx = *state;
	char src[512], path[] = "/tmp/sscard-df04-XXXXXX.json", reader[600], text[64];
	char *json, *at;
	FILE *f;
	long n;
	int fd;
	sscard_card *card = NULL;

	snprintf(src, sizeof(src), "%s/%s", getenv("SSCARD_VECTORS"), V3);
	f = fopen(src, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	json = calloc(1, (size_t)n + 64);
	assert_non_null(json);
	assert_int_equal(fread(json, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	at = strstr(json, "\"SSSE/DF04/EF05\": {");
	assert_non_null(at);
	at += strlen("\"SSSE/DF04/EF05\": {");
	{
		static const char ac[] = "\"read\": \"ext:84\",";

		memmove(at + strlen(ac), at, strlen(at) + 1);
		memcpy(at, ac, strlen(ac));
	}
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	free(json);
	snprintf(reader, sizeof(reader), "sim:%s", path);
	assert_int_equal(sscard_connect(fx->ctx, reader, &card), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "mi_category", text, sizeof(text)),
	                 SSCARD_E_SECURITY);
	assert_int_equal(sscard_authenticate(card, fx->v3, "DF04", NULL), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "mi_category", text, sizeof(text)), SSCARD_OK);
	sscard_disconnect(&card);
	unlink(path);
}

/* EF0D (3.0): read freely, written after its own key (UK1SSSE, 0D) by
 * record number in the selected EF, as field code writes it. */
static void test_write_ef0d(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	char text[128];
	int written = -1;

	assert_int_equal(sscard_read_element(card, "person_id", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "110101000017");
	assert_int_equal(sscard_write_element(card, fx->v3, "person_id", "110101000099", &written),
	                 SSCARD_OK);
	assert_int_equal(written, 1);
	assert_int_equal(sscard_read_element(card, "EA", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "110101000099");
	assert_int_equal(sscard_write_element(card, fx->v3, "first_region", "320100", &written),
	                 SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "first_region", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "320100");
	/* the update key of EF05/EF06 does not open EF0D: a keystore without
	 * UK1SSSE has nothing to write it with */
	assert_int_equal(sscard_write_element(card, fx->wrong, "person_id", "110101000017",
	                                      &written), SSCARD_E_KEY_NOT_FOUND);
	assert_int_equal(written, 0);
	sscard_disconnect(&card);
}

/* The card refuses a write without its update key, and the old MAC'd
 * form (CLA 04) in any case; nothing changes. */
static void test_write_refused_without_update_key(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	static const uint8_t rec[] = { 0x07, 0x09, 'Z', '0', '0', '0', '0', '0', '0', '0', '1',
		                       0x11, 0x22, 0x33, 0x44 };
	sscard_apdu plain = { 0x00, 0xDC, 0x07, 5u << 3, rec, sizeof(rec) - 4, 0, 0 };
	sscard_apdu maced = { 0x04, 0xDC, 0x07, 5u << 3, rec, sizeof(rec), 0, 0 };
	uint8_t resp[16];
	size_t n = 0;
	uint16_t sw = 0;
	char text[128];
	int written = -1;

	/* a keystore without the update key */
	assert_int_equal(sscard_write_element(card, fx->wrong, "card_number", "Z00000001", &written),
	                 SSCARD_E_KEY_NOT_FOUND);
	assert_int_equal(written, 0);
	/* no EXTERNAL AUTHENTICATE: 6982; a MAC'd write: the class is refused */
	assert_int_equal(sscard_ssc_select(card, 1), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &plain, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x6982);
	assert_int_equal(sscard_exchange(card, &maced, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x6E00);
	/* the read key opens EF06 for reading, not EF05 for writing */
	assert_int_equal(sscard_authenticate(card, fx->v3, "SSSE", NULL), SSCARD_OK);
	assert_int_equal(sscard_ssc_select(card, 0), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &plain, resp, sizeof(resp), &n, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x6982);
	read_text(card, fx->v3, "card_number", text, sizeof(text));
	assert_string_equal(text, "A00000019");
	/* a value the element cannot hold is refused before anything is sent */
	assert_int_equal(sscard_write_element(card, fx->v3, "sex", "12", &written),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_write_element(card, fx->v3, "no-such", "1", &written),
	                 SSCARD_E_INVALID_ARG);
	sscard_disconnect(&card);
}

/* 15 characters, 30 GBK bytes: half a record of it differs from it */
#define LONG_NAME "欧阳修欧阳修欧阳修欧阳修欧阳修"

/* Power lost mid-write: reported with the element named; a re-run repairs. */
static void test_torn_write_repaired(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, TORN);
	char text[128];
	sscard_rc rc;
	int written = -1;

	assert_int_equal(sscard_write_element(card, fx->v2, "name", LONG_NAME, &written),
	                 SSCARD_E_TORN_WRITE);
	assert_int_equal(written, 0);
	assert_non_null(strstr(sscard_card_last_detail(card), "name"));
	assert_int_equal(sscard_card_reset(card, 1), SSCARD_OK);
	/* half the record made it: the element is damaged */
	rc = sscard_read_element(card, "name", text, sizeof(text));
	assert_true(rc != SSCARD_OK ||
	            (strcmp(text, LONG_NAME) != 0 && strcmp(text, "李四") != 0));
	assert_int_equal(sscard_write_element(card, fx->v2, "name", LONG_NAME, &written),
	                 SSCARD_OK);
	assert_int_equal(written, 1);
	read_text(card, fx->v2, "name", text, sizeof(text));
	assert_string_equal(text, LONG_NAME);
	sscard_disconnect(&card);
}

/* A card lost at GET CHALLENGE, before the UPDATE is sent, wrote nothing:
 * the caller hears the transport error, not "the element may be damaged". */
static const sscard_transport_ops *real_ops;
static unsigned long updates_sent;

static sscard_rc mute_at_challenge(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                                   size_t *rlen)
{
	if (clen >= 2 && c[1] == 0x84)
		return SSCARD_E_MUTE;
	if (clen >= 2 && c[1] == 0xDC)
		updates_sent++;
	return real_ops->transmit(impl, c, clen, r, rlen);
}

static void test_lost_before_update_is_not_torn(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V2);
	sscard_transport_ops wrapped;
	int written = -1;

	real_ops = card->ops;
	wrapped = *card->ops;
	wrapped.transmit = mute_at_challenge;
	card->ops = &wrapped;
	updates_sent = 0;
	assert_int_equal(sscard_write_element(card, fx->v2, "name", LONG_NAME, &written),
	                 SSCARD_E_MUTE);
	assert_int_equal(written, 0);
	assert_int_equal(updates_sent, 0);
	assert_null(strstr(sscard_card_last_detail(card), "damaged"));
	card->ops = real_ops;
	sscard_disconnect(&card);
}

/* ---- application block / unblock, PIN unblock / reload --------------------- */

static void test_block_unblock(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V2);
	char text[128];

	/* wrong keys: refused, the application stays usable */
	assert_int_equal(sscard_app_block(card, fx->wrong, "SSSE", 0), SSCARD_E_KEYS_MISMATCH);
	assert_int_equal(sscard_read_element(card, "card_number", text, sizeof(text)), SSCARD_OK);

	assert_int_equal(sscard_app_block(card, fx->v2, "SSSE", 0), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "card_number", text, sizeof(text)),
	                 SSCARD_E_APP_BLOCKED);
	/* blocked SSSE hides the card id the city/province keys need: a
	 * connection that never saw it cannot unblock without it */
	{
		sscard_card *fresh = connect_profile(fx, "cards/app-blocked.json");

		assert_int_equal(sscard_app_unblock(fresh, fx->v2, "SSSE", NULL), SSCARD_E_BAD_DATA);
		assert_non_null(strstr(sscard_card_last_detail(fresh), "card id"));
		sscard_disconnect(&fresh);
	}
	assert_int_equal(sscard_app_unblock(card, fx->v2, "SSSE", "12"), SSCARD_E_INVALID_ARG);
	/* the wrong card id gives the wrong key: the card refuses the MAC */
	assert_int_equal(sscard_app_unblock(card, fx->v2, "SSSE",
	                                    "640100D1560000050087CF2001864961"), SSCARD_E_MAC);
	assert_int_equal(sscard_app_unblock(card, fx->v2, "SSSE", V2_CARD_ID), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "card_number", text, sizeof(text)), SSCARD_OK);
	assert_string_equal(text, "X00000019");
	/* ... while this connection, which read it before the block, knows it */
	assert_int_equal(sscard_app_block(card, fx->v2, "SSSE", 0), SSCARD_OK);
	assert_int_equal(sscard_app_unblock(card, fx->v2, "SSSE", NULL), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "card_number", text, sizeof(text)), SSCARD_OK);

	/* DF04 has its own line key; SSSE above it still shows the card id */
	assert_int_equal(sscard_app_block(card, fx->v2, "DF04", 0), SSCARD_OK);
	assert_int_equal(sscard_app_unblock(card, fx->v2, "DF04", NULL), SSCARD_OK);

	/* permanent: for good */
	assert_int_equal(sscard_app_block(card, fx->v2, "SSSE", 1), SSCARD_OK);
	assert_int_equal(sscard_app_unblock(card, fx->v2, "SSSE", V2_CARD_ID),
	                 SSCARD_E_APP_LOCKED);
	assert_int_equal(sscard_read_element(card, "card_number", text, sizeof(text)),
	                 SSCARD_E_APP_LOCKED);
	sscard_disconnect(&card);
}

static void test_block_wrong_mac(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	char text[128];

	/* SM4 card, the wrong SM4 line key: the card checks the MAC */
	assert_int_equal(sscard_app_block(card, fx->wrong, "SSSE", 1), SSCARD_E_MAC);
	assert_int_equal(sscard_read_element(card, "card_number", text, sizeof(text)), SSCARD_OK);
	sscard_disconnect(&card);
}

static void test_pin_unblock_and_reload(void **state)
{
	fixture *fx = *state;
	sscard_card *card = connect_profile(fx, V3);
	int tries = -1;

	for (int i = 0; i < 3; i++)
		sscard_pin_verify(card, "000000", &tries);
	assert_int_equal(sscard_pin_verify(card, "123456", &tries), SSCARD_E_PIN_BLOCKED);
	assert_int_equal(sscard_pin_unblock(card, fx->v3, "SSSE"), SSCARD_OK);
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 3);
	assert_int_equal(sscard_pin_verify(card, "123456", &tries), SSCARD_OK);

	assert_int_equal(sscard_pin_reload(card, fx->v3, "SSSE", "654321"), SSCARD_OK);
	assert_int_equal(sscard_pin_verify(card, "654321", &tries), SSCARD_OK);
	assert_int_equal(sscard_pin_reload(card, fx->v3, "SSSE", "12a456"), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_pin_reload(card, fx->v3, "SSSE", "123"), SSCARD_E_INVALID_ARG);
	/* a keystore without a PIN unblock key */
	assert_int_equal(sscard_pin_unblock(card, fx->wrong, "SSSE"), SSCARD_E_KEY_NOT_FOUND);
	sscard_disconnect(&card);

	/* 3DES card: reload in two blocks of 8 */
	card = connect_profile(fx, V2);
	assert_int_equal(sscard_pin_reload(card, fx->v2, NULL, "24681357"), SSCARD_OK);
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	assert_int_equal(tries, 3);
	sscard_disconnect(&card);
}

/* ---- a caller's own provider (an HSM) ---------------------------------------- */

/* Delegates to the file provider and counts what the library asks. */
typedef struct counting {
	sscard_keys *inner;
	int lookups, encrypts, macs, freed;
} counting;

static sscard_rc c_lookup(void *impl, sscard_key_usage usage, const char *df,
                          sscard_key_info *info)
{
	counting *c = impl;

	c->lookups++;
	return c->inner->ops->lookup(c->inner->impl, usage, df, info);
}

static sscard_rc c_encrypt(void *impl, const sscard_key_use *use, const uint8_t *in,
                           size_t len, uint8_t *out)
{
	counting *c = impl;

	c->encrypts++;
	assert_true(use->factors->have_card && use->factors->have_region);
	return c->inner->ops->encrypt(c->inner->impl, use, in, len, out);
}

static sscard_rc c_mac(void *impl, const sscard_key_use *use, const uint8_t *data,
                       size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	counting *c = impl;

	c->macs++;
	return c->inner->ops->mac(c->inner->impl, use, data, len, mac);
}

static void c_free(void *impl)
{
	((counting *)impl)->freed++;
}

static const sscard_keys_ops counting_ops = {
	"counting", c_lookup, c_encrypt, c_mac, c_free,
};

static void test_own_provider(void **state)
{
	fixture *fx = *state;
	counting c = { fx->v3, 0, 0, 0, 0 };
	sscard_keys *keys = NULL;
	sscard_card *card;
	sscard_keys_ops incomplete = counting_ops;

	incomplete.mac = NULL;
	assert_int_equal(sscard_keys_new(fx->ctx, &incomplete, &c, &keys), SSCARD_E_INVALID_ARG);
	assert_int_equal(c.freed, 1); /* the handle owned impl, even on failure */
	assert_null(keys);

	assert_int_equal(sscard_keys_new(fx->ctx, &counting_ops, &c, &keys), SSCARD_OK);
	assert_string_equal(sscard_keys_provider(keys), "counting");
	card = connect_profile(fx, V3);
	assert_int_equal(sscard_authenticate(card, keys, "SSSE", NULL), SSCARD_OK);
	assert_int_equal(c.encrypts, 2); /* internal + external */
	assert_int_equal(sscard_app_block(card, keys, "SSSE", 0), SSCARD_OK);
	assert_int_equal(c.macs, 1);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
	assert_int_equal(c.freed, 2);
	assert_true(c.lookups >= 3);
}

/* ---- the PSAM provider (the simulator's PSAM in a "second slot") ---------- */

static sscard_keys *open_psam(fixture *fx, const char *map)
{
	char path[128], reader[512];
	sscard_keys *keys = NULL;

	if (map)
		copy_keystore(fx, map, path, sizeof(path));
	snprintf(reader, sizeof(reader), "sim:%s/cards/psam.json", getenv("SSCARD_VECTORS"));
	assert_int_equal(sscard_keys_open_psam(fx->ctx, reader, map ? path : NULL, &keys),
	                 SSCARD_OK);
	assert_string_equal(sscard_keys_provider(keys), "psam");
	if (map)
		assert_int_equal(unlink(path), 0);
	return keys;
}

static void test_psam_provider(void **state)
{
	fixture *fx = *state;
	sscard_keys *sm4 = open_psam(fx, "psam-sm4.map");
	sscard_keys *des = open_psam(fx, NULL); /* no map: the key index table */
	sscard_keys *wrong = open_psam(fx, "psam-wrong.map");
	sscard_card *card;
	sscard_auth_verdict v;
	char text[128];
	int written;

	expect_auth(fx, V3, sm4, "SSSE", SSCARD_OK, SSCARD_AUTH_GENUINE);
	expect_auth(fx, V2, des, "SSSE", SSCARD_OK, SSCARD_AUTH_GENUINE);
	expect_auth(fx, FORGED, des, "SSSE", SSCARD_E_NOT_GENUINE, SSCARD_AUTH_NOT_GENUINE);
	expect_auth(fx, V3, des, "SSSE", SSCARD_OK, SSCARD_AUTH_GENUINE); /* follows the card */
	expect_auth(fx, V3, wrong, "SSSE", SSCARD_E_KEYS_MISMATCH, SSCARD_AUTH_KEYS_MISMATCH);

	/* writes, block/unblock and PIN reload with keys that stay in the PSAM */
	card = connect_profile(fx, V3);
	assert_int_equal(sscard_write_element(card, sm4, "name", "王五", &written), SSCARD_OK);
	assert_int_equal(written, 1);
	read_text(card, fx->v3, "name", text, sizeof(text));
	assert_string_equal(text, "王五");
	assert_int_equal(sscard_app_block(card, sm4, "SSSE", 0), SSCARD_OK);
	assert_int_equal(sscard_app_unblock(card, sm4, "SSSE", "110100D15600000500A1B2C3D4E5F607"),
	                 SSCARD_OK);
	assert_int_equal(sscard_pin_reload(card, sm4, "SSSE", "135790"), SSCARD_OK);
	assert_int_equal(sscard_pin_verify(card, "135790", NULL), SSCARD_OK);
	/* the map has no DF04 keys: SSSE's read key, which the card finds
	 * above DF04; the key index table names RK1DF04 (84, PSAM 67/2D) */
	assert_int_equal(sscard_authenticate(card, sm4, "DF04", &v), SSCARD_OK);
	assert_int_equal(sscard_authenticate(card, des, "DF04", &v), SSCARD_OK);
	assert_int_equal(v, SSCARD_AUTH_GENUINE);
	sscard_disconnect(&card);

	sscard_keys_free(&sm4);
	sscard_keys_free(&des);
	sscard_keys_free(&wrong);
}

static void test_psam_map_rules(void **state)
{
	fixture *fx = *state;
	char path[128], reader[512];
	sscard_keys *keys = NULL;

	snprintf(reader, sizeof(reader), "sim:%s/cards/psam.json", getenv("SSCARD_VECTORS"));
	/* a map holding keys is refused, and a keystore of psam lines too */
	copy_keystore(fx, "v2.keys", path, sizeof(path));
	assert_int_equal(sscard_keys_open_psam(fx->ctx, reader, path, &keys), SSCARD_E_KEYSTORE);
	assert_int_equal(unlink(path), 0);
	copy_keystore(fx, "psam-sm4.map", path, sizeof(path));
	assert_int_equal(sscard_keys_open_file(fx->ctx, path, &keys), SSCARD_E_KEYSTORE);
	/* no PSAM in that reader */
	assert_int_equal(sscard_keys_open_psam(fx->ctx, "sim:/nonexistent.json", path, &keys),
	                 SSCARD_E_IO);
	assert_int_equal(sscard_keys_open_psam(fx->ctx, NULL, path, &keys), SSCARD_E_INVALID_ARG);
	assert_null(keys);
	assert_int_equal(unlink(path), 0);
}

/* ---- no secret in the trace or the log ------------------------------------- */

typedef struct capture {
	char *text;
	size_t len, cap;
} capture;

static void append(capture *c, const char *s)
{
	size_t n = strlen(s);

	if (c->len + n + 2 > c->cap) {
		c->cap = (c->len + n + 2) * 2;
		c->text = realloc(c->text, c->cap);
		assert_non_null(c->text);
	}
	memcpy(c->text + c->len, s, n);
	c->len += n;
	c->text[c->len++] = '\n';
	c->text[c->len] = '\0';
}

static void on_log(void *ud, sscard_log_level level, const char *msg)
{
	(void)level;
	append(ud, msg);
}

static void on_trace(void *ud, sscard_trace_dir dir, const char *hex)
{
	(void)dir;
	append(ud, hex);
}

/* The SM4 test card's keys: each master and its diversified card key. */
static const char *const v3_masters[] = {
	"00112233445566778899AABBCCDDEEFF", "0123456789ABCDEFFEDCBA9876543210",
	"11111111111111112222222222222222", "33333333333333334444444444444444",
	"55555555555555556666666666666666", "77777777777777778888888888888888",
	"99999999999999990000000000000000", "ABABABABABABABABCDCDCDCDCDCDCDCD",
};

/* The card's key from a master: all three levels, or (two_levels) city
 * and card as the key index table's 47/48/46 keys are. */
static void card_key_hex(const char *master_hex, const sscard_div_factors *f, bool two_levels,
                         char out[33])
{
	uint8_t k[16], next[16];
	size_t n;

	assert_int_equal(sscard_hex_decode(master_hex, k, sizeof(k), &n), SSCARD_OK);
	if (!two_levels) {
		assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, k, f->province, 8, next),
		                 SSCARD_OK);
		memcpy(k, next, sizeof(k));
	}
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, k, f->city, 8, next), SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, next, f->card, 8, k), SSCARD_OK);
	sscard_hex_encode(k, 16, out, 33);
}

static void test_no_secret_in_trace_or_log(void **state)
{
	fixture *fx = *state;
	capture cap = { 0 };
	static const uint8_t card_id[] = { 0x11, 0x01, 0x00, 0xD1, 0x56, 0x00, 0x00, 0x05,
		                           0x00, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07 };
	const uint8_t *atr;
	size_t atrlen;
	sscard_div_factors f;
	sscard_card *card;
	sscard_keys *psam;
	int written;

	sscard_ctx_set_log(fx->ctx, on_log, &cap);
	sscard_ctx_set_log_level(fx->ctx, SSCARD_LOG_DEBUG);
	sscard_ctx_set_trace(fx->ctx, on_trace, &cap);
	card = connect_profile(fx, V3);
	assert_int_equal(sscard_authenticate(card, fx->v3, "SSSE", NULL), SSCARD_OK);
	assert_int_equal(sscard_authenticate(card, fx->v3, "DF04", NULL), SSCARD_OK);
	assert_int_equal(sscard_write_element(card, fx->v3, "name", "王五", &written), SSCARD_OK);
	assert_int_equal(sscard_app_block(card, fx->v3, "SSSE", 0), SSCARD_OK);
	assert_int_equal(sscard_app_unblock(card, fx->v3, "SSSE", "110100D15600000500A1B2C3D4E5F607"),
	                 SSCARD_OK);
	assert_int_equal(sscard_pin_unblock(card, fx->v3, "SSSE"), SSCARD_OK);
	assert_int_equal(sscard_pin_reload(card, fx->v3, "SSSE", "975319"), SSCARD_OK);
	assert_int_equal(sscard_authenticate(card, fx->wrong, "SSSE", NULL), SSCARD_E_KEYS_MISMATCH);
	/* the same through the PSAM: the PIN block goes to the PSAM too */
	psam = open_psam(fx, "psam-sm4.map");
	assert_int_equal(sscard_authenticate(card, psam, "SSSE", NULL), SSCARD_OK);
	assert_int_equal(sscard_pin_reload(card, psam, "SSSE", "864213"), SSCARD_OK);
	sscard_keys_free(&psam);
	assert_int_equal(sscard_card_atr(card, &atr, &atrlen), SSCARD_OK);
	assert_int_equal(sscard_div_factors_make(atr, atrlen, card_id, sizeof(card_id), &f), SSCARD_OK);
	sscard_disconnect(&card);
	sscard_ctx_set_trace(fx->ctx, NULL, NULL);
	sscard_ctx_set_log(fx->ctx, NULL, NULL);

	/* the run was traced (the check below is not vacuous) */
	assert_non_null(cap.text);
	assert_non_null(strstr(cap.text, "0084000008"));  /* GET CHALLENGE */
	assert_non_null(strstr(cap.text, "authenticated in SSSE"));
	for (size_t i = 0; i < 2 * sizeof(v3_masters) / sizeof(v3_masters[0]); i++) {
		const char *master = v3_masters[i / 2];
		char card_key[33];

		card_key_hex(master, &f, i % 2 == 1, card_key);
		if (strstr(cap.text, master) || strstr(cap.text, card_key))
			fail_msg("key %zu appears in the trace or log", i / 2);
		/* not even a third of one */
		card_key[10] = '\0';
		assert_null(strstr(cap.text, card_key));
	}
	/* the new PINs, as BCD (reload block) or digits */
	assert_null(strstr(cap.text, "975319"));
	assert_null(strstr(cap.text, "864213"));
	assert_non_null(strstr(cap.text, "BFDE47")); /* the PSAM was traced */
	assert_null(strstr(cap.text, "801A"));      /* ... with its own commands */
	free(cap.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_genuine),
		cmocka_unit_test(test_auth_not_genuine),
		cmocka_unit_test(test_auth_keys_mismatch),
		cmocka_unit_test(test_auth_terminal_only),
		cmocka_unit_test(test_auth_bad_arguments),
		cmocka_unit_test(test_auth_opens_ef06),
		cmocka_unit_test(test_two_step_genuine),
		cmocka_unit_test(test_two_step_wrong_cryptogram),
		cmocka_unit_test(test_two_step_not_genuine),
		cmocka_unit_test(test_two_step_misuse),
		cmocka_unit_test(test_write_3des_and_sm4),
		cmocka_unit_test(test_write_ef0d),
		cmocka_unit_test(test_df04_read_after_auth),
		cmocka_unit_test(test_write_refused_without_update_key),
		cmocka_unit_test(test_torn_write_repaired),
		cmocka_unit_test(test_lost_before_update_is_not_torn),
		cmocka_unit_test(test_block_unblock),
		cmocka_unit_test(test_block_wrong_mac),
		cmocka_unit_test(test_pin_unblock_and_reload),
		cmocka_unit_test(test_own_provider),
		cmocka_unit_test(test_psam_provider),
		cmocka_unit_test(test_psam_map_rules),
		cmocka_unit_test(test_no_secret_in_trace_or_log),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
