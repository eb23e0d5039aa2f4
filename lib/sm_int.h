/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: a secure-channel session on one card (lib/sm.c). Owner: the
 * crypto work (#6, #14).
 */
#ifndef SSCARD_SM_INT_H
#define SSCARD_SM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"

/* sscard_sm_open() flags */
#define SSCARD_SM_ALLOW_BLOCKED 0x1u /* select a blocked DF (6283): for UNBLOCK */
#define SSCARD_SM_NEED_VERSION 0x2u  /* read the specification version too */

typedef struct sscard_sm {
	sscard_card *card;
	sscard_keys *keys; /* NULL in a session that only talks to the card
	                      (sscard_auth_begin(): the back end computes) */
	char df[SSCARD_DF_NAME_MAX];
	sscard_div_factors factors;
	sscard_alg alg;      /* the card's, 0 while unknown (a blocked SSSE) */
	int spec_major;      /* EF05 tag 03's first digit, 0 when not read */
	uint8_t card_id[16]; /* EF05 tag 01 as read (or given) */
	bool have_card_id;
	/* The last command sent under protection got as far as the card (not
	 * only the challenge): only then can a failure have torn a record. */
	bool command_sent;
} sscard_sm;

/*
 * Start a session: select SSSE with its FCI (the algorithm, 86 01 xx),
 * read the diversification factors (ATR, and the card identification code
 * from SSSE/EF05 unless `card_id`, 16 bytes, is given), the specification
 * version when the FCI names no algorithm or SSCARD_SM_NEED_VERSION asks,
 * and select `df` ("SSSE", "DF04"). Call inside sscard_card_begin()/end();
 * close with sscard_sm_close().
 */
sscard_rc sscard_sm_open(sscard_card *card, sscard_keys *keys, const char *df,
                         const uint8_t *card_id, unsigned flags, sscard_sm *sm);
/* Wipe the session. */
void sscard_sm_close(sscard_sm *sm);

#endif
