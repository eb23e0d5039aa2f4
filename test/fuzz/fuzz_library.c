/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole library against a card the fuzzer plays (fuzz_card.c: every
 * answer from the transport comes from the input), as a kiosk drives it:
 * sscard_read_basic(), the PIN tries probe, one element read and, where
 * the diagnosis is built in, sscard_diagnose() on the same card, so
 * state left by one call (selection, half-read files) meets the next.
 * (fuzz_ssc checks each SSSE call's own contract.) Whatever the card
 * says, every call and every element error is a named sscard_rc, every
 * text handed out (values, details, problems, reasons, actions) is a
 * NUL-terminated string within bounds, and statuses and verdicts are in
 * range.
 * Seeds (vectors/fuzz/library) are recorded answers of the shipped
 * profiles (vectors/fuzz/library/gen.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_card.h"

#if defined(__has_include)
#if __has_include(<sscard/diag.h>)
#include <sscard/diag.h>
#define FUZZ_HAVE_DIAG 1
#endif
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rc(sscard_rc rc)
{
	if (strcmp(sscard_rc_name(rc), "UNKNOWN") == 0 || rc == SSCARD_E_INTERNAL)
		abort();
}

static void check_text(const char *s, size_t max)
{
	if (s != NULL && strnlen(s, max) >= max)
		abort();
}

static void check_basic(const sscard_basic *b)
{
	for (size_t i = 0; i < sscard_element_count(); i++) {
		sscard_elem_status st = sscard_basic_status(b, i);
		const char *v = sscard_basic_value(b, i);

		if (st > SSCARD_ELEM_UNREADABLE || (v != NULL) != (st == SSCARD_ELEM_PRESENT))
			abort();
		check_text(v, 4096);
		check_text(sscard_basic_detail(b, i), 4096);
		check_rc(sscard_basic_error(b, i));
	}
	for (size_t i = 0; i < sscard_basic_problem_count(b); i++) {
		const char *key = NULL, *text = NULL;
		int code = 0;

		if (sscard_basic_problem(b, i, &key, &code, &text) != SSCARD_OK || key == NULL ||
		    text == NULL)
			abort();
		check_text(text, 4096);
	}
}

#ifdef FUZZ_HAVE_DIAG
static void diagnose(sscard_card *card)
{
	sscard_diag *d = NULL;

	if (sscard_diag_new(&d) != SSCARD_OK)
		abort();
	sscard_diag_set_budget_ms(d, 100);
	check_rc(sscard_diagnose(card, d));
	if (sscard_diag_verdict(d) > SSCARD_VERDICT_NO_CARD)
		abort();
	for (size_t i = 0; i < sscard_diag_reason_count(d); i++) {
		if (sscard_diag_reason_code(d, i) == NULL)
			abort();
		check_text(sscard_diag_reason_detail(d, i), 4096);
		check_text(sscard_diag_reason_action(d, i), 4096);
	}
	sscard_diag_free(&d);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card;
	sscard_basic *b = NULL;
	char text[128];
	int tries;

	if (sscard_ctx_new(&ctx) != SSCARD_OK || sscard_basic_new(&b) != SSCARD_OK)
		abort();
	card = fuzz_card_connect(ctx, data, size);
	if (card != NULL) {
		sscard_rc rc = sscard_read_basic(card, b);
		check_rc(rc);
		check_basic(b);
		check_rc(sscard_pin_tries(card, &tries));
		text[0] = '\0';
		rc = sscard_read_element(card, "ssn", text, sizeof(text));
		check_rc(rc);
		if (rc == SSCARD_OK)
			check_text(text, sizeof(text));
		check_text(sscard_card_last_detail(card), 4096);
#ifdef FUZZ_HAVE_DIAG
		diagnose(card);
#endif
	}
	sscard_disconnect(&card);
	sscard_basic_free(&b);
	sscard_ctx_free(&ctx);
	return 0;
}
