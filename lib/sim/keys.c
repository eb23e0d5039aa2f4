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

sscard_rc sim_card_key(sscard_alg alg, const uint8_t master[SSCARD_KEY_LEN],
                       const sscard_div_level *levels, size_t nlevels,
                       const uint8_t *atr, size_t atrlen,
                       const uint8_t card_id[16], uint8_t out[SSCARD_KEY_LEN])
{
	sscard_div_factors f;
	sscard_rc rc;

	memset(&f, 0, sizeof(f));
	if (nlevels == 0) {
		memcpy(out, master, SSCARD_KEY_LEN);
		return SSCARD_OK;
	}
	rc = sscard_div_factors_make(atr, atrlen, card_id, 16, &f);
	if (rc == SSCARD_OK)
		rc = sscard_card_key(alg, master, levels, nlevels, &f, out);
	OPENSSL_cleanse(&f, sizeof(f));
	return rc;
}
