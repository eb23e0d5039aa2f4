/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscard: the secure channel (design.md s.4 "Security", issue #6):
 * key providers, card/terminal authentication, protected writes,
 * application block/unblock and PIN unblock.
 *
 * Keys never leave a provider: the secure channel asks it for a
 * cryptogram or a MAC computed with the card's key of a given usage in a
 * given DF, diversified from the card's factors (card = last 8 ATR bytes,
 * city = first 6 digits of the card identification code + "sx",
 * province = its first 2 digits + "0000sh"). Providers: the software
 * keystore (a file, format below) and, where built, a PSAM.
 */
#ifndef SSCARD_SM_H
#define SSCARD_SM_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/card.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sscard_keys sscard_keys;

/* Card key classes per DF. */
typedef enum sscard_key_usage {
	SSCARD_KEY_EXTERNAL = 1, /* RK/UK: EXTERNAL AUTHENTICATE (terminal -> card) */
	SSCARD_KEY_INTERNAL = 2, /* IRK: INTERNAL AUTHENTICATE (card -> terminal) */
	SSCARD_KEY_UNBLOCK = 3,  /* PUK: PIN unblock */
	SSCARD_KEY_LINE = 4      /* STK: MACs of protected UPDATE and BLOCK/UNBLOCK */
} sscard_key_usage;

/*
 * Open the software keystore at `path` (NULL: the SSCARD_KEYSTORE
 * environment variable). Like ssh with a private key, the file is refused
 * (SSCARD_E_KEYSTORE) unless it is a regular file owned by the user (or
 * root) that neither group nor others may read or write (chmod 600).
 *
 * Format: UTF-8 text, one item per line, fields separated by blanks,
 * '#' starts a comment line. The first item is the version line
 *     sscard-keystore 1
 * then one line per key:
 *     key USAGE DF ID ALG DIVERSIFY KEY
 * USAGE     external | internal | unblock | line (see sscard_key_usage)
 * DF        the card DF holding the key: SSSE, DF01 .. DF07
 * ID        the card's key index (P2 of the command), 2 hex digits
 * ALG       3DES (2-key, 2.0 cards) | SM4 (3.0 cards)
 * DIVERSIFY "-" (KEY is the card's own key) or levels applied in order,
 *           comma separated, from province, city, card; e.g.
 *           "province,city,card" diversifies a provincial master key
 *           first with the province factor, then city, then card
 * KEY       32 hex digits: the (master) key
 * At most one key per (USAGE, DF); unknown items are errors.
 */
SSCARD_API sscard_rc sscard_keys_open_file(sscard_ctx *ctx, const char *path,
                                           sscard_keys **out);
/* Frees the provider (wiping every key it held); *keys becomes NULL. */
SSCARD_API void sscard_keys_free(sscard_keys **keys);
/* Provider name: "file" or "psam". */
SSCARD_API const char *sscard_keys_provider(const sscard_keys *keys);

/* ---- authentication ------------------------------------------------------ */

typedef enum sscard_auth_verdict {
	SSCARD_AUTH_NOT_RUN = 0,       /* not attempted (or a transport error) */
	SSCARD_AUTH_GENUINE = 1,       /* the card proved it holds its keys */
	SSCARD_AUTH_NOT_GENUINE = 2,   /* the card accepted our keys but failed
	                                  to prove its own: a forgery or a clone */
	SSCARD_AUTH_KEYS_MISMATCH = 3  /* our keys are not this card's */
} sscard_auth_verdict;

/* "NOT_RUN", "GENUINE", "NOT_GENUINE", "KEYS_MISMATCH"; never NULL. */
SSCARD_API const char *sscard_auth_verdict_name(int verdict);

/*
 * Authenticate in `df` ("SSSE", "DF04", ...): INTERNAL AUTHENTICATE
 * (card -> terminal: our random encrypted with the diversified IRK), then
 * EXTERNAL AUTHENTICATE (terminal -> card: GET CHALLENGE, cryptogram with
 * the diversified RK). Afterwards the card grants the DF's
 * external-authentication access until it is reset or another DF is
 * selected.
 *
 * Returns SSCARD_OK with *verdict GENUINE when both succeed;
 * SSCARD_E_NOT_GENUINE when the card accepted our external key but its
 * internal-authentication answer is wrong; SSCARD_E_KEYS_MISMATCH when
 * the card rejects our keys (or has none with the keystore's ids); or the
 * transport/card error. *verdict (may be NULL) says which.
 */
SSCARD_API sscard_rc sscard_authenticate(sscard_card *card, sscard_keys *keys,
                                         const char *df,
                                         sscard_auth_verdict *verdict);

#ifdef __cplusplus
}
#endif
#endif
