/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The terminal number the customary interface shows (iReadCardBas field
 * 10, iGetReaderInfo): 6 BCD bytes in the PSAM's EF16, read with
 * `00 B0 96 00 06` (READ BINARY by SFI 0x16) through libsscard's one
 * exchange path on a connection of its own to the PSAM's reader.
 */
#include <string.h>

#include "compat_int.h"

#define TERMNO_BYTES (SSCARD_COMPAT_TERMNO_LEN / 2u)

/* 6 BCD bytes -> 12 digits; false for a nibble above 9. */
static bool bcd_digits(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789";

	for (size_t i = 0; i < len; i++) {
		uint8_t hi = (uint8_t)(in[i] >> 4), lo = (uint8_t)(in[i] & 0x0F);

		if (hi > 9 || lo > 9)
			return false;
		out[2 * i] = digits[hi];
		out[2 * i + 1] = digits[lo];
	}
	out[2 * len] = '\0';
	return true;
}

sscard_rc compat_psam_terminal(sscard_ctx *ctx, const char *reader, bool *reached,
                               char out[SSCARD_COMPAT_TERMNO_LEN + 1])
{
	/* EF16 hangs under the PSAM's MF: select it first, since the key
	 * provider leaves the PSAM in its DES or SM4 application */
	static const uint8_t mf[] = { 0x3F, 0x00 };
	static const sscard_apdu select_mf = { 0x00, 0xA4, 0x00, 0x00, mf, sizeof(mf), 0, 0 };
	static const sscard_apdu read_ef16 = { 0x00, 0xB0, 0x96, 0x00, NULL, 0, TERMNO_BYTES, 0 };
	uint8_t resp[TERMNO_BYTES];
	sscard_card *psam = NULL;
	size_t n = 0;
	uint16_t sw = 0;
	sscard_rc rc = sscard_connect(ctx, reader, &psam);

	out[0] = '\0';
	*reached = rc == SSCARD_OK;
	if (rc == SSCARD_OK)
		rc = sscard_exchange(psam, &select_mf, resp, sizeof(resp), &n, &sw);
	if (rc == SSCARD_OK && (sw >> 8) != 0x61)
		rc = sscard_sw_rc(sw);
	if (rc == SSCARD_OK)
		rc = sscard_exchange(psam, &read_ef16, resp, sizeof(resp), &n, &sw);
	if (rc == SSCARD_OK)
		rc = sscard_sw_rc(sw);
	if (rc == SSCARD_OK && (n != TERMNO_BYTES || !bcd_digits(resp, n, out))) {
		out[0] = '\0';
		rc = SSCARD_E_BAD_DATA;
	}
	sscard_disconnect(&psam);
	return rc;
}

/*
 * Every failure of the PSAM slot is the customary -2201 except the host's
 * own (out of memory): no reader or a mute card there, and equally a card
 * that answers but is no PSAM (a social security card has no EF16: 6A82),
 * which the message names, so the counter knows to swap the cards.
 */
long compat_psam_fail(char *out, sscard_rc rc, bool reached)
{
	if (rc == SSCARD_E_NOMEM)
		return compat_fail(out, compat_code_of(rc, 0), 0);
	return compat_fail_about(out, SSCARD_COMPAT_NO_PSAM, 0,
	                         reached ? "PSAM卡座中的卡不是PSAM卡" : NULL);
}
