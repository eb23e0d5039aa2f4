/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Key providers: the software keystore's parser and file checks, the
 * diversification factors, and the provider's answers. */
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

#define MASTER "404142434445464748494A4B4C4D4E4F"

static const char good[] =
	"# test keystore\n"
	"sscard-keystore 1\n"
	"\n"
	"key external SSSE 08 SM4 province,city,card " MASTER "\n"
	"key internal SSSE 09 SM4 card 11223344556677888877665544332211\n"
	"key line     DF04 0A 3DES - 0123456789ABCDEFFEDCBA9876543210\r\n";

/* ATR of design.md s.4 and a card identification code of region 639900 */
static const uint8_t atr[] = { 0x3B, 0x6D, 0x00, 0x00, 0x00, 0x90, 0x54, 0x31, 0x16,
                               0x86, 0x60, 0x13, 0x04, 0x25, 0x00, 0x1C, 0x4E };
static const uint8_t card_id[] = { 0x63, 0x99, 0x00, 0xD1, 0x56, 0x00, 0x00, 0x05,
                                   0x00, 0xBF, 0x7C, 0x7A, 0x48, 0xFB, 0x49, 0x66 };

static sscard_keys *parse_ok(const char *text)
{
	sscard_keys *keys = NULL;
	char err[160];

	assert_int_equal(sscard_keys_parse_text(NULL, text, strlen(text), &keys, err,
	                                        sizeof(err)), SSCARD_OK);
	assert_non_null(keys);
	return keys;
}

static void test_factors(void **state)
{
	sscard_div_factors f;
	static const uint8_t bad_region[] = { 0x6A, 0x99, 0x00 };

	(void)state;
	assert_int_equal(sscard_div_factors_make(atr, sizeof(atr), card_id,
	                                         sizeof(card_id), &f), SSCARD_OK);
	assert_memory_equal(f.card, atr + sizeof(atr) - 8, 8);
	assert_memory_equal(f.city, "639900sx", 8);
	assert_memory_equal(f.province, "630000sh", 8);
	assert_true(f.have_card && f.have_region);
	assert_int_equal(sscard_div_factors_make(atr, sizeof(atr), NULL, 0, &f), SSCARD_OK);
	assert_true(f.have_card && !f.have_region);
	assert_int_equal(sscard_div_factors_make(atr, 7, NULL, 0, &f), SSCARD_E_BAD_DATA);
	assert_int_equal(sscard_div_factors_make(atr, sizeof(atr), bad_region,
	                                         sizeof(bad_region), &f), SSCARD_E_BAD_DATA);
	assert_int_equal(sscard_div_factors_make(atr, sizeof(atr), card_id, 2, &f),
	                 SSCARD_E_BAD_DATA);
}

static void test_lookup(void **state)
{
	sscard_keys *keys = parse_ok(good);
	sscard_key_info info;

	(void)state;
	assert_string_equal(sscard_keys_provider(keys), "file");
	assert_int_equal(sscard_keys_lookup(keys, SSCARD_KEY_EXTERNAL, "SSSE", &info), SSCARD_OK);
	assert_int_equal(info.id, 0x08);
	assert_int_equal(info.alg, SSCARD_ALG_SM4);
	assert_int_equal(sscard_keys_lookup(keys, SSCARD_KEY_LINE, "DF04", &info), SSCARD_OK);
	assert_int_equal(info.id, 0x0A);
	assert_int_equal(info.alg, SSCARD_ALG_3DES);
	assert_int_equal(sscard_keys_lookup(keys, SSCARD_KEY_LINE, "SSSE", &info),
	                 SSCARD_E_KEY_NOT_FOUND);
	assert_int_equal(sscard_keys_lookup(keys, SSCARD_KEY_UNBLOCK, "SSSE", &info),
	                 SSCARD_E_KEY_NOT_FOUND);
	assert_int_equal(sscard_keys_lookup(keys, SSCARD_KEY_LINE, "", &info),
	                 SSCARD_E_INVALID_ARG);
	sscard_keys_free(&keys);
	assert_null(keys);
	sscard_keys_free(&keys);
}

/* The provider's card key is the master diversified level by level. */
static void test_diversified_answers(void **state)
{
	sscard_keys *keys = parse_ok(good);
	sscard_div_factors f;
	uint8_t master[16], k[16], next[16], in[16] = { 1, 2, 3 }, want[16], got[16];
	uint8_t mac_want[4], mac_got[4];
	size_t n;

	(void)state;
	assert_int_equal(sscard_div_factors_make(atr, sizeof(atr), card_id,
	                                         sizeof(card_id), &f), SSCARD_OK);
	assert_int_equal(sscard_hex_decode(MASTER, master, sizeof(master), &n), SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, master, f.province, 8, k), SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, k, f.city, 8, next), SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, next, f.card, 8, k), SSCARD_OK);
	/* the process key for the challenge `in`, then ECB / the line MAC */
	{
		uint8_t pk[16];
		sscard_key_use use = { SSCARD_KEY_EXTERNAL, "SSSE", SSCARD_ALG_SM4, &f, in };

		assert_int_equal(sscard_session_key(SSCARD_ALG_SM4, k, in, pk), SSCARD_OK);
		assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_SM4, pk, true, in, 16, want), SSCARD_OK);
		assert_int_equal(sscard_keys_encrypt(keys, &use, in, 16, got), SSCARD_OK);
		assert_memory_equal(got, want, 16);
		assert_int_equal(sscard_session_mac(SSCARD_ALG_SM4, pk, in, 5, mac_want), SSCARD_OK);
		assert_int_equal(sscard_keys_mac(keys, &use, in, 5, mac_got), SSCARD_OK);
		assert_memory_equal(mac_got, mac_want, 4);
		/* a DES card with this SM4 key: the provider refuses */
		use.alg = SSCARD_ALG_3DES;
		assert_int_equal(sscard_keys_encrypt(keys, &use, in, 16, got), SSCARD_E_KEYS_MISMATCH);

		/* no region factors: a key diversified by city cannot be used */
		assert_int_equal(sscard_div_factors_make(atr, sizeof(atr), NULL, 0, &f), SSCARD_OK);
		use.alg = SSCARD_ALG_SM4;
		assert_int_equal(sscard_keys_encrypt(keys, &use, in, 16, got), SSCARD_E_BAD_DATA);
		/* ... but a card-level one can */
		use.usage = SSCARD_KEY_INTERNAL;
		assert_int_equal(sscard_keys_encrypt(keys, &use, in, 16, got), SSCARD_OK);
		use.usage = SSCARD_KEY_UNBLOCK;
		assert_int_equal(sscard_keys_encrypt(keys, &use, in, 16, got), SSCARD_E_KEY_NOT_FOUND);
	}
	sscard_keys_free(&keys);
}

static const struct {
	const char *text;
	const char *err; /* expected in the message */
} bad_stores[] = {
	{ "", "empty keystore" },
	{ "# only a comment\n", "empty keystore" },
	{ "sscard-keystore 2\n", "line 1" },
	{ "key external SSSE 08 SM4 card " MASTER "\n", "first line" },
	{ "sscard-keystore 1\nkey outer SSSE 08 SM4 card " MASTER "\n", "line 2: unknown usage" },
	{ "sscard-keystore 1\nkey external ssse 08 SM4 card " MASTER "\n", "DF" },
	{ "sscard-keystore 1\nkey external SSSE 8 SM4 card " MASTER "\n", "key id" },
	{ "sscard-keystore 1\nkey external SSSE 08 AES card " MASTER "\n", "algorithm" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 town " MASTER "\n", "diversification" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 card,card,card,card " MASTER "\n",
	  "diversification" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 card 4041424344\n", "32 hex" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 card " MASTER "00\n", "32 hex" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 card\n", "7 fields" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 card " MASTER " x\n", "7 fields" },
	{ "sscard-keystore 1\nkey external SSSE 08 SM4 card " MASTER "\n"
	  "key external SSSE 09 SM4 card " MASTER "\n", "line 3: a second" },
	{ "sscard-keystore 1\npassword secret\n", "unknown item" },
	{ "sscard-keystore 1\npsam external SSSE 0A 47 1\n", "PSAM key index" },
	{ "sscard-keystore 1\npsam external SSSE 0A 47\n", "a psam line has 6 fields" },
	{ "sscard-keystore 1\npsam external SSSE 0A 47 0A 01\n", "a psam line has 6 fields" },
	/* the old form with ALG and DIVERSIFY: named */
	{ "sscard-keystore 1\npsam external SSSE 01 SM4 card\n", "usage byte" },
	/* a usage byte naming no diversification level */
	{ "sscard-keystore 1\npsam external SSSE 0A 07 0A\n", "usage byte" },
	{ "sscard-keystore 1\nkey update-ef0 SSSE 0D SM4 card " MASTER "\n", "unknown usage" },
	{ "sscard-keystore 1\nkey external DF06 0A SM4 card " MASTER "\n", "DF must be" },
	/* a PSAM map is not a software keystore */
	{ "sscard-keystore 1\npsam external SSSE 0A 47 0A\n", "PSAM provider" },
};

static void test_bad_keystores(void **state)
{
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_stores) / sizeof(bad_stores[0]); i++) {
		sscard_keys *keys = NULL;
		sscard_rc rc = sscard_keys_parse_text(NULL, bad_stores[i].text,
		                                      strlen(bad_stores[i].text), &keys,
		                                      err, sizeof(err));
		if (rc != SSCARD_E_KEYSTORE || keys || !strstr(err, bad_stores[i].err))
			fail_msg("case %zu: rc %d, err \"%s\"", i, (int)rc, err);
		/* a message never repeats key material */
		assert_null(strstr(err, "4041424344"));
	}
	/* NUL bytes and oversized files */
	{
		sscard_keys *keys = NULL;
		char *big = calloc(1, 70000);
		assert_non_null(big);
		assert_int_equal(sscard_keys_parse_text(NULL, "sscard-keystore 1\n\0", 19, &keys,
		                                        err, sizeof(err)), SSCARD_E_KEYSTORE);
		memset(big, '#', 69999);
		assert_int_equal(sscard_keys_parse_text(NULL, big, 69999, &keys, err, sizeof(err)),
		                 SSCARD_E_KEYSTORE);
		free(big);
	}
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Like ssh: refused while group or others may read it. */
static void test_file_permissions(void **state)
{
	char dir[] = "/tmp/sscard-keys-XXXXXX";
	char path[64];
	sscard_keys *keys = NULL;
	sscard_ctx *ctx = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/keystore", dir);
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);

	write_file(path, good, 0644);
	assert_int_equal(sscard_keys_open_file(ctx, path, &keys), SSCARD_E_KEYSTORE);
	assert_null(keys);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sscard_keys_open_file(ctx, path, &keys), SSCARD_E_KEYSTORE);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(sscard_keys_open_file(ctx, path, &keys), SSCARD_E_KEYSTORE);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sscard_keys_open_file(ctx, path, &keys), SSCARD_OK);
	assert_non_null(keys);
	sscard_keys_free(&keys);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(sscard_keys_open_file(ctx, path, &keys), SSCARD_OK);
	sscard_keys_free(&keys);

	/* the environment variable when no path is given */
	assert_int_equal(setenv("SSCARD_KEYSTORE", path, 1), 0);
	assert_int_equal(sscard_keys_open_file(ctx, NULL, &keys), SSCARD_OK);
	sscard_keys_free(&keys);
	assert_int_equal(unsetenv("SSCARD_KEYSTORE"), 0);
	assert_int_equal(sscard_keys_open_file(ctx, NULL, &keys), SSCARD_E_KEYSTORE);

	/* a directory and a missing file */
	assert_int_equal(sscard_keys_open_file(ctx, dir, &keys), SSCARD_E_KEYSTORE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sscard_keys_open_file(ctx, path, &keys), SSCARD_E_KEYSTORE);
	assert_int_equal(rmdir(dir), 0);
	sscard_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factors),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_diversified_answers),
		cmocka_unit_test(test_bad_keystores),
		cmocka_unit_test(test_file_permissions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
