/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: the key provider interface behind sscard_keys (lib/keys.c) and
 * its software implementation (lib/keys_file.c). A provider computes with
 * the card's keys and never hands a key out, so a PSAM or an HSM can
 * implement the same operations. Owner: the crypto work (issue #6).
 */
#ifndef SSCARD_KEYS_H
#define SSCARD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/sscard.h>
#include <sscard/sm.h>

#include "crypto.h"

#define SSCARD_DF_NAME_MAX 8u /* "SSSE", "DF04" and a NUL */

/* The diversification factors of one card (design.md s.4). */
typedef struct sscard_div_factors {
	uint8_t card[SSCARD_FACTOR_LEN];     /* last 8 bytes of the ATR */
	uint8_t city[SSCARD_FACTOR_LEN];     /* ASCII region(6) + "sx" */
	uint8_t province[SSCARD_FACTOR_LEN]; /* ASCII region(2) + "0000sh" */
	bool have_card, have_region;
} sscard_div_factors;

/* What a provider tells about one of its keys (no key material). */
typedef struct sscard_key_info {
	sscard_alg alg;
	uint8_t id; /* the card's key index */
} sscard_key_info;

typedef struct sscard_keys_ops {
	const char *name;
	/* The key for (usage, df): SSCARD_E_KEY_NOT_FOUND if the provider has
	 * none. */
	sscard_rc (*lookup)(void *impl, sscard_key_usage usage, const char *df,
	                    sscard_key_info *info);
	/* ECB-encrypt whole blocks with the card's key (diversified). */
	sscard_rc (*encrypt)(void *impl, sscard_key_usage usage, const char *df,
	                     const sscard_div_factors *f, const uint8_t *in,
	                     size_t len, uint8_t *out);
	/* sscard_crypto_mac() with the card's key (diversified). */
	sscard_rc (*mac)(void *impl, sscard_key_usage usage, const char *df,
	                 const sscard_div_factors *f, const uint8_t *iv,
	                 size_t ivlen, const uint8_t *data, size_t len,
	                 uint8_t mac[SSCARD_MAC_LEN]);
	/* Release everything, wiping keys. */
	void (*free)(void *impl);
} sscard_keys_ops;

struct sscard_keys {
	sscard_ctx *ctx;
	const sscard_keys_ops *ops;
	void *impl;
};

/* Wrap a provider; takes `impl` (ops->free is called on failure too). */
sscard_rc sscard_keys_new(sscard_ctx *ctx, const sscard_keys_ops *ops, void *impl,
                          sscard_keys **out);

sscard_rc sscard_keys_lookup(sscard_keys *keys, sscard_key_usage usage,
                             const char *df, sscard_key_info *info);
sscard_rc sscard_keys_encrypt(sscard_keys *keys, sscard_key_usage usage,
                              const char *df, const sscard_div_factors *f,
                              const uint8_t *in, size_t len, uint8_t *out);
sscard_rc sscard_keys_mac(sscard_keys *keys, sscard_key_usage usage,
                          const char *df, const sscard_div_factors *f,
                          const uint8_t *iv, size_t ivlen, const uint8_t *data,
                          size_t len, uint8_t mac[SSCARD_MAC_LEN]);

/*
 * Factors from the ATR (its last 8 bytes) and, when `card_id` is not
 * NULL, the card identification code (tag 01: its first 3 bytes are the
 * region as BCD digits). SSCARD_E_BAD_DATA for an ATR shorter than 8
 * bytes or a region that is not 6 decimal digits.
 */
sscard_rc sscard_div_factors_make(const uint8_t *atr, size_t atrlen,
                                  const uint8_t *card_id, size_t idlen,
                                  sscard_div_factors *f);

/* The software keystore's parser, for tests and fuzzers: `text` of
 * `len` bytes (need not be NUL-terminated). Errors name the line in
 * `err`. */
sscard_rc sscard_keys_parse_text(sscard_ctx *ctx, const char *text, size_t len,
                                 sscard_keys **out, char *err, size_t errsz);

#endif
