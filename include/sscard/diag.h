/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscard: card diagnosis (design.md s.5). A fixed, read-only probe that
 * decides whether a social security card must be replaced, and why.
 *
 * The probe never writes to the card and never presents a PIN: the PIN
 * tries left come from a VERIFY without data (63Cx), which spends no try.
 *
 *   sscard_diag *d = NULL;
 *   sscard_diag_new(&d);
 *   sscard_diagnose_reader(ctx, NULL, d);      // or sscard_diagnose(card, d)
 *   switch (sscard_diag_verdict(d)) { ... }
 *   for (size_t i = 0; i < sscard_diag_reason_count(d); i++)
 *       puts(sscard_diag_reason_action(d, i));
 *   sscard_diag_free(&d);
 */
#ifndef SSCARD_DIAG_H
#define SSCARD_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/card.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Verdicts, in increasing precedence: the verdict of a run is the highest
 * verdict any of its reasons carries (a card pulled out mid-probe is
 * NO_CARD whatever was seen before: the probe did not finish). The values
 * are cardtool diagnose's exit codes, except that NO_CARD exits 3 too. */
typedef enum sscard_verdict {
	SSCARD_VERDICT_OK = 0,        /* healthy; informational reasons only */
	SSCARD_VERDICT_ATTENTION = 1, /* usable, but the counter must act */
	SSCARD_VERDICT_REPLACE = 2,   /* issue a replacement card */
	SSCARD_VERDICT_NOT_SSC = 3,   /* a card, but not a social security card */
	SSCARD_VERDICT_NO_CARD = 4    /* no card (or it left during the probe) */
} sscard_verdict;

/* Result of one diagnosis (and its settings). Opaque; reusable: every run
 * starts from a clean result and keeps the settings. */
typedef struct sscard_diag sscard_diag;

/* One probe step as evidence: what was sent, how it ended, how long it
 * took. Strings belong to the result and live until the next run. */
typedef struct sscard_diag_step {
	const char *name;  /* "ATR", "SELECT SSSE", "READ 08 ssn", "PIN TRIES" */
	sscard_rc rc;      /* outcome of the last attempt */
	uint16_t sw;       /* status word of the last attempt (0: none) */
	unsigned attempts; /* 1 + re-reads */
	unsigned ms;       /* all attempts together, milliseconds */
} sscard_diag_step_info;

SSCARD_API sscard_rc sscard_diag_new(sscard_diag **out);
/* Frees the result and sets *d to NULL; NULL and *NULL are fine. */
SSCARD_API void sscard_diag_free(sscard_diag **d);

/* ---- settings (kept across runs) --------------------------------------- */

/* The date the expiry is judged against, as Unix time; 0 (the default)
 * reads the system clock at each run. For tests and back-dated checks;
 * dates before 1970 are negative, down to 1900-01-01 (-2208988800). */
SSCARD_API sscard_rc sscard_diag_set_now(sscard_diag *d, int64_t unix_time);
/* Time budget of the whole probe in milliseconds (default 3000, at least
 * 100). Past it no new command is sent: the verdict comes from what was
 * seen, with reason SLOW. A dead card stops the probe at once anyway. */
SSCARD_API sscard_rc sscard_diag_set_budget_ms(sscard_diag *d, unsigned ms);
/* The terminal's keys (sscard_keys_open_file(3), a PSAM, your own; NULL:
 * none, the default). When the card withholds the holder data (EF06 of a
 * 3.0 card) the probe authenticates in SSSE with them and checks it too;
 * without keys that data is reported HOLDER_DATA_PROTECTED, unchecked.
 * Borrowed: keep keys alive while the result may run, free them yourself. */
typedef struct sscard_keys sscard_keys;
SSCARD_API sscard_rc sscard_diag_set_keys(sscard_diag *d, sscard_keys *keys);

/* ---- running --------------------------------------------------------- */

/*
 * Diagnose a connected card. Returns SSCARD_OK whenever a verdict was
 * reached, whatever it is (a mute card is SSCARD_OK with verdict REPLACE);
 * an error only for invalid arguments, out of memory, or a card another
 * application holds (SSCARD_E_SHARING) or no PC/SC service: then nothing
 * about the card can be said. Holds the card
 * (sscard_card_begin) for the whole probe. May cold-reset the card once
 * when its ATR is missing or malformed; the selected application is lost
 * afterwards in any case.
 */
SSCARD_API sscard_rc sscard_diagnose(sscard_card *card, sscard_diag *d);

/*
 * Connect to `reader` (as sscard_connect() takes it: NULL, "sim:PATH" or
 * a PC/SC name), diagnose, disconnect. A failing connect is diagnosed too:
 * no card -> NO_CARD, mute or malformed ATR -> REPLACE. Returns an error
 * (and leaves the verdict NO_CARD without reasons) only when there is
 * nothing to diagnose: no PC/SC service, no or ambiguous reader, invalid
 * arguments, out of memory.
 */
SSCARD_API sscard_rc sscard_diagnose_reader(sscard_ctx *ctx, const char *reader,
                                            sscard_diag *d);

/* ---- the verdict and its reasons ------------------------------------- */

SSCARD_API sscard_verdict sscard_diag_verdict(const sscard_diag *d);
/* "OK", "ATTENTION", "REPLACE", "NOT_SSC", "NO_CARD"; never NULL. */
SSCARD_API const char *sscard_verdict_name(sscard_verdict v);

/* Reasons in the order found (each code at most once). Index past the
 * end: NULL / 0. */
SSCARD_API size_t sscard_diag_reason_count(const sscard_diag *d);
/*
 * Stable upper-case code. The codes and the verdict each implies (the one
 * table in lib/diag.c; sscard_diag_code_at() lists them):
 *   NO_CARD, CARD_REMOVED                      NO_CARD
 *   NOT_SSC                                    NOT_SSC
 *   MUTE, BAD_ATR, GARBLED, TRANSMISSION_ERROR,
 *   CHIP_ERROR, DATA_CORRUPT, EXPIRED          REPLACE
 *   EXPIRING_SOON (90 days), TEMPORARY_CARD, PIN_BLOCKED,
 *   APP_BLOCKED (6283), APP_LOCKED (9303/6A81), FLAKY, SLOW   ATTENTION
 *   HOLDER_DATA_PROTECTED, PIN_TRIES_LOW, ATR_UNUSUAL  OK (information)
 * A failing read is re-read (at most twice; once for a mute card); one
 * that reads on a re-read is FLAKY, one that never does gets the code of
 * its failure. A temporary card is told by its validity period (at most
 * 6 months between issue and expiry): the card type codes are not public.
 */
SSCARD_API const char *sscard_diag_reason_code(const sscard_diag *d, size_t i);
/* The verdict this reason alone implies (OK for informational ones). */
SSCARD_API sscard_verdict sscard_diag_reason_verdict(const sscard_diag *d, size_t i);
/* What was found, English / Chinese (UTF-8), with the evidence named. */
SSCARD_API const char *sscard_diag_reason_detail(const sscard_diag *d, size_t i);
SSCARD_API const char *sscard_diag_reason_detail_zh(const sscard_diag *d, size_t i);
/* What the counter should do, English / Chinese (UTF-8). */
SSCARD_API const char *sscard_diag_reason_action(const sscard_diag *d, size_t i);
SSCARD_API const char *sscard_diag_reason_action_zh(const sscard_diag *d, size_t i);
/* Status word that gave the reason (0: none). */
SSCARD_API uint16_t sscard_diag_reason_sw(const sscard_diag *d, size_t i);
/* 1 if the run found reason `code`, else 0. */
SSCARD_API int sscard_diag_has_reason(const sscard_diag *d, const char *code);

/* Every reason code the library can give, for documentation and tests:
 * i-th code, NULL past the end. */
SSCARD_API const char *sscard_diag_code_at(size_t i);

/* ---- evidence ----------------------------------------------------------- */

/* The ATR the verdict rests on (after the cold reset if there was one);
 * *len 0 when the card gave none. */
SSCARD_API sscard_rc sscard_diag_atr(const sscard_diag *d, const uint8_t **atr,
                                     size_t *len);
/* PIN tries left from 63Cx; -1 when the card did not tell. */
SSCARD_API int sscard_diag_pin_tries(const sscard_diag *d);
/* APDUs exchanged during the probe (GET RESPONSE included). */
SSCARD_API unsigned long sscard_diag_apdu_count(const sscard_diag *d);
/* Re-reads sent after a failure, and commands that failed (each attempt). */
SSCARD_API unsigned sscard_diag_retries(const sscard_diag *d);
SSCARD_API unsigned sscard_diag_errors(const sscard_diag *d);
/* Cold resets the probe made (0 or 1). */
SSCARD_API unsigned sscard_diag_resets(const sscard_diag *d);
/* Wall time of the whole probe and of the slowest single step attempt. */
SSCARD_API unsigned sscard_diag_elapsed_ms(const sscard_diag *d);
SSCARD_API unsigned sscard_diag_slowest_ms(const sscard_diag *d);
/* Expiry date read from the card, "YYYY-MM-DD", or "" when unknown. */
SSCARD_API const char *sscard_diag_expiry(const sscard_diag *d);

SSCARD_API size_t sscard_diag_step_count(const sscard_diag *d);
SSCARD_API sscard_rc sscard_diag_step(const sscard_diag *d, size_t i,
                                      sscard_diag_step_info *out);

#ifdef __cplusplus
}
#endif
#endif
