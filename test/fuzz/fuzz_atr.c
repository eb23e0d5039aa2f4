/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ATR parser: any bytes give a verdict, never an over-read; a valid
 * verdict is self-consistent. */
#include <stdlib.h>

#include <sscard/sscard.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sscard_atr atr;
	sscard_rc rc = sscard_atr_parse(data, size, &atr);

	if ((rc == SSCARD_OK) != (atr.valid != 0))
		abort();
	if (rc == SSCARD_OK && (size > SSCARD_ATR_MAX_LEN || atr.hist_len > SSCARD_ATR_MAX_HIST))
		abort();
	return 0;
}
