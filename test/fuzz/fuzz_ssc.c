/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SSSE application (read_basic, read_element, PIN tries) against a
 * card the fuzzer plays: any answers give typed results, statuses that
 * agree with the values, and never a crash or an overrun. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_basic(const sscard_basic *b, sscard_rc rc)
{
	for (size_t i = 0; i < sscard_element_count(); i++) {
		const char *v = sscard_basic_value(b, i);
		sscard_elem_status st = sscard_basic_status(b, i);
		if ((v != NULL) != (st == SSCARD_ELEM_PRESENT))
			abort();
		if (v != NULL && (v[0] == '\0' || strlen(v) >= 128))
			abort();
		if (rc != SSCARD_OK && st != SSCARD_ELEM_NOT_READ)
			abort(); /* a failed read shows nothing half-read */
	}
	if (rc != SSCARD_OK && sscard_basic_valid(b))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sscard_ctx *ctx = NULL;
	sscard_basic *b = NULL;
	if (sscard_ctx_new(&ctx) != SSCARD_OK || sscard_basic_new(&b) != SSCARD_OK)
		abort();
	sscard_card *card = fuzz_card_connect(ctx, data, size);
	if (card != NULL) {
		check_basic(b, sscard_read_basic(card, b));
		char text[128] = "x";
		if (sscard_read_element(card, "name", text, sizeof(text)) != SSCARD_OK && text[0] != '\0')
			abort();
		int tries = 99;
		sscard_rc rc = sscard_pin_tries(card, &tries);
		if (rc == SSCARD_OK && (tries < -1 || tries > 15))
			abort();
	}
	sscard_disconnect(&card);
	sscard_basic_free(&b);
	sscard_ctx_free(&ctx);
	return 0;
}
