/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: a secure-channel session on one card (lib/sm.c) for the
 * modules that send protected commands. Owner: the crypto work (#6).
 */
#ifndef SSCARD_SM_INT_H
#define SSCARD_SM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"

typedef struct sscard_sm {
	sscard_card *card;
	sscard_keys *keys; /* NULL in a session that only talks to the card
	                      (sscard_auth_begin(): the back end computes) */
	char df[SSCARD_DF_NAME_MAX];
	sscard_div_factors factors;
	uint8_t card_id[16]; /* EF05 tag 01 as read (or given) */
	bool have_card_id;
	/* The last sscard_sm_send_mac() got as far as sending its command (not
	 * only the challenge): only then can a failure have torn a record. */
	bool mac_command_sent;
} sscard_sm;

/*
 * Start a session: read the diversification factors (ATR, and the card
 * identification code from SSSE/EF05 unless `card_id`, 16 bytes, is
 * given) and select `df` ("SSSE", "DF04"). `allow_blocked`: a blocked
 * application (SELECT answers 6283) is selected anyway, for UNBLOCK.
 * Call inside sscard_card_begin()/end(); close with sscard_sm_close().
 */
sscard_rc sscard_sm_open(sscard_card *card, sscard_keys *keys, const char *df,
                         const uint8_t *card_id, bool allow_blocked, sscard_sm *sm);
/* Wipe the session. */
void sscard_sm_close(sscard_sm *sm);
/* Select SSSE, then df under it (by name / FID). */
sscard_rc sscard_sm_select_df(sscard_card *card, const char *df);
/* Internal then external authentication in the session's DF with the
 * session's keys: sscard_auth_begin(), the provider's answers,
 * sscard_auth_finish() (one implementation of the protocol). */
sscard_rc sscard_sm_authenticate(sscard_sm *sm, sscard_auth_verdict *verdict);
/*
 * GET CHALLENGE, then the command with `data` followed by a 4-byte MAC
 * over CLA INS P1 P2 Lc(with the MAC) data, IV = the challenge, with the
 * card's key of `usage`. Answers without data are expected.
 */
sscard_rc sscard_sm_send_mac(sscard_sm *sm, sscard_key_usage usage, const char *what,
                             uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                             const uint8_t *data, size_t len, unsigned flags);

#endif
