/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to lib/transport_pcsc.c and lib/event.c: what a context keeps in
 * its `pcsc` slot, the one PC/SC -> sscard_rc table and the pure helpers
 * (reader selection, feature TLV parsing) that unit tests drive directly.
 */
#ifndef SSCARD_PCSC_STATE_H
#define SSCARD_PCSC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <winscard.h>

#include "internal.h"

/* Readers tracked by sscard_wait_event (pcsc-lite serves at most 16). */
#define SSCARD_PCSC_MAX_WATCH 32u
#define SSCARD_PCSC_PNP "\\\\?PnP?\\Notification"

typedef struct sscard_pcsc_watch {
	char *name;
	DWORD state; /* last dwEventState (pcsc-lite's event counter in the high word) */
} sscard_pcsc_watch;

typedef struct sscard_pcsc_state {
	SCARDCONTEXT hctx;
	bool established;
	/* Bumped every time the context is re-established, so card handles
	 * from an older context know they must reconnect. */
	unsigned generation;
	/* sscard_wait_event: readers known so far and events not yet handed out */
	bool watching;
	DWORD pnp_state;
	sscard_pcsc_watch watch[SSCARD_PCSC_MAX_WATCH];
	size_t nwatch;
	void *pending;    /* sscard_event[], owned by event.c */
	size_t npending;
	size_t pending_cap;
} sscard_pcsc_state;

/* The context's PC/SC state, established (again) if needed. */
sscard_rc sscard_pcsc_state_get(sscard_ctx *ctx, sscard_pcsc_state **out);
/* Note a PC/SC result: a lost service makes the next call re-establish.
 * Returns the mapped rc. */
sscard_rc sscard_pcsc_note(sscard_pcsc_state *st, LONG rv);

/* The one table: PC/SC result -> sscard_rc. */
sscard_rc sscard_pcsc_rc(LONG rv);
/* True when rv means pcscd went away (the context must be re-established). */
bool sscard_pcsc_service_lost(LONG rv);

/* Names of readers from a PC/SC multi-string into an array of pointers
 * into `mstr` (no copy); returns the count (at most max). */
size_t sscard_pcsc_split_names(const char *mstr, size_t mlen,
                               const char **names, size_t max);

/*
 * Pick a reader: exact name first, else the one reader whose name contains
 * `wanted`; with `wanted` NULL or "" the first reader holding a card.
 * Errors: SSCARD_E_NO_READER (none / no match), SSCARD_E_READER_AMBIGUOUS,
 * SSCARD_E_NO_CARD (readers but no card). `detail` receives a message that
 * lists the readers.
 */
sscard_rc sscard_pcsc_pick_reader(const char *const *names, const bool *present,
                                  size_t n, const char *wanted, size_t *index,
                                  char *detail, size_t detailsz);

/* Parse the PC/SC part 10 feature TLV list (tag 1, len 1 = 4, value a
 * big-endian control code) into SSCARD_FEATURE_* bits; the control codes of
 * the PIN-pad features are stored when `verify`/`modify` are not NULL.
 * Malformed input is SSCARD_E_BAD_RESPONSE. */
sscard_rc sscard_pcsc_parse_features(const uint8_t *tlv, size_t len,
                                     unsigned *features, uint32_t *verify,
                                     uint32_t *modify);

/*
 * PIN entry on the reader's pad (PC/SC part 10 FEATURE_VERIFY_PIN_DIRECT /
 * FEATURE_MODIFY_PIN_DIRECT): the PIN is typed on the reader and goes to
 * the card without crossing the host. For the SSSE PIN (6 digits, BCD):
 * VERIFY 00 20 00 00 03 <PIN> and CHANGE PIN 80 5E 01 00 07 <old> FF <new>.
 * The block builders are pure (unit-tested); sscard_pcsc_pinpad() sends one
 * through SCardControl and returns the card's status word in *sw.
 * SSCARD_E_NOT_IMPLEMENTED when the card is not on a PC/SC reader with that
 * feature. Never retried: a wrong PIN typed on the pad spends one try.
 */
sscard_rc sscard_pcsc_pin_verify_block(uint8_t *out, size_t outsz, size_t *outlen);
sscard_rc sscard_pcsc_pin_modify_block(uint8_t *out, size_t outsz, size_t *outlen);
sscard_rc sscard_pcsc_pinpad(sscard_card *card, bool modify, uint16_t *sw);

#endif
