/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Key providers (lib/keys.h): the one entry the secure channel uses,
 * whatever holds the keys, and the diversification factors of a card.
 */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

SSCARD_API sscard_rc sscard_keys_new(sscard_ctx *ctx, const sscard_keys_ops *ops, void *impl,
                          sscard_keys **out)
{
	sscard_keys *keys;

	if (!ops || !ops->lookup || !ops->encrypt || !ops->mac || !ops->free || !out) {
		if (ops && ops->free)
			ops->free(impl);
		return SSCARD_E_INVALID_ARG;
	}
	keys = calloc(1, sizeof(*keys));
	if (!keys) {
		ops->free(impl);
		return SSCARD_E_NOMEM;
	}
	keys->ctx = ctx;
	keys->ops = ops;
	keys->impl = impl;
	*out = keys;
	return SSCARD_OK;
}

SSCARD_API void sscard_keys_free(sscard_keys **keys)
{
	if (!keys || !*keys)
		return;
	(*keys)->ops->free((*keys)->impl);
	free(*keys);
	*keys = NULL;
}

SSCARD_API const char *sscard_keys_provider(const sscard_keys *keys)
{
	return keys ? keys->ops->name : "";
}

static bool df_ok(const char *df)
{
	return df && df[0] && strlen(df) < SSCARD_DF_NAME_MAX;
}

sscard_rc sscard_keys_lookup(sscard_keys *keys, sscard_key_usage usage,
                             const char *df, sscard_key_info *info)
{
	if (!keys || !df_ok(df) || !info)
		return SSCARD_E_INVALID_ARG;
	return keys->ops->lookup(keys->impl, usage, df, info);
}

sscard_rc sscard_keys_encrypt(sscard_keys *keys, sscard_key_usage usage,
                              const char *df, const sscard_div_factors *f,
                              const uint8_t *in, size_t len, uint8_t *out)
{
	if (!keys || !df_ok(df) || !f || !in || !out || len == 0)
		return SSCARD_E_INVALID_ARG;
	return keys->ops->encrypt(keys->impl, usage, df, f, in, len, out);
}

sscard_rc sscard_keys_mac(sscard_keys *keys, sscard_key_usage usage,
                          const char *df, const sscard_div_factors *f,
                          const uint8_t *iv, size_t ivlen, const uint8_t *data,
                          size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	if (!keys || !df_ok(df) || !f || !mac)
		return SSCARD_E_INVALID_ARG;
	return keys->ops->mac(keys->impl, usage, df, f, iv, ivlen, data, len, mac);
}

/* The region code of a card identification code: 3 BCD bytes, six
 * decimal digits, as ASCII. */
static sscard_rc region_digits(const uint8_t *card_id, size_t idlen, char digits[7])
{
	static const char dec[] = "0123456789";

	if (idlen < 3)
		return SSCARD_E_BAD_DATA;
	for (size_t i = 0; i < 3; i++) {
		unsigned hi = card_id[i] >> 4, lo = card_id[i] & 0x0Fu;
		if (hi > 9 || lo > 9)
			return SSCARD_E_BAD_DATA;
		digits[2 * i] = dec[hi];
		digits[2 * i + 1] = dec[lo];
	}
	digits[6] = '\0';
	return SSCARD_OK;
}

sscard_rc sscard_div_factors_make(const uint8_t *atr, size_t atrlen,
                                  const uint8_t *card_id, size_t idlen,
                                  sscard_div_factors *f)
{
	char region[7];
	sscard_rc rc;

	if (!atr || !f)
		return SSCARD_E_INVALID_ARG;
	memset(f, 0, sizeof(*f));
	if (atrlen < SSCARD_FACTOR_LEN)
		return SSCARD_E_BAD_DATA;
	memcpy(f->card, atr + atrlen - SSCARD_FACTOR_LEN, SSCARD_FACTOR_LEN);
	f->have_card = 1;
	if (!card_id)
		return SSCARD_OK;
	rc = region_digits(card_id, idlen, region);
	if (rc != SSCARD_OK)
		return rc;
	/* city: the 6 region digits + "sx"; province: 2 digits + "0000sh" */
	memcpy(f->city, region, 6);
	memcpy(f->city + 6, "sx", 2);
	memcpy(f->province, region, 2);
	memcpy(f->province + 2, "0000sh", 6);
	f->have_region = 1;
	return SSCARD_OK;
}
