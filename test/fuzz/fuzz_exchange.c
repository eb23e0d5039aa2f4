/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The R-APDU / GET RESPONSE / 6Cxx loop against a card the fuzzer plays:
 * any answer must give a typed result within the caller's buffer. */
#include <stdlib.h>

#include "fuzz_card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t name[] = {0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
	                               0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
	const sscard_apdu cmds[] = {
		{.ins = 0xA4, .p1 = 0x04, .data = name, .nc = sizeof(name), .ne = 256},
		{.ins = 0xB2, .p1 = 0x08, .p2 = 0x30, .ne = 0x14},
		{.ins = 0x84, .ne = 8},
		{.ins = 0xB0, .ne = 65536},
	};
	uint8_t resp[300];
	uint8_t *big = malloc(65536);
	sscard_ctx *ctx = NULL;
	sscard_card *card;

	if (big == NULL || sscard_ctx_new(&ctx) != SSCARD_OK)
		abort();
	card = fuzz_card_connect(ctx, data, size);
	for (size_t i = 0; card != NULL && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t n = 0, cap = cmds[i].ne > sizeof(resp) ? 65536 : sizeof(resp);
		uint16_t sw = 0;
		sscard_rc rc = sscard_exchange(card, &cmds[i], cap == 65536 ? big : resp, cap, &n, &sw);

		if (rc == SSCARD_OK && (n > cap || n > cmds[i].ne))
			abort(); /* an answer beyond what was asked or what fits */
		if (rc != SSCARD_OK && n != 0)
			abort();
		(void)sscard_sw_rc(sw);
	}
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	free(big);
	return 0;
}
