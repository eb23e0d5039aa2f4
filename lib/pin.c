/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SSSE PIN: verify, tries left, change. Each call sends its command
 * once; the library never repeats a VERIFY by itself (a retry would spend
 * a try the holder did not choose to spend). Every buffer that held PIN
 * digits is wiped with OPENSSL_cleanse (sscard_wipe) before returning.
 */
#include <string.h>

#include <sscard/ssc.h>

#include "internal.h"
#include "pcsc_state.h"

#define PIN_BCD_LEN (SSCARD_PIN_LEN / 2)

/* 6 ASCII digits -> 3 BCD bytes. */
static sscard_rc pin_to_bcd(const char *pin, uint8_t bcd[PIN_BCD_LEN])
{
	if (pin == NULL || strnlen(pin, SSCARD_PIN_LEN + 1) != SSCARD_PIN_LEN ||
	    strspn(pin, "0123456789") != SSCARD_PIN_LEN)
		return SSCARD_E_INVALID_ARG;
	for (size_t i = 0; i < PIN_BCD_LEN; i++)
		bcd[i] = (uint8_t)((pin[2 * i] - '0') << 4 | (pin[2 * i + 1] - '0'));
	return SSCARD_OK;
}

/* Tries left as the last status word tells: 63Cx -> x, 6983 -> 0. */
static int tries_from_sw(uint16_t sw)
{
	if ((sw & 0xFFF0) == 0x63C0)
		return sw & 0x0F;
	return sw == 0x6983 ? 0 : -1;
}

/* Select SSSE and send one PIN command inside a transaction. */
static sscard_rc pin_command(sscard_card *card, const char *what, const sscard_apdu *apdu,
                             int *tries_left)
{
	uint8_t resp[2];
	size_t rlen = 0;
	if (tries_left != NULL)
		*tries_left = -1; /* known only from this command's own answer */
	sscard_rc rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_ssc_select(card, 0);
	if (rc == SSCARD_OK) {
		rc = sscard_card_cmd(card, what, apdu, resp, sizeof(resp), &rlen);
		if (tries_left != NULL)
			*tries_left = rc == SSCARD_OK ? -1 : tries_from_sw(sscard_card_last_sw(card));
	}
	sscard_card_end(card);
	return rc;
}

static sscard_rc bad_pin(sscard_card *card, const char *which)
{
	return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "the %s must be %d digits",
	                        which, SSCARD_PIN_LEN);
}

SSCARD_API sscard_rc sscard_pin_verify(sscard_card *card, const char *pin, int *tries_left)
{
	uint8_t bcd[PIN_BCD_LEN];
	if (tries_left != NULL)
		*tries_left = -1;
	if (card == NULL)
		return SSCARD_E_INVALID_ARG;
	if (pin_to_bcd(pin, bcd) != SSCARD_OK) {
		sscard_wipe(bcd, sizeof(bcd));
		return bad_pin(card, "PIN");
	}
	const sscard_apdu verify = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x00,
	                             .data = bcd, .nc = sizeof(bcd),
	                             .flags = SSCARD_APDU_SENSITIVE };
	sscard_rc rc = pin_command(card, "VERIFY", &verify, tries_left);
	sscard_wipe(bcd, sizeof(bcd));
	return rc;
}

SSCARD_API sscard_rc sscard_pin_tries(sscard_card *card, int *tries_left)
{
	if (card == NULL || tries_left == NULL)
		return SSCARD_E_INVALID_ARG;
	const sscard_apdu probe = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x00 };
	sscard_rc rc = pin_command(card, "VERIFY (tries left)", &probe, tries_left);
	/* 63Cx and 6983 to the VERIFY are the answer asked for, not a
	 * failure (the same words to the SELECT before it are) */
	if ((rc == SSCARD_E_WRONG_PIN || rc == SSCARD_E_PIN_BLOCKED) && *tries_left >= 0) {
		sscard_card_clear_detail(card);
		return SSCARD_OK;
	}
	return rc;
}

SSCARD_API sscard_rc sscard_pin_change(sscard_card *card, const char *old_pin,
                                       const char *new_pin, int *tries_left)
{
	uint8_t data[2 * PIN_BCD_LEN + 1];
	if (tries_left != NULL)
		*tries_left = -1;
	if (card == NULL)
		return SSCARD_E_INVALID_ARG;
	sscard_rc rc = pin_to_bcd(old_pin, data);
	if (rc != SSCARD_OK)
		rc = bad_pin(card, "current PIN");
	else if (pin_to_bcd(new_pin, data + PIN_BCD_LEN + 1) != SSCARD_OK)
		rc = bad_pin(card, "new PIN");
	if (rc == SSCARD_OK) {
		data[PIN_BCD_LEN] = 0xFF; /* separator between old and new */
		const sscard_apdu change = { .cla = 0x80, .ins = 0x5E, .p1 = 0x01, .p2 = 0x00,
		                             .data = data, .nc = sizeof(data),
		                             .flags = SSCARD_APDU_SENSITIVE };
		rc = pin_command(card, "CHANGE PIN", &change, tries_left);
	}
	sscard_wipe(data, sizeof(data));
	return rc;
}

/*
 * PIN entry on the reader's own keypad (PC/SC part 10): the PIN never
 * crosses the host. SSSE is selected first, then the reader builds the
 * VERIFY / CHANGE PIN itself from what the holder types.
 */
static sscard_rc pinpad_command(sscard_card *card, bool modify, int *tries_left)
{
	unsigned need = modify ? SSCARD_FEATURE_PINPAD_MODIFY : SSCARD_FEATURE_PINPAD_VERIFY;
	uint16_t sw = 0;
	sscard_rc rc;

	if (tries_left != NULL)
		*tries_left = -1;
	if (card == NULL)
		return SSCARD_E_INVALID_ARG;
	if (!(sscard_card_features(card) & need))
		return sscard_card_fail(card, SSCARD_E_NOT_IMPLEMENTED,
		                        "the reader has no PIN pad for %s",
		                        modify ? "changing the PIN" : "PIN verification");
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_ssc_select(card, 0);
	if (rc == SSCARD_OK)
		rc = sscard_pcsc_pinpad(card, modify, &sw);
	sscard_card_end(card);
	if (rc != SSCARD_OK)
		return rc;
	if (tries_left != NULL)
		*tries_left = tries_from_sw(sw);
	if (sw == 0x9000)
		card->security_granted = true;
	rc = sscard_sw_rc(sw);
	if (rc != SSCARD_OK) {
		char text[64];

		sscard_sw_describe(sw, text, sizeof(text));
		return sscard_card_fail(card, rc, "%s on the PIN pad: %04X %s",
		                        modify ? "CHANGE PIN" : "VERIFY", sw, text);
	}
	return SSCARD_OK;
}

SSCARD_API sscard_rc sscard_pin_verify_pinpad(sscard_card *card, int *tries_left)
{
	return pinpad_command(card, false, tries_left);
}

SSCARD_API sscard_rc sscard_pin_change_pinpad(sscard_card *card, int *tries_left)
{
	return pinpad_command(card, true, tries_left);
}
