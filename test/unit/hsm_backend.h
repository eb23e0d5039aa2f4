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
#include "session.h"

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

/* The cryptogram of `original` under the process key of `process` with
 * K', the card's key of `usage` in SSSE: the keystore's master
 * diversified with the card's factors, as an HSM does (lib/session.h). */
static void backend_cryptogram(const sscard_keystore *ks, sscard_key_usage usage,
                               const sscard_div_factors *f, const uint8_t *process,
                               const uint8_t *original, uint8_t out[8])
{
	const sscard_ks_entry *e = sscard_keystore_find(ks, usage, "SSSE");
	uint8_t key[SSCARD_KEY_LEN];

	assert_non_null(e);
	assert_non_null(process);
	assert_non_null(original);
	assert_int_equal(sscard_card_key(e->alg, e->key, e->levels, e->nlevels, f, key),
	                 SSCARD_OK);
	assert_int_equal(sscard_session_cryptogram(e->alg, key, process, original, out),
	                 SSCARD_OK);
	OPENSSL_cleanse(key, sizeof(key));
}

#endif
