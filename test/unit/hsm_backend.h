/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: the back end of the two-step authentication (a remote
 * security module), played with the test master keys of a keystore file
 * in vectors/sm/ and the library's private crypto (lib/keys.h,
 * lib/crypto.h). Shared by test_sm.c and test_compat.c (header only:
 * static functions, so each test links its own copy).
 */
#ifndef SSCARD_TEST_HSM_BACKEND_H
#define SSCARD_TEST_HSM_BACKEND_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "keys.h"

/* The keystore vectors/sm/<name> (read as text: the test copy in git is
 * not mode 600, and the back end is not the library's file loader). */
static sscard_keystore *backend_load(const char *name)
{
	char path[512], text[8192];
	sscard_keystore *ks = NULL;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sm/%s", getenv("SSCARD_VECTORS"), name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(text));
	assert_int_equal(sscard_keystore_parse(text, n, &ks, NULL, 0), SSCARD_OK);
	return ks;
}

/* E(K', in) with K' the card's key of `usage` in SSSE: the keystore's
 * master diversified with the card's factors, as an HSM does. */
static void backend_encrypt(const sscard_keystore *ks, sscard_key_usage usage,
                            const sscard_div_factors *f, const uint8_t *in, size_t len,
                            uint8_t *out)
{
	const sscard_ks_entry *e = sscard_keystore_find(ks, usage, "SSSE");
	uint8_t key[SSCARD_KEY_LEN];

	assert_non_null(e);
	assert_int_equal(sscard_card_key(e->alg, e->key, e->levels, e->nlevels, f, key),
	                 SSCARD_OK);
	assert_int_equal(sscard_crypto_ecb(e->alg, key, true, in, len, out), SSCARD_OK);
	OPENSSL_cleanse(key, sizeof(key));
}

#endif
