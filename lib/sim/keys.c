/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The card's keys from the issuer's (test) master keys: multi-level
 * diversification (design.md s.4 "Security"). The factors come from the
 * library's one definition, sscard_div_factors_make() (lib/keys.h): card
 * = last 8 ATR bytes, city = region digits + "sx", province = 2 digits +
 * "0000sh". Each level is one sscard_crypto_diversify() step, in the order
 * the profile lists them, exactly as the software keystore applies them.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "keys.h"
#include "sim/sim_int.h"

static const uint8_t *factor_for(const char *level, const sscard_div_factors *f)
{
	if (strcmp(level, "card") == 0)
		return f->have_card ? f->card : NULL;
	if (strcmp(level, "city") == 0)
		return f->have_region ? f->city : NULL;
	if (strcmp(level, "province") == 0)
		return f->have_region ? f->province : NULL;
	return NULL;
}

sscard_rc sim_card_key(sscard_alg alg, const uint8_t master[SSCARD_KEY_LEN],
                       const char *const *levels, size_t nlevels,
                       const uint8_t *atr, size_t atrlen,
                       const uint8_t card_id[16], uint8_t out[SSCARD_KEY_LEN])
{
	uint8_t key[SSCARD_KEY_LEN], next[SSCARD_KEY_LEN] = { 0 };
	sscard_div_factors f;
	sscard_rc rc = SSCARD_OK;

	memcpy(key, master, SSCARD_KEY_LEN);
	if (nlevels > 0)
		rc = sscard_div_factors_make(atr, atrlen, card_id, 16, &f);
	for (size_t i = 0; i < nlevels && rc == SSCARD_OK; i++) {
		const uint8_t *factor = factor_for(levels[i], &f);

		if (factor == NULL)
			rc = SSCARD_E_BAD_DATA;
		else
			rc = sscard_crypto_diversify(alg, key, factor, SSCARD_FACTOR_LEN, next);
		memcpy(key, next, SSCARD_KEY_LEN);
	}
	if (rc == SSCARD_OK)
		memcpy(out, key, SSCARD_KEY_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}
