/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: the calls the secure channel makes on a key provider
 * (lib/keys.c; the provider interface itself is public, sscard_keys_ops
 * in include/sscard/sm.h) and the software keystore's parser
 * (lib/keys_file.c). Owner: the crypto work (issue #6).
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

struct sscard_keys {
	sscard_ctx *ctx;
	const sscard_keys_ops *ops;
	void *impl;
};

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
