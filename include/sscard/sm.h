/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscard: the secure channel (design.md s.4 "Security", issue #6):
 * key providers, card/terminal authentication, protected writes,
 * application block/unblock and PIN unblock/reload.
 *
 * Keys never leave a provider: the secure channel asks it for a
 * cryptogram or a MAC computed with the card's key of a given usage in a
 * given DF, diversified from the card's factors (card = last 8 ATR bytes,
 * city = first 6 digits of the card identification code + "sx",
 * province = its first 2 digits + "0000sh"). Providers: the software
 * keystore (a file, format below), a PSAM (the terminal's security
 * module in a second reader slot) and your own (sscard_keys_new()).
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

/* Card algorithms. */
typedef enum sscard_alg {
	SSCARD_ALG_3DES = 1, /* 2-key triple DES, 8-byte blocks (2.0 cards) */
	SSCARD_ALG_SM4 = 2   /* SM4, 16-byte blocks (3.0 cards) */
} sscard_alg;

#define SSCARD_KEY_LEN 16u   /* every key: 3DES K1||K2 or SM4 */
#define SSCARD_MAC_LEN 4u    /* line-protection MAC */
#define SSCARD_FACTOR_LEN 8u /* one diversification factor */

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
 * A PSAM map (sscard_keys_open_psam()) has the same form with "psam"
 * lines instead, naming the PSAM's key rather than holding one:
 *     psam USAGE DF ID ALG DIVERSIFY INDEX
 * INDEX     the PSAM key index (2 hex digits, P2 of DES INIT)
 */
SSCARD_API sscard_rc sscard_keys_open_file(sscard_ctx *ctx, const char *path,
                                           sscard_keys **out);
/*
 * Use the PSAM in `reader` (as for sscard_connect(): a PC/SC reader name,
 * e.g. the second slot of the terminal's reader, or "sim:PATH") as the
 * key provider; `map_path` (NULL: $SSCARD_KEYSTORE) lists with psam lines
 * which PSAM key serves which card key, and is subject to the same file
 * rule as a keystore. The PSAM diversifies and computes:
 *   80 1A <usage 1..4> <index> Lc <factors, 8 bytes per level>  DES INIT
 *   80 FA 00 00 Lc <blocks>              ECB-encrypt (answer: the blocks)
 *   80 FA 05 00 Lc <IV block> <data>     MAC (answer: 4 bytes)
 * (PBOC PSAM style; verify against the PSAM a province issues.)
 */
SSCARD_API sscard_rc sscard_keys_open_psam(sscard_ctx *ctx, const char *reader,
                                           const char *map_path, sscard_keys **out);
/* Frees the provider (wiping every key it held); *keys becomes NULL. */
SSCARD_API void sscard_keys_free(sscard_keys **keys);
/* Provider name: "file" or "psam". */
SSCARD_API const char *sscard_keys_provider(const sscard_keys *keys);

/* ---- your own key provider (an HSM, a remote security module) ------------ */

/* The diversification factors of one card, as the library reads them. */
typedef struct sscard_div_factors {
	uint8_t card[SSCARD_FACTOR_LEN];     /* last 8 bytes of the ATR */
	uint8_t city[SSCARD_FACTOR_LEN];     /* ASCII region(6) + "sx" */
	uint8_t province[SSCARD_FACTOR_LEN]; /* ASCII region(2) + "0000sh" */
	int have_card, have_region;          /* 0 when the card did not give them */
} sscard_div_factors;

/* What a provider tells about one of its keys (no key material). */
typedef struct sscard_key_info {
	sscard_alg alg;
	uint8_t id; /* the card's key index (P2 of the command) */
} sscard_key_info;

/*
 * A key provider computes with the card's keys and never hands one out.
 * `df` is "SSSE", "DF01" .. "DF07". Every function returns SSCARD_OK,
 * SSCARD_E_KEY_NOT_FOUND when it has no key for (usage, df),
 * SSCARD_E_BAD_DATA when a factor its diversification needs is missing
 * (have_region 0), or its own failure (SSCARD_E_CRYPTO, ..._TRANSPORT).
 */
typedef struct sscard_keys_ops {
	const char *name; /* "file", "psam", "hsm", ... */
	sscard_rc (*lookup)(void *impl, sscard_key_usage usage, const char *df,
	                    sscard_key_info *info);
	/* ECB-encrypt `len` bytes (whole blocks) with the card's key. */
	sscard_rc (*encrypt)(void *impl, sscard_key_usage usage, const char *df,
	                     const sscard_div_factors *f, const uint8_t *in,
	                     size_t len, uint8_t *out);
	/* The line MAC with the card's key: ISO 9797-1 padding method 2,
	 * CBC with `iv` (zero padded to a block), retail MAC for 3DES, SM4
	 * CBC-MAC; the leftmost 4 bytes. */
	sscard_rc (*mac)(void *impl, sscard_key_usage usage, const char *df,
	                 const sscard_div_factors *f, const uint8_t *iv,
	                 size_t ivlen, const uint8_t *data, size_t len,
	                 uint8_t mac[SSCARD_MAC_LEN]);
	/* Release everything, wiping keys. */
	void (*free)(void *impl);
} sscard_keys_ops;

/* Wrap a provider; the handle owns `impl` from now on (ops->free is
 * called on failure too). `ops` must outlive the handle. */
SSCARD_API sscard_rc sscard_keys_new(sscard_ctx *ctx, const sscard_keys_ops *ops,
                                     void *impl, sscard_keys **out);

/* ---- authentication ------------------------------------------------------ */

typedef enum sscard_auth_verdict {
	SSCARD_AUTH_NOT_RUN = 0,       /* not attempted (or a transport error) */
	SSCARD_AUTH_GENUINE = 1,       /* the card proved it holds its keys */
	SSCARD_AUTH_NOT_GENUINE = 2,   /* the card accepted our keys but failed
	                                  to prove its own: a forgery or a clone */
	SSCARD_AUTH_KEYS_MISMATCH = 3, /* our keys are not this card's */
	SSCARD_AUTH_TERMINAL_ONLY = 4  /* the card accepted our key; whether it is
	                                  genuine was not checked (the provider has
	                                  no internal-authentication key) */
} sscard_auth_verdict;

/* "NOT_RUN", "GENUINE", "NOT_GENUINE", "KEYS_MISMATCH", "TERMINAL_ONLY";
 * "UNKNOWN" for other values; never NULL. */
SSCARD_API const char *sscard_auth_verdict_name(int verdict);

/*
 * Authenticate in `df` ("SSSE", "DF04", ...; NULL: SSSE): INTERNAL AUTHENTICATE
 * (card -> terminal: our random encrypted with the diversified IRK), then
 * EXTERNAL AUTHENTICATE (terminal -> card: GET CHALLENGE, cryptogram with
 * the diversified RK). Afterwards the card grants the DF's
 * external-authentication access until it is reset or another DF is
 * selected.
 *
 * Returns SSCARD_OK with *verdict GENUINE when both succeed, or
 * TERMINAL_ONLY when the provider has no internal-authentication key (the
 * card then grants access, but nothing proved it genuine);
 * SSCARD_E_NOT_GENUINE when the card accepted our external key but its
 * internal-authentication answer is wrong; SSCARD_E_KEYS_MISMATCH when
 * the card rejects our keys (or has none with the keystore's ids, or
 * uses the other algorithm); SSCARD_E_KEY_NOT_FOUND when the provider
 * has no external-authentication key for df (nor for SSSE); or the
 * transport/card error. *verdict (may be NULL) says which.
 */
SSCARD_API sscard_rc sscard_authenticate(sscard_card *card, sscard_keys *keys,
                                         const char *df,
                                         sscard_auth_verdict *verdict);

/* ---- commands protected by a line MAC -------------------------------------
 * Each selects `df` (NULL = "SSSE"), asks for a challenge and sends the
 * command with a 4-byte MAC by the card's key (IV = the challenge). The
 * key is looked up for `df`, else for SSSE. */

/* APPLICATION BLOCK 84 1E 00 <00 temporary | 01 permanent>, key "line":
 * a terminal locking a card reported lost. A permanent lock cannot be
 * undone. */
SSCARD_API sscard_rc sscard_app_block(sscard_card *card, sscard_keys *keys,
                                      const char *df, int permanent);
/* APPLICATION UNBLOCK 84 18 00 00, key "line": lifts a temporary block.
 * While SSSE itself is blocked the card will not show its identification
 * code (tag 01), which keys diversified by city or province need: pass
 * it as `card_id` (32 hex digits, from the back end or an earlier read);
 * NULL reads it from the card (enough when only an application DF such
 * as DF04 is blocked, or for card-level keys). */
SSCARD_API sscard_rc sscard_app_unblock(sscard_card *card, sscard_keys *keys,
                                        const char *df, const char *card_id);
/* PIN UNBLOCK 84 24 00 00, key "unblock": resets the PIN try counter. */
SSCARD_API sscard_rc sscard_pin_unblock(sscard_card *card, sscard_keys *keys,
                                        const char *df);
/* PIN RELOAD 84 24 00 01, key "unblock": sets a new PIN (4..12 digits),
 * sent encrypted (ECB of <count> <BCD, F-padded> 80 00..) and MAC'd. */
SSCARD_API sscard_rc sscard_pin_reload(sscard_card *card, sscard_keys *keys,
                                       const char *df, const char *new_pin);

/* ---- protected writes ---------------------------------------------------- */

/*
 * Write one data element of SSSE (`element`: a key such as "name", a hex
 * tag such as "09", or a label; `text`: its display form, as cardtool
 * shows it) with line protection: UPDATE RECORD 04 DC <tag> <SFI<<3>
 * with a MAC by the "line" key. The element is read first (after
 * authenticating when the card requires it): if it already holds the
 * value nothing is written (*written = 0), so a re-run after a torn write
 * repairs the element and a re-run after success is harmless. After
 * writing, the element is read back and compared (*written = 1).
 * Errors: SSCARD_E_TORN_WRITE when the card vanished mid-write (the
 * detail names the element that may be damaged), SSCARD_E_VERIFY_FAILED
 * when the read-back differs, SSCARD_E_MAC when the card refuses the MAC,
 * the codec's errors for a bad value.
 */
SSCARD_API sscard_rc sscard_write_element(sscard_card *card, sscard_keys *keys,
                                          const char *element, const char *text,
                                          int *written);

#ifdef __cplusplus
}
#endif
#endif
