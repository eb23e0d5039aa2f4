/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated card (lib/sim/): a card model driven by a profile
 * (vectors/cards/NAME.json). Used in-process by the "sim:PATH" transport and
 * over vpcd by tools/cardsim. Owner: the simulator work (issue #3); it may
 * add functions, the ones below keep their meaning.
 */
#ifndef SSCARD_SIM_H
#define SSCARD_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>

typedef struct sscard_sim sscard_sim;

/* Load a profile. On failure `err` names the file, the field and the
 * problem, and the rc is SSCARD_E_PROFILE (or SSCARD_E_IO / NOMEM). */
sscard_rc sscard_sim_load(const char *path, sscard_sim **out, char *err,
                          size_t errsz);
/* The same from a JSON text in memory; `name` stands for the file in
 * messages (fuzzers, tests). */
sscard_rc sscard_sim_load_string(const char *name, const char *json,
                                 sscard_sim **out, char *err, size_t errsz);
void sscard_sim_free(sscard_sim **sim);

/* Power the card on (cold) or reset it (warm). *atrlen 0 = a mute card
 * that gives no ATR. */
sscard_rc sscard_sim_power_on(sscard_sim *sim, int cold, uint8_t *atr,
                              size_t *atrlen);
void sscard_sim_power_off(sscard_sim *sim);

/*
 * One APDU in, one answer out (data + SW). Faults come back as rc:
 * SSCARD_E_MUTE (the card stays silent), SSCARD_E_CARD_REMOVED (removed or
 * power lost mid-command). A "slow" profile's delay is reported through
 * sscard_sim_delay_ms() and applied by the caller.
 */
sscard_rc sscard_sim_apdu(sscard_sim *sim, const uint8_t *capdu, size_t clen,
                          uint8_t *rapdu, size_t *rlen);

/* Milliseconds the last answer should be delayed (slow-card fault). */
unsigned sscard_sim_delay_ms(const sscard_sim *sim);
/* Successful writes (UPDATE/APPEND RECORD, UPDATE BINARY) since load. */
unsigned long sscard_sim_write_count(const sscard_sim *sim);
/* Write commands received (UPDATE/APPEND RECORD, UPDATE BINARY), whether
 * the card accepted them or not: a read-only probe leaves this at 0. */
unsigned long sscard_sim_write_commands(const sscard_sim *sim);
/* 0 for T=0, 1 for T=1 (from the profile). */
int sscard_sim_protocol(const sscard_sim *sim);

/* Card presence. A "remove_after" fault takes the card out (APDUs then
 * answer SSCARD_E_CARD_REMOVED, power-on SSCARD_E_NO_CARD); putting it
 * back (set_present 1) powers it off, ready for a power-on. */
int sscard_sim_present(const sscard_sim *sim);
void sscard_sim_set_present(sscard_sim *sim, int present);

#endif
