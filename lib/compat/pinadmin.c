/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iReloadPIN / iUnblockPIN (design.md s.8) at a service counter with the
 * terminal's keys: the PSAM (SSCARD_COMPAT_PSAM) or the software keystore
 * (SSCARD_COMPAT_KEYSTORE). libsscard runs the commands
 * (sscard_pin_reload(), sscard_pin_unblock(): EXTERNAL AUTHENTICATE with
 * the PIN unblock key, then the MAC-protected 84 24). The new PIN of a
 * reload comes from SSCARD_COMPAT_NEW_PIN (libsscard has no PIN-pad form
 * of reload). pCardInfo names the card as for iReadCard.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <sscard/sm.h>
#include <sscard/ssc.h>

#include "compat_int.h"

typedef sscard_rc (*admin_fn)(sscard_card *card, sscard_keys *keys, const char *pin);

static sscard_rc unblock(sscard_card *card, sscard_keys *keys, const char *pin)
{
	(void)pin;
	return sscard_pin_unblock(card, keys, "SSSE");
}

static sscard_rc reload(sscard_card *card, sscard_keys *keys, const char *pin)
{
	return sscard_pin_reload(card, keys, "SSSE", pin);
}

static long run(int iType, const char *pCardInfo, char *out, admin_fn fn, const char *pin_var)
{
	char pin[SSCARD_PIN_LEN + 2] = "";
	compat_card_info ci;
	compat_session s;
	sscard_keys *keys = NULL;
	sscard_rc rc = SSCARD_OK;
	long code = compat_parse_card_info(pCardInfo, &ci, out);

	if (code == SSCARD_COMPAT_OK && pin_var)
		code = compat_pin_from_env(pin_var, pin, out);
	if (code == SSCARD_COMPAT_OK)
		code = compat_session_open(&s, iType, out);
	if (code != SSCARD_COMPAT_OK) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return code;
	}
	code = compat_card_session_start(&s, &ci, &keys, out);
	if (code == SSCARD_COMPAT_OK) {
		rc = fn(s.card, keys, pin);
		code = rc == SSCARD_OK ? SSCARD_COMPAT_OK : compat_fail_rc(out, &s, rc);
		if (code == SSCARD_COMPAT_OK)
			out[0] = '\0';
	}
	compat_card_session_end(&s, &keys);
	OPENSSL_cleanse(pin, sizeof(pin));
	return code;
}

SSCARD_COMPAT_API long iReloadPIN(int iType, char *pCardInfo, char *pOutInfo)
{
	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	return run(iType, pCardInfo, pOutInfo, reload, SSCARD_COMPAT_ENV_NEW_PIN);
}

SSCARD_COMPAT_API long iUnblockPIN(int iType, char *pCardInfo, char *pOutInfo)
{
	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	return run(iType, pCardInfo, pOutInfo, unblock, NULL);
}
