/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The secure channel (lib/sm.c) against a card the fuzzer plays: whatever
 * the card answers, authentication ends in a verdict that agrees with its
 * return code, and writes and unblocks give typed results. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_card.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vectors/sm/v2.keys and an SM4 line key (public test keys) */
static const char keystore[] =
	"sscard-keystore 1\n"
	"key external SSSE 01 3DES province,city,card 0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
	"key internal SSSE 01 3DES province,city,card F0E1D2C3B4A5968778695A4B3C2D1E0F\n"
	"key line SSSE 01 3DES card C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4\n"
	"key line DF04 01 SM4 - 0707070707070707F8F8F8F8F8F8F8F8\n";

static void check_verdict(sscard_rc rc, sscard_auth_verdict v)
{
	if ((rc == SSCARD_OK) != (v == SSCARD_AUTH_GENUINE || v == SSCARD_AUTH_TERMINAL_ONLY) ||
	    (rc == SSCARD_E_NOT_GENUINE) != (v == SSCARD_AUTH_NOT_GENUINE) ||
	    (rc == SSCARD_E_KEYS_MISMATCH) != (v == SSCARD_AUTH_KEYS_MISMATCH))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sscard_ctx *ctx = NULL;
	sscard_keys *keys = NULL;
	sscard_card *card;
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	int written = -1;

	if (sscard_ctx_new(&ctx) != SSCARD_OK ||
	    sscard_keys_parse_text(ctx, keystore, strlen(keystore), &keys, NULL, 0) != SSCARD_OK)
		abort();
	card = fuzz_card_connect(ctx, data, size);
	if (card != NULL) {
		check_verdict(sscard_authenticate(card, keys, "SSSE", &v), v);
		if (sscard_write_element(card, keys, "name", "王五", &written) == SSCARD_OK &&
		    written != 0 && written != 1)
			abort();
		(void)sscard_app_unblock(card, keys, "DF04", NULL);
		(void)sscard_app_block(card, keys, "SSSE", 0);
	}
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
	sscard_ctx_free(&ctx);
	return 0;
}
