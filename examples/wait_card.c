/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wait_card: a kiosk's main loop in miniature. Waits for a card to be
 * inserted in any PC/SC reader, prints the reader and the card's ATR,
 * and exits (or after the time given in seconds: exit 3, no card).
 *
 *   cc wait_card.c -o wait_card $(pkg-config --cflags --libs sscard)
 *   ./wait_card 30
 */
#include <stdio.h>
#include <stdlib.h>

#include <sscard/sscard.h>

int main(int argc, char **argv)
{
	int timeout_ms = argc > 1 ? atoi(argv[1]) * 1000 : -1; /* -1: wait forever */
	sscard_ctx *ctx = NULL;
	sscard_event ev;
	sscard_rc rc;

	if (sscard_ctx_new(&ctx) != SSCARD_OK)
		return 4;
	/* The first events report what is there already; a card already in a
	 * reader arrives as CARD_INSERTED too, so no separate check is needed. */
	while ((rc = sscard_wait_event(ctx, timeout_ms, &ev)) == SSCARD_OK) {
		if (ev.type == SSCARD_EVENT_CARD_INSERTED)
			break;
		printf("%s: %s\n", sscard_event_name(ev.type), ev.reader);
	}
	if (rc == SSCARD_OK) {
		char atr[2 * SSCARD_EVENT_ATR_MAX + 1];

		sscard_hex_encode(ev.atr, ev.atr_len, atr, sizeof atr);
		printf("card in \"%s\", ATR %s\n", ev.reader, atr);
	} else {
		fprintf(stderr, "wait_card: %s (%s)\n", sscard_strerror(rc), sscard_rc_name(rc));
	}
	sscard_ctx_free(&ctx);
	return rc == SSCARD_OK ? 0 : rc == SSCARD_E_TIMEOUT ? 3 : 4;
}
