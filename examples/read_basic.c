/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * read_basic: what a hospital billing system does hundreds of times a day,
 * read who the card belongs to. Prints every element of the card
 * identification and the holder's identity, and the validation problems.
 *
 *   cc read_basic.c -o read_basic $(pkg-config --cflags --libs sscard)
 *   ./read_basic                         # first reader holding a card
 *   ./read_basic sim:healthy-v2.json     # the simulated card, no reader
 *
 * Exit status: 0 read and valid, 1 read but invalid, 2 the card could
 * not be read (the error is printed).
 */
#include <stdio.h>

#include <sscard/sscard.h>

int main(int argc, char **argv)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	sscard_rc rc;

	if ((rc = sscard_ctx_new(&ctx)) == SSCARD_OK &&
	    (rc = sscard_connect(ctx, argc > 1 ? argv[1] : NULL, &card)) == SSCARD_OK &&
	    (rc = sscard_basic_new(&b)) == SSCARD_OK)
		rc = sscard_read_basic(card, b);
	if (rc != SSCARD_OK) {
		fprintf(stderr, "read_basic: %s / %s (%s)\n", sscard_strerror(rc),
		        sscard_strerror_zh(rc), card ? sscard_card_last_detail(card) : "");
	} else {
		for (size_t i = 0; i < sscard_element_count(); i++) {
			const char *value = sscard_basic_value(b, i);

			/* not PRESENT: withheld (3.0 cards without external
			 * authentication), blank, not on this card, unreadable */
			printf("%-14s %s\n", sscard_element_key(i),
			       value ? value : sscard_basic_detail(b, i));
		}
		for (size_t i = 0; i < sscard_basic_problem_count(b); i++) {
			const char *text = NULL;

			sscard_basic_problem(b, i, NULL, NULL, &text);
			printf("problem: %s\n", text);
		}
	}
	int status = rc != SSCARD_OK ? 2 : sscard_basic_valid(b) ? 0 : 1;
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	return status;
}
