/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The secure channel (lib/sm.c) against a card the fuzzer plays: whatever
 * the card answers, authentication ends in a verdict that agrees with its
 * return code, and writes and unblocks give typed results. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_card.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vectors/sm/v2.keys and an SM4 line key (public test keys) */
static const char keystore[] =
	"sscard-keystore 1\n"
	"key external SSSE 0A 3DES city,card 0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
	"key internal SSSE 00 3DES province,city,card F0E1D2C3B4A5968778695A4B3C2D1E0F\n"
	"key unblock SSSE 06 3DES city,card A1A1A1A1A1A1A1A1B2B2B2B2B2B2B2B2\n"
	"key line SSSE 02 3DES card C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4\n"
	"key update SSSE 04 3DES city,card 1357913579135791246802468024680A\n"
	"key line DF04 82 SM4 - 0707070707070707F8F8F8F8F8F8F8F8\n";

static void check_verdict(sscard_rc rc, sscard_auth_verdict v)
{
	if ((rc == SSCARD_OK) != (v == SSCARD_AUTH_GENUINE || v == SSCARD_AUTH_TERMINAL_ONLY) ||
	    (rc == SSCARD_E_NOT_GENUINE) != (v == SSCARD_AUTH_NOT_GENUINE) ||
	    (rc == SSCARD_E_KEYS_MISMATCH) != (v == SSCARD_AUTH_KEYS_MISMATCH))
		abort();
}

/* The two-step form with whatever the card answers: the values are 8
 * bytes or absent, finish never reads past them. */
static void two_steps(sscard_card *card)
{
	static const uint8_t answer[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	sscard_auth_request *req = NULL;
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	size_t len = 0;
	bool external;

	if (sscard_auth_begin(card, NULL, NULL, &req) != SSCARD_OK)
		return;
	for (int w = SSCARD_AUTH_INTERNAL_FACTOR; w <= SSCARD_AUTH_EXTERNAL_ORIGINAL; w++)
		if (sscard_auth_request_value(req, (sscard_auth_value)w, &len) != NULL && len != 8)
			abort();
	external = sscard_auth_request_value(req, SSCARD_AUTH_EXTERNAL_FACTOR, &len) != NULL;
	check_verdict(sscard_auth_finish(card, req, external ? answer : NULL, external ? 8 : 0,
	                                 answer, 8, &v), v);
	sscard_auth_request_free(&req);
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
		(void)sscard_pin_unblock(card, keys, "SSSE");
		(void)sscard_pin_reload(card, keys, "SSSE", "135790");
		two_steps(card);
	}
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
	sscard_ctx_free(&ctx);
	return 0;
}
