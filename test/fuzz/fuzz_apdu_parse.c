/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C-APDU parsing (what cardtool apdu and the simulator read): anything
 * that parses must re-encode to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include <sscard/sscard.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[SSCARD_APDU_MAX_ENCODED];
	sscard_apdu a;
	size_t n = 0;

	if (sscard_apdu_parse(data, size, &a) != SSCARD_OK)
		return 0;
	if (sscard_apdu_encode(&a, out, sizeof(out), &n) != SSCARD_OK)
		abort();
	if (n != size || memcmp(out, data, n) != 0)
		abort();
	return 0;
}
